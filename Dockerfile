# mlci container image: the steps on Debian slim, nothing else. By default
# it runs mlci-serve on port 5000 with the package mounted at
# /models/model.tar.gz (or named by MLCI_SERVE_PACKAGE; every flag can
# also come from its MLCI_SERVE_* variable):
#   docker build -t mlci .
#   docker run --rm -p 5000:5000 -v "$PWD/dist:/models:ro" mlci
#   docker run --rm -p 5000:5000 -v /srv/registry:/registry:ro \
#     -e MLCI_SERVE_PACKAGE= -e MLCI_SERVE_REGISTRY=dir:///registry \
#     -e MLCI_SERVE_NAME=churn -e MLCI_SERVE_CHANNEL=production mlci
#   docker run --rm -v "$PWD:/work" -w /work mlci mlci-train --help

FROM debian:bookworm-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      build-essential pkg-config \
      libgit2-dev libjansson-dev libcurl4-openssl-dev libssl-dev zlib1g-dev libzstd-dev \
      libopenblas-dev liblapack-dev libmicrohttpd-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Makefile ./
COPY shared/ shared/
COPY steps/ steps/
RUN make -j"$(nproc)" all \
 && make install PREFIX=/usr/local DESTDIR=/out

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      ca-certificates libgit2-1.5 libjansson4 libcurl4 libssl3 zlib1g libzstd1 \
      libopenblas0-pthread liblapack3 libmicrohttpd12 \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /out/usr/local/bin/ /usr/local/bin/
RUN useradd --system --uid 10001 --home-dir /work mlci
USER mlci
WORKDIR /work
ENV MLCI_SERVE_LISTEN=0.0.0.0:5000 \
    MLCI_SERVE_PACKAGE=/models/model.tar.gz
EXPOSE 5000
CMD ["mlci-serve"]
