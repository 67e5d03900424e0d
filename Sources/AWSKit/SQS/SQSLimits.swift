/// A request that breaks an SQS limit (batch size, message size, characters, ranges): nothing was sent.
public struct SQSLimitViolation: Error, Sendable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// The limits SQS enforces, checked before a request is sent.
enum SQSLimits {

    static func size(body: String, attributes: [String: MessageAttributeValue]) -> Int {
        body.utf8.count + attributes.reduce(0) { $0 + $1.value.size(name: $1.key) }
    }

    static func checkMessage(body: String, attributes: [String: MessageAttributeValue], delaySeconds: Int?) throws {
        guard !body.isEmpty else { throw SQSLimitViolation("an SQS message body cannot be empty") }
        let total = size(body: body, attributes: attributes)
        guard total <= SQSClient.maxMessageBytes else {
            throw SQSLimitViolation("the message is \(total) bytes with its attributes; SQS takes at most \(SQSClient.maxMessageBytes)")
        }
        guard attributes.count <= 10 else {
            throw SQSLimitViolation("a message has \(attributes.count) attributes; SQS takes at most 10")
        }
        if let delaySeconds, !(0...900).contains(delaySeconds) {
            throw SQSLimitViolation("DelaySeconds must be 0 to 900, not \(delaySeconds)")
        }
        // SQS accepts only #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF.
        if let bad = body.unicodeScalars.first(where: { !isAllowed($0) }) {
            throw SQSLimitViolation("the message body holds U+\(String(bad.value, radix: 16, uppercase: true)), which SQS refuses")
        }
    }

    static func isAllowed(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x9, 0xA, 0xD, 0x20...0xD7FF, 0xE000...0xFFFD, 0x10000...0x10FFFF: return true
        default: return false
        }
    }

    static func checkBatch(ids: [String]) throws {
        guard !ids.isEmpty else { throw SQSLimitViolation("a batch needs at least one entry") }
        guard ids.count <= SQSClient.maxBatchEntries else {
            throw SQSLimitViolation("a batch has \(ids.count) entries; SQS takes at most \(SQSClient.maxBatchEntries)")
        }
        guard Set(ids).count == ids.count else { throw SQSLimitViolation("batch entry ids must be distinct") }
        for id in ids {
            let valid = (1...80).contains(id.utf8.count)
                && id.utf8.allSatisfy { URIEncoding.isUnreserved($0) && $0 != UInt8(ascii: ".") && $0 != UInt8(ascii: "~") }
            guard valid else { throw SQSLimitViolation("batch entry id \"\(id)\" must be 1 to 80 letters, digits, - or _") }
        }
    }

    static func checkVisibility(_ seconds: Int) throws {
        guard (0...43200).contains(seconds) else {
            throw SQSLimitViolation("a visibility timeout must be 0 to 43200 seconds, not \(seconds)")
        }
    }

    static func checkDigest(_ digest: String?, of body: String, what: String) throws {
        guard let digest else { return }
        let actual = Hashing.hex(Hashing.md5(Array(body.utf8)))
        guard digest.lowercased() == actual else {
            throw SQSLimitViolation("\(what): SQS reports body MD5 \(digest) but the body's MD5 is \(actual): corrupted in transit")
        }
    }
}
