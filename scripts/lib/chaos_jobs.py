"""Makes the chaos run's jobs: uploads a source object per job to S3 (moto, directly, not through the
fault proxy), writes the manifest the checker reads (for every job its message body and either the
outputs it must produce or the error code it must die with), then sends the messages, keeping at
most DEPTH in the queue (moto's SendMessage slows down linearly with the queue's length), and
creates FED_FILE once all are sent.

  chaos_jobs.py MOTO_URL QUEUE_NAME SOURCE_BUCKET OUTPUT_BUCKET JOBS SEED MANIFEST DEPTH FED_FILE

About 1 job in 12 names a hostile image (scripts/lib/hostile_images.py) and 1 in 12 is a hostile
message; the rest are valid, in all four accepted formats, with one to three sizes in every mode.
S3 event jobs get THUMBD_SIZES, which the run sets to EVENT_SIZES below.
"""
import concurrent.futures
import io
import json
import os
import random
import sys
import time

import boto3
from PIL import Image

from harness import queue_depth
from hostile_images import hostile_images

EVENT_SIZES = [(160, 160, "fit"), (64, 64, "fill")]
EVENT_SIZES_SETTING = "160x160,64x64:fill"


def valid_sources():
    """(name, bytes, upright width, upright height, format) of small but real pictures."""
    def picture(width, height, mode="RGB"):
        base = Image.merge("RGB", [Image.linear_gradient("L").resize((width, height)),
                                   Image.effect_noise((width, height), 40),
                                   Image.radial_gradient("L").resize((width, height))])
        return base.convert(mode)

    def encode(image, fmt, **options):
        out = io.BytesIO()
        image.save(out, fmt, **options)
        return out.getvalue()

    rotated = picture(900, 600)
    exif = rotated.getexif()
    exif[0x0112] = 6  # stored 900 x 600, shown rotated a quarter turn: 600 x 900
    rgba = picture(500, 300, "RGBA")
    rgba.putalpha(Image.linear_gradient("L").resize((500, 300)))
    return [
        ("landscape.jpg", encode(picture(1280, 720), "JPEG", quality=88), 1280, 720),
        ("portrait-progressive.jpg", encode(picture(720, 1080), "JPEG", quality=85, progressive=True), 720, 1080),
        ("rotated-exif.jpg", encode(rotated, "JPEG", quality=85, exif=exif), 600, 900),
        ("grey.jpg", encode(picture(700, 700, "L"), "JPEG", quality=80), 700, 700),
        ("small.jpg", encode(picture(120, 90), "JPEG", quality=90), 120, 90),
        ("alpha.png", encode(rgba, "PNG"), 500, 300),
        ("palette.png", encode(picture(400, 400).convert("P"), "PNG"), 400, 400),
    ]


def fit_size(source, width, height, mode):
    """The README's geometry, computed here independently: force is the box; fit scales inside it and
    fill covers it then crops to it, neither ever enlarging (fill of a small source keeps what fits)."""
    def rounded(value):
        return max(1, int(value + 0.5))  # half away from zero, not Python's half to even

    if mode == "force":
        return width, height
    sw, sh = source
    if mode == "fill":
        scale = min(max(width / sw, height / sh), 1.0)
        return min(width, rounded(sw * scale)), min(height, rounded(sh * scale))
    scale = min(width / sw, height / sh, 1.0)
    return rounded(sw * scale), rounded(sh * scale)


def hostile_messages(index, bucket):
    """(body, expected code) of messages no parser should accept."""
    many = [{"width": 10, "height": 10}] * 10_000
    return [
        (f"not json {index} {{", "bad_json"),
        (f"[{index}" + "[" * 100_000, "bad_json"),
        (json.dumps({"bucket": bucket, "key": f"pad/{index}", "width": 10, "pad": "x" * 1_000_000}), "message_too_large"),
        (json.dumps({"bucket": bucket, "key": f"zero/{index}.jpg", "width": 0, "height": 0}), "invalid_size"),
        (json.dumps({"bucket": bucket, "key": f"neg/{index}.jpg", "width": -400, "height": 400}), "invalid_size"),
        (json.dumps({"bucket": bucket, "key": f"huge/{index}.jpg", "width": 10**12, "height": 400}), "invalid_size"),
        (json.dumps({"bucket": bucket, "key": f"many/{index}.jpg", "sizes": many}, separators=(",", ":")), "too_many_sizes"),
        (json.dumps({"bucket": bucket, "key": f"../../etc/{index}", "width": 10, "height": 10}), "invalid_key"),
        (json.dumps({"bucket": bucket, "key": f"ctl/{index}\u0007.jpg", "width": 10, "height": 10}), "invalid_key"),
        (json.dumps({"bucket": bucket, "key": index, "width": 10, "height": 10}), "invalid_field"),
        (json.dumps({"bucket": bucket, "key": f"t/{index}.jpg", "width": "400", "height": 400}), "invalid_field"),
        (json.dumps({"bucket": bucket, "key": f"t/{index}.jpg", "sizes": {"width": 4}}), "invalid_field"),
        (json.dumps({"bucket": bucket, "key": f"t/{index}.jpg", "width": 10, "height": 10, "quality": "high"}), "invalid_field"),
        (json.dumps({"bucket": bucket, "width": 10, "height": 10, "id": index}), "missing_field"),
        (json.dumps({"bucket": bucket, "key": f"missing/{index}.jpg", "width": 10, "height": 10}), "no_such_key"),
        (json.dumps({"bucket": f"no-such-bucket-{index}", "key": "a.jpg", "width": 10, "height": 10}), "no_such_bucket"),
        (json.dumps({"Records": [{"eventName": "ObjectCreated:Put", "s3": {"bucket": {"name": bucket},
                     "object": {"key": f"bad{index}%FF.jpg"}}}]}), "invalid_key"),
    ]


