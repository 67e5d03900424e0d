#!/usr/bin/env bash
# Runs every test: installs what is missing (Debian packages, pinned pip packages), builds, and with no
# arguments first runs the reliability checks (each libFuzzer target for 10 s; the quick chaos run:
# 200 jobs through a fault proxy with 5 SIGKILLs and 2 SIGTERMs, on the release build). Then starts
# two moto_servers on 127.0.0.1 (one checking SigV4, one not: moto's S3 check wrongly refuses keys
# with spaces or non-ASCII characters even from boto3), runs `swift test`, and stops the servers; then
# checks the live thumbd-api against docs/openapi.yaml with schemathesis (scripts/api-contract.sh) and
# the upload page in headless chromium with selenium (scripts/page-test.sh).
# Arguments go to `swift test` and skip the reliability checks (`scripts/test.sh --filter SQS`).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/deps.sh
source scripts/lib/moto.sh
trap thumbd_stop_started EXIT

thumbd_install_deps
echo "==> swift build --build-tests"
swift build --build-tests

if [ $# -eq 0 ]; then
    echo "==> fuzz smoke run: each libFuzzer target for 10 s (scripts/fuzz.sh)"
    scripts/fuzz.sh 10
    echo "==> quick chaos run (scripts/chaos.sh; docs/RELIABILITY.md)"
    scripts/chaos.sh --jobs 200 --kills 5 --terms 2 --fault-rate 0.1
fi

export THUMBD_LOG_DIR="${THUMBD_LOG_DIR:-$(mktemp -d)}"
thumbd_start_moto THUMBD_TEST_MOTO_AUTH auth
thumbd_start_moto THUMBD_TEST_MOTO_OPEN open
echo "==> moto_server with SigV4 checks at $THUMBD_TEST_MOTO_AUTH, without at $THUMBD_TEST_MOTO_OPEN"

echo "==> swift test"
swift test --skip-build "$@"

if [ $# -eq 0 ]; then
    thumbd_stop_started
    echo "==> thumbd-api against docs/openapi.yaml (scripts/api-contract.sh: schemathesis)"
    scripts/api-contract.sh
    echo "==> the upload page in a real browser (scripts/page-test.sh: chromium and selenium)"
    scripts/page-test.sh
fi
