# mlci container image: the six steps on Debian slim, nothing else.
#   docker build -t mlci .
#   docker run --rm -v "$PWD:/work" -w /work mlci mlci-train --help

FROM debian:bookworm-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      build-essential pkg-config \
      libgit2-dev libjansson-dev libcurl4-openssl-dev libssl-dev zlib1g-dev libzstd-dev \
      libopenblas-dev liblapack-dev \
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
      libopenblas0-pthread liblapack3 \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /out/usr/local/bin/ /usr/local/bin/
RUN useradd --system --uid 10001 --home-dir /work mlci
USER mlci
WORKDIR /work
CMD ["mlci-validate-data", "--help"]
