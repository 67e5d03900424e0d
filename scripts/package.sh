#!/usr/bin/env bash
# Builds the release tarball thumbd-<version>-linux-<arch>.tar.gz: bin/thumbd, bin/thumbd-api,
# bin/thumb-submit, bin/thumbctl (release, static Swift runtime), the systemd units, the config example, and
# requirements-ec2.sh. Then checks with ldd that every shared library the binaries need is the base
# system's or one requirements-ec2.sh installs, and so are the two they load on first use (dlopen:
# libcurl.so.4, libheif.so.1), which ldd does not see.
#
#   scripts/package.sh [OUTDIR]        (default: ./dist)
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-dist}"
version=$(git describe --tags --always --dirty 2>/dev/null || echo dev)
arch=$(uname -m)
name="thumbd-$version-linux-$arch"

source scripts/lib/deps.sh
thumbd_install_deps
# From scratch, in a folder of its own: SwiftPM 6.3's incremental release builds can leave a module
# with code it inlined from another module before that module's types changed (seen here: a stack
# smash after a field was added to an Imaging struct; docs/RELIABILITY.md). What ships is built clean.
scratch=.build-package
rm -rf "$scratch"
echo "==> swift build -c release --static-swift-stdlib (clean, in $scratch)"
swift build -c release --static-swift-stdlib --scratch-path "$scratch" >/dev/null
bin=$(swift build -c release --scratch-path "$scratch" --show-bin-path)

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/$name/bin" "$stage/$name/config"
tools="thumbd thumbd-api thumb-submit thumbctl"
for tool in $tools; do
    install -m 0755 "$bin/$tool" "$stage/$name/bin/$tool"
    strip "$stage/$name/bin/$tool" 2>/dev/null || true
done
install -m 0644 config/thumbd.service config/thumbd-api.service config/thumbd.conf.example "$stage/$name/config/"
install -m 0755 config/user-data.sh "$stage/$name/config/"
install -m 0755 requirements-ec2.sh config/install.sh "$stage/$name/"

# Every library a binary links directly (its NEEDED entries) must be glibc's (the base system) or come
# from a package requirements-ec2.sh installs: soname -> the package names that provide it (apt / dnf).
# Their own dependencies (libcurl's libssh2, libnghttp2...) come with those packages; ldd checks that
# everything resolves, of the binaries and of the libraries they load on first use.
declare -A provided=(
    [libcurl.so.4]="libcurl4 libcurl4t64 libcurl-minimal"
    [libcrypto.so.3]="libssl3 libssl3t64 openssl-libs"
    [libturbojpeg.so.0]="libturbojpeg0 libturbojpeg turbojpeg"
    [libpng16.so.16]="libpng16-16 libpng16-16t64 libpng"
    [libz.so.1]="zlib1g zlib"
    [liblcms2.so.2]="liblcms2-2 lcms2"
    [libheif.so.1]="libheif1 libheif"
    [libwebp.so.7]="libwebp7 libwebp"
    [libwebpdemux.so.2]="libwebpdemux2 libwebp"
    [libgif.so.7]="libgif7 giflib"
    [libxml2.so.2]="libxml2"
    [libstdc++.so.6]="libstdc++6 libstdc++"
)
base="linux-vdso.so.1 libc.so.6 libm.so.6 libpthread.so.0 libdl.so.2 librt.so.1 libgcc_s.so.1 libutil.so.1"
# Loaded with dlopen on first use (Sources/CCurl, Sources/CHeif): in no NEEDED entry, so named here.
loaded="libcurl.so.4 libheif.so.1"
missing=0
# ldconfig is in /sbin, which a user's PATH may lack; its cache is read whole, not piped to grep -q
# (which would stop reading early, and pipefail would take ldconfig's SIGPIPE for a failure).
cache=$("$(command -v ldconfig || echo /sbin/ldconfig)" -p)
for soname in $loaded; do
    path=$(awk -v soname="$soname" '$1 == soname && /x86-64|AArch64/ { print $NF; exit }' <<<"$cache")
    if [ -z "$path" ]; then
        echo "package.sh: $soname, which the binaries load on first use, is not installed here" >&2
        missing=1
    elif ldd "$path" | grep -q "not found"; then  # its own libraries, which ldd of a binary no longer sees
        echo "package.sh: $soname ($path): $(ldd "$path" | grep "not found" | tr '\n' ' ')" >&2
        missing=1
    fi
done
for tool in $tools; do
    if ldd "$stage/$name/bin/$tool" | grep -q "not found"; then
        echo "package.sh: $tool: $(ldd "$stage/$name/bin/$tool" | grep "not found" | tr '\n' ' ')" >&2
        missing=1
    fi
    needed=$(objdump -p "$stage/$name/bin/$tool" | awk '$1 == "NEEDED" { print $2 }')
    for soname in $(printf '%s\n' $needed $loaded | sort -u); do
        case " $base " in *" $soname "*) continue ;; esac
        case "$soname" in ld-linux*) continue ;; esac
        if [ -z "${provided[$soname]:-}" ]; then
            echo "package.sh: $tool needs $soname, which requirements-ec2.sh does not install" >&2
            missing=1
            continue
        fi
        found=0
        for package in ${provided[$soname]}; do
            grep -qw -- "$package" requirements-ec2.sh && found=1
        done
        if [ "$found" = 0 ]; then
            echo "package.sh: $tool needs $soname; none of (${provided[$soname]}) is in requirements-ec2.sh" >&2
            missing=1
        fi
    done
done
[ "$missing" = 0 ] || exit 1
echo "==> ldd: every library resolves; each one linked directly or loaded on first use is the base system's or installed by requirements-ec2.sh"
glibc=$(objdump -T "$stage/$name/bin/thumbd" | grep -oE 'GLIBC_[0-9.]+' | sort -uV | tail -1)
echo "==> needs $glibc or later: built here on $(. /etc/os-release; echo "$PRETTY_NAME"); glibc 2.35 is Ubuntu 22.04,"
echo "    2.39 Ubuntu 24.04, 2.34 Amazon Linux 2023 (build there, or in an AL2023 container, for AL2023)"

mkdir -p "$out"
tar -C "$stage" -czf "$out/$name.tar.gz" "$name"
echo "$out/$name.tar.gz"
