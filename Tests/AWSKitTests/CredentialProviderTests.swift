import Foundation
import TestSupport
import Testing

@testable import AWSKit

@Suite("Credentials and configuration")
struct CredentialProviderTests {
    let transport = CurlTransport(maxConnections: 4)

    /// A folder with the two shared files, removed at the end of the test.
    func sharedFiles(credentials: String, config: String) throws -> (env: [String: String], folder: URL) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("aws-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try credentials.write(to: folder.appendingPathComponent("credentials"), atomically: true, encoding: .utf8)
        try config.write(to: folder.appendingPathComponent("config"), atomically: true, encoding: .utf8)
        return ([
            "HOME": folder.path, "AWS_SHARED_CREDENTIALS_FILE": folder.appendingPathComponent("credentials").path,
            "AWS_CONFIG_FILE": folder.appendingPathComponent("config").path, "AWS_EC2_METADATA_DISABLED": "true",
        ], folder)
    }

    static let credentialsFile = """
        # a comment
        [default]
        aws_access_key_id = AKIDDEFAULT
        aws_secret_access_key = default/secret+key

        [work]
        aws_access_key_id=AKIDWORK
        aws_secret_access_key=work-secret ; inline comment
        aws_session_token = work-token
        [broken]
        aws_access_key_id = AKIDONLY
        """

    static let configFile = """
        [default]
        region = us-west-2
        [profile work]
        region = eu-central-1
        s3 =
          addressing_style = path
        [profile only-config]
        aws_access_key_id = AKIDCONFIG
        aws_secret_access_key = config-secret
        region = ap-northeast-1
        """

    @Test("the environment comes first, and a half-set key is an error")
    func environment() async throws {
        let provider = EnvironmentCredentialProvider(environment: [
            "AWS_ACCESS_KEY_ID": "AKIDENV", "AWS_SECRET_ACCESS_KEY": "env-secret", "AWS_SESSION_TOKEN": "env-token",
        ])
        let credentials = try #require(try await provider.credentials())
        #expect(credentials == Credentials(accessKeyId: "AKIDENV", secretAccessKey: "env-secret", sessionToken: "env-token"))
        #expect(try await EnvironmentCredentialProvider(environment: [:]).credentials() == nil)
        await #expect(throws: CredentialsError.self) {
            _ = try await EnvironmentCredentialProvider(environment: ["AWS_ACCESS_KEY_ID": "AKIDENV"]).credentials()
        }

