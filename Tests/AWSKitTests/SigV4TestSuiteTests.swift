import Foundation
import Testing

@testable import AWSKit

/// The official AWS SigV4 test suite (aws-c-auth and botocore layouts), read from ../shared.
@Suite("SigV4 official test suite", .enabled(if: SharedFixtures.sigv4SuiteAvailable, Comment(rawValue: SharedFixtures.skipNote)))
struct SigV4TestSuiteTests {
    static let signingDate = Date(timeIntervalSince1970: 1_440_938_160)  // 2015-08-30T12:36:00Z

    struct Context: Decodable {
        struct Keys: Decodable {
            let access_key_id: String
            let secret_access_key: String
            let token: String?
        }
        let credentials: Keys
        let region: String
        let service: String
        let timestamp: String
        let normalize: Bool
        let sign_body: Bool
        let expiration_in_seconds: Int
        let omit_session_token: Bool?
    }

    static func awsCAuthCases() -> [String] {
        let folder = SharedFixtures.sigv4Suite.appendingPathComponent("aws-c-auth/v4")
        return ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).sorted()
    }

    func load(_ name: String) throws -> (Context, RawRequest, URL) {
        let folder = SharedFixtures.sigv4Suite.appendingPathComponent("aws-c-auth/v4/\(name)")
        let context = try JSONDecoder().decode(Context.self, from: Data(contentsOf: folder.appendingPathComponent("context.json")))
        let request = RawRequest(text: try String(contentsOf: folder.appendingPathComponent("request.txt"), encoding: .utf8))
        return (context, request, folder)
    }

    func signer(_ context: Context) -> SigV4Signer {
        let credentials = Credentials(
            accessKeyId: context.credentials.access_key_id, secretAccessKey: context.credentials.secret_access_key,
            sessionToken: context.credentials.token)
        // aws-c-auth's harness: double encoding always on, normalisation and body signing per case.
        let rules = SigV4Signer.Rules(
            normalizePath: context.normalize, doubleEncodePath: true, signPayloadHashHeader: context.sign_body,
            omitSessionToken: context.omit_session_token ?? false)
        return SigV4Signer(credentials: credentials, region: context.region, service: context.service, rules: rules)
    }

    func httpRequest(_ raw: RawRequest) -> HTTPRequest {
        var headers = HTTPHeaders()
        for (name, value) in raw.headers { headers.add(name: name, value: value) }
        return HTTPRequest(
            method: raw.method, endpoint: Endpoint(host: headers["Host"] ?? "example.amazonaws.com"),
            path: raw.path, query: raw.query, headers: headers, body: raw.body)
    }

    func expected(_ folder: URL, _ file: String) throws -> String {
        try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
    }

    @Test("the suite has its 38 v4 cases")
    func caseCount() {
        #expect(Self.awsCAuthCases().count == 38)
    }

    @Test("header signing", arguments: awsCAuthCases())
    func headerSigning(name: String) throws {
        let (context, raw, folder) = try load(name)
        #expect(context.timestamp == "2015-08-30T12:36:00Z")
        var request = httpRequest(raw)
        let result = signer(context).sign(&request, date: Self.signingDate)
        #expect(result.canonicalRequest == (try expected(folder, "header-canonical-request.txt")))
        #expect(result.stringToSign == (try expected(folder, "header-string-to-sign.txt")))
        #expect(result.signature == (try expected(folder, "header-signature.txt")))
        #expect(request.headers["Authorization"]?.hasSuffix("Signature=" + result.signature) == true)
    }

    @Test("query (presigned) signing", arguments: awsCAuthCases())
    func querySigning(name: String) throws {
        let (context, raw, folder) = try load(name)
        var request = httpRequest(raw)
        let result = signer(context).presign(
            &request, date: Self.signingDate, expires: context.expiration_in_seconds,
            payloadHash: Hashing.sha256Hex(raw.body))
        #expect(result.canonicalRequest == (try expected(folder, "query-canonical-request.txt")))
        #expect(result.stringToSign == (try expected(folder, "query-string-to-sign.txt")))
        #expect(result.signature == (try expected(folder, "query-signature.txt")))
        #expect(request.query.hasSuffix("X-Amz-Signature=" + result.signature))
    }

    // MARK: botocore layout

    static func botocoreCases() -> [String] {
        let root = SharedFixtures.sigv4Suite.appendingPathComponent("botocore/aws4_testsuite")
        guard let walker = FileManager.default.enumerator(atPath: root.path) else { return [] }
        return walker.compactMap { $0 as? String }.filter { $0.hasSuffix(".req") }
            .map { String($0.dropLast(4)) }.sorted()
    }

    @Test("the botocore copy has its 34 cases")
    func botocoreCaseCount() {
        #expect(Self.botocoreCases().count == 34)
    }

    @Test("botocore layout", arguments: botocoreCases())
    func botocoreLayout(name: String) throws {
        let base = SharedFixtures.sigv4Suite.appendingPathComponent("botocore/aws4_testsuite/\(name)")
        func read(_ suffix: String) throws -> String {
            try String(contentsOf: URL(fileURLWithPath: base.path + suffix), encoding: .utf8)
        }
        let raw = RawRequest(text: try read(".req"))
        let creq = try read(".creq")
        // The token is not in the .req: the canonical request shows it where it is signed.
        let token = creq.split(separator: "\n").first { $0.hasPrefix("x-amz-security-token:") }
            .map { String($0.dropFirst("x-amz-security-token:".count)) }
        let signer = SigV4Signer(
            credentials: Credentials(
                accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", sessionToken: token),
            region: "us-east-1", service: "service", rules: .standard)
        var request = httpRequest(raw)
        let result = signer.sign(&request, date: Self.signingDate)
        #expect(result.canonicalRequest == creq)
        #expect(result.stringToSign == (try read(".sts")))
        #expect(request.headers["Authorization"] == (try read(".authz")))
    }
}
