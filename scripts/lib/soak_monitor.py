"""Feeds a running thumbd N jobs and watches it: keeps at most 100 messages in the queue (moto's
SendMessage slows down linearly with the queue's length; a shallow queue is also what a healthy
service has), samples thumbd's RSS and open file descriptors from /proc every second, and prints them
every tenth of the jobs. Ends when every job was sent and the queue is empty; judges the run: RSS
after the last job within 10% (or 20 MB) of RSS after the first tenth, and open fds (which move with
the connections in use) in the second half never more than 4 above the most seen in the first.

  soak_monitor.py PID MOTO_URL QUEUE_URL JOBS BUCKET REPORT_JSON KEY...
"""
import json
import sys
import time

import boto3

from harness import process_status, queue_depth

pid, moto, queue_url, jobs, bucket, report_path = (int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4]),
                                                    sys.argv[5], sys.argv[6])
keys = sys.argv[7:]
sqs = boto3.client("sqs", endpoint_url=moto)


def feed(sent, room):
    while sent < jobs and room >= 10:
        entries = [{"Id": str(i), "MessageBody": json.dumps({"bucket": bucket, "key": keys[(sent + i) % len(keys)],
                                                            "width": 400, "height": 400})}
                   for i in range(min(10, jobs - sent))]
        sqs.send_message_batch(QueueUrl=queue_url, Entries=entries)
        sent += len(entries)
        room -= len(entries)
    return sent


rows, sent, next_mark, start, most_fds = [], 0, 0, time.time(), 0
print(f"{'jobs done':>10} {'seconds':>8} {'RSS MB':>8} {'anon MB':>8} {'file MB':>8} {'most fds':>9} {'threads':>8}")
while True:
    depth = queue_depth(sqs, queue_url)
    done = sent - depth
    sent = feed(sent, 100 - depth)
    status = process_status(pid)
    rss, anon, file, fds, threads = (status[name] for name in ("rss", "anon", "file", "fds", "threads"))
    most_fds = max(most_fds, fds)
    if done >= next_mark or (sent == jobs and done >= jobs):
        rows.append({"jobs_done": done, "seconds": round(time.time() - start, 1), "rss_mb": round(rss, 1),
                     "anon_mb": round(anon, 1), "file_mb": round(file, 1), "most_fds": most_fds, "threads": threads})
        print(f"{done:>10} {rows[-1]['seconds']:>8} {rss:>8.1f} {anon:>8.1f} {file:>8.1f} {most_fds:>9} {threads:>8}",
              flush=True)
        most_fds = 0
        next_mark = (done // (jobs // 10) + 1) * (jobs // 10)
    if sent == jobs and done >= jobs:
        break
    time.sleep(1)

baseline = next(row for row in rows if row["jobs_done"] >= jobs // 10)
last = rows[-1]
growth = last["rss_mb"] - baseline["rss_mb"]
flat = growth <= max(20, baseline["rss_mb"] * 0.10)
first_half = max(row["most_fds"] for row in rows if row["jobs_done"] <= jobs // 2)
second_half = max(row["most_fds"] for row in rows if row["jobs_done"] > jobs // 2)
same_fds = second_half <= first_half + 4  # the HTTP connections in use move by a few
report = {"jobs": jobs, "samples": rows, "rss_growth_mb": round(growth, 1), "rss_flat": flat, "fds_bounded": same_fds, "most_fds_first_half": first_half, "most_fds_second_half": second_half,
          "peak_rss_mb": max(row["rss_mb"] for row in rows), "jobs_per_second": round(jobs / (time.time() - start), 1)}
with open(report_path, "w") as f:
    json.dump(report, f, indent=2)
print(f"RSS after {baseline['jobs_done']} jobs {baseline['rss_mb']} MB, after {last['jobs_done']} {last['rss_mb']} MB "
      f"({growth:+.1f} MB): {'flat' if flat else 'GROWING'}; most open fds {first_half} in the first half, "
      f"{second_half} in the second: {'bounded' if same_fds else 'GROWING'}")
sys.exit(0 if flat and same_fds else 1)
