import Foundation
import Synchronization
import Testing
import AWSKitTesting

@testable import AWSKit

@Suite("Retries (standard mode)")
struct RetryTests {
    final class Delays: Sendable {
        let values = Mutex<[TimeInterval]>([])
        func append(_ value: TimeInterval) { values.withLock { $0.append(value) } }
        var all: [TimeInterval] { values.withLock { $0 } }
    }

    func client(_ transport: ScriptedTransport, maxAttempts: Int = 3) -> (SQSClient, Delays) {
        let delays = Delays()
        let aws = AWSClient(
            transport: transport, credentials: StaticCredentialProvider(Credentials(accessKeyId: "AKID", secretAccessKey: "s")),
            region: "us-east-1", retryPolicy: RetryPolicy(maxAttempts: maxAttempts, baseDelay: 1, maxBackoff: 20),
            sleep: { seconds in delays.append(seconds) })
        return (SQSClient(client: aws, endpoint: Endpoint(host: "sqs.us-east-1.amazonaws.com")), delays)
    }

    static let throttled = #"{"__type":"com.amazonaws.sqs#ThrottlingException","message":"Rate exceeded"}"#

    @Test("5xx, 429, throttling codes and connection failures are retried, then succeed")
    func retriesTransientFailures() async throws {
        for failure: ScriptedTransport.Step in [
            .respond(500, ""), .respond(503, ""), .respond(429, ""), .respond(400, Self.throttled), .fail(.connection), .fail(.timeout),
        ] {
            let transport = ScriptedTransport([failure, failure])
            let (sqs, delays) = client(transport)
            _ = try await sqs.listQueues()
            #expect(transport.attempts == 3, "\(failure)")
            let waited = delays.all
            #expect(waited.count == 2)
            #expect(waited[0] >= 0 && waited[0] <= 1, "random(0..1) x 1 s")
            #expect(waited[1] >= 0 && waited[1] <= 2, "random(0..1) x 2 s")
        }
    }

    @Test("each attempt is signed afresh and says which attempt it is")
    func attemptsAreSignedAgain() async throws {
        let transport = ScriptedTransport([.respond(503, "")])
        let (sqs, _) = client(transport)
        _ = try await sqs.listQueues()
        let sent = transport.requests
        #expect(sent.map { $0.headers["amz-sdk-request"] } == ["attempt=1; max=3", "attempt=2; max=3"])
        #expect(sent.allSatisfy { $0.headers["Authorization"]?.hasPrefix("AWS4-HMAC-SHA256 Credential=AKID/") == true })
        #expect(Set(sent.map { $0.headers["amz-sdk-invocation-id"] ?? "" }).count == 1)
    }

    @Test("other 4xx answers are never retried")
    func clientErrorsAreFinal() async throws {
        let body = #"{"__type":"com.amazonaws.sqs#QueueDoesNotExist","message":"The specified queue does not exist."}"#
        let transport = ScriptedTransport([.respond(400, body)])
        let (sqs, _) = client(transport)
        let error = await #expect(throws: AWSServiceError.self) { _ = try await sqs.getQueueUrl(name: "q") }
        #expect(transport.attempts == 1)
        #expect(error?.code == "QueueDoesNotExist")
        #expect(error?.requestId == "req-400")
        #expect(error?.isRetryable == false)
    }

    @Test("attempts stop at the maximum and the last error is thrown; TLS failures are final")
    func maximumAttempts() async throws {
        let transport = ScriptedTransport(Array(repeating: .respond(503, ""), count: 10))
        let (sqs, delays) = client(transport, maxAttempts: 5)
        let error = await #expect(throws: AWSServiceError.self) { _ = try await sqs.listQueues() }
        #expect(error?.status == 503)
        #expect(transport.attempts == 5)
        #expect(delays.all.count == 4)

        let tls = ScriptedTransport([.fail(.tls)])
        _ = await #expect(throws: HTTPError.self) { _ = try await client(tls).0.listQueues() }
        #expect(tls.attempts == 1)
    }

    @Test("the delay grows as random x min(2^n x base, 20 s)")
    func backoffFormula() {
        let policy = RetryPolicy(maxAttempts: 10, baseDelay: 1, maxBackoff: 20)
        #expect(policy.delay(beforeRetry: 1, random: 1) == 1)
        #expect(policy.delay(beforeRetry: 3, random: 1) == 4)
        #expect(policy.delay(beforeRetry: 5, random: 0.5) == 8)
        #expect(policy.delay(beforeRetry: 9, random: 1) == 20)
        #expect(policy.delay(beforeRetry: 9, random: 0) == 0)
        #expect(RetryPolicy.standard(environment: ["AWS_MAX_ATTEMPTS": "7"]).maxAttempts == 7)
        #expect(RetryPolicy.standard(environment: ["AWS_MAX_ATTEMPTS": "zero"]).maxAttempts == 3)
    }

    @Test("the retry quota runs dry during an outage, so retries stop multiplying load")
    func retryQuota() async throws {
        let transport = ScriptedTransport(Array(repeating: .respond(500, ""), count: 1000))
        let (sqs, _) = client(transport)
        for _ in 0..<60 {
            _ = try? await sqs.listQueues()
        }
        // 500 tokens at 5 a retry: 100 retries in all, then every call gets a single attempt.
        #expect(transport.attempts == 60 + 100)
        #expect(sqs.client.retryQuota.available < 5)
        // Successes refill it.
        let quota = RetryQuota()
        let taken = try #require(quota.acquire(afterTimeout: true))
        #expect(taken == 10)
        quota.release(taken)
        #expect(quota.available == RetryQuota.initialTokens)
    }
}
