import Foundation

/// A parsed XML element: name (without namespace prefix), attributes, text and children. S3 answers
/// are small documents, read whole into this tree and then queried by path.
///
/// The parser is our own, for the XML AWS sends: elements, attributes, text with the five predefined
/// entities and character references, CDATA, comments and processing instructions (skipped). A
/// DOCTYPE is refused, so no entity can expand. Foundation's XMLParser was replaced after fuzzing
/// found inputs that crash it (invalid UTF-8 in a name; a malformed processing instruction).
public final class XMLTree: Sendable {
    public let name: String
    public let attributes: [String: String]
    public let text: String
    public let children: [XMLTree]

    init(name: String, attributes: [String: String], text: String, children: [XMLTree]) {
        self.name = name
        self.attributes = attributes
        self.text = text
        self.children = children
    }

    /// The deepest nesting accepted.
    static let maxDepth = 64

    /// Parses `data`; `nil` when it is not well-formed XML of that subset.
    public static func parse(_ data: Data) -> XMLTree? {
        var parser = Parser(bytes: [UInt8](data))
        return parser.document()
    }

    public func child(_ name: String) -> XMLTree? {
        children.first { $0.name == name }
    }

    public func all(_ name: String) -> [XMLTree] {
        children.filter { $0.name == name }
    }

    /// The first element called `name` in document order, this one included.
    public func descendant(_ name: String) -> XMLTree? {
        if self.name == name { return self }
        for child in children {
            if let found = child.descendant(name) { return found }
        }
        return nil
    }

    /// The code and message of an AWS XML error body, S3's `<Error>` or the query protocol's
    /// `<ErrorResponse><Error>` (which SQS's front end still sends for some authentication failures).
    public static func awsError(in data: Data) -> (code: String, message: String, region: String?)? {
        guard !data.isEmpty, let root = parse(data), let error = root.descendant("Error"), let code = error["Code"] else {
            return nil
        }
        return (code, error["Message"] ?? "", error["Region"])
    }

    /// The text of the first child called `name`.
    public subscript(name: String) -> String? {
        child(name)?.text
    }

    private struct Open {
        var name: String
        var attributes: [String: String]
        var text: [UInt8] = []
        var children: [XMLTree] = []
    }

    private struct Parser {
        let bytes: [UInt8]
        var index = 0

        init(bytes: [UInt8]) {
            self.bytes = bytes
            if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3 }  // UTF-8 byte order mark
        }

