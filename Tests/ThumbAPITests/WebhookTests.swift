import AWSKit
import Foundation
import TestSupport
import Testing

@testable import ThumbAPI
@testable import ThumbService

/// The callback URL rule, decided before any connection is made.
@Suite("Webhooks: where they may go")
struct CallbackURLRuleTests {
    let strict = CallbackURLRule(allowHTTP: false, allowPrivate: false)
    let local = CallbackURLRule(allowHTTP: true, allowPrivate: true)

    func refused(_ rule: CallbackURLRule, _ url: String) -> String? {
        do {
            _ = try rule.check(url)
            return nil
        } catch let problem as Problem {
            #expect(problem.code == "invalid_callback_url" && problem.status.code == 422)
            return problem.detail
        } catch {
            return "\(error)"
        }
    }

    @Test("https with a public name or address passes; the fragment is dropped")
    func allowed() throws {
        #expect(try strict.check("https://hooks.example.com/thumbd?token=abc#frag") == "https://hooks.example.com/thumbd?token=abc")
        #expect(try strict.check("https://93.184.216.34:8443/h") == "https://93.184.216.34:8443/h")
        #expect(try strict.check("https://[2606:2800:220:1:248:1893:25c8:1946]/h").hasPrefix("https://["))
    }

    @Test("refused at submission: plain http, user info, no host, and literal addresses of every forbidden kind")
    func refusals() {
        for url in [
            "http://hooks.example.com/", "ftp://hooks.example.com/", "https://user:pass@hooks.example.com/", "https:///path", "not a url",
            "https://127.0.0.1/", "https://127.1/", "https://2130706433/", "https://0x7f000001/", "https://10.1.2.3/", "https://172.16.0.1/",
            "https://192.168.1.1/", "https://100.64.0.1/", "https://169.254.169.254/latest/meta-data/", "https://0.0.0.0/",
            "https://224.0.0.1/", "https://255.255.255.255/", "https://[::1]/", "https://[::]/", "https://[::ffff:127.0.0.1]/",
            "https://[::ffff:8.8.8.8]/", "https://[fe80::1]/", "https://[fc00::1]/", "https://[fd00:ec2::254]/", "https://[ff02::1]/",
            "https://[64:ff9b::a9fe:a9fe]/", "https://hooks.example.com/" + String(repeating: "a", count: 2100),
        ] {
            #expect(refused(strict, url) != nil, "\(url) passed")
        }
        #expect(refused(strict, "https://169.254.169.254/")?.contains("metadata") == true)
    }

    @Test("THUMBD_WEBHOOK_ALLOW_HTTP and _PRIVATE open http, loopback and private addresses, never link-local, multicast or mapped")
    func localUse() {
        for url in ["http://127.0.0.1:9000/", "http://10.0.0.5/", "https://[::1]:8443/", "https://[fd12::1]/"] {
            #expect(refused(local, url) == nil, "\(url) refused")
        }
        for url in ["http://169.254.169.254/", "http://[fd00:ec2::254]/", "http://[::ffff:127.0.0.1]/", "http://224.0.0.1/", "http://0.0.0.0/"] {
            #expect(refused(local, url) != nil, "\(url) passed")
        }
    }
}

/// One attempt through `WebhookSender`, to the Python receiver on 127.0.0.1.
@Suite("Webhooks: the connect-time check and the signature")
struct WebhookSenderTests {
    func receiver(_ statuses: String = "") throws -> (PeerProcess, URL, String) {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("webhooks-\(UUID().uuidString).jsonl")
        let secret = WebhookSecretStore.newSecret()
        return (try PeerProcess("webhook_receiver.py", [log.path, secret, statuses]), log, secret)
    }

