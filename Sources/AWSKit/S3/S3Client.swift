import Foundation

/// Amazon S3 over its REST/XML API: the bucket and object operations thumbd and its tools need.
public struct S3Client: Sendable {
    public let client: AWSClient
    public let addressing: S3Addressing

    public init(client: AWSClient, addressing: S3Addressing) {
        self.client = client
        self.addressing = addressing
    }

    /// A body over `maxBytes` was refused before it was read (GetObject's size cap).
    public struct ObjectTooLarge: Error, Sendable, CustomStringConvertible {
        public let bucket: String
        public let key: String
        public let maxBytes: Int

        public var description: String { "S3 GetObject s3://\(bucket)/\(key): larger than the limit of \(maxBytes) bytes" }
    }

    // MARK: Buckets

    /// Creates `bucket` in the client's region. A bucket that already exists and is ours is success.
    public func createBucket(_ bucket: String) async throws {
        var body = Data()
        if client.region != "us-east-1" {
            body = Data(
                ("<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
                    + "<LocationConstraint>\(xmlEscape(client.region))</LocationConstraint></CreateBucketConfiguration>").utf8)
        }
        do {
            _ = try await send("CreateBucket", "PUT", bucket: bucket, body: body)
        } catch let error as AWSServiceError where error.code == "BucketAlreadyOwnedByYou" {
            return
        }
    }

    /// Succeeds when the bucket exists and we may use it; `NotFound` or `Forbidden` otherwise.
    public func headBucket(_ bucket: String) async throws {
        _ = try await send("HeadBucket", "HEAD", bucket: bucket)
    }

    public func deleteBucket(_ bucket: String) async throws {
        _ = try await send("DeleteBucket", "DELETE", bucket: bucket)
    }

    public func putBucketPolicy(_ bucket: String, policy: String) async throws {
        _ = try await send(
            "PutBucketPolicy", "PUT", bucket: bucket, query: "policy", body: Data(policy.utf8),
            contentType: "application/json", contentMD5: true)
    }

    public func putPublicAccessBlock(_ bucket: String, _ block: S3PublicAccessBlock) async throws {
        let xml =
            "<PublicAccessBlockConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
            + "<BlockPublicAcls>\(block.blockPublicAcls)</BlockPublicAcls>"
            + "<IgnorePublicAcls>\(block.ignorePublicAcls)</IgnorePublicAcls>"
            + "<BlockPublicPolicy>\(block.blockPublicPolicy)</BlockPublicPolicy>"
            + "<RestrictPublicBuckets>\(block.restrictPublicBuckets)</RestrictPublicBuckets>"
            + "</PublicAccessBlockConfiguration>"
        _ = try await send(
            "PutPublicAccessBlock", "PUT", bucket: bucket, query: "publicAccessBlock", body: Data(xml.utf8),
            contentType: "application/xml", contentMD5: true)
    }

    /// Sets the bucket's lifecycle configuration to one rule: objects under `prefix` (all when empty)
    /// expire `days` after they were written, and incomplete multipart uploads are aborted after one
    /// day. Replaces any configuration the bucket had (S3's PutBucketLifecycleConfiguration does).
    public func putBucketLifecycleExpiration(_ bucket: String, id: String, days: Int, prefix: String = "") async throws {
        let xml =
            "<LifecycleConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Rule>"
            + "<ID>\(xmlEscape(id))</ID><Filter><Prefix>\(xmlEscape(prefix))</Prefix></Filter><Status>Enabled</Status>"
            + "<Expiration><Days>\(max(1, days))</Days></Expiration>"
            + "<AbortIncompleteMultipartUpload><DaysAfterInitiation>1</DaysAfterInitiation></AbortIncompleteMultipartUpload>"
            + "</Rule></LifecycleConfiguration>"
        _ = try await send(
            "PutBucketLifecycleConfiguration", "PUT", bucket: bucket, query: "lifecycle", body: Data(xml.utf8),
            contentType: "application/xml", contentMD5: true)
    }

