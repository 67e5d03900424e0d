"""Uploads the benchmark photos and enqueues N jobs cycling over them (assignment format, 400x400).

  enqueue.py upload BUCKET FILE...             creates the bucket, uploads each file under its name
  enqueue.py jobs QUEUE_URL BUCKET N MODE KEY...  sends N messages in batches of 10; MODE (fit or fill)
                                                  goes in the message's optional "mode" field
"""
import json
import os
import sys

import boto3

endpoint = os.environ.get("AWS_ENDPOINT_URL")
command, *args = sys.argv[1:]
if command == "upload":
    bucket, *files = args
    s3 = boto3.client("s3", endpoint_url=endpoint)
    s3.create_bucket(Bucket=bucket)
    for path in files:
        s3.upload_file(path, bucket, os.path.basename(path))
elif command == "jobs":
    queue_url, bucket, count, mode, *keys = args
    sqs = boto3.client("sqs", endpoint_url=endpoint)
    count = int(count)
    for start in range(0, count, 10):
        entries = [{"Id": str(i), "MessageBody": json.dumps({"bucket": bucket, "key": keys[i % len(keys)], "width": 400, "height": 400, "mode": mode})}
                   for i in range(start, min(start + 10, count))]
        sqs.send_message_batch(QueueUrl=queue_url, Entries=entries)
