"""The reference workers of bench-service.sh, in Python with boto3 and Pillow, one message at a time:
receive, download, thumbnail, upload with a public-read ACL, delete. Exits once the queue has been
empty for IDLE seconds.

  reference_worker.py assignment QUEUE_URL OUTPUT_BUCKET [IDLE]
  reference_worker.py draft      QUEUE_URL OUTPUT_BUCKET [IDLE]

assignment: what the original assignment's starter code does (codelab-05 image.py and utils.py):
    download the object to a file, Image.open, ImageOps.fit(image, (width, height)) (crop to the
    box, bicubic, from the full-size decode), save as JPEG to a file, upload that file. The one
    change: quality 85 instead of Pillow's default 75, so both services write the same quality.
draft: a stronger Python peer than the assignment asks for: Image.thumbnail(), which decodes JPEGs
    in draft mode (libjpeg's DCT scaling, as thumbd does) and fits inside the box, all in memory.
"""
import io
import json
import os
import sys
import tempfile
import time

import boto3
from PIL import Image, ImageOps

variant, queue_url, output_bucket = sys.argv[1], sys.argv[2], sys.argv[3]
idle = float(sys.argv[4]) if len(sys.argv) > 4 else 3
endpoint = os.environ.get("AWS_ENDPOINT_URL")
sqs = boto3.client("sqs", endpoint_url=endpoint)
s3 = boto3.client("s3", endpoint_url=endpoint)
workdir = tempfile.mkdtemp(prefix="reference-worker-")


def output_key(job):
    stem, _ = os.path.splitext(job["key"])
    return f"{stem}-{job['width']}x{job['height']}.jpg"


def assignment(job):
    original = os.path.join(workdir, os.path.basename(job["key"]))
    s3.download_file(job["bucket"], job["key"], original)
    image = Image.open(original)
    image = ImageOps.fit(image, (job["width"], job["height"]))
    thumbnail = os.path.join(workdir, "thumbnail.jpg")
    image.save(thumbnail, "JPEG", quality=85)
    with open(thumbnail, "rb") as f:
        s3.put_object(Bucket=output_bucket, Key=output_key(job), Body=f.read(), ACL="public-read",
                      ContentType="image/jpeg")
    os.remove(original)


def draft(job):
    source = s3.get_object(Bucket=job["bucket"], Key=job["key"])["Body"].read()
    image = Image.open(io.BytesIO(source))
    image.thumbnail((job["width"], job["height"]), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.convert("RGB").save(out, "JPEG", quality=85)
    s3.put_object(Bucket=output_bucket, Key=output_key(job), Body=out.getvalue(), ACL="public-read",
                  ContentType="image/jpeg")


work = {"assignment": assignment, "draft": draft}[variant]
last = time.time()
while time.time() - last < idle:
    response = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=1, WaitTimeSeconds=1)
    for message in response.get("Messages", []):
        work(json.loads(message["Body"]))
        sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
        last = time.time()