        let (env, folder) = try sharedFiles(credentials: Self.credentialsFile, config: Self.configFile)
        defer { try? FileManager.default.removeItem(at: folder) }
        var both = env
        both["AWS_ACCESS_KEY_ID"] = "AKIDENV"
        both["AWS_SECRET_ACCESS_KEY"] = "env-secret"
        let chain = CredentialProviderChain.standard(environment: both, transport: transport)
        #expect(try await chain.require().accessKeyId == "AKIDENV")
    }

    @Test("shared files: profiles, [profile x] sections, comments, nested blocks, region")
    func sharedConfigFiles() async throws {
        let (env, folder) = try sharedFiles(credentials: Self.credentialsFile, config: Self.configFile)
        defer { try? FileManager.default.removeItem(at: folder) }

        let defaults = SharedConfigFiles(environment: env)
        #expect(defaults.profileName == "default")
        #expect(defaults.settings["region"] == "us-west-2")
        #expect(try await ProfileCredentialProvider(files: defaults).credentials()?.secretAccessKey == "default/secret+key")

        var workEnv = env
        workEnv["AWS_PROFILE"] = "work"
        let work = SharedConfigFiles(environment: workEnv)
        #expect(work.settings["region"] == "eu-central-1")
        let workKeys = try #require(try await ProfileCredentialProvider(files: work).credentials())
        #expect(workKeys == Credentials(accessKeyId: "AKIDWORK", secretAccessKey: "work-secret", sessionToken: "work-token"))
        #expect(await RegionResolver.resolve(environment: workEnv, files: work, metadata: nil) == "eu-central-1")
        workEnv["AWS_DEFAULT_REGION"] = "sa-east-1"
        #expect(await RegionResolver.resolve(environment: workEnv, files: work, metadata: nil) == "sa-east-1")
        workEnv["AWS_REGION"] = "ca-central-1"
        #expect(await RegionResolver.resolve(environment: workEnv, files: work, metadata: nil) == "ca-central-1")

        let configOnly = SharedConfigFiles(environment: env, profile: "only-config")
        #expect(try await ProfileCredentialProvider(files: configOnly).credentials()?.accessKeyId == "AKIDCONFIG")

        await #expect(throws: CredentialsError.self) {
            _ = try await ProfileCredentialProvider(files: SharedConfigFiles(environment: env, profile: "broken")).credentials()
        }
        let missing = await #expect(throws: CredentialsError.self) {
            _ = try await ProfileCredentialProvider(files: SharedConfigFiles(environment: env, profile: "nope")).credentials()
        }
        #expect(missing?.description.contains("nope") == true)
    }

    @Test("no source at all names every source tried, and no secret ever")
    func nothingFound() async throws {
        let (env, folder) = try sharedFiles(credentials: "", config: "")
        defer { try? FileManager.default.removeItem(at: folder) }
        let error = await #expect(throws: CredentialsError.self) {
            _ = try await CredentialProviderChain.standard(environment: env, transport: transport).require()
        }
        let text = error?.description ?? ""
        #expect(text.contains("environment") && text.contains("profile default") && text.contains("instance metadata"))
    }

    @Test("credentials never print their secret or token")
    func redaction() {
        let credentials = Credentials(accessKeyId: "AKIDSHOWN", secretAccessKey: "very-secret", sessionToken: "token-secret")
        for text in ["\(credentials)", String(describing: credentials), String(reflecting: credentials)] {
            #expect(text.contains("AKIDSHOWN"))
            #expect(!text.contains("very-secret"))
            #expect(!text.contains("token-secret"))
        }
    }

    @Test("IMDSv2: token first, role credentials, region; a revoked token is replaced once")
    func instanceMetadata() async throws {
        let server = try PythonServer("fake_imds.py", ["--lifetime", "3600", "--region", "eu-west-3"])
        defer { server.stop() }
        let env = ["AWS_EC2_METADATA_SERVICE_ENDPOINT": server.url]
        let client = InstanceMetadataClient(environment: env, transport: transport)
        let provider = InstanceMetadataCredentialProvider(client: client)
        let credentials = try #require(try await provider.credentials())
        #expect(credentials.accessKeyId.hasPrefix("ASIAFAKE"))
        #expect(credentials.sessionToken != nil)
        #expect(abs((credentials.expiration ?? .distantPast).timeIntervalSinceNow - 3600) < 60)
        #expect(await RegionResolver.resolve(environment: env, files: SharedConfigFiles(environment: ["HOME": "/nonexistent"]), metadata: client) == "eu-west-3")

        // Requests without the token are refused: the fake really speaks IMDSv2.
        let bare = try await transport.send(HTTPRequest(method: "GET", endpoint: Endpoint(url: server.url)!, path: "/latest/meta-data/placement/region"))
        #expect(bare.status == 401)

        _ = try await transport.send(HTTPRequest(method: "POST", endpoint: Endpoint(url: server.url)!, path: "/_fake/revoke-tokens"))
        #expect(try await provider.credentials() != nil, "a 401 fetches a new token and tries again")
        struct Stats: Decodable { let token_requests: Int }
        let stats = try JSONDecoder().decode(
            Stats.self, from: try await transport.send(HTTPRequest(method: "GET", endpoint: Endpoint(url: server.url)!, path: "/_fake/stats")).body)
        #expect(stats.token_requests == 2)
    }

    @Test("expiring credentials are refreshed ahead of expiry, by one shared refresh")
    func refreshAhead() async throws {
        // Credentials live 400 s; refreshing 300 s ahead means a refresh once 100 s have passed.
        let server = try PythonServer("fake_imds.py", ["--lifetime", "400"])
        defer { server.stop() }
        let clock = TestClock()
        let provider = CachingCredentialProvider(
            InstanceMetadataCredentialProvider(
                client: InstanceMetadataClient(environment: ["AWS_EC2_METADATA_SERVICE_ENDPOINT": server.url], transport: transport)),
            refreshAhead: 300, now: { clock.now })
        let first = try #require(try await provider.credentials())
        // Twenty concurrent callers while the cache is fresh: no new fetch.
        let same = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<20 { group.addTask { try await provider.credentials()?.accessKeyId ?? "" } }
            return try await group.reduce(into: Set<String>()) { $0.insert($1) }
        }
        #expect(same == [first.accessKeyId])

        // 30 s left (measured from the expiry the server gave, which follows the real clock, not the
        // test's): under the mandatory minute, every caller waits for the one shared refresh.
        let expiration = try #require(first.expiration)
        clock.advance(by: expiration.timeIntervalSince(clock.now) - 30)
        let refreshed = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<20 { group.addTask { try await provider.credentials()?.accessKeyId ?? "" } }
            return try await group.reduce(into: Set<String>()) { $0.insert($1) }
        }
        #expect(refreshed.count == 1, "one shared refresh for every concurrent caller")
        #expect(refreshed.first != first.accessKeyId)
        struct Stats: Decodable { let credential_fetches: Int }
        let stats = try JSONDecoder().decode(
            Stats.self, from: try await transport.send(HTTPRequest(method: "GET", endpoint: Endpoint(url: server.url)!, path: "/_fake/stats")).body)
        #expect(stats.credential_fetches == 2)
    }

    @Test("AWS_EC2_METADATA_DISABLED turns the metadata service off")
    func metadataDisabled() async throws {
        let client = InstanceMetadataClient(environment: ["AWS_EC2_METADATA_DISABLED": "true"], transport: transport)
        #expect(try await InstanceMetadataCredentialProvider(client: client).credentials() == nil)
    }

    @Test("container credentials with the authorization token, from a file or the environment")
    func container() async throws {
        let server = try PythonServer("fake_imds.py", ["--container-token", "Bearer abc"])
        defer { server.stop() }
        let url = server.url + "/container/credentials"
        let direct = ContainerCredentialProvider(
            environment: ["AWS_CONTAINER_CREDENTIALS_FULL_URI": url, "AWS_CONTAINER_AUTHORIZATION_TOKEN": "Bearer abc"],
            transport: transport)
        #expect(try await direct.credentials()?.accessKeyId.hasPrefix("ASIAFAKE") == true)

        let tokenFile = FileManager.default.temporaryDirectory.appendingPathComponent("token-\(UUID().uuidString)")
        try "Bearer abc\n".write(to: tokenFile, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: tokenFile) }
        let fromFile = ContainerCredentialProvider(
            environment: ["AWS_CONTAINER_CREDENTIALS_FULL_URI": url, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": tokenFile.path],
            transport: transport)
        #expect(try await fromFile.credentials() != nil)

        let wrongToken = ContainerCredentialProvider(
            environment: ["AWS_CONTAINER_CREDENTIALS_FULL_URI": url, "AWS_CONTAINER_AUTHORIZATION_TOKEN": "Bearer wrong"],
            transport: transport)
        await #expect(throws: CredentialsError.self) { _ = try await wrongToken.credentials() }
        let plainRemote = ContainerCredentialProvider(
            environment: ["AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://example.com/creds"], transport: transport)
        await #expect(throws: CredentialsError.self) { _ = try await plainRemote.credentials() }
    }
}

