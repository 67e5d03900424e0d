import Foundation
/// 16-bit linear light to 8-bit sRGB, for 16-bit PNGs.
///
/// Why this exists: libpng 1.6's simplified API turns a 16-bit Adam7 (interlaced) PNG into wrong
/// 8-bit pixels (about half the channels, errors up to 214 levels: its 16-to-8-bit path merges the
/// interlace passes into a row buffer holding the previous row; pnggroup/libpng issue 853). Its
/// 16-bit *linear* output is right, so every 16-bit PNG, interlaced or not, is read as 16-bit linear
/// and encoded to sRGB here: one path whatever the interlacing.
enum LinearToSRGB {
    /// `table[v]` is the 8-bit encoding of linear value v / 65535 with the curve libpng itself uses for
    /// "sRGB" in its gamma transforms: a power law of 1/2.2 (`PNG_GAMMA_sRGB_INVERSE`, 45455 in png.h's
    /// fixed point), not IEC 61966-2-1's piecewise curve. libpng decodes a 16-bit file to linear with the
    /// same law, so a file without `gAMA` comes back as stored (within rounding), and one with `gAMA` is
    /// corrected exactly as libpng's 8-bit output corrects it.
    static let table: [UInt8] = (0...65535).map { value in
        UInt8((pow(Double(value) / 65535, 0.45455) * 255).rounded())
    }

    /// Converts libpng's linear output to straight (not premultiplied) 8-bit sRGB.
    /// - Parameters:
    ///   - linear: `count` pixels of `channels` 16-bit values, as `png_image_finish_read` writes them
    ///     for `PNG_FORMAT_LINEAR_Y` (1 channel) or `PNG_FORMAT_LINEAR_RGB_ALPHA` (4 channels: colour
    ///     premultiplied by alpha, libpng's rule for linear output).
    ///   - output: `count * channels` bytes.
    static func convert(_ linear: UnsafeBufferPointer<UInt16>, channels: Int, into output: UnsafeMutableBufferPointer<UInt8>) {
        table.withUnsafeBufferPointer { table in
            if channels == 1 {
                for index in 0..<linear.count { output[index] = table[Int(linear[index])] }
                return
            }
            var index = 0
            while index + 3 < linear.count {
                let alpha = UInt32(linear[index + 3])
                for channel in 0..<3 {
                    let value = UInt32(linear[index + channel])
                    // Un-premultiply, rounded; alpha 0 leaves colour 0 (it is invisible anyway).
                    let straight = alpha == 0 ? 0 : min(65535, (value * 65535 + alpha / 2) / alpha)
                    output[index + channel] = table[Int(straight)]
                }
                output[index + 3] = UInt8((alpha * 255 + 32767) / 65535)
                index += 4
            }
        }
    }
}
