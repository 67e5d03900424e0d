#!/usr/bin/env bash
# The upload page in a real browser (Debian's chromium, headless, driven by selenium; both installed
# by scripts/lib/deps.sh): a live thumbd-api (API keys on) with thumbd behind it on moto_server
# (scripts/lib/live_api.sh), and scripts/lib/page_test.py against the page. Screenshots go to
# THUMBD_PAGE_SCREENSHOTS, else the run's log folder, printed at the end.
# Uses the debug build (scripts/test.sh builds it).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/moto.sh
source scripts/lib/live_api.sh
trap thumbd_stop_started EXIT

thumbd_start_live_api page THUMBD_SIZES=200x200
python3 scripts/lib/sample_photos.py "$LIVE_WORK/photos" >/dev/null
printf 'These are notes, not a photo.\n' >"$LIVE_WORK/photos/notes.txt"

echo "==> the upload page in headless chromium (logs and screenshots in $LIVE_WORK)"
python3 scripts/lib/page_test.py "$LIVE_URL" "$LIVE_KEY" "$LIVE_WORK/photos" "${THUMBD_PAGE_SCREENSHOTS:-$LIVE_WORK}"
