import AWSKit
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import ThumbService

/// thumbd-api assembled: the router with its middleware and routes, and the application that runs it
/// under swift-service-lifecycle. On SIGTERM (or SIGINT): `/readyz` turns 503 and held waits answer at
/// once (`ShutdownNotice`), the server stops accepting and lets requests in flight finish for up to
/// `THUMBD_API_DRAIN_TIMEOUT`, then the process exits 0. With an events queue it also delivers
/// webhooks (`WebhookDeliverer`).
public struct APIServer: Sendable {
    public let settings: Settings
    public let api: APISettings
    public let clients: ServiceClients
    /// The job queues by priority, and the events queue (`ServiceQueues.resolve`).
    public let queues: ServiceQueues
    public let logger: Logger
    public let metrics = APIMetrics()
    public let shutdown = ShutdownNotice()
    let now: @Sendable () -> Date

    /// - Parameter now: the wall clock (jobs' timestamps, expiry); tests move it.
    public init(
        settings: Settings, api: APISettings, clients: ServiceClients, queues: ServiceQueues, logger: Logger,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.settings = settings
        self.api = api
        self.clients = clients
        self.queues = queues
        self.logger = logger
        self.now = now
    }

    var renderer: JobDocumentRenderer { JobDocumentRenderer(s3: clients.s3, publicOutputs: settings.acl == .publicRead) }

    /// The webhook delivery service, when there is an events queue.
    func webhookDeliverer() -> WebhookDeliverer? {
        queues.eventsURL.map { url in
            WebhookDeliverer(
                sqs: clients.sqs, eventsURL: url, store: JobStore(dynamo: clients.dynamo, table: api.jobsTable),
                secrets: WebhookSecretStore(dynamo: clients.dynamo, table: api.jobsTable), renderer: renderer,
                sender: WebhookSender(transport: WebhookSender.makeTransport(), rule: api.callbackRule), retryDelays: api.webhookRetryDelays,
                logger: logger, now: now)
        }
    }

    /// Every route of the API (the OpenAPI document lists the same).
    public func router() -> Router<APIContext> {
        let router = Router(context: APIContext.self)
        router.add(middleware: FrontMiddleware(logger: logger, metrics: metrics))
        let store = JobStore(dynamo: clients.dynamo, table: api.jobsTable)
        let controller = JobsController(
            settings: settings, api: api, clients: clients, store: store,
            idempotency: IdempotencyStore(dynamo: clients.dynamo, table: api.jobsTable), queues: queues,
            events: queues.eventsURL.map { JobEvents(sqs: clients.sqs, queueURL: $0, store: store) },
            secrets: WebhookSecretStore(dynamo: clients.dynamo, table: api.jobsTable), renderer: renderer,
            waiter: JobWaiter(watch: StatusWatch(store: store, logger: logger), shutdown: shutdown),
            spoolFiles: SpoolFiles(),
            uploads: DirectUploads(
                s3: clients.s3, dynamo: clients.dynamo, table: api.jobsTable, bucket: api.uploadBucket, maxBytes: api.maxUploadBytes),
            metrics: metrics,
            logger: logger, now: now)
        let auth = AuthMiddleware(
            mode: api.auth, keys: APIKeyStore(dynamo: clients.dynamo, table: api.jobsTable),
            limiter: RateLimiter(rate: api.rateLimit.rate, burst: api.rateLimit.burst), logger: logger)

        router.get("/healthz") { _, _ in JobsController.json(["status": "ok"], status: .ok) }
        router.get("/readyz") { _, _ in try await self.readiness() }
        router.get("/metrics") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: self.metrics.render())))
        }
        router.get("/openapi.yaml") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/yaml; charset=utf-8", .cacheControl: "public, max-age=300"],
                body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.yaml)))
        }
        let outputs = clients.s3.addressing.locate(bucket: api.outputBucket, key: "k").endpoint.origin
        let uploads = clients.s3.addressing.locate(bucket: api.uploadBucket, key: "k").endpoint.origin
        PageController(
            auth: api.auth.rawValue, sizes: settings.sizes.map(\.description).joined(separator: ","), outputOrigin: outputs,
            uploadOrigin: uploads
        ).addRoutes(to: router)
        // `GET /` is the upload page; `POST /` is the one-request upload of the original assignment
        // (`curl -F image=@photo.jpg host/`).
        router.group("/").add(middleware: auth).post("/", use: controller.create)
        controller.addRoutes(to: router.group("/v1/jobs").add(middleware: auth))
        router.group("/v1/uploads").add(middleware: auth).post("/", use: controller.createUpload)
        return router
    }

    /// 200 when the table, the queue and both buckets answer; else 503 naming what did not.
    func readiness() async throws -> Response {
        guard !shutdown.isTriggered else { throw Problem(.unavailable, "shutting down") }
        var failures: [String] = []
        await withTaskGroup(of: String?.self) { group in
            group.addTask { (try? await self.clients.dynamo.describeTable(name: self.api.jobsTable)) == nil ? "jobs table" : nil }
            group.addTask {
                (try? await self.clients.sqs.getQueueAttributes(queueUrl: self.queues.url, names: ["QueueArn"])) == nil ? "queue" : nil
            }
            group.addTask { (try? await self.clients.s3.headBucket(self.api.uploadBucket)) == nil ? "upload bucket" : nil }
            group.addTask { (try? await self.clients.s3.headBucket(self.api.outputBucket)) == nil ? "output bucket" : nil }
            for await failure in group { if let failure { failures.append(failure) } }
        }
        guard failures.isEmpty else { throw Problem(.unavailable, "not reachable: \(failures.sorted().joined(separator: ", "))") }
        return JobsController.json(["status": "ready"], status: .ok)
    }

    /// The application on `THUMBD_API_LISTEN`.
    /// - Parameter onRunning: called with the bound port once the server listens (port 0 picks one).
    public func application(onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        Application(
            router: router(),
            configuration: .init(address: .hostname(api.host, port: api.port), serverName: "thumbd-api"),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? 0) },
            logger: logger)
    }

    /// Runs until SIGTERM or SIGINT, then drains (see the type's documentation).
    /// - Throws: what the server throws at start (the address is in use...).
    public func run(onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: application(onRunning: onRunning))]
        if let deliverer = webhookDeliverer() { services.append(.init(service: deliverer, successTerminationBehavior: .ignore)) }
        services.append(.init(service: ShutdownWatcher(notice: shutdown, logger: logger), successTerminationBehavior: .ignore))
        var configuration = ServiceGroupConfiguration(
            services: services,
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        configuration.maximumGracefulShutdownDuration = api.drainTimeout
        try await ServiceGroup(configuration: configuration).run()
    }
}

/// The first service to hear of graceful shutdown (services stop in reverse order): it sets the
/// notice, so held waits answer and `/readyz` fails while the server still drains, and tells systemd
/// (`STOPPING=1`, under `Type=notify`).
struct ShutdownWatcher: Service {
    let notice: ShutdownNotice
    let logger: Logger

    func run() async throws {
        try? await gracefulShutdown()
        notice.trigger()
        SystemdNotifier().notify("STOPPING=1")
        logger.info("draining", metadata: ["reason": "graceful shutdown"])
    }
}
