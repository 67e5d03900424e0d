#!/usr/bin/env bash
# Runs the whole test suite under a sanitizer, with moto_servers as scripts/test.sh starts them.
#
#   scripts/sanitize.sh address|thread [swift test arguments]
#
# AddressSanitizer runs with leak detection off: LeakSanitizer reports Swift concurrency frames and
# Foundation's Process objects in the test harness as leaks, and an ASan-built thumbd that exits with a
# leak report fails every test that runs it. Leaks are measured instead by RSS staying flat over many
# jobs. Build folders: .build-asan, .build-tsan.
set -euo pipefail
cd "$(dirname "$0")/.."
kind="${1:-address}"
shift || true
case "$kind" in
    address) scratch=.build-asan; export ASAN_OPTIONS="detect_leaks=0:abort_on_error=0:halt_on_error=1" ;;
    thread) scratch=.build-tsan; export TSAN_OPTIONS="halt_on_error=0:second_deadlock_stack=1:suppressions=$PWD/scripts/lib/tsan-suppressions.txt" ;;
    *) echo "usage: $0 address|thread [swift test arguments]" >&2; exit 2 ;;
esac
source scripts/lib/deps.sh
source scripts/lib/moto.sh
trap thumbd_stop_started EXIT
thumbd_install_deps
echo "==> swift build --build-tests --sanitize=$kind"
swift build --build-tests --sanitize="$kind" --scratch-path "$scratch"
export THUMBD_LOG_DIR="${THUMBD_LOG_DIR:-$(mktemp -d)}"
thumbd_start_moto THUMBD_TEST_MOTO_AUTH auth
thumbd_start_moto THUMBD_TEST_MOTO_OPEN open
echo "==> swift test --sanitize=$kind"
swift test --skip-build --sanitize="$kind" --scratch-path "$scratch" "$@"
