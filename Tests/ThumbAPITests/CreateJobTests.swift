import AWSKit
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@testable import ThumbAPI
@testable import ThumbService

/// POST /v1/jobs and POST / through the router, against moto_server: what each kind of body becomes
/// (an upload in the bucket, a record, a message), and every refusal with its status and code.
@Suite("Creating jobs", .enabled(if: Moto.available, Moto.skipNote))
struct CreateJobTests {
    @Test("multipart upload: 202, Location, the document; the original in the upload bucket, a record, a message naming both")
    func multipartUpload() async throws {
        let harness = try await APIHarness()
        let key = try await harness.key()
        let photo = try Bodies.photo("owl.jpg")
        let form = Bodies.multipart(image: photo, filename: "my owl.jpg", fields: ["sizes": "100x100:fill,64x", "quality": "70"])
        let response = try await harness.test { client in
            try await client.execute(
                uri: "/v1/jobs", method: .post,
                headers: [.contentType: form.contentType, .authorization: "Bearer \(key)", .xRequestID: "trace-123"], body: form.body)
        }
        #expect(response.status == .accepted)
        let document = response.json
        let id = try #require(document["id"] as? String)
        #expect(response.headers[.location] == "/v1/jobs/\(id)")
        #expect(response.headers[.xRequestID] == "trace-123")
        #expect(response.headers[.contentType] == "application/json")
        #expect(document["status"] as? String == "pending")
        #expect(document["quality"] as? Int == 70)
        let source = try #require(document["source"] as? [String: Any])
        #expect(source["width"] as? Int == 900 && source["height"] as? Int == 900 && source["format"] as? String == "jpeg")
        #expect(source["bytes"] as? Int == photo.count)
        #expect(source["key"] as? String == "\(id)/myowl.jpg", "the client's name, reduced to a safe key")
        let sizes = try #require(document["sizes"] as? [[String: Any]])
        #expect(sizes.count == 2 && sizes[0]["mode"] as? String == "fill" && sizes[1]["height"] is NSNull)

        let stored = try await harness.clients.s3.getObject(bucket: harness.uploads, key: "\(id)/myowl.jpg")
        #expect(stored.body == photo, "the upload is stored byte for byte")
        #expect(stored.info.contentType == "image/jpeg")
        let record = try #require(try await harness.store.get(id))
        #expect(record.owner == "alice" && record.sourceUploaded && record.requestId == "trace-123")

        let messages = try await harness.messages()
        #expect(messages.count == 1)
        guard case .jobs(let jobs)? = try? JobMessageParser(defaultSizes: []).parse(messages.first?.body ?? "") else {
            Issue.record("the message does not parse")
            return
        }
        #expect(jobs.first?.recordId == id)
        #expect(jobs.first?.requestId == "trace-123")
        #expect(jobs.first?.bucket == harness.uploads)
        #expect(jobs.first?.outputBucket == harness.outputs)
        #expect(jobs.first?.sizes == [SizeRequest(width: 100, height: 100, mode: .fill), SizeRequest(width: 64, height: nil)])
    }

    @Test("POST / is the same upload (auth none: the anonymous owner); a raw PNG body takes its options from the query")
    func aliasAndRawBody() async throws {
        let harness = try await APIHarness(["THUMBD_API_AUTH": "none"])
        let form = Bodies.multipart(image: try Bodies.photo("street.jpg"))
        let png = try Bodies.photo("transparent.png")
        let (alias, raw) = try await harness.test { client in
            let alias = try await client.execute(uri: "/", method: .post, headers: [.contentType: form.contentType], body: form.body)
            let raw = try await client.execute(
                uri: "/v1/jobs?sizes=32x32&format=png", method: .post, headers: [.contentType: "image/png"], body: ByteBuffer(bytes: png))
            return (alias, raw)
        }
        #expect(alias.status == .accepted)
        #expect(raw.status == .accepted)
        #expect(raw.json["format"] as? String == "png")
        let id = try #require(alias.json["id"] as? String)
        #expect(try await harness.store.get(id)?.owner == APISettings.anonymousOwner)
        #expect((raw.json["source"] as? [String: Any])?["key"] as? String == "\(raw.json["id"] as? String ?? "")/image.png")
    }

