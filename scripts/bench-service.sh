#!/usr/bin/env bash
# Service benchmark: N jobs (default 500) through moto_server on 127.0.0.1, the same full-size photos
# (the bench-resize corpus's JPEGs), 400x400 at quality 85:
#   - thumbd (release build, static Swift runtime, default concurrency), until the queue is empty;
#   - the reference worker the original assignment describes (Python, boto3, Pillow's ImageOps.fit from
#     the full decode, one message at a time; scripts/lib/reference_worker.py), on a queue of its own;
#   - a stronger Python peer on a third queue: Pillow's thumbnail(), which decodes in draft mode;
#   - thumbctl resize over the same photo sequence in one process, for the per-image floor.
# Every job asks for 400x400 in fill mode (cover and crop, what ImageOps.fit does).
# Prints jobs per second and CPU seconds per job for each (CPU of that process alone, moto_server
# excluded) and the ratios.
#
#   scripts/bench-service.sh [--jobs N]
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=500
while [ $# -gt 0 ]; do
    case "$1" in
        --jobs) jobs="$2"; shift 2 ;;
        *) echo "usage: $0 [--jobs N]" >&2; exit 2 ;;
    esac
done
source scripts/lib/deps.sh
source scripts/lib/moto.sh
source scripts/lib/corpus.sh
trap thumbd_stop_started EXIT
thumbd_install_deps
for tool in /usr/bin/time:time bc:bc; do
    command -v "${tool%%:*}" >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${tool##*:}" >/dev/null
done
bench=.bench
thumbd_fetch_corpus "$bench"
echo "==> swift build -c release --static-swift-stdlib"
swift build -c release --static-swift-stdlib >/dev/null
bin=$(swift build -c release --show-bin-path)

export THUMBD_LOG_DIR=$(mktemp -d)
thumbd_start_moto MOTO_URL open
thumbd_local_aws_env bench
export AWS_ENDPOINT_URL="$MOTO_URL"

photos=("$bench"/jpeg/*.jpg)
keys=()
for photo in "${photos[@]}"; do keys+=("$(basename "$photo")"); done
echo "==> uploading ${#photos[@]} photos, enqueueing $jobs jobs for each worker"
python3 scripts/lib/enqueue.py upload bench-photos "${photos[@]}"
THUMBD_QUEUE=bench-thumbd THUMBD_OUTPUT_BUCKET=bench-out-thumbd "$bin/thumbctl" setup >/dev/null
THUMBD_QUEUE=bench-reference THUMBD_OUTPUT_BUCKET=bench-out-reference "$bin/thumbctl" setup >/dev/null
THUMBD_QUEUE=bench-draft THUMBD_OUTPUT_BUCKET=bench-out-draft "$bin/thumbctl" setup >/dev/null
thumbd_queue="$MOTO_URL/123456789012/bench-thumbd"
reference_queue="$MOTO_URL/123456789012/bench-reference"
draft_queue="$MOTO_URL/123456789012/bench-draft"
for queue in "$thumbd_queue" "$reference_queue" "$draft_queue"; do
    python3 scripts/lib/enqueue.py jobs "$queue" bench-photos "$jobs" fill "${keys[@]}"
done

idle=3
echo "==> thumbd"
start=$(date +%s.%N)
THUMBD_QUEUE=bench-thumbd THUMBD_OUTPUT_BUCKET=bench-out-thumbd THUMBD_WAIT_TIME=1 THUMBD_LOG_FORMAT=json \
    /usr/bin/time -o "$bench/time-thumbd.txt" -f "%U %S %M" "$bin/thumbd" --exit-when-idle "$idle" >"$bench/thumbd.log"
thumbd_wall=$(echo "$(date +%s.%N) - $start - $idle" | bc)
ok=$(grep -c '"job.result":"ok"' "$bench/thumbd.log" || true)

echo "==> reference worker (the assignment's: Python, boto3, Pillow ImageOps.fit, one message at a time)"
start=$(date +%s.%N)
/usr/bin/time -o "$bench/time-reference.txt" -f "%U %S %M" python3 scripts/lib/reference_worker.py assignment "$reference_queue" bench-out-reference "$idle"
reference_wall=$(echo "$(date +%s.%N) - $start - $idle" | bc)

echo "==> Python peer with Pillow's draft-mode thumbnail()"
start=$(date +%s.%N)
/usr/bin/time -o "$bench/time-draft.txt" -f "%U %S %M" python3 scripts/lib/reference_worker.py draft "$draft_queue" bench-out-draft "$idle"
draft_wall=$(echo "$(date +%s.%N) - $start - $idle" | bc)

echo "==> thumbctl resize over the same $jobs photos"
sequence=()
for i in $(seq 0 $((jobs - 1))); do sequence+=("${photos[$((i % ${#photos[@]}))]}"); done
rm -rf "$bench/out-service-resize"
/usr/bin/time -o "$bench/time-resize.txt" -f "%U %S %M" "$bin/thumbctl" resize --width 400 --height 400 --mode fill --out-dir "$bench/out-service-resize" "${sequence[@]}"

cpu() { awk '{ print $1 + $2 }' "$1"; }
rss() { awk '{ printf "%.0f", $3 / 1024 }' "$1"; }
thumbd_cpu=$(cpu "$bench/time-thumbd.txt")
reference_cpu=$(cpu "$bench/time-reference.txt")
draft_cpu=$(cpu "$bench/time-draft.txt")
resize_cpu=$(cpu "$bench/time-resize.txt")
{
    echo "== $jobs jobs, ${#photos[@]} distinct photos (2560-5120 px JPEGs), 400x400 fill q85, moto_server on 127.0.0.1, $(nproc) cores"
    printf '%-22s %10s %14s %12s %12s\n' worker "jobs/s" "cpu s/job" "peak RSS MB" "jobs ok"
    printf '%-22s %10.1f %14.4f %12s %12s\n' thumbd "$(echo "$jobs / $thumbd_wall" | bc -l)" "$(echo "$thumbd_cpu / $jobs" | bc -l)" "$(rss "$bench/time-thumbd.txt")" "$ok"
    printf '%-22s %10.1f %14.4f %12s %12s\n' "reference (assignment)" "$(echo "$jobs / $reference_wall" | bc -l)" "$(echo "$reference_cpu / $jobs" | bc -l)" "$(rss "$bench/time-reference.txt")" "-"
    printf '%-22s %10.1f %14.4f %12s %12s\n' "Python, draft mode" "$(echo "$jobs / $draft_wall" | bc -l)" "$(echo "$draft_cpu / $jobs" | bc -l)" "$(rss "$bench/time-draft.txt")" "-"
    printf '%-22s %10s %14.4f %12s\n' "thumbctl resize" "-" "$(echo "$resize_cpu / $jobs" | bc -l)" "$(rss "$bench/time-resize.txt")"
    printf 'CPU per job, reference (assignment) / thumbd: %.2fx less for thumbd (target: at least 2x)\n' "$(echo "$reference_cpu / $thumbd_cpu" | bc -l)"
    printf 'CPU per job, Python draft mode / thumbd: %.2fx less for thumbd\n' "$(echo "$draft_cpu / $thumbd_cpu" | bc -l)"
    printf 'CPU per job, thumbd / thumbctl resize: %.2fx (target: at most 1.2x)\n' "$(echo "$thumbd_cpu / $resize_cpu" | bc -l)"
} | tee "$bench/report-service.txt"
