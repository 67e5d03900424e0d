import Foundation
import Synchronization

/// A token bucket per key (RFC 6585's 429 with `Retry-After`): each key may make `rate` requests a
/// second on average and save up `burst`. Per process, in memory; idle buckets are forgotten.
final class RateLimiter: Sendable {
    let rate: Double
    let burst: Double
    private let buckets = Mutex<[String: (tokens: Double, updated: ContinuousClock.Instant)]>([:])
    private let now: @Sendable () -> ContinuousClock.Instant

    init(rate: Double, burst: Double, now: @escaping @Sendable () -> ContinuousClock.Instant = { .now }) {
        self.rate = rate
        self.burst = burst
        self.now = now
    }

    /// Whether `key` has no whole token left now (nothing is taken).
    func isEmpty(_ key: String) -> Bool {
        let instant = now()
        return buckets.withLock { buckets in
            guard let bucket = buckets[key] else { return false }
            let elapsed = Double(bucket.updated.duration(to: instant) / .microseconds(1)) / 1_000_000
            return min(burst, bucket.tokens + elapsed * rate) < 1
        }
    }

    /// Takes one token for `key`.
    /// - Returns: `nil` when allowed, else the whole seconds until a token is there (`Retry-After`).
    func take(_ key: String) -> Int? {
        let instant = now()
        return buckets.withLock { buckets in
            if buckets.count > 10_000 {
                // Forget buckets full again (idle at least burst / rate seconds): they hold no state.
                buckets = buckets.filter { Double(($0.value.updated.duration(to: instant)) / .milliseconds(1)) / 1000 * rate < burst }
            }
            var bucket = buckets[key] ?? (burst, instant)
            let elapsed = Double(bucket.updated.duration(to: instant) / .microseconds(1)) / 1_000_000
            bucket.tokens = min(burst, bucket.tokens + elapsed * rate)
            bucket.updated = instant
            defer { buckets[key] = bucket }
            if bucket.tokens >= 1 {
                bucket.tokens -= 1
                return nil
            }
            return max(1, Int(((1 - bucket.tokens) / rate).rounded(.up)))
        }
    }
}
