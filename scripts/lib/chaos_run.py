"""The crash loop of a chaos run: runs thumbd (its settings come from the environment) against the
fault proxy, kills it with SIGKILL and stops it with SIGTERM at random moments while it works,
restarts it each time (as systemd's Restart=always would), and ends once the queue is empty. Records
thumbd's peak RSS and open file descriptors from /proc. The queue counts as done once FED_FILE exists
(every message was sent) and the queue is empty.

  chaos_run.py THUMBD PROXY_URL MOTO_URL QUEUE_NAME KILLS TERMS SEED TIMEOUT LOG REPORT_JSON FED_FILE

A SIGTERM must end thumbd with status 0 within its drain timeout plus one long poll; anything else
is a failure. A start that fails (the proxy can fault the start-up calls too) is retried after 1 s.
"""
import json
import os
import random
import signal
import subprocess
import sys
import time
import urllib.request

import boto3

from harness import process_status, queue_depth


def main():
    thumbd, proxy, moto, queue_name, kills, terms, seed, timeout, log_path, report_path, fed_file = sys.argv[1:]
    rng = random.Random(int(seed))
    events = ["kill"] * int(kills) + ["term"] * int(terms)
    rng.shuffle(events)
    deadline = time.time() + float(timeout)
    term_grace = int(os.environ.get("THUMBD_DRAIN_TIMEOUT", "25")) + int(os.environ.get("THUMBD_WAIT_TIME", "20")) + 15
    sqs = boto3.client("sqs", endpoint_url=moto)
    queue_url = sqs.get_queue_url(QueueName=queue_name)["QueueUrl"]
    environment = dict(os.environ, AWS_ENDPOINT_URL=proxy)
    log = open(log_path, "ab")
    report = {"kills": 0, "kills_while_busy": 0, "terms": 0, "terms_exit_0": 0, "starts": 0, "failed_starts": 0,
              "term_failures": [], "peak_rss_mb": 0.0, "max_fds": 0, "timed_out": False}
    started_at = time.time()

    def start():
        report["starts"] += 1
        return subprocess.Popen([thumbd], env=environment, stdout=log, stderr=log)

    process = start()
    next_event = time.time() + rng.uniform(1.5, 6)
    empty_checks = 0
    last_depth_check = 0.0
    while True:
        if time.time() > deadline:
            report["timed_out"] = True
            process.kill()
            process.wait()
            break
        status = process_status(process.pid)
        if status:
            report["peak_rss_mb"] = max(report["peak_rss_mb"], status["peak_rss"])
            report["max_fds"] = max(report["max_fds"], status["fds"])
        if process.poll() is not None:
            report["failed_starts"] += 1
            time.sleep(1)
            process = start()
            continue
        if events and time.time() >= next_event:
            event = events.pop()
            busy = queue_depth(sqs, queue_url) > 0
            if event == "kill":
                process.send_signal(signal.SIGKILL)
                process.wait()
                report["kills"] += 1
                report["kills_while_busy"] += busy
            else:
                process.send_signal(signal.SIGTERM)
                report["terms"] += 1
                try:
                    code = process.wait(timeout=term_grace)
                    if code == 0:
                        report["terms_exit_0"] += 1
                    else:
                        report["term_failures"].append(f"exit status {code}")
                except subprocess.TimeoutExpired:
                    report["term_failures"].append(f"still running {term_grace} s after SIGTERM")
                    process.kill()
                    process.wait()
            process = start()
            next_event = time.time() + rng.uniform(1.5, 6)
            continue
        if not events and os.path.exists(fed_file) and time.time() - last_depth_check >= 2:
            last_depth_check = time.time()
            empty_checks = empty_checks + 1 if queue_depth(sqs, queue_url) == 0 else 0
            if empty_checks >= 2:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=term_grace)
                except subprocess.TimeoutExpired:
                    report["term_failures"].append("final stop: still running after SIGTERM")
                    process.kill()
                    process.wait()
                break
        time.sleep(0.2)

    report["seconds"] = round(time.time() - started_at, 1)
    with urllib.request.urlopen(f"{proxy}/_proxy/stats") as response:
        stats = json.load(response)
    report["requests"] = stats["requests"]
    report["faults"] = stats["faults"]
    report["faults_total"] = sum(stats["faults"].values())
    with open(report_path, "w") as f:
        json.dump(report, f, indent=2)
    print(f"crash loop: {report['seconds']} s, {report['starts']} starts, {report['kills']} SIGKILLs "
          f"({report['kills_while_busy']} while jobs were queued), {report['terms']} SIGTERMs "
          f"({report['terms_exit_0']} exited 0), {report['failed_starts']} exits on their own; "
          f"{report['faults_total']} of {report['requests']} requests faulted {stats['faults']}; "
          f"peak RSS {report['peak_rss_mb']:.0f} MB, at most {report['max_fds']} fds")
    ok = not report["timed_out"] and not report["term_failures"]
    if report["timed_out"]:
        print(f"  the queue was not empty after {timeout} s")
    for failure in report["term_failures"]:
        print(f"  SIGTERM: {failure}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
