import Foundation

/// How a thumbnail fits its box.
public enum ResizeMode: String, Sendable, CaseIterable {
    /// Inside the box, aspect kept (the default).
    case fit
    /// Covers the box, aspect kept, then cropped to it around the centre.
    case fill
    /// Exactly the box, aspect ignored.
    case force
}

/// The sizes one thumbnail goes through: resized to `resizeWidth x resizeHeight` (upright), then for
/// `fill` cropped to `width x height` at (`cropX`, `cropY`).
public struct ThumbnailGeometry: Sendable, Hashable {
    public var resizeWidth: Int
    public var resizeHeight: Int
    public var width: Int
    public var height: Int
    public var cropX: Int
    public var cropY: Int

    /// Whether the output is a part of the resized image (`fill` whose box cuts it), not all of it.
    public var isCropped: Bool { width < resizeWidth || height < resizeHeight }

    /// - Parameters:
    ///   - source: upright size of the full image.
    ///   - width, height: the box; either may be nil (then only the other one constrains).
    ///   - enlarge: allow output larger than the source (default: never enlarge).
    public static func compute(
        source: (width: Int, height: Int), width boxWidth: Int?, height boxHeight: Int?, mode: ResizeMode,
        enlarge: Bool = false
    ) throws -> ThumbnailGeometry {
        guard boxWidth != nil || boxHeight != nil else {
            throw ImagingError(.invalidOptions, "a thumbnail needs a width, a height, or both")
        }
        for side in [boxWidth, boxHeight].compactMap({ $0 }) where side <= 0 {
            throw ImagingError(.invalidOptions, "thumbnail sides must be positive, not \(side)")
        }
        let sourceWidth = Double(source.width)
        let sourceHeight = Double(source.height)
        func rounded(_ value: Double) -> Int { max(1, Int(value.rounded())) }

        switch (mode, boxWidth, boxHeight) {
        case (.force, let w?, let h?):
            return ThumbnailGeometry(resizeWidth: w, resizeHeight: h, width: w, height: h, cropX: 0, cropY: 0)
        case (.fill, let w?, let h?):
            var scale = max(Double(w) / sourceWidth, Double(h) / sourceHeight)
            if !enlarge { scale = min(scale, 1) }
            let resizeWidth = rounded(sourceWidth * scale)
            let resizeHeight = rounded(sourceHeight * scale)
            let width = min(w, resizeWidth)
            let height = min(h, resizeHeight)
            return ThumbnailGeometry(
                resizeWidth: resizeWidth, resizeHeight: resizeHeight, width: width, height: height,
                cropX: (resizeWidth - width) / 2, cropY: (resizeHeight - height) / 2)
        default:
            // fit, or fill/force with one side given: scale to the given side(s), aspect kept.
            var scale = Double.infinity
            if let w = boxWidth { scale = min(scale, Double(w) / sourceWidth) }
            if let h = boxHeight { scale = min(scale, Double(h) / sourceHeight) }
            if !enlarge { scale = min(scale, 1) }
            let width = rounded(sourceWidth * scale)
            let height = rounded(sourceHeight * scale)
            return ThumbnailGeometry(resizeWidth: width, resizeHeight: height, width: width, height: height, cropX: 0, cropY: 0)
        }
    }
}