    /// The bucket's lifecycle rules as (id, expiration days); empty when it has none.
    public func getBucketLifecycleExpirations(_ bucket: String) async throws -> [(id: String, days: Int?)] {
        let response: HTTPResponse
        do {
            response = try await send("GetBucketLifecycleConfiguration", "GET", bucket: bucket, query: "lifecycle")
        } catch let error as AWSServiceError where error.code == "NoSuchLifecycleConfiguration" {
            return []
        }
        let tree = try parseXML(response, operation: "GetBucketLifecycleConfiguration")
        return tree.all("Rule").map { rule in
            (rule["ID"] ?? "", rule.child("Expiration")?["Days"].flatMap { Int($0) })
        }
    }

    /// Buckets made since April 2023 enforce bucket ownership, which disables ACLs: thumbnails uploaded
    /// `public-read` need `BucketOwnerPreferred` (or `ObjectWriter`) first.
    public func putBucketOwnershipControls(_ bucket: String, _ ownership: S3ObjectOwnership) async throws {
        let xml =
            "<OwnershipControls xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Rule>"
            + "<ObjectOwnership>\(ownership.rawValue)</ObjectOwnership></Rule></OwnershipControls>"
        _ = try await send(
            "PutBucketOwnershipControls", "PUT", bucket: bucket, query: "ownershipControls", body: Data(xml.utf8),
            contentType: "application/xml", contentMD5: true)
    }

    // MARK: Objects

    /// Uploads bytes `0..<length` of an open file without reading it into memory: curl reads it
    /// (`pread`) as it sends, and the descriptor's offset is left alone. `sha256` (the bytes'
    /// SHA-256, computed as they were written) is the signed payload hash, which S3 checks against
    /// what arrives (`XAmzContentSHA256Mismatch` otherwise).
    /// - Returns: the new object's ETag.
    /// - Throws: `AWSServiceError`, `HTTPError` (`invalidRequest` when the file cannot be read).
    @discardableResult
    public func putObject(
        bucket: String, key: String, file descriptor: Int32, length: Int, sha256: [UInt8], options: PutObjectOptions = PutObjectOptions(),
        timeout: TimeInterval = 300
    ) async throws -> String? {
        var headers = options.headers
        headers.add(name: "Content-Type", value: options.contentType ?? "application/octet-stream")
        let (endpoint, urlPath) = addressing.locate(bucket: bucket, key: key)
        var request = HTTPRequest(method: "PUT", endpoint: endpoint, path: urlPath, headers: headers, timeout: timeout)
        request.bodyFile = (descriptor, length)
        let operation = AWSClient.Operation(service: "S3", signingName: "s3", name: "PutObject", rules: .s3, resource: "s3://\(bucket)/\(key)")
        let response = try await client.send(
            request, operation: operation, payloadHash: Hashing.hex(sha256), parseError: S3ErrorParser.parse)
        return response.headers["ETag"]
    }

    /// Uploads `body` with a `Content-MD5` integrity check (S3 refuses a body that does not match).
    /// - Returns: the new object's ETag.
    @discardableResult
    public func putObject(bucket: String, key: String, body: Data, options: PutObjectOptions = PutObjectOptions()) async throws
        -> String?
    {
        let response = try await send(
            "PutObject", "PUT", bucket: bucket, key: key, headers: options.headers, body: body,
            contentType: options.contentType ?? "application/octet-stream", contentMD5: true)
        return response.headers["ETag"]
    }

