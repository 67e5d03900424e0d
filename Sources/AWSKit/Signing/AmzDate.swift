import Foundation

/// A signing time in SigV4's two forms: `20150830T123600Z` and the scope day `20150830` (UTC).
public struct AmzDate: Sendable, Equatable {
    public let full: String
    public var day: String { String(full.prefix(8)) }

    public init(_ date: Date) {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        // Written digit by digit: `String(format:)` cost more than the rest of the signature.
        var text: [UInt8] = []
        text.reserveCapacity(16)
        func append(_ value: Int32, digits: Int) {
            var divisor: Int32 = 1
            for _ in 1..<digits { divisor *= 10 }
            while divisor > 0 {
                text.append(UInt8(ascii: "0") + UInt8(value / divisor % 10))
                divisor /= 10
            }
        }
        append(parts.tm_year + 1900, digits: 4)
        append(parts.tm_mon + 1, digits: 2)
        append(parts.tm_mday, digits: 2)
        text.append(UInt8(ascii: "T"))
        append(parts.tm_hour, digits: 2)
        append(parts.tm_min, digits: 2)
        append(parts.tm_sec, digits: 2)
        text.append(UInt8(ascii: "Z"))
        full = String(decoding: text, as: UTF8.self)
    }
}
