#!/usr/bin/env bash
# Thumbnail benchmark: thumbctl resize against vipsthumbnail (libvips), Pillow and a decode-only floor,
# on the same real photos, each tool in one process over all files, into 400x400 (fit).
#
#   scripts/bench-resize.sh [--rounds N] [--size WxH] [--baseline REV]
#                           [--kinds jpeg,png,webp,heic,small,fill] [--outputs jpeg,webp,avif]
#
# Input kinds (--kinds, default all), each to JPEG at quality 85:
#   jpeg, png   thumbd, vips, pillow;
#   webp, heic  thumbd, vips and a floor: a bare decode, in C, at the scale thumbd decodes at (WebP:
#               libwebp's scaled decoding to twice the thumbnail; HEIC: libheif's full decode), no
#               resize and no encode, one process over the same files: what thumbd cannot go below.
#   small, fill JPEG only, into 150x150 (fit) and 400x400 (fill: cover, cropped around the centre),
#               over the scans corpus (scripts/lib/corpus.sh: the JPEGs, and each photo re-encoded
#               progressive by jpegtran and by mozjpeg), its progressive and baseline files run and
#               reported apart, then together: thumbd, vips and a floor: a bare TurboJPEG decode of
#               every scan, whole, at the scale thumbd decodes at, in C. thumbd goes below it where it
#               skips work without changing a pixel (issue 19): the AC scans a 1/8 decode never reads
#               (small, progressive), and what a fill crop cuts (fill). Each tool goes over the files
#               4 times in one process, so that its start weighs little (kind_repeat).
# Output formats (--outputs, default all), from the JPEG inputs: jpeg (the runs above), webp (quality
# 85) and avif (quality 50), thumbd and vips each encoding, and a table of the three side by side.
# --outputs without jpeg skips the input-kind tables; webp and avif need jpeg in --kinds.
#
# --baseline REV also builds thumbctl at git revision REV (a worktree under .bench/) and runs it as
# "before", interleaved with the others: a change's cost or gain as a ratio from one run. A baseline
# that cannot read a kind or write a format is reported as n/a there.
#
# The corpus is Debian's wallpaper packages (plasma-workspace-wallpapers, gnome-backgrounds: 2560 to
# 5120 px JPEGs and PNGs), fetched with apt-get download into .bench/ and never committed; the WebP and
# HEIC inputs are made from its JPEGs once (cwebp and heif-enc at quality 90, scripts/lib/corpus.sh),
# and their thumbnails are scored against those JPEGs. Prints CPU seconds per image (user + sys,
# median of the rounds), the ratios to libvips (and to the floor), peak RSS, the mean bytes of a
# thumbnail (image data: the metadata libvips copies from the source is not counted) and the mean SSIM
# of each tool's thumbnails against a Lanczos resize of the full-resolution image; under each table,
# the median of each round's own ratios of thumbd (and before) to libvips and the floor, which a
# change in the machine's speed between rounds moves less. The report is also written to
# .bench/report.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=3
size=400x400
baseline=""
kinds_arg=jpeg,png,webp,heic,small,fill
outputs_arg=jpeg,webp,avif
usage="usage: $0 [--rounds N] [--size WxH] [--baseline REV] [--kinds jpeg,png,webp,heic,small,fill] [--outputs jpeg,webp,avif]"
while [ $# -gt 0 ]; do
    case "$1" in
        --rounds) rounds="$2"; shift 2 ;;
        --size) size="$2"; shift 2 ;;
        --baseline) baseline="$2"; shift 2 ;;
        --kinds) kinds_arg="$2"; shift 2 ;;
        --outputs) outputs_arg="$2"; shift 2 ;;
        *) echo "$usage" >&2; exit 2 ;;
    esac
done
[[ "$rounds" =~ ^[1-9][0-9]*$ && "$size" =~ ^[1-9][0-9]*x[1-9][0-9]*$ ]] || { echo "$usage" >&2; exit 2; }
IFS=, read -ra kinds <<<"$kinds_arg"
IFS=, read -ra outputs <<<"$outputs_arg"
for kind in "${kinds[@]}"; do
    case "$kind" in jpeg | png | webp | heic | small | fill) ;; *) echo "unknown kind '$kind' (jpeg, png, webp, heic, small, fill)" >&2; exit 2 ;; esac
