import Foundation

#if os(Linux)
    import CMalloc
#endif

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
        // 32 MiB is the largest mmap threshold glibc accepts on 64-bit (DEFAULT_MMAP_THRESHOLD_MAX);
        // with no mmap at all (M_MMAP_MAX 0), larger blocks come from the heap too.
        _ = mallopt(M_MMAP_THRESHOLD, 32 << 20)
        _ = mallopt(M_MMAP_MAX, 0)
        _ = mallopt(M_TRIM_THRESHOLD, 256 << 20)
        if let maxArenas {
            _ = mallopt(M_ARENA_MAX, Int32(maxArenas))
        }
    #endif
}

/// What the C heap holds: bytes in use by live allocations, and bytes the heap has taken from the
/// kernel (in use + free but kept). A leak grows the first; fragmentation only the second.
public struct HeapStatistics: Sendable {
    public let inUseBytes: Int
    public let heapBytes: Int

    public static func current() -> HeapStatistics? {
        #if os(Linux)
            let info = mallinfo2()
            return HeapStatistics(inUseBytes: Int(info.uordblks + info.hblkhd), heapBytes: Int(info.arena + info.hblkhd))
        #else
            return nil
        #endif
    }
}
