#!/usr/bin/env bash
# Resource hygiene: feeds N jobs (default 10,000) to one thumbd (release build) through moto_server on
# 127.0.0.1 and watches its RSS and open file descriptors (scripts/lib/soak_monitor.py).
# Passes when RSS after the last job is within 10% (or 20 MB) of RSS after the first tenth and the
# fds count is the same. The photos are the chaos run's valid sources (JPEG baseline, progressive,
# EXIF-rotated, grey, tiny; PNG with alpha, palette), 400x400.
#
#   scripts/soak.sh [--jobs 10000]
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=10000
while [ $# -gt 0 ]; do
    case "$1" in
        --jobs) jobs="$2"; shift 2 ;;
        *) echo "usage: $0 [--jobs N]" >&2; exit 2 ;;
    esac
done
source scripts/lib/deps.sh
source scripts/lib/moto.sh
trap thumbd_stop_started EXIT
thumbd_install_deps
echo "==> swift build -c release"
swift build -c release >/dev/null
bin=$(swift build -c release --show-bin-path)
out=.soak
rm -rf "$out"
mkdir -p "$out/photos"
export THUMBD_LOG_DIR="$out"
thumbd_start_moto MOTO_URL open
thumbd_local_aws_env soak
export AWS_ENDPOINT_URL="$MOTO_URL"
(cd scripts/lib && python3 -c '
import sys
from chaos_jobs import valid_sources
for name, data, _, _ in valid_sources():
    open(f"{sys.argv[1]}/{name}", "wb").write(data)' "../../$out/photos")
THUMBD_QUEUE=soak THUMBD_OUTPUT_BUCKET=soak-out "$bin/thumbctl" setup >/dev/null
photos=("$out"/photos/*)
keys=()
for photo in "${photos[@]}"; do keys+=("$(basename "$photo")"); done
python3 scripts/lib/enqueue.py upload soak-photos "${photos[@]}"
echo "==> thumbd (concurrency $(nproc)), fed $jobs jobs (at most 100 queued), sampled every second"
THUMBD_QUEUE=soak THUMBD_OUTPUT_BUCKET=soak-out THUMBD_WAIT_TIME=1 THUMBD_LOG_FORMAT=json \
    "$bin/thumbd" >"$out/thumbd.log" &
pid=$!
status=0
python3 scripts/lib/soak_monitor.py "$pid" "$MOTO_URL" "$MOTO_URL/123456789012/soak" "$jobs" soak-photos \
    "$out/report.json" "${keys[@]}" || status=1
kill -TERM "$pid"
wait "$pid" || status=1
failed=$(grep -c '"job.result":"retry"\|"job.result":"dead_lettered"' "$out/thumbd.log" || true)
echo "==> jobs that failed: $failed"
[ "$failed" = 0 ] || status=1
exit $status
