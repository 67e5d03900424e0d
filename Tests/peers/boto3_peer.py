"""boto3 as the peer of AWSKit's interoperability tests. One command per run; JSON on stdout.

  boto3_peer.py ENDPOINT put-object BUCKET KEY HEX      puts bytes (hex) at KEY
  boto3_peer.py ENDPOINT get-object BUCKET KEY          prints {"hex": ..., "content_type": ...}
  boto3_peer.py ENDPOINT list-keys BUCKET PREFIX        prints every key under PREFIX
  boto3_peer.py ENDPOINT send-message QUEUE_URL BODY    sends with a String attribute "origin"
  boto3_peer.py ENDPOINT receive QUEUE_URL              receives (and deletes) up to 10, waits 2 s
  boto3_peer.py ENDPOINT ddb-get TABLE KEY_JSON          prints the item as plain JSON (numbers as strings,
                                                        binary as hex, sets as sorted lists), or null
  boto3_peer.py ENDPOINT ddb-put TABLE ITEM_JSON         puts a plain-JSON item (boto3's own type mapping;
                                                        integers become N)
Credentials come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY.
"""
import json
import sys

import boto3
from botocore.config import Config

endpoint, command, *args = sys.argv[1:]
config = Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1})
session = boto3.session.Session(region_name="us-east-1")

if command == "put-object":
    bucket, key, data = args
    session.client("s3", endpoint_url=endpoint, config=config).put_object(
        Bucket=bucket, Key=key, Body=bytes.fromhex(data), ContentType="application/x-peer")
    print("{}")
elif command == "get-object":
    bucket, key = args
    response = session.client("s3", endpoint_url=endpoint, config=config).get_object(Bucket=bucket, Key=key)
    print(json.dumps({"hex": response["Body"].read().hex(), "content_type": response.get("ContentType")}))
elif command == "list-keys":
    bucket, prefix = args
    paginator = session.client("s3", endpoint_url=endpoint, config=config).get_paginator("list_objects_v2")
    keys = [obj["Key"] for page in paginator.paginate(Bucket=bucket, Prefix=prefix) for obj in page.get("Contents", [])]
    print(json.dumps(keys))
elif command == "send-message":
    queue_url, body = args
    response = session.client("sqs", endpoint_url=endpoint, config=config).send_message(
        QueueUrl=queue_url, MessageBody=body,
        MessageAttributes={"origin": {"DataType": "String", "StringValue": "boto3"}})
    print(json.dumps({"message_id": response["MessageId"]}))
elif command == "receive":
    (queue_url,) = args
    sqs = session.client("sqs", endpoint_url=endpoint, config=config)
    response = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=2,
                                   MessageAttributeNames=["All"])
    messages = response.get("Messages", [])
    for message in messages:
        sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    print(json.dumps([{
        "body": m["Body"],
        "attributes": {k: v.get("StringValue") for k, v in m.get("MessageAttributes", {}).items()},
    } for m in messages]))
elif command in ("ddb-get", "ddb-put"):
    from decimal import Decimal
    from boto3.dynamodb.types import Binary
    table_name, document = args
    table = session.resource("dynamodb", endpoint_url=endpoint, config=config).Table(table_name)

    def plain(value):
        if isinstance(value, Decimal):
            return str(value)
        if isinstance(value, Binary):
            return bytes(value).hex()
        if isinstance(value, set):
            return sorted(plain(v) for v in value)
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, list):
            return [plain(v) for v in value]
        return value

    if command == "ddb-get":
        item = table.get_item(Key=json.loads(document), ConsistentRead=True).get("Item")
        print(json.dumps(plain(item) if item is not None else None))
    else:
        table.put_item(Item=json.loads(document))
        print("{}")
else:
    sys.exit(f"unknown command {command}")
