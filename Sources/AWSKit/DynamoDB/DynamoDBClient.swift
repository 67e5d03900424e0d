import Foundation

/// Amazon DynamoDB over its JSON 1.0 protocol: `POST /` with `X-Amz-Target: DynamoDB_20120810.<Operation>`,
/// signed for `dynamodb`. Covers what thumbd's job records need: tables, TTL, single-item reads and
/// conditional writes, and Query.
///
/// A condition that does not hold fails with `AWSServiceError` code `ConditionalCheckFailedException`
/// (`isConditionalCheckFailed`); the item then was not changed.
public struct DynamoDBClient: Sendable {
    public let client: AWSClient
    public let endpoint: Endpoint

    public init(client: AWSClient, endpoint: Endpoint) {
        self.client = client
        self.endpoint = endpoint
    }

    // MARK: Tables

    /// Creates an on-demand (`PAY_PER_REQUEST`) table. The table is `CREATING` at first: see `waitUntilActive`.
    /// - Throws: `AWSServiceError` `ResourceInUseException` when a table of that name exists.
    public func createTable(
        name: String, partitionKey: KeyAttribute, sortKey: KeyAttribute? = nil, indexes: [GlobalSecondaryIndex] = [],
        tags: [String: String] = [:]
    ) async throws -> TableDescription {
        var attributes: [String: String] = [partitionKey.name: partitionKey.type]
        if let sortKey { attributes[sortKey.name] = sortKey.type }
        for index in indexes {
            attributes[index.partitionKey.name] = index.partitionKey.type
            if let sortKey = index.sortKey { attributes[sortKey.name] = sortKey.type }
        }
        var body: [String: JSONValue] = [
            "TableName": .string(name), "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": .array(
                attributes.sorted { $0.key < $1.key }.map { ["AttributeName": .string($0.key), "AttributeType": .string($0.value)] }),
            "KeySchema": Self.keySchema(partitionKey, sortKey),
        ]
        if !indexes.isEmpty {
            body["GlobalSecondaryIndexes"] = .array(
                indexes.map { index in
                    [
                        "IndexName": .string(index.name), "KeySchema": Self.keySchema(index.partitionKey, index.sortKey),
                        "Projection": ["ProjectionType": "ALL"],
                    ]
                })
        }
        if !tags.isEmpty {
            body["Tags"] = .array(tags.sorted { $0.key < $1.key }.map { ["Key": .string($0.key), "Value": .string($0.value)] })
        }
        struct Output: Decodable { let TableDescription: TableDescription }
        return try await call("CreateTable", body, resource: name, as: Output.self).TableDescription
    }

    /// - Throws: `AWSServiceError` `ResourceNotFoundException` when there is no such table.
    public func describeTable(name: String) async throws -> TableDescription {
        struct Output: Decodable { let Table: TableDescription }
        return try await call("DescribeTable", ["TableName": .string(name)], resource: name, as: Output.self).Table
    }

    /// Polls DescribeTable (every `interval`) until the table is `ACTIVE`.
    /// - Throws: `AWSServiceError` from DescribeTable, or `CancellationError`.
    public func waitUntilActive(name: String, interval: Duration = .seconds(1), attempts: Int = 120) async throws -> TableDescription {
        var table = try await describeTable(name: name)
        var left = attempts
        while table.tableStatus != "ACTIVE", left > 0 {
            try await Task.sleep(for: interval)
            table = try await describeTable(name: name)
            left -= 1
        }
        return table
    }

    public func deleteTable(name: String) async throws {
        _ = try await send("DeleteTable", ["TableName": .string(name)], resource: name)
    }

    /// Turns TTL on (or off) for `attribute`, a Number of epoch seconds after which DynamoDB may
    /// delete the item (typically within days, not at once).
    public func updateTimeToLive(table: String, attribute: String, enabled: Bool = true) async throws {
        let body: [String: JSONValue] = [
            "TableName": .string(table),
            "TimeToLiveSpecification": ["AttributeName": .string(attribute), "Enabled": .bool(enabled)],
        ]
        _ = try await send("UpdateTimeToLive", body, resource: table)
    }

    /// The TTL attribute and status (`ENABLED`, `DISABLED`, ...).
    public func describeTimeToLive(table: String) async throws -> (status: String, attribute: String?) {
        struct Description: Decodable {
            let TimeToLiveStatus: String?
            let AttributeName: String?
        }
        struct Output: Decodable { let TimeToLiveDescription: Description? }
        let output = try await call("DescribeTimeToLive", ["TableName": .string(table)], resource: table, as: Output.self)
        return (output.TimeToLiveDescription?.TimeToLiveStatus ?? "DISABLED", output.TimeToLiveDescription?.AttributeName)
    }

