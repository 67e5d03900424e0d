/// Scheme, host and port of a service endpoint, e.g. `https://sqs.us-east-1.amazonaws.com`.
public struct Endpoint: Sendable, Hashable, CustomStringConvertible {
    public var scheme: String
    public var host: String
    public var port: Int?
    /// A path prefix the endpoint itself carries (`http://localhost:4566/prefix`), without a trailing `/`.
    public var basePath: String

    public init(scheme: String = "https", host: String, port: Int? = nil, basePath: String = "") {
        self.scheme = scheme.lowercased()
        self.host = host
        self.port = port
        self.basePath = basePath
    }

    /// Parses `scheme://host[:port][/path]`; `nil` when it is not such a URL.
    public init?(url: String) {
        guard let schemeEnd = url.range(of: "://") else { return nil }
        let scheme = url[..<schemeEnd.lowerBound].lowercased()
        guard scheme == "http" || scheme == "https" else { return nil }
        var rest = url[schemeEnd.upperBound...]
        var basePath = ""
        if let slash = rest.firstIndex(of: "/") {
            basePath = String(rest[slash...])
            rest = rest[..<slash]
        }
        while basePath.hasSuffix("/") { basePath.removeLast() }
        var host = String(rest)
        var port: Int?
        if host.hasPrefix("[") {
            // IPv6 literal: [::1]:4566
            guard let close = host.firstIndex(of: "]") else { return nil }
            let after = host[host.index(after: close)...]
            if after.hasPrefix(":") {
                guard let parsed = Int(after.dropFirst()) else { return nil }
                port = parsed
            }
            host = String(host[...close])
        } else if let colon = host.lastIndex(of: ":") {
            guard let parsed = Int(host[host.index(after: colon)...]) else { return nil }
            port = parsed
            host = String(host[..<colon])
        }
        guard !host.isEmpty else { return nil }
        self.init(scheme: scheme, host: host, port: port, basePath: basePath)
    }

    /// The value of the `Host` header: the port appears only when it is not the scheme's default.
    public var hostHeader: String {
        guard let port, port != defaultPort else { return host }
        return "\(host):\(port)"
    }

    /// `scheme://host[:port]`, without the base path.
    public var origin: String { "\(scheme)://\(hostHeader)" }

    public var baseURL: String { origin + basePath }

    public var description: String { baseURL }

    private var defaultPort: Int { scheme == "https" ? 443 : 80 }
}
