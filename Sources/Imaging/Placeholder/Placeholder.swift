import Foundation

/// What a page shows while a thumbnail loads: the image's ThumbHash and its average colour.
public struct Placeholder: Sendable, Equatable {
    /// The ThumbHash bytes (`ThumbHash.encode`).
    public let thumbHash: [UInt8]

    /// The hash in standard base64 (RFC 4648 section 4, with padding), as ThumbHash's own pages and
    /// libraries exchange it.
    public var thumbHashBase64: String { Data(thumbHash).base64EncodedString() }

    /// The average colour ThumbHash carries, `#rrggbb` (lowercase hex, each channel rounded from 0...1).
    public var averageColor: String {
        let color = ThumbHash.averageColor(thumbHash)
        func hex(_ value: Double) -> String {
            let byte = Int((value * 255).rounded())
            return String(byte, radix: 16).leftPadded(to: 2)
        }
        return "#" + hex(color.r) + hex(color.g) + hex(color.b)
    }

    public init(thumbHash: [UInt8]) { self.thumbHash = thumbHash }

    /// A hash read back from storage: nil unless it has the 5 to 25 bytes a ThumbHash has (the header,
    /// then at most 40 nibbles, 20 bytes, of varying terms).
    public init?(validating thumbHash: [UInt8]) {
        guard (5...25).contains(thumbHash.count) else { return nil }
        self.thumbHash = thumbHash
    }

    /// The smallest long side an image made for another purpose (a thumbnail) may have to be the
    /// placeholder's source: below it, ThumbHash's 7 luminance terms would outnumber its pixels.
    static let minimumSourceSide = 32

    /// The placeholder of an upright image at any size: box-shrunk (in premultiplied alpha) by the
    /// smallest integer factor that fits it in 100 x 100, then hashed. A box filter is enough: ThumbHash
    /// keeps only the lowest few DCT frequencies of what it is given.
    /// - Parameter image: upright, sRGB, gray or RGBA, premultiplied or not.
    public init(of image: PixelBuffer) {
        var small = image
        if small.hasAlpha && !small.isPremultiplied { Alpha.premultiply(&small) }
        let factor = (max(small.width, small.height) + ThumbHash.maxSide - 1) / ThumbHash.maxSide
        small = BoxShrink.shrink(small, factorX: factor, factorY: factor)
        Alpha.unpremultiply(&small)
        let (width, height) = (small.width, small.height)
        var rgba = [UInt8](repeating: 255, count: width * height * 4)
        for index in 0..<(width * height) {
            if small.channels == 1 {
                rgba[index * 4] = small.pixels[index]
                rgba[index * 4 + 1] = small.pixels[index]
                rgba[index * 4 + 2] = small.pixels[index]
            } else {
                for channel in 0..<4 { rgba[index * 4 + channel] = small.pixels[index * 4 + channel] }
            }
        }
        self.init(thumbHash: ThumbHash.encode(width: width, height: height, rgba: rgba))
    }
}

extension String {
    fileprivate func leftPadded(to length: Int) -> String { String(repeating: "0", count: max(0, length - count)) + self }
}
