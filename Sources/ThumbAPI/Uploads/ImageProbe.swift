import Foundation
import Imaging
import ThumbService

/// Reads an upload's header with the Imaging module before anything is enqueued: the format (sniffed
/// from the bytes, never the name or Content-Type), the dimensions, and the limits thumbd applies.
/// The spool file is memory-mapped, so only the pages holding the header are read.
enum ImageProbe {
    struct Result: Sendable {
        let format: ImageFormat
        /// Upright size.
        let width: Int
        let height: Int
    }

    /// - Throws: `JobError` with the imaging code: `empty`, `unsupported_format` (not an image, or
    ///   one thumbd does not read), `corrupt`, `truncated`, `too_large` (over `THUMBD_MAX_MEGAPIXELS`).
    static func probe(descriptor: Int32, length: Int, limits: ImagingLimits) throws -> Result {
        guard length > 0 else { throw JobError(.empty, "the upload is empty") }
        guard let mapped = mmap(nil, length, PROT_READ, MAP_PRIVATE, descriptor, 0), mapped != MAP_FAILED else {
            throw JobError(.internal, "the spooled upload cannot be read (errno \(errno))", transient: true)
        }
        defer { munmap(mapped, length) }
        let header: ImageHeader
        do {
            header = try ImageDecoder.probe(UnsafeBufferPointer(start: mapped.assumingMemoryBound(to: UInt8.self), count: length))
        } catch let error as ImagingError {
            throw JobError.fromImaging(error)
        }
        guard header.width > 0, header.height > 0 else { throw JobError(.corrupt, "the image header gives no size") }
        guard header.width * header.height <= limits.maxPixels else {
            throw JobError(
                .tooLarge,
                "the image is \(header.width)x\(header.height), over the limit of \(limits.maxPixels / 1_000_000) megapixels")
        }
        let upright = header.orientation.swapsDimensions ? (header.height, header.width) : (header.width, header.height)
        return Result(format: header.format, width: upright.0, height: upright.1)
    }
}
