import Foundation
import HTTPTypes
import Hummingbird
import ThumbService

/// An error answer as RFC 9457 problem details (`application/problem+json`): `type`, `title`,
/// `status`, `detail`, plus our stable `code` (the dead-letter queue's vocabulary, `JobError.Code`,
/// for what the worker could also say; `Problem.Code` for what only HTTP can). `status` and `title`
/// follow from the code, decided in `Problem.catalogue` only; `detail` says what happened this time.
public struct Problem: Error, HTTPResponseError, Sendable {
    /// The codes only the API answers with.
    public enum Code: String, Sendable, CaseIterable {
        case badRequest = "bad_request"
        case unauthorized
        case forbidden
        case notFound = "not_found"
        case methodNotAllowed = "method_not_allowed"
        case jobFinished = "job_finished"
        case jobNotFinished = "job_not_finished"
        case noCallbackURL = "no_callback_url"
        case invalidCallbackURL = "invalid_callback_url"
        case uploadUsed = "upload_used"
        case expired
        case uploadTooLarge = "upload_too_large"
        case unsupportedMediaType = "unsupported_media_type"
        case idempotencyKeyReused = "idempotency_key_reused"
        case rateLimited = "rate_limited"
        case unavailable
    }

    public let status: HTTPResponse.Status
    public let code: String
    public let title: String
    public let detail: String
    /// Extra response headers (`WWW-Authenticate`, `Retry-After`, `Allow`).
    public var headers: HTTPFields = [:]

    public init(_ code: Code, _ detail: String, headers: HTTPFields = [:]) {
        self.init(rawCode: code.rawValue, detail: detail, headers: headers)
    }

    /// A worker-vocabulary error (`JobError`), with the status the API gives it.
    public init(_ error: JobError) {
        self.init(rawCode: error.code.rawValue, detail: error.message)
    }

    init(rawCode: String, detail: String, headers: HTTPFields = [:]) {
        let entry = Self.catalogue[rawCode] ?? (500, "Internal error")
        self.status = HTTPResponse.Status(code: entry.status)
        self.code = rawCode
        self.title = entry.title
        self.detail = detail
        self.headers = headers
    }

    /// `urn:thumbd:error:<code>`: a stable identifier of the problem type (RFC 9457 section 3.1.1
    /// allows a non-dereferenceable URI); the README's error table explains each.
    public var type: String { "urn:thumbd:error:\(code)" }

    /// Every code the API answers with: its HTTP status and title. The README's table lists the same.
    public static let catalogue: [String: (status: Int, title: String)] = [
        // The API's own.
        Code.badRequest.rawValue: (400, "The request is malformed"),
        Code.unauthorized.rawValue: (401, "Not authorised: a valid API key is needed"),
        Code.forbidden.rawValue: (403, "This source may not be read through the API"),
        Code.notFound.rawValue: (404, "No such job or resource"),
        Code.methodNotAllowed.rawValue: (405, "This method is not allowed here"),
        Code.jobFinished.rawValue: (409, "The job has already finished"),
        Code.jobNotFinished.rawValue: (409, "The job has not finished yet"),
        Code.noCallbackURL.rawValue: (409, "The job has no callback_url"),
        Code.invalidCallbackURL.rawValue: (422, "The callback_url is not one webhooks may be sent to"),
        Code.uploadUsed.rawValue: (409, "A job was made of this upload already"),
        Code.expired.rawValue: (410, "The job has expired"),
        Code.uploadTooLarge.rawValue: (413, "The upload is larger than this service accepts"),
        Code.unsupportedMediaType.rawValue: (415, "The request's Content-Type is not one this endpoint takes"),
        Code.idempotencyKeyReused.rawValue: (422, "This Idempotency-Key was used for a different request"),
        Code.rateLimited.rawValue: (429, "Too many requests: slow down"),
        Code.unavailable.rawValue: (503, "The service is shutting down or cannot reach its storage"),
        // The worker's vocabulary.
        JobError.Code.badJSON.rawValue: (400, "The JSON body cannot be read"),
        JobError.Code.unsupportedMessage.rawValue: (422, "The JSON body is not a job request"),
        JobError.Code.messageTooLarge.rawValue: (413, "The request body is too large"),
        JobError.Code.missingField.rawValue: (422, "A required field is missing"),
        JobError.Code.invalidField.rawValue: (422, "A field has a value that is not allowed"),
        JobError.Code.invalidSize.rawValue: (422, "A thumbnail size is not valid"),
        JobError.Code.tooManySizes.rawValue: (422, "Too many thumbnail sizes"),
        JobError.Code.invalidBucket.rawValue: (422, "Not an S3 bucket name"),
        JobError.Code.invalidKey.rawValue: (422, "Not a usable S3 key"),
        JobError.Code.noSuchKey.rawValue: (422, "The source object does not exist"),
        JobError.Code.noSuchBucket.rawValue: (422, "The source bucket does not exist"),
        JobError.Code.accessDenied.rawValue: (422, "The source could not be read"),
        JobError.Code.s3Error.rawValue: (502, "Storage answered with an error"),
        JobError.Code.network.rawValue: (503, "Storage could not be reached"),
        JobError.Code.credentials.rawValue: (503, "The service has no AWS credentials"),
        JobError.Code.unsupportedFormat.rawValue: (415, "This file is not an image format thumbd reads"),
        JobError.Code.corrupt.rawValue: (422, "The image is damaged and cannot be read"),
        JobError.Code.truncated.rawValue: (422, "The image file is incomplete"),
        JobError.Code.tooLarge.rawValue: (422, "The image has too many pixels"),
        JobError.Code.empty.rawValue: (422, "The file is empty"),
        JobError.Code.invalidOptions.rawValue: (422, "These options cannot be applied to this image"),
        JobError.Code.encodeFailed.rawValue: (500, "The thumbnail could not be encoded"),
        JobError.Code.overMemoryBudget.rawValue: (422, "The image needs more memory than this service allows"),
        JobError.Code.uploadFailed.rawValue: (503, "A thumbnail could not be stored"),
        JobError.Code.timeout.rawValue: (504, "The job took too long"),
        JobError.Code.jobsTable.rawValue: (503, "The job database cannot be reached"),
        JobError.Code.workerLost.rawValue: (500, "The worker was lost while making the thumbnails"),
        JobError.Code.internal.rawValue: (500, "Internal error"),
    ]

    /// The JSON members (RFC 9457 section 3.1, and `code`).
    var body: [String: Any] {
        ["type": type, "title": title, "status": status.code, "detail": detail, "code": code]
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var fields = headers
        fields[.contentType] = "application/problem+json"
        fields[.cacheControl] = "no-store"
        let data = (try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
