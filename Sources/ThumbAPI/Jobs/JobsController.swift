import AWSKit
import Foundation
import HTTPTypes
import Hummingbird
import Imaging
import Logging
import NIOCore
import ThumbService

/// The job routes: create (upload, raw body or JSON), read (optionally waiting), list, cancel or
/// purge, and the redirect to an output. Every job is its owner's: another owner's job answers 404,
/// exactly as an unknown id does.
struct JobsController: Sendable {
    let settings: Settings
    let api: APISettings
    let clients: ServiceClients
    let store: JobStore
    let idempotency: IdempotencyStore
    /// The job queues by priority (and the events queue).
    let queues: ServiceQueues
    /// Sends `job.cancelled` events; nil without an events queue (no webhooks).
    let events: JobEvents?
    /// Owners' signing secrets: a job with a callback URL needs its owner to have one.
    let secrets: WebhookSecretStore
    let renderer: JobDocumentRenderer
    let waiter: JobWaiter
    let spoolFiles: SpoolFiles
    let uploads: DirectUploads
    let metrics: APIMetrics
    let logger: Logger
    let now: @Sendable () -> Date

    /// A JSON job body's largest size.
    static let maxJSONBytes = 64 << 10
    /// Room for multipart framing and form fields above the upload cap.
    static let multipartSlack = 1 << 20

    func addRoutes(to group: RouterGroup<APIContext>) {
        group.post("/", use: create)
        group.get("/", use: list)
        group.get("/:id", use: read)
        group.delete("/:id", use: delete)
        group.get("/:id/outputs/:n", use: output)
        group.post("/:id/webhook/redeliver", use: redeliver)
    }

    /// Where callback URLs may go; nil when this server sends no webhooks.
    var callbacks: CallbackURLRule? { events == nil ? nil : api.callbackRule }

    // MARK: Create

