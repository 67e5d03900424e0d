/// How S3 object keys become URL paths: every byte but the unreserved characters and `/` is
/// percent-encoded once, and the path is never normalised (`a//b/../c` is a key of its own).
public enum S3Path {
    /// `/`-prefixed encoded path of `key` (no bucket: virtual-hosted style).
    public static func encode(key: String) -> String {
        "/" + URIEncoding.encode(key, keepSlash: true)
    }

    /// `/bucket/key` encoded, for path-style addressing.
    public static func encode(bucket: String, key: String?) -> String {
        guard let key else { return "/" + URIEncoding.encode(bucket) }
        return "/" + URIEncoding.encode(bucket) + encode(key: key)
    }
}
