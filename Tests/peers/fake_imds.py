"""A stand-in for the EC2 instance metadata service (nothing real can run off EC2), speaking its
IMDSv2 HTTP protocol: PUT /latest/api/token with a TTL header gives a session token; every GET
without a valid token is answered 401. Role credentials expire after --lifetime seconds and each
fetch hands out a new key id. Prints its port, then serves until killed.

It also serves the ECS/EKS container credentials endpoint at GET /container/credentials, which
wants `Authorization: <--container-token>`.

Test controls (not part of IMDS): GET /_fake/stats, POST /_fake/revoke-tokens.
"""
import argparse
import datetime
import http.server
import json
import secrets
import threading

parser = argparse.ArgumentParser()
parser.add_argument("--lifetime", type=int, default=3600)
parser.add_argument("--role", default="thumbd-role")
parser.add_argument("--region", default="eu-west-3")
parser.add_argument("--container-token", default="container-secret-token")
options = parser.parse_args()

lock = threading.Lock()
tokens = {}
stats = {"token_requests": 0, "credential_fetches": 0, "unauthorized": 0}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, body=b"", content_type="text/plain"):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def credentials(self):
        with lock:
            stats["credential_fetches"] += 1
            number = stats["credential_fetches"]
        now = datetime.datetime.now(datetime.timezone.utc)
        return {
            "Code": "Success",
            "LastUpdated": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Type": "AWS-HMAC",
            "AccessKeyId": f"ASIAFAKE{number:012d}",
            "SecretAccessKey": secrets.token_urlsafe(30),
            "Token": secrets.token_urlsafe(60),
            "Expiration": (now + datetime.timedelta(seconds=options.lifetime)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }

    def do_PUT(self):
        if self.path != "/latest/api/token":
            return self.reply(404)
        ttl = self.headers.get("X-aws-ec2-metadata-token-ttl-seconds")
        if ttl is None or not ttl.isdigit() or not 1 <= int(ttl) <= 21600:
            return self.reply(400)
        token = secrets.token_urlsafe(32)
        with lock:
            stats["token_requests"] += 1
            tokens[token] = datetime.datetime.now() + datetime.timedelta(seconds=int(ttl))
        self.reply(200, token.encode())

    def do_POST(self):
        if self.path == "/_fake/revoke-tokens":
            with lock:
                tokens.clear()
            return self.reply(200)
        self.reply(405)

    def do_GET(self):
        if self.path == "/_fake/stats":
            with lock:
                return self.reply(200, json.dumps(stats).encode(), "application/json")
        if self.path == "/container/credentials":
            if self.headers.get("Authorization") != options.container_token:
                return self.reply(401)
            return self.reply(200, json.dumps(self.credentials()).encode(), "application/json")
        token = self.headers.get("X-aws-ec2-metadata-token")
        with lock:
            valid = token in tokens and tokens[token] > datetime.datetime.now()
            if not valid:
                stats["unauthorized"] += 1
        if not valid:
            return self.reply(401)
        base = "/latest/meta-data/iam/security-credentials/"
        if self.path == base:
            return self.reply(200, options.role.encode())
        if self.path == base + options.role:
            return self.reply(200, json.dumps(self.credentials()).encode(), "application/json")
        if self.path == "/latest/meta-data/placement/region":
            return self.reply(200, options.region.encode())
        self.reply(404)


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