    @Sendable func create(_ request: Request, context: APIContext) async throws -> Response {
        let owner = try context.requireOwner()
        let contentType = request.headers[.contentType] ?? ""
        let mediaType = contentType.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > api.maxUploadBytes + Self.multipartSlack {
            throw Problem(.uploadTooLarge, "the body is \(declared) bytes; this service accepts uploads up to \(api.maxUploadBytes >> 20) MB")
        }
        let idempotencyKey = request.headers[.idempotencyKey]
        if let idempotencyKey, !IdempotencyStore.isValid(idempotencyKey) {
            throw Problem(.badRequest, "Idempotency-Key must be 1 to 255 printable ASCII characters")
        }
        let query = Dictionary(request.uri.queryParameters.map { (String($0.key), String($0.value)) }) { first, _ in first }
        let id = JobRecord.newID()
        var record: JobRecord
        var upload: UploadReader.Upload?
        var directUpload: String?
        var fingerprint: String

        switch mediaType {
        case "application/json":
            var request = request
            let body: ByteBuffer
            do {
                body = try await request.collectBody(upTo: Self.maxJSONBytes)
            } catch {
                throw Problem(.uploadTooLarge, "a JSON job body is at most \(Self.maxJSONBytes >> 10) KB")
            }
            let parsed = try JobOptions.parseJSON(Data(buffer: body), settings: settings, callbacks: callbacks)
            switch parsed.source {
            case .object(let bucket, let key):
                guard api.sourceBuckets.contains(bucket) else {
                    throw Problem(.forbidden, "the bucket \(bucket) is not one this API may read (THUMBD_API_SOURCE_BUCKETS)")
                }
                record = newRecord(id: id, owner: owner, source: .init(bucket: bucket, key: key), options: parsed.options, context: context)
                fingerprint = Self.fingerprint(["json", bucket, key, Self.describe(parsed.options)])
            case .upload(let uploadID):
                record = try await directUploadRecord(uploadID, id: id, owner: owner, options: parsed.options, context: context)
                directUpload = uploadID
                fingerprint = Self.fingerprint(["upload_id", uploadID, Self.describe(parsed.options)])
            }
        case _ where mediaType == "multipart/form-data" || mediaType == "application/octet-stream" || mediaType.hasPrefix("image/"):
            metrics.uploadsInProgress.increment()
            defer { metrics.uploadsInProgress.decrement() }
            let received =
                mediaType == "multipart/form-data"
                ? try await UploadReader.readMultipart(
                    request.body, contentType: contentType, limit: api.maxUploadBytes, slack: Self.multipartSlack, files: spoolFiles,
                    metrics: metrics)
                : try await UploadReader.readRaw(request.body, limit: api.maxUploadBytes, files: spoolFiles, metrics: metrics)
            upload = received
            let digest = try received.spool.finish()
            context.observation.set("upload.bytes", String(received.spool.length))
            let options = try JobOptions.parse(query.merging(received.fields) { _, field in field }, settings: settings, callbacks: callbacks)
            let probed = try ImageProbe.probe(descriptor: received.spool.descriptor, length: received.spool.length, limits: settings.limits)
            let key = "\(id)/\(Self.safeName(received.filename)).\(probed.format.fileExtension)"
            record = newRecord(
                id: id, owner: owner,
                source: .init(
                    bucket: api.uploadBucket, key: key, bytes: received.spool.length, format: probed.format.rawValue, width: probed.width,
                    height: probed.height),
                options: options, context: context)
            record.sourceUploaded = true
            fingerprint = Self.fingerprint(["upload", Hashing.hex(digest), Self.describe(options)])
        default:
            throw Problem(
                .unsupportedMediaType,
                "send multipart/form-data (-F image=@photo.jpg), an image body (image/jpeg, image/png, image/webp, image/heic, image/avif, image/gif) or application/json")
        }

        if let idempotencyKey {
            let claim: IdempotencyStore.Claim
            do {
                claim = try await idempotency.claim(owner: owner, key: idempotencyKey, fingerprint: fingerprint, jobID: id, now: now())
            } catch let error as AWSServiceError {
                throw tableFailure(error, "the Idempotency-Key could not be checked", context: context)
            }
            if case .replay(let earlier) = claim {
                guard let existing = try await waitForRecord(earlier) else {
                    throw Problem(.unavailable, "the first request with this Idempotency-Key is still being accepted; retry shortly")
                }
                var response = try await respond(existing, status: .ok)
                response.headers[.location] = "/v1/jobs/\(existing.id)"
                response.headers[.idempotentReplayed] = "true"
                return response
            }
        }
        // After a replay could answer: a retried request's job exists whatever holds now.
        if record.callbackURL != nil {
            do {
                try await requireSigningSecret(owner, context: context)
            } catch {
                if let idempotencyKey { try? await idempotency.release(owner: owner, key: idempotencyKey, jobID: id) }
                throw error
            }
        }
        if let directUpload {
            let consumed: Bool
            do {
                consumed = try await uploads.consume(directUpload, jobID: id)
            } catch {
                if let idempotencyKey { try? await idempotency.release(owner: owner, key: idempotencyKey, jobID: id) }
                try? await uploads.release(directUpload, jobID: id)
                throw tableFailure(error, "the upload could not be claimed", context: context)
            }
            guard consumed else {
                if let idempotencyKey { try? await idempotency.release(owner: owner, key: idempotencyKey, jobID: id) }
                throw Problem(.uploadUsed, "a job was made of upload \(directUpload) already; upload the file again for another")
            }
        }
        do {
            try await accept(record, upload: upload, context: context)
        } catch {
            // Not queued: the key is free again, so the client's retry makes the job. A direct upload
            // stays claimed: its record may be written (and failed), and two records naming one
            // original would purge each other's source; the client uploads again.
            if let idempotencyKey { try? await idempotency.release(owner: owner, key: idempotencyKey, jobID: id) }
            throw error
        }
        upload = nil  // the spool file goes now, not after a wait of up to a minute
        context.observation.set("job.id", id)

        var status = HTTPResponse.Status.accepted
        var applied: Int?
        if let wait = JobWaiter.preferredWait(request.headers[.prefer]) {
            applied = wait
            if let finished = await waiter.wait(for: record, seconds: wait, until: \.isFinal) {
                record = finished
                if finished.status.isFinal { status = .created }
            }
        }
        var response = try await respond(record, status: status)
        response.headers[.location] = "/v1/jobs/\(id)"
        if let applied { response.headers[.preferenceApplied] = "wait=\(applied)" }
        return response
    }

