import Imaging

/// One requested thumbnail size: a box and how to fit it.
public struct SizeRequest: Sendable, Hashable, CustomStringConvertible {
    public var width: Int?
    public var height: Int?
    public var mode: ResizeMode

    public init(width: Int?, height: Int?, mode: ResizeMode = .fit) {
        self.width = width
        self.height = height
        self.mode = mode
    }

    /// `400x400`, `400x` (width only), `x300`, with an optional `:fill` or `:force`.
    public var description: String {
        "\(width.map(String.init) ?? "")x\(height.map(String.init) ?? "")\(mode == .fit ? "" : ":\(mode.rawValue)")"
    }

    /// The most sizes one message may ask for.
    public static let maxPerMessage = 20

    /// Parses `400x400,100x100:fill,x300`: comma-separated `WIDTHxHEIGHT[:fit|fill|force]`, either side
    /// optional, sides in pixels from 1 to `maxSide`.
    /// - Throws: `JobError` `invalid_size` (no size, not `WxH`, a side out of range), `invalid_field`
    ///   (an unknown mode) or `too_many_sizes` (over `maxPerMessage`).
    public static func parseList(_ text: String, maxSide: Int) throws -> [SizeRequest] {
        let parts = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !parts.isEmpty else { throw JobError(.invalidSize, "no sizes in \"\(text)\"") }
        guard parts.count <= maxPerMessage else {
            throw JobError(.tooManySizes, "\(parts.count) sizes; at most \(maxPerMessage)")
        }
        return try parts.map { part in
            let pieces = part.split(separator: ":", maxSplits: 1)
            let mode = try pieces.count > 1 ? parseMode(String(pieces[1])) : .fit
            let box = pieces[0].lowercased().split(separator: "x", maxSplits: 1, omittingEmptySubsequences: false)
            guard box.count == 2 else { throw JobError(.invalidSize, "\"\(part)\" is not WIDTHxHEIGHT") }
            let width = box[0].isEmpty ? nil : Int(box[0])
            let height = box[1].isEmpty ? nil : Int(box[1])
            guard (box[0].isEmpty || width != nil), (box[1].isEmpty || height != nil) else {
                throw JobError(.invalidSize, "\"\(part)\" is not WIDTHxHEIGHT")
            }
            return try validated(width: width, height: height, mode: mode, maxSide: maxSide)
        }
    }

    static func parseMode(_ text: String) throws -> ResizeMode {
        guard let mode = ResizeMode(rawValue: text.lowercased()) else {
            throw JobError(.invalidField, "mode must be fit, fill or force, not \"\(text)\"")
        }
        return mode
    }

    static func validated(width: Int?, height: Int?, mode: ResizeMode, maxSide: Int) throws -> SizeRequest {
        guard width != nil || height != nil else { throw JobError(.invalidSize, "a size needs a width, a height or both") }
        for side in [width, height].compactMap({ $0 }) where !(1...maxSide).contains(side) {
            throw JobError(.invalidSize, "sides must be 1 to \(maxSide) pixels, not \(side)")
        }
        return SizeRequest(width: width, height: height, mode: mode)
    }
}
