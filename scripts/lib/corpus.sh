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
