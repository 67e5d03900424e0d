#!/usr/bin/env bash
# EC2 user data: installs and starts thumbd on Ubuntu 22.04/24.04 or Amazon Linux 2023. Every step is
# echoed, so /var/log/cloud-init-output.log tells the story. deploy/thumbd.yaml fills the four values
# below; to use it by hand, edit them.
set -euxo pipefail
CODE_BUCKET="${CODE_BUCKET:-my-thumbd-code}"
RELEASE_KEY="${RELEASE_KEY:-releases/thumbd-linux-x86_64.tar.gz}"
THUMBD_QUEUE="${THUMBD_QUEUE:-thumbd-jobs}"
THUMBD_OUTPUT_BUCKET="${THUMBD_OUTPUT_BUCKET:-my-thumbnails}"

echo "thumbd user-data: fetching s3://$CODE_BUCKET/$RELEASE_KEY with the instance role"
if ! command -v aws >/dev/null; then
    # Ubuntu's AMIs carry snap; Amazon Linux 2023 has the AWS CLI already.
    snap install aws-cli --classic
fi
work=$(mktemp -d)
aws s3 cp "s3://$CODE_BUCKET/$RELEASE_KEY" "$work/thumbd.tar.gz"
tar -C "$work" -xzf "$work/thumbd.tar.gz"

echo "thumbd user-data: installing"
"$work"/thumbd-*/install.sh

echo "thumbd user-data: writing /etc/thumbd/thumbd.conf"
region=$(TOKEN=$(curl -sS -X PUT http://169.254.169.254/latest/api/token -H "X-aws-ec2-metadata-token-ttl-seconds: 60") &&
    curl -sS -H "X-aws-ec2-metadata-token: $TOKEN" http://169.254.169.254/latest/meta-data/placement/region)
cat >/etc/thumbd/thumbd.conf <<CONF
THUMBD_QUEUE=$THUMBD_QUEUE
THUMBD_OUTPUT_BUCKET=$THUMBD_OUTPUT_BUCKET
THUMBD_ACL=public-read
AWS_REGION=$region
CONF

echo "thumbd user-data: starting thumbd"
systemctl enable --now thumbd
systemctl --no-pager status thumbd || true
echo "thumbd user-data: done; logs: journalctl -u thumbd"
