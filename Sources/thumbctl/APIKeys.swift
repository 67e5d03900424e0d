import ArgumentParser
import Foundation
import ThumbCommandLine
import ThumbService

/// `thumbctl api-key create|list|revoke`: the keys of thumbd-api (`THUMBD_API_AUTH=keys`), kept in
/// the jobs table as SHA-256 hashes (`APIKeyStore`).
struct APIKeys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "api-key", abstract: "Create, list and revoke thumbd-api's API keys (in THUMBD_JOBS_TABLE).",
        subcommands: [Create.self, List.self, Revoke.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make a key for an owner; prints {\"id\", \"owner\", \"key\", \"webhook_secret\"} (the key once: only a hash is stored; the owner's webhook signing secret, made with its first key).")
        @OptionGroup var options: ServiceOptions
        @Option(help: "Who the key's jobs belong to: 1 to 128 of letters, digits, . _ @ + -.") var owner: String

        func validate() throws {
            guard APIKeyStore.isValidOwner(owner) else { throw ValidationError(APIKeyStore.InvalidOwner(owner: owner).description) }
        }

        func run() async throws {
            let store = try await APIKeys.store(options)
            // The secret first: should the key's write then fail, nothing is made that is never shown.
            let secret = try await WebhookSecretStore(dynamo: store.dynamo, table: store.table).ensure(owner: owner)
            let (entry, key) = try await store.create(owner: owner)
            let object: [String: String] = ["id": entry.id, "owner": entry.owner, "key": key, "webhook_secret": secret]
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
            print(String(decoding: data, as: UTF8.self))
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List every key (id, owner, created, revoked), newest first.")
        @OptionGroup var options: ServiceOptions
        @Flag(help: "One JSON object per line.") var json = false

        func run() async throws {
            let store = try await APIKeys.store(options)
            for entry in try await store.list() {
                let created = Timestamp.format(entry.createdAt)
                let revoked = entry.revokedAt.map(Timestamp.format)
                if json {
                    var object: [String: Any] = ["id": entry.id, "owner": entry.owner, "created_at": created]
                    object["revoked_at"] = revoked ?? NSNull()
                    let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
                    print(String(decoding: data, as: UTF8.self))
                } else {
                    print("\(entry.id)  \(entry.owner)  created \(created)\(revoked.map { "  revoked \($0)" } ?? "")")
                }
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a key by its id; it stops working at once.")
        @OptionGroup var options: ServiceOptions
        @Argument(help: "The key's id (from create or list).") var id: String

        func run() async throws {
            let store = try await APIKeys.store(options)
            guard try await store.revoke(id: id) else { throw ValidationError("no API key with id \(id)") }
            print("revoked \(id)")
        }
    }

    static func store(_ options: ServiceOptions) async throws -> APIKeyStore {
        let (settings, clients) = try await options.load()
        guard let table = settings.jobsTable else {
            throw ValidationError("no jobs table: set THUMBD_JOBS_TABLE (API keys are kept there)")
        }
        return APIKeyStore(dynamo: clients.dynamo, table: table)
    }
}
