"""A plain HTTP/1.1 server for CurlTransport's tests. Prints its port, serves until killed.

  GET  /bytes?n=N      N bytes with Content-Length
  GET  /chunked?n=N    N bytes, chunked (no length known up front)
  GET  /slow?s=S       waits S seconds before answering
  GET  /stats          JSON: the most /slow requests that were in progress at once
  ANY  /echo           JSON: method, path, query, headers, body length, client port (keep-alive shows)
"""
import http.server
import json
import threading
import time
import urllib.parse


lock = threading.Lock()
in_flight = 0
max_in_flight = 0


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, body, content_type="application/octet-stream"):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def handle_any(self):
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if url.path == "/bytes":
            return self.reply(200, b"x" * int(query["n"]))
        if url.path == "/chunked":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            remaining = int(query["n"])
            while remaining > 0:
                size = min(remaining, 65536)
                self.wfile.write(b"%x\r\n" % size + b"y" * size + b"\r\n")
                remaining -= size
            self.wfile.write(b"0\r\n\r\n")
            return
        if url.path == "/slow":
            global in_flight, max_in_flight
            with lock:
                in_flight += 1
                max_in_flight = max(max_in_flight, in_flight)
            time.sleep(float(query["s"]))
            with lock:
                in_flight -= 1
            return self.reply(200, b"late")
        if url.path == "/stats":
            with lock:
                return self.reply(200, json.dumps({"max_in_flight": max_in_flight}).encode(), "application/json")
        if url.path == "/echo":
            echo = {
                "method": self.command, "path": url.path, "query": url.query,
                "headers": [[k, v] for k, v in self.headers.items()], "body_length": len(body),
                "client_port": self.client_address[1],
            }
            return self.reply(200, json.dumps(echo).encode(), "application/json")
        self.reply(404, b"")

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = handle_any


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
