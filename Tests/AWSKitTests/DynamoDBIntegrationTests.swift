import Foundation
import Testing

@testable import AWSKit

/// DynamoDB against moto_server with SigV4 checking on; boto3 reads and writes the same items, so the
/// wire form of every attribute type is checked against an independent client.
@Suite("DynamoDB against moto_server", .enabled(if: Moto.available, Moto.skipNote))
struct DynamoDBIntegrationTests {
    let dynamo = Moto.dynamoDB()

    private func makeTable() async throws -> String {
        let name = Moto.uniqueName("t")
        let created = try await dynamo.createTable(
            name: name, partitionKey: KeyAttribute("pk"),
            indexes: [GlobalSecondaryIndex(name: "by-owner", partitionKey: KeyAttribute("owner"), sortKey: KeyAttribute("created_at"))])
        #expect(created.tableName == name)
        return name
    }

    @Test("tables: create with an index, describe, TTL on, delete; a missing table is ResourceNotFoundException")
    func tableLifecycle() async throws {
        let name = try await makeTable()
        let table = try await dynamo.waitUntilActive(name: name, interval: .milliseconds(50))
        #expect(table.tableStatus == "ACTIVE")
        #expect(table.indexNames == ["by-owner"])
        #expect(table.tableArn?.hasSuffix(":table/\(name)") == true)

        try await dynamo.updateTimeToLive(table: name, attribute: "expires_at")
        let ttl = try await dynamo.describeTimeToLive(table: name)
        #expect(ttl.status == "ENABLED")
        #expect(ttl.attribute == "expires_at")

        let again = await #expect(throws: AWSServiceError.self) {
            _ = try await dynamo.createTable(name: name, partitionKey: KeyAttribute("pk"))
        }
        #expect(again?.code == "ResourceInUseException")

