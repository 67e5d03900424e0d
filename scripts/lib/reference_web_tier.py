"""The reference web tier of bench-api.sh, written as a course report describes one: Flask's threaded
server and boto3. POST / with a multipart `image`: store the upload in S3, enqueue a job for the
worker, then wait for the result by a HEAD on the expected thumbnail every 0.5 s (up to 60 s), and
answer with its details. No job records, no auth: the plainest web tier that waits for results.

  reference_web_tier.py PORT ENDPOINT_URL QUEUE_URL UPLOAD_BUCKET OUTPUT_BUCKET
"""
import json
import sys
import time
import uuid

import boto3
from flask import Flask, jsonify, request

port, endpoint, queue_url, upload_bucket, output_bucket = sys.argv[1:]
s3 = boto3.client("s3", endpoint_url=endpoint)
sqs = boto3.client("sqs", endpoint_url=endpoint)
app = Flask(__name__)


@app.post("/")
def upload():
    image = request.files["image"]
    key = f"ref/{uuid.uuid4()}.jpg"
    s3.upload_fileobj(image.stream, upload_bucket, key, ExtraArgs={"ContentType": "image/jpeg"})
    sqs.send_message(QueueUrl=queue_url, MessageBody=json.dumps(
        {"bucket": upload_bucket, "key": key, "width": 400, "height": 400}))
    thumbnail = key[:-len(".jpg")] + "-400x400.jpg"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            head = s3.head_object(Bucket=output_bucket, Key=thumbnail)
            return jsonify({"status": "complete", "bucket": output_bucket, "key": thumbnail,
                            "bytes": head["ContentLength"]}), 201
        except s3.exceptions.ClientError:
            time.sleep(0.5)
    return jsonify({"status": "pending", "key": key}), 202


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=int(port), threaded=True)