/// A clock the test moves by hand.
/// The cache's refresh rules against a source the test steers: when it answers, and with what.
@Suite("Credential cache")
struct CachingCredentialProviderTests {
    /// A provider that answers each fetch when the test says so, with credentials or an error.
    actor GatedSource: CredentialProvider {
        nonisolated let name = "gated"
        private(set) var fetches = 0
        private var waiting: [CheckedContinuation<Credentials?, any Error>] = []

        func credentials() async throws -> Credentials? {
            fetches += 1
            return try await withCheckedThrowingContinuation { waiting.append($0) }
        }

        var pending: Int { waiting.count }

        func answer(_ result: Result<Credentials?, any Error>) {
            for continuation in waiting { continuation.resume(with: result) }
            waiting.removeAll()
        }

        /// Waits (by yielding) until a fetch is waiting for its answer.
        func untilPending() async {
            while waiting.isEmpty { await Task.yield() }
        }
    }

    static func credentials(_ id: String, expiring at: Date) -> Credentials {
        Credentials(accessKeyId: id, secretAccessKey: "s", sessionToken: "t", expiration: at)
    }

    struct Unreachable: Error {}

    /// A cache over a gated source, holding "OLD" credentials that expire 400 s from the clock's now.
    static func primed() async throws -> (CachingCredentialProvider, GatedSource, TestClock) {
        let clock = TestClock()
        let source = GatedSource()
        let provider = CachingCredentialProvider(source, refreshAhead: 300, mandatoryAhead: 60, now: { clock.now })
        let first = Task { try await provider.credentials() }
        await source.untilPending()
        await source.answer(.success(Self.credentials("OLD", expiring: clock.now + 400)))
        #expect(try await first.value?.accessKeyId == "OLD")
        return (provider, source, clock)
    }