        try await dynamo.deleteTable(name: name)
        let missing = await #expect(throws: AWSServiceError.self) { _ = try await dynamo.describeTable(name: name) }
        #expect(missing?.isResourceNotFound == true)
    }

    @Test("every attribute type survives a round trip, and boto3 reads what we wrote and we read what it wrote")
    func attributeTypesAgainstBoto3() async throws {
        let table = try await makeTable()
        let item: DynamoDBItem = [
            "pk": .s("job#ünï cödé"), "n": .n("12345678901234567890.5"), "neg": .int(-7), "b": .b(Data([0, 1, 254, 255])),
            "yes": .bool(true), "nothing": .null, "m": .m(["inner": .s("x"), "count": .int(3)]),
            "l": .l([.s("a"), .int(1), .l([])]), "ss": .ss(["b", "a"]), "ns": .ns(["1", "2.5"]),
        ]
        try await dynamo.putItem(table: table, item: item)
        let read = try #require(try await dynamo.getItem(table: table, key: ["pk": .s("job#ünï cödé")], consistentRead: true))
        #expect(read["m"] == item["m"])
        #expect(read["l"] == item["l"])
        #expect(read["n"] == item["n"])
        #expect(read["b"] == item["b"])
        #expect(read["nothing"] == .null)
        #expect(Set(read["ss"].flatMap { if case .ss(let v) = $0 { v } else { nil } } ?? []) == ["a", "b"])

        struct Plain: Decodable, Equatable {
            let pk: String
            let n: String
            let neg: String
            let b: String
            let yes: Bool
            let m: [String: String]
            let ss: [String]
            let ns: [String]
        }
        let env = Moto.peerEnvironment()
        let seen = try PythonPeer.runJSON(
            "boto3_peer.py", [Moto.authURL!, "ddb-get", table, #"{"pk": "job#ünï cödé"}"#], environment: env, as: Plain.self)
        #expect(seen == Plain(pk: "job#ünï cödé", n: "12345678901234567890.5", neg: "-7", b: "0001feff", yes: true,
                              m: ["inner": "x", "count": "3"], ss: ["a", "b"], ns: ["1", "2.5"]))

        try PythonPeer.run(
            "boto3_peer.py", [Moto.authURL!, "ddb-put", table, #"{"pk": "from-boto3", "size": 42, "tags": ["x", 1], "ok": false}"#],
            environment: env)
        let fromBoto = try #require(try await dynamo.getItem(table: table, key: ["pk": .s("from-boto3")], consistentRead: true))
        #expect(fromBoto["size"]?.int == 42)
        #expect(fromBoto["tags"] == .l([.s("x"), .n("1")]))
        #expect(fromBoto["ok"] == .bool(false))
        #expect(try await dynamo.getItem(table: table, key: ["pk": .s("absent")]) == nil)
        try await dynamo.deleteTable(name: table)
    }

    @Test("conditional writes: create-only put, an update that holds and one that does not, a guarded delete")
    func conditionalWrites() async throws {
        let table = try await makeTable()
        let key: DynamoDBItem = ["pk": .s("job#1")]
        let item = key.merging(["status": .s("pending"), "attempts": .int(0)]) { a, _ in a }
        try await dynamo.putItem(table: table, item: item, condition: "attribute_not_exists(pk)")
        let duplicate = await #expect(throws: AWSServiceError.self) {
            try await dynamo.putItem(table: table, item: item, condition: "attribute_not_exists(pk)")
        }
        #expect(duplicate?.isConditionalCheckFailed == true)

        let started = try await dynamo.updateItem(
            table: table, key: key, update: "SET #s = :to, attempts = attempts + :one", condition: "#s IN (:pending, :processing)",
            attributes: ExpressionAttributes(
                names: ["#s": "status"],
                values: [":to": .s("processing"), ":one": .int(1), ":pending": .s("pending"), ":processing": .s("processing")]),
            returnValues: .allNew)
        #expect(started?["status"] == .s("processing"))
        #expect(started?["attempts"]?.int == 1)

        let backwards = await #expect(throws: AWSServiceError.self) {
            try await dynamo.updateItem(
                table: table, key: key, update: "SET #s = :to", condition: "#s = :from",
                attributes: ExpressionAttributes(names: ["#s": "status"], values: [":to": .s("pending"), ":from": .s("complete")]))
        }
        #expect(backwards?.isConditionalCheckFailed == true)
        #expect(try await dynamo.getItem(table: table, key: key, consistentRead: true)?["status"] == .s("processing"))

        let refused = await #expect(throws: AWSServiceError.self) {
            try await dynamo.deleteItem(
                table: table, key: key, condition: "#s = :done",
                attributes: ExpressionAttributes(names: ["#s": "status"], values: [":done": .s("complete")]))
        }
        #expect(refused?.isConditionalCheckFailed == true)
        let deleted = try await dynamo.deleteItem(table: table, key: key, returnValues: .allOld)
        #expect(deleted?["attempts"]?.int == 1)
        #expect(try await dynamo.getItem(table: table, key: key, consistentRead: true) == nil)
        try await dynamo.deleteTable(name: table)
    }

    @Test("batch reads: found items with a projection, missing keys left out, over 100 keys refused before sending")
    func batchGet() async throws {
        let table = try await makeTable()
        for index in 0..<5 {
            try await dynamo.putItem(table: table, item: ["pk": .s("job#\(index)"), "status": .s("s\(index)"), "big": .s("x")])
        }
        let keys: [DynamoDBItem] = (0..<7).map { ["pk": .s("job#\($0)")] }
        let items = try await dynamo.batchGetItem(
            table: table, keys: keys, consistentRead: true, projection: "#pk, #s", names: ["#pk": "pk", "#s": "status"])
        #expect(Set(items.compactMap { $0["pk"]?.string }) == Set((0..<5).map { "job#\($0)" }))
        #expect(items.allSatisfy { $0["big"] == nil && $0["status"] != nil }, "only the projected attributes")
        let one = try await dynamo.getItem(table: table, key: ["pk": .s("job#1")], consistentRead: true, projection: "#s", names: ["#s": "status"])
        #expect(one == ["status": .s("s1")])
        await #expect(throws: DynamoDBLimitViolation.self) {
            _ = try await dynamo.batchGetItem(table: table, keys: (0..<101).map { ["pk": .s("k\($0)")] })
        }
        try await dynamo.deleteTable(name: table)
    }

    @Test("query: an owner's items on the index newest first, in pages, with a filter")
    func queryPages() async throws {
        let table = try await makeTable()
        for index in 0..<7 {
            try await dynamo.putItem(
                table: table,
                item: ["pk": .s("job#\(index)"), "owner": .s(index == 3 ? "bob" : "alice"),
                       "created_at": .s("2026-11-30T12:00:0\(index)Z"), "status": .s(index % 2 == 0 ? "complete" : "failed")])
        }
        var seen: [String] = []
        var start: DynamoDBItem?
        var pages = 0
        repeat {
            let page = try await dynamo.query(
                table: table, index: "by-owner", keyCondition: "#o = :o",
                attributes: ExpressionAttributes(names: ["#o": "owner"], values: [":o": .s("alice")]), limit: 4, forward: false,
                startKey: start)
            seen += page.items.compactMap { $0["pk"]?.string }
            start = page.lastEvaluatedKey
            pages += 1
        } while start != nil && pages < 10
        #expect(seen == ["job#6", "job#5", "job#4", "job#2", "job#1", "job#0"])
        #expect(pages == 2)

        let failed = try await dynamo.query(
            table: table, index: "by-owner", keyCondition: "#o = :o", filter: "#s = :s",
            attributes: ExpressionAttributes(names: ["#o": "owner", "#s": "status"], values: [":o": .s("alice"), ":s": .s("failed")]),
            forward: false)
        #expect(failed.items.compactMap { $0["pk"]?.string } == ["job#5", "job#1"])
        try await dynamo.deleteTable(name: table)
    }
}