done
for format in "${outputs[@]}"; do
    case "$format" in jpeg | webp | avif) ;; *) echo "unknown output '$format' (jpeg, webp, avif)" >&2; exit 2 ;; esac
done
# has WORD LIST...: whether WORD is one of LIST.
has() {
    local word="$1" item
    shift
    for item in "$@"; do [ "$item" = "$word" ] && return 0; done
    return 1
}
# The sections: each input kind to JPEG, and JPEG to each other output format.
sections=()
if has jpeg "${outputs[@]}"; then
    for kind in "${kinds[@]}"; do
        case "$kind" in
            small | fill) sections+=("$kind-progressive:jpeg" "$kind-baseline:jpeg") ;;
            *) sections+=("$kind:jpeg") ;;
        esac
    done
fi
for format in webp avif; do
    has "$format" "${outputs[@]}" || continue
    if has jpeg "${kinds[@]}"; then
        sections+=("jpeg:$format")
    else
        echo "note: $format output is measured on the JPEG inputs; add jpeg to --kinds for it" >&2
    fi
done
[ ${#sections[@]} -gt 0 ] || { echo "nothing to run for --kinds $kinds_arg --outputs $outputs_arg" >&2; exit 2; }
# Each input kind's files, box and mode.
kind_dir() {
    case "$1" in
        small-* | fill-*) echo "$bench/scans/${1#*-}" ;;
        *) echo "$bench/$1" ;;
    esac
}
kind_size() { case "$1" in small-*) echo 150x150 ;; fill-*) echo 400x400 ;; *) echo "$size" ;; esac; }
kind_mode() { case "$1" in fill-*) echo fill ;; *) echo fit ;; esac; }
# How many times each tool goes over the small and fill files in one process: their thumbnails cost
# 10 to 80 ms, so a process start (6 to 8 ms of CPU for thumbctl since it loads libcurl and libheif
# on first use, 12 to 16 ms before; 1 ms for the floor) would weigh on the ratios over 13 files.
# Over each file 4 times it weighs 4 times less; the report says so.
kind_repeat() { case "$1" in small-* | fill-*) echo 4 ;; *) echo 1 ;; esac; }

# Quality, file extension and libvips save options of each output format. libvips is asked to strip
# metadata from WebP and AVIF (thumbd writes none); its 8.14 WebP writer ignores that
# (libvips/libvips#3340), so the byte counts leave metadata out (scripts/lib/thumb_bytes.py).
declare -A quality=([jpeg]=85 [webp]=85 [avif]=50)
declare -A extension=([jpeg]=jpg [webp]=webp [avif]=avif)
vips_avif_effort=4  # heifsave's default; libheif's aom encoder gets speed 9 - effort
declare -A vips_options=(
    [jpeg]="Q=85"
    [webp]="Q=85,effort=4,strip"
    [avif]="Q=50,compression=av1,effort=$vips_avif_effort,strip"
)

