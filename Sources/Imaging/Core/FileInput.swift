import Foundation

/// Reads a whole file into bytes with one allocation and no intermediate `Data`, refusing a file over
/// `limit` before reading it.
public enum FileInput {
    public static func read(_ path: String, limit: Int) throws -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        let size = Int(info.st_size)
        guard size <= limit else { throw ImagingError(.tooLarge, "the file is \(size) bytes; the limit is \(limit)") }
        var failure: Int32 = 0
        let bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
            count = 0
            while count < size {
                let got = Foundation.read(descriptor, buffer.baseAddress! + count, size - count)
                if got < 0 && errno == EINTR { continue }
                if got <= 0 {
                    failure = got < 0 ? errno : 0
                    break
                }
                count += got
            }
        }
        if failure != 0 { throw POSIXError(POSIXErrorCode(rawValue: failure) ?? .EIO) }
        return bytes
    }
}

/// Keeps freed blocks of up to 32 MiB in the heap for the next image instead of returning them to
/// the kernel: every thumbnail allocates buffers of similar sizes, and fresh pages from mmap cost a
/// page fault each. Call once at start-up.
public func tuneAllocatorForImageWork() {
    #if os(Linux)
        // glibc's <malloc.h> is not in Swift's Glibc module: the two parameter numbers are its ABI.
        let trimThreshold: Int32 = -1
        let mmapThreshold: Int32 = -3
        let mmapMax: Int32 = -4
        // 32 MiB is the largest mmap threshold glibc accepts on 64-bit (DEFAULT_MMAP_THRESHOLD_MAX).
        _ = glibcMallopt(mmapThreshold, 32 << 20)
        _ = glibcMallopt(trimThreshold, 256 << 20)
        // Larger blocks (libjpeg's whole-image coefficient buffer for a progressive JPEG: 88 MB at
        // 5120 x 2880) come from the heap too, so the next image reuses their pages.
        _ = glibcMallopt(mmapMax, 0)
    #endif
}

#if os(Linux)
    @_silgen_name("mallopt")
    private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
#endif
