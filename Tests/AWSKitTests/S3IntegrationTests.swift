import Foundation
import TestSupport
import Testing

@testable import AWSKit

/// S3 against moto_server with SigV4 checking on.
@Suite("S3 against moto_server", .enabled(if: Moto.available, Moto.skipNote))
struct S3IntegrationTests {
    let s3 = Moto.s3()

    @Test("buckets: create (twice), configure for public-read thumbnails, head, delete")
    func bucketLifecycle() async throws {
        let bucket = Moto.uniqueName("bucket")
        try await s3.createBucket(bucket)
        try await s3.createBucket(bucket)  // BucketAlreadyOwnedByYou is success
        try await s3.headBucket(bucket)
        try await s3.putBucketOwnershipControls(bucket, .bucketOwnerPreferred)
        try await s3.putPublicAccessBlock(bucket, .allowPublic)
        let policy = #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::\#(bucket)/*"}]}"#
        try await s3.putBucketPolicy(bucket, policy: policy)
        try await s3.deleteBucket(bucket)
        let error = await #expect(throws: AWSServiceError.self) { try await s3.headBucket(bucket) }
        #expect(error?.code == "NotFound")
        #expect(error?.status == 404)
    }

    @Test("a bucket outside us-east-1 is created with its LocationConstraint")
    func otherRegion() async throws {
        let s3 = Moto.s3(region: "eu-west-1")
        let bucket = Moto.uniqueName("eu")
        try await s3.createBucket(bucket)
        try await s3.createBucket(bucket)
        try await s3.headBucket(bucket)
        try await s3.deleteBucket(bucket)
    }

    @Test("objects: put with type, ACL, cache control and metadata; get, head, ACL, delete")
    func objectLifecycle() async throws {
        let bucket = Moto.uniqueName("obj")
        try await s3.createBucket(bucket)
        try await s3.putBucketOwnershipControls(bucket, .bucketOwnerPreferred)
        let body = Data((0..<70_000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        let eTag = try await s3.putObject(
            bucket: bucket, key: "thumbs/canyon-400x400.jpg", body: body,
            options: PutObjectOptions(
                contentType: "image/jpeg", acl: .publicRead, cacheControl: "public, max-age=31536000, immutable",
                metadata: ["source": "s3://src/canyon.jpg", "source-etag": "\"abc\""]))
        #expect(eTag == "\"\(Hashing.hex(Hashing.md5(body)))\"")

        let object = try await s3.getObject(bucket: bucket, key: "thumbs/canyon-400x400.jpg")
        #expect(object.body == body)
        #expect(object.info.contentType == "image/jpeg")
        #expect(object.info.cacheControl == "public, max-age=31536000, immutable")
        #expect(object.info.metadata["source"] == "s3://src/canyon.jpg")
        let head = try await s3.headObject(bucket: bucket, key: "thumbs/canyon-400x400.jpg")
        #expect(head.contentLength == body.count)
        #expect(head.eTag == eTag)

        let grants = try await s3.getObjectAcl(bucket: bucket, key: "thumbs/canyon-400x400.jpg")
        #expect(grants.contains { $0.isPublicRead }, "public-read grants READ to AllUsers: \(grants)")
        try await s3.putObject(bucket: bucket, key: "private.jpg", body: body, options: PutObjectOptions(acl: .private))
        #expect(!(try await s3.getObjectAcl(bucket: bucket, key: "private.jpg")).contains { $0.isPublicRead })

        // The size cap refuses a body before reading it.
        let tooLarge = await #expect(throws: S3Client.ObjectTooLarge.self) {
            _ = try await s3.getObject(bucket: bucket, key: "private.jpg", maxBytes: 1000)
        }
        #expect(tooLarge?.description.contains("1000 bytes") == true)

        try await s3.deleteObject(bucket: bucket, key: "private.jpg")
        let missing = await #expect(throws: AWSServiceError.self) {
            _ = try await s3.getObject(bucket: bucket, key: "private.jpg")
        }
        #expect(missing?.code == "NoSuchKey")
        #expect(missing?.description.contains("s3://\(bucket)/private.jpg") == true)
        let missingHead = await #expect(throws: AWSServiceError.self) {
            _ = try await s3.headObject(bucket: bucket, key: "private.jpg")
        }
        #expect(missingHead?.code == "NotFound")

