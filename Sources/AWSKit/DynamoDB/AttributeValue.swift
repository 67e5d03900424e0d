import Foundation

/// One DynamoDB attribute value in the wire form of the JSON 1.0 protocol: an object with exactly
/// one member naming its type (`{"S": "text"}`, `{"N": "42"}`, `{"M": {...}}`). Numbers travel as
/// decimal strings (up to 38 digits of precision, DynamoDB's own limit), so none is rounded here.
/// Shapes: `AttributeValue` in botocore's `dynamodb/2012-08-10/service-2.json`.
public indirect enum AttributeValue: Sendable, Equatable, Codable, Hashable {
    case s(String)
    case n(String)
    case b(Data)
    case bool(Bool)
    case null
    case m([String: AttributeValue])
    case l([AttributeValue])
    case ss([String])
    case ns([String])

    /// A number from an integer (`N`).
    public static func int(_ value: Int) -> AttributeValue { .n(String(value)) }

    public var string: String? { if case .s(let value) = self { value } else { nil } }
    public var int: Int? { if case .n(let value) = self { Int(value) } else { nil } }
    public var boolValue: Bool? { if case .bool(let value) = self { value } else { nil } }
    public var map: [String: AttributeValue]? { if case .m(let value) = self { value } else { nil } }
    public var list: [AttributeValue]? { if case .l(let value) = self { value } else { nil } }

    private enum Tag: String, CodingKey { case S, N, B, BOOL, NULL, M, L, SS, NS }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Tag.self)
        switch self {
        case .s(let value): try container.encode(value, forKey: .S)
        case .n(let value): try container.encode(value, forKey: .N)
        case .b(let value): try container.encode(value.base64EncodedString(), forKey: .B)
        case .bool(let value): try container.encode(value, forKey: .BOOL)
        case .null: try container.encode(true, forKey: .NULL)
        case .m(let value): try container.encode(value, forKey: .M)
        case .l(let value): try container.encode(value, forKey: .L)
        case .ss(let value): try container.encode(value, forKey: .SS)
        case .ns(let value): try container.encode(value, forKey: .NS)
        }
    }

    /// - Throws: `DecodingError` when the object holds no known type member, or more than one.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Tag.self)
        guard container.allKeys.count == 1, let tag = container.allKeys.first else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "an AttributeValue holds exactly one type member"))
        }
        switch tag {
        case .S: self = .s(try container.decode(String.self, forKey: .S))
        case .N: self = .n(try container.decode(String.self, forKey: .N))
        case .B:
            let text = try container.decode(String.self, forKey: .B)
            guard let data = Data(base64Encoded: text) else {
                throw DecodingError.dataCorruptedError(forKey: .B, in: container, debugDescription: "B is not base64")
            }
            self = .b(data)
        case .BOOL: self = .bool(try container.decode(Bool.self, forKey: .BOOL))
        case .NULL: self = .null
        case .M: self = .m(try container.decode([String: AttributeValue].self, forKey: .M))
        case .L: self = .l(try container.decode([AttributeValue].self, forKey: .L))
        case .SS: self = .ss(try container.decode([String].self, forKey: .SS))
        case .NS: self = .ns(try container.decode([String].self, forKey: .NS))
        }
    }

    /// The value as a request-body member.
    var json: JSONValue {
        switch self {
        case .s(let value): ["S": .string(value)]
        case .n(let value): ["N": .string(value)]
        case .b(let value): ["B": .string(value.base64EncodedString())]
        case .bool(let value): ["BOOL": .bool(value)]
        case .null: ["NULL": true]
        case .m(let value): ["M": .object(value.mapValues(\.json))]
        case .l(let value): ["L": .array(value.map(\.json))]
        case .ss(let value): ["SS": .array(value.map(JSONValue.string))]
        case .ns(let value): ["NS": .array(value.map(JSONValue.string))]
        }
    }
}

/// An item: attribute name to value.
public typealias DynamoDBItem = [String: AttributeValue]

extension Dictionary where Key == String, Value == AttributeValue {
    var json: JSONValue { .object(mapValues(\.json)) }
}
