/// Cuts a rectangle out of a buffer (for `fill`, which covers the box and then crops to it).
public enum Crop {
    public static func crop(_ input: PixelBuffer, x: Int, y: Int, width: Int, height: Int) -> PixelBuffer {
        precondition(x >= 0 && y >= 0 && x + width <= input.width && y + height <= input.height)
        if x == 0 && y == 0 && width == input.width && height == input.height { return input }
        var output = PixelBuffer(
            width: width, height: height, channels: input.channels, hasAlpha: input.hasAlpha,
            isPremultiplied: input.isPremultiplied)
        let rowBytes = width * input.channels
        for row in 0..<height {
            let from = ((y + row) * input.width + x) * input.channels
            output.pixels.replaceSubrange(row * rowBytes..<(row + 1) * rowBytes, with: input.pixels[from..<from + rowBytes])
        }
        return output
    }
}
