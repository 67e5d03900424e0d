"""The reference worker of bench-service.sh: the thumbnail worker the original assignment describes,
in Python with boto3 and Pillow, one message at a time: receive, download, thumbnail, upload with a
public-read ACL, delete. Exits once the queue has been empty for IDLE seconds.

  reference_worker.py QUEUE_URL OUTPUT_BUCKET [IDLE]
"""
import io
import json
import os
import sys
import time

import boto3
from PIL import Image

queue_url, output_bucket = sys.argv[1], sys.argv[2]
idle = float(sys.argv[3]) if len(sys.argv) > 3 else 3
endpoint = os.environ.get("AWS_ENDPOINT_URL")
sqs = boto3.client("sqs", endpoint_url=endpoint)
s3 = boto3.client("s3", endpoint_url=endpoint)
last = time.time()
while time.time() - last < idle:
    response = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=1, WaitTimeSeconds=1)
    for message in response.get("Messages", []):
        job = json.loads(message["Body"])
        source = s3.get_object(Bucket=job["bucket"], Key=job["key"])["Body"].read()
        image = Image.open(io.BytesIO(source))
        image.thumbnail((job["width"], job["height"]), Image.Resampling.LANCZOS)
        out = io.BytesIO()
        image.convert("RGB").save(out, "JPEG", quality=85)
        stem, _ = os.path.splitext(job["key"])
        s3.put_object(Bucket=output_bucket, Key=f"{stem}-{job['width']}x{job['height']}.jpg", Body=out.getvalue(),
                      ACL="public-read", ContentType="image/jpeg")
        sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
        last = time.time()
