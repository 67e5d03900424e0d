import Foundation

/// ThumbHash (Evan Wallace, 2023; https://evanw.github.io/thumbhash/ and its reference code,
/// github.com/evanw/thumbhash `rgbaToThumbHash`): an image of at most 100 x 100 pixels in about 25
/// bytes, which a page decodes into a blurred preview while the real image loads. Luminance, two
/// chroma channels and alpha each become a few low-frequency DCT coefficients, quantised to 4 bits
/// (6 for the constant terms); the header also gives the aspect ratio and the average colour.
public enum ThumbHash {
    /// The largest side `encode` takes; bigger images gain nothing and cost time.
    public static let maxSide = 100

    /// - Parameters:
    ///   - width, height: 1 to `maxSide`.
    ///   - rgba: `width * height * 4` bytes, sRGB, straight (not premultiplied) alpha.
    /// - Returns: the hash bytes (5 header bytes, 1 more with alpha, then the AC nibbles).
    public static func encode(width: Int, height: Int, rgba: [UInt8]) -> [UInt8] {
        precondition((1...maxSide).contains(width) && (1...maxSide).contains(height), "ThumbHash takes at most 100x100")
        precondition(rgba.count >= width * height * 4)
        let count = width * height
        // The average colour, weighted by alpha.
        var average = (r: 0.0, g: 0.0, b: 0.0, a: 0.0)
        for index in 0..<count {
            let alpha = Double(rgba[index * 4 + 3]) / 255
            average.r += alpha / 255 * Double(rgba[index * 4])
            average.g += alpha / 255 * Double(rgba[index * 4 + 1])
            average.b += alpha / 255 * Double(rgba[index * 4 + 2])
            average.a += alpha
        }
        if average.a > 0 {
            average.r /= average.a
            average.g /= average.a
            average.b /= average.a
        }
        let hasAlpha = average.a < Double(count)
        let luminanceLimit = hasAlpha ? 5.0 : 7.0  // fewer luminance terms when alpha needs room
        let longest = Double(max(width, height))
        let lx = max(1, Int((luminanceLimit * Double(width) / longest).rounded()))
        let ly = max(1, Int((luminanceLimit * Double(height) / longest).rounded()))

        // RGBA to LPQA, composited over the average colour.
        var l = [Double](repeating: 0, count: count)
        var p = l, q = l, a = l
        for index in 0..<count {
            let alpha = Double(rgba[index * 4 + 3]) / 255
            let r = average.r * (1 - alpha) + alpha / 255 * Double(rgba[index * 4])
            let g = average.g * (1 - alpha) + alpha / 255 * Double(rgba[index * 4 + 1])
            let b = average.b * (1 - alpha) + alpha / 255 * Double(rgba[index * 4 + 2])
            l[index] = (r + g + b) / 3
            p[index] = (r + g) / 2 - b
            q[index] = r - g
            a[index] = alpha
        }

        let luminance = encodeChannel(l, width: width, height: height, nx: max(3, lx), ny: max(3, ly))
        let yellowBlue = encodeChannel(p, width: width, height: height, nx: 3, ny: 3)
        let redGreen = encodeChannel(q, width: width, height: height, nx: 3, ny: 3)
        let transparency = hasAlpha ? encodeChannel(a, width: width, height: height, nx: 5, ny: 5) : nil

        func round(_ value: Double) -> Int { Int((value + 0.5).rounded(.down)) }  // JavaScript's Math.round
        let isLandscape = width > height
        let header24 = round(63 * luminance.dc) | round(31.5 + 31.5 * yellowBlue.dc) << 6 | round(31.5 + 31.5 * redGreen.dc) << 12
            | round(31 * luminance.scale) << 18 | (hasAlpha ? 1 : 0) << 23
        let header16 = (isLandscape ? ly : lx) | round(63 * yellowBlue.scale) << 3 | round(63 * redGreen.scale) << 9
            | (isLandscape ? 1 : 0) << 15
        var hash: [UInt8] = [
            UInt8(header24 & 255), UInt8(header24 >> 8 & 255), UInt8(header24 >> 16 & 255), UInt8(header16 & 255),
            UInt8(header16 >> 8 & 255),
        ]
        if let transparency { hash.append(UInt8(round(15 * transparency.dc) | round(15 * transparency.scale) << 4)) }
        let start = hash.count
        var acIndex = 0
        for channel in [luminance, yellowBlue, redGreen] + (transparency.map { [$0] } ?? []) {
            for factor in channel.ac {
                let byte = start + (acIndex >> 1)
                if byte == hash.count { hash.append(0) }
                hash[byte] |= UInt8(round(15 * factor) << ((acIndex & 1) << 2))
                acIndex += 1
            }
        }
        return hash
    }

    /// The DCT of one channel: the constant term, and the varying terms of the lower triangle
    /// (cx * ny < nx * (ny - cy)) normalised to 0...1 by their largest magnitude, `scale`.
    private static func encodeChannel(
        _ channel: [Double], width: Int, height: Int, nx: Int, ny: Int
    ) -> (dc: Double, ac: [Double], scale: Double) {
        var dc = 0.0
        var ac: [Double] = []
        var scale = 0.0
        // The cosines, once per frequency and position.
        let fxs = (0..<nx).map { cx in (0..<width).map { x in cos(Double.pi / Double(width) * Double(cx) * (Double(x) + 0.5)) } }
        let fys = (0..<ny).map { cy in (0..<height).map { y in cos(Double.pi / Double(height) * Double(cy) * (Double(y) + 0.5)) } }
        for cy in 0..<ny {
            var cx = 0
            while cx * ny < nx * (ny - cy) {
                let fx = fxs[cx]
                var f = 0.0
                for y in 0..<height {
                    let fy = fys[cy][y]
                    for x in 0..<width { f += channel[x + y * width] * fx[x] * fy }
                }
                f /= Double(width * height)
                if cx > 0 || cy > 0 {
                    ac.append(f)
                    scale = max(scale, abs(f))
                } else {
                    dc = f
                }
                cx += 1
            }
        }
        if scale > 0 { ac = ac.map { 0.5 + 0.5 / scale * $0 } }
        return (dc, ac, scale)
    }

    /// The average colour the hash carries (reference: `thumbHashToAverageRGBA`), each 0...1.
    public static func averageColor(_ hash: [UInt8]) -> (r: Double, g: Double, b: Double, a: Double) {
        precondition(hash.count >= 5)
        let header = Int(hash[0]) | Int(hash[1]) << 8 | Int(hash[2]) << 16
        let l = Double(header & 63) / 63
        let p = Double(header >> 6 & 63) / 31.5 - 1
        let q = Double(header >> 12 & 63) / 31.5 - 1
        let hasAlpha = header >> 23 != 0
        let a = hasAlpha && hash.count > 5 ? Double(hash[5] & 15) / 15 : 1
        let b = l - 2 / 3 * p
        let r = (3 * l - b + q) / 2
        let g = r - q
        func clamp(_ value: Double) -> Double { max(0, min(1, value)) }
        return (clamp(r), clamp(g), clamp(b), a)
    }
}
