/// 8-bit pixels, interleaved, rows packed. Two layouts only, which keeps every kernel simple and
/// SIMD-friendly: 1 channel (gray) and 4 channels (RGBA; alpha is 255 for opaque images).
public struct PixelBuffer: Sendable {
    public let width: Int
    public let height: Int
    /// 1 (gray) or 4 (RGBA).
    public let channels: Int
    public var pixels: [UInt8]
    /// Whether the alpha channel carries information (false: every alpha is 255).
    public var hasAlpha: Bool
    /// Whether color channels are multiplied by alpha (resampling works premultiplied).
    public var isPremultiplied: Bool

    public init(width: Int, height: Int, channels: Int, pixels: [UInt8], hasAlpha: Bool = false, isPremultiplied: Bool = false) {
        precondition(channels == 1 || channels == 4, "PixelBuffer holds gray or RGBA")
        precondition(pixels.count >= width * height * channels, "PixelBuffer storage too small")
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
        self.hasAlpha = hasAlpha
        self.isPremultiplied = isPremultiplied
    }

    /// A buffer whose pixels the caller will all overwrite: not zero-filled, since clearing megabytes
    /// that are written next costs a pass over memory (and its page faults) for nothing.
    public init(width: Int, height: Int, channels: Int, hasAlpha: Bool = false, isPremultiplied: Bool = false) {
        self.init(
            width: width, height: height, channels: channels, pixels: .uninitialized(count: width * height * channels),
            hasAlpha: hasAlpha, isPremultiplied: isPremultiplied)
    }

    public var bytesPerRow: Int { width * channels }

    /// The channel values of the pixel at (x, y), for tests and tools.
    public func pixel(x: Int, y: Int) -> [UInt8] {
        let start = (y * width + x) * channels
        return Array(pixels[start..<start + channels])
    }
}

extension Array where Element == UInt8 {
    /// `count` bytes left as the allocator gave them, for buffers a decoder or kernel fills entirely.
    static func uninitialized(count: Int) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
    }
}
