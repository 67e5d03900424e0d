"""Watches a running thumbd while it works through a queue: samples its RSS and open file descriptors
from /proc and the queue's depth from SQS, and prints them every tenth of the jobs. Ends when the
queue is empty; judges the run: RSS after the last job within 10% (or 20 MB) of RSS after the first
tenth, and the same fds count at both points.

  soak_monitor.py PID MOTO_URL QUEUE_URL JOBS REPORT_JSON
"""
import json
import os
import sys
import time

import boto3

pid, moto, queue_url, jobs, report_path = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
sqs = boto3.client("sqs", endpoint_url=moto)


def sample():
    with open(f"/proc/{pid}/status") as f:
        fields = dict(line.split(":", 1) for line in f if ":" in line)
    return int(fields["VmRSS"].split()[0]) / 1024, len(os.listdir(f"/proc/{pid}/fd"))


def remaining():
    attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["All"])["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])


rows, next_mark, start = [], 0, time.time()
print(f"{'jobs done':>10} {'seconds':>8} {'RSS MB':>8} {'fds':>5}")
while True:
    done = jobs - remaining()
    rss, fds = sample()
    if done >= next_mark or done >= jobs:
        rows.append({"jobs_done": done, "seconds": round(time.time() - start, 1), "rss_mb": round(rss, 1), "fds": fds})
        print(f"{done:>10} {rows[-1]['seconds']:>8} {rss:>8.1f} {fds:>5}", flush=True)
        next_mark = (done // (jobs // 10) + 1) * (jobs // 10)
    if done >= jobs:
        break
    time.sleep(1)

baseline = next(row for row in rows if row["jobs_done"] >= jobs // 10)
last = rows[-1]
growth = last["rss_mb"] - baseline["rss_mb"]
flat = growth <= max(20, baseline["rss_mb"] * 0.10)
same_fds = last["fds"] == baseline["fds"]
report = {"jobs": jobs, "samples": rows, "rss_growth_mb": round(growth, 1), "rss_flat": flat, "fds_constant": same_fds,
          "peak_rss_mb": max(row["rss_mb"] for row in rows), "jobs_per_second": round(jobs / (time.time() - start), 1)}
with open(report_path, "w") as f:
    json.dump(report, f, indent=2)
print(f"RSS after {baseline['jobs_done']} jobs {baseline['rss_mb']} MB, after {last['jobs_done']} {last['rss_mb']} MB "
      f"({growth:+.1f} MB): {'flat' if flat else 'GROWING'}; fds {baseline['fds']} -> {last['fds']}: "
      f"{'constant' if same_fds else 'CHANGED'}")
sys.exit(0 if flat and same_fds else 1)
