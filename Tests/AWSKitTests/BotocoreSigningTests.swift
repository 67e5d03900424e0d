import Foundation
import Testing

@testable import AWSKit

/// botocore, the reference signer, signs the same table of requests at the same instant: AWSKit's
/// Authorization headers and presigned URLs must come out identical. Works without ../shared.
@Suite("SigV4 against botocore")
struct BotocoreSigningTests {
    static let timestamp = "20240229T235959Z"
    static let date = Date(timeIntervalSince1970: 1_709_251_199)
    static let accessKey = "AKIAIOSFODNN7EXAMPLE"
    static let secretKey = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"

    struct Case {
        var service: String
        var region = "us-east-1"
        var method: String
        var host: String
        var path: String  // wire form
        var query = ""
        var headers: [(String, String)] = []
        var body = ""
        var presignExpires: Int?
    }

    static let awkwardKeys = [
        "with space.jpg", "ünïcödé/фото.jpg", "a+b=c&d%e~f(g)h!i*j'k.jpg", "double//slash", "trailing/", "semi;colon:@$,.jpg",
        "already%20encoded", "..", "a/./b/../c",
    ]

    static var cases: [Case] {
        var cases: [Case] = []
        for key in awkwardKeys {
            cases.append(Case(service: "s3", method: "GET", host: "bucket.s3.amazonaws.com", path: S3Path.encode(key: key)))
            cases.append(
                Case(
                    service: "s3", region: "eu-west-1", method: "PUT", host: "s3.eu-west-1.amazonaws.com",
                    path: S3Path.encode(bucket: "my.bucket", key: key),
                    headers: [("Content-Type", "image/jpeg"), ("x-amz-acl", "public-read"), ("x-amz-meta-source", "  a   b  ")],
                    body: "jpeg bytes"))
            cases.append(
                Case(
                    service: "s3", method: "GET", host: "bucket.s3.amazonaws.com", path: S3Path.encode(key: key),
                    presignExpires: 900))
        }
        // Query strings: empty values, repeated keys, reserved characters, already-encoded values.
        let queries = [
            "acl", "acl=", "list-type=2&prefix=photos%2F&start-after=a%20b", "b=2&a=1&a=0&a=", "x=%E2%82%AC&y=~&z=%2B",
            "delete", "encoding-type=url&list-type=2&max-keys=1000&continuation-token=abc%3D%3D",
        ]
        for query in queries {
            cases.append(Case(service: "s3", method: "GET", host: "bucket.s3.amazonaws.com", path: "/", query: query))
            cases.append(Case(service: "sqs", method: "GET", host: "sqs.us-east-1.amazonaws.com", path: "/", query: query))
        }
        // SQS JSON requests as SQSClient sends them.
        let sqsBodies = [
            #"{"QueueUrl":"https://sqs.us-east-1.amazonaws.com/123456789012/q","MessageBody":"{\"key\":\"ü €\"}"}"#,
            #"{"MaxNumberOfMessages":10,"QueueUrl":"https://sqs.us-east-1.amazonaws.com/123456789012/q","WaitTimeSeconds":20}"#,
        ]
        for body in sqsBodies {
            cases.append(
                Case(
                    service: "sqs", region: "ap-southeast-2", method: "POST", host: "sqs.ap-southeast-2.amazonaws.com", path: "/",
                    headers: [("Content-Type", "application/x-amz-json-1.0"), ("X-Amz-Target", "AmazonSQS.SendMessage")],
                    body: body))
        }
        // A non-S3 path with characters that double encoding changes.
        cases.append(Case(service: "execute-api", method: "GET", host: "api.example.com", path: "/a%20b/c%2Fd/./e/../f"))
        return cases
    }

    struct Signed: Decodable {
        let authorization: String
        let url: String
        let canonical_request: String
    }

    func botocore(_ cases: [Case], token: String?) throws -> [Signed] {
        let requests: [JSONValue] = cases.map { item in
            var request: [String: JSONValue] = [
                "service": .string(item.service), "region": .string(item.region), "method": .string(item.method),
                "url": .string("https://\(item.host)\(item.path)\(item.query.isEmpty ? "" : "?" + item.query)"),
                "headers": .array(item.headers.map { .array([.string($0.0), .string($0.1)]) }), "body": .string(item.body),
            ]
            if let expires = item.presignExpires { request["presign_expires"] = .int(expires) }
            return .object(request)
        }
        var table: [String: JSONValue] = [
            "access_key": .string(Self.accessKey), "secret_key": .string(Self.secretKey),
            "timestamp": .string(Self.timestamp), "requests": .array(requests),
        ]
        if let token { table["token"] = .string(token) }
        return try PythonPeer.runJSON("botocore_sign.py", input: JSONValue.object(table).data(), as: [Signed].self)
    }

    func awskit(_ item: Case, token: String?) -> (authorization: String, url: String, canonical: String) {
        var headers = HTTPHeaders()
        for (name, value) in item.headers { headers.add(name: name, value: value) }
        var request = HTTPRequest(
            method: item.method, endpoint: Endpoint(host: item.host), path: item.path, query: item.query, headers: headers,
            body: Data(item.body.utf8))
        let signer = SigV4Signer(
            credentials: Credentials(accessKeyId: Self.accessKey, secretAccessKey: Self.secretKey, sessionToken: token),
            region: item.region, service: item.service, rules: item.service == "s3" ? .s3 : .standard)
        if let expires = item.presignExpires {
            let result = signer.presign(&request, date: Self.date, expires: expires)
            return ("", request.url, result.canonicalRequest)
        }
        let result = signer.sign(&request, date: Self.date)
        return (request.headers["Authorization"] ?? "", request.url, result.canonicalRequest)
    }

    @Test("header and presigned signatures match botocore's", arguments: [nil, "session/token+with=odd&chars"])
    func matchesBotocore(token: String?) throws {
        let cases = Self.cases
        let reference = try botocore(cases, token: token)
        #expect(reference.count == cases.count)
        for (item, expected) in zip(cases, reference) {
            let ours = awskit(item, token: token)
            let label = "\(item.service) \(item.method) \(item.path)?\(item.query)"
            if item.presignExpires != nil {
                #expect(Self.queryItems(ours.url) == Self.queryItems(expected.url), "\(label)")
                #expect(ours.url.split(separator: "?")[0] == expected.url.split(separator: "?")[0], "\(label)")
            } else {
                #expect(ours.authorization == expected.authorization, "\(label)\nours:\n\(ours.canonical)\nbotocore:\n\(expected.canonical_request)")
            }
        }
    }

    /// Query parameters as a set of decoded pairs: the two signers list them in different orders.
    static func queryItems(_ url: String) -> Set<String> {
        let query = url.split(separator: "?", maxSplits: 1).dropFirst().first ?? ""
        return Set(query.split(separator: "&").map { URIEncoding.decode(String($0)) })
    }
}
