# A live thumbd-api with thumbd behind it, for the scripts that test it from outside (api-contract.sh,
# page-test.sh). Sourced after scripts/lib/moto.sh, whose trap stops everything started here.
#
#   thumbd_start_live_api NAME [VAR=VALUE ...]
#
# Starts moto_server (without SigV4 checks: browsers and schemathesis fetch public-read thumbnails
# without credentials), runs `thumbctl setup` for queue NAME with its jobs table and upload and output
# buckets, starts thumbd-api (API keys on; the VAR=VALUE settings added) and thumbd from the debug
# build, makes an API key, and waits for /healthz. Sets LIVE_WORK (logs and scratch), LIVE_URL,
# LIVE_KEY and MOTO_URL.
thumbd_start_live_api() {
    local name=$1
    shift
    local bin port attempt
    bin=$(swift build --show-bin-path)
    LIVE_WORK=$(mktemp -d)
    export THUMBD_LOG_DIR="$LIVE_WORK"
    thumbd_start_moto MOTO_URL open
    thumbd_local_aws_env "$name"
    export AWS_ENDPOINT_URL="$MOTO_URL"
    export THUMBD_QUEUE="$name" THUMBD_JOBS_TABLE="$name-jobs" THUMBD_UPLOAD_BUCKET="$name-uploads" \
        THUMBD_OUTPUT_BUCKET="$name-thumbs" THUMBD_WAIT_TIME=1 THUMBD_LOG_FORMAT=json
    local setting
    for setting in "$@"; do export "${setting?}"; done
    "$bin/thumbctl" setup >/dev/null
    port=$(thumbd_free_port)
    THUMBD_API_LISTEN="127.0.0.1:$port" "$bin/thumbd-api" >"$LIVE_WORK/api.log" 2>&1 &
    thumbd_track $!
    "$bin/thumbd" >"$LIVE_WORK/thumbd.log" 2>&1 &
    thumbd_track $!
    LIVE_KEY=$("$bin/thumbctl" api-key create --owner "$name" | python3 -c 'import json, sys; print(json.load(sys.stdin)["key"])')
    LIVE_URL="http://127.0.0.1:$port"
    for attempt in $(seq 101); do
        curl -sf -o /dev/null "$LIVE_URL/healthz" && return 0
        sleep 0.1
    done
    echo "thumbd-api did not start:" >&2
    tail -20 "$LIVE_WORK/api.log" >&2
    return 1
}
