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
        let bytes = UnsafeBufferPointer(start: mapped.assumingMemoryBound(to: UInt8.self), count: length)
        // The whole file is there, so the probe always answers.
        return try probe(header: bytes, length: length, limits: limits)!
    }

    /// How much of an object in S3 is read to probe it: the header of any JPEG or PNG but those with
    /// over half a megabyte of metadata before their size.
    static let headerBytes = 512 << 10

    /// Probes the first bytes of a file of `length` bytes.
    /// - Returns: nil when the header goes on past the bytes given (the worker decides then).
    /// - Throws: as `probe(descriptor:length:limits:)`.
    static func probe(header bytes: UnsafeBufferPointer<UInt8>, length: Int, limits: ImagingLimits) throws -> Result? {
        guard length > 0 else { throw JobError(.empty, "the upload is empty") }
        let header: ImageHeader
        do {
            header = try ImageDecoder.probe(bytes)
        } catch let error as ImagingError {
            if error.code == .truncated && bytes.count < length { return nil }
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
