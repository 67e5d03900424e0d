import Foundation

/// Keeps freed blocks in the heap for the next image instead of returning them to the kernel: every
/// thumbnail allocates buffers of similar sizes (libjpeg's whole-image coefficient buffer of a
/// progressive JPEG is 88 MB at 5120 x 2880), and fresh pages from mmap cost a page fault and a
/// zeroing each - 5% of the daemon's CPU before this. What stays in the heap is bounded by the largest
/// working set seen: `thumbctl resize` decodes one image at a time, and thumbd's admission control
/// (`THUMBD_DECODE_MEMORY_MB`) bounds the memory of the decodes in flight. Call once at start-up.
/// - Parameter maxArenas: a cap on glibc's malloc arenas. Threads otherwise get up to 8 per core,
///   each keeping its own free memory; the daemon's HTTP and decoder threads would spread every
///   image's buffers over all of them. `nil` leaves glibc's default (right for one thread).
public func tuneAllocatorForImageWork(maxArenas: Int? = nil) {
    #if os(Linux)
        // glibc's <malloc.h> is not in Swift's Glibc module: the parameter numbers are its ABI.
        let trimThreshold: Int32 = -1
        let mmapThreshold: Int32 = -3
        let mmapMax: Int32 = -4
        let arenaMax: Int32 = -8
        // 32 MiB is the largest mmap threshold glibc accepts on 64-bit (DEFAULT_MMAP_THRESHOLD_MAX);
        // with no mmap at all (mmapMax 0), larger blocks come from the heap too.
        _ = glibcMallopt(mmapThreshold, 32 << 20)
        _ = glibcMallopt(mmapMax, 0)
        _ = glibcMallopt(trimThreshold, 256 << 20)
        if let maxArenas {
            _ = glibcMallopt(arenaMax, Int32(maxArenas))
        }
    #endif
}

#if os(Linux)
    @_silgen_name("mallopt")
    private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
#endif
