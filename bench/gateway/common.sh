# Sourced by the gateway bench scripts (instructions.sh, profile.sh, split.sh): the one gateway
# they measure. run.py writes the same configuration for run.sh.

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
