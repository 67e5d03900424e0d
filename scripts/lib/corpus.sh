# shellcheck shell=bash
# The benchmark corpus: Debian's wallpaper packages (plasma-workspace-wallpapers, gnome-backgrounds),
# fetched with apt-get download into .bench/ (never committed); photos of 2560 px and more are
# copied to .bench/jpeg and .bench/png under names hashed from their paths. Sourced by the scripts.
thumbd_fetch_corpus() {
    local bench="$1"
    mkdir -p "$bench/debs" "$bench/jpeg" "$bench/png"
    [ -n "$(ls "$bench/jpeg")" ] && return 0
    echo "==> fetching the corpus (apt-get download plasma-workspace-wallpapers gnome-backgrounds)"
    (cd "$bench/debs" && apt-get download plasma-workspace-wallpapers gnome-backgrounds >/dev/null 2>&1)
    local deb file dims name
    for deb in "$bench"/debs/*.deb; do dpkg-deb -x "$deb" "$bench/extract"; done
    find "$bench/extract" -type f \( -iname '*.jpg' -o -iname '*.jpeg' -o -iname '*.png' \) -size +300k | sort |
        while read -r file; do
            dims=$(python3 -c "from PIL import Image; import sys; print(max(Image.open(sys.argv[1]).size))" "$file")
            [ "$dims" -ge 2560 ] || continue
            name=$(printf '%s' "$file" | sha1sum | cut -c1-10)
            case "$file" in *.png|*.PNG) cp "$file" "$bench/png/$name.png" ;; *) cp "$file" "$bench/jpeg/$name.jpg" ;; esac
        done
    rm -rf "$bench/extract"
}

# The same photos as WebP and HEIC, made once from BENCH/jpeg under the same stems (so a thumbnail of
# BENCH/webp/X.webp or BENCH/heic/X.heic compares with BENCH/jpeg/X.jpg): cwebp -q 90 (Debian's
# webp) into BENCH/webp, heif-enc -q 90 (libheif-examples: x265, no embedded thumbnail) into
# BENCH/heic, the ICC profile kept by both. Each file is written under a hidden name and renamed into
# place, so an interrupted run resumes where it stopped and a finished one costs nothing. x265 is the
# slow part: about 30 CPU seconds for one 5120 x 2880 photo, 2 minutes for the 18 photos on 2 cores
# (cwebp: 11 CPU seconds). THUMBD_HEIC_FILES=N keeps the HEIC set to the first N sorted photos, for
# a slower machine; the report says how many there are.
thumbd_derive_corpus() {
    local bench="$1"
    local heic_files="${THUMBD_HEIC_FILES:-0}"
    mkdir -p "$bench/webp" "$bench/heic"
    local sources=("$bench"/jpeg/*.jpg)
    local source stem webp=() heic=()
    for source in "${sources[@]}"; do
        stem=$(basename "$source" .jpg)
        [ -e "$bench/webp/$stem.webp" ] || webp+=("$source")
    done
    [ "$heic_files" -gt 0 ] || heic_files=${#sources[@]}
    for source in "${sources[@]:0:$heic_files}"; do
        stem=$(basename "$source" .jpg)
        [ -e "$bench/heic/$stem.heic" ] || heic+=("$source")
    done
    [ ${#webp[@]} -eq 0 ] && [ ${#heic[@]} -eq 0 ] && return 0
    local started=$SECONDS
    if [ ${#webp[@]} -gt 0 ]; then
        echo "==> cwebp -q 90: ${#webp[@]} photos into $bench/webp"
        # One cwebp per core: each is single-threaded.
        # shellcheck disable=SC2016  # expanded by the inner sh
        printf '%s\0' "${webp[@]}" | xargs -0 -P 2 -I{} sh -c '
            stem=$(basename "$2" .jpg)
            cwebp -quiet -q 90 -metadata icc "$2" -o "$1/webp/.tmp-$stem.webp" && mv "$1/webp/.tmp-$stem.webp" "$1/webp/$stem.webp"
        ' sh "$bench" {}
    fi
    if [ ${#heic[@]} -gt 0 ]; then
        echo "==> heif-enc -q 90: ${#heic[@]} photos into $bench/heic (slow: x265)"
        # Two at a time: x265 threads well on the large photos, less so on the small ones.
        # shellcheck disable=SC2016  # expanded by the inner sh
        printf '%s\0' "${heic[@]}" | xargs -0 -P 2 -I{} sh -c '
            stem=$(basename "$2" .jpg)
            heif-enc -q 90 -o "$1/heic/.tmp-$stem.heic" "$2" >/dev/null && mv "$1/heic/.tmp-$stem.heic" "$1/heic/$stem.heic"
        ' sh "$bench" {}
    fi
    echo "    derived in $((SECONDS - started)) s"
}

# The JPEG corpus of the 150x150 and fill runs (issue 19), made once from BENCH/jpeg: its baseline
# files as they are into BENCH/scans/baseline; its progressive files as they are, and every photo
# re-encoded losslessly (the same coefficients, other scan layouts) by jpegtran -progressive
# (libjpeg's standard script; Debian libjpeg-turbo-progs) and by mozjpeg's jpegtran (its own scan
# search; pip mozjpeg-lossless-optimization), into BENCH/scans/progressive. Names are STEM.jpg,
# STEM--jpegtran.jpg and STEM--mozjpeg.jpg, so each is scored against BENCH/jpeg/STEM.jpg. Markers
# (the ICC profile) are copied. A few seconds.
thumbd_derive_scans_corpus() {
    local bench="$1"
    [ -e "$bench/scans/.complete" ] && return 0  # written last: an interrupted run starts again
    echo "==> progressive re-encodes (jpegtran, mozjpeg) into $bench/scans"
    rm -rf "$bench/scans"
    mkdir -p "$bench/scans/baseline" "$bench/scans/progressive"
    python3 - "$bench" <<'PY'
import os, subprocess, sys
import mozjpeg_lossless_optimization as mozjpeg
from PIL import Image
bench = sys.argv[1]
for name in sorted(os.listdir(os.path.join(bench, "jpeg"))):
    path = os.path.join(bench, "jpeg", name)
    stem = os.path.splitext(name)[0]
    data = open(path, "rb").read()
    kind = "progressive" if Image.open(path).info.get("progressive") else "baseline"
    open(os.path.join(bench, "scans", kind, stem + ".jpg"), "wb").write(data)
    jpegtran = subprocess.run(["jpegtran", "-progressive", "-copy", "all", path], check=True, capture_output=True).stdout
    open(os.path.join(bench, "scans", "progressive", stem + "--jpegtran.jpg"), "wb").write(jpegtran)
    optimized = mozjpeg.optimize(data, copy=mozjpeg.COPY_MARKERS.ALL)
    open(os.path.join(bench, "scans", "progressive", stem + "--mozjpeg.jpg"), "wb").write(optimized)
PY
    touch "$bench/scans/.complete"
}
