# Sourced by the http(s):// registry tests: an unprivileged nginx serving
# WebDAV (PUT DELETE MKCOL COPY MOVE) on 127.0.0.1, everything it writes
# under one scratch directory.
#
#   dav_start DIR   start nginx with its root at DIR/root; sets DAV_PORT,
#                   DAV_ROOT, DAV_URL (http://127.0.0.1:PORT) and DAV_PID,
#                   and kills it when the test's shell exits. Returns 1 when
#                   nginx would not start.
#   dav_stop        stop it (by its pid).
#   free_port       print a port nothing listens on now.
for v in http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY no_proxy NO_PROXY; do
	unset "$v"
done

free_port() {
	/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

dav_start() {
	d=$1
	mkdir -p "$d/root" "$d/tmp" "$d/logs"
	user_line=""
	[ "$(id -u)" -eq 0 ] && user_line="user $(id -un) $(id -gn);"
	for attempt in 1 2 3 4 5; do
		DAV_PORT=$(free_port)
		cat >"$d/nginx.conf" <<CONF
$user_line
worker_processes 1;
daemon off;
pid $d/nginx.pid;
error_log $d/logs/error.log warn;
events { worker_connections 256; }
http {
	access_log off;
	client_body_temp_path $d/tmp/body;
	proxy_temp_path $d/tmp/proxy;
	fastcgi_temp_path $d/tmp/fastcgi;
	uwsgi_temp_path $d/tmp/uwsgi;
	scgi_temp_path $d/tmp/scgi;
	client_max_body_size 64m;
	server {
		listen 127.0.0.1:$DAV_PORT;
		root $d/root;
		location / {
			dav_methods PUT DELETE MKCOL COPY MOVE;
			create_full_put_path on;
			dav_access user:rw group:r all:r;
		}
	}
}
CONF
		nginx -p "$d" -e "$d/logs/error.log" -c "$d/nginx.conf" 2>>"$d/logs/start.log" &
		DAV_PID=$!
		for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
			if /usr/bin/python3 -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 0.2).close()' "$DAV_PORT" 2>/dev/null; then
				DAV_ROOT=$d/root
				DAV_URL=http://127.0.0.1:$DAV_PORT
				trap 'dav_stop' EXIT
				return 0
			fi
			kill -0 "$DAV_PID" 2>/dev/null || break
			sleep 0.1
		done
		kill "$DAV_PID" 2>/dev/null
		wait "$DAV_PID" 2>/dev/null
	done
	return 1
}

dav_stop() {
	if [ -n "${DAV_PID:-}" ]; then
		kill "$DAV_PID" 2>/dev/null
		wait "$DAV_PID" 2>/dev/null
		DAV_PID=""
	fi
}
