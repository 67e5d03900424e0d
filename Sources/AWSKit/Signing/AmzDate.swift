import Foundation

/// A signing time in SigV4's two forms: `20150830T123600Z` and the scope day `20150830` (UTC).
public struct AmzDate: Sendable, Equatable {
    public let full: String
    public var day: String { String(full.prefix(8)) }

    public init(_ date: Date) {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        full = String(
            format: "%04d%02d%02dT%02d%02d%02dZ", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday),
            Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec))
    }
}
