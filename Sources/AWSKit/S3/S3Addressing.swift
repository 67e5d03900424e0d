/// Where a bucket's requests go: virtual-hosted style (`bucket.s3.region.amazonaws.com/key`) on AWS,
/// path style (`endpoint/bucket/key`) for custom endpoints and for bucket names that are not DNS-safe.
public struct S3Addressing: Sendable {
    public let endpoint: Endpoint
    public let forcePathStyle: Bool

    public init(endpoint: Endpoint, forcePathStyle: Bool) {
        self.endpoint = endpoint
        self.forcePathStyle = forcePathStyle
    }

    /// The endpoint and encoded path of `bucket` (and `key`).
    public func locate(bucket: String, key: String?) -> (endpoint: Endpoint, path: String) {
        if !forcePathStyle && Self.isVirtualHostable(bucket, scheme: endpoint.scheme) {
            var host = endpoint
            host.host = "\(bucket).\(endpoint.host)"
            return (host, endpoint.basePath + (key.map(S3Path.encode(key:)) ?? "/"))
        }
        return (endpoint, endpoint.basePath + S3Path.encode(bucket: bucket, key: key))
    }

    /// DNS-safe: 3 to 63 lower-case letters, digits, `-` (and `.` over plain HTTP only: a dotted name
    /// breaks the wildcard TLS certificate), starting and ending with a letter or digit, not an IP address.
    public static func isVirtualHostable(_ bucket: String, scheme: String) -> Bool {
        let bytes = Array(bucket.utf8)
        guard (3...63).contains(bytes.count) else { return false }
        func isLowerAlnum(_ byte: UInt8) -> Bool {
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
        }
        guard isLowerAlnum(bytes.first!), isLowerAlnum(bytes.last!) else { return false }
        for byte in bytes where !isLowerAlnum(byte) && byte != UInt8(ascii: "-") {
            guard byte == UInt8(ascii: "."), scheme == "http" else { return false }
        }
        if bucket.contains("..") { return false }
        let isIPAddress = bucket.split(separator: ".").count == 4 && bucket.split(separator: ".").allSatisfy { UInt8($0) != nil }
        return !isIPAddress
    }
}
