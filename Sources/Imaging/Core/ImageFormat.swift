/// Image formats told apart by their first bytes, never by file name or Content-Type.
public enum ImageFormat: String, Sendable {
    case jpeg, png, gif, bmp, webp, tiff, heic, avif, jpegXL = "jpeg-xl", jpeg2000 = "jpeg-2000", ico, psd, pdf, svg

    /// The formats thumbd decodes.
    public static let readable: [ImageFormat] = [.jpeg, .png, .webp, .heic, .avif, .gif]

    /// "JPEG, PNG, WebP, HEIC, AVIF and GIF", for messages.
    public static let readableNames = "JPEG, PNG, WebP, HEIC, AVIF and GIF"

    /// The usual file extension: `jpg` for JPEG, else the format's name.
    public var fileExtension: String { self == .jpeg ? "jpg" : rawValue }

    /// The media type of an upload in this format (RFC 2046 names; `image/heic` and `image/avif` as
    /// registered with IANA).
    public var mediaType: String? {
        switch self {
        case .jpeg: "image/jpeg"
        case .png: "image/png"
        case .webp: "image/webp"
        case .heic: "image/heic"
        case .avif: "image/avif"
        case .gif: "image/gif"
        default: nil
        }
    }

    /// The format the bytes announce; `nil` when they are no image format we know.
    public static func detect<C: Collection<UInt8>>(_ bytes: C) -> ImageFormat? where C.Index == Int {
        let head = Array(bytes.prefix(32))
        func starts(_ magic: [UInt8], at offset: Int = 0) -> Bool {
            head.count >= offset + magic.count && Array(head[offset..<offset + magic.count]) == magic
        }
        // SOI then a marker; a file cut right after SOI is still a (truncated) JPEG.
        if starts([0xFF, 0xD8, 0xFF]) || (head.count == 2 && starts([0xFF, 0xD8])) { return .jpeg }
        if starts([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if starts(Array("GIF87a".utf8)) || starts(Array("GIF89a".utf8)) { return .gif }
        if starts(Array("BM".utf8)) && head.count >= 14 { return .bmp }
        if starts(Array("RIFF".utf8)) && starts(Array("WEBP".utf8), at: 8) { return .webp }
        if starts([0x49, 0x49, 0x2A, 0x00]) || starts([0x4D, 0x4D, 0x00, 0x2A]) { return .tiff }
        if starts(Array("ftyp".utf8), at: 4) && head.count >= 12 {
            let brand = String(decoding: head[8..<12], as: UTF8.self)
            if brand.hasPrefix("avi") { return .avif }
            if ["heic", "heix", "hevc", "heim", "heis", "mif1", "msf1"].contains(brand) {
                // A generic major brand (mif1) with AV1 inside lists "avif" among its compatible brands.
                let box = Array(bytes.prefix(min(64, Int(head[2]) << 8 | Int(head[3]))))
                let compatible = stride(from: 16, to: box.count - 3, by: 4).map { String(decoding: box[$0..<$0 + 4], as: UTF8.self) }
                return brand.hasPrefix("mif") || brand.hasPrefix("msf") ? (compatible.contains("avif") ? .avif : .heic) : .heic
            }
        }
        if starts([0xFF, 0x0A]) || starts([0x00, 0x00, 0x00, 0x0C, 0x4A, 0x58, 0x4C, 0x20]) { return .jpegXL }
        if starts([0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50, 0x20, 0x20]) || starts([0xFF, 0x4F, 0xFF, 0x51]) { return .jpeg2000 }
        if starts([0x00, 0x00, 0x01, 0x00]) { return .ico }
        if starts(Array("8BPS".utf8)) { return .psd }
        if starts(Array("%PDF".utf8)) { return .pdf }
        let text = String(decoding: head, as: UTF8.self).lowercased()
        if text.contains("<svg") || (text.hasPrefix("<?xml") && text.contains("svg")) { return .svg }
        return nil
    }
}
