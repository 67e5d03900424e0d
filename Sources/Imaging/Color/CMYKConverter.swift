/// CMYK pixels (4 bytes each, from TurboJPEG) to RGBA in place. With an embedded CMYK profile,
/// LittleCMS converts; without one, the usual naive formula `R = (1-C)(1-K)`. Adobe's APP14 marker
/// means Photoshop stored every sample inverted.
enum CMYKConverter {
    static func convertInPlace(_ pixels: inout [UInt8], inverted: Bool, profile: [UInt8]?) throws {
        if inverted {
            pixels.withUnsafeMutableBufferPointer { buffer in
                for index in buffer.indices { buffer[index] = 255 &- buffer[index] }
            }
        }
        if let profile, ColorConverter.convertCMYKToRGBA(&pixels, profile: profile) {
            return
        }
        pixels.withUnsafeMutableBufferPointer { buffer in
            var index = 0
            while index + 3 < buffer.count {
                let black = 255 &- UInt32(buffer[index + 3])
                for channel in 0..<3 {
                    let value = (255 &- UInt32(buffer[index + channel])) &* black
                    // (v + 127) / 255 without a division: exact for v up to 255 * 255.
                    buffer[index + channel] = UInt8(truncatingIfNeeded: (value &+ 128 &+ ((value &+ 128) >> 8)) >> 8)
                }
                buffer[index + 3] = 255
                index += 4
            }
        }
    }
}