    /// The record of a job made of a direct upload: the caller's own upload, arrived in the upload
    /// bucket, within the size cap, its header probed from its first bytes (a ranged GET).
    /// - Throws: `Problem` `invalid_field` (no such upload of the caller's), `no_such_key` (nothing
    ///   uploaded yet), `upload_too_large`, the imaging codes, the download codes (`access_denied`,
    ///   `s3_error`, `network`), `jobs_table`.
    private func directUploadRecord(
        _ uploadID: String, id: String, owner: String, options: JobOptions, context: APIContext
    ) async throws -> JobRecord {
        let found: String?
        do {
            found = try await uploads.find(uploadID, owner: owner, now: now())
        } catch {
            throw tableFailure(error, "the upload could not be looked up", context: context)
        }
        guard let uploadKey = found else {
            throw Problem(JobError(.invalidField, "no upload \(uploadID.prefix(64)) of yours: upload ids come from POST /v1/uploads"))
        }
        // One ranged GET (not a HEAD and then a GET, which could see two versions): its first bytes
        // for the probe, the whole length from Content-Range. Whether a job was made of the upload
        // already is settled later, after an Idempotency-Key could replay that job.
        let head: S3Object
        do {
            head = try await clients.s3.getObject(
                bucket: api.uploadBucket, key: uploadKey, maxBytes: ImageProbe.headerBytes, range: 0..<ImageProbe.headerBytes)
        } catch let error as AWSServiceError where error.status == 404 {
            throw Problem(JobError(.noSuchKey, "nothing has arrived for upload \(uploadID) yet: POST the file to its url with its fields first"))
        } catch let error as AWSServiceError where error.status == 416 {
            throw Problem(JobError(.empty, "the upload is empty"))
        } catch {
            throw Problem(JobError.fromDownload(error, bucket: api.uploadBucket, key: uploadKey))
        }
        let length = head.info.totalLength
        guard length <= api.maxUploadBytes else {
            throw Problem(.uploadTooLarge, "the upload is \(length) bytes; this service accepts up to \(api.maxUploadBytes >> 20) MB")
        }
        let probed = try head.body.withUnsafeBytes { bytes in
            try ImageProbe.probe(header: bytes.bindMemory(to: UInt8.self), length: length, limits: settings.limits)
        }
        var record = newRecord(
            id: id, owner: owner,
            source: .init(
                bucket: api.uploadBucket, key: uploadKey, bytes: length, format: probed?.format.rawValue, width: probed?.width,
                height: probed?.height),
            options: options, context: context)
        record.sourceUploaded = true
        return record
    }

    /// `POST /v1/uploads`: a presigned POST for one file straight to the upload bucket (201).
    @Sendable func createUpload(_ request: Request, context: APIContext) async throws -> Response {
        let owner = try context.requireOwner()
        let ticket: DirectUploads.Ticket
        do {
            ticket = try await uploads.create(owner: owner, now: now(), ttl: settings.jobTTL)
        } catch let error as CredentialsError {
            throw Problem(JobError(.credentials, "the upload cannot be signed: \(error)", transient: true))
        } catch {
            throw tableFailure(error, "the upload could not be recorded", context: context)
        }
        return Response(
            status: .created, headers: [.contentType: "application/json", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(bytes: JobDocumentRenderer.json(ticket))))
    }

