#!/usr/bin/env bash
# Builds the libFuzzer targets in Fuzz/ (with AddressSanitizer) and runs each for SECONDS (default 30),
# seeded with the test fixtures; crashes land in .fuzz/crashes-<target>/ and fail the run.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-30}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(FuzzMessageParser FuzzEXIF FuzzAWSResponses FuzzImageDecoders FuzzWebPDecoder FuzzHEIFDecoder FuzzGIFDecoder FuzzJPEGScans FuzzJPEGEntropy)
source scripts/lib/deps.sh
thumbd_install_deps
echo "==> swift build (Fuzz/, -sanitize=fuzzer,address)"
swift build --package-path Fuzz -c debug -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library >/dev/null
bin=$(swift build --package-path Fuzz -c debug --show-bin-path)

# Seeds: real inputs of each kind.
seeds=.fuzz/seeds
mkdir -p "$seeds"/{messages,images,responses,exif,webp,heif,gif,scans,sequential}
if [ -z "$(ls "$seeds/webp")" ]; then
    # The other formats' fixtures (cwebp, heif-enc, avifenc, Pillow, ImageMagick), each seeding its
    # decoder's target; the HEIF target reads its first byte as HEIC (even) or AVIF (odd).
    python3 Tests/peers/format_fixtures.py .fuzz/format-fixtures >/dev/null
    cp .fuzz/format-fixtures/*.webp "$seeds/webp/"
    cp .fuzz/format-fixtures/*.gif "$seeds/gif/"
    for file in .fuzz/format-fixtures/*.heic; do { printf '\x00'; cat "$file"; } >"$seeds/heif/$(basename "$file")"; done
    for file in .fuzz/format-fixtures/*.avif; do { printf '\x01'; cat "$file"; } >"$seeds/heif/$(basename "$file")"; done
    find .fuzz/format-fixtures -type f \( -name '*.webp' -o -name '*.heic' -o -name '*.avif' -o -name '*.gif' \) -size -200k \
        -exec cp {} "$seeds/images/" \;
fi
if [ -z "$(ls "$seeds/scans")" ]; then
    # Progressive JPEGs of every scan layout, small (cjpeg, jpegtran, mozjpeg, Pillow).
    python3 Tests/peers/scan_fixtures.py .fuzz/scan-fixtures --small >/dev/null
    cp .fuzz/scan-fixtures/*.jpg "$seeds/scans/"
fi
if [ -z "$(ls "$seeds/sequential")" ]; then
    # Sequential JPEGs of every kind, and damaged ones, small (cjpeg, Pillow).
    python3 Tests/peers/sequential_fixtures.py .fuzz/sequential-fixtures --small >/dev/null
    cp .fuzz/sequential-fixtures/*.jpg "$seeds/sequential/"
fi
if [ -z "$(ls "$seeds/images" | grep -E '\.(jpg|png)$')" ]; then
    python3 Tests/peers/imaging_fixtures.py .fuzz/fixtures >/dev/null
    find .fuzz/fixtures -type f \( -name '*.jpg' -o -name '*.png' \) -size -200k -exec cp {} "$seeds/images/" \;
    printf '%s' '{"bucket":"b-1","key":"a/b.jpg","width":400,"height":400}' >"$seeds/messages/assignment"
    printf '%s' '{"bucket":"b-1","key":"k","sizes":[{"width":1,"mode":"fill"}],"format":"png","quality":9}' >"$seeds/messages/extended"
    printf '%s' '{"Type":"Notification","Message":"{\"Records\":[{\"eventName\":\"ObjectCreated:Put\",\"s3\":{\"bucket\":{\"name\":\"bkt\"},\"object\":{\"key\":\"a+b.jpg\"}}}]}"}' >"$seeds/messages/sns"
    printf '%s' '<?xml version="1.0"?><Error><Code>NoSuchKey</Code><Message>m</Message><Region>eu-west-1</Region></Error>' >"$seeds/responses/s3"
    printf '%s' '{"__type":"com.amazonaws.sqs#QueueDoesNotExist","message":"m"}' >"$seeds/responses/sqs"
    printf 'MM\x00\x2a\x00\x00\x00\x08\x00\x01\x01\x12\x00\x03\x00\x00\x00\x01\x00\x06\x00\x00\x00\x00\x00\x00' >"$seeds/exif/mm"
fi
declare -A corpus=([FuzzMessageParser]=messages [FuzzEXIF]=exif [FuzzAWSResponses]=responses [FuzzImageDecoders]=images
    [FuzzWebPDecoder]=webp [FuzzHEIFDecoder]=heif [FuzzGIFDecoder]=gif [FuzzJPEGScans]=scans [FuzzJPEGEntropy]=sequential)
# Extra libFuzzer flags per target (none needed now: the XML target leaked inside Foundation's
# XMLParser, which AWSKit no longer uses).
declare -A extra=()
# Leaks inside third-party libraries, each explained in the file; ours are never suppressed.
export LSAN_OPTIONS="suppressions=$PWD/scripts/lib/lsan-suppressions.txt${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
status=0
for target in "${targets[@]}"; do
    work=.fuzz/corpus-$target
    crashes=.fuzz/crashes-$target
    mkdir -p "$work" "$crashes"
    echo "==> $target for ${seconds}s"
    # shellcheck disable=SC2086
    if ! "$bin/$target" "$work" "$seeds/${corpus[$target]}" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 ${extra[$target]:-} \
        -artifact_prefix="$crashes/" -print_final_stats=1 2>"$work.log"; then
        echo "$target: FAILED, see $work.log and $crashes/" >&2
        status=1
    fi
    grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$work.log" | sed "s/^/  $target /"
done
exit $status