    static func entries(_ log: URL) -> [[String: Any]] {
        ((try? String(contentsOf: log, encoding: .utf8)) ?? "").split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    @Test("a name that resolves to loopback is refused at connect time when private addresses are not allowed: nothing reaches the server")
    func connectTimeRefusal() async throws {
        let (peer, log, secret) = try receiver()
        defer { peer.stop() }
        let rule = CallbackURLRule(allowHTTP: true, allowPrivate: false)
        let url = "http://localhost:\(peer.port)/hook"
        #expect(try rule.check(url) == url, "a name passes at submission: only its address can be judged")
        let sender = WebhookSender(transport: WebhookSender.makeTransport(), rule: rule)
        let key = try #require(WebhookSecretStore.key(of: secret))
        let attempt = await sender.send(to: url, id: "evt_1", at: Date(), body: Data("{}".utf8), keys: [key])
        #expect(!attempt.succeeded && attempt.status == nil)
        #expect(attempt.error == "the callback URL's host resolves to an address webhooks may not reach", "\(attempt)")
        #expect(attempt.detail?.contains("addressRefused") == true, "\(attempt)")
        #expect(attempt.error?.contains("127.0.0.1") == false && attempt.error?.contains("::1") == false, "no address in what the owner sees")
        try await Task.sleep(for: .milliseconds(300))
        #expect(Self.entries(log).isEmpty, "a connection was made")

        // The same with private addresses allowed: delivered, and the Python verifier accepts it.
        let open = WebhookSender(transport: WebhookSender.makeTransport(), rule: CallbackURLRule(allowHTTP: true, allowPrivate: true))
        let body = Data(#"{"type":"job.complete","timestamp":"2026-11-30T12:00:00.000Z","data":{"id":"x"}}"#.utf8)
        let delivered = await open.send(to: url, id: "evt_2", at: Date(), body: body, keys: [key])
        #expect(delivered.succeeded && delivered.status == 204, "\(delivered)")
        let entry = try #require(Self.entries(log).first)
        #expect(entry["verified"] as? Bool == true, "\(entry)")
        #expect(entry["id"] as? String == "evt_2" && entry["path"] as? String == "/hook")
        #expect(entry["body"] as? String == String(decoding: body, as: UTF8.self))
    }

    @Test("a redirect is not followed; a rotated-out secret signs beside the new one; a wrong key does not verify")
    func redirectsAndKeys() async throws {
        let (peer, log, secret) = try receiver("302")
        defer { peer.stop() }
        let sender = WebhookSender(transport: WebhookSender.makeTransport(), rule: CallbackURLRule(allowHTTP: true, allowPrivate: true))
        let key = try #require(WebhookSecretStore.key(of: secret))
        let other = try #require(WebhookSecretStore.key(of: WebhookSecretStore.newSecret()))
        let redirected = await sender.send(to: "\(peer.url)/a", id: "evt_3", at: Date(), body: Data("{}".utf8), keys: [key])
        #expect(redirected.status == 302 && redirected.error?.contains("redirects are not followed") == true)
        let both = await sender.send(to: "\(peer.url)/a", id: "evt_4", at: Date(), body: Data("{}".utf8), keys: [other, key])
        #expect(both.succeeded)
        let wrong = await sender.send(to: "\(peer.url)/a", id: "evt_5", at: Date(), body: Data("{}".utf8), keys: [other])
        #expect(wrong.succeeded, "the receiver answers 204 either way")
        let entries = Self.entries(log)
        #expect(entries.count == 3)
        #expect(entries.map { $0["verified"] as? Bool } == [true, true, false], "\(entries)")
        #expect((entries[1]["signature"] as? String)?.split(separator: " ").count == 2)
    }
}

@Suite("Webhooks: settings")
struct WebhookSettingsTests {
    func settings(_ environment: [String: String]) throws -> APISettings {
        let base = ["THUMBD_JOBS_TABLE": "t", "THUMBD_UPLOAD_BUCKET": "u", "THUMBD_OUTPUT_BUCKET": "o"]
        let source = Settings.Source(environment: base.merging(environment) { _, new in new })
        return try APISettings(source, settings: try Settings(source))
    }

    @Test("THUMBD_WEBHOOK_RETRY_DELAYS: the Standard Webhooks schedule by default; whole seconds within SQS's visibility limit; the flags are booleans")
    func retryDelays() throws {
        #expect(try settings([:]).webhookRetryDelays == [5, 300, 1800, 7200, 18000, 36000, 36000])
        #expect(try settings(["THUMBD_WEBHOOK_RETRY_DELAYS": "1, 2,3"]).webhookRetryDelays == [1, 2, 3])
        #expect(try settings(["THUMBD_WEBHOOK_RETRY_DELAYS": ""]).webhookRetryDelays.count == 7, "empty is unset, as for every setting")
        for bad in ["1,,2", "x", "-1", "43001", String(repeating: "1,", count: 21) + "1"] {
            #expect(throws: Settings.InvalidSetting.self, "\(bad)") { try settings(["THUMBD_WEBHOOK_RETRY_DELAYS": bad]) }
        }
        let rule = try settings(["THUMBD_WEBHOOK_ALLOW_HTTP": "true"]).callbackRule
        #expect(rule.allowHTTP && !rule.allowPrivate)
        #expect(throws: Settings.InvalidSetting.self) { try settings(["THUMBD_WEBHOOK_ALLOW_PRIVATE": "maybe"]) }
    }
}

@Suite("Webhooks: signing secrets", .enabled(if: Moto.available, Moto.skipNote))
struct WebhookSecretStoreTests {
    @Test("one secret per owner; a rotation keeps the old one signing for 24 hours, then only the new")
    func rotation() async throws {
        let table = "whsec-\(UUID().uuidString.prefix(8).lowercased())"
        try await JobsTable.create(name: table, dynamo: Moto.clients.dynamo)
        let store = WebhookSecretStore(dynamo: Moto.clients.dynamo, table: table)
        let now = Date()
        #expect(try await store.secrets(owner: "carol", now: now) == nil)
        let first = try await store.ensure(owner: "carol", now: now)
        #expect(try await store.ensure(owner: "carol", now: now) == first, "ensure keeps the secret it finds")
        let fresh = try await store.rotate(owner: "dave", now: now)
        #expect(fresh.previousValidUntil == nil, "nothing to keep for an owner without a secret")
        let rotated = try await store.rotate(owner: "carol", now: now)
        #expect(rotated.secret != first && WebhookSecretStore.key(of: rotated.secret)?.count == 32)
        #expect(try await store.secrets(owner: "carol", now: now.addingTimeInterval(3600)) == .init(current: rotated.secret, previous: first))
        #expect(try await store.secrets(owner: "carol", now: now.addingTimeInterval(86_401)) == .init(current: rotated.secret, previous: nil))
        await #expect(throws: APIKeyStore.InvalidOwner.self) { try await store.rotate(owner: "no spaces") }
    }
}
