import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import ThumbService

/// Reads an upload's body as it streams in: a raw image body straight into an `UploadSpool`, or
/// `multipart/form-data` (RFC 7578) parsed part by part, the `image` part into the spool and the
/// small text fields (`sizes`, `format`, `quality`...) into memory. Nothing is held whole.
enum UploadReader {
    /// What a request brought: the spooled image and the form's text fields.
    struct Upload {
        let spool: UploadSpool
        var fields: [String: String]
        /// The file name the client gave the image part (`filename=`), if any.
        var filename: String?
    }

    /// The most form fields, and the most bytes of one text field.
    static let maxFields = 32
    static let maxFieldBytes = 4096

    /// Spools a raw image body.
    /// - Throws: `Problem` `upload_too_large`, `unavailable`; the body stream's own errors as they are.
    static func readRaw(_ body: RequestBody, limit: Int, files: SpoolFiles, metrics: APIMetrics) async throws -> Upload {
        let spool = try UploadSpool(limit: limit, files: files)
        for try await buffer in body {
            metrics.bytesReceived.increment(by: Int64(buffer.readableBytes))
            try spool.write(buffer)
        }
        return Upload(spool: spool, fields: [:])
    }

    /// Parses a `multipart/form-data` body; the part named `image` is spooled (at most `limit`
    /// bytes), and the whole body may be at most `limit + slack` (fields, framing, parts without a name).
    /// - Throws: `Problem` `bad_request` (no boundary, malformed, no `image` part or more than one,
    ///   a file part under another name, too many or too long fields), `upload_too_large`,
    ///   `unavailable`; the body stream's own errors (`HTTPParserError`) as they are.
    static func readMultipart(
        _ body: RequestBody, contentType: String, limit: Int, slack: Int, files: SpoolFiles, metrics: APIMetrics
    ) async throws
        -> Upload
    {
        guard let boundary = boundary(in: contentType) else {
            throw Problem(.badRequest, "multipart/form-data needs a boundary parameter of 1 to 70 characters (RFC 2046)")
        }
        var parser = MultipartParser(boundary: boundary)
        let spool = try UploadSpool(limit: limit, files: files)
        var part: (name: String?, filename: String?) = (nil, nil)
        var text = ByteBuffer()
        var fields: [String: String] = [:]
        var sawImage = false
        var imageFilename: String?

        func handle(_ event: MultipartParser.Event) throws {
            switch event {
            case .part(let headers):
                let disposition = headers.first { $0.name.lowercased() == "content-disposition" }?.value
                part = (disposition.flatMap { parameter("name", in: $0) }, disposition.flatMap { parameter("filename", in: $0) })
                if part.name == "image" {
                    guard !sawImage else { throw Problem(.badRequest, "more than one part is named image: send one image per job") }
                    sawImage = true
                    imageFilename = part.filename
                } else if let name = part.name, part.filename != nil {
                    throw Problem(
                        .badRequest, "the file part is named \"\(name.prefix(40))\": send the image as the part named image (-F image=@photo.jpg)")
                }
            case .body(let piece):
                if part.name == "image" {
                    try spool.write(piece)
                } else if let name = part.name {
                    text.writeImmutableBuffer(piece)
                    if text.readableBytes > maxFieldBytes {
                        throw Problem(.badRequest, "the form field \"\(name.prefix(40))\" is over \(maxFieldBytes) bytes")
                    }
                }
            case .partEnd:
                if let name = part.name, name != "image" {
                    fields[name] = String(buffer: text)
                    if fields.count > maxFields { throw Problem(.badRequest, "more than \(maxFields) form fields") }
                }
                part = (nil, nil)
                text.clear()
            }
        }

        var total = 0
        do {
            for try await buffer in body {
                metrics.bytesReceived.increment(by: Int64(buffer.readableBytes))
                total += buffer.readableBytes
                guard total <= limit + slack else {
                    throw Problem(.uploadTooLarge, "the body is over \((limit + slack) >> 20) MB, the most this service accepts")
                }
                try parser.feed(buffer, handle)
            }
            try parser.finish()
        } catch let malformed as MultipartParser.Malformed {
            throw Problem(.badRequest, "the multipart/form-data body is malformed: \(malformed.reason)")
        }
        guard sawImage else {
            throw Problem(.badRequest, "no part named \"image\": send the file as -F image=@photo.jpg")
        }
        return Upload(spool: spool, fields: fields, filename: imageFilename)
    }

    /// The `boundary` parameter of a `multipart/form-data` Content-Type (quoted or not).
    static func boundary(in contentType: String) -> String? {
        guard let value = parameter("boundary", in: contentType), (1...70).contains(value.utf8.count) else { return nil }
        return value
    }

    /// `name=value` or `name="value"` among `;`-separated parameters (RFC 9110 section 5.6.6): a
    /// Content-Type's `boundary`, a Content-Disposition's `name` and `filename`.
    static func parameter(_ name: String, in header: String) -> String? {
        for piece in header.split(separator: ";").dropFirst() {
            let pair = piece.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2, pair[0].lowercased() == name else { continue }
            var value = pair[1]
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") {
                value = String(value.dropFirst().dropLast()).replacingOccurrences(of: "\\\"", with: "\"")
            }
            return value
        }
        return nil
    }
}