    @Test("inside the advisory window callers get the still-valid credentials at once while one refresh runs")
    func servesWhileRefreshing() async throws {
        let (provider, source, clock) = try await Self.primed()

        clock.advance(by: 200)  // 200 s left: refresh, but nobody waits for it
        for _ in 0..<5 { #expect(try await provider.credentials()?.accessKeyId == "OLD") }
        await source.untilPending()
        #expect(await source.fetches == 2, "one refresh for all five callers")
        await source.answer(.success(Self.credentials("NEW", expiring: clock.now + 3600)))
        var now = try await provider.credentials()?.accessKeyId
        for _ in 0..<100 where now != "NEW" {
            await Task.yield()
            now = try await provider.credentials()?.accessKeyId
        }
        #expect(now == "NEW")
    }

    @Test("a failed refresh falls back to the still-valid credentials for every waiter, not only the first")
    func failureFallsBackForAll() async throws {
        let (provider, source, clock) = try await Self.primed()

        clock.advance(by: 370)  // 30 s left: callers wait for the refresh
        let results = Task {
            try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<10 { group.addTask { try await provider.credentials()?.accessKeyId ?? "" } }
                return try await group.reduce(into: [String]()) { $0.append($1) }
            }
        }
        await source.untilPending()
        for _ in 0..<50 { await Task.yield() }  // let the ten join the one refresh
        await source.answer(.failure(Unreachable()))
        let keys = try await results.value
        #expect(keys == Array(repeating: "OLD", count: 10))
        #expect(await source.fetches == 2)
        // Within retryAfterFailure (10 s) of the failure, no caller waits on another fetch.
        clock.advance(by: 5)
        #expect(try await provider.credentials()?.accessKeyId == "OLD")
        #expect(await source.fetches == 2, "no refresh within 10 s of a failed one")

        // Expired: the error reaches the caller; expired credentials are never served.
        clock.advance(by: 55)
        let expired = Task { try await provider.credentials() }
        await source.untilPending()
        await source.answer(.failure(Unreachable()))
        await #expect(throws: Unreachable.self) { _ = try await expired.value }
    }
}

final class TestClock: @unchecked Sendable {
    private let lock = NSLock()
    private var current = Date()

    var now: Date { lock.withLock { current } }

    func advance(by seconds: TimeInterval) {
        lock.withLock { current += seconds }
    }
}