    /// Downloads an object, refusing one over `maxBytes` before reading its body; or with a non-empty
    /// `range` only those bytes (`Range: bytes=first-last`,
    /// RFC 9110 section 14; an object shorter than the range gives what it has; `info.totalLength`
    /// is the whole object's). An empty range downloads the whole object.
    /// - Throws: `ObjectTooLarge` past `maxBytes`, `AWSServiceError` (`InvalidRange`, 416, for a
    ///   range that starts past the end: an empty object), `HTTPError`.
    public func getObject(bucket: String, key: String, maxBytes: Int = 64 << 20, range: Range<Int>? = nil) async throws -> S3Object {
        var headers = HTTPHeaders()
        if let range, !range.isEmpty { headers.add(name: "Range", value: "bytes=\(range.lowerBound)-\(range.upperBound - 1)") }
        do {
            let response = try await send(
                "GetObject", "GET", bucket: bucket, key: key, headers: headers, maxResponseBytes: maxBytes, timeout: 120)
            return S3Object(body: response.body, info: S3ObjectInfo(headers: response.headers))
        } catch let error as HTTPError where error.kind == .responseTooLarge {
            throw ObjectTooLarge(bucket: bucket, key: key, maxBytes: maxBytes)
        }
    }

    public func headObject(bucket: String, key: String) async throws -> S3ObjectInfo {
        S3ObjectInfo(headers: try await send("HeadObject", "HEAD", bucket: bucket, key: key).headers)
    }

    public func deleteObject(bucket: String, key: String) async throws {
        _ = try await send("DeleteObject", "DELETE", bucket: bucket, key: key)
    }

    /// Deletes up to 1000 keys in one request.
    public func deleteObjects(bucket: String, keys: [String]) async throws -> S3DeleteResult {
        precondition(keys.count <= 1000, "DeleteObjects takes at most 1000 keys")
        var xml = "<Delete xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Quiet>false</Quiet>"
        for key in keys { xml += "<Object><Key>\(xmlEscape(key))</Key></Object>" }
        xml += "</Delete>"
        let response = try await send(
            "DeleteObjects", "POST", bucket: bucket, query: "delete", body: Data(xml.utf8), contentType: "application/xml",
            contentMD5: true)
        let root = try parseXML(response, operation: "DeleteObjects")
        return S3DeleteResult(
            deleted: root.all("Deleted").compactMap { $0["Key"] },
            errors: root.all("Error").map { ($0["Key"] ?? "", $0["Code"] ?? "", $0["Message"] ?? "") })
    }

    /// One page of the bucket's keys, in UTF-8 binary order.
    public func listObjectsV2(
        bucket: String, prefix: String? = nil, startAfter: String? = nil, continuationToken: String? = nil,
        maxKeys: Int? = nil, delimiter: String? = nil
    ) async throws -> S3ListPage {
        // encoding-type=url makes S3 percent-encode keys, so keys with characters XML cannot carry survive.
        var parameters = [("list-type", "2"), ("encoding-type", "url")]
        if let prefix { parameters.append(("prefix", prefix)) }
        if let startAfter { parameters.append(("start-after", startAfter)) }
        if let continuationToken { parameters.append(("continuation-token", continuationToken)) }
        if let maxKeys { parameters.append(("max-keys", String(maxKeys))) }
        if let delimiter { parameters.append(("delimiter", delimiter)) }
        let query = parameters.map { "\($0.0)=\(URIEncoding.encode($0.1))" }.joined(separator: "&")
        let response = try await send("ListObjectsV2", "GET", bucket: bucket, query: query)
        let root = try parseXML(response, operation: "ListObjectsV2")
        let encoded = root["EncodingType"] == "url"
        func decode(_ value: String?) -> String? {
            guard let value else { return nil }
            return encoded ? URIEncoding.decode(value.replacingOccurrences(of: "+", with: " ")) : value
        }
        return S3ListPage(
            objects: root.all("Contents").map {
                S3ListedObject(
                    key: decode($0["Key"]) ?? "", size: Int($0["Size"] ?? "") ?? 0, eTag: $0["ETag"],
                    lastModified: $0["LastModified"])
            },
            commonPrefixes: root.all("CommonPrefixes").compactMap { decode($0["Prefix"]) },
            isTruncated: root["IsTruncated"] == "true",
            nextContinuationToken: root["NextContinuationToken"])
    }

