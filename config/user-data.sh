#!/usr/bin/env bash
# EC2 user data: installs thumbd from the release tarball on Ubuntu 22.04/24.04 or Amazon Linux 2023
# and starts one role: the worker (thumbd) or the web tier (thumbd-api, on 0.0.0.0:8080 behind the
# load balancer). Every step is echoed, so /var/log/cloud-init-output.log tells the story.
# deploy/thumbd.yaml fills the values below; to use it by hand, edit them.
set -euxo pipefail
THUMBD_ROLE="${THUMBD_ROLE:-worker}"
CODE_BUCKET="${CODE_BUCKET:-my-thumbd-code}"
RELEASE_KEY="${RELEASE_KEY:-releases/thumbd-linux-x86_64.tar.gz}"
THUMBD_QUEUE="${THUMBD_QUEUE:-thumbd-jobs}"
THUMBD_OUTPUT_BUCKET="${THUMBD_OUTPUT_BUCKET:-my-thumbnails}"
# The web tier's; empty: the worker keeps no job records and sends no events.
THUMBD_JOBS_TABLE="${THUMBD_JOBS_TABLE:-}"
THUMBD_UPLOAD_BUCKET="${THUMBD_UPLOAD_BUCKET:-}"
THUMBD_EVENTS_QUEUE="${THUMBD_EVENTS_QUEUE:-}"
THUMBD_JOB_TTL_DAYS="${THUMBD_JOB_TTL_DAYS:-7}"

case "$THUMBD_ROLE" in
worker) unit=thumbd ;;
api) unit=thumbd-api ;;
*)
    echo "thumbd user-data: THUMBD_ROLE must be worker or api, not $THUMBD_ROLE" >&2
    exit 1
    ;;
esac

echo "thumbd user-data: fetching s3://$CODE_BUCKET/$RELEASE_KEY with the instance role"
if ! command -v aws >/dev/null; then
    # Ubuntu's AMIs carry snap; Amazon Linux 2023 has the AWS CLI already.
    snap install aws-cli --classic
fi
work=$(mktemp -d)
# On a first deploy the fleets may boot before the release is uploaded: wait for it (10 minutes).
for attempt in $(seq 30); do
    aws s3 cp "s3://$CODE_BUCKET/$RELEASE_KEY" "$work/thumbd.tar.gz" && break
    [ "$attempt" -lt 30 ] || exit 1
    echo "thumbd user-data: no release yet (attempt $attempt), waiting"
    sleep 20
done
tar -C "$work" -xzf "$work/thumbd.tar.gz"

echo "thumbd user-data: installing"
"$work"/thumbd-*/install.sh

echo "thumbd user-data: writing /etc/thumbd/thumbd.conf for the $THUMBD_ROLE role"
region=$(TOKEN=$(curl -sS -X PUT http://169.254.169.254/latest/api/token -H "X-aws-ec2-metadata-token-ttl-seconds: 60") &&
    curl -sS -H "X-aws-ec2-metadata-token: $TOKEN" http://169.254.169.254/latest/meta-data/placement/region)
{
    echo "THUMBD_QUEUE=$THUMBD_QUEUE"
    echo "THUMBD_OUTPUT_BUCKET=$THUMBD_OUTPUT_BUCKET"
    echo "THUMBD_ACL=public-read"
    echo "AWS_REGION=$region"
    [ -z "$THUMBD_JOBS_TABLE" ] || echo "THUMBD_JOBS_TABLE=$THUMBD_JOBS_TABLE"
    [ -z "$THUMBD_UPLOAD_BUCKET" ] || echo "THUMBD_UPLOAD_BUCKET=$THUMBD_UPLOAD_BUCKET"
    [ -z "$THUMBD_EVENTS_QUEUE" ] || echo "THUMBD_EVENTS_QUEUE=$THUMBD_EVENTS_QUEUE"
    echo "THUMBD_JOB_TTL=$((THUMBD_JOB_TTL_DAYS * 86400))"
    [ "$THUMBD_ROLE" != api ] || echo "THUMBD_API_LISTEN=0.0.0.0:8080"
} >/etc/thumbd/thumbd.conf

echo "thumbd user-data: starting $unit"
systemctl enable --now "$unit"
systemctl --no-pager status "$unit" || true
echo "thumbd user-data: done; logs: journalctl -u $unit"
