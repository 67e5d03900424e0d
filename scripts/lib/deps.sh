# shellcheck shell=bash
# Installs what building and testing thumbd needs on a fresh Debian machine. Sourced by the scripts.
# Each step is skipped when its packages are already there, so a second run costs a few seconds.

# libjpeg-turbo's development package: libjpeg62-turbo-dev on Debian, libjpeg-turbo8-dev on Ubuntu
# (the same library and its static libjpeg.a; Ubuntu's ABI is libjpeg 8's).
thumbd_libjpeg_dev() {
    local id=""
    [ -r /etc/os-release ] && id=$(. /etc/os-release; echo "${ID:-}")
    if [ "$id" = ubuntu ]; then echo libjpeg-turbo8-dev; else echo libjpeg62-turbo-dev; fi
}

THUMBD_APT_PACKAGES=(
    pkg-config
    libcurl4-openssl-dev   # AWSKit's HTTP client
    libssl-dev             # SHA-256, HMAC and MD5 for SigV4 and integrity checks
    libturbojpeg0-dev      # JPEG encode (TurboJPEG API)
    "$(thumbd_libjpeg_dev)"   # JPEG decode through libjpeg's own API (jpeglib.h: warnings, rows, shrink-on-load)
    libpng-dev             # PNG decode and encode
    libwebp-dev            # WebP decode (scaled; animations' first frames via libwebpdemux) and encode
    libheif-dev            # HEIC and AVIF decode (libde265, dav1d) and AVIF encode (libaom)
    libgif-dev             # GIF decode (giflib): the first frame
    liblcms2-dev           # ICC profiles to sRGB
    imagemagick            # test fixtures made by an independent tool
    webp                   # cwebp, dwebp: WebP fixtures and reference decodes (and the bench's WebP corpus)
    libheif-examples       # heif-enc, heif-convert: HEIC fixtures and reference decodes (and the bench's HEIC corpus)
    libavif-bin            # avifenc, avifdec: AVIF fixtures and reference decodes
    libvips-tools          # vipsthumbnail: the SSIM peer in tests, and the benchmarks' reference
    libjpeg-turbo-progs    # cjpeg, jpegtran, djpeg: arithmetic and per-component-scan fixtures, reference decodes
    icc-profiles-free      # the Adobe RGB ICC profile for colour-conversion fixtures
    libgs-common           # Ghostscript's default CMYK ICC profile for the CMYK-with-profile fixture
    systemd                # systemd-analyze verify for config/thumbd.service and thumbd-api.service
    chromium               # the upload page's tests run in a real browser, headless...
    chromium-driver        # ...driven over WebDriver by selenium
)

# Versions the tests were written against: moto's server, Pillow and pypng are test peers (numpy makes
# their sample photos; pillow-heif lets Pillow read HEIC), boto3 the interoperability peer, botocore the
# reference signer, cfn-lint and the AWS CLI check and deploy deploy/thumbd.yaml, schemathesis checks
# thumbd-api against docs/openapi.yaml, Flask serves the reference web tier of scripts/bench-api.sh,
# selenium drives chromium through the upload page's tests, mozjpeg-lossless-optimization (mozjpeg's
# jpegtran) makes the mozjpeg-scripted progressive fixtures and benchmark files.
THUMBD_PIP_PACKAGES=(
    "moto[server]==5.2.1"
    "boto3==1.43.11"
    "botocore==1.43.11"
    "Pillow==13.0.0"
    "pillow-heif==1.8.1"
    "pypng==0.20220715.0"
    "cfn-lint==1.51.0"
    "awscli==1.45.11"
    "numpy==2.4.6"
    "schemathesis==4.32.5"
    "Flask==3.1.3"
    "selenium==4.51.0"
    "mozjpeg-lossless-optimization==1.3.2"
)

# libheif 1.16 and later ship each codec as a plugin package (Debian 13, Ubuntu 24.04), which
# --no-install-recommends would leave out; Debian 12's libheif 1.15 has them built in.
THUMBD_HEIF_PLUGINS=(libheif-plugin-libde265 libheif-plugin-dav1d libheif-plugin-aomenc libheif-plugin-x265)

thumbd_install_deps() {
    local missing=()
    local package
    for package in "${THUMBD_APT_PACKAGES[@]}"; do
        dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
    done
    for package in "${THUMBD_HEIF_PLUGINS[@]}"; do
        if ! dpkg -s "$package" >/dev/null 2>&1 && apt-cache show "$package" >/dev/null 2>&1; then missing+=("$package"); fi
    done
    if [ ${#missing[@]} -gt 0 ]; then
        echo "==> apt-get install ${missing[*]}"
        local sudo=""
        [ "$(id -u)" -eq 0 ] || sudo="sudo"
        $sudo apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    fi
    if ! python3 -c "import moto, boto3, botocore, PIL, pillow_heif, png, flask, cfnlint, awscli, numpy, schemathesis, selenium, mozjpeg_lossless_optimization" >/dev/null 2>&1 \
        || [ "$(python3 -c 'import moto; print(moto.__version__)')" != "5.2.1" ]; then
        echo "==> pip install ${THUMBD_PIP_PACKAGES[*]}"
        python3 -m pip install -q --disable-pip-version-check "${THUMBD_PIP_PACKAGES[@]}"
    fi
}
