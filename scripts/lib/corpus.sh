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

# The same photos as WebP and HEIC, made once from .bench/jpeg (same stems, so a thumbnail of
# BENCH/webp/X.webp or BENCH/heic/X.heic compares with BENCH/jpeg/X.jpg): cwebp -q 90 (Debian's
# webp) into BENCH/webp, heif-enc -q 90 (libheif-examples; x265, no embedded thumbnail) into
# BENCH/heic, the ICC profile kept. Each file is written beside its target and renamed into place, so
# an interrupted run resumes where it stopped, and a finished one costs nothing. HEIC is capped at the
# first THUMBD_HEIC_FILES of the sorted JPEGs (default 12): x265 takes about 30 CPU seconds for one
# 5120 x 2880 photo, all 18 about 4 minutes on 2 cores, the first 12 about half that.
thumbd_derive_corpus() {
    local bench="$1"
    local heic_files="${THUMBD_HEIC_FILES:-12}"
    mkdir -p "$bench/webp" "$bench/heic"
    local sources=("$bench"/jpeg/*.jpg)
    local source stem webp=() heic=()
    for source in "${sources[@]}"; do
        stem=$(basename "$source" .jpg)
        [ -e "$bench/webp/$stem.webp" ] || webp+=("$source")
    done
    for source in "${sources[@]:0:$heic_files}"; do
        stem=$(basename "$source" .jpg)
        [ -e "$bench/heic/$stem.heic" ] || heic+=("$source")
    done
    [ ${#webp[@]} -eq 0 ] && [ ${#heic[@]} -eq 0 ] && return 0
    local started=$SECONDS
    if [ ${#webp[@]} -gt 0 ]; then
        echo "==> cwebp -q 90: ${#webp[@]} photos into $bench/webp"
        # One cwebp per core: each is single-threaded.
        printf '%s\0' "${webp[@]}" | xargs -0 -P 2 -I{} sh -c '
            out="$1/webp/$(basename "$2" .jpg).webp"
            cwebp -quiet -q 90 -metadata icc "$2" -o "$out.tmp" && mv "$out.tmp" "$out"' sh "$bench" {}
    fi
    if [ ${#heic[@]} -gt 0 ]; then
        echo "==> heif-enc -q 90: ${#heic[@]} photos into $bench/heic (slow: x265)"
        # Two at a time: x265 threads well on the large photos, less so on the small ones.
        printf '%s\0' "${heic[@]}" | xargs -0 -P 2 -I{} sh -c '
            out="$1/heic/$(basename "$2" .jpg).heic"
            heif-enc -q 90 -o "$out.tmp.heic" "$2" >/dev/null && mv "$out.tmp.heic" "$out"' sh "$bench" {}
    fi
    echo "    derived in $((SECONDS - started)) s"
}
