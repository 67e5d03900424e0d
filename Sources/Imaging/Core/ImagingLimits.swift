/// What thumbd refuses, checked as early as possible: the file size before anything, the pixel count
/// from the header before any pixel is decoded, the output size before resampling.
public struct ImagingLimits: Sendable, Equatable {
    public var maxInputBytes: Int
    public var maxPixels: Int
    public var maxOutputSide: Int

    public init(maxInputBytes: Int = 64 << 20, maxPixels: Int = 100_000_000, maxOutputSide: Int = 8192) {
        self.maxInputBytes = maxInputBytes
        self.maxPixels = maxPixels
        self.maxOutputSide = maxOutputSide
    }

    func checkInput(byteCount: Int) throws {
        guard byteCount > 0 else { throw ImagingError(.empty, "the file is empty") }
        guard byteCount <= maxInputBytes else {
            throw ImagingError(.tooLarge, "the file is \(byteCount) bytes; the limit is \(maxInputBytes)")
        }
    }

    func checkDimensions(width: Int, height: Int) throws {
        guard width > 0, height > 0 else {
            throw ImagingError(.corrupt, "the header declares a \(width)x\(height) image")
        }
        let (pixels, overflow) = width.multipliedReportingOverflow(by: height)
        guard !overflow, pixels <= maxPixels else {
            throw ImagingError(
                .tooLarge, "the image is \(width)x\(height) (\(pixels / 1_000_000) megapixels); the limit is \(maxPixels / 1_000_000)")
        }
    }
}