        let result = try await s3.deleteObjects(bucket: bucket, keys: ["thumbs/canyon-400x400.jpg"])
        #expect(result.deleted == ["thumbs/canyon-400x400.jpg"])
        try await s3.deleteBucket(bucket)
    }

    @Test("a file body is bytes 0..<length of the descriptor, whatever its offset, signed by the given SHA-256; a file shorter than its length fails")
    func fileBody() async throws {
        let bucket = Moto.uniqueName("file")
        try await s3.createBucket(bucket)
        let body = Data((0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 9) })
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(Moto.uniqueName("body")).path
        #expect(FileManager.default.createFile(atPath: path, contents: body + Data("not sent".utf8)))
        let descriptor = open(path, O_RDONLY)
        defer {
            close(descriptor)
            unlink(path)
        }
        #expect(lseek(descriptor, 1234, SEEK_SET) == 1234)
        try await s3.putObject(bucket: bucket, key: "file.bin", file: descriptor, length: body.count, sha256: Hashing.sha256(body))
        #expect(try await s3.getObject(bucket: bucket, key: "file.bin").body == body)
        #expect(lseek(descriptor, 0, SEEK_CUR) == 1234, "the descriptor's offset is not moved")

        // (moto does not check the payload hash against the body, as S3 does: no mismatch test here.)
        let short = await #expect(throws: HTTPError.self) {
            try await s3.putObject(
                bucket: bucket, key: "short.bin", file: descriptor, length: body.count + 100, sha256: Hashing.sha256(body))
        }
        #expect(short?.kind == .invalidRequest)
        _ = try await s3.deleteObjects(bucket: bucket, keys: ["file.bin"])
        try await s3.deleteBucket(bucket)
    }

    @Test("a presigned POST: a verifier written from the S3 reference checks its signature and conditions; curl's form upload lands")
    func presignedPost() async throws {
        // moto's SigV4 check refuses keys with spaces (which S3 takes): the server without it.
        let s3 = Moto.s3(signatureChecked: false)
        let bucket = Moto.uniqueName("post")
        try await s3.createBucket(bucket)
        let date = Date(timeIntervalSince1970: (Date().timeIntervalSince1970).rounded(.down))
        let post = try await s3.presignedPost(bucket: bucket, key: "direct/photo 1.jpg", maxBytes: 5000, expires: 900, date: date)
        #expect(post.url.hasSuffix("/\(bucket)"), "path-style on moto: \(post.url)")
        // The verifier: SigV4's signing key from the secret, day, region and service, HMAC of the
        // base64 policy ("Calculating a signature" for browser POST uploads); nothing of AWSKit's.
        let verifier = """
            import base64, datetime, hashlib, hmac, json, sys
            secret, region, expected_key, max_bytes, now, url = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
            fields = json.load(sys.stdin)
            def sign(key, text): return hmac.new(key, text.encode(), hashlib.sha256).digest()
            day = fields["x-amz-date"][:8]
            key = sign(sign(sign(sign(("AWS4" + secret).encode(), day), region), "s3"), "aws4_request")
            assert hmac.new(key, fields["policy"].encode(), hashlib.sha256).hexdigest() == fields["x-amz-signature"], "signature"
            policy = json.loads(base64.b64decode(fields["policy"]))
            conditions = policy["conditions"]
            assert ["content-length-range", 1, max_bytes] in conditions, conditions
            assert {"key": expected_key} in conditions and fields["key"] == expected_key
            # S3's rule: every form field but policy, x-amz-signature, file and x-ignore-* has a condition.
            for name, value in fields.items():
                if name not in ("policy", "x-amz-signature") and not name.startswith("x-ignore-"):
                    assert {name: value} in conditions or ["eq", "$" + name, value] in conditions, name
            assert {"bucket": url.rstrip("/").rsplit("/", 1)[1]} in conditions, "the bucket condition names the URL's bucket"
            assert fields["x-amz-algorithm"] == "AWS4-HMAC-SHA256"
            assert fields["x-amz-credential"].endswith("/" + day + "/" + region + "/s3/aws4_request")
            expiration = datetime.datetime.strptime(policy["expiration"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
            assert int(expiration.timestamp()) == now + 900, policy["expiration"]
            print("verified")
            """
        let fields = Dictionary(uniqueKeysWithValues: post.fields.map { ($0.name, $0.value) })
        let verified = try runProcess(
            "/usr/bin/env", ["python3", "-c", verifier, Moto.openCredentials.secretAccessKey, "us-east-1", "direct/photo 1.jpg", "5000", String(Int(date.timeIntervalSince1970)), post.url],
            input: try JSONSerialization.data(withJSONObject: fields))
        #expect(verified.output.trimmingCharacters(in: .whitespacesAndNewlines) == "verified", "\(verified.stderr)")

        // The browser's way: a multipart form, the fields in order and the file last.
        let file = FileManager.default.temporaryDirectory.appendingPathComponent(Moto.uniqueName("form"))
        let body = Data((0..<3000).map { UInt8(truncatingIfNeeded: $0 * 13) })
        try body.write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        var arguments = ["-s", "-o", "/dev/null", "-w", "%{http_code}"]
        for field in post.fields { arguments += ["--form-string", "\(field.name)=\(field.value)"] }
        arguments += ["-F", "file=@\(file.path)", post.url]
        let status = try runProcess("/usr/bin/env", ["curl"] + arguments).output
        #expect(["201", "204"].contains(status), "\(status)")
        #expect(try await s3.getObject(bucket: bucket, key: "direct/photo 1.jpg").body == body)
    }

    @Test("a missing bucket is NoSuchBucket")
    func missingBucket() async throws {
        let error = await #expect(throws: AWSServiceError.self) {
            _ = try await s3.getObject(bucket: Moto.uniqueName("never"), key: "k")
        }
        #expect(error?.code == "NoSuchBucket")
    }

    @Test("ListObjectsV2 pages with prefix, start-after and continuation tokens")
    func listing() async throws {
        // Prefixes without `/` here: moto's signature check also refuses boto3 for a query value with
        // `%2F`. The delimiter case runs on the open server below.
        let bucket = Moto.uniqueName("list")
        try await s3.createBucket(bucket)
        let keys = (0..<7).map { "photos-\($0).jpg" } + ["other/x.jpg"]
        for key in keys { try await s3.putObject(bucket: bucket, key: key, body: Data(key.utf8)) }

        let first = try await s3.listObjectsV2(bucket: bucket, prefix: "photos-", maxKeys: 3)
        #expect(first.objects.map(\.key) == ["photos-0.jpg", "photos-1.jpg", "photos-2.jpg"])
        #expect(first.isTruncated)
        let second = try await s3.listObjectsV2(
            bucket: bucket, prefix: "photos-", continuationToken: first.nextContinuationToken, maxKeys: 3)
        #expect(second.objects.map(\.key) == ["photos-3.jpg", "photos-4.jpg", "photos-5.jpg"])

        var all: [String] = []
        for try await object in s3.listAllObjects(bucket: bucket, prefix: "photos-", startAfter: "photos-4.jpg") {
            all.append(object.key)
        }
        #expect(all == ["photos-5.jpg", "photos-6.jpg"])
        let deleted = try await s3.deleteObjects(bucket: bucket, keys: keys)
        #expect(Set(deleted.deleted) == Set(keys))
        try await s3.deleteBucket(bucket)
    }

    @Test("ListObjectsV2 with a delimiter groups common prefixes")
    func delimiter() async throws {
        let s3 = Moto.s3(signatureChecked: false)
        let bucket = Moto.uniqueName("delim")
        try await s3.createBucket(bucket)
        for key in ["photos/a.jpg", "photos/b.jpg", "other/x.jpg", "top.jpg"] {
            try await s3.putObject(bucket: bucket, key: key, body: Data(key.utf8))
        }
        let page = try await s3.listObjectsV2(bucket: bucket, delimiter: "/")
        #expect(Set(page.commonPrefixes) == ["photos/", "other/"])
        #expect(page.objects.map(\.key) == ["top.jpg"])
        let photos = try await s3.listObjectsV2(bucket: bucket, prefix: "photos/")
        #expect(photos.objects.map(\.key) == ["photos/a.jpg", "photos/b.jpg"])
    }

    @Test("a presigned URL lets a plain GET fetch the object without credentials")
    func presignedURL() async throws {
        // moto's signature check cannot read presigned URLs (it wants an Authorization header), so this
        // runs on the open server; BotocoreSigningTests compares the URL with botocore's.
        let s3 = Moto.s3(signatureChecked: false)
        let bucket = Moto.uniqueName("presign")
        try await s3.createBucket(bucket)
        try await s3.putObject(bucket: bucket, key: "shared.txt", body: Data("presigned".utf8))
        let url = try await s3.presignedGetURL(bucket: bucket, key: "shared.txt", expires: 300)
        #expect(url.contains("X-Amz-Signature="))
        let response = try await Moto.transport.send(
            HTTPRequest(method: "GET", endpoint: Endpoint(url: url)!, path: String(url.split(separator: "?")[0].dropFirst(Moto.openURL!.count)),
                        query: String(url.split(separator: "?")[1])))
        #expect(response.status == 200)
        #expect(String(decoding: response.body, as: UTF8.self) == "presigned")
        try await s3.deleteObject(bucket: bucket, key: "shared.txt")
        try await s3.deleteBucket(bucket)
    }
}

