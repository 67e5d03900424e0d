import Foundation

/// AWS Signature Version 4 (`AWS4-HMAC-SHA256`): signs requests with an `Authorization` header or
/// presigns them with query parameters. Pure: no clock, no network; the caller passes the date.
public struct SigV4Signer: Sendable {
    /// The per-service rules in which SigV4 differs.
    public struct Rules: Sendable, Equatable {
        /// Remove `.`/`..` segments and repeated `/` from the path before signing (every service but S3).
        public var normalizePath: Bool
        /// Percent-encode the (already encoded) wire path once more for the canonical request
        /// (every service but S3, where the wire path is the canonical path).
        public var doubleEncodePath: Bool
        /// Send and sign `x-amz-content-sha256` with the payload hash (S3 requires it).
        public var signPayloadHashHeader: Bool
        /// Add the session token after signing instead of signing it (a few services want this).
        public var omitSessionToken: Bool

        public init(normalizePath: Bool, doubleEncodePath: Bool, signPayloadHashHeader: Bool, omitSessionToken: Bool = false) {
            self.normalizePath = normalizePath
            self.doubleEncodePath = doubleEncodePath
            self.signPayloadHashHeader = signPayloadHashHeader
            self.omitSessionToken = omitSessionToken
        }

        /// Every service but S3 (SQS included).
        public static let standard = Rules(normalizePath: true, doubleEncodePath: true, signPayloadHashHeader: false)
        /// S3: the path is encoded once and never normalised; `x-amz-content-sha256` is always sent.
        public static let s3 = Rules(normalizePath: false, doubleEncodePath: false, signPayloadHashHeader: true)
    }

    /// Each stage of one signature, kept so tests and debug logs can show where two signers differ.
    public struct Signature: Sendable {
        public var canonicalRequest: String
        public var stringToSign: String
        public var signedHeaders: String
        public var signature: String
        public var credentialScope: String
    }

    public static let algorithm = "AWS4-HMAC-SHA256"
    /// The payload hash S3 accepts in presigned URLs and for bodies it should not hash.
    public static let unsignedPayload = "UNSIGNED-PAYLOAD"
    /// Headers a proxy or client may change on the way, which botocore never signs either.
    static let unsignedHeaderNames: Set<String> = ["authorization", "expect", "transfer-encoding", "user-agent", "x-amzn-trace-id"]

    public var credentials: Credentials
    public var region: String
    public var service: String
    public var rules: Rules

    public init(credentials: Credentials, region: String, service: String, rules: Rules) {
        self.credentials = credentials
        self.region = region
        self.service = service
        self.rules = rules
    }

    /// Signs `request` in place: adds `Host` (when missing), `X-Amz-Date`, `x-amz-content-sha256`
    /// (S3 rules), `X-Amz-Security-Token` and `Authorization`.
    /// - Parameter payloadHash: the body's hex SHA-256, or `UNSIGNED-PAYLOAD`; computed when `nil`.
    @discardableResult
    public func sign(_ request: inout HTTPRequest, date: Date, payloadHash: String? = nil) -> Signature {
        let timestamp = AmzDate(date)
        request.headers.remove(name: "Authorization")
        if !request.headers.contains(name: "Host") {
            request.headers.add(name: "Host", value: request.endpoint.hostHeader)
        }
        request.headers.replaceOrAdd(name: "X-Amz-Date", value: timestamp.full)
        let hash =
            payloadHash ?? request.headers["x-amz-content-sha256"].map(Self.trimAll) ?? Hashing.sha256Hex(request.body)
        if rules.signPayloadHashHeader {
            request.headers.replaceOrAdd(name: "x-amz-content-sha256", value: hash)
        }
        if let token = credentials.sessionToken, !rules.omitSessionToken {
            request.headers.replaceOrAdd(name: "X-Amz-Security-Token", value: token)
        }
        let result = signature(
            method: request.method, path: request.path, query: request.query, headers: request.headers,
            payloadHash: hash, timestamp: timestamp)
        if let token = credentials.sessionToken, rules.omitSessionToken {
            request.headers.replaceOrAdd(name: "X-Amz-Security-Token", value: token)
        }
        request.headers.add(
            name: "Authorization",
            value: "\(Self.algorithm) Credential=\(credentials.accessKeyId)/\(result.credentialScope), "
                + "SignedHeaders=\(result.signedHeaders), Signature=\(result.signature)")
        return result
    }

