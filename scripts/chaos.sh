#!/usr/bin/env bash
# Chaos run: proves that no job is lost under crashes, network faults and hostile input.
#   - moto_server on 127.0.0.1; `thumbctl setup` makes the queue, its DLQ and the output bucket;
#   - N jobs (scripts/lib/chaos_jobs.py): valid ones in all four message formats, hostile images
#     (scripts/lib/hostile_images.py) and hostile messages, each with the outcome it deserves;
#   - thumbd talks to moto only through Tests/peers/fault_proxy.py, which faults --fault-rate of all
#     requests (500, 503, throttling, resets before and after forwarding, answers slower than the
#     read timeout, truncated bodies);
#   - scripts/lib/chaos_run.py kills thumbd with SIGKILL --kills times and stops it with SIGTERM
#     --terms times at random moments while it works, restarting it each time, until the queue is empty;
#   - scripts/lib/chaos_check.py checks the invariant: every job has all its outputs (decoding, right
#     size and type, public-read) or is in the DLQ with the right code; nothing lost, nothing corrupt;
#   - then scripts/lib/chaos_sabotage.py deletes an output, truncates another and deletes a dead letter,
#     and the checker must report exactly that (lost 2, corrupt 1): a checker that cannot fail fails.
# Reports go to .chaos/ (report.json holds every figure).
#
#   scripts/chaos.sh [--jobs 200] [--kills 5] [--terms 2] [--fault-rate 0.1] [--seed 1] [--timeout 280] [--debug]
#
# --debug uses the debug build (what `swift build` made for the tests) instead of building release.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=200 kills=5 terms=2 rate=0.1 seed=1 timeout=280 configuration=release
while [ $# -gt 0 ]; do
    case "$1" in
        --jobs) jobs="$2"; shift 2 ;;
        --kills) kills="$2"; shift 2 ;;
        --terms) terms="$2"; shift 2 ;;
        --fault-rate) rate="$2"; shift 2 ;;
        --seed) seed="$2"; shift 2 ;;
        --timeout) timeout="$2"; shift 2 ;;
        --debug) configuration=debug; shift ;;
        *) echo "usage: $0 [--jobs N] [--kills N] [--terms N] [--fault-rate R] [--seed N] [--timeout S] [--debug]" >&2; exit 2 ;;
    esac
done
source scripts/lib/deps.sh
source scripts/lib/moto.sh
trap thumbd_stop_started EXIT
thumbd_install_deps
if [ "$configuration" = release ]; then
    echo "==> swift build -c release"
    swift build -c release >/dev/null
else
    swift build >/dev/null
fi
bin=$(swift build -c "$configuration" --show-bin-path)

out=.chaos
rm -rf "$out"
mkdir -p "$out"
export THUMBD_LOG_DIR="$out"
thumbd_start_moto MOTO_URL open
thumbd_local_aws_env chaos
queue=chaos-jobs
AWS_ENDPOINT_URL="$MOTO_URL" THUMBD_QUEUE=$queue THUMBD_OUTPUT_BUCKET=chaos-out \
    "$bin/thumbctl" setup --visibility-timeout 10 >/dev/null

echo "==> $jobs jobs"
(cd scripts/lib && python3 chaos_jobs.py "$MOTO_URL" $queue chaos-src chaos-out "$jobs" "$seed" "../../$out/manifest.json" \
    300 "../../$out/fed") &
feeder=$!
THUMBD_STARTED_PIDS+=($feeder)
until [ -s "$out/manifest.json" ]; do
    kill -0 $feeder 2>/dev/null || { echo "chaos_jobs.py failed" >&2; exit 1; }
    sleep 0.2
done

port_file="$out/proxy.port"
python3 Tests/peers/fault_proxy.py "$MOTO_URL" --fault-rate "$rate" --slow-seconds 8 --seed "$seed" >"$port_file" 2>"$out/proxy.log" &
THUMBD_STARTED_PIDS+=($!)
until [ -s "$port_file" ]; do sleep 0.1; done
proxy="http://127.0.0.1:$(head -1 "$port_file")"

echo "==> thumbd through the fault proxy ($rate of requests faulted), $kills SIGKILLs, $terms SIGTERMs"
# Short timeouts so that faults cost seconds, not minutes: 2 s long polls, 5 s read timeout (the
# proxy's slow answers take 8), 10 s visibility; 64 MB of decode memory (one hostile image needs more).
export THUMBD_QUEUE=$queue THUMBD_OUTPUT_BUCKET=chaos-out THUMBD_CONCURRENCY=2 THUMBD_WAIT_TIME=2 \
    THUMBD_READ_TIMEOUT=5 THUMBD_VISIBILITY_TIMEOUT=10 THUMBD_DRAIN_TIMEOUT=10 THUMBD_JOB_TIMEOUT=60 \
    THUMBD_DECODE_MEMORY_MB=64 THUMBD_LOG_FORMAT=json THUMBD_STATS_INTERVAL=10 \
    THUMBD_SIZES=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["event_sizes"])' "$out/manifest.json")
status=0
python3 scripts/lib/chaos_run.py "$bin/thumbd" "$proxy" "$MOTO_URL" $queue "$kills" "$terms" "$seed" "$timeout" \
    "$out/thumbd.log" "$out/run.json" "$out/fed" || status=1
python3 scripts/lib/chaos_check.py "$MOTO_URL" "$out/manifest.json" "$out/check.json" || status=1
# The checker must be able to fail: lose and corrupt on purpose, and it must see exactly that.
echo "==> checking the checker"
python3 scripts/lib/chaos_sabotage.py "$MOTO_URL" "$out/manifest.json"
python3 scripts/lib/chaos_check.py "$MOTO_URL" "$out/manifest.json" "$out/check-sabotaged.json" >/dev/null || true
python3 - "$out/check-sabotaged.json" <<'PY' || status=1
import json, sys
report = json.load(open(sys.argv[1]))
found = (report["lost"], report["corrupt"])
print(f"the checker found lost {found[0]}, corrupt {found[1]} after the sabotage (expected 2, 1)")
sys.exit(0 if found == (2, 1) else 1)
PY
python3 - "$out" "$jobs" "$rate" <<'PY'
import json, sys
out, jobs, rate = sys.argv[1:]
report = {"jobs": int(jobs), "fault_rate": float(rate), **json.load(open(f"{out}/run.json")), **json.load(open(f"{out}/check.json"))}
json.dump(report, open(f"{out}/report.json", "w"), indent=2)
PY
[ $status -eq 0 ] && echo "==> chaos run passed (figures in $out/report.json)" || echo "==> chaos run FAILED (logs in $out/)"
exit $status