/// Keys users really have, written by one client and read by the other, byte for byte. On the server
/// without signature checks: moto's S3 check wrongly refuses such keys even from boto3. Their
/// signatures are checked against botocore's signer instead (BotocoreSigningTests).
@Suite("S3 awkward keys with boto3", .enabled(if: Moto.available, Moto.skipNote))
struct S3AwkwardKeyTests {
    static let keys = [
        "with space.jpg", "ünïcödé/фото/写真.jpg", "plus+equals=amp&pct%tilde~.jpg", "parens(1) bang! star* quote'.jpg",
        "double//slash.jpg", "trailing/", "emoji 📷.png", "semi;colon,comma:at@dollar$.jpg", "hash#question?.jpg",
    ]

    @Test("AWSKit writes, boto3 reads", arguments: keys)
    func awskitToBoto3(key: String) async throws {
        let s3 = Moto.s3(signatureChecked: false)
        let bucket = Moto.uniqueName("awk")
        try await s3.createBucket(bucket)
        let body = Data("bytes of \(key) \u{0}\u{FF}".utf8)
        try await s3.putObject(bucket: bucket, key: key, body: body, options: PutObjectOptions(contentType: "image/jpeg"))
        struct Peer: Decodable {
            let hex: String
            let content_type: String?
        }
        let read = try PythonPeer.runJSON(
            "boto3_peer.py", [Moto.openURL!, "get-object", bucket, key], environment: Moto.peerEnvironment(signatureChecked: false),
            as: Peer.self)
        #expect(read.hex == Hashing.hex(Array(body)))
        #expect(read.content_type == "image/jpeg")
        let listed = try PythonPeer.runJSON(
            "boto3_peer.py", [Moto.openURL!, "list-keys", bucket, ""], environment: Moto.peerEnvironment(signatureChecked: false),
            as: [String].self)
        #expect(listed == [key])
    }