    /// Presigns `request`: the signing parameters and `X-Amz-Signature` are appended to its query.
    /// - Parameters:
    ///   - expires: seconds the URL stays valid (1 to 604800).
    ///   - payloadHash: `UNSIGNED-PAYLOAD` for S3 (the default), or the body's hash.
    @discardableResult
    public func presign(
        _ request: inout HTTPRequest, date: Date, expires: Int, payloadHash: String = unsignedPayload
    ) -> Signature {
        let timestamp = AmzDate(date)
        if !request.headers.contains(name: "Host") {
            request.headers.add(name: "Host", value: request.endpoint.hostHeader)
        }
        let signedNames = Self.canonicalHeaders(request.headers).names
        var parameters = [
            ("X-Amz-Algorithm", Self.algorithm),
            ("X-Amz-Credential", "\(credentials.accessKeyId)/\(scope(timestamp))"),
            ("X-Amz-Date", timestamp.full),
            ("X-Amz-Expires", String(expires)),
            ("X-Amz-SignedHeaders", signedNames),
        ]
        if let token = credentials.sessionToken, !rules.omitSessionToken {
            parameters.append(("X-Amz-Security-Token", token))
        }
        let encoded = parameters.map { "\($0.0)=\(URIEncoding.encode($0.1))" }.joined(separator: "&")
        request.query = request.query.isEmpty ? encoded : request.query + "&" + encoded
        let result = signature(
            method: request.method, path: request.path, query: request.query, headers: request.headers,
            payloadHash: payloadHash, timestamp: timestamp)
        if let token = credentials.sessionToken, rules.omitSessionToken {
            request.query += "&X-Amz-Security-Token=" + URIEncoding.encode(token)
        }
        request.query += "&X-Amz-Signature=" + result.signature
        return result
    }

    /// Computes every stage of the signature of a request as it stands.
    public func signature(
        method: String, path: String, query: String, headers: HTTPHeaders, payloadHash: String, timestamp: AmzDate
    ) -> Signature {
        let canonicalHeaders = Self.canonicalHeaders(headers)
        let canonicalRequest = [
            method.uppercased(),
            canonicalPath(path),
            Self.canonicalQuery(query),
            canonicalHeaders.block,
            canonicalHeaders.names,
            payloadHash,
        ].joined(separator: "\n")
        let credentialScope = scope(timestamp)
        let stringToSign = [
            Self.algorithm, timestamp.full, credentialScope, Hashing.sha256Hex(canonicalRequest),
        ].joined(separator: "\n")
        let signature = Hashing.hex(Hashing.hmacSHA256(key: signingKey(timestamp), Array(stringToSign.utf8)))
        return Signature(
            canonicalRequest: canonicalRequest, stringToSign: stringToSign, signedHeaders: canonicalHeaders.names,
            signature: signature, credentialScope: credentialScope)
    }

    func scope(_ timestamp: AmzDate) -> String {
        "\(timestamp.day)/\(region)/\(service)/aws4_request"
    }

    func signingKey(_ timestamp: AmzDate) -> [UInt8] {
        let dateKey = Hashing.hmacSHA256(key: Array("AWS4\(credentials.secretAccessKey)".utf8), Array(timestamp.day.utf8))
        let regionKey = Hashing.hmacSHA256(key: dateKey, Array(region.utf8))
        let serviceKey = Hashing.hmacSHA256(key: regionKey, Array(service.utf8))
        return Hashing.hmacSHA256(key: serviceKey, Array("aws4_request".utf8))
    }

    func canonicalPath(_ path: String) -> String {
        var path = path.isEmpty ? "/" : path
        if rules.normalizePath { path = Self.removeDotSegments(path) }
        return rules.doubleEncodePath ? URIEncoding.encode(path, keepSlash: true) : path
    }

    /// RFC 3986 dot-segment removal plus collapsing of empty segments, keeping a trailing `/`.
    static func removeDotSegments(_ path: String) -> String {
        var segments: [Substring] = []
        for segment in path.split(separator: "/", omittingEmptySubsequences: true) {
            switch segment {
            case ".": continue
            case "..": _ = segments.popLast()
            default: segments.append(segment)
            }
        }
        var result = "/" + segments.joined(separator: "/")
        if path.hasSuffix("/") && result != "/" { result += "/" }
        return result
    }

    /// Each parameter decoded and re-encoded the SigV4 way, then sorted by name and value (bytewise).
    static func canonicalQuery(_ query: String) -> String {
        guard !query.isEmpty else { return "" }
        var pairs: [(String, String)] = []
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = URIEncoding.encode(bytes: URIEncoding.decodeBytes(String(parts[0])))
            let value = parts.count > 1 ? URIEncoding.encode(bytes: URIEncoding.decodeBytes(String(parts[1]))) : ""
            pairs.append((name, value))
        }
        // Encoded strings are ASCII, so comparing UTF-8 bytes is comparing characters bytewise.
        pairs.sort { lhs, rhs in
            lhs.0 == rhs.0 ? lhs.1.utf8.lexicographicallyPrecedes(rhs.1.utf8) : lhs.0.utf8.lexicographicallyPrecedes(rhs.0.utf8)
        }
        return pairs.map { "\($0.0)=\($0.1)" }.joined(separator: "&")
    }

    /// `name:value` lines for every signed header (repeats joined with `,` in order, values trimmed
    /// and inner whitespace folded), with the trailing newline, and the `;`-joined names.
    static func canonicalHeaders(_ headers: HTTPHeaders) -> (block: String, names: String) {
        var order: [String] = []
        var values: [String: [String]] = [:]
        for field in headers {
            let name = trimAll(field.name.lowercased())
            guard !unsignedHeaderNames.contains(name) else { continue }
            if values[name] == nil { order.append(name) }
            values[name, default: []].append(trimAll(field.value))
        }
        let names = order.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        var block = ""
        for name in names {
            block += name + ":" + values[name]!.joined(separator: ",") + "\n"
        }
        return (block, names.joined(separator: ";"))
    }

    static func trimAll(_ value: String) -> String {
        value.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }).joined(separator: " ")
    }
}
