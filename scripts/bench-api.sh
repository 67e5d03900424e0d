#!/usr/bin/env bash
# Web-tier benchmark, on moto_server on 127.0.0.1 with the release builds:
#   1. 100 clients at once each upload one photo with `Prefer: wait=60` to thumbd-api (auth none), with
#      thumbd working behind it; then the same 100 through the reference web tier a course report
#      describes (Flask's threaded server, boto3: store the upload, enqueue, HEAD the output every
#      0.5 s; scripts/lib/reference_web_tier.py) with the same thumbd. For each: correct answers
#      (a complete job whose thumbnail Pillow reads at 400x250), total time, p50/p99 latency, and the
#      web tier's own CPU ms per request and peak RSS (its process alone, from /proc).
#   2. thumbd-api's peak RSS while 20 clients upload a 50 MB photo each at once.
# Prints the figures and the ratios.
#
#   scripts/bench-api.sh [--clients N]
set -euo pipefail
cd "$(dirname "$0")/.."
clients=100
while [ $# -gt 0 ]; do
    case "$1" in
        --clients) clients="$2"; shift 2 ;;
        *) echo "usage: $0 [--clients N]" >&2; exit 2 ;;
    esac
done
source scripts/lib/deps.sh
source scripts/lib/moto.sh
trap thumbd_stop_started EXIT
thumbd_install_deps
echo "==> swift build -c release"
swift build -c release >/dev/null
bin=$(swift build -c release --show-bin-path)

work=$(mktemp -d)
export THUMBD_LOG_DIR="$work"
thumbd_start_moto MOTO_URL open
thumbd_local_aws_env bench-api
export AWS_ENDPOINT_URL="$MOTO_URL"
export THUMBD_QUEUE=bench-api THUMBD_OUTPUT_BUCKET=bench-api-thumbs THUMBD_JOBS_TABLE=bench-api-jobs \
    THUMBD_UPLOAD_BUCKET=bench-api-uploads THUMBD_WAIT_TIME=1 THUMBD_LOG_FORMAT=json THUMBD_API_AUTH=none THUMBD_SIZES=400x400
"$bin/thumbctl" setup >/dev/null
queue_url=$(python3 -c 'import boto3, sys; print(boto3.client("sqs", endpoint_url=sys.argv[1]).get_queue_url(QueueName="bench-api")["QueueUrl"])' "$MOTO_URL")
python3 scripts/lib/sample_photos.py "$work/photos" >/dev/null
photo="$work/photos/canyon.jpg"   # 1600x1000: 400x250 at 400x400

# cpu_ms PID: user+system CPU of one process so far, in milliseconds.
cpu_ms() { awk -v hz="$(getconf CLK_TCK)" '{ print int(($14 + $15) * 1000 / hz) }' "/proc/$1/stat"; }
peak_rss_mb() { awk '/VmHWM/ { print int($2 / 1024) }' "/proc/$1/status"; }
wait_port() { for _ in $(seq 200); do curl -s -o /dev/null "http://127.0.0.1:$1/" && return; sleep 0.1; done; }

"$bin/thumbd" >"$work/thumbd.log" 2>&1 &
thumbd_pid=$!
thumbd_track $thumbd_pid

# run_tier NAME PID PORT: the clients against one web tier; prints its line.
run_tier() {
    local name=$1 pid=$2 port=$3 before after result
    before=$(cpu_ms "$pid")
    result=$(python3 scripts/lib/bench_api_client.py "http://127.0.0.1:$port/" "$photo" "$clients" "$MOTO_URL" "$THUMBD_OUTPUT_BUCKET" 400x250)
    after=$(cpu_ms "$pid")
    python3 - "$name" "$result" "$((after - before))" "$(peak_rss_mb "$pid")" "$clients" <<'PY'
import json, sys
name, result, cpu, rss, clients = sys.argv[1], json.loads(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
print(f"{name:<26} correct {result['correct']}/{result['requests']}  total {result['total_s']:6.2f} s  "
      f"p50 {result['p50_ms']:6d} ms  p99 {result['p99_ms']:6d} ms  CPU {cpu / clients:7.2f} ms/request  peak RSS {rss:4d} MB")
PY
    echo "$((after - before))" >"$work/$name.cpu"
}

echo "==> $clients clients at once, one photo each with Prefer: wait=60 (thumbd behind both)"
api_port=$(thumbd_free_port)
THUMBD_API_LISTEN="127.0.0.1:$api_port" "$bin/thumbd-api" >"$work/api.log" 2>&1 &
api_pid=$!
thumbd_track $api_pid
wait_port "$api_port"
run_tier thumbd-api "$api_pid" "$api_port"
kill -TERM "$api_pid"; wait "$api_pid" 2>/dev/null || true

ref_port=$(thumbd_free_port)
python3 scripts/lib/reference_web_tier.py "$ref_port" "$MOTO_URL" "$queue_url" "$THUMBD_UPLOAD_BUCKET" "$THUMBD_OUTPUT_BUCKET" \
    >"$work/reference.log" 2>&1 &
ref_pid=$!
thumbd_track $ref_pid
wait_port "$ref_port"
run_tier "reference (Flask, boto3)" "$ref_pid" "$ref_port"
echo "thumbd-api CPU per request / reference's: $(python3 -c "import sys; a, b = map(float, sys.argv[1:]); print(f'{a / b:.3f}x')" \
    "$(cat "$work/thumbd-api.cpu")" "$(cat "$work/reference (Flask, boto3).cpu")")  (target: at most 0.25x)"

echo "==> thumbd-api's peak RSS while 20 clients upload a 50 MB photo each at once"
python3 - "$work/big.jpg" <<'PY'
import sys, numpy as np
from PIL import Image
rng = np.random.default_rng(1)
# Noise compresses badly: about 50 MB of JPEG at quality 100, 4:4:4.
Image.fromarray(rng.integers(0, 256, (3500, 3600, 3), dtype=np.uint8), "RGB").save(sys.argv[1], quality=100, subsampling=0)
PY
echo "    the photo: $(du -m "$work/big.jpg" | cut -f1) MB"
kill -TERM "$thumbd_pid"; wait "$thumbd_pid" 2>/dev/null || true   # thumbd: only the web tier is measured here
api_port=$(thumbd_free_port)
THUMBD_API_LISTEN="127.0.0.1:$api_port" "$bin/thumbd-api" >"$work/api-big.log" 2>&1 &
api_pid=$!
thumbd_track $api_pid
wait_port "$api_port"
rss_before=$(awk '/VmRSS/ { print int($2 / 1024) }' "/proc/$api_pid/status")
result=$(python3 scripts/lib/bench_api_client.py "http://127.0.0.1:$api_port/" "$work/big.jpg" 20 "$MOTO_URL" "$THUMBD_OUTPUT_BUCKET" - --no-wait)
echo "    accepted $(python3 -c 'import json, sys; r = json.loads(sys.argv[1]); print("%d/%d in %.1f s" % (r["correct"], r["requests"], r["total_s"]))' "$result");" \
    "RSS at start $rss_before MB, peak $(peak_rss_mb "$api_pid") MB (target: under 150 MB)"
