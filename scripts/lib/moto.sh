# Starts moto_server on free 127.0.0.1 ports and stops it on exit. Sourced by the scripts.
#
# thumbd_start_moto VAR AUTH: starts one server and sets VAR to its URL. With AUTH=auth the server
# checks SigV4 (INITIAL_NO_AUTH_ACTION_COUNT): an IAM user with an access key is created first, its
# key exported as THUMBD_TEST_ACCESS_KEY_ID / THUMBD_TEST_SECRET_ACCESS_KEY.

THUMBD_STARTED_PIDS=()

# thumbd_track PID: stop this process too with thumbd_stop_started (the scripts' daemons: thumbd,
# thumbd-api, the reference web tier).
thumbd_track() {
    THUMBD_STARTED_PIDS+=("$1")
}

# Stops what was started, the last first (the daemons before the moto_server they talk to): SIGTERM,
# then waits for each.
thumbd_stop_started() {
    local index pid
    for ((index = ${#THUMBD_STARTED_PIDS[@]} - 1; index >= 0; index--)); do
        pid=${THUMBD_STARTED_PIDS[$index]}
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    THUMBD_STARTED_PIDS=()
}

thumbd_free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

thumbd_start_moto() {
    local var="$1" mode="$2"
    local port log
    port=$(thumbd_free_port)
    log="${THUMBD_LOG_DIR:-/tmp}/moto-$port.log"
    if [ "$mode" = auth ]; then
        # The set-up below makes 4 unsigned requests (user, policy, attachment, key); every later one is checked.
        INITIAL_NO_AUTH_ACTION_COUNT=4 moto_server -H 127.0.0.1 -p "$port" >"$log" 2>&1 &
    else
        moto_server -H 127.0.0.1 -p "$port" >"$log" 2>&1 &
    fi
    THUMBD_STARTED_PIDS+=($!)
    local url="http://127.0.0.1:$port"
    local tries=0
    until curl -s -o /dev/null "$url/moto-api/"; do
        tries=$((tries + 1))
        if [ $tries -gt 100 ]; then
            echo "moto_server did not start; its log:" >&2
            cat "$log" >&2
            return 1
        fi
        sleep 0.1
    done
    if [ "$mode" = auth ]; then
        local keys
        keys=$(python3 "$(dirname "${BASH_SOURCE[0]}")/moto_iam_user.py" "$url")
        export THUMBD_TEST_ACCESS_KEY_ID="${keys%% *}"
        export THUMBD_TEST_SECRET_ACCESS_KEY="${keys##* }"
    fi
    printf -v "$var" '%s' "$url"
    export "${var?}"
}

# thumbd_local_aws_env NAME: the AWS environment of a local run against moto_server: a dummy key pair
# named after the script, us-east-1, and no instance metadata lookups (there is no EC2 here).
thumbd_local_aws_env() {
    export AWS_ACCESS_KEY_ID="$1" AWS_SECRET_ACCESS_KEY="$1-secret" AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
    export AWS_EC2_METADATA_DISABLED=true
}
