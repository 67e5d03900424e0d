import ArgumentParser

@main
struct ThumbCtl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "thumbctl",
        abstract: "Set up and inspect thumbd's queues and buckets, and make thumbnails locally.",
        subcommands: [
            Setup.self, Teardown.self, Status.self, Watch.self, Unwatch.self, DeadLetters.self, APIKeys.self, WebhookSecrets.self, Resize.self,
        ])
}