    // MARK: Items

    /// Writes a whole item, replacing any item with its key unless `condition` says otherwise
    /// (`attribute_not_exists(pk)` creates only).
    /// - Throws: `AWSServiceError` (`ConditionalCheckFailedException` when the condition fails).
    public func putItem(
        table: String, item: DynamoDBItem, condition: String? = nil, attributes: ExpressionAttributes = .none
    ) async throws {
        var body: [String: JSONValue] = ["TableName": .string(table), "Item": item.json]
        Self.add(condition: condition, attributes: attributes, to: &body)
        _ = try await send("PutItem", body, resource: table)
    }

    /// The item with `key`, or `nil`. `consistentRead` sees every write that succeeded before it.
    /// - Parameters:
    ///   - projection: a ProjectionExpression (`#s, attempts`) to read only those attributes, with
    ///     its name placeholders in `names`.
    public func getItem(
        table: String, key: DynamoDBItem, consistentRead: Bool = false, projection: String? = nil, names: [String: String] = [:]
    ) async throws -> DynamoDBItem? {
        var body: [String: JSONValue] = ["TableName": .string(table), "Key": key.json, "ConsistentRead": .bool(consistentRead)]
        if let projection { body["ProjectionExpression"] = .string(projection) }
        if !names.isEmpty { body["ExpressionAttributeNames"] = .object(names.mapValues(JSONValue.string)) }
        struct Output: Decodable { let Item: DynamoDBItem? }
        return try await call("GetItem", body, resource: table, as: Output.self).Item
    }

    /// The items with these keys (up to 100, at most one read each), in no particular order; keys with
    /// no item are left out. Keys DynamoDB leaves unprocessed (throttling, the 16 MB answer limit) are
    /// asked again, up to `attempts` rounds.
    /// - Parameters:
    ///   - projection: a ProjectionExpression naming the attributes to read (the key among them, to
    ///     tell the items apart), with its name placeholders in `names`.
    /// - Throws: `AWSServiceError`; `DynamoDBLimitViolation` for more than 100 keys, or keys still
    ///   unprocessed after `attempts` rounds.
    public func batchGetItem(
        table: String, keys: [DynamoDBItem], consistentRead: Bool = false, projection: String? = nil,
        names: [String: String] = [:], attempts: Int = 3
    ) async throws -> [DynamoDBItem] {
        guard keys.count <= 100 else { throw DynamoDBLimitViolation("BatchGetItem takes at most 100 keys, not \(keys.count)") }
        var pending = keys
        var items: [DynamoDBItem] = []
        for _ in 0..<attempts where !pending.isEmpty {
            var request: [String: JSONValue] = ["Keys": .array(pending.map(\.json)), "ConsistentRead": .bool(consistentRead)]
            if let projection { request["ProjectionExpression"] = .string(projection) }
            if !names.isEmpty { request["ExpressionAttributeNames"] = .object(names.mapValues(JSONValue.string)) }
            struct Unprocessed: Decodable { let Keys: [DynamoDBItem]? }
            struct Output: Decodable {
                let Responses: [String: [DynamoDBItem]]?
                let UnprocessedKeys: [String: Unprocessed]?
            }
            let output = try await call("BatchGetItem", ["RequestItems": .object([table: .object(request)])], resource: table, as: Output.self)
            items += output.Responses?[table] ?? []
            pending = output.UnprocessedKeys?[table]?.Keys ?? []
        }
        guard pending.isEmpty else {
            throw DynamoDBLimitViolation("BatchGetItem left \(pending.count) keys unprocessed after \(attempts) rounds")
        }
        return items
    }

    /// Applies `update` (`SET #s = :s, attempts = attempts + :one`) if `condition` holds; creates
    /// the item when none has the key (unless the condition requires one).
    /// - Returns: the image `returnValues` asks for (`nil` with `.none`).
    /// - Throws: `AWSServiceError` (`ConditionalCheckFailedException` when the condition fails).
    @discardableResult
    public func updateItem(
        table: String, key: DynamoDBItem, update: String, condition: String? = nil,
        attributes: ExpressionAttributes = .none, returnValues: ReturnValues = .none
    ) async throws -> DynamoDBItem? {
        var body: [String: JSONValue] = [
            "TableName": .string(table), "Key": key.json, "UpdateExpression": .string(update),
            "ReturnValues": .string(returnValues.rawValue),
        ]
        Self.add(condition: condition, attributes: attributes, to: &body)
        struct Output: Decodable { let Attributes: DynamoDBItem? }
        let attributes = try await call("UpdateItem", body, resource: table, as: Output.self).Attributes
        return returnValues == .none ? nil : attributes
    }

