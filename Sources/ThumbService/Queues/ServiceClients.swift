import AWSKit
import Foundation
import Logging

/// The AWS clients every command builds the same way: credentials from the SDK chain, the region,
/// endpoints (THUMBD_ENDPOINT_URL or the AWS_ENDPOINT_URL* variables), one transport.
public struct ServiceClients: Sendable {
    public let sqs: SQSClient
    public let s3: S3Client
    public let dynamo: DynamoDBClient
    public let region: String

    /// Clients made elsewhere (tests give them a scripted transport).
    /// - Parameter dynamo: default: a DynamoDB client on the SQS client's transport and endpoint.
    public init(sqs: SQSClient, s3: S3Client, dynamo: DynamoDBClient? = nil, region: String) {
        self.sqs = sqs
        self.s3 = s3
        self.dynamo = dynamo ?? DynamoDBClient(client: sqs.client, endpoint: sqs.endpoint)
        self.region = region
    }

    /// The job records of `THUMBD_JOBS_TABLE`, or `nil` when it is not set.
    public func jobStore(settings: Settings) -> JobStore? {
        settings.jobsTable.map { JobStore(dynamo: dynamo, table: $0) }
    }

    /// Builds the SQS, S3 and DynamoDB clients from the settings' layers.
    /// - Parameter maxConnections: the transport's connection (and thread) limit.
    /// - Throws: `Settings.InvalidSetting` when no region can be found or an endpoint URL is invalid.
    public static func make(
        source: Settings.Source, settings: Settings, maxConnections: Int = 32, logger: Logger = Logger(label: "thumbd.aws")
    ) async throws -> ServiceClients {
        let environment = source.awsEnvironment
        let transport = CurlTransport(maxConnections: maxConnections, readTimeout: TimeInterval(settings.readTimeout.wholeSeconds))
        let files = SharedConfigFiles(environment: environment)
        let metadata = InstanceMetadataClient(environment: environment, transport: transport)
        guard let region = await RegionResolver.resolve(environment: environment, files: files, metadata: metadata) else {
            throw Settings.InvalidSetting(
                key: "AWS_REGION", message: "no region: set AWS_REGION (or AWS_DEFAULT_REGION, or region in ~/.aws/config)")
        }
        let credentials = CredentialProviderChain.standard(environment: environment, transport: transport)
        let client = AWSClient(
            transport: transport, credentials: credentials, region: region, retryPolicy: .standard(environment: environment),
            logger: logger)
        let sqsEndpoint = try EndpointResolver.endpoint(
            service: "SQS", region: region, override: settings.endpointURL, environment: environment)
        let s3Endpoint = try EndpointResolver.endpoint(
            service: "S3", region: region, override: settings.endpointURL, environment: environment)
        let dynamoEndpoint = try EndpointResolver.endpoint(
            service: "DynamoDB", region: region, override: settings.endpointURL, environment: environment)
        return ServiceClients(
            sqs: SQSClient(client: client, endpoint: sqsEndpoint.endpoint),
            s3: S3Client(client: client, addressing: S3Addressing(endpoint: s3Endpoint.endpoint, forcePathStyle: s3Endpoint.isCustom)),
            dynamo: DynamoDBClient(client: client, endpoint: dynamoEndpoint.endpoint),
            region: region)
    }

    /// A queue URL from a name or URL setting (a name is looked up with GetQueueUrl).
    /// - Throws: `AWSServiceError` (`QueueDoesNotExist`...) or a transport error from GetQueueUrl.
    public func queueURL(_ nameOrURL: String) async throws -> String {
        if nameOrURL.hasPrefix("https://") || nameOrURL.hasPrefix("http://") { return nameOrURL }
        return try await sqs.getQueueUrl(name: nameOrURL)
    }

    /// The queue's name from a name or URL.
    public static func queueName(_ nameOrURL: String) -> String {
        nameOrURL.split(separator: "/").last.map(String.init) ?? nameOrURL
    }
}