    /// Every key under `prefix`, page by page.
    public func listAllObjects(bucket: String, prefix: String? = nil, startAfter: String? = nil) -> AsyncThrowingStream<
        S3ListedObject, any Error
    > {
        AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    var token: String?
                    repeat {
                        let page = try await listObjectsV2(
                            bucket: bucket, prefix: prefix, startAfter: token == nil ? startAfter : nil,
                            continuationToken: token)
                        for object in page.objects { continuation.yield(object) }
                        token = page.isTruncated ? page.nextContinuationToken : nil
                    } while token != nil
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    public func getObjectAcl(bucket: String, key: String) async throws -> [S3Grant] {
        let response = try await send("GetObjectAcl", "GET", bucket: bucket, key: key, query: "acl")
        let root = try parseXML(response, operation: "GetObjectAcl")
        return (root.child("AccessControlList")?.all("Grant") ?? []).map { grant in
            let grantee = grant.child("Grantee")
            let type = grantee?.attributes.first { $0.key.hasSuffix("type") }?.value ?? ""
            return S3Grant(
                granteeType: type, grantee: grantee?["URI"] ?? grantee?["ID"] ?? grantee?["EmailAddress"] ?? "",
                permission: grant["Permission"] ?? "")
        }
    }

    /// A URL that lets whoever holds it `GET` the object until it expires, without credentials.
    public func presignedGetURL(bucket: String, key: String, expires: Int = 3600) async throws -> String {
        let (endpoint, path) = addressing.locate(bucket: bucket, key: key)
        var request = HTTPRequest(method: "GET", endpoint: endpoint, path: path)
        guard let credentials = try await client.credentials.credentials() else {
            throw CredentialsError("no AWS credentials found")
        }
        SigV4Signer(credentials: credentials, region: client.region, service: "s3", rules: .s3)
            .presign(&request, date: Date(), expires: expires)
        return request.url
    }

    /// The URL anyone can read a public-read object at.
    public func publicURL(bucket: String, key: String) -> String {
        let (endpoint, path) = addressing.locate(bucket: bucket, key: key)
        return endpoint.origin + path
    }

    // MARK: Wire

    func send(
        _ operation: String, _ method: String, bucket: String, key: String? = nil, query: String = "",
        headers extra: HTTPHeaders = [:], body: Data = Data(), contentType: String? = nil, contentMD5: Bool = false,
        maxResponseBytes: Int = 16 << 20, timeout: TimeInterval = 60
    ) async throws -> HTTPResponse {
        let (endpoint, path) = addressing.locate(bucket: bucket, key: key)
        var headers = extra
        if let contentType { headers.add(name: "Content-Type", value: contentType) }
        if contentMD5 { headers.add(name: "Content-MD5", value: Data(Hashing.md5(body)).base64EncodedString()) }
        let request = HTTPRequest(
            method: method, endpoint: endpoint, path: path, query: query, headers: headers, body: body, timeout: timeout,
            maxResponseBytes: maxResponseBytes)
        let resource = key.map { "s3://\(bucket)/\($0)" } ?? "s3://\(bucket)"
        let operationInfo = AWSClient.Operation(
            service: "S3", signingName: "s3", name: operation, rules: .s3, resource: resource)
        return try await client.send(request, operation: operationInfo, parseError: S3ErrorParser.parse)
    }

    func parseXML(_ response: HTTPResponse, operation: String) throws -> XMLTree {
        guard let root = XMLTree.parse(response.body) else {
            throw AWSServiceError(
                service: "S3", operation: operation, status: response.status, code: "InvalidResponse",
                message: "the response is not XML", requestId: response.headers["x-amz-request-id"])
        }
        return root
    }
}
