/// How the decoded image becomes one output's pixels, in stored orientation: a box pre-shrink by the
/// integer factor that leaves the Lanczos pass a reduction of 2 to 4 (libvips' "gap" of 2), Lanczos3
/// to the resize size, and of that resize only the part the output keeps (all of it, or a `fill`
/// crop). Decided from sizes alone, so a decoder can be told before decoding which of its pixels an
/// output reads (`decodedRect`).
struct ResampleStep {
    let factorX: Int
    let factorY: Int
    let taps: LanczosResampler.Taps
    /// The output's pixels in the whole resize (stored orientation).
    let part: PixelRect
    let decodedWidth: Int
    let decodedHeight: Int

    /// - Parameters:
    ///   - decodedWidth, decodedHeight: the whole decoded image (after shrink-on-load), stored orientation.
    ///   - sourceWidth, sourceHeight, loadScale: the full-size image and how many of its pixels one
    ///     decoded pixel stands for (`DecodedImage.loadScale`).
    init(
        decodedWidth: Int, decodedHeight: Int, sourceWidth: Int, sourceHeight: Int, loadScale: (x: Double, y: Double),
        geometry: ThumbnailGeometry, orientation: Orientation
    ) {
        let swapped = orientation.swapsDimensions
        let targetWidth = swapped ? geometry.resizeHeight : geometry.resizeWidth
        let targetHeight = swapped ? geometry.resizeWidth : geometry.resizeHeight
        factorX = max(1, decodedWidth / targetWidth / 2)
        factorY = max(1, decodedHeight / targetHeight / 2)
        // The full image in boxed pixels: DCT scaling and the box both round a partial block up to a
        // whole pixel, which must not stretch the image (scaled WebP and HEIF thumbnails have a
        // fractional scale of their own).
        let extent = (
            width: Double(sourceWidth) / (loadScale.x * Double(factorX)),
            height: Double(sourceHeight) / (loadScale.y * Double(factorY))
        )
        let boxed = ((decodedWidth + factorX - 1) / factorX, (decodedHeight + factorY - 1) / factorY)
        taps = LanczosResampler.Taps(input: boxed, output: (targetWidth, targetHeight), extent: extent)
        part = orientation.storedRect(
            ofUpright: PixelRect(x: geometry.cropX, y: geometry.cropY, width: geometry.width, height: geometry.height),
            storedWidth: targetWidth, storedHeight: targetHeight)
        self.decodedWidth = decodedWidth
        self.decodedHeight = decodedHeight
    }

    /// The decoded pixels the output reads: the boxes under its Lanczos taps, whole.
    var decodedRect: PixelRect {
        let boxed = taps.inputRect(of: part)
        return PixelRect(
            columns: (boxed.x * factorX)..<min(decodedWidth, (boxed.x + boxed.width) * factorX),
            rows: (boxed.y * factorY)..<min(decodedHeight, (boxed.y + boxed.height) * factorY))
    }

    /// The output's pixels from `decoded`, which holds at least `decodedRect` of the decoded image:
    /// exactly the pixels that resampling the whole image and cropping would give.
    func resample(_ decoded: DecodedImage) -> PixelBuffer {
        var buffer = decoded.buffer
        var region = decoded.region
        // Boxes start at multiples of the factor in the whole image; a part that starts between two
        // loses its first columns or rows (never ones the output reads: those start on a box).
        let alignedX = (region.x + factorX - 1) / factorX * factorX
        let alignedY = (region.y + factorY - 1) / factorY * factorY
        if alignedX != region.x || alignedY != region.y {
            buffer = Crop.crop(
                buffer, x: alignedX - region.x, y: alignedY - region.y, width: region.width - (alignedX - region.x),
                height: region.height - (alignedY - region.y))
            region = PixelRect(x: alignedX, y: alignedY, width: buffer.width, height: buffer.height)
        }
        let boxed = BoxShrink.shrink(buffer, factorX: factorX, factorY: factorY)
        return LanczosResampler.resize(boxed, origin: (region.x / factorX, region.y / factorY), taps: taps, part: part)
    }
}
