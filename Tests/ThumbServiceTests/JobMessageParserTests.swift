import Foundation
import Imaging
import Testing

@testable import ThumbService

@Suite("Job messages")
struct JobMessageParserTests {
    let parser = JobMessageParser(defaultSizes: [SizeRequest(width: 400, height: 400), SizeRequest(width: 100, height: 100, mode: .fill)])

    func jobs(_ body: String) throws -> [Job] {
        guard case .jobs(let jobs) = try parser.parse(body) else { throw JobError(.internal, "not jobs") }
        return jobs
    }

    func code(_ body: String) -> String? {
        do {
            _ = try parser.parse(body)
            return nil
        } catch let error as JobError {
            return error.code.rawValue
        } catch {
            return "other"
        }
    }

    @Test("the assignment's format")
    func assignment() throws {
        let job = try #require(try jobs(#"{"bucket": "cmsc389l-public", "key": "codelab-04/canyon.jpg", "width": 400, "height": 400}"#).first)
        #expect(job == Job(bucket: "cmsc389l-public", key: "codelab-04/canyon.jpg", sizes: [SizeRequest(width: 400, height: 400)]))
        let wide = try #require(try jobs(#"{"bucket": "bkt", "key": "a.jpg", "width": 300}"#).first)
        #expect(wide.sizes == [SizeRequest(width: 300, height: nil)])
    }