    @Test("boto3 writes, AWSKit reads", arguments: keys)
    func boto3ToAWSKit(key: String) async throws {
        let s3 = Moto.s3(signatureChecked: false)
        let bucket = Moto.uniqueName("awk")
        try await s3.createBucket(bucket)
        let body = Data("peer bytes of \(key)".utf8)
        try PythonPeer.run(
            "boto3_peer.py", [Moto.openURL!, "put-object", bucket, key, Hashing.hex(Array(body))],
            environment: Moto.peerEnvironment(signatureChecked: false))
        let object = try await s3.getObject(bucket: bucket, key: key)
        #expect(object.body == body)
        #expect(object.info.contentType == "application/x-peer")
        let page = try await s3.listObjectsV2(bucket: bucket)
        #expect(page.objects.map(\.key) == [key])
    }
}

/// A bucket's notification configuration: read, one queue entry replaced, written back; every other
/// entry (SNS, Lambda, other queues, EventBridge) exactly as it was.
@Suite("S3 bucket notifications")
struct S3BucketNotificationTests {
    static let document = """
        <?xml version="1.0" encoding="UTF-8"?>
        <NotificationConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
          <TopicConfiguration><Id>their-topic</Id><Topic>arn:aws:sns:us-east-1:123456789012:t</Topic><Event>s3:ObjectRemoved:*</Event></TopicConfiguration>
          <QueueConfiguration><Id>their-queue</Id><Queue>arn:aws:sqs:us-east-1:123456789012:other</Queue><Event>s3:ObjectCreated:Put</Event>
            <Filter><S3Key><FilterRule><Name>Prefix</Name><Value>docs/ &amp; more</Value></FilterRule></S3Key></Filter></QueueConfiguration>
          <QueueConfiguration><Id>thumbd-jobs</Id><Queue>arn:aws:sqs:us-east-1:123456789012:jobs</Queue><Event>s3:ObjectCreated:*</Event></QueueConfiguration>
          <CloudFunctionConfiguration><Id>their-lambda</Id><CloudFunction>arn:aws:lambda:us-east-1:123456789012:function:f</CloudFunction><Event>s3:ObjectCreated:*</Event></CloudFunctionConfiguration>
          <EventBridgeConfiguration></EventBridgeConfiguration>
        </NotificationConfiguration>
        """

