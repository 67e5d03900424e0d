"""Checks the checker: after a chaos run has passed, loses and corrupts on purpose - deletes one output
of a valid job, overwrites one output of another with half its bytes, and deletes one hostile job's
dead letter - then the caller runs chaos_check.py again, which must report exactly lost 2, corrupt 1.

  chaos_sabotage.py MOTO_URL MANIFEST
"""
import json
import sys

import boto3

moto, manifest_path = sys.argv[1:]
with open(manifest_path) as f:
    manifest = json.load(f)
s3 = boto3.client("s3", endpoint_url=moto)
sqs = boto3.client("sqs", endpoint_url=moto)
bucket = manifest["output_bucket"]
valid = [job for job in manifest["jobs"] if job["expect"] == "outputs"]
hostile = next(job for job in manifest["jobs"] if job["expect"] == "dlq")

s3.delete_object(Bucket=bucket, Key=valid[0]["outputs"][0][0])
key = valid[1]["outputs"][0][0]
data = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
s3.put_object(Bucket=bucket, Key=key, Body=data[: len(data) // 2], ContentType="image/png" if key.endswith(".png") else "image/jpeg")

dlq_url = sqs.get_queue_url(QueueName=manifest["queue"] + "-dlq")["QueueUrl"]
deleted, handles, empty = 0, [], 0
while empty < 3:  # read everything once (invisible meanwhile), delete the one, then make the rest visible
    messages = sqs.receive_message(QueueUrl=dlq_url, MaxNumberOfMessages=10, VisibilityTimeout=300).get("Messages", [])
    empty = 0 if messages else empty + 1
    for message in messages:
        if message["Body"] == hostile["body"]:
            sqs.delete_message(QueueUrl=dlq_url, ReceiptHandle=message["ReceiptHandle"])
            deleted += 1
        else:
            handles.append(message["ReceiptHandle"])
for handle in handles:
    sqs.change_message_visibility(QueueUrl=dlq_url, ReceiptHandle=handle, VisibilityTimeout=0)
print(f"sabotage: deleted {valid[0]['outputs'][0][0]}, truncated {key}, deleted {deleted} dead letter(s) of {hostile['id']}")
