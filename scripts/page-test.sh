#!/usr/bin/env bash
# The upload page in a real browser (Debian's chromium, headless, driven by selenium; both installed
# by scripts/lib/deps.sh): starts moto_server, `thumbctl setup`, thumbd-api with API keys on and
# thumbd behind it, makes a key, and runs scripts/lib/page_test.py against the page. Screenshots and
# logs go to a temporary folder, printed at the end. Uses the debug build (scripts/test.sh builds it).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/moto.sh
trap thumbd_stop_started EXIT

bin=$(swift build --show-bin-path)
work=$(mktemp -d)
export THUMBD_LOG_DIR="$work"
# Without SigV4 checks: the page shows public-read thumbnails, fetched by the browser without credentials.
thumbd_start_moto MOTO_URL open
thumbd_local_aws_env page
export AWS_ENDPOINT_URL="$MOTO_URL"
export THUMBD_QUEUE=page THUMBD_JOBS_TABLE=page-jobs THUMBD_UPLOAD_BUCKET=page-uploads THUMBD_OUTPUT_BUCKET=page-thumbs \
    THUMBD_WAIT_TIME=1 THUMBD_LOG_FORMAT=json THUMBD_SIZES=200x200
"$bin/thumbctl" setup >/dev/null
python3 scripts/lib/sample_photos.py "$work/photos" >/dev/null
printf 'These are notes, not a photo.\n' >"$work/photos/notes.txt"
port=$(thumbd_free_port)
THUMBD_API_LISTEN="127.0.0.1:$port" "$bin/thumbd-api" >"$work/api.log" 2>&1 &
thumbd_track $!
"$bin/thumbd" >"$work/thumbd.log" 2>&1 &
thumbd_track $!
key=$("$bin/thumbctl" api-key create --owner page | python3 -c 'import json, sys; print(json.load(sys.stdin)["key"])')
for attempt in $(seq 101); do
    curl -sf -o /dev/null "http://127.0.0.1:$port/healthz" && break
    if [ "$attempt" = 101 ]; then echo "thumbd-api did not start:" >&2; tail -20 "$work/api.log" >&2; exit 1; fi
    sleep 0.1
done

echo "==> the upload page in headless chromium (logs and screenshots in $work)"
python3 scripts/lib/page_test.py "http://127.0.0.1:$port" "$key" "$work/photos" "${THUMBD_PAGE_SCREENSHOTS:-$work}"
