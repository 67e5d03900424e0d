import ArgumentParser
import Foundation
import ThumbCommandLine
import ThumbService

/// `thumbctl webhook-secret rotate --owner NAME`: a new signing secret for an owner's webhooks
/// (`WebhookSecretStore`). The old one keeps signing beside it for 24 hours, so a receiver can
/// switch over without refusing a delivery.
struct WebhookSecrets: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "webhook-secret", abstract: "Replace an owner's webhook signing secret (in THUMBD_JOBS_TABLE).",
        subcommands: [Rotate.self])

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make a new signing secret for an owner; prints {\"owner\", \"webhook_secret\", \"previous_valid_until\"} (null when it had none).")
        @OptionGroup var options: ServiceOptions
        @Option(help: "The owner whose webhooks it signs.") var owner: String

        func validate() throws {
            guard APIKeyStore.isValidOwner(owner) else { throw ValidationError(APIKeyStore.InvalidOwner(owner: owner).description) }
        }

        func run() async throws {
            let keys = try await APIKeys.store(options)
            let now = Date()
            let rotated = try await WebhookSecretStore(dynamo: keys.dynamo, table: keys.table).rotate(owner: owner, now: now)
            var object: [String: Any] = ["owner": owner, "webhook_secret": rotated.secret]
            object["previous_valid_until"] = rotated.previousValidUntil.map(Timestamp.format) ?? NSNull()
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
            print(String(decoding: data, as: UTF8.self))
        }
    }
}
