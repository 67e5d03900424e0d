/// Why an image could not be made into a thumbnail: a stable short `code` for machines (logs, the
/// dead-letter queue) and a message a person can act on.
public struct ImagingError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable, CaseIterable {
        /// Not a JPEG or PNG (GIF, WebP, HEIC, text...).
        case unsupportedFormat = "unsupported_format"
        /// The bytes claim to be a JPEG or PNG but cannot be decoded.
        case corrupt
        /// The file ends before the image does.
        case truncated
        /// Over a configured limit: file bytes, megapixels, or output size.
        case tooLarge = "too_large"
        /// No bytes at all.
        case empty
        /// The request itself is wrong (a zero width, a quality of 0).
        case invalidOptions = "invalid_options"
        /// The encoder failed (out of memory, most likely).
        case encodeFailed = "encode_failed"
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
