#!/usr/bin/env bash
# thumbd-api against its contract: a live thumbd-api (API keys on) with thumbd behind it on
# moto_server (scripts/lib/live_api.sh), checked by schemathesis (pinned in scripts/lib/deps.sh) from
# docs/openapi.yaml: every operation, generated and stateful requests. It fails on any 5xx and on any
# answer the document does not describe (status, content type, headers, body schema).
# Uses the debug build (scripts/test.sh builds it); arguments go to schemathesis.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/moto.sh
source scripts/lib/live_api.sh
trap thumbd_stop_started EXIT

thumbd_start_live_api contract THUMBD_API_SOURCE_BUCKETS=contract-sources

echo "==> schemathesis against $LIVE_URL (logs in $LIVE_WORK)"
status=0
schemathesis run docs/openapi.yaml --url "$LIVE_URL" -H "Authorization: Bearer $LIVE_KEY" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance \
    --max-examples "${THUMBD_CONTRACT_EXAMPLES:-40}" --request-timeout 70 --generation-database none --seed 7 "$@" || status=$?
if grep -q '"http.status":"5' "$LIVE_WORK/api.log"; then
    echo "thumbd-api answered 5xx:" >&2
    grep '"http.status":"5' "$LIVE_WORK/api.log" | head -5 >&2
    status=1
fi
exit $status
