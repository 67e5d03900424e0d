"""What the chaos and soak scripts read the same way: how much work an SQS queue still holds, and how a
running process stands according to /proc."""
import os


def queue_depth(sqs, queue_url):
    """Messages not yet done: visible, in flight (received, not deleted) and delayed."""
    attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["All"])["Attributes"]
    return sum(int(attributes[name]) for name in (
        "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed"))


def process_status(pid):
    """{rss, peak_rss, anon, file (MB), fds, threads} of a live process, or None once it is gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            fields = dict(line.split(":", 1) for line in f if ":" in line)
        fds = len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return None
    megabytes = {name: int(fields[key].split()[0]) / 1024
                 for name, key in (("rss", "VmRSS"), ("peak_rss", "VmHWM"), ("anon", "RssAnon"), ("file", "RssFile"))}
    return {**megabytes, "fds": fds, "threads": int(fields["Threads"])}