# Packages: thumbd's own (deps.sh: libvips-tools, webp, libheif-examples, and libwebp-dev and
# libheif-dev, which the floors compile against), then what only this script uses.
source scripts/lib/deps.sh
thumbd_install_deps
for tool in /usr/bin/time:time cc:gcc; do
    command -v "${tool%%:*}" >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${tool##*:}" >/dev/null
done

source scripts/lib/corpus.sh
bench=.bench
thumbd_fetch_corpus "$bench"
if has webp "${kinds[@]}" || has heic "${kinds[@]}"; then
    thumbd_derive_corpus "$bench"
fi
if has small "${kinds[@]}" || has fill "${kinds[@]}"; then
    thumbd_derive_scans_corpus "$bench"
fi

# Built as the release package ships it (scripts/package.sh): static Swift runtime, which also saves
# the dynamic linker's symbol lookups at start-up.
echo "==> swift build -c release --static-swift-stdlib --product thumbctl"
swift build -c release --static-swift-stdlib --product thumbctl >/dev/null
thumbctl=$(swift build -c release --show-bin-path)/thumbctl
before=""
if [ -n "$baseline" ]; then
    echo "==> swift build the same way at $baseline (git worktree $bench/baseline)"
    git worktree remove --force "$bench/baseline" 2>/dev/null || rm -rf "$bench/baseline"
    git worktree add --force --detach "$bench/baseline" "$baseline" >/dev/null 2>&1
    (cd "$bench/baseline" && swift build -c release --static-swift-stdlib --product thumbctl >/dev/null)
    before=$(cd "$bench/baseline" && swift build -c release --show-bin-path)/thumbctl
fi

# The floors: decode only, in C, one process over every file (read, decode, free), as thumbd decodes.
cat >"$bench/floor_read.h" <<'EOF'
/* What both floors share: a whole file into memory. Written by scripts/bench-resize.sh. */
#include <stdio.h>
#include <stdlib.h>

static unsigned char *read_file(const char *path, size_t *size) {
    FILE *file = fopen(path, "rb");
    if (!file) return NULL;
    fseek(file, 0, SEEK_END);
    long length = ftell(file);
    fseek(file, 0, SEEK_SET);
    unsigned char *data = length > 0 ? malloc((size_t)length) : NULL;
    *size = data ? fread(data, 1, (size_t)length, file) : 0;
    fclose(file);
    if (data && *size != (size_t)length) { free(data); return NULL; }
    return data;
}
EOF
if has small "${kinds[@]}" || has fill "${kinds[@]}"; then
    cat >"$bench/floor_jpeg.c" <<'EOF'
/* The floor for JPEG input: a bare TurboJPEG decode of each file, every scan and every pixel, at the
 * DCT scale thumbd's shrink-on-load picks (the smallest of 1/8, 1/4, 1/2 leaving at least twice the
 * resize: JPEGDecoder.shrinkDenominator of ThumbnailPlan.minimumDecodeSize), to RGBA, libjpeg's
 * defaults (accurate IDCT, fancy upsampling) as thumbd. No resize, no encode. The corpus has no EXIF
 * turns, so stored and upright sizes agree. Written and compiled by scripts/bench-resize.sh.
 *   floor_jpeg fit|fill BOX_WIDTH BOX_HEIGHT FILE...   prints "FILE SWxSH 1/D" for each */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <turbojpeg.h>

#include "floor_read.h"

/* ThumbnailGeometry: fit inside the box or cover it (fill), never enlarged, sides rounded. */
static int denominator(int sw, int sh, int bw, int bh, int fill) {
    double sx = (double)bw / sw, sy = (double)bh / sh;
    double scale = fmin(fill ? fmax(sx, sy) : fmin(sx, sy), 1.0);
    int rw = (int)fmax(1, round(sw * scale)), rh = (int)fmax(1, round(sh * scale));
    for (int d = 8; d >= 2; d /= 2) {
        if ((sw + d - 1) / d >= 2 * rw && (sh + d - 1) / d >= 2 * rh) return d;
    }
    return 1;
}

int main(int argc, char **argv) {
    if (argc < 5) { fprintf(stderr, "usage: %s fit|fill BOX_WIDTH BOX_HEIGHT FILE...\n", argv[0]); return 2; }
    int fill = strcmp(argv[1], "fill") == 0, bw = atoi(argv[2]), bh = atoi(argv[3]);
    tjhandle handle = tjInitDecompress();
    for (int i = 4; i < argc; i++) {
        size_t size = 0;
        unsigned char *data = read_file(argv[i], &size);
        int sw, sh, subsampling, colorspace;
        if (!data || tjDecompressHeader3(handle, data, size, &sw, &sh, &subsampling, &colorspace) != 0) {
            fprintf(stderr, "%s: cannot read\n", argv[i]);
            return 1;
        }
        int d = denominator(sw, sh, bw, bh, fill);
        int w = (sw + d - 1) / d, h = (sh + d - 1) / d;
        unsigned char *pixels = malloc((size_t)w * h * 4);
        if (!pixels || tjDecompress2(handle, data, size, pixels, w, 0, h, TJPF_RGBA, 0) != 0) {
            fprintf(stderr, "%s: %s\n", argv[i], tjGetErrorStr2(handle));
            return 1;
        }
        free(pixels);
        free(data);
        printf("%s %dx%d 1/%d\n", argv[i], sw, sh, d);
    }
    tjDestroy(handle);
    return 0;
}
EOF
    cc -O2 -Wall -o "$bench/floor_jpeg" "$bench/floor_jpeg.c" -lturbojpeg -lm
fi
if has webp "${kinds[@]}"; then
    cat >"$bench/floor_webp.c" <<'EOF'
/* The floor for WebP input: a bare libwebp decode of each file at the size thumbd decodes to
 * (WebPDecoder.scaledSize for a fit into the box: scaled decoding to at least twice the thumbnail,
 * aspect kept, each side rounded up; full size when that is not smaller), into RGBA memory of our
 * own, one thread. No resize, no encode. Written and compiled by scripts/bench-resize.sh.
 *   floor_webp BOX_WIDTH BOX_HEIGHT FILE...   prints "FILE SWxSH -> WxH" for each */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <webp/decode.h>

#include "floor_read.h"

/* The thumbnail fits the box, never enlarged (ThumbnailGeometry); thumbd decodes to at least twice
 * that (ThumbnailPlan.minimumDecodeSize), as WebPDecoder.scaledSize computes it. */
static void decode_size(int sw, int sh, int bw, int bh, int *w, int *h) {
    double scale = fmin(fmin((double)bw / sw, (double)bh / sh), 1.0);
    int rw = (int)fmax(1, round(sw * scale)), rh = (int)fmax(1, round(sh * scale));
    int mw = 2 * rw, mh = 2 * rh;
    *w = sw;
    *h = sh;
    if (mw >= sw || mh >= sh) return;
    double f = fmax((double)mw / sw, (double)mh / sh);
    int cw = (int)ceil(sw * f), ch = (int)ceil(sh * f);
    *w = cw > mw ? cw : mw;
    *h = ch > mh ? ch : mh;
    if (*w > sw) *w = sw;
    if (*h > sh) *h = sh;
}

int main(int argc, char **argv) {
    if (argc < 4) { fprintf(stderr, "usage: %s BOX_WIDTH BOX_HEIGHT FILE...\n", argv[0]); return 2; }
    int bw = atoi(argv[1]), bh = atoi(argv[2]);
    for (int i = 3; i < argc; i++) {
        size_t size = 0;
        unsigned char *data = read_file(argv[i], &size);
        WebPDecoderConfig config;
        if (!data || !WebPInitDecoderConfig(&config) || WebPGetFeatures(data, size, &config.input) != VP8_STATUS_OK) {
            fprintf(stderr, "%s: cannot read\n", argv[i]);
            return 1;
        }
        int sw = config.input.width, sh = config.input.height, w, h;
        decode_size(sw, sh, bw, bh, &w, &h);
        if (w != sw || h != sh) {
            config.options.use_scaling = 1;
            config.options.scaled_width = w;
            config.options.scaled_height = h;
        }
        config.options.use_threads = 0;
        size_t bytes = (size_t)w * h * 4;
        unsigned char *pixels = malloc(bytes);
        config.output.colorspace = MODE_RGBA;
        config.output.is_external_memory = 1;
        config.output.u.RGBA.rgba = pixels;
        config.output.u.RGBA.stride = w * 4;
        config.output.u.RGBA.size = bytes;
        VP8StatusCode status = pixels ? WebPDecode(data, size, &config) : VP8_STATUS_OUT_OF_MEMORY;
        WebPFreeDecBuffer(&config.output);
        free(pixels);
        free(data);
        if (status != VP8_STATUS_OK) { fprintf(stderr, "%s: decode failed (%d)\n", argv[i], status); return 1; }
        printf("%s %dx%d -> %dx%d\n", argv[i], sw, sh, w, h);
    }
    return 0;
}
EOF
    cc -O2 -Wall -o "$bench/floor_webp" "$bench/floor_webp.c" -lwebp -lm
fi
if has heic "${kinds[@]}"; then
    cat >"$bench/floor_heic.c" <<'EOF'
/* The floor for HEIC input: a bare libheif decode of each file's primary image at full size to
 * planar RGB, the decode thumbd asks for (libheif's cheapest: 1.15 turns every image into planar
 * RGB, and interleaving it is one more pass). The corpus's HEICs have no embedded thumbnail, so
 * thumbd decodes all of it too. No resize, no encode. Written and compiled by scripts/bench-resize.sh.
 *   floor_heic FILE...   prints "FILE WxH" for each */
#include <libheif/heif.h>
#include <stdio.h>
#include <stdlib.h>

#include "floor_read.h"

int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: %s FILE...\n", argv[0]); return 2; }
    for (int i = 1; i < argc; i++) {
        size_t size = 0;
        unsigned char *data = read_file(argv[i], &size);
        struct heif_context *context = heif_context_alloc();
        struct heif_image_handle *handle = NULL;
        struct heif_image *image = NULL;
        struct heif_error error = {heif_error_Usage_error, heif_suberror_Unspecified, "cannot read the file"};
        if (data && context) error = heif_context_read_from_memory_without_copy(context, data, size, NULL);
        if (error.code == heif_error_Ok) error = heif_context_get_primary_image_handle(context, &handle);
        if (error.code == heif_error_Ok)
            error = heif_decode_image(handle, &image, heif_colorspace_RGB, heif_chroma_444, NULL);
        int w = image ? heif_image_get_width(image, heif_channel_R) : 0;
        int h = image ? heif_image_get_height(image, heif_channel_R) : 0;
        if (image) heif_image_release(image);
        if (handle) heif_image_handle_release(handle);
        if (context) heif_context_free(context);
        free(data);
        if (error.code != heif_error_Ok) { fprintf(stderr, "%s: %s\n", argv[i], error.message); return 1; }
        printf("%s %dx%d\n", argv[i], w, h);
    }
    return 0;
}
EOF
    cc -O2 -Wall -o "$bench/floor_heic" "$bench/floor_heic.c" -lheif
