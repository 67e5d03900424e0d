"""The invariant at the end of a chaos run, checked against moto directly (not through the proxy):
every job of the manifest either has every output, decoding (Pillow) to the right size and type with
a public-read grant, or is in the dead-letter queue with the error code its input deserves.

  chaos_check.py MOTO_URL MANIFEST REPORT_JSON

Counts: lost (a valid job without all its outputs and not dead-lettered, or a hostile one nowhere),
corrupt (an output that does not decode or has the wrong size or type), valid jobs in the DLQ, wrong
reasons, and jobs still in the queue. Exits 1 unless all of them are zero.
"""
import collections
import concurrent.futures
import io
import json
import sys

import boto3
from PIL import Image

from harness import queue_depth

ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"


def dead_letters(sqs, dlq_url):
    """Every message in the DLQ, read without consuming (each is made visible again at the end, so the
    check can be repeated): body -> [error codes] (one per copy)."""
    found, handles, empty = {}, [], 0
    while empty < 3:
        response = sqs.receive_message(QueueUrl=dlq_url, MaxNumberOfMessages=10, VisibilityTimeout=600,
                                       MessageAttributeNames=["All"], WaitTimeSeconds=0)
        messages = response.get("Messages", [])
        empty = 0 if messages else empty + 1
        for message in messages:
            code = message.get("MessageAttributes", {}).get("thumbd.error_code", {}).get("StringValue")
            found.setdefault(message["MessageId"], (message["Body"], code or "(moved by the redrive policy)"))
            handles.append(message["ReceiptHandle"])
    for start in range(0, len(handles), 10):
        sqs.change_message_visibility_batch(QueueUrl=dlq_url, Entries=[
            {"Id": str(i), "ReceiptHandle": handle, "VisibilityTimeout": 0}
            for i, handle in enumerate(handles[start:start + 10])])
    by_body = collections.defaultdict(list)
    for body, code in found.values():
        by_body[body].append(code)
    return by_body


def check_output(s3, bucket, key, width, height, fmt, check_acl):
    """None when the output is right, else what is wrong with it."""
    try:
        response = s3.get_object(Bucket=bucket, Key=key)
    except s3.exceptions.NoSuchKey:
        return "missing"
    data = response["Body"].read()
    expected_type = "image/png" if fmt == "png" else "image/jpeg"
    if response.get("ContentType") != expected_type:
        return f"Content-Type {response.get('ContentType')}, not {expected_type}"
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except Exception as error:  # noqa: BLE001 - any decode failure is a corrupt output
        return f"does not decode: {error}"
    if image.format != fmt.upper():
        return f"is {image.format}, not {fmt}"
    if image.size != (width, height):
        return f"is {image.size[0]}x{image.size[1]}, not {width}x{height}"
    if check_acl:
        grants = s3.get_object_acl(Bucket=bucket, Key=key)["Grants"]
        if not any(g["Grantee"].get("URI") == ALL_USERS and g["Permission"] == "READ" for g in grants):
            return "no public-read grant"
    return None


def main():
    moto, manifest_path, report_path = sys.argv[1:]
    with open(manifest_path) as f:
        manifest = json.load(f)
    s3 = boto3.client("s3", endpoint_url=moto)
    sqs = boto3.client("sqs", endpoint_url=moto)
    queue_url = sqs.get_queue_url(QueueName=manifest["queue"])["QueueUrl"]
    dlq_url = sqs.get_queue_url(QueueName=manifest["queue"] + "-dlq")["QueueUrl"]
    left_in_queue = queue_depth(sqs, queue_url)
    dlq = dead_letters(sqs, dlq_url)

    problems = collections.defaultdict(list)
    jobs = manifest["jobs"]

    def check(item):
        index, job = item
        codes = dlq.get(job["body"], [])
        if job["expect"] == "dlq":
            if not codes:
                return [("lost", job["id"], f"{job['source']}: not in the DLQ (expected {job['code']})")]
            wrong = [code for code in codes if code != job["code"]]
            return [("wrong_reason", job["id"], f"{job['source']}: {wrong}, expected {job['code']}")] if wrong else []
        found = []
        if codes:
            found.append(("valid_in_dlq", job["id"], f"{job['source']}: dead-lettered with {codes}"))
        for key, width, height, fmt in job["outputs"]:
            problem = check_output(s3, manifest["output_bucket"], key, width, height, fmt, check_acl=index % 25 == 0)
            if problem == "missing" and not codes:
                found.append(("lost", job["id"], f"{key} missing"))
            elif problem and problem != "missing":
                found.append(("corrupt", job["id"], f"{key} {problem}"))
        return found

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        for found in pool.map(check, enumerate(jobs)):
            for kind, job_id, detail in found:
                problems[kind].append(f"{job_id}: {detail}")

    valid = [job for job in jobs if job["expect"] == "outputs"]
    report = {
        "jobs": len(jobs),
        "valid_jobs": len(valid),
        "outputs_checked": sum(len(job["outputs"]) for job in valid),
        "hostile_jobs": len(jobs) - len(valid),
        "dead_letters": sum(len(codes) for codes in dlq.values()),
        "dead_letter_codes": dict(collections.Counter(code for codes in dlq.values() for code in codes)),
        "left_in_queue": left_in_queue,
        "lost": len(problems["lost"]),
        "corrupt": len(problems["corrupt"]),
        "valid_in_dlq": len(problems["valid_in_dlq"]),
        "wrong_reason": len(problems["wrong_reason"]),
        "examples": {kind: found[:5] for kind, found in problems.items()},
    }
    with open(report_path, "w") as f:
        json.dump(report, f, indent=2)
    ok = all(report[name] == 0 for name in ("lost", "corrupt", "valid_in_dlq", "wrong_reason", "left_in_queue"))
    print(f"invariant: {len(valid)} valid jobs ({report['outputs_checked']} outputs) and "
          f"{report['hostile_jobs']} hostile jobs checked: lost {report['lost']}, corrupt {report['corrupt']}, "
          f"valid in DLQ {report['valid_in_dlq']}, wrong reason {report['wrong_reason']}, "
          f"left in queue {left_in_queue} -> {'OK' if ok else 'VIOLATED'}")
    for kind, found in problems.items():
        for line in found[:5]:
            print(f"  {kind}: {line}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
