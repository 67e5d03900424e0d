"""The clients of bench-api.sh: N uploads at once, each one POST of a photo (multipart `image`) with
`Prefer: wait=60`, to URL. Prints one JSON object: how many answers were right (201 with a complete
job whose thumbnail exists, in the output bucket, at the size asked for, as Pillow reads it), the
total time, and p50/p99 latency in milliseconds.

  bench_api_client.py URL PHOTO N ENDPOINT_URL OUTPUT_BUCKET EXPECTED_WxH [--no-wait]
"""
import io
import json
import sys
import threading
import time

import boto3
import requests
from PIL import Image

url, photo, count, endpoint, output_bucket, expected = sys.argv[1:7]
wait = "--no-wait" not in sys.argv
count = int(count)
body = open(photo, "rb").read()
results = [None] * count
barrier = threading.Barrier(count)


def client(index):
    barrier.wait()
    started = time.monotonic()
    try:
        response = requests.post(url, files={"image": ("photo.jpg", body, "image/jpeg")},
                                 headers={"Prefer": "wait=60"} if wait else {}, timeout=120)
        results[index] = (time.monotonic() - started, response.status_code, response.text)
    except Exception as error:  # a failed request is a wrong answer, not a crash of the benchmark
        results[index] = (time.monotonic() - started, 0, str(error))


threads = [threading.Thread(target=client, args=(i,)) for i in range(count)]
begin = time.monotonic()
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
total = time.monotonic() - begin

s3 = boto3.client("s3", endpoint_url=endpoint)
correct = 0
for elapsed, status, text in results:
    if not wait:
        correct += status in (201, 202)
        continue
    try:
        document = json.loads(text)
        if status != 201 or document.get("status") != "complete":
            continue
        output = document["outputs"][0] if "outputs" in document else document
        data = s3.get_object(Bucket=output["bucket"], Key=output["key"])["Body"].read()
        size = "%dx%d" % Image.open(io.BytesIO(data)).size
        correct += size == expected
    except Exception:
        pass
latencies = sorted(r[0] * 1000 for r in results)
print(json.dumps({
    "correct": correct, "requests": count, "total_s": round(total, 2),
    "p50_ms": round(latencies[len(latencies) // 2]), "p99_ms": round(latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]),
    "statuses": sorted({r[1] for r in results}),
}))
