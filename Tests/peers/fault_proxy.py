"""An HTTP proxy on 127.0.0.1 in front of moto_server that makes the network misbehave, for tests and
for scripts/chaos.sh. Clients use it as their endpoint (path-style S3 and SQS both go through it).
Prints its port, then serves until killed.

  fault_proxy.py UPSTREAM_URL [--fault-rate R] [--faults KIND,...] [--slow-seconds S] [--seed N]
                              [--delay-get S] [--fail-puts N]

  --fault-rate R   faults this fraction of requests (0 to 1), each with a kind drawn from --faults:
      http500       answers 500 InternalError without forwarding
      http503       answers 503 ServiceUnavailable without forwarding
      throttle      answers the service's own throttling error without forwarding (SQS JSON
                    RequestThrottled 400, S3 SlowDown 503)
      reset-before  resets the connection (TCP RST) before forwarding: the request never happened
      reset-after   forwards, then resets instead of answering: the request took effect, the answer
                    is lost
      slow          forwards, then holds the answer --slow-seconds (longer than the client waits)
      truncate      forwards, then sends the status, headers and half of the body, and closes
  --faults         which kinds (default: all of them)
  --slow-seconds   how long a slow answer is held (default 10)
  --seed           seeds the draw, so a run can be repeated
  --delay-get S    holds every S3 object GET (GET /bucket/key) S seconds before forwarding it
  --fail-puts N    answers the first N object PUTs with 503 SlowDown, without forwarding them

Control: GET /_proxy/stats gives {"requests": N, "faults": {KIND: N}, "gets": N,
"max_concurrent_gets": N, "failed_puts": N}; POST /_proxy/rate?value=R changes the fault rate.
"""
import argparse
import http.client
import http.server
import json
import random
import socket
import struct
import threading
import time
import urllib.parse

KINDS = ["http500", "http503", "throttle", "reset-before", "reset-after", "slow", "truncate"]
parser = argparse.ArgumentParser()
parser.add_argument("upstream")
parser.add_argument("--fault-rate", type=float, default=0)
parser.add_argument("--faults", default=",".join(KINDS))
parser.add_argument("--slow-seconds", type=float, default=10)
parser.add_argument("--seed", type=int, default=None)
parser.add_argument("--delay-get", type=float, default=0)
parser.add_argument("--fail-puts", type=int, default=0)
options = parser.parse_args()
kinds = [kind for kind in options.faults.split(",") if kind]
unknown = set(kinds) - set(KINDS)
if unknown:
    parser.error(f"unknown fault kinds: {', '.join(sorted(unknown))} (known: {', '.join(KINDS)})")
upstream = urllib.parse.urlsplit(options.upstream)
draw = random.Random(options.seed)
lock = threading.Lock()
state = {"rate": options.fault_rate, "requests": 0, "faults": {kind: 0 for kind in kinds}, "current_gets": 0,
         "max_concurrent_gets": 0, "gets": 0, "failed_puts": 0}

S3_ERROR = ('<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code><Message>{message}</Message>'
            '<RequestId>FAULT</RequestId></Error>')
SQS_ERROR = '{{"__type": "com.amazonaws.sqs#{code}", "message": "{message}"}}'


class Proxy(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def forward(self):
        if self.path.startswith("/_proxy/"):
            return self.control()
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        path = urllib.parse.urlsplit(self.path).path
        is_sqs = (self.headers.get("X-Amz-Target") or "").startswith("AmazonSQS.")
        is_object = not is_sqs and path.count("/") >= 2 and not path.endswith("/")
        is_object_get = self.command == "GET" and is_object
        is_object_put = self.command == "PUT" and is_object and "?" not in self.path
        with lock:
            state["requests"] += 1
            fault = draw.choice(kinds) if kinds and draw.random() < state["rate"] else None
            if fault:
                state["faults"][fault] += 1
            fail_put = is_object_put and state["failed_puts"] < options.fail_puts
            if fail_put:
                state["failed_puts"] += 1
        if fail_put:
            return self.error(503, is_sqs, "SlowDown", "Please reduce your request rate.")
        if fault == "http500":
            return self.error(500, is_sqs, "InternalError", "We encountered an internal error. Please try again.")
        if fault == "http503":
            return self.error(503, is_sqs, "ServiceUnavailable", "Service is unable to handle request.")
        if fault == "throttle":
            if is_sqs:
                return self.error(400, True, "RequestThrottled", "Rate exceeded")
            return self.error(503, False, "SlowDown", "Please reduce your request rate.")
        if fault == "reset-before":
            return self.reset()
        if is_object_get:
            with lock:
                state["current_gets"] += 1
                state["gets"] += 1
                state["max_concurrent_gets"] = max(state["max_concurrent_gets"], state["current_gets"])
        try:
            if is_object_get:
                time.sleep(options.delay_get)
            status, headers, data = self.upstream(body)
        finally:
            if is_object_get:
                with lock:
                    state["current_gets"] -= 1
        if fault == "reset-after":
            return self.reset()
        if fault == "slow":
            time.sleep(options.slow_seconds)
        self.send_response(status)
        for name, value in headers:
            if name.lower() not in ("transfer-encoding", "connection", "content-length"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command == "HEAD":
            return
        if fault == "truncate":
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            return self.reset()
        self.wfile.write(data)

    def upstream(self, body):
        connection = http.client.HTTPConnection(upstream.hostname, upstream.port, timeout=120)
        try:
            # The Host header goes through unchanged: it is what the client signed.
            connection.request(self.command, self.path, body=body, headers=dict(self.headers.items()))
            response = connection.getresponse()
            return response.status, response.getheaders(), response.read()
        finally:
            connection.close()

    def error(self, status, is_sqs, code, message):
        if is_sqs:
            body, content_type = SQS_ERROR.format(code=code, message=message), "application/x-amz-json-1.0"
        else:
            body, content_type = S3_ERROR.format(code=code, message=message), "application/xml"
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        if is_sqs:
            self.send_header("x-amzn-query-error", f"{code};Sender")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def reset(self):
        """Closes the connection with a TCP RST (SO_LINGER 0), not an orderly FIN."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        self.connection.close()

    def control(self):
        url = urllib.parse.urlsplit(self.path)
        if url.path == "/_proxy/rate":
            value = float(urllib.parse.parse_qs(url.query)["value"][0])
            with lock:
                state["rate"] = value
        with lock:
            body = json.dumps({key: value for key, value in state.items() if key != "current_gets"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = forward


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # a client that went away mid-answer (it timed out on a slow fault) is part of the game


server = Server(("127.0.0.1", 0), Proxy)
print(server.server_address[1], flush=True)
server.serve_forever()
