import Foundation
import Logging
import Testing

@testable import AWSKit

/// The moto_servers scripts/test.sh starts: one checking SigV4 with a real IAM key, one open.
enum Moto {
    static let environment = ProcessInfo.processInfo.environment
    static let authURL = environment["THUMBD_TEST_MOTO_AUTH"]
    static let openURL = environment["THUMBD_TEST_MOTO_OPEN"]
    static var available: Bool { authURL != nil && openURL != nil }
    static let skipNote = Comment(rawValue: "skipped: no moto_server (run scripts/test.sh, which starts them)")

    static var credentials: Credentials {
        Credentials(
            accessKeyId: environment["THUMBD_TEST_ACCESS_KEY_ID"] ?? "missing",
            secretAccessKey: environment["THUMBD_TEST_SECRET_ACCESS_KEY"] ?? "missing")
    }

    /// Key for the open server (any key works there).
    static let openCredentials = Credentials(accessKeyId: "AKIDOPENSERVER", secretAccessKey: "open-server-secret")

    static let transport = CurlTransport(maxConnections: 8)

    static func client(
        signatureChecked: Bool = true, region: String = "us-east-1", credentials override: Credentials? = nil,
        retry: RetryPolicy = RetryPolicy(maxAttempts: 3, baseDelay: 0.01)
    ) -> AWSClient {
        AWSClient(
            transport: transport,
            credentials: StaticCredentialProvider(override ?? (signatureChecked ? credentials : openCredentials)),
            region: region, retryPolicy: retry)
    }

    static func endpoint(signatureChecked: Bool = true) -> Endpoint {
        Endpoint(url: (signatureChecked ? authURL : openURL) ?? "http://127.0.0.1:1")!
    }

    static func sqs(signatureChecked: Bool = true, credentials: Credentials? = nil) -> SQSClient {
        SQSClient(client: client(signatureChecked: signatureChecked, credentials: credentials), endpoint: endpoint(signatureChecked: signatureChecked))
    }

    static func s3(signatureChecked: Bool = true, region: String = "us-east-1", credentials: Credentials? = nil) -> S3Client {
        S3Client(
            client: client(signatureChecked: signatureChecked, region: region, credentials: credentials),
            addressing: S3Addressing(endpoint: endpoint(signatureChecked: signatureChecked), forcePathStyle: true))
    }

    /// Environment for the boto3 peer talking to the same server.
    static func peerEnvironment(signatureChecked: Bool = true) -> [String: String] {
        let keys = signatureChecked ? credentials : openCredentials
        return ["AWS_ACCESS_KEY_ID": keys.accessKeyId, "AWS_SECRET_ACCESS_KEY": keys.secretAccessKey]
    }

    static func uniqueName(_ prefix: String) -> String {
        "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())"
    }
}

extension Moto {
    static func dynamoDB(signatureChecked: Bool = true) -> DynamoDBClient {
        DynamoDBClient(client: client(signatureChecked: signatureChecked), endpoint: endpoint(signatureChecked: signatureChecked))
    }
}