    /// Stores the upload, writes the record, queues the message, in that order (the worker never
    /// sees a record without its source, nor a message without its record).
    /// - Throws: `Problem` (`upload_failed`, `jobs_table`, `network`); after a failed send the record
    ///   is marked `failed`.
    private func accept(_ record: JobRecord, upload: UploadReader.Upload?, context: APIContext) async throws {
        if let upload {
            do {
                // The spool (and so its descriptor) lives as long as `upload`, which outlives this call.
                try await clients.s3.putObject(
                    bucket: record.source.bucket, key: record.source.key, file: upload.spool.descriptor, length: upload.spool.length,
                    sha256: try upload.spool.finish(),
                    options: PutObjectOptions(
                        contentType: record.source.format.flatMap(ImageFormat.init(rawValue:))?.mediaType ?? "application/octet-stream",
                        metadata: ["job-id": record.id]))
            } catch let problem as Problem {
                throw problem
            } catch {
                logger.error("storing an upload failed", metadata: ["request_id": "\(context.requestID)", "error": "\(error)"])
                throw Problem(JobError(.uploadFailed, "the upload could not be stored; quote request id \(context.requestID)"))
            }
        }
        do {
            try await store.create(record)
        } catch {
            throw tableFailure(error, "the job could not be recorded", context: context)
        }
        var job = record.job
        job.outputBucket = api.outputBucket
        job.keyTemplate = Self.outputPrefix(record.id) + "{name}-{width}x{height}.{ext}"
        // newRecord made the priority one whose queue exists.
        let queueURL = queues.url(for: record.priority) ?? queues.url
        do {
            _ = try await clients.sqs.sendMessage(queueUrl: queueURL, body: JobEncoder.encode(job))
        } catch {
            logger.error("queueing a job failed", metadata: ["request_id": "\(context.requestID)", "error": "\(error)"])
            let failure = JobError(.network, "the job could not be queued; quote request id \(context.requestID)", transient: true)
            _ = try? await store.fail(record.id, code: failure.code.rawValue, message: failure.message, at: now())
            throw Problem(failure)
        }
    }

    /// Where a job's thumbnails go in the output bucket: under its id, so a purge can find every one.
    static func outputPrefix(_ id: String) -> String { "\(id)/" }

    /// A 503 `jobs_table` whose detail names only the request id; the error itself goes to the log
    /// (it names the table and the account).
    func tableFailure(_ error: any Error, _ what: String, context: APIContext) -> Problem {
        logger.error("\(what)", metadata: ["request_id": "\(context.requestID)", "error": "\(error)"])
        return Problem(JobError(.jobsTable, "\(what); quote request id \(context.requestID)", transient: true))
    }

    /// A new record. A priority whose queue does not exist becomes `normal` (the main queue takes the
    /// job, the record says so, and the log warns).
    private func newRecord(id: String, owner: String, source: JobRecord.Source, options: JobOptions, context: APIContext) -> JobRecord {
        let created = now()
        var options = options
        if queues.url(for: options.priority) == nil {
            logger.warning(
                "no queue for this priority (thumbctl setup makes it): the job goes to the main queue",
                metadata: ["request_id": "\(context.requestID)", "job.priority": "\(options.priority.rawValue)"])
            options.priority = .normal
        }
        return JobRecord(
            id: id, owner: owner, createdAt: created, expiresAt: created.addingTimeInterval(Double(settings.jobTTL.wholeSeconds)),
            source: source, sizes: options.sizes, formats: options.formats, quality: options.quality, requestId: context.requestID,
            priority: options.priority, callbackURL: options.callbackURL)
    }

    /// A webhook is signed with its owner's secret: without one (an owner from before webhooks, or the
    /// anonymous owner), a callback URL is refused rather than accepted and never delivered.
    /// - Throws: `Problem` `invalid_callback_url`, `jobs_table`.
    private func requireSigningSecret(_ owner: String, context: APIContext) async throws {
        let found: WebhookSecretStore.Secrets?
        do {
            found = try await secrets.secrets(owner: owner, now: now())
        } catch {
            throw tableFailure(error, "the webhook signing secret could not be read", context: context)
        }
        guard found != nil else {
            throw Problem(
                .invalidCallbackURL,
                "there is no webhook signing secret for this owner yet: the operator makes one with thumbctl webhook-secret rotate --owner \(owner)")
        }
    }

    /// A replayed request may arrive while the first is still storing its upload: wait up to 10 s.
    private func waitForRecord(_ id: String) async throws -> JobRecord? {
        for _ in 0..<50 {
            if let record = try await store.get(id) { return record }
            try await Task.sleep(for: .milliseconds(200))
        }
        return nil
    }

