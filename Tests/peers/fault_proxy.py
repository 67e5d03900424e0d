"""An HTTP proxy on 127.0.0.1 in front of moto_server, for tests that need the network to misbehave.
Clients use it as their endpoint (path-style S3 and SQS both work through it). Prints its port, then
serves until killed.

  fault_proxy.py UPSTREAM_URL [--delay-get SECONDS]

  --delay-get S   holds every S3 object GET (GET /bucket/key) S seconds before forwarding it
  --fail-puts N   answers the first N object PUTs with 503 SlowDown, without forwarding them
Control: GET /_proxy/stats gives {"max_concurrent_gets": N, "gets": N} (object GETs in progress at once).
"""
import argparse
import http.client
import http.server
import json
import threading
import time
import urllib.parse

parser = argparse.ArgumentParser()
parser.add_argument("upstream")
parser.add_argument("--delay-get", type=float, default=0)
parser.add_argument("--fail-puts", type=int, default=0)
options = parser.parse_args()
upstream = urllib.parse.urlsplit(options.upstream)
lock = threading.Lock()
state = {"current_gets": 0, "max_concurrent_gets": 0, "gets": 0, "failed_puts": 0}
SLOW_DOWN = (b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code>'
             b'<Message>Please reduce your request rate.</Message><RequestId>FAULT</RequestId></Error>')


class Proxy(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def forward(self):
        if self.path == "/_proxy/stats":
            with lock:
                body = json.dumps({k: state[k] for k in ("max_concurrent_gets", "gets", "failed_puts")}).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        path = urllib.parse.urlsplit(self.path).path
        is_object_get = self.command == "GET" and path.count("/") >= 2 and not path.endswith("/")
        is_object_put = self.command == "PUT" and path.count("/") >= 2 and not path.endswith("/") and not self.path.count("?")
        if is_object_put:
            with lock:
                fail = state["failed_puts"] < options.fail_puts
                if fail:
                    state["failed_puts"] += 1
            if fail:
                self.send_response(503)
                self.send_header("Content-Type", "application/xml")
                self.send_header("Content-Length", str(len(SLOW_DOWN)))
                self.end_headers()
                self.wfile.write(SLOW_DOWN)
                return
        if is_object_get:
            with lock:
                state["current_gets"] += 1
                state["gets"] += 1
                state["max_concurrent_gets"] = max(state["max_concurrent_gets"], state["current_gets"])
            time.sleep(options.delay_get)
        try:
            connection = http.client.HTTPConnection(upstream.hostname, upstream.port, timeout=60)
            # The Host header goes through unchanged: it is what the client signed.
            connection.request(self.command, self.path, body=body, headers=dict(self.headers.items()))
            response = connection.getresponse()
            data = response.read()
            self.send_response(response.status)
            for name, value in response.getheaders():
                if name.lower() not in ("transfer-encoding", "connection", "content-length"):
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)
        finally:
            if is_object_get:
                with lock:
                    state["current_gets"] -= 1

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = forward


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
print(server.server_address[1], flush=True)
server.serve_forever()
