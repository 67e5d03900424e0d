#!/usr/bin/env bash
# thumbd-api against its contract: starts moto_server, `thumbctl setup`, thumbd-api (API keys on) and
# thumbd, makes a key, and runs schemathesis (pinned in scripts/lib/deps.sh) from docs/openapi.yaml
# against the live server: every operation, generated and stateful requests. It fails on any 5xx
# and on any answer the document does not describe (status, content type, headers, body schema).
# Uses the debug build (scripts/test.sh builds it); arguments go to schemathesis.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/moto.sh
trap thumbd_stop_started EXIT

bin=$(swift build --show-bin-path)
work=$(mktemp -d)
export THUMBD_LOG_DIR="$work"
thumbd_start_moto MOTO_URL open
thumbd_local_aws_env contract
export AWS_ENDPOINT_URL="$MOTO_URL"
export THUMBD_QUEUE=contract THUMBD_JOBS_TABLE=contract-jobs THUMBD_UPLOAD_BUCKET=contract-uploads \
    THUMBD_OUTPUT_BUCKET=contract-thumbs THUMBD_WAIT_TIME=1 THUMBD_LOG_FORMAT=json THUMBD_API_SOURCE_BUCKETS=contract-sources
"$bin/thumbctl" setup >/dev/null
port=$(thumbd_free_port)
THUMBD_API_LISTEN="127.0.0.1:$port" "$bin/thumbd-api" >"$work/api.log" 2>&1 &
thumbd_track $!
"$bin/thumbd" >"$work/thumbd.log" 2>&1 &
thumbd_track $!
key=$("$bin/thumbctl" api-key create --owner contract | python3 -c 'import json, sys; print(json.load(sys.stdin)["key"])')
for _ in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$port/healthz" && break; sleep 0.1; done

echo "==> schemathesis against http://127.0.0.1:$port (logs in $work)"
status=0
schemathesis run docs/openapi.yaml --url "http://127.0.0.1:$port" -H "Authorization: Bearer $key" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance \
    --max-examples "${THUMBD_CONTRACT_EXAMPLES:-40}" --request-timeout 70 --generation-database none --seed 7 "$@" || status=$?
if grep -q '"http.status":"5' "$work/api.log"; then
    echo "thumbd-api answered 5xx:" >&2
    grep '"http.status":"5' "$work/api.log" | head -5 >&2
    status=1
fi
exit $status
