"""Reference signer: signs each request of a JSON table with botocore (the AWS SDK for Python's own
SigV4 code) and prints the results as JSON, so the Swift tests compare AWSKit with it.

stdin: {"access_key", "secret_key", "token"?, "timestamp": "20240102T030405Z", "requests": [
  {"service": "s3"|"sqs"|..., "region", "method", "url" (wire form), "headers": [[name, value]...],
   "body": "<utf-8 text>", "presign_expires"?: seconds}]}
stdout: [{"authorization": "...", "canonical_request": "...", "url": "..."}...]
"""
import datetime
import json
import sys
from unittest import mock

from botocore.auth import S3SigV4Auth, S3SigV4QueryAuth, SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

table = json.load(sys.stdin)
credentials = Credentials(table["access_key"], table["secret_key"], table.get("token"))
when = datetime.datetime.strptime(table["timestamp"], "%Y%m%dT%H%M%SZ")
results = []
with mock.patch("botocore.auth.get_current_datetime", return_value=when):
    for item in table["requests"]:
        request = AWSRequest(method=item["method"], url=item["url"], data=item.get("body", "").encode("utf-8"))
        for name, value in item.get("headers", []):
            request.headers[name] = value
        s3 = item["service"] == "s3"
        if "presign_expires" in item:
            cls = S3SigV4QueryAuth if s3 else SigV4QueryAuth
            signer = cls(credentials, item["service"], item["region"], expires=item["presign_expires"])
        else:
            cls = S3SigV4Auth if s3 else SigV4Auth
            signer = cls(credentials, item["service"], item["region"])
        if s3 and "presign_expires" not in item:
            # What botocore's S3 client does for every request over http or with payload signing on.
            request.context["payload_signing_enabled"] = True
        signer.add_auth(request)
        prepared = request.prepare()
        results.append({
            "authorization": request.headers.get("Authorization", ""),
            "url": prepared.url,
            "canonical_request": signer.canonical_request(request) if "presign_expires" not in item else "",
        })
json.dump(results, sys.stdout)
