import AWSKit
import Foundation
import Imaging
import Logging

/// The worker's side of job records (`THUMBD_JOBS_TABLE`), for messages that name one (`job_id`):
/// a run starts only if the record may move to `processing` (a cancelled or finished job is skipped,
/// so a duplicate delivery cannot redo it), a finished run is recorded `complete` only if the job is
/// still `processing` (a job cancelled meanwhile has its outputs deleted instead), and a failure that
/// ends the job is recorded `failed` with the dead-letter queue's code. Once a job's end is written,
/// its event goes to the events queue (`JobEvents`, when the job has a callback URL).
struct JobRecordKeeper: Sendable {
    let store: JobStore
    let s3: S3Client
    let settings: Settings
    /// nil without `THUMBD_EVENTS_QUEUE`.
    let events: JobEvents?
    let logger: Logger
    let now: @Sendable () -> Date

    /// Whether to run a job.
    enum Admission: Sendable, Equatable {
        case run
        /// Nothing to do: the message is deleted (`reason` for the log line).
        case skip(reason: String)
    }

    /// Moves the record to `processing` (a new attempt).
    /// - Throws: `JobError` `jobs_table` (transient) when the table cannot be reached.
    func begin(_ job: Job, id: String) async throws -> Admission {
        do {
            _ = try await store.start(id, at: now())
            return .run
        } catch let conflict as JobStore.Conflict {
            guard let current = conflict.current else { return .skip(reason: "no job record \(id) (expired or purged)") }
            if current.status == .cancelled {
                // A run before the cancel may have written outputs before it died: remove them.
                await deleteOutputs(of: job)
                return .skip(reason: "job \(id) was cancelled")
            }
            return .skip(reason: "job \(id) is already \(current.status.rawValue)")
        } catch {
            throw JobError(.jobsTable, "starting job \(id): \(error)", transient: true)
        }
    }

    /// Records a finished run.
    /// - Returns: `false` when the job was cancelled (or removed) while it ran: its outputs are deleted.
    ///   Also `false` when another delivery of the same message completed it first (SQS can deliver
    ///   twice): both runs wrote the same bytes to the same keys, which stay.
    /// - Throws: `JobError` `jobs_table` (transient: the run is repeated, idempotently, and recorded then).
    func complete(_ job: Job, id: String, outcome: JobRunner.Outcome) async throws -> Bool {
        let outputs = outcome.outputs.map {
            JobRecord.Output(
                bucket: $0.bucket, key: $0.key, width: $0.width, height: $0.height, bytes: $0.bytes, contentType: $0.format.contentType)
        }
        let source = outcome.source.map {
            JobRecord.Source(bucket: job.bucket, key: job.key, bytes: outcome.bytesIn, format: $0.format.rawValue, width: $0.width, height: $0.height)
        }
        func ms(_ duration: Duration) -> Double { (Double(duration / .microseconds(1)) / 1000 * 10).rounded() / 10 }
        let timings = [
            "download": ms(outcome.download), "decode": ms(outcome.decode), "resize": ms(outcome.resize),
            "encode": ms(outcome.encode), "upload": ms(outcome.upload),
        ]
        do {
            let record = try await store.complete(
                id, outputs: outputs, source: source, placeholder: outcome.placeholder, timingsMs: timings, at: now())
            await sendEvent(record)
            return true
        } catch let conflict as JobStore.Conflict {
            if conflict.current == nil || conflict.current?.status == .cancelled { await deleteOutputs(of: job) }
            return false
        } catch {
            throw JobError(.jobsTable, "recording job \(id) complete: \(error)", transient: true)
        }
    }

    /// Records the job `failed` with `error`'s code (a job already ended stays as it is). Best effort:
    /// should the table be unreachable, the message's next delivery or the dead-letter watch records it.
    func fail(id: String, error: JobError) async {
        do {
            await sendEvent(try await store.fail(id, code: error.code.rawValue, message: error.message, at: now()))
        } catch is JobStore.Conflict {
        } catch {
            logger.warning("recording a failed job failed", metadata: ["job.id": "\(id)", "error": "\(error)"])
        }
    }

    /// Sends the event of a job that ended (with a callback URL); a failure is logged (the owner can
    /// ask for it again: `POST /v1/jobs/{id}/webhook/redeliver`).
    func sendEvent(_ record: JobRecord) async {
        guard record.callbackURL != nil else { return }
        guard let events else {
            await JobEvents.recordUnsent(
                record, why: "a job with a callback URL ended, but this thumbd has no THUMBD_EVENTS_QUEUE", store: store, logger: logger)
            return
        }
        await events.jobEnded(record, logger: logger)
    }

    /// Deletes what this job's run writes (a missing object is no error).
    func deleteOutputs(of job: Job) async {
        for output in job.outputs(settings: settings) {
            try? await s3.deleteObject(bucket: output.bucket, key: output.key)
        }
    }
}
