import Foundation

/// The AWS SDKs' default chain, tried in order: the environment, the shared files' profile, the
/// container endpoint, the EC2 instance metadata service. The first source that has credentials is
/// kept for every later call (the SDKs do the same), and temporary ones are refreshed ahead of expiry.
public actor CredentialProviderChain: CredentialProvider {
    public nonisolated let name = "default chain"
    private let providers: [any CredentialProvider]
    private var chosen: (any CredentialProvider)?

    public init(providers: [any CredentialProvider]) {
        self.providers = providers
    }

    /// The standard chain for `environment`, sending its metadata requests through `transport`.
    public static func standard(
        environment: [String: String] = ProcessInfo.processInfo.environment, profile: String? = nil,
        transport: any HTTPTransport
    ) -> CredentialProviderChain {
        let files = SharedConfigFiles(environment: environment, profile: profile)
        return CredentialProviderChain(providers: [
            EnvironmentCredentialProvider(environment: environment),
            ProfileCredentialProvider(files: files),
            CachingCredentialProvider(ContainerCredentialProvider(environment: environment, transport: transport)),
            CachingCredentialProvider(
                InstanceMetadataCredentialProvider(
                    client: InstanceMetadataClient(environment: environment, transport: transport))),
        ])
    }

    public func credentials() async throws -> Credentials? {
        if let chosen {
            return try await chosen.credentials()
        }
        var tried: [String] = []
        for provider in providers {
            do {
                if let credentials = try await provider.credentials() {
                    chosen = provider
                    return credentials
                }
                tried.append("\(provider.name): not set")
            } catch let error as CredentialsError where provider is CachingCredentialProvider {
                // The metadata endpoints are only reachable on AWS: their absence is not fatal here.
                tried.append("\(provider.name): \(error.message)")
            }
        }
        throw CredentialsError("no AWS credentials found (\(tried.joined(separator: "; ")))")
    }

    /// The credentials, or a `CredentialsError` naming every source tried.
    public func require() async throws -> Credentials {
        guard let credentials = try await credentials() else {
            throw CredentialsError("no AWS credentials found")
        }
        return credentials
    }
}
