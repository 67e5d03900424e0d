/// Where each service lives: real AWS by default, or an override (a flag, `AWS_ENDPOINT_URL_<SERVICE>`,
/// `AWS_ENDPOINT_URL`, in that order, as the AWS SDKs do).
public enum EndpointResolver {
    public enum EndpointError: Error, CustomStringConvertible {
        case invalidURL(String, source: String)

        public var description: String {
            switch self {
            case .invalidURL(let url, let source): return "\(source) is not an http(s) URL: \(url)"
            }
        }
    }

    /// `service` is the SDK's environment name for it: `SQS`, `S3`.
    public static func endpoint(
        service: String, region: String, override: String? = nil, environment: [String: String]
    ) throws -> (endpoint: Endpoint, isCustom: Bool) {
        let candidates: [(String?, String)] = [
            (override, "the endpoint flag"),
            (environment["AWS_ENDPOINT_URL_\(service.uppercased())"], "AWS_ENDPOINT_URL_\(service.uppercased())"),
            (environment["AWS_ENDPOINT_URL"], "AWS_ENDPOINT_URL"),
        ]
        for (value, source) in candidates {
            guard let value = value.flatMap(nonEmpty) else { continue }
            guard let endpoint = Endpoint(url: value) else { throw EndpointError.invalidURL(value, source: source) }
            return (endpoint, true)
        }
        return (Endpoint(host: "\(service.lowercased()).\(region).\(dnsSuffix(region: region))"), false)
    }

    /// `amazonaws.com`, or `amazonaws.com.cn` in the China regions.
    public static func dnsSuffix(region: String) -> String {
        region.hasPrefix("cn-") ? "amazonaws.com.cn" : "amazonaws.com"
    }
}