    @Test("the extended format, with every field")
    func extended() throws {
        let body = #"""
            {"bucket": "src", "key": "x/y.png", "sizes": [{"width": 400, "height": 400}, {"width": 50, "height": 50, "mode": "fill"}],
             "output_bucket": "out", "output_key_template": "thumbs/{name}_{width}.{ext}", "format": "png", "quality": 70, "id": "job-7"}
            """#
        let job = try #require(try jobs(body).first)
        #expect(job.sizes == [SizeRequest(width: 400, height: 400), SizeRequest(width: 50, height: 50, mode: .fill)])
        #expect(job.outputBucket == "out" && job.keyTemplate == "thumbs/{name}_{width}.{ext}" && job.formats == [.png])
        #expect(job.quality == 70 && job.id == "job-7")
    }

    @Test("S3 event notifications: form-encoded keys, default sizes, removals from our entries only, test events, other events")
    func s3Events() throws {
        let event = #"""
            {"Records": [
              {"eventSource": "aws:s3", "eventName": "ObjectCreated:Put", "s3": {"bucket": {"name": "photos"}, "object": {"key": "holiday+2024/%C3%BCber+alles.jpg", "size": 10}}},
              {"eventSource": "aws:s3", "eventName": "ObjectRemoved:Delete", "s3": {"configurationId": "thumbd-jobs", "bucket": {"name": "photos"}, "object": {"key": "gone.jpg"}}},
              {"eventSource": "aws:s3", "eventName": "ObjectRemoved:Delete", "s3": {"configurationId": "their-own", "bucket": {"name": "photos"}, "object": {"key": "theirs.jpg"}}},
              {"eventSource": "aws:s3", "eventName": "ObjectCreated:CompleteMultipartUpload", "s3": {"bucket": {"name": "photos"}, "object": {"key": "big.png"}}}
            ]}
            """#
        let parsed = try jobs(event)
        #expect(parsed.map(\.key) == ["holiday 2024/über alles.jpg", "gone.jpg", "big.png"])
        #expect(parsed.map(\.removal) == [false, true, false])
        #expect(parsed.allSatisfy { $0.sizes == parser.defaultSizes && $0.fromS3Event })
        #expect(try parser.parse(#"{"Service":"Amazon S3","Event":"s3:TestEvent","Time":"2024-01-01T00:00:00Z","Bucket":"photos"}"#) == .ignore(reason: "s3:TestEvent"))
        let restored = #"{"Records": [{"eventName": "ObjectRestore:Completed", "s3": {"bucket": {"name": "photos"}, "object": {"key": "cold.jpg"}}}]}"#
        if case .ignore = try parser.parse(restored) {} else { Issue.record("an event that neither creates nor removes is ignored") }
    }

    /// A key with a space, a plus and a non-ASCII letter, as each format carries it.
    static let awkwardKey = "photos/a b+c ü.jpg"

    @Test("the same awkward key in S3's own format (form-encoded) and EventBridge's (as it is), created and deleted")
    func awkwardKeyInBothFormats() throws {
        let encoded = Self.awkwardKey.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "/._-")))!
            .replacingOccurrences(of: "%20", with: "+")
        #expect(encoded == "photos/a+b%2Bc+%C3%BC.jpg", "quote_plus, as S3 (and moto) encode it")
        for (name, removal) in [("ObjectCreated:Put", false), ("ObjectRemoved:Delete", true)] {
            let s3 = #"{"Records":[{"eventName":"\#(name)","s3":{"configurationId":"thumbd-q","bucket":{"name":"photos"},"object":{"key":"\#(encoded)"}}}]}"#
            #expect(try jobs(s3).map { [$0.key, "\($0.removal)"] } == [[Self.awkwardKey, "\(removal)"]])
        }
        for (detailType, removal) in [("Object Created", false), ("Object Deleted", true)] {
            // The shape EventBridge delivers (and moto sends): the key is not encoded.
            let eventBridge = """
                {"version": "0", "id": "17793124-05d4-b198-2fde-7ededc63b103", "detail-type": "\(detailType)", "source": "aws.s3",
                 "account": "123456789012", "time": "2026-11-30T15:00:00Z", "region": "us-east-1", "resources": ["arn:aws:s3:::photos"],
                 "detail": {"version": "0", "bucket": {"name": "photos"}, "object": {"key": "\(Self.awkwardKey)", "size": 5, "etag": "b1946ac9"},
                            "request-id": "N4N7GDK58NMKJ12R", "requester": "123456789012", "reason": "PutObject"}}
                """
            let parsed = try jobs(eventBridge)
            #expect(parsed.map(\.key) == [Self.awkwardKey] && parsed.allSatisfy { $0.removal == removal && $0.fromS3Event })
            #expect(parsed.first?.sizes == parser.defaultSizes)
        }
        let restored = #"{"source": "aws.s3", "detail-type": "Object Restore Completed", "detail": {"bucket": {"name": "photos"}, "object": {"key": "a"}}}"#
        #expect(try parser.parse(restored) == .ignore(reason: "EventBridge Object Restore Completed"))
        #expect(code(#"{"source": "aws.s3", "detail-type": "Object Created", "detail": {"bucket": {"name": "photos"}}}"#) == "missing_field")
    }

    @Test("which filters the output template can produce keys for (a watch of the output bucket is refused on these)")
    func templateOverlap() {
        let template = Settings.defaultKeyTemplate  // {dir}{name}-{width}x{height}.{ext}
        #expect(KeyTemplate.canProduce(template: template, prefix: "photos/", suffix: ".jpg"))
        #expect(KeyTemplate.canProduce(template: template, prefix: "", suffix: ""))
        #expect(KeyTemplate.canProduce(template: template, prefix: "photos/", suffix: "png"))
        #expect(!KeyTemplate.canProduce(template: template, prefix: "photos/", suffix: ".txt"))
        #expect(!KeyTemplate.canProduce(template: template, prefix: "", suffix: ".JPG"), "S3 filters are case-sensitive")
        let thumbs = "thumbs/{name}-{width}x{height}.{ext}"
        #expect(!KeyTemplate.canProduce(template: thumbs, prefix: "photos/", suffix: ".jpg"))
        #expect(KeyTemplate.canProduce(template: thumbs, prefix: "thumbs/a", suffix: ".jpg"))
        #expect(KeyTemplate.canProduce(template: thumbs, prefix: "th", suffix: ""))
        #expect(!KeyTemplate.canProduce(template: "t/{key}.{mode}.{ext}", prefix: "t/", suffix: ".force.gif"))
        #expect(KeyTemplate.canProduce(template: "t/{key}.{mode}.{ext}", prefix: "t/", suffix: ".fill.png"))
    }

    @Test("any format inside an SNS notification")
    func sns() throws {
        let inner = #"{"bucket": "src", "key": "k.jpg", "width": 10, "height": 10}"#
        let envelope = try String(decoding: JSONSerialization.data(withJSONObject: ["Type": "Notification", "MessageId": "m", "Message": inner]), as: UTF8.self)
        #expect(try jobs(envelope).first?.key == "k.jpg")
        let event = #"{"Records":[{"eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"src"},"object":{"key":"a+b.jpg"}}}]}"#
        let wrapped = try String(decoding: JSONSerialization.data(withJSONObject: ["Type": "Notification", "Message": event]), as: UTF8.self)
        #expect(try jobs(wrapped).first?.key == "a b.jpg")
    }

    @Test("hostile messages get precise codes")
    func hostile() {
        #expect(code("not json") == "bad_json")
        #expect(code(String(repeating: "[", count: 100_000)) == "bad_json")
        #expect(code(String(repeating: "{\"a\":", count: 50) + "1" + String(repeating: "}", count: 50)) == "bad_json")
        #expect(code("\"just a string\"") == "unsupported_message")
        #expect(code(#"{"hello": "world"}"#) == "unsupported_message")
        #expect(code(#"{"bucket": "bkt"}"#) == "missing_field")
        #expect(code(#"{"bucket": 7, "key": "k"}"#) == "invalid_field")
        #expect(code(#"{"bucket": "bkt", "key": "k", "width": "400"}"#) == "invalid_field")
        #expect(code(#"{"bucket": "bkt", "key": "k", "width": true}"#) == "invalid_field")
        #expect(code(#"{"bucket": "bkt", "key": "k", "width": 2.5}"#) == "invalid_field")
        #expect(code(#"{"bucket": "bkt", "key": "k", "width": 0}"#) == "invalid_size")
        #expect(code(#"{"bucket": "bkt", "key": "k", "width": -5}"#) == "invalid_size")
        #expect(code(#"{"bucket": "bkt", "key": "k", "width": 99999999999}"#) == "invalid_size")
        let many = "[" + Array(repeating: #"{"width": 10}"#, count: 10_000).joined(separator: ",") + "]"
        #expect(code(#"{"bucket": "bkt", "key": "k", "sizes": \#(many)}"#) == "too_many_sizes")
        #expect(code(#"{"bucket": "bkt", "key": "../../etc/passwd", "width": 10}"#) == "invalid_key")
        #expect(code(#"{"bucket": "bkt", "key": "a\u0000b", "width": 10}"#) == "invalid_key")
        #expect(code(#"{"bucket": "Not A Bucket!", "key": "k", "width": 10}"#) == "invalid_bucket")
        #expect(code(#"{"bucket": "bkt", "key": "k", "width": 10, "quality": 0}"#) == "invalid_field")
        #expect(code(#"{"bucket": "bkt", "key": "k", "width": 10, "format": "gif"}"#) == "invalid_field")
        #expect(code(#"{"bucket": "bkt", "key": "k", "width": 10, "output_key_template": "{nope}"}"#) == "invalid_field")
        #expect(code(#"{"Type": "Notification", "Message": 5}"#) == "invalid_field")
        #expect(code(#"{"bucket": "bkt", "key": "k", "pad": "\#(String(repeating: "x", count: 300_000))"}"#) == "message_too_large")
        #expect(code(String(decoding: [0x7B, 0xFF, 0xFE, 0x7D], as: UTF8.self)) == "bad_json")
        // An S3 event key whose percent-encoding is not UTF-8 names no object.
        #expect(code(#"{"Records":[{"eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"src"},"object":{"key":"bad%FF.jpg"}}}]}"#) == "invalid_key")
    }

    @Test("a wrong type in any field of either format is invalid_field", arguments: [
        "bucket", "key", "width", "height", "mode", "sizes", "output_bucket", "output_key_template", "format", "quality", "id",
    ])
    func wrongTypes(field: String) throws {
        let valid: [String: Any] = [
            "bucket": "bkt", "key": "a/b.jpg", "width": 40, "height": 40, "mode": "fill", "output_bucket": "out",
            "output_key_template": "{dir}{name}.{ext}", "format": "png", "quality": 80, "id": "job-1",
        ]
        let numeric = ["width", "height", "quality"].contains(field)
        let wrongValues: [Any] = [["a list"], ["an": "object"], true] + (numeric ? ["40", 1.5] : [7])
        for wrong in wrongValues {
            var object = valid
            if field == "sizes" {
                object["sizes"] = wrong  // ["a list"] is a list whose entry is not a size object
                object.removeValue(forKey: "width")
                object.removeValue(forKey: "height")
            } else {
                object[field] = wrong
            }
            let body = String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
            #expect(code(body) == "invalid_field", "\(field) = \(wrong)")
        }
    }

    @Test("output keys from the template; the recursion guard recognises thumbnails")
    func keyTemplate() throws {
        let template = Settings.defaultKeyTemplate
        #expect(KeyTemplate.render(template, sourceKey: "codelab-04/canyon.jpg", size: SizeRequest(width: 400, height: 400), format: .jpeg) == "codelab-04/canyon-400x400.jpg")
        #expect(KeyTemplate.render(template, sourceKey: "top.png", size: SizeRequest(width: 300, height: 600), format: .jpeg) == "top-300x600.jpg")
        #expect(KeyTemplate.render("t/{key}.{mode}.{ext}", sourceKey: "a/b.c.jpg", size: SizeRequest(width: 5, height: nil, mode: .fill), format: .png) == "t/a/b.c.jpg.fill.png")
        #expect(KeyTemplate.render(template, sourceKey: "noext", size: SizeRequest(width: 5, height: 6), format: .jpeg) == "noext-5x6.jpg")
        #expect(KeyTemplate.matchesOutput("codelab-04/canyon-400x400.jpg", template: template))
        #expect(KeyTemplate.matchesOutput("codelab-04/canyon-400x400.webp", template: template), "every format's extension")
        #expect(KeyTemplate.matchesOutput("codelab-04/canyon-400x400.avif", template: template))
        #expect(!KeyTemplate.matchesOutput("codelab-04/canyon-400x400.gif", template: template), "GIF is read, never written")
        #expect(!KeyTemplate.matchesOutput("codelab-04/canyon.jpg", template: template))
        #expect(throws: Settings.InvalidSetting.self) { try KeyTemplate.validate("{dir}thumb.jpg") }
    }

    @Test("format or formats: names, order, one per extension, at least one, not both, at most 40 outputs, {ext} in a template")
    func formats() throws {
        let base = #""bucket": "b-1", "key": "k.heic", "width": 100"#
        #expect(try jobs("{\(base), \"formats\": [\"AVIF\", \"webp\", \"jpg\"]}").first?.formats == [.avif, .webp, .jpeg])
        #expect(try jobs("{\(base), \"format\": \"webp-lossless\"}").first?.formats == [.webpLossless])
        #expect(try jobs("{\(base)}").first?.formats == nil, "none: THUMBD_FORMAT")
        for bad in [
            #"{"bucket": "b-1", "key": "k", "width": 1, "formats": []}"#, #"{"bucket": "b-1", "key": "k", "width": 1, "formats": "webp"}"#,
            #"{"bucket": "b-1", "key": "k", "width": 1, "formats": [1]}"#, #"{"bucket": "b-1", "key": "k", "width": 1, "formats": ["webp", "webp-lossless"]}"#,
            #"{"bucket": "b-1", "key": "k", "width": 1, "formats": ["png", "png"]}"#, #"{"bucket": "b-1", "key": "k", "width": 1, "formats": ["gif"]}"#,
            #"{"bucket": "b-1", "key": "k", "width": 1, "format": "png", "formats": ["webp"]}"#,
            #"{"bucket": "b-1", "key": "k", "width": 1, "formats": ["png", "webp"], "output_key_template": "{name}-{width}"}"#,
        ] {
            #expect(code(bad) == "invalid_field", "\(bad)")
        }
        let sizes = (1...20).map { #"{"width": \#($0)}"# }.joined(separator: ",")
        #expect(code(#"{"bucket": "b-1", "key": "k", "sizes": [\#(sizes)], "formats": ["png", "webp"]}"#) == nil, "40 outputs")
        #expect(code(#"{"bucket": "b-1", "key": "k", "sizes": [\#(sizes)], "formats": ["png", "webp", "avif"]}"#) == "too_many_sizes")
        // One format travels as `format` (older workers read it); several as `formats`, in order.
        var job = Job(bucket: "b-1", key: "k.heic", sizes: [SizeRequest(width: 100, height: nil)], formats: [.avif, .webp, .jpeg])
        #expect(try jobs(JobEncoder.encode(job)) == [job])
        #expect(JobEncoder.encode(job).contains(#""formats":["avif","webp","jpeg"]"#))
        job.formats = [.png]
        #expect(JobEncoder.encode(job).contains(#""format":"png""#) && !JobEncoder.encode(job).contains("formats"))
        // Several formats without {ext} in the worker's template: refused before anything is read.
        let settings = try Settings(Settings.Source(environment: ["THUMBD_OUTPUT_KEY_TEMPLATE": "{dir}{name}-{width}"]))
        job.formats = [.png, .webp]
        #expect(throws: JobError.self) { try job.checkFormatsHaveKeys(settings: settings) }
        job.formats = [.png]
        try job.checkFormatsHaveKeys(settings: settings)
        #expect(job.outputs(settings: try Settings(Settings.Source(environment: [:]))).map(\.key) == ["k-100x.png"])
    }

    @Test("sizes lists")
    func sizes() throws {
        #expect(try SizeRequest.parseList("400x400, 100x100:fill,x300,250x", maxSide: 8192) == [
            SizeRequest(width: 400, height: 400), SizeRequest(width: 100, height: 100, mode: .fill),
            SizeRequest(width: nil, height: 300), SizeRequest(width: 250, height: nil),
        ])
        // One failure, one code, whether the size came as text (a setting, thumb-submit) or as JSON.
        for text in ["400", "x", "9000x10", "0x5", "axb", ""] {
            let error = #expect(throws: JobError.self) { try SizeRequest.parseList(text, maxSide: 8192) }
            #expect(error?.code == .invalidSize, "\(text)")
        }
        #expect(code(#"{"bucket": "bkt", "key": "k", "sizes": [{"width": 9000}]}"#) == "invalid_size")
        #expect(code(#"{"bucket": "bkt", "key": "k", "sizes": [{"mode": "fill"}]}"#) == "invalid_size")
        let many = Array(repeating: "1x1", count: SizeRequest.maxPerMessage + 1).joined(separator: ",")
        #expect(throws: JobError(.tooManySizes, "21 sizes; at most 20")) { try SizeRequest.parseList(many, maxSide: 8192) }
    }

    @Test("an SNS notification's Message is measured for depth before it is parsed")
    func snsDepth() throws {
        // 600 levels: deeper than Foundation's parser accepts (512), so a parse-first parser only says
        // "not a JSON object"; the depth check names the real reason.
        let deep = String(repeating: "[", count: 600) + String(repeating: "]", count: 600)
        let body = String(decoding: try JSONSerialization.data(withJSONObject: ["Type": "Notification", "Message": deep]), as: UTF8.self)
        let error = #expect(throws: JobError.self) { try parser.parse(body) }
        #expect(error?.code == .badJSON)
        #expect(error?.message.contains("deeper than \(JobMessageParser.maxDepth)") == true, "\(String(describing: error))")
        // 17 levels: still valid JSON, refused all the same.
        let seventeen = String(repeating: "[", count: 17) + String(repeating: "]", count: 17)
        let body17 = String(decoding: try JSONSerialization.data(withJSONObject: ["Type": "Notification", "Message": seventeen]), as: UTF8.self)
        #expect(code(body17) == "bad_json")
    }

    @Test("messages thumb-submit writes parse back to the same jobs")
    func roundTrip() throws {
        let plain = Job(bucket: "b-1", key: "k k/ü.jpg", sizes: [SizeRequest(width: 400, height: 400)])
        #expect(try jobs(JobEncoder.encode(plain)) == [plain])
        #expect(JobEncoder.encode(plain).contains(#""width":400"#))
        var full = Job(bucket: "b-1", key: "k.png", sizes: [SizeRequest(width: 10, height: nil, mode: .force)], outputBucket: "o-1", formats: [.png], quality: 60)
        full.id = "x"
        #expect(try jobs(JobEncoder.encode(full)) == [full])
    }
}

@Suite("Settings")
struct SettingsTests {
    @Test("flags, then environment, then the config file")
    func precedence() throws {
        let file = try ConfigFile.parse("""
            # thumbd.conf
            THUMBD_QUEUE=from-file
            THUMBD_QUALITY = "70"
            export THUMBD_SIZES='200x200,50x50:fill'
            ; comment
            AWS_REGION=eu-west-1
            """)
        let settings = try Settings(Settings.Source(
            flags: ["THUMBD_QUEUE": "from-flag"], environment: ["THUMBD_QUALITY": "90", "THUMBD_CONCURRENCY": "3"], file: file))
        #expect(settings.queue == "from-flag")
        #expect(settings.quality == 90)
        #expect(settings.concurrency == 3)
        #expect(settings.sizes == [SizeRequest(width: 200, height: 200), SizeRequest(width: 50, height: 50, mode: .fill)])
        #expect(Settings.Source(environment: [:], file: file).awsEnvironment["AWS_REGION"] == "eu-west-1")
        #expect(Settings.Source(environment: ["AWS_REGION": "us-west-2"], file: file).awsEnvironment["AWS_REGION"] == "us-west-2")
    }

    @Test("every bad value is named with what it should be")
    func invalid() {
        for (key, value) in [("THUMBD_QUALITY", "101"), ("THUMBD_CONCURRENCY", "lots"), ("THUMBD_ACL", "public"), ("THUMBD_FORMAT", "gif"),
                             ("THUMBD_SIZES", "big"), ("THUMBD_BACKGROUND", "white"), ("THUMBD_OUTPUT_KEY_TEMPLATE", "{dir}{oops}"),
                             ("THUMBD_WAIT_TIME", "30"), ("THUMBD_READ_TIMEOUT", "20"), ("THUMBD_DECODE_MEMORY_MB", "1")] {
            let error = #expect(throws: Settings.InvalidSetting.self) { try Settings(Settings.Source(environment: [key: value])) }
            #expect(error?.key == key)
        }
        #expect(throws: ConfigFile.ParseError.self) { try ConfigFile.parse("no equals sign here") }
        #expect(throws: Settings.InvalidSetting.self) { try Settings(Settings.Source(environment: [:])).requireQueue() }
    }
}
