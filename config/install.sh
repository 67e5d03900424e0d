#!/usr/bin/env bash
# Installs thumbd from an unpacked release tarball (run from inside it, as root): the runtime
# libraries (requirements-ec2.sh), the binaries in /opt/thumbd/bin (linked from /usr/local/bin), the
# systemd units (thumbd and thumbd-api), and /etc/thumbd/thumbd.conf from the example unless one exists. Idempotent; it does
# not start anything.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
echo "install.sh: runtime libraries"
"$here/requirements-ec2.sh"
echo "install.sh: binaries to /opt/thumbd/bin"
install -d /opt/thumbd/bin
for tool in thumbd thumbd-api thumb-submit thumbctl; do
    install -m 0755 "$here/bin/$tool" "/opt/thumbd/bin/$tool"
    ln -sf "/opt/thumbd/bin/$tool" "/usr/local/bin/$tool"
done
echo "install.sh: systemd units"
install -m 0644 "$here/config/thumbd.service" /etc/systemd/system/thumbd.service
install -m 0644 "$here/config/thumbd-api.service" /etc/systemd/system/thumbd-api.service
install -d -m 0755 /etc/thumbd
if [ ! -e /etc/thumbd/thumbd.conf ]; then
    install -m 0644 "$here/config/thumbd.conf.example" /etc/thumbd/thumbd.conf
    echo "install.sh: wrote /etc/thumbd/thumbd.conf from the example: set THUMBD_QUEUE in it"
fi
systemctl daemon-reload 2>/dev/null || true
echo "install.sh: done ($(/opt/thumbd/bin/thumbd --help >/dev/null && echo 'thumbd runs'))"
