import Foundation
import Testing

@testable import AWSKit

/// The five worked S3 examples from the AWS documentation, parsed from ../shared's S3_EXAMPLES.md.
@Suite("S3 SigV4 worked examples", .enabled(if: SharedFixtures.sigv4SuiteAvailable, Comment(rawValue: SharedFixtures.skipNote)))
struct S3SigningExamplesTests {
    struct Example {
        var title: String
        var request: RawRequest?
        var canonicalRequest: String
        var signature: String
    }

    static func document() throws -> String {
        try String(contentsOf: SharedFixtures.sigv4Suite.appendingPathComponent("S3_EXAMPLES.md"), encoding: .utf8)
    }

    /// The common inputs table row `| name | \`value\` ... |`.
    static func tableValue(_ text: String, _ name: String) -> String? {
        for line in text.split(separator: "\n") where line.hasPrefix("| \(name) |") {
            let cells = line.split(separator: "`")
            if cells.count > 1 { return String(cells[1]) }
        }
        return nil
    }

    /// Splits the document into its `## N.` sections and reads each one's request, canonical request
    /// and signature.
    static func examples() throws -> [Example] {
        let sections = try document().components(separatedBy: "\n## ").filter { $0.first?.isNumber == true }
        return sections.map { section in
            let blocks = section.components(separatedBy: "```")
            func block(after label: String) -> String? {
                guard let index = blocks.firstIndex(where: { $0.hasSuffix(label + "\n") || $0.contains("\n" + label) }),
                    index + 1 < blocks.count
                else { return nil }
                return String(blocks[index + 1].drop(while: { $0 == "\n" }).dropLast())
            }
            let signatureLine = section.split(separator: "\n").first { $0.hasPrefix("Signature: `") } ?? ""
            return Example(
                title: String(section.prefix(while: { $0 != "\n" })),
                request: block(after: "Request").map { RawRequest(text: $0) },
                canonicalRequest: block(after: "Canonical request") ?? "",
                signature: String(signatureLine.split(separator: "`")[1]))
        }
    }

    func signer(_ text: String) -> SigV4Signer {
        SigV4Signer(
            credentials: Credentials(
                accessKeyId: Self.tableValue(text, "access key id") ?? "",
                secretAccessKey: Self.tableValue(text, "secret access key") ?? ""),
            region: "us-east-1", service: "s3", rules: .s3)
    }

    static let date = Date(timeIntervalSince1970: 1_369_353_600)  // 20130524T000000Z

    @Test("the header-signed examples (GET with Range, PUT, lifecycle, list)")
    func headerSignedExamples() throws {
        let text = try Self.document()
        let examples = try Self.examples()
        #expect(examples.count == 5)
        let signed = examples.filter { $0.request != nil }
        #expect(signed.count == 4)
        for example in signed {
            let raw = example.request!
            var headers = HTTPHeaders()
            for (name, value) in raw.headers where name != "Authorization" {
                headers.add(name: name, value: value)
            }
            // The docs write the key raw (`test$file.text`, even without the leading `/`): encode it the
            // way our S3 client does, once.
            let key = raw.path.hasPrefix("/") ? String(raw.path.dropFirst()) : raw.path
            var request = HTTPRequest(
                method: raw.method, endpoint: Endpoint(host: headers["Host"]!),
                path: S3Path.encode(key: key), query: raw.query, headers: headers)
            let result = signer(text).sign(&request, date: Self.date)
            #expect(result.canonicalRequest == example.canonicalRequest, "\(example.title)")
            #expect(result.signature == example.signature, "\(example.title)")
        }
    }

    @Test("the presigned GET Object URL")
    func presignedURL() throws {
        let text = try Self.document()
        let example = try #require(try Self.examples().first { $0.request == nil })
        var request = HTTPRequest(
            method: "GET", endpoint: Endpoint(host: "examplebucket.s3.amazonaws.com"), path: S3Path.encode(key: "test.txt"))
        let result = signer(text).presign(&request, date: Self.date, expires: 86400)
        #expect(result.canonicalRequest == example.canonicalRequest)
        #expect(result.signature == example.signature)
        #expect(text.contains(request.url), "the presigned URL is the one the docs print")
    }
}