    /// Deletes the item with `key` if `condition` holds (deleting a missing item succeeds).
    /// - Returns: the deleted item with `.allOld`.
    /// - Throws: `AWSServiceError` (`ConditionalCheckFailedException` when the condition fails).
    @discardableResult
    public func deleteItem(
        table: String, key: DynamoDBItem, condition: String? = nil, attributes: ExpressionAttributes = .none,
        returnValues: ReturnValues = .none
    ) async throws -> DynamoDBItem? {
        var body: [String: JSONValue] = [
            "TableName": .string(table), "Key": key.json, "ReturnValues": .string(returnValues.rawValue),
        ]
        Self.add(condition: condition, attributes: attributes, to: &body)
        struct Output: Decodable { let Attributes: DynamoDBItem? }
        let attributes = try await call("DeleteItem", body, resource: table, as: Output.self).Attributes
        return returnValues == .none ? nil : attributes
    }

    /// One page of the items matching `keyCondition` (`#o = :o AND created_at < :c`), in the sort
    /// key's order (`forward: false`: descending). `filter` is applied after `limit` items were read,
    /// so a page may hold fewer than `limit` and still have a next one.
    /// - Parameters:
    ///   - index: a global secondary index's name, or `nil` for the table itself.
    ///   - startKey: the previous page's `lastEvaluatedKey`.
    public func query(
        table: String, index: String? = nil, keyCondition: String, filter: String? = nil,
        attributes: ExpressionAttributes, limit: Int? = nil, forward: Bool = true, startKey: DynamoDBItem? = nil,
        consistentRead: Bool = false
    ) async throws -> QueryPage {
        var body: [String: JSONValue] = [
            "TableName": .string(table), "KeyConditionExpression": .string(keyCondition),
            "ScanIndexForward": .bool(forward), "ConsistentRead": .bool(consistentRead),
        ]
        if let index { body["IndexName"] = .string(index) }
        if let filter { body["FilterExpression"] = .string(filter) }
        if let limit { body["Limit"] = .int(limit) }
        if let startKey { body["ExclusiveStartKey"] = startKey.json }
        Self.add(condition: nil, attributes: attributes, to: &body)
        struct Output: Decodable {
            let Items: [DynamoDBItem]?
            let LastEvaluatedKey: DynamoDBItem?
        }
        let output = try await call("Query", body, resource: index.map { "\(table)/\($0)" } ?? table, as: Output.self)
        return QueryPage(items: output.Items ?? [], lastEvaluatedKey: output.LastEvaluatedKey)
    }

    // MARK: Wire

    private static func keySchema(_ partition: KeyAttribute, _ sort: KeyAttribute?) -> JSONValue {
        var schema: [JSONValue] = [["AttributeName": .string(partition.name), "KeyType": "HASH"]]
        if let sort { schema.append(["AttributeName": .string(sort.name), "KeyType": "RANGE"]) }
        return .array(schema)
    }

    private static func add(condition: String?, attributes: ExpressionAttributes, to body: inout [String: JSONValue]) {
        if let condition { body["ConditionExpression"] = .string(condition) }
        if !attributes.names.isEmpty { body["ExpressionAttributeNames"] = .object(attributes.names.mapValues(JSONValue.string)) }
        if !attributes.values.isEmpty { body["ExpressionAttributeValues"] = attributes.values.json }
    }

    private var wire: JSONProtocol {
        JSONProtocol(
            client: client, endpoint: endpoint, service: "DynamoDB", signingName: "dynamodb", targetPrefix: "DynamoDB_20120810",
            parseError: JSONErrorParser.parse)
    }

    private func call<Output: Decodable>(
        _ operation: String, _ body: [String: JSONValue], resource: String, as type: Output.Type
    ) async throws -> Output {
        try await wire.call(operation, body, resource: resource, as: type)
    }

    private func send(_ operation: String, _ body: [String: JSONValue], resource: String) async throws -> HTTPResponse {
        try await wire.send(operation, body, resource: resource)
    }
}

/// A request DynamoDB would refuse, refused before it is sent.
public struct DynamoDBLimitViolation: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

extension AWSServiceError {
    /// A conditional write whose condition did not hold (the item is unchanged).
    public var isConditionalCheckFailed: Bool { code == "ConditionalCheckFailedException" }
    /// DynamoDB's answer for a table (or index) that does not exist.
    public var isResourceNotFound: Bool { code == "ResourceNotFoundException" }
}
