import Foundation

/// The EC2 instance metadata service, IMDSv2 only: a session token is fetched with
/// `PUT /latest/api/token` (with a TTL) and sent on every read; a 401 means the token expired and is
/// fetched again once. `AWS_EC2_METADATA_SERVICE_ENDPOINT` points it elsewhere (tests),
/// `AWS_EC2_METADATA_DISABLED=true` turns it off.
public actor InstanceMetadataClient {
    public static let defaultEndpoint = "http://169.254.169.254"
    static let tokenTTL = 21600

    private let endpoint: Endpoint
    private let transport: any HTTPTransport
    private let timeout: TimeInterval
    private var token: (value: String, expires: Date)?

    public let isDisabled: Bool

    public init(environment: [String: String], transport: any HTTPTransport, timeout: TimeInterval = 1) {
        let url = environment["AWS_EC2_METADATA_SERVICE_ENDPOINT"].flatMap(nonEmpty) ?? Self.defaultEndpoint
        endpoint = Endpoint(url: url) ?? Endpoint(scheme: "http", host: "169.254.169.254")
        isDisabled = environment["AWS_EC2_METADATA_DISABLED"]?.lowercased() == "true"
        self.transport = transport
        self.timeout = timeout
    }

    /// The text at `path` (e.g. `/latest/meta-data/placement/region`).
    public func get(_ path: String) async throws -> String {
        guard !isDisabled else { throw CredentialsError("instance metadata is disabled (AWS_EC2_METADATA_DISABLED)") }
        for attempt in 1...2 {
            let response = try await send("GET", path, headers: ["X-aws-ec2-metadata-token": try await sessionToken()])
            switch response.status {
            case 200:
                return String(decoding: response.body, as: UTF8.self)
            case 401 where attempt == 1:
                token = nil  // expired or revoked: fetch a new one and try once more
            default:
                throw CredentialsError("instance metadata \(path) answered HTTP \(response.status)")
            }
        }
        throw CredentialsError("instance metadata \(path) kept refusing its session token")
    }

    private func sessionToken() async throws -> String {
        if let token, token.expires > Date() { return token.value }
        let response = try await send(
            "PUT", "/latest/api/token", headers: ["X-aws-ec2-metadata-token-ttl-seconds": String(Self.tokenTTL)])
        guard response.status == 200, !response.body.isEmpty else {
            throw CredentialsError("instance metadata refused a session token (HTTP \(response.status))")
        }
        let value = String(decoding: response.body, as: UTF8.self)
        // Renew a minute early so a token never expires between fetch and use.
        token = (value, Date().addingTimeInterval(TimeInterval(Self.tokenTTL - 60)))
        return value
    }

    private func send(_ method: String, _ path: String, headers: HTTPHeaders) async throws -> HTTPResponse {
        let request = HTTPRequest(
            method: method, endpoint: endpoint, path: endpoint.basePath + path, headers: headers, timeout: timeout,
            maxResponseBytes: 64 << 10)
        do {
            return try await transport.send(request)
        } catch let error as HTTPError {
            throw CredentialsError("instance metadata at \(endpoint) is unreachable: \(error.message)")
        }
    }
}

/// Role credentials from the instance profile, read through IMDSv2.
public struct InstanceMetadataCredentialProvider: CredentialProvider {
    public let name = "instance metadata"
    private let client: InstanceMetadataClient

    public init(client: InstanceMetadataClient) {
        self.client = client
    }

    public func credentials() async throws -> Credentials? {
        guard !client.isDisabled else { return nil }
        let base = "/latest/meta-data/iam/security-credentials/"
        let roles = try await client.get(base)
        guard let role = roles.split(whereSeparator: \.isNewline).first.map(String.init), !role.isEmpty else {
            throw CredentialsError("the instance has no IAM role (instance profile) attached")
        }
        let document = try await client.get(base + role)
        return try CredentialsDocument.parse(Data(document.utf8), source: "instance metadata role \(role)")
    }
}
