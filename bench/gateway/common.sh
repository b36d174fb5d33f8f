# Sourced by the gateway bench scripts (instructions.sh, profile.sh, split.sh, idle.sh): the one
# gateway they measure, and the nginx beside it. run.py writes the same configurations for
# run.sh.

# gateway_config FILE LISTEN MOCK_PORT DB: `llmctl gateway`, one worker, the SQLite request log
# at DB (the product's default) and no access log, one openai-compatible deployment "bench" at
# the mock on MOCK_PORT, listening on LISTEN (host:port; port 0 = any).
gateway_config() {
  cat > "$1" <<Y
listen: $2
workers: 1
logging:
  access_log: false
  request_log:
    path: $4
models:
  - name: bench
    deployments:
      - provider: openai-compatible
        base_url: http://127.0.0.1:$3/v1
        model: bench
        price: none
Y
}

# nginx_config FILE DIR PORT MOCK_PORT: nginx, one worker, a plain reverse proxy with upstream
# keep-alive to the mock on MOCK_PORT, listening on 127.0.0.1:PORT, its files under DIR.
nginx_config() {
  mkdir -p "$2"
  cat > "$1" <<N
daemon off; worker_processes 1; user root root; pid $2/nginx.pid;
error_log $2/error.log warn;
events { worker_connections 16384; }
http {
  access_log off;
  client_body_temp_path $2/body; proxy_temp_path $2/proxy;
  fastcgi_temp_path $2/fastcgi; uwsgi_temp_path $2/uwsgi; scgi_temp_path $2/scgi;
  keepalive_requests 1000000;
  upstream mock { server 127.0.0.1:$4; keepalive 64; keepalive_requests 1000000; }
  proxy_http_version 1.1; proxy_set_header Connection ""; proxy_buffering off;
  server { listen 127.0.0.1:$3; location / { proxy_pass http://mock; } }
}
N
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
