"""A webhook receiver that verifies Standard Webhooks signatures the way the specification says
(https://www.standardwebhooks.com, "Verifying webhook authenticity"), written from the specification
and not from thumbd's code. Prints its port first, then appends one JSON line per request to LOG:
{"id", "timestamp", "signature", "verified", "reason", "body", "answered"}.

  webhook_receiver.py LOG SECRET [STATUSES]

SECRET is the whsec_ secret; STATUSES a comma-separated list of the statuses to answer the first
requests with (then 204), e.g. 500,503 to fail twice and then succeed.
"""
import base64
import hashlib
import hmac
import http.server
import json
import sys
import time

log_path, secret = sys.argv[1], sys.argv[2]
statuses = [int(s) for s in sys.argv[3].split(",") if s] if len(sys.argv) > 3 else []
TOLERANCE = 300  # seconds either side, the specification's recommended replay window


def verify(headers, body):
    msg_id = headers.get("webhook-id")
    timestamp = headers.get("webhook-timestamp")
    signatures = headers.get("webhook-signature")
    if not (msg_id and timestamp and signatures):
        return False, "a webhook-* header is missing"
    if not secret.startswith("whsec_"):
        return False, "the secret has no whsec_ prefix"
    key = base64.b64decode(secret[len("whsec_"):])
    if abs(time.time() - int(timestamp)) > TOLERANCE:
        return False, "timestamp outside the tolerance"
    signed = f"{msg_id}.{timestamp}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    for entry in signatures.split(" "):
        version, _, value = entry.partition(",")
        if version == "v1" and hmac.compare_digest(value, expected):
            return True, ""
    return False, "no v1 signature matches"


class Handler(http.server.BaseHTTPRequestHandler):
    count = 0

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        verified, reason = verify(self.headers, body)
        status = statuses[Handler.count] if Handler.count < len(statuses) else 204
        Handler.count += 1
        entry = {
            "id": self.headers.get("webhook-id"), "timestamp": self.headers.get("webhook-timestamp"),
            "signature": self.headers.get("webhook-signature"), "content_type": self.headers.get("Content-Type"),
            "verified": verified, "reason": reason, "body": body.decode("utf-8", "replace"), "answered": status,
            "path": self.path,
        }
        with open(log_path, "a") as log:
            log.write(json.dumps(entry) + "\n")
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
