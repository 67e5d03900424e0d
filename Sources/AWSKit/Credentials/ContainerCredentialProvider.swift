import Foundation

/// ECS task roles and EKS pod identity: `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` (on 169.254.170.2) or
/// `AWS_CONTAINER_CREDENTIALS_FULL_URI`, with `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE` or
/// `AWS_CONTAINER_AUTHORIZATION_TOKEN` sent as the `Authorization` header.
public struct ContainerCredentialProvider: CredentialProvider {
    public let name = "container"
    static let ecsHost = "http://169.254.170.2"
    private let environment: [String: String]
    private let transport: any HTTPTransport

    public init(environment: [String: String], transport: any HTTPTransport) {
        self.environment = environment
        self.transport = transport
    }

    public func credentials() async throws -> Credentials? {
        let url: String
        if let relative = environment["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"].flatMap(nonEmpty) {
            url = Self.ecsHost + (relative.hasPrefix("/") ? relative : "/" + relative)
        } else if let full = environment["AWS_CONTAINER_CREDENTIALS_FULL_URI"].flatMap(nonEmpty) {
            url = full
        } else {
            return nil
        }
        guard let endpoint = Endpoint(url: url) else {
            throw CredentialsError("the container credentials URI is not an http(s) URL")
        }
        guard endpoint.scheme == "https" || Self.allowsPlainHTTP(endpoint.host) else {
            throw CredentialsError("the container credentials URI must be https, or http to a loopback or ECS/EKS address")
        }
        var headers = HTTPHeaders()
        if let file = environment["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"].flatMap(nonEmpty) {
            guard let token = try? String(contentsOfFile: file, encoding: .utf8) else {
                throw CredentialsError("cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE \(file)")
            }
            headers.add(name: "Authorization", value: token.trimmingCharacters(in: .whitespacesAndNewlines))
        } else if let token = environment["AWS_CONTAINER_AUTHORIZATION_TOKEN"].flatMap(nonEmpty) {
            headers.add(name: "Authorization", value: token)
        }
        let pathAndQuery = endpoint.basePath.isEmpty ? "/" : endpoint.basePath
        let parts = pathAndQuery.split(separator: "?", maxSplits: 1)
        let request = HTTPRequest(
            method: "GET", endpoint: endpoint, path: String(parts[0]), query: parts.count > 1 ? String(parts[1]) : "",
            headers: headers, timeout: 2, maxResponseBytes: 64 << 10)
        let response: HTTPResponse
        do {
            response = try await transport.send(request)
        } catch let error as HTTPError {
            throw CredentialsError("the container credentials endpoint is unreachable: \(error.message)")
        }
        guard response.status == 200 else {
            throw CredentialsError("the container credentials endpoint answered HTTP \(response.status)")
        }
        return try CredentialsDocument.parse(response.body, source: "the container credentials endpoint")
    }

    static func allowsPlainHTTP(_ host: String) -> Bool {
        host == "localhost" || host.hasPrefix("127.") || host == "[::1]" || host == "169.254.170.2"
            || host == "169.254.170.23" || host == "[fd00:ec2::23]"
    }
}