fi

# What each encoder runs at, for the report: thumbd's settings read from its source (thumbctl's
# defaults), libvips' from the options above.
thumbd_webp_method=$(grep -o 'config\.method = [0-9]*' Sources/Imaging/Encode/WebPEncoder.swift 2>/dev/null | grep -o '[0-9]*$' || echo "?")
thumbd_avif_speed=$(grep -o 'defaultSpeed = [0-9]*' Sources/Imaging/Encode/AVIFEncoder.swift 2>/dev/null | grep -o '[0-9]*$' || echo "?")
vips_avif_speed=$((9 - vips_avif_effort))
declare -A settings=(
    [webp]="thumbd: libwebp method $thumbd_webp_method; vips: webpsave ${vips_options[webp]} (effort is libwebp's method)"
    [avif]="thumbd: aom speed $thumbd_avif_speed, one thread; vips: heifsave ${vips_options[avif]}, i.e. aom speed $vips_avif_speed through libheif"
)
[ "$thumbd_avif_speed" = "$vips_avif_speed" ] || settings[avif]+=" (the speeds differ: the CPU ratio includes that)"

# run TOOL KIND FORMAT OUT: one process of TOOL over every file of KIND, writing FORMAT thumbnails
# into OUT (the floor writes none); sets seconds (user + sys) and kb (peak RSS). Returns non-zero
# when TOOL fails, its output in OUT.log.
run() {
    local tool="$1" kind="$2" format="$3" out="$4"
    rm -rf "$out" && mkdir -p "$out"
    local files=("$(kind_dir "$kind")"/*) repeated=() round
    for round in $(seq "$(kind_repeat "$kind")"); do repeated+=("${files[@]}"); done
    files=("${repeated[@]}")
    local stats="$bench/time.txt"
    local box mode width height
    box=$(kind_size "$kind")
    mode=$(kind_mode "$kind")
    width=${box%x*}
    height=${box#*x}
    local command=()
    case "$tool" in
        thumbd | before)
            local binary=$thumbctl
            [ "$tool" = before ] && binary=$before
            command=("$binary" resize --width "$width" --height "$height" --mode "$mode" --quality "${quality[$format]}" --out-dir "$out")
            [ "$format" = jpeg ] || command+=(--format "$format")
            command+=("${files[@]}") ;;
        vips)
            command=(vipsthumbnail "${files[@]}" --size "$box" -o "$PWD/$out/%s.${extension[$format]}[${vips_options[$format]}]")
            [ "$mode" = fill ] && command+=(--smartcrop centre) ;;
        pillow) command=(python3 scripts/lib/pillow_thumbnails.py "$box" "$out" "${files[@]}") ;;
        floor)
            case "$kind" in
                webp) command=("$bench/floor_webp" "$width" "$height") ;;
                small-* | fill-*) command=("$bench/floor_jpeg" "$mode" "$width" "$height") ;;
                *) command=("$bench/floor_$kind") ;;
            esac
            command+=("${files[@]}") ;;
    esac
    /usr/bin/time -o "$stats" -f "%U %S %M" "${command[@]}" >"$out.log" 2>&1 || return 1
    read -r seconds kb <<<"$(tail -1 "$stats" | awk '{ printf "%.3f %d\n", $1 + $2, $3 }')"
}

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
# field JSON KEY INDEX: element INDEX of KEY's list in a JSON object (ssim.py, thumb_bytes.py).
field() { python3 -c "import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]][int(sys.argv[3])])" "$1" "$2" "$3"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
# paired A B: the median over the rounds of tool A's CPU over tool B's in the same round. The tools
# run interleaved, so a change in the machine's speed between rounds (seen here: 20%) cancels out of
# each round's ratio, where it stays in the ratio of the two medians.
paired() { paste <(printf '%s' "${cpu[$1]}") <(printf '%s' "${cpu[$2]}") | awk '$2 > 0 { print $1 / $2 }' | median; }

report=$bench/report.txt
: >"$report"
# Per format and tool, for the side-by-side table: CPU s/image, data bytes, SSIM. Per section and
# tool, for the small and fill totals: CPU s/image, mean SSIM, and each section's file count.
declare -A summary_cpu=() summary_bytes=() summary_ssim=() section_cpu=() section_ssim=() section_count=()
for section in "${sections[@]}"; do
    kind=${section%:*}
    format=${section#*:}
    case "$section" in
        jpeg:jpeg | png:jpeg) tools=(thumbd vips pillow) ;;
        webp:jpeg | heic:jpeg | small-*:jpeg | fill-*:jpeg) tools=(thumbd vips floor) ;;
        *) tools=(thumbd vips) ;;
    esac
    [ -n "$before" ] && tools+=(before)
    files=("$(kind_dir "$kind")"/*)
    [ -e "${files[0]}" ] || { echo "no files in $(kind_dir "$kind")" >&2; exit 1; }
    count=$((${#files[@]} * $(kind_repeat "$kind")))  # thumbnails made per run
    section_count[$kind]=${#files[@]}
    declare -A cpu=() peak=() failed=()
    for tool in "${tools[@]}"; do cpu[$tool]=""; peak[$tool]=0; done
    for round in $(seq "$rounds"); do
        echo "==> $kind -> $format, round $round of $rounds"
        for tool in "${tools[@]}"; do  # interleaved, so drift in machine speed hits all alike
            [ -n "${failed[$tool]:-}" ] && continue
            out="$bench/out-$kind-$format-$tool"
            if ! run "$tool" "$kind" "$format" "$out"; then
                if [ "$tool" = before ]; then  # an older thumbctl may not have the kind or format
                    failed[$tool]=$(grep -m1 -i 'error' "$out.log" || head -1 "$out.log")
                    continue
                fi
                echo "$tool failed on $kind -> $format; the end of $out.log:" >&2
                tail -5 "$out.log" >&2
                exit 1
            fi
            cpu[$tool]+="$seconds"$'\n'
            if [ "$kb" -gt "${peak[$tool]}" ]; then peak[$tool]=$kb; fi
        done
    done
    outs=()
    for tool in "${tools[@]}"; do
        [ "$tool" = floor ] || [ -n "${failed[$tool]:-}" ] || outs+=("$bench/out-$kind-$format-$tool")
    done
    # Derived inputs are scored against the JPEGs they were made from (same stems).
    source_dir="$bench/$kind"
    ssim_options=()
    case "$kind" in webp | heic | small-* | fill-*) source_dir="$bench/jpeg" ;; esac
    [ "$(kind_mode "$kind")" = fill ] && ssim_options+=(--fill)
    ssim=$(python3 scripts/lib/ssim.py "${ssim_options[@]}" "$source_dir" "${outs[@]}")
    bytes=$(python3 scripts/lib/thumb_bytes.py "${outs[@]}")
    per_image() { printf '%s' "${cpu[$1]}" | median | awk -v n="$count" '{ print $1 / n }'; }
    vips_per=$(per_image vips)
    floor_per=""
    has floor "${tools[@]}" && floor_per=$(per_image floor)
    {
        case "$kind" in
            webp) origin=", cwebp -q 90 of the JPEGs" ;;
            heic)
                origin=", heif-enc -q 90 of the JPEGs"
                jpegs=$(find "$bench/jpeg" -maxdepth 1 -type f -name '*.jpg' | wc -l)
                [ "$count" -lt "$jpegs" ] && origin+=" (the first $count of $jpegs: THUMBD_HEIC_FILES)" ;;
            small-progressive | fill-progressive)
                origin=" (the corpus's progressive JPEGs, and every photo through jpegtran -progressive and mozjpeg)" ;;
            small-baseline | fill-baseline) origin=" (the corpus's baseline JPEGs)" ;;
            *) origin="" ;;
        esac
        repeat=$(kind_repeat "$kind")
        [ "$repeat" -gt 1 ] && origin+=", each $repeat times in one process"
        echo "== $kind -> $format: ${#files[@]} files$origin, $(kind_size "$kind") $(kind_mode "$kind"), quality ${quality[$format]}, median of $rounds rounds"
        case "$kind" in
            webp) echo "   floor: libwebp scaled decode to thumbd's decode size (twice the thumbnail), RGBA; no resize, no encode" ;;
            heic) echo "   floor: libheif full decode to planar RGB, as thumbd asks (no embedded thumbnails); no resize, no encode" ;;
            small-* | fill-*) echo "   floor: TurboJPEG decode of every scan and pixel at thumbd's DCT scale, RGBA; no resize, no encode" ;;
        esac
        [ "$format" = jpeg ] || echo "   ${settings[$format]}"
        if [ -n "$floor_per" ]; then
            printf '%-8s %14s %14s %15s %12s %10s\n' tool "cpu s/image" "ratio to vips" "ratio to floor" "peak RSS MB" "mean SSIM"
        elif [ "$format" = jpeg ]; then
            printf '%-8s %14s %14s %12s %10s\n' tool "cpu s/image" "ratio to vips" "peak RSS MB" "mean SSIM"
        else
            printf '%-8s %14s %14s %12s %11s %10s\n' tool "cpu s/image" "ratio to vips" "peak RSS MB" "mean bytes" "mean SSIM"
        fi
        for tool in "${tools[@]}"; do
            if [ -n "${failed[$tool]:-}" ]; then
                printf '%-8s n/a: %s\n' "$tool" "${failed[$tool]}"
                continue
            fi
            per=$(per_image "$tool")
            rss=$(awk -v k="${peak[$tool]}" 'BEGIN { print k / 1024 }')
            score="-" size_bytes="-"
            if [ "$tool" != floor ]; then
                score=$(printf '%.4f' "$(field "$ssim" "$bench/out-$kind-$format-$tool" 0)")
                size_bytes=$(printf '%.0f' "$(field "$bytes" "$bench/out-$kind-$format-$tool" 0)")
                section_ssim[$kind:$tool]=$score
                if [ "$kind" = jpeg ]; then
                    summary_cpu[$format:$tool]=$per
                    summary_bytes[$format:$tool]=$size_bytes
                    summary_ssim[$format:$tool]=$score
                fi
            fi
            section_cpu[$kind:$tool]=$per
            if [ -n "$floor_per" ]; then
                printf '%-8s %14.4f %14.2f %15.2f %12.1f %10s\n' "$tool" "$per" "$(ratio "$per" "$vips_per")" "$(ratio "$per" "$floor_per")" "$rss" "$score"
            elif [ "$format" = jpeg ]; then
                printf '%-8s %14.4f %14.2f %12.1f %10s\n' "$tool" "$per" "$(ratio "$per" "$vips_per")" "$rss" "$score"
            else
                printf '%-8s %14.4f %14.2f %12.1f %11s %10s\n' "$tool" "$per" "$(ratio "$per" "$vips_per")" "$rss" "$size_bytes" "$score"
            fi
        done
        rounds_ratios=""
        for tool in thumbd before; do
            has "$tool" "${tools[@]}" && [ -z "${failed[$tool]:-}" ] || continue
            for reference in vips floor; do
                has "$reference" "${tools[@]}" || continue
                rounds_ratios+="  $tool/$reference $(printf '%.2f' "$(paired "$tool" "$reference")")"
            done
        done
        echo "median of each round's own ratio:$rounds_ratios"
        echo
    } >"$bench/section.txt"  # in this shell, not a pipeline's subshell: the summary arrays must persist
    tee -a "$report" <"$bench/section.txt"
    unset cpu peak failed
done

# The small and fill runs over the whole scans corpus: each tool's CPU over both halves, per image;
# SSIM weighted by file count.
for run_kind in small fill; do
    has "$run_kind" "${kinds[@]}" && has jpeg "${outputs[@]}" || continue
    progressive_files=${section_count[$run_kind-progressive]}
    baseline_files=${section_count[$run_kind-baseline]}
    total=$((progressive_files + baseline_files))
    # weighted A B: the mean of A (over the progressive files) and B (the baseline ones), per file.
    weighted() { awk -v a="$1" -v b="$2" -v p="$progressive_files" -v q="$baseline_files" 'BEGIN { printf "%.6f", (a * p + b * q) / (p + q) }'; }
    {
        echo "== $run_kind, the whole scans corpus: $total files, $progressive_files progressive ($((100 * progressive_files / total))%), $baseline_files baseline"
        printf '%-8s %14s %14s %15s %10s\n' tool "cpu s/image" "ratio to vips" "ratio to floor" "mean SSIM"
        vips_all=$(weighted "${section_cpu[$run_kind-progressive:vips]}" "${section_cpu[$run_kind-baseline:vips]}")
        floor_all=$(weighted "${section_cpu[$run_kind-progressive:floor]}" "${section_cpu[$run_kind-baseline:floor]}")
        for tool in thumbd vips floor ${before:+before}; do
            [ -n "${section_cpu[$run_kind-progressive:$tool]:-}" ] && [ -n "${section_cpu[$run_kind-baseline:$tool]:-}" ] || continue
            all=$(weighted "${section_cpu[$run_kind-progressive:$tool]}" "${section_cpu[$run_kind-baseline:$tool]}")
            score="-"
            if [ "$tool" != floor ]; then
                score=$(printf '%.4f' "$(weighted "${section_ssim[$run_kind-progressive:$tool]}" "${section_ssim[$run_kind-baseline:$tool]}")")
            fi
            printf '%-8s %14.4f %14.2f %15.2f %10s\n' "$tool" "$all" "$(ratio "$all" "$vips_all")" "$(ratio "$all" "$floor_all")" "$score"
        done
        echo
    } | tee -a "$report"
done

# JPEG inputs by output format, side by side (encode included in the CPU).
formats=()
for format in jpeg webp avif; do
    [ -n "${summary_cpu[$format:thumbd]:-}" ] && formats+=("$format")
done
if [ ${#formats[@]} -gt 1 ]; then
    {
        echo "== JPEG inputs by output format: cpu s/image (encode included), mean bytes (image data), mean SSIM"
        printf '%-6s %4s %11s %11s %6s %12s %12s %12s %12s\n' format Q "thumbd cpu" "vips cpu" ratio "thumbd bytes" "vips bytes" "thumbd SSIM" "vips SSIM"
        for format in "${formats[@]}"; do
            printf '%-6s %4s %11.4f %11.4f %6s %12s %12s %12s %12s\n' "$format" "${quality[$format]}" \
                "${summary_cpu[$format:thumbd]}" "${summary_cpu[$format:vips]}" \
                "$(ratio "${summary_cpu[$format:thumbd]}" "${summary_cpu[$format:vips]}")" \
                "${summary_bytes[$format:thumbd]}" "${summary_bytes[$format:vips]}" \
                "${summary_ssim[$format:thumbd]}" "${summary_ssim[$format:vips]}"
        done
        echo
    } | tee -a "$report"
fi

# Peak memory for one large baseline JPEG (the target is under 50 MB for 5120 x 2880).
if has jpeg:jpeg "${sections[@]}"; then
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
fi
echo "report: $report"