    @Test("JSON job for an object in an allowed bucket: 202; another bucket 403; malformed 400; no source 422")
    func jsonSource() async throws {
        let harness = try await APIHarness()
        let key = try await harness.key()
        try await harness.clients.s3.putObject(bucket: harness.sources, key: "in/a.jpg", body: try Bodies.photo("owl.jpg"))
        func post(_ body: String) async throws -> TestResponse {
            try await harness.test { client in
                try await client.execute(
                    uri: "/v1/jobs", method: .post, headers: [.contentType: "application/json", .authorization: "Bearer \(key)"],
                    body: ByteBuffer(string: body))
            }
        }
        let ok = try await post(#"{"source": {"bucket": "\#(harness.sources)", "key": "in/a.jpg"}, "sizes": [{"width": 50, "height": 50, "mode": "fill"}], "format": "png"}"#)
        #expect(ok.status == .accepted)
        #expect((ok.json["source"] as? [String: Any])?["bucket"] as? String == harness.sources)
        #expect(try await harness.keys(in: harness.uploads).isEmpty, "nothing is uploaded for a JSON job")

        let elsewhere = try await post(#"{"source": {"bucket": "\#(harness.outputs)", "key": "x.jpg"}}"#)
        #expect(elsewhere.status == .forbidden && elsewhere.code == "forbidden")
        let malformed = try await post("{not json")
        #expect(malformed.status == .badRequest && malformed.code == "bad_json")
        let noSource = try await post(#"{"sizes": []}"#)
        #expect(noSource.status == .unprocessableContent && noSource.code == "missing_field")
        let badSize = try await post(#"{"source": {"bucket": "\#(harness.sources)", "key": "in/a.jpg"}, "sizes": [{"width": 0}]}"#)
        #expect(badSize.status == .unprocessableContent && badSize.code == "invalid_size")
        #expect(try await harness.messages().count == 1)
    }

    @Test("refusals: text 415 unsupported_format, text/plain 415, bad sizes 422, over the pixel cap 422 too_large, a cut JPEG 422 truncated, empty 422; nothing stored or queued")
    func refusals() async throws {
        let harness = try await APIHarness(["THUMBD_MAX_MEGAPIXELS": "1"])
        let key = try await harness.key()
        let canyon = try Bodies.photo("canyon.jpg")  // 1600x1000: 1.6 MP
        let cases: [(body: Data?, fields: [String: String], contentType: String?, status: HTTPResponse.Status, code: String)] = [
            (try Bodies.photo("notes.jpg"), [:], nil, .unsupportedMediaType, "unsupported_format"),
            (Data("hello".utf8), [:], "text/plain", .unsupportedMediaType, "unsupported_media_type"),
            (try Bodies.photo("owl.jpg"), ["sizes": "0x10"], nil, .unprocessableContent, "invalid_size"),
            (try Bodies.photo("owl.jpg"), ["sizes": "big"], nil, .unprocessableContent, "invalid_size"),
            (try Bodies.photo("owl.jpg"), ["format": "gif"], nil, .unprocessableContent, "invalid_field"),
            (canyon, [:], nil, .unprocessableContent, "too_large"),
            (try Bodies.photo("owl.jpg").prefix(100), [:], nil, .unprocessableContent, "truncated"),
            (Data(), [:], nil, .unprocessableContent, "empty"),
            (nil, ["sizes": "10x10"], nil, .badRequest, "bad_request"),
        ]
        for item in cases {
            let response = try await harness.test { client in
                if let contentType = item.contentType {
                    return try await client.execute(
                        uri: "/v1/jobs", method: .post, headers: [.contentType: contentType, .authorization: "Bearer \(key)"],
                        body: ByteBuffer(bytes: item.body ?? Data()))
                }
                let form = Bodies.multipart(image: item.body, fields: item.fields)
                return try await client.execute(
                    uri: "/v1/jobs", method: .post, headers: [.contentType: form.contentType, .authorization: "Bearer \(key)"], body: form.body)
            }
            #expect(response.status == item.status, "\(item.code): \(response.json)")
            #expect(response.code == item.code)
            #expect(response.headers[.contentType] == "application/problem+json")
            #expect(response.json["type"] as? String == "urn:thumbd:error:\(item.code)")
            #expect(response.json["status"] as? Int == Int(item.status.code))
            #expect((response.json["title"] as? String)?.isEmpty == false && (response.json["detail"] as? String)?.isEmpty == false)
        }
        // Framing the parser refuses: two image parts (one job is one image), and a body that stops
        // before its closing boundary.
        let owl = try Bodies.photo("owl.jpg")
        let single = Bodies.multipart(image: owl)
        let boundary = String(single.contentType.split(separator: "=").last!)
        var twice = Data(buffer: single.body).dropLast("--\(boundary)--\r\n".utf8.count)
        twice += Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"image\"; filename=\"b.jpg\"\r\n\r\n".utf8) + owl
        twice += Data("\r\n--\(boundary)--\r\n".utf8)
        let unfinished = Data(buffer: single.body).dropLast("--\(boundary)--\r\n".utf8.count)
        for (body, detail) in [(Data(twice), "more than one part is named image"), (Data(unfinished), "ends before its closing boundary")] {
            let response = try await harness.test { client in
                try await client.execute(
                    uri: "/v1/jobs", method: .post, headers: [.contentType: single.contentType, .authorization: "Bearer \(key)"],
                    body: ByteBuffer(bytes: body))
            }
            #expect(response.status == .badRequest && response.code == "bad_request")
            #expect((response.json["detail"] as? String)?.contains(detail) == true, "\(response.json)")
        }
        #expect(try await harness.keys(in: harness.uploads).isEmpty)
        #expect(try await harness.messages().isEmpty)
    }

    @Test("over the upload cap: 413 upload_too_large, from Content-Length at once or while streaming; nothing stored")
    func uploadTooLarge() async throws {
        let harness = try await APIHarness(["THUMBD_API_MAX_UPLOAD_MB": "1"])
        let key = try await harness.key()
        let big = Data(repeating: 0xFF, count: 3 << 20)
        let (declared, streamed) = try await harness.test { client in
            let declared = try await client.execute(
                uri: "/v1/jobs", method: .post, headers: [.contentType: "image/jpeg", .authorization: "Bearer \(key)"],
                body: ByteBuffer(bytes: big))
            // Under the declared-length check (cap + 1 MiB of multipart slack) but over the cap once read.
            let form = Bodies.multipart(image: Data(repeating: 0xFF, count: (1 << 20) + 4096))
            let streamed = try await client.execute(
                uri: "/v1/jobs", method: .post, headers: [.contentType: form.contentType, .authorization: "Bearer \(key)"], body: form.body)
            return (declared, streamed)
        }
        #expect(declared.status == .contentTooLarge && declared.code == "upload_too_large")
        #expect(streamed.status == .contentTooLarge && streamed.code == "upload_too_large")
        #expect(try await harness.keys(in: harness.uploads).isEmpty)
        #expect(try await harness.messages().isEmpty)
    }

    @Test("a spool refuses writes past its cap and hashes what it took; its file has no name, and is emptied and reused once released")
    func spoolLifetime() throws {
        let files = SpoolFiles(keep: 1)
        var spool: UploadSpool? = try UploadSpool(limit: 10, files: files)
        let descriptor = spool!.descriptor
        try spool!.write(ByteBuffer(string: "hello"))
        #expect(throws: Problem.self) { try spool!.write(ByteBuffer(string: "and more")) }
        #expect(Hashing.hex(try spool!.finish()) == Hashing.sha256Hex("hello"))
        var bytes = [UInt8](repeating: 0, count: 16)
        let count = pread(descriptor, &bytes, bytes.count, 0)
        #expect(String(decoding: bytes.prefix(max(count, 0)), as: UTF8.self) == "hello", "what was taken reached the file")
        var status = stat()
        #expect(fstat(descriptor, &status) == 0 && status.st_nlink == 0, "unlinked from the start: nothing to leak")

        spool = nil
        #expect(files.idleCount == 1)
        #expect(fstat(descriptor, &status) == 0 && status.st_size == 0, "emptied for the next upload")
        var reused: UploadSpool? = try UploadSpool(limit: 10, files: files)
        var fresh: UploadSpool? = try UploadSpool(limit: 10, files: files)
        #expect(reused!.descriptor == descriptor)
        #expect(fresh!.descriptor != descriptor)
        reused = nil
        fresh = nil
        #expect(files.idleCount == 1, "no more idle files kept than asked")
    }
}
