import Foundation

/// Runs CPU-heavy test work (many whole-pipeline thumbnails in a debug build) on a thread of its own,
/// as the service runs the pipeline, not on Swift's cooperative pool: tests run in parallel there,
/// and seconds of blocking work on its two threads would stall the others' timers and I/O.
func offThePool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}