        mutating func document() -> XMLTree? {
            var stack: [Open] = []
            var root: XMLTree?
            while index < bytes.count {
                if bytes[index] != UInt8(ascii: "<") {
                    let start = index
                    while index < bytes.count && bytes[index] != UInt8(ascii: "<") { index += 1 }
                    let raw = bytes[start..<index]
                    if stack.isEmpty {
                        // Only white space may stand outside the root element.
                        guard raw.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) else { return nil }
                    } else {
                        guard let decoded = Self.decodeEntities(raw) else { return nil }
                        stack[stack.count - 1].text += decoded
                    }
                    continue
                }
                if starts("<?") {
                    guard skip(past: "?>") else { return nil }
                } else if starts("<!--") {
                    guard skip(past: "-->") else { return nil }
                } else if starts("<![CDATA[") {
                    index += 9
                    let start = index
                    guard skip(past: "]]>"), !stack.isEmpty else { return nil }
                    stack[stack.count - 1].text += bytes[start..<(index - 3)]
                } else if starts("<!") {
                    return nil  // DOCTYPE and the like: refused
                } else if starts("</") {
                    index += 2
                    guard let name = readName(), skipSpace(), take(">"), let open = stack.popLast(), open.name == name else {
                        return nil
                    }
                    let element = Self.close(open)
                    if stack.isEmpty {
                        guard root == nil else { return nil }
                        root = element
                    } else {
                        stack[stack.count - 1].children.append(element)
                    }
                } else {
                    index += 1
                    guard let name = readName() else { return nil }
                    var attributes: [String: String] = [:]
                    var selfClosing = false
                    while true {
                        _ = skipSpace()
                        if take("/") {
                            guard take(">") else { return nil }
                            selfClosing = true
                            break
                        }
                        if take(">") { break }
                        guard let attribute = readName(), skipSpace(), take("="), skipSpace(), index < bytes.count else { return nil }
                        let quote = bytes[index]
                        guard quote == UInt8(ascii: "\"") || quote == UInt8(ascii: "'") else { return nil }
                        index += 1
                        let start = index
                        while index < bytes.count && bytes[index] != quote && bytes[index] != UInt8(ascii: "<") { index += 1 }
                        guard index < bytes.count, bytes[index] == quote, let value = Self.decodeEntities(bytes[start..<index]) else {
                            return nil
                        }
                        index += 1
                        attributes[attribute] = String(decoding: value, as: UTF8.self)
                    }
                    guard root == nil || !stack.isEmpty else { return nil }  // a second root
                    let open = Open(name: name, attributes: attributes)
                    if selfClosing {
                        let element = Self.close(open)
                        if stack.isEmpty { root = element } else { stack[stack.count - 1].children.append(element) }
                    } else {
                        guard stack.count < XMLTree.maxDepth else { return nil }
                        stack.append(open)
                    }
                }
            }
            return stack.isEmpty ? root : nil
        }

        static func close(_ open: Open) -> XMLTree {
            let text = String(decoding: open.text, as: UTF8.self)
            return XMLTree(
                name: open.name, attributes: open.attributes,
                text: open.children.isEmpty ? text : text.trimmingCharacters(in: .whitespacesAndNewlines), children: open.children)
        }

        func starts(_ literal: StaticString) -> Bool {
            let count = literal.utf8CodeUnitCount
            guard index + count <= bytes.count else { return false }
            return literal.withUTF8Buffer { literal in
                (0..<count).allSatisfy { bytes[index + $0] == literal[$0] }
            }
        }

        mutating func take(_ literal: StaticString) -> Bool {
            guard starts(literal) else { return false }
            index += literal.utf8CodeUnitCount
            return true
        }

        /// Moves past the next `literal`; false when there is none.
        mutating func skip(past literal: StaticString) -> Bool {
            while index < bytes.count {
                if take(literal) { return true }
                index += 1
            }
            return false
        }

        @discardableResult
        mutating func skipSpace() -> Bool {
            while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
            return true
        }

        /// A name up to white space, `/`, `>` or `=`, with its namespace prefix dropped.
        mutating func readName() -> String? {
            let start = index
            while index < bytes.count {
                let byte = bytes[index]
                if [0x20, 0x09, 0x0A, 0x0D, UInt8(ascii: "/"), UInt8(ascii: ">"), UInt8(ascii: "="), UInt8(ascii: "<")].contains(byte) { break }
                index += 1
            }
            guard index > start, let name = String(validating: bytes[start..<index], as: UTF8.self) else { return nil }
            return name.split(separator: ":").last.map(String.init) ?? name
        }

        /// `&lt; &gt; &amp; &quot; &apos; &#NN; &#xHH;`; any other `&` makes the document invalid.
        static func decodeEntities(_ raw: ArraySlice<UInt8>) -> [UInt8]? {
            guard raw.contains(UInt8(ascii: "&")) else { return Array(raw) }
            var out: [UInt8] = []
            out.reserveCapacity(raw.count)
            var index = raw.startIndex
            while index < raw.endIndex {
                guard raw[index] == UInt8(ascii: "&") else {
                    out.append(raw[index])
                    index += 1
                    continue
                }
                guard let end = raw[index...].prefix(12).firstIndex(of: UInt8(ascii: ";")) else { return nil }
                let entity = String(decoding: raw[(index + 1)..<end], as: UTF8.self)
                switch entity {
                case "lt": out.append(UInt8(ascii: "<"))
                case "gt": out.append(UInt8(ascii: ">"))
                case "amp": out.append(UInt8(ascii: "&"))
                case "quot": out.append(UInt8(ascii: "\""))
                case "apos": out.append(UInt8(ascii: "'"))
                default:
                    guard entity.hasPrefix("#") else { return nil }
                    let digits = entity.dropFirst()
                    let value = digits.hasPrefix("x") ? UInt32(digits.dropFirst(), radix: 16) : UInt32(digits, radix: 10)
                    guard let value, let scalar = Unicode.Scalar(value), value != 0 else { return nil }
                    out.append(contentsOf: Array(String(Character(scalar)).utf8))
                }
                index = end + 1
            }
            return out
        }
    }
}

/// Escapes text for an XML element or attribute value.
public func xmlEscape(_ text: String) -> String {
    var out = ""
    out.reserveCapacity(text.utf8.count)
    for character in text.unicodeScalars {
        switch character {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&apos;"
        case "\r": out += "&#13;"
        case "\n": out += "&#10;"
        default: out.unicodeScalars.append(character)
        }
    }
    return out
}

extension XMLTree {
    /// A new element (for documents AWSKit writes back, such as a bucket's notification configuration).
    public convenience init(_ name: String, text: String = "", children: [XMLTree] = [], attributes: [String: String] = [:]) {
        self.init(name: name, attributes: attributes, text: text, children: children)
    }

    /// The element written out as XML: attributes in name order, its text escaped, then its children
    /// in order (mixed content comes back as text first: S3's documents have none).
    public var xml: String {
        var out = "<" + name
        for (attribute, value) in attributes.sorted(by: { $0.key < $1.key }) {
            out += " \(attribute)=\"\(xmlEscape(value))\""
        }
        out += ">" + xmlEscape(text)
        for child in children { out += child.xml }
        return out + "</\(name)>"
    }
}
