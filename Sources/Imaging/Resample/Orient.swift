/// Turns stored pixels upright according to their EXIF orientation (applied to the small image,
/// after resampling, so it costs next to nothing).
public enum Orient {
    public static func apply(_ orientation: Orientation, to input: PixelBuffer) -> PixelBuffer {
        if orientation == .up { return input }
        let swaps = orientation.swapsDimensions
        let outWidth = swaps ? input.height : input.width
        let outHeight = swaps ? input.width : input.height
        var output = PixelBuffer(
            width: outWidth, height: outHeight, channels: input.channels, hasAlpha: input.hasAlpha,
            isPremultiplied: input.isPremultiplied)
        let channels = input.channels
        let inWidth = input.width
        let inHeight = input.height
        input.pixels.withUnsafeBufferPointer { source in
            output.pixels.withUnsafeMutableBufferPointer { destination in
                for y in 0..<outHeight {
                    for x in 0..<outWidth {
                        // The stored pixel that lands at upright (x, y).
                        let (sx, sy): (Int, Int)
                        switch orientation {
                        case .up: (sx, sy) = (x, y)
                        case .upMirrored: (sx, sy) = (inWidth - 1 - x, y)
                        case .down: (sx, sy) = (inWidth - 1 - x, inHeight - 1 - y)
                        case .downMirrored: (sx, sy) = (x, inHeight - 1 - y)
                        case .leftMirrored: (sx, sy) = (y, x)
                        case .right: (sx, sy) = (y, inHeight - 1 - x)
                        case .rightMirrored: (sx, sy) = (inWidth - 1 - y, inHeight - 1 - x)
                        case .left: (sx, sy) = (inWidth - 1 - y, x)
                        }
                        let from = (sy * inWidth + sx) * channels
                        let to = (y * outWidth + x) * channels
                        for channel in 0..<channels {
                            destination[to + channel] = source[from + channel]
                        }
                    }
                }
            }
        }
        return output
    }
}
