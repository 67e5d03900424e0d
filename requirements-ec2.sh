#!/usr/bin/env bash
# Installs thumbd's runtime libraries on an EC2 instance: Ubuntu 22.04 / 24.04 (apt) or Amazon Linux
# 2023 (dnf). Idempotent. The release tarball (scripts/package.sh) carries the Swift runtime itself
# (--static-swift-stdlib), so only these system libraries are needed:
#   libcurl (HTTP), OpenSSL's libcrypto (SigV4), libturbojpeg (JPEG), libpng + zlib (PNG),
#   LittleCMS 2 (ICC profiles), libwebp (WebP), libheif with its HEVC and AV1 codecs (HEIC and AVIF),
#   giflib (GIF), libxml2 (Foundation's XML parser), libstdc++ (the Swift runtime's C++ parts). libjpeg
#   is linked in.
# libheif 1.16 and later (Ubuntu 24.04) ship each codec as a plugin package: those are named here, since
# --no-install-recommends would leave them out.
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
    echo "requirements-ec2.sh: run as root (sudo $0)" >&2
    exit 1
fi
if [ ! -r /etc/os-release ]; then
    echo "requirements-ec2.sh: cannot tell the system (no /etc/os-release)" >&2
    exit 1
fi
. /etc/os-release

apt_install() {
    echo "requirements-ec2.sh: ${PRETTY_NAME}: apt-get install $*"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "$@" zlib1g liblcms2-2 libxml2 libstdc++6 ca-certificates
}

case "${ID}:${VERSION_ID}" in
    ubuntu:24.04)
        apt_install libcurl4t64 libssl3t64 libturbojpeg libpng16-16t64 libwebp7 libwebpdemux2 libgif7 libheif1 \
            libheif-plugin-libde265 libheif-plugin-dav1d libheif-plugin-aomenc ;;
    ubuntu:22.04) apt_install libcurl4 libssl3 libturbojpeg libpng16-16 libwebp7 libwebpdemux2 libgif7 libheif1 ;;
    debian:12) apt_install libcurl4 libssl3 libturbojpeg0 libpng16-16 libwebp7 libwebpdemux2 libgif7 libheif1 ;;
    amzn:2023)
        echo "requirements-ec2.sh: ${PRETTY_NAME}: dnf install"
        # AL2023 ships libcurl-minimal (HTTP and HTTPS only, all thumbd needs); libcurl would conflict with it.
        dnf install -y -q libcurl-minimal openssl-libs turbojpeg libpng zlib lcms2 libxml2 libstdc++ ca-certificates \
            libwebp giflib
        # libheif is not in AL2023's own repositories. SPAL (Supplementary Packages for Amazon Linux, built
        # from EPEL 9; AL2023 2023.9.20251117 and later) may carry it once its repository is enabled as
        # AWS's user guide describes; EPEL's build may lack the HEVC decoder (thumbd logs "codecs
        # missing" at start). Not verified on an AL2023 host: the deploy stack uses Ubuntu 24.04.
        if ! dnf install -y -q libheif; then
            echo "requirements-ec2.sh: libheif is not available: enable SPAL (see the AL2023 user guide) and run this again" >&2
            exit 1
        fi
        ;;
    *)
        echo "requirements-ec2.sh: ${PRETTY_NAME:-$ID $VERSION_ID} is not supported; use Ubuntu 22.04/24.04 or Amazon Linux 2023" >&2
        exit 1
        ;;
esac
echo "requirements-ec2.sh: done"
