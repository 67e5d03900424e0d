/// A rectangle of whole pixels: columns `x..<x + width`, rows `y..<y + height`.
public struct PixelRect: Sendable, Hashable, CustomStringConvertible {
    public var x: Int
    public var y: Int
    public var width: Int
    public var height: Int

    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }

    /// The whole of a `width` x `height` image.
    public init(width: Int, height: Int) {
        self.init(x: 0, y: 0, width: width, height: height)
    }

    public var columns: Range<Int> { x..<(x + width) }
    public var rows: Range<Int> { y..<(y + height) }

    public init(columns: Range<Int>, rows: Range<Int>) {
        self.init(x: columns.lowerBound, y: rows.lowerBound, width: columns.count, height: rows.count)
    }

    /// The smallest rectangle holding both.
    public func union(_ other: PixelRect) -> PixelRect {
        PixelRect(
            columns: min(x, other.x)..<max(x + width, other.x + other.width),
            rows: min(y, other.y)..<max(y + height, other.y + other.height))
    }

    public var description: String { "\(width)x\(height)+\(x)+\(y)" }
}

extension Orientation {
    /// Where an upright rectangle lies in the stored image that this orientation turns upright;
    /// `storedWidth` x `storedHeight` is the stored image's size. `Orient.apply` of the stored
    /// rectangle's pixels gives the upright rectangle's.
    public func storedRect(ofUpright rect: PixelRect, storedWidth: Int, storedHeight: Int) -> PixelRect {
        // The stored pixel that lands at upright (x, y): Orient.apply's table.
        func stored(_ x: Int, _ y: Int) -> (Int, Int) {
            switch self {
            case .up: (x, y)
            case .upMirrored: (storedWidth - 1 - x, y)
            case .down: (storedWidth - 1 - x, storedHeight - 1 - y)
            case .downMirrored: (x, storedHeight - 1 - y)
            case .leftMirrored: (y, x)
            case .right: (y, storedHeight - 1 - x)
            case .rightMirrored: (storedWidth - 1 - y, storedHeight - 1 - x)
            case .left: (storedWidth - 1 - y, x)
            }
        }
        let first = stored(rect.x, rect.y)
        let last = stored(rect.x + rect.width - 1, rect.y + rect.height - 1)
        return PixelRect(
            columns: min(first.0, last.0)..<(max(first.0, last.0) + 1), rows: min(first.1, last.1)..<(max(first.1, last.1) + 1))
    }
}
