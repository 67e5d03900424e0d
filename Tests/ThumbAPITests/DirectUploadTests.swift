import AWSKit
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@testable import ThumbAPI
@testable import ThumbService

/// Direct uploads: `POST /v1/uploads` hands out a presigned POST for one key; the file goes to S3
/// without passing through thumbd-api; `POST /v1/jobs {"upload_id"}` makes the job. (The browser's
/// form POST itself is exercised with curl in AWSKit's S3 tests, on the moto_server without SigV4
/// checks: this one answers an unsigned form with a 500. Here the file arrives by PutObject.)
@Suite("Direct uploads", .enabled(if: Moto.available, Moto.skipNote))
struct DirectUploadTests {
    func post(_ harness: APIHarness, _ uri: String, key: String, json: String? = nil) async throws -> TestResponse {
        try await harness.test { client in
            var headers: HTTPFields = [.authorization: "Bearer \(key)"]
            if json != nil { headers[.contentType] = "application/json" }
            return try await client.execute(uri: uri, method: .post, headers: headers, body: json.map { ByteBuffer(string: $0) })
        }
    }

    @Test("POST /v1/uploads signs a POST for one key within the cap; the job from its upload_id is probed and queued; once only, the owner's only")
    func uploadThenJob() async throws {
        let harness = try await APIHarness(["THUMBD_API_MAX_UPLOAD_MB": "2"])
        let alice = try await harness.key("alice")
        let bob = try await harness.key("bob")

        let ticket = try await post(harness, "/v1/uploads", key: alice)
        #expect(ticket.status == .created, "\(ticket.json)")
        let id = try #require(ticket.json["upload_id"] as? String)
        let fields = try #require(ticket.json["fields"] as? [String: String])
        #expect(fields["key"] == "direct/\(id)")
        #expect((ticket.json["url"] as? String)?.hasSuffix("/\(harness.uploads)") == true)
        #expect(ticket.json["expires_at"] is String)
        let policy = try #require(fields["policy"].flatMap { Data(base64Encoded: $0) }.flatMap {
            try? JSONSerialization.jsonObject(with: $0) as? [String: Any]
        })
        let conditions = policy["conditions"] as? [Any] ?? []
        #expect(conditions.contains { ($0 as? [Any]).map { "\($0)" } == "\(["content-length-range", 1, 2 << 20] as [Any])" }, "\(conditions)")
        #expect(conditions.contains { ($0 as? [String: String])?["key"] == "direct/\(id)" })
        #expect(conditions.contains { ($0 as? [String: String])?["bucket"] == harness.uploads })

        // Not uploaded yet: 422 no_such_key, and the upload stays usable.
        let early = try await post(harness, "/v1/jobs", key: alice, json: #"{"upload_id": "\#(id)"}"#)
        #expect(early.status == .unprocessableContent && early.code == "no_such_key", "\(early.json)")

        try await harness.clients.s3.putObject(bucket: harness.uploads, key: "direct/\(id)", body: try Bodies.photo("canyon.jpg"))
        let others = try await post(harness, "/v1/jobs", key: bob, json: #"{"upload_id": "\#(id)"}"#)
        #expect(others.status == .unprocessableContent && others.code == "invalid_field", "another owner's upload is not theirs")

        let job = try await post(harness, "/v1/jobs", key: alice, json: #"{"upload_id": "\#(id)", "sizes": [{"width": 100, "height": 100}]}"#)
        #expect(job.status == .accepted, "\(job.json)")
        let source = job.json["source"] as? [String: Any]
        #expect(source?["key"] as? String == "direct/\(id)" && source?["bucket"] as? String == harness.uploads)
        #expect(source?["width"] as? Int == 1600 && source?["height"] as? Int == 1000 && source?["format"] as? String == "jpeg")
        let messages = try await harness.messages()
        #expect(messages.count == 1)
        #expect(messages.first?.body.contains(#""key":"direct\/\#(id)""#) == true || messages.first?.body.contains(#""key":"direct/\#(id)""#) == true)

        let again = try await post(harness, "/v1/jobs", key: alice, json: #"{"upload_id": "\#(id)"}"#)
        #expect(again.status == .conflict && again.code == "upload_used")
        let unknown = try await post(harness, "/v1/jobs", key: alice, json: #"{"upload_id": "nosuchupload"}"#)
        #expect(unknown.status == .unprocessableContent && unknown.code == "invalid_field")
        let both = try await post(
            harness, "/v1/jobs", key: alice, json: #"{"upload_id": "\#(id)", "source": {"bucket": "\#(harness.sources)", "key": "a.jpg"}}"#)
        #expect(both.status == .unprocessableContent && both.code == "invalid_field")
    }

    @Test("an Idempotency-Key with an upload_id replays the job (not 409); two requests at once for one upload make one job")
    func retriesAndRaces() async throws {
        let harness = try await APIHarness()
        let key = try await harness.key()
        func uploaded() async throws -> String {
            let id = try #require(try await post(harness, "/v1/uploads", key: key).json["upload_id"] as? String)
            try await harness.clients.s3.putObject(bucket: harness.uploads, key: "direct/\(id)", body: try Bodies.photo("owl.jpg"))
            return id
        }
        let first = try await uploaded()
        func withKey(_ idempotencyKey: String) async throws -> TestResponse {
            try await harness.test { client in
                try await client.execute(
                    uri: "/v1/jobs", method: .post,
                    headers: [.contentType: "application/json", .authorization: "Bearer \(key)", .idempotencyKey: idempotencyKey],
                    body: ByteBuffer(string: #"{"upload_id": "\#(first)"}"#))
            }
        }
        let made = try await withKey("retry-1")
        #expect(made.status == .accepted)
        let replayed = try await withKey("retry-1")
        #expect(replayed.status == .ok && replayed.json["id"] as? String == made.json["id"] as? String, "\(replayed.json)")

        let second = try await uploaded()
        let answers = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
            for _ in 0..<2 {
                group.addTask { try await post(harness, "/v1/jobs", key: key, json: #"{"upload_id": "\#(second)"}"#).status }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(answers.sorted { $0.code < $1.code } == [.accepted, .conflict], "\(answers)")
        #expect(try await harness.messages().count == 2, "one job per upload")
    }

    @Test("a direct upload that is not an image is refused from its first bytes (415), over the cap 413; nothing queued")
    func refusals() async throws {
        let harness = try await APIHarness(["THUMBD_API_MAX_UPLOAD_MB": "1"])
        let key = try await harness.key()
        func upload(_ body: Data) async throws -> String {
            let ticket = try await post(harness, "/v1/uploads", key: key)
            let id = try #require(ticket.json["upload_id"] as? String)
            try await harness.clients.s3.putObject(bucket: harness.uploads, key: "direct/\(id)", body: body)
            return id
        }
        let empty = try await upload(Data())
        let refusedEmpty = try await post(harness, "/v1/jobs", key: key, json: #"{"upload_id": "\#(empty)"}"#)
        #expect(refusedEmpty.status == .unprocessableContent && refusedEmpty.code == "empty", "\(refusedEmpty.json)")
        let text = try await upload(try Bodies.photo("notes.jpg"))
        let refused = try await post(harness, "/v1/jobs", key: key, json: #"{"upload_id": "\#(text)"}"#)
        #expect(refused.status == .unsupportedMediaType && refused.code == "unsupported_format", "\(refused.json)")
        // S3 enforces the policy's content-length-range; the API checks the size again.
        let big = try await upload(Data(repeating: 0xFF, count: (1 << 20) + 1))
        let tooLarge = try await post(harness, "/v1/jobs", key: key, json: #"{"upload_id": "\#(big)"}"#)
        #expect(tooLarge.status == .contentTooLarge && tooLarge.code == "upload_too_large")
        #expect(try await harness.messages().isEmpty)
    }
}
