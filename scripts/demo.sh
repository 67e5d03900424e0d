#!/usr/bin/env bash
# The whole service on this machine: installs what it needs, builds, starts moto_server on
# 127.0.0.1, runs `thumbctl setup`, uploads sample photos it makes itself, starts thumbd, submits the
# original assignment's five jobs with thumb-submit, waits for them, downloads the thumbnails to
# ./demo-out/, prints a table; then the web path: starts thumbd-api, uploads a photo with `curl -F`
# and prints the job document once it completes; then prints the upload page's URL and keeps
# everything up until Enter, so a person can try the page (not with --no-wait); and stops
# everything it started.
#
#   scripts/demo.sh [--no-wait]
set -euo pipefail
cd "$(dirname "$0")/.."
wait_for_enter=true
case "${1:-}" in
    --no-wait) wait_for_enter=false ;;
    "") ;;
    *) echo "usage: $0 [--no-wait]" >&2; exit 2 ;;
esac
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
echo "==> moto_server at $MOTO_URL"

thumbd_local_aws_env demo
export AWS_ENDPOINT_URL="$MOTO_URL"
export THUMBD_QUEUE=thumbd-demo THUMBD_OUTPUT_BUCKET=thumbd-demo-thumbs THUMBD_WAIT_TIME=2 THUMBD_LOG_FORMAT=text
export THUMBD_JOBS_TABLE=thumbd-demo-jobs THUMBD_UPLOAD_BUCKET=thumbd-demo-uploads
source_bucket=cmsc389l-public

echo "==> thumbctl setup"
"$bin/thumbctl" setup

echo "==> sample photos (made with Pillow) to s3://$source_bucket/codelab-04/"
python3 scripts/lib/sample_photos.py "$work/photos"
python3 - "$MOTO_URL" "$source_bucket" "$work/photos" <<'PY'
import sys, boto3
url, bucket, folder = sys.argv[1:]
s3 = boto3.client("s3", endpoint_url=url)
s3.create_bucket(Bucket=bucket)
for name in ("canyon", "dancing", "owl", "skyline", "street"):
    s3.upload_file(f"{folder}/{name}.jpg", bucket, f"codelab-04/{name}.jpg", ExtraArgs={"ContentType": "image/jpeg"})
PY

echo "==> thumbd (log: $work/thumbd.log)"
"$bin/thumbd" >"$work/thumbd.log" 2>&1 &
thumbd_track $!

echo "==> thumb-submit, the assignment's five jobs"
jobs=("canyon 400 400" "dancing 300 600" "owl 150 100" "skyline 1000 400" "street 51 49")
for job in "${jobs[@]}"; do
    read -r name width height <<<"$job"
    # Prints the message id, then (--wait) the thumbnail's public URL once it exists.
    "$bin/thumb-submit" --bucket "$source_bucket" --keys "codelab-04/$name.jpg" --height "$height" --width "$width" --wait 60
done

echo "==> downloading to ./demo-out/"
rm -rf demo-out && mkdir -p demo-out
python3 - "$MOTO_URL" "$source_bucket" "$THUMBD_OUTPUT_BUCKET" "$work/thumbd.log" <<'PY'
import io, re, sys, boto3
from PIL import Image
url, source, output, log = sys.argv[1:]
s3 = boto3.client("s3", endpoint_url=url)
timings = {}
for line in open(log):
    match = re.search(r"job.source=s3://\S+/codelab-04/(\w+)\.jpg .*job.total_ms=([\d.]+)", line)
    if " job " in line and match:
        timings[match.group(1)] = float(match.group(2))
print(f"{'job':<10} {'source':>11} {'box':>10} {'thumbnail':>10} {'bytes':>8} {'ms':>7}  key")
for name, box in [("canyon", "400x400"), ("dancing", "300x600"), ("owl", "150x100"), ("skyline", "1000x400"), ("street", "51x49")]:
    src = Image.open(io.BytesIO(s3.get_object(Bucket=source, Key=f"codelab-04/{name}.jpg")["Body"].read()))
    key = f"codelab-04/{name}-{box}.jpg"
    try:
        data = s3.get_object(Bucket=output, Key=key)["Body"].read()
    except s3.exceptions.NoSuchKey:
        print(f"{name:<10} missing {key}")
        continue
    open(f"demo-out/{name}-{box}.jpg", "wb").write(data)
    thumb = Image.open(io.BytesIO(data))
    print(f"{name:<10} {src.width:>5}x{src.height:<5} {box:>10} {f'{thumb.width}x{thumb.height}':>10} {len(data):>8} {timings.get(name, 0):>7.1f}  s3://{output}/{key}")
PY
echo "(ms: thumbd's total per job, download to upload; the full log is $work/thumbd.log)"

echo
echo "==> the web path: thumbd-api (THUMBD_API_AUTH=none, log: $work/api.log)"
port=$(thumbd_free_port)
THUMBD_API_AUTH=none THUMBD_API_LISTEN="127.0.0.1:$port" "$bin/thumbd-api" >"$work/api.log" 2>&1 &
thumbd_track $!
for _ in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$port/healthz" && break; sleep 0.1; done
echo "\$ curl -i -X POST -F \"image=@owl.jpg\" http://127.0.0.1:$port/"
curl -s -i -X POST -F "image=@$work/photos/owl.jpg" "http://127.0.0.1:$port/" | tee "$work/post.txt" | sed -n '1p;/^Location/Ip'
location=$(grep -i '^location:' "$work/post.txt" | tr -d '\r' | cut -d' ' -f2)
for _ in $(seq 100); do
    status=$(curl -s "http://127.0.0.1:$port$location" | python3 -c 'import json, sys; print(json.load(sys.stdin)["status"])')
    [ "$status" = complete ] || [ "$status" = failed ] && break
    sleep 0.2
done
echo "\$ curl http://127.0.0.1:$port$location"
curl -s "http://127.0.0.1:$port$location" | python3 -m json.tool

echo
echo "==> the upload page: http://127.0.0.1:$port/ (drop photos on it; thumbnails come from moto_server at $MOTO_URL)"
if $wait_for_enter && [ -t 0 ]; then
    read -r -p "Press Enter to stop thumbd-api, thumbd and moto_server. " || true
fi
