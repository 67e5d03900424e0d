import AWSKit
import Foundation
import Synchronization

/// An `HTTPTransport` that answers from a script instead of a network, for testing code built on
/// AWSKit in-process and in milliseconds: the retry loop, or a whole worker whose SQS and S3 calls
/// get scripted answers. Requests go through the real clients (signing, encoding, error parsing);
/// only the wire is replaced.
///
/// Answers come from, in this order: a handler for the request's operation (`on(_:_:)`), else the
/// next of the sequential steps given to `init`, else `200 {}`. Every request is recorded.
///
/// ```swift
/// let transport = ScriptedTransport()
/// transport.on(.sqs("ReceiveMessage")) { _ in .sqsJSON(["Messages": []]) }
/// transport.on(.s3("GET")) { _ in .respond(200, body: jpegBytes) }
/// ```
public final class ScriptedTransport: HTTPTransport {
    /// One answer.
    public enum Step: Sendable {
        /// An HTTP response.
        case respond(Int, headers: [String: String] = [:], body: Data = Data())
        /// A transport failure (no response): a refused connection, a timeout.
        case fail(HTTPError.Kind)

        /// A response with a UTF-8 body.
        public static func respond(_ status: Int, _ body: String) -> Step { .respond(status, body: Data(body.utf8)) }

        /// A 200 answer of the SQS JSON protocol (AWS JSON 1.0) with `object` as its body.
        public static func sqsJSON(_ object: [String: Any]) -> Step {
            let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
            return .respond(200, headers: ["Content-Type": "application/x-amz-json-1.0"], body: data)
        }

        /// An SQS JSON-protocol error: `__type` is `com.amazonaws.sqs#<code>`.
        public static func sqsError(_ status: Int, _ code: String, _ message: String = "scripted") -> Step {
            .respond(status, #"{"__type":"com.amazonaws.sqs#\#(code)","message":"\#(message)"}"#)
        }

        /// An S3 REST XML error.
        public static func s3Error(_ status: Int, _ code: String, _ message: String = "scripted") -> Step {
            .respond(status, headers: ["Content-Type": "application/xml"],
                     body: Data("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>\(code)</Code><Message>\(message)</Message></Error>".utf8))
        }
    }

    /// Which requests a handler answers.
    public enum Operation: Hashable, Sendable {
        /// An SQS action by name (`ReceiveMessage`, the `X-Amz-Target` header's part after the dot).
        case sqs(String)
        /// Any S3 request with this method (`GET`, `PUT`, `HEAD`...).
        case s3(String)
    }

    public typealias Handler = @Sendable (HTTPRequest) async throws -> Step

    private let steps: Mutex<[Step]>
    private let handlers = Mutex<[Operation: Handler]>([:])
    private let sent = Mutex<[HTTPRequest]>([])

    /// - Parameter steps: answers, in order, for requests no handler takes.
    public init(_ steps: [Step] = []) {
        self.steps = Mutex(steps)
    }

    /// Answers every request of `operation` with `handler` (replacing an earlier one). The handler may
    /// suspend (a long poll) and should end when its task is cancelled.
    public func on(_ operation: Operation, _ handler: @escaping Handler) {
        handlers.withLock { $0[operation] = handler }
    }

    /// The operation a request is: SQS by its `X-Amz-Target`, anything else as S3 by its method.
    public static func operation(of request: HTTPRequest) -> Operation {
        if let target = request.headers["X-Amz-Target"], let action = target.split(separator: ".").last {
            return .sqs(String(action))
        }
        return .s3(request.method)
    }

    public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        sent.withLock { $0.append(request) }
        let operation = Self.operation(of: request)
        let step: Step
        if let handler = handlers.withLock({ $0[operation] }) {
            step = try await handler(request)
        } else {
            step = steps.withLock { $0.isEmpty ? .respond(200, "{}") : $0.removeFirst() }
        }
        switch step {
        case .respond(let status, let headers, let body):
            var fields: HTTPHeaders = ["x-amzn-RequestId": "req-\(status)"]
            for (name, value) in headers.sorted(by: { $0.key < $1.key }) { fields.replaceOrAdd(name: name, value: value) }
            return HTTPResponse(status: status, headers: fields, body: body)
        case .fail(let kind):
            throw HTTPError(kind: kind, message: "scripted", target: "\(request.method) \(request.path)")
        }
    }

    /// Every request so far, in order.
    public var requests: [HTTPRequest] { sent.withLock { $0 } }

    /// The requests of one operation so far, in order.
    public func requests(_ operation: Operation) -> [HTTPRequest] {
        requests.filter { Self.operation(of: $0) == operation }
    }

    /// How many requests were sent.
    public var attempts: Int { sent.withLock { $0.count } }
}
