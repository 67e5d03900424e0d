import Foundation

/// Keeps freed blocks of up to 32 MiB in the heap for the next image instead of returning them to
/// the kernel: every thumbnail allocates buffers of similar sizes, and fresh pages from mmap cost a
/// page fault each. Call once at start-up.
/// - Parameter keepLargeBlocks: also take the larger blocks (libjpeg's whole-image coefficient buffer
///   of a progressive JPEG, 88 MB at 5120 x 2880) from the heap and keep them. Right for a one-thread
///   batch (`thumbctl resize`); a long-running multi-threaded daemon would keep one such block per
///   malloc arena for good, so it leaves them to mmap and gives them back, and caps the arenas at two.
public func tuneAllocatorForImageWork(keepLargeBlocks: Bool) {
    #if os(Linux)
        // glibc's <malloc.h> is not in Swift's Glibc module: the two parameter numbers are its ABI.
        let trimThreshold: Int32 = -1
        let mmapThreshold: Int32 = -3
        let mmapMax: Int32 = -4
        let arenaMax: Int32 = -8
        // 32 MiB is the largest mmap threshold glibc accepts on 64-bit (DEFAULT_MMAP_THRESHOLD_MAX).
        _ = glibcMallopt(mmapThreshold, 32 << 20)
        _ = glibcMallopt(trimThreshold, keepLargeBlocks ? 256 << 20 : 64 << 20)
        if keepLargeBlocks {
            _ = glibcMallopt(mmapMax, 0)
        } else {
            // glibc gives threads up to 8 arenas per core, each keeping its own free memory; the daemon's
            // HTTP and decoder threads would spread every image's buffers over all of them.
            _ = glibcMallopt(arenaMax, 2)
        }
    #endif
}

#if os(Linux)
    @_silgen_name("mallopt")
    private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
#endif
