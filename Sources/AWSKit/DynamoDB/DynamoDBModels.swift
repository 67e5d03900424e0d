/// Shapes of the DynamoDB operations AWSKit calls, named as botocore's
/// `dynamodb/2012-08-10/service-2.json` names them.

/// A key attribute: its name and scalar type (`S`, `N` or `B`).
public struct KeyAttribute: Sendable, Equatable {
    public var name: String
    public var type: String

    public init(_ name: String, _ type: String = "S") {
        self.name = name
        self.type = type
    }
}

/// A global secondary index projecting every attribute (`ProjectionType: ALL`).
public struct GlobalSecondaryIndex: Sendable, Equatable {
    public var name: String
    public var partitionKey: KeyAttribute
    public var sortKey: KeyAttribute?

    public init(name: String, partitionKey: KeyAttribute, sortKey: KeyAttribute? = nil) {
        self.name = name
        self.partitionKey = partitionKey
        self.sortKey = sortKey
    }
}

/// What DescribeTable and CreateTable answer (the members thumbd reads).
public struct TableDescription: Sendable, Decodable, Equatable {
    public let tableName: String
    /// `CREATING`, `ACTIVE`, `UPDATING`, `DELETING`...
    public let tableStatus: String
    public let tableArn: String?
    public let itemCount: Int?
    public let indexNames: [String]

    enum CodingKeys: String, CodingKey {
        case tableName = "TableName", tableStatus = "TableStatus", tableArn = "TableArn", itemCount = "ItemCount"
        case indexes = "GlobalSecondaryIndexes"
    }

    private struct Index: Decodable { let IndexName: String }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        tableName = try container.decode(String.self, forKey: .tableName)
        tableStatus = try container.decodeIfPresent(String.self, forKey: .tableStatus) ?? "ACTIVE"
        tableArn = try container.decodeIfPresent(String.self, forKey: .tableArn)
        itemCount = try container.decodeIfPresent(Int.self, forKey: .itemCount)
        indexNames = (try container.decodeIfPresent([Index].self, forKey: .indexes) ?? []).map(\.IndexName)
    }
}

/// Placeholders of an expression: `#name` to attribute name, `:value` to value. DynamoDB refuses
/// placeholders an expression does not use, so each call passes only its own.
public struct ExpressionAttributes: Sendable, Equatable {
    public var names: [String: String]
    public var values: DynamoDBItem

    public init(names: [String: String] = [:], values: DynamoDBItem = [:]) {
        self.names = names
        self.values = values
    }

    public static let none = ExpressionAttributes()

}

/// One page of a Query: the items, and the key to start the next page from (`nil` on the last).
public struct QueryPage: Sendable {
    public let items: [DynamoDBItem]
    public let lastEvaluatedKey: DynamoDBItem?
}

/// Which item image an UpdateItem or DeleteItem answers with (`ReturnValues`).
public enum ReturnValues: String, Sendable {
    case none = "NONE", allOld = "ALL_OLD", allNew = "ALL_NEW", updatedNew = "UPDATED_NEW"
}