    // MARK: Read, list

    @Sendable func read(_ request: Request, context: APIContext) async throws -> Response {
        var record = try await ownRecord(context)
        if let text = request.uri.queryParameters["wait"] {
            guard let seconds = Int(text), seconds >= 0 else { throw Problem(.badRequest, "wait must be whole seconds from 0 to 60") }
            let initial = record.status
            if let changed = await waiter.wait(for: record, seconds: min(seconds, 60), until: { $0 != initial || $0.isFinal }) {
                record = changed
            }
        }
        return try await respond(record, status: .ok)
    }

    @Sendable func list(_ request: Request, context: APIContext) async throws -> Response {
        let owner = try context.requireOwner()
        let parameters = request.uri.queryParameters
        var status: JobStatus?
        if let text = parameters["status"], !text.isEmpty {
            guard let parsed = JobStatus(rawValue: String(text)) else {
                throw Problem(.badRequest, "status must be one of \(JobStatus.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            status = parsed
        }
        var limit = 20
        if let text = parameters["limit"], !text.isEmpty {
            guard let value = Int(text), (1...100).contains(value) else { throw Problem(.badRequest, "limit must be 1 to 100") }
            limit = value
        }
        let cursor = parameters["cursor"].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
        let page: (jobs: [JobRecord], next: String?)
        do {
            page = try await store.list(owner: owner, status: status, limit: limit, cursor: cursor)
        } catch is ListCursor.InvalidCursor {
            throw Problem(.badRequest, "the cursor is not one this API gave")
        } catch let error as AWSServiceError {
            throw tableFailure(error, "the jobs could not be listed", context: context)
        }
        let instant = now()
        var documents: [JobDocument] = []
        for record in page.jobs where !record.isExpired(at: instant) {
            documents.append(try await renderer.document(record))
        }
        return Self.json(JobList(jobs: documents, nextCursor: page.next), status: .ok)
    }

    // MARK: Cancel, purge, outputs

    @Sendable func delete(_ request: Request, context: APIContext) async throws -> Response {
        let owner = try context.requireOwner()
        var record = try await ownRecord(context)
        let purge = request.uri.queryParameters["purge"].map { $0 == "true" || $0 == "1" } ?? false
        do {
            if !record.status.isFinal {
                do {
                    record = try await store.cancel(record.id, owner: owner, at: now())
                    await events?.jobEnded(record, logger: logger)
                } catch let conflict as JobStore.Conflict {
                    // It ended in the meantime.
                    guard let current = conflict.current else { throw Problem(.notFound, "no job \(record.id)") }
                    record = current
                    if !purge { throw Problem(.jobFinished, "the job is already \(current.status.rawValue)") }
                }
            } else if !purge {
                throw Problem(.jobFinished, "the job is already \(record.status.rawValue); DELETE with ?purge=true removes it and its files")
            }
            if purge {
                try await deleteFiles(of: record, context: context)
                record = try await store.markPurged(record.id, owner: owner, at: now())
            }
        } catch let error as AWSServiceError {
            throw tableFailure(error, "the job could not be changed", context: context)
        } catch let conflict as JobStore.Conflict {
            // Purged by a request of its own in the meantime.
            guard conflict.current?.purgedAt != nil else { throw conflict }
            throw Problem(.expired, "job \(record.id) has been purged")
        }
        return try await respond(record, status: .ok)
    }

    /// Deletes every thumbnail under the job's prefix in the output bucket (those a failed or cancelled
    /// run wrote too, which the record does not list), the ones the record lists, and the uploaded
    /// original. Nothing is marked purged unless all of them are gone.
    /// - Throws: `Problem` `unavailable` when S3 refused a delete.
    private func deleteFiles(of record: JobRecord, context: APIContext) async throws {
        do {
            var byBucket: [String: Set<String>] = [:]
            for output in record.outputs { byBucket[output.bucket, default: []].insert(output.key) }
            // Listed by the bare id (ids are of one length, so no other job's keys start with it): a
            // prefix with its `/` would be sent as `%2F`, which moto_server's signature check refuses.
            for try await object in clients.s3.listAllObjects(bucket: api.outputBucket, prefix: record.id)
            where object.key.hasPrefix(Self.outputPrefix(record.id)) {
                byBucket[api.outputBucket, default: []].insert(object.key)
            }
            if record.sourceUploaded { byBucket[record.source.bucket, default: []].insert(record.source.key) }
            for (bucket, keys) in byBucket {
                let sorted = keys.sorted()
                for start in stride(from: 0, to: sorted.count, by: 1000) {
                    let result = try await clients.s3.deleteObjects(bucket: bucket, keys: Array(sorted[start..<min(sorted.count, start + 1000)]))
                    if let failure = result.errors.first {
                        throw AWSServiceError(
                            service: "S3", operation: "DeleteObjects", status: 200, code: failure.code, message: failure.message,
                            requestId: nil, resource: "s3://\(bucket)/\(failure.key)")
                    }
                }
            }
        } catch {
            logger.error("purging a job's files failed", metadata: ["request_id": "\(context.requestID)", "error": "\(error)"])
            throw Problem(.unavailable, "the job's files could not all be deleted; nothing was purged (quote request id \(context.requestID))")
        }
    }

    @Sendable func output(_ request: Request, context: APIContext) async throws -> Response {
        let record = try await ownRecord(context)
        guard let text = context.parameters.get("n"), let index = Int(text), record.outputs.indices.contains(index) else {
            throw Problem(.notFound, "job \(record.id) has no output \(context.parameters.get("n") ?? "")")
        }
        let url = try await renderer.document(record).outputs[index].url
        return Response(status: .seeOther, headers: [.location: url, .cacheControl: "no-store"])
    }

    /// The caller's job named by `:id`: 404 if unknown or another owner's, 410 once expired or purged.
    func ownRecord(_ context: APIContext) async throws -> JobRecord {
        let owner = try context.requireOwner()
        let id = context.parameters.get("id") ?? ""
        guard id.utf8.count <= 64 else { throw Problem(.notFound, "no job \(id.prefix(64))") }
        let record: JobRecord?
        do {
            record = try await store.get(id)
        } catch let error as AWSServiceError {
            throw tableFailure(error, "the job could not be read", context: context)
        }
        guard let record, record.owner == owner else { throw Problem(.notFound, "no job \(id)") }
        context.observation.set("job.id", id)
        guard !record.isExpired(at: now()) else { throw Problem(.expired, "job \(id) has expired and its files are gone") }
        return record
    }

    // MARK: Answers

    func respond(_ record: JobRecord, status: HTTPResponse.Status) async throws -> Response {
        Self.json(try await renderer.document(record), status: status)
    }

    static func json(_ value: some Encodable, status: HTTPResponse.Status) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(bytes: JobDocumentRenderer.json(value))))
    }

    static func describe(_ options: JobOptions) -> String {
        var parts = [
            options.sizes.map(\.description).joined(separator: ","), options.formats?.map(\.rawValue).joined(separator: ",") ?? "",
            options.quality.map(String.init) ?? "",
        ]
        // Only when set: a request without them keeps the fingerprint it had before they existed.
        if options.priority != .normal || options.callbackURL != nil { parts += [options.priority.rawValue, options.callbackURL ?? ""] }
        return parts.joined(separator: "|")
    }

    static func fingerprint(_ parts: [String]) -> String {
        Hashing.sha256Hex(parts.joined(separator: "\n"))
    }

    /// A file name safe as part of an S3 key: the client's name without its extension, reduced to
    /// `A-Z a-z 0-9 - _` (at most 64), or `image`.
    static func safeName(_ filename: String?) -> String {
        guard let filename else { return "image" }
        let base = (filename.split(separator: "/").last.map(String.init) ?? filename)
        let stem = base.contains(".") ? String(base[..<base.lastIndex(of: ".")!]) : base
        let cleaned = String(stem.unicodeScalars.filter { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "-" || $0 == "_") }.prefix(64))
        return cleaned.isEmpty ? "image" : cleaned
    }
}
