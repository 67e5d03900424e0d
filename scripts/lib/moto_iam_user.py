"""Creates an IAM user allowed everything on a moto server that checks signatures, and prints its
access key id and secret. These are the server's first four (unsigned) requests."""
import json
import sys

import boto3

url = sys.argv[1]
iam = boto3.client("iam", endpoint_url=url, region_name="us-east-1",
                   aws_access_key_id="bootstrap", aws_secret_access_key="bootstrap")
iam.create_user(UserName="thumbd-test")
policy = iam.create_policy(PolicyName="thumbd-test-all", PolicyDocument=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}))
iam.attach_user_policy(UserName="thumbd-test", PolicyArn=policy["Policy"]["Arn"])
key = iam.create_access_key(UserName="thumbd-test")["AccessKey"]
print(key["AccessKeyId"], key["SecretAccessKey"])
