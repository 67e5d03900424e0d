import Foundation

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// A parsed XML element: name (without namespace prefix), attributes, text and children. S3 answers
/// are small documents, read whole into this tree and then queried by path.
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

    /// Parses `data`; `nil` when it is not well-formed XML. External entities are never resolved.
    public static func parse(_ data: Data) -> XMLTree? {
        let builder = Builder()
        let parser = XMLParser(data: data)
        parser.shouldResolveExternalEntities = false
        parser.delegate = builder
        guard parser.parse() else { return nil }
        return builder.root
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

    private final class Builder: NSObject, XMLParserDelegate {
        struct Open {
            var name: String
            var attributes: [String: String]
            var text = ""
            var children: [XMLTree] = []
        }

        var stack: [Open] = []
        var root: XMLTree?

        func parser(
            _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
            attributes: [String: String] = [:]
        ) {
            let local = elementName.split(separator: ":").last.map(String.init) ?? elementName
            stack.append(Open(name: local, attributes: attributes))
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            guard !stack.isEmpty else { return }
            stack[stack.count - 1].text += string
        }

        func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
            guard let open = stack.popLast() else { return }
            let element = XMLTree(
                name: open.name, attributes: open.attributes,
                text: open.children.isEmpty ? open.text : open.text.trimmingCharacters(in: .whitespacesAndNewlines),
                children: open.children)
            if stack.isEmpty {
                root = element
            } else {
                stack[stack.count - 1].children.append(element)
            }
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
