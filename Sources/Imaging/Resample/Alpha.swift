/// Premultiplied alpha for resampling (a transparent pixel's colour must not bleed into its
/// neighbours: no dark fringes), and flattening onto a background for formats without alpha.
public enum Alpha {
    /// c = round(c * a / 255) on every RGBA pixel.
    public static func premultiply(_ buffer: inout PixelBuffer) {
        guard buffer.channels == 4, buffer.hasAlpha, !buffer.isPremultiplied else { return }
        buffer.pixels.withUnsafeMutableBufferPointer { pixels in
            var index = 0
            let count = pixels.count
            while index + 3 < count {
                let alpha = UInt32(pixels[index + 3])
                if alpha != 255 {
                    for channel in 0..<3 {
                        pixels[index + channel] = div255(UInt32(pixels[index + channel]) &* alpha)
                    }
                }
                index += 4
            }
        }
        buffer.isPremultiplied = true
    }

    /// c = round(c * 255 / a), clamped (Lanczos ringing can push c above a).
    public static func unpremultiply(_ buffer: inout PixelBuffer) {
        guard buffer.channels == 4, buffer.isPremultiplied else { return }
        buffer.pixels.withUnsafeMutableBufferPointer { pixels in
            var index = 0
            let count = pixels.count
            while index + 3 < count {
                let alpha = UInt32(pixels[index + 3])
                if alpha == 0 {
                    pixels[index] = 0
                    pixels[index + 1] = 0
                    pixels[index + 2] = 0
                } else if alpha != 255 {
                    for channel in 0..<3 {
                        let value = (UInt32(pixels[index + channel]) &* 255 &+ alpha / 2) / alpha
                        pixels[index + channel] = UInt8(min(255, value))
                    }
                }
                index += 4
            }
        }
        buffer.isPremultiplied = false
    }

    /// Composites over an opaque `background` (RGB): the result is opaque.
    public static func flatten(_ buffer: inout PixelBuffer, background: (UInt8, UInt8, UInt8)) {
        guard buffer.channels == 4, buffer.hasAlpha else { return }
        let premultiplied = buffer.isPremultiplied
        let back = [UInt32(background.0), UInt32(background.1), UInt32(background.2)]
        buffer.pixels.withUnsafeMutableBufferPointer { pixels in
            var index = 0
            let count = pixels.count
            while index + 3 < count {
                let alpha = UInt32(pixels[index + 3])
                for channel in 0..<3 {
                    let color = UInt32(pixels[index + channel])
                    let front = premultiplied ? min(color, alpha) &* 255 : color &* alpha
                    pixels[index + channel] = div255(front &+ back[channel] &* (255 &- alpha))
                }
                pixels[index + 3] = 255
                index += 4
            }
        }
        buffer.hasAlpha = false
        buffer.isPremultiplied = false
    }

    /// round(v / 255) for v up to 255 * 255 * 2, without a division.
    @inline(__always)
    static func div255(_ value: UInt32) -> UInt8 {
        let rounded = value &+ 128
        return UInt8(truncatingIfNeeded: (rounded &+ (rounded >> 8)) >> 8)
    }
}
