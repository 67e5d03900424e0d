import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOHTTP1
import ThumbService

/// The outermost middleware: gives each request its id (`X-Request-Id`, the client's when it is a
/// sane token, else a new one, echoed in the response), turns every error into problem details (one
/// place: handlers throw, nothing else writes an error body), writes the access log line and records
/// the metrics.
struct FrontMiddleware: RouterMiddleware {
    typealias Context = APIContext
    let logger: Logger
    let metrics: APIMetrics

    func handle(_ request: Request, context: APIContext, next: (Request, APIContext) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        var context = context
        context.requestID = Self.requestID(from: request.headers[.xRequestID])
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as HTTPParserError {
            // The request stream itself is broken (a body cut short, bad chunking): Hummingbird
            // answers 400 and closes the connection, which no response of ours could do.
            throw error
        } catch {
            response = try Self.problem(for: error, logger: logger, requestID: context.requestID).response(from: request, context: context)
        }
        response.headers[.xRequestID] = context.requestID
        let elapsed = started.duration(to: .now)
        let route = context.endpointPath ?? "unmatched"
        metrics.record(route: route, method: request.method.rawValue, status: response.status.code, duration: elapsed)
        var metadata: Logger.Metadata = [
            "request_id": "\(context.requestID)", "http.method": "\(request.method.rawValue)", "http.path": "\(request.uri.path)",
            "http.route": "\(route)", "http.status": "\(response.status.code)",
            "duration_ms": "\(String(format: "%.1f", Double(elapsed / .microseconds(1)) / 1000))",
        ]
        for (key, value) in context.observation.values { metadata[key] = "\(value)" }
        logger.info("request", metadata: metadata)
        return response
    }

    /// Problem details for any error: ours as they are, Hummingbird's by their status, anything else
    /// a 500 `internal` whose detail names only the request id (the error goes to the log).
    static func problem(for error: any Error, logger: Logger, requestID: String) -> Problem {
        switch error {
        case let problem as Problem:
            return problem
        case let error as JobError:
            return Problem(error)
        case let error as any HTTPResponseError:
            switch error.status.code {
            case 404: return Problem(.notFound, "no such resource")
            case 405: return Problem(.methodNotAllowed, "this method is not allowed here")
            case 413: return Problem(.uploadTooLarge, "the request body is too large")
            case 400..<500: return Problem(.badRequest, "the request is malformed (HTTP \(error.status.code))")
            default: break
            }
        default:
            break
        }
        logger.error("unexpected error", metadata: ["request_id": "\(requestID)", "error": "\(error)"])
        return Problem(rawCode: JobError.Code.internal.rawValue, detail: "an unexpected error; quote request id \(requestID)")
    }

    /// Up to 128 of `A-Z a-z 0-9 - _ . :` from the client; anything else is replaced (ids go into logs
    /// and messages, so nothing a client sends is taken verbatim unless it is a plain token).
    static func requestID(from header: String?) -> String {
        if let header, RequestID.isPlainToken(header) { return header }
        return JobRecord.newID()
    }
}

extension HTTPField.Name {
    static let xRequestID = Self("X-Request-Id")!
    static let idempotencyKey = Self("Idempotency-Key")!
    static let prefer = Self("Prefer")!
    static let preferenceApplied = Self("Preference-Applied")!
    static let idempotentReplayed = Self("Idempotent-Replayed")!
}
