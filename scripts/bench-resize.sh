#!/usr/bin/env bash
# Thumbnail benchmark: thumbctl resize against vipsthumbnail (libvips) and Pillow, on the same real
# photos, each tool in one process over all files, into 400x400 (fit) at JPEG quality 85.
#
#   scripts/bench-resize.sh [--rounds N] [--size WxH] [--baseline REV]
#
# --baseline REV also builds thumbctl at git revision REV (a worktree under .bench/) and runs it as
# "before", interleaved with the others: a change's cost or gain as a ratio from one run.
#
# The corpus is Debian's wallpaper packages (plasma-workspace-wallpapers, gnome-backgrounds: 2560 to
# 5120 px JPEGs and PNGs), fetched with apt-get download into .bench/ and never committed. Prints CPU
# seconds per image (user + sys, median of the rounds), the ratios to libvips, peak RSS, and the mean
# SSIM of each tool's thumbnails against a Lanczos resize of the full-resolution image.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=3
size=400x400
baseline=""
while [ $# -gt 0 ]; do
    case "$1" in
        --rounds) rounds="$2"; shift 2 ;;
        --size) size="$2"; shift 2 ;;
        --baseline) baseline="$2"; shift 2 ;;
        *) echo "usage: $0 [--rounds N] [--size WxH] [--baseline REV]" >&2; exit 2 ;;
    esac
done

source scripts/lib/deps.sh
thumbd_install_deps
for tool in vipsthumbnail:libvips-tools /usr/bin/time:time; do
    command -v "${tool%%:*}" >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${tool##*:}" >/dev/null
done

source scripts/lib/corpus.sh
bench=.bench
thumbd_fetch_corpus "$bench"

# Built as the release package ships it (scripts/package.sh): static Swift runtime, which also saves
# the dynamic linker's symbol lookups at start-up.
echo "==> swift build -c release --static-swift-stdlib --product thumbctl"
swift build -c release --static-swift-stdlib --product thumbctl >/dev/null
thumbctl=$(swift build -c release --show-bin-path)/thumbctl
tools=(thumbd vips pillow)
if [ -n "$baseline" ]; then
    echo "==> swift build the same way at $baseline (git worktree $bench/baseline)"
    git worktree remove --force "$bench/baseline" 2>/dev/null || rm -rf "$bench/baseline"
    git worktree add --force --detach "$bench/baseline" "$baseline" >/dev/null 2>&1
    (cd "$bench/baseline" && swift build -c release --static-swift-stdlib --product thumbctl >/dev/null)
    before=$(cd "$bench/baseline" && swift build -c release --show-bin-path)/thumbctl
    tools+=(before)
fi

# run TOOL KIND OUT: one process over every file of KIND; prints "cpu_seconds peak_kb".
run() {
    local tool="$1" kind="$2" out="$3"
    rm -rf "$out" && mkdir -p "$out"
    local files=("$bench/$kind"/*)
    local stats="$bench/time.txt"
    case "$tool" in
        thumbd | before)
            local binary=$thumbctl
            [ "$tool" = before ] && binary=$before
            /usr/bin/time -o "$stats" -f "%U %S %M" "$binary" resize --width "${size%x*}" --height "${size#*x}" --quality 85 --out-dir "$out" "${files[@]}" >/dev/null ;;
        vips) /usr/bin/time -o "$stats" -f "%U %S %M" vipsthumbnail "${files[@]}" --size "$size" -o "$PWD/$out/%s.jpg[Q=85]" >/dev/null 2>&1 ;;
        pillow) /usr/bin/time -o "$stats" -f "%U %S %M" python3 scripts/lib/pillow_thumbnails.py "$size" "$out" "${files[@]}" ;;
    esac
    awk '{ printf "%.3f %d\n", $1 + $2, $3 }' "$stats"
}

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

report=$bench/report.txt
: >"$report"
for kind in jpeg png; do
    count=$(ls "$bench/$kind" | wc -l)
    declare -A cpu=() peak=()
    for tool in "${tools[@]}"; do cpu[$tool]=""; peak[$tool]=0; done
    for round in $(seq "$rounds"); do
        for tool in "${tools[@]}"; do  # interleaved, so drift in machine speed hits all alike
            read -r seconds kb < <(run "$tool" "$kind" "$bench/out-$kind-$tool")
            cpu[$tool]+="$seconds"$'\n'
            [ "$kb" -gt "${peak[$tool]}" ] && peak[$tool]=$kb
        done
    done
    outs=()
    for tool in "${tools[@]}"; do outs+=("$bench/out-$kind-$tool"); done
    ssim=$(python3 scripts/lib/ssim.py "$bench/$kind" "${outs[@]}")
    {
        echo "== $kind: $count files, $size, quality 85, median of $rounds rounds"
        printf '%-8s %14s %14s %12s %10s\n' tool "cpu s/image" "ratio to vips" "peak RSS MB" "mean SSIM"
        vips_per=$(printf '%s' "${cpu[vips]}" | median | awk -v n="$count" '{ print $1 / n }')
        for tool in "${tools[@]}"; do
            per=$(printf '%s' "${cpu[$tool]}" | median | awk -v n="$count" '{ print $1 / n }')
            score=$(python3 -c "import json,sys; print('%.4f' % json.loads(sys.argv[1])[sys.argv[2]][0])" "$ssim" "$bench/out-$kind-$tool")
            printf '%-8s %14.4f %14.2f %12.1f %10s\n' "$tool" "$per" "$(awk -v a="$per" -v b="$vips_per" 'BEGIN { print a / b }')" \
                "$(awk -v k="${peak[$tool]}" 'BEGIN { print k / 1024 }')" "$score"
        done
        echo
    } | tee -a "$report"
done

# Peak memory for one large baseline JPEG (the target is under 50 MB for 5120 x 2880).
large=$(for file in "$bench"/jpeg/*; do
    python3 -c "
from PIL import Image; import sys
im = Image.open(sys.argv[1])
print(sys.argv[1] if im.size == (5120, 2880) and not im.info.get('progressive') else '')" "$file"
done | grep . | head -1 || true)
if [ -n "$large" ]; then
    for tool in thumbd vips; do
        mkdir -p "$bench/one-$tool"
        if [ "$tool" = thumbd ]; then
            /usr/bin/time -o "$bench/time.txt" -f "%M" "$thumbctl" resize --width 400 --height 400 --out-dir "$bench/one-$tool" "$large" >/dev/null
        else
            /usr/bin/time -o "$bench/time.txt" -f "%M" vipsthumbnail "$large" --size 400x400 -o "$PWD/$bench/one-$tool/%s.jpg[Q=85]" >/dev/null 2>&1
        fi
        kb=$(tail -1 "$bench/time.txt")
        printf 'peak RSS, one 5120x2880 baseline JPEG, %s: %.1f MB\n' "$tool" "$(awk -v k="$kb" 'BEGIN { print k / 1024 }')" | tee -a "$report"
    done
fi
echo "report: $report"