def valid_message(rng, bucket, key, upright, job_id):
    """A message in one of the four formats and the outputs it asks for: [(key, width, height, fmt)]."""
    stem, dot, _ = key.rpartition(".")
    kind = rng.choice(["assignment", "extended", "extended", "event", "sns"])
    if kind == "event":
        body = {"Records": [{"eventName": "ObjectCreated:Put", "s3": {"bucket": {"name": bucket},
                                                                      "object": {"key": key.replace(" ", "+")}}}]}
        sizes, fmt = EVENT_SIZES, "jpeg"
    elif kind == "assignment":
        width, height = rng.randint(16, 500), rng.randint(16, 500)
        body = {"bucket": bucket, "key": key, "width": width, "height": height}
        sizes, fmt = [(width, height, "fit")], "jpeg"
    else:
        boxes = set()
        while len(boxes) < rng.randint(1, 3):
            boxes.add((rng.randint(16, 400), rng.randint(16, 400)))
        sizes = [(w, h, rng.choice(["fit", "fill", "force"])) for w, h in sorted(boxes)]
        fmt = rng.choice(["jpeg", "jpeg", "png"])
        body = {"bucket": bucket, "key": key, "sizes": [{"width": w, "height": h, "mode": m} for w, h, m in sizes],
                "format": fmt, "quality": rng.randint(60, 95), "id": job_id}
        if kind == "sns":
            body = {"Type": "Notification", "MessageId": job_id, "Message": json.dumps(body)}
    ext = "png" if fmt == "png" else "jpg"
    outputs = [(f"{stem}-{w}x{h}.{ext}", *fit_size(upright, w, h, m), fmt) for w, h, m in sizes]
    return json.dumps(body), outputs


def main():
    moto, queue_name, source_bucket, output_bucket, count, seed, manifest_path, depth, fed_file = sys.argv[1:]
    depth = int(depth)
    count, rng = int(count), random.Random(int(seed))
    s3 = boto3.client("s3", endpoint_url=moto)
    sqs = boto3.client("sqs", endpoint_url=moto)
    queue_url = sqs.get_queue_url(QueueName=queue_name)["QueueUrl"]
    s3.create_bucket(Bucket=source_bucket)
    sources = valid_sources()
    hostile = hostile_images()
    jobs, uploads = [], []
    for index in range(count):
        job_id = f"job-{index:05d}"
        draw = rng.random()
        if draw < 1 / 12:
            name, data, code = hostile[index % len(hostile)]
            key = f"hostile/{index:05d}/{name}"
            uploads.append((key, data))
            body = json.dumps({"bucket": source_bucket, "key": key, "width": 200, "height": 200})
            jobs.append({"id": job_id, "body": body, "expect": "dlq", "code": code, "source": name})
        elif draw < 2 / 12:
            messages = hostile_messages(index, source_bucket)
            body, code = messages[index % len(messages)]
            jobs.append({"id": job_id, "body": body, "expect": "dlq", "code": code, "source": "message"})
        else:
            name, data, width, height = sources[index % len(sources)]
            key = f"photos/{index:05d}/{name}"
            uploads.append((key, data))
            body, outputs = valid_message(rng, source_bucket, key, (width, height), job_id)
            jobs.append({"id": job_id, "body": body, "expect": "outputs", "outputs": outputs, "source": name})

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda item: s3.put_object(Bucket=source_bucket, Key=item[0], Body=item[1]), uploads))
    with open(manifest_path + ".part", "w") as f:
        json.dump({"queue": queue_name, "source_bucket": source_bucket, "output_bucket": output_bucket,
                   "event_sizes": EVENT_SIZES_SETTING, "jobs": jobs}, f)
    os.rename(manifest_path + ".part", manifest_path)
    valid = sum(job["expect"] == "outputs" for job in jobs)
    print(f"{count} jobs: {valid} valid, {count - valid} hostile "
          f"({sum(job['source'] == 'message' for job in jobs)} messages, "
          f"{sum(job['expect'] == 'dlq' and job['source'] != 'message' for job in jobs)} images); "
          f"sending them, at most {depth} in the queue at once", flush=True)

    pending = list(jobs)
    while pending:
        room = depth - queue_depth(sqs, queue_url)
        if room < 10:
            time.sleep(0.5)
            continue
        while pending and room >= 10:
            batch, size = [], 0
            while pending and len(batch) < 10 and size + len(pending[0]["body"]) <= 200_000:
                size += len(pending[0]["body"])
                batch.append({"Id": str(len(batch)), "MessageBody": pending.pop(0)["body"]})
            if not batch:  # one message over 200 KB: on its own
                sqs.send_message(QueueUrl=queue_url, MessageBody=pending.pop(0)["body"])
                room -= 1
                continue
            sqs.send_message_batch(QueueUrl=queue_url, Entries=batch)
            room -= len(batch)
    open(fed_file, "w").close()


if __name__ == "__main__":
    main()