    @Test("replacing our queue entry keeps the others element for element, in order")
    func editKeepsOthers() throws {
        let tree = try #require(XMLTree.parse(Data(Self.document.utf8)))
        var notification = S3BucketNotification(elements: tree.children)
        #expect(notification.queueConfigurations.map(\.id) == ["their-queue", "thumbd-jobs"])
        #expect(notification.queueConfigurations.first?.prefix == "docs/ & more", "filter rule names compare without case")
        let removed = notification.removeQueueConfigurations { $0.id.hasPrefix("thumbd-") }
        #expect(removed.map(\.id) == ["thumbd-jobs"])
        let ours = S3BucketNotification.QueueConfiguration(
            id: "thumbd-jobs", queueArn: "arn:aws:sqs:us-east-1:123456789012:jobs", events: ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"],
            prefix: "photos/", suffix: ".jpg")
        notification.add(ours)
        let written = try #require(XMLTree.parse(Data(notification.xml.utf8)))
        #expect(written.name == "NotificationConfiguration" && written.attributes["xmlns"] == "http://s3.amazonaws.com/doc/2006-03-01/")
        #expect(written.children.map(\.name) == [
            "TopicConfiguration", "QueueConfiguration", "CloudFunctionConfiguration", "EventBridgeConfiguration", "QueueConfiguration",
        ])
        let others = tree.children.filter { $0["Id"] != "thumbd-jobs" }
        func same(_ a: XMLTree, _ b: XMLTree) -> Bool {
            a.name == b.name && a.attributes == b.attributes && a.text == b.text && a.children.count == b.children.count
                && zip(a.children, b.children).allSatisfy { same($0, $1) }
        }
        #expect(zip(written.children.prefix(4), others).allSatisfy { same($0, $1) }, "the others written back as read, element for element")
        #expect(S3BucketNotification(elements: written.children).queueConfigurations.last == ours)
    }

    @Test("filter values go on the wire URL-encoded as S3 asks (a space is +, / kept) and read back as keys are spelled")
    func filterEncoding() throws {
        #expect(S3KeyFilter.encode("my photos/ü+1.jpg") == "my+photos/%C3%BC%2B1.jpg")
        #expect(S3KeyFilter.decode("my+photos/%C3%BC%2B1.jpg") == "my photos/ü+1.jpg")
        var notification = S3BucketNotification()
        notification.add(.init(id: "x", queueArn: "arn:aws:sqs:us-east-1:1:q", events: ["s3:ObjectCreated:*"], prefix: "my photos/"))
        #expect(notification.xml.contains("<Value>my+photos/</Value>"))
        let read = S3BucketNotification(elements: try #require(XMLTree.parse(Data(notification.xml.utf8))).children)
        #expect(read.queueConfigurations.first?.prefix == "my photos/")
        #expect(read.destinations.first?.prefix == "my photos/")
    }

    @Test("moto: the configuration written is the one read back, with another queue's entry beside ours")
    func roundTrip() async throws {
        let s3 = Moto.s3()
        let sqs = Moto.sqs()
        let bucket = Moto.uniqueName("notify")
        try await s3.createBucket(bucket)
        #expect(try await s3.getBucketNotification(bucket).elements.isEmpty)
        var arns: [String] = []
        for name in ["a", "b"] {
            let url = try await sqs.createQueue(name: Moto.uniqueName(name))
            arns.append(try #require(try await sqs.getQueueAttributes(queueUrl: url, names: ["QueueArn"])["QueueArn"]))
        }
        var notification = S3BucketNotification()
        notification.add(.init(id: "theirs", queueArn: arns[0], events: ["s3:ObjectCreated:Put"], prefix: "docs/"))
        notification.add(.init(id: "thumbd-x", queueArn: arns[1], events: ["s3:ObjectCreated:*"], prefix: "photos/", suffix: ".jpg"))
        try await s3.putBucketNotification(bucket, notification)
        let read = try await s3.getBucketNotification(bucket).queueConfigurations
        #expect(read.map(\.id).sorted() == ["theirs", "thumbd-x"])
        #expect(read.first { $0.id == "thumbd-x" } == notification.queueConfigurations.last)
        try await s3.deleteBucket(bucket)
    }
}
