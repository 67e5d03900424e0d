import AWSKit
import Foundation
import TestSupport
import Testing

@testable import ThumbService

/// thumbd-api and thumbd running as processes against moto_server, used with curl the way the issue
/// and the README show it.
@Suite("thumbd-api live, with thumbd", .enabled(if: Moto.available && Binaries.available, Moto.skipNote), .serialized)
struct LiveAPITests {
    @Test("the original command verbatim: curl -i -X POST -F image=@photo.jpg host/ is 202 with a Location that reaches complete; Prefer: wait is 201")
    func originalCommand() async throws {
        var service = try await LiveService(["THUMBD_API_AUTH": "none"])
        try await service.startAPI()
        let worker = try service.startWorker()
        let photo = Bodies.photos.appendingPathComponent("canyon.jpg").path
        let accepted = try await service.curl(["-i", "-X", "POST", "-F", "image=@\(photo)", "\(service.base)/"])
        #expect(accepted.status == 202)
        let location = try #require(accepted.headers["location"])
        #expect(location.hasPrefix("/v1/jobs/"))
        let done = try await service.poll(location) { $0["status"] as? String == "complete" }
        #expect(done["status"] as? String == "complete", "\(done)")
        let outputs = done["outputs"] as? [[String: Any]] ?? []
        #expect(outputs.count == 1)
        if let bucket = outputs.first?["bucket"] as? String, let key = outputs.first?["key"] as? String {
            #expect(try await LiveService.pillowSize(bucket: bucket, key: key) == "200x125", "1600x1000 fit in 200x200, as Pillow reads it")
            #expect(outputs.first?["url"] as? String == "\(Moto.url ?? "")/\(bucket)/\(key)")
        }

        let waited = try await service.curl([
            "-X", "POST", "-H", "Prefer: wait=30", "-F", "image=@\(Bodies.photos.appendingPathComponent("owl.jpg").path)", "-F", "sizes=64x64:fill",
            "\(service.base)/v1/jobs",
        ])
        #expect(waited.status == 201)
        let document = LiveService.json(waited.body)
        #expect(document["status"] as? String == "complete")
        #expect((document["outputs"] as? [[String: Any]])?.first?["width"] as? Int == 64)
        #expect(service.api?.json.contains { $0["msg"] == "request" && $0["http.status"] == "202" } == true, "an access log line")
        #expect(
            service.api?.json.contains { $0["level"] == "warning" && $0["msg"]?.contains("authentication is off") == true } == true,
            "THUMBD_API_AUTH=none says so at start")

        worker.signal(SIGTERM)
        #expect(await worker.wait() == 0)
        // The request id goes from thumbd-api's access line to thumbd's job line.
        let requestID = try #require(accepted.headers["x-request-id"])
        #expect(worker.json.contains { $0["msg"] == "job" && $0["request_id"] == requestID }, "\(worker.lines.suffix(5))")
        service.api?.signal(SIGTERM)
        #expect(await service.api?.wait() == 0)
    }

    @Test("a HEIC upload with formats=avif,webp,jpeg: every output typed, the ThumbHash and average colour in the document; a raw image/heic body; webp with webp-lossless is 422")
    func formatsLive() async throws {
        var service = try await LiveService(["THUMBD_API_AUTH": "none"])
        try await service.startAPI()
        let worker = try service.startWorker()
        // A HEIC as a phone sends it, made by libheif's own encoder (heif-enc, Debian libheif-examples).
        let heic = FileManager.default.temporaryDirectory.appendingPathComponent("canyon-\(UUID().uuidString).heic").path
        defer { try? FileManager.default.removeItem(atPath: heic) }
        let encoded = try await offCooperativePool {
            try runProcess("/usr/bin/env", ["heif-enc", "-q", "80", "-o", heic, Bodies.photos.appendingPathComponent("canyon.jpg").path])
        }
        try #require(encoded.status == 0, "heif-enc: \(encoded.stderr)")

        let made = try await service.curl([
            "-X", "POST", "-H", "Prefer: wait=30", "-F", "image=@\(heic)", "-F", "sizes=160x160", "-F", "formats=avif,webp,jpeg",
            "\(service.base)/v1/jobs",
        ])
        #expect(made.status == 201, "\(made.body)")
        let document = LiveService.json(made.body)
        #expect(document["formats"] as? [String] == ["avif", "webp", "jpeg"])
        #expect(document["format"] as? String == "avif")
        let source = document["source"] as? [String: Any] ?? [:]
        #expect(source["format"] as? String == "heic" && (source["key"] as? String)?.hasSuffix(".heic") == true, "\(source)")
        let hash = try #require(document["thumbhash"] as? String)
        #expect(Data(base64Encoded: hash) != nil)
        #expect((document["average_color"] as? String)?.wholeMatch(of: /#[0-9a-f]{6}/) != nil)
        let outputs = document["outputs"] as? [[String: Any]] ?? []
        #expect(outputs.map { $0["content_type"] as? String ?? "" } == ["image/avif", "image/webp", "image/jpeg"])
        for (output, format) in zip(outputs, ["AVIF", "WEBP", "JPEG"]) {
            if let bucket = output["bucket"] as? String, let key = output["key"] as? String {
                #expect(try await LiveService.pillowSize(bucket: bucket, key: key, format: true) == "\(format) 160x100", "\(key), as Pillow reads it")
                let info = try await Moto.clients.s3.headObject(bucket: bucket, key: key)
                #expect(info.metadata["thumbhash"] == hash, "\(key)")
                #expect(info.metadata["average-color"] == document["average_color"] as? String, "\(key)")
            }
        }

        let raw = try await service.curl([
            "-X", "POST", "-H", "Prefer: wait=30", "-H", "Content-Type: image/heic", "--data-binary", "@\(heic)",
            "\(service.base)/v1/jobs?sizes=64x64:fill&format=webp",
        ])
        #expect(raw.status == 201)
        let rawOutputs = LiveService.json(raw.body)["outputs"] as? [[String: Any]] ?? []
        #expect(rawOutputs.first?["content_type"] as? String == "image/webp")

        let clash = try await service.curl([
            "-X", "POST", "-F", "image=@\(heic)", "-F", "formats=webp,webp-lossless", "\(service.base)/v1/jobs",
        ])
        #expect(clash.status == 422)
        #expect(LiveService.json(clash.body)["code"] as? String == "invalid_field")

        worker.signal(SIGTERM)
        #expect(await worker.wait() == 0)
        service.api?.signal(SIGTERM)
        #expect(await service.api?.wait() == 0)
    }

    @Test("with keys: 401 without one; another owner's job 404; 413 with nothing stored; 415 for a text file; a body cut short 400; idempotent replay; 410 after the TTL")
    func refusalsLive() async throws {
        var service = try await LiveService(["THUMBD_API_MAX_UPLOAD_MB": "1", "THUMBD_JOB_TTL": "2"])
        try await service.startAPI()
        let alice = try await service.key("alice")
        let bob = try await service.key("bob")
        let owl = "image=@\(Bodies.photos.appendingPathComponent("owl.jpg").path)"
        let noKey = try await service.curl(["-X", "POST", "-F", owl, "\(service.base)/v1/jobs"])
        #expect(noKey.status == 401 && noKey.headers["www-authenticate"]?.hasPrefix("Bearer") == true)
        #expect(noKey.headers["content-type"] == "application/problem+json")

        let created = try await service.curl([
            "-X", "POST", "-H", "Authorization: Bearer \(alice)", "-H", "Idempotency-Key: k1", "-F", owl, "\(service.base)/v1/jobs",
        ])
        #expect(created.status == 202)
        let location = try #require(created.headers["location"])
        let replay = try await service.curl([
            "-X", "POST", "-H", "Authorization: Bearer \(alice)", "-H", "Idempotency-Key: k1", "-F", owl, "\(service.base)/v1/jobs",
        ])
        #expect(replay.status == 200 && replay.headers["location"] == location)
        let other = try await service.curl(["-H", "Authorization: Bearer \(bob)", service.base + location])
        #expect(other.status == 404)

        let big = FileManager.default.temporaryDirectory.appendingPathComponent("big-\(service.id).jpg")
        try Data(repeating: 0xFF, count: 3 << 20).write(to: big)
        defer { try? FileManager.default.removeItem(at: big) }
        let tooLarge = try await service.curl(["-X", "POST", "-H", "Authorization: Bearer \(alice)", "-F", "image=@\(big.path)", "\(service.base)/v1/jobs"])
        #expect(tooLarge.status == 413 && LiveService.json(tooLarge.body)["code"] as? String == "upload_too_large")
        let text = try await service.curl([
            "-X", "POST", "-H", "Authorization: Bearer \(alice)", "-F", "image=@\(Bodies.photos.appendingPathComponent("notes.jpg").path)",
            "\(service.base)/v1/jobs",
        ])
        #expect(text.status == 415 && LiveService.json(text.body)["code"] as? String == "unsupported_format")
        // A body cut short (the client gives up): Hummingbird's 400 and a closed connection, no 500.
        let cut = try runProcess("/usr/bin/env", [
            "python3", "-c",
            """
            import socket, sys
            s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
            s.sendall(b"POST /v1/jobs HTTP/1.1\\r\\nHost: x\\r\\nAuthorization: Bearer " + sys.argv[2].encode()
                      + b"\\r\\nContent-Type: multipart/form-data; boundary=b\\r\\nContent-Length: 100000\\r\\n\\r\\n"
                      + b"--b\\r\\nContent-Disposition: form-data; name=image\\r\\n\\r\\n" + b"\\xff" * 1000)
            s.shutdown(socket.SHUT_WR)
            print(s.recv(100).split(b"\\r\\n")[0].decode() or "closed")
            """,
            String(service.port), alice,
        ]).output.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(cut == "HTTP/1.1 400 Bad Request" || cut == "closed", "\(cut)")
        #expect(service.api?.json.contains { $0["msg"] == "unexpected error" } == false, "\(service.api?.lines.suffix(3) ?? [])")

        let stored = try await Moto.clients.s3.listObjectsV2(bucket: service.uploads).objects.map(\.key)
        #expect(stored.count == 1, "only the one accepted upload: \(stored)")

        try await Task.sleep(for: .seconds(3))
        let gone = try await service.curl(["-H", "Authorization: Bearer \(alice)", service.base + location])
        #expect(gone.status == 410 && LiveService.json(gone.body)["code"] as? String == "expired")
        service.api?.signal(SIGTERM)
        #expect(await service.api?.wait() == 0)
    }

    @Test("cancel before the worker starts, and while it runs: the job stays cancelled and no output remains")
    func cancelLive() async throws {
        var service = try await LiveService(["THUMBD_API_AUTH": "none"])
        try await service.startAPI()
        let photo = "image=@\(Bodies.photos.appendingPathComponent("skyline.jpg").path)"
        // Before: no worker yet.
        let early = try await service.curl(["-X", "POST", "-F", photo, "\(service.base)/v1/jobs"])
        let earlyLocation = try #require(early.headers["location"])
        let cancelled = try await service.curl(["-X", "DELETE", service.base + earlyLocation])
        #expect(cancelled.status == 200 && LiveService.json(cancelled.body)["status"] as? String == "cancelled")

        // During: a 24-megapixel PNG (no shrink-on-load, so its decode takes a while); the worker is
        // frozen (SIGSTOP) the moment the job is processing, the job cancelled, the worker resumed.
        let big = FileManager.default.temporaryDirectory.appendingPathComponent("big-\(service.id).png")
        defer { try? FileManager.default.removeItem(at: big) }
        let script = """
            import sys, numpy as np; from PIL import Image
            y, x = np.mgrid[0:4000, 0:6000]
            Image.fromarray(np.stack([x % 256, y % 256, (x + y) % 256], -1).astype(np.uint8), "RGB").save(sys.argv[1], compress_level=1)
            """
        _ = try await offCooperativePool { try runProcess("/usr/bin/env", ["python3", "-c", script, big.path]) }
        let worker = try service.startWorker()
        let late = try await service.curl(["-X", "POST", "-F", "image=@\(big.path)", "-F", "sizes=300x300,100x100", "\(service.base)/v1/jobs"])
        let lateLocation = try #require(late.headers["location"], "\(late.status) \(late.body)")
        let lateID = String(lateLocation.split(separator: "/").last ?? "")
        var stopped = false
        for _ in 0..<3000 where !stopped {
            if try await service.store.get(lateID)?.status == .processing {
                worker.signal(SIGSTOP)
                stopped = true
            } else {
                try await Task.sleep(for: .milliseconds(5))
            }
        }
        #expect(stopped, "the job was never seen processing")
        let during = try await service.curl(["-X", "DELETE", service.base + lateLocation])
        #expect(during.status == 200 && LiveService.json(during.body)["status"] as? String == "cancelled")
        worker.signal(SIGCONT)
        let skipped = await eventually(30, every: .milliseconds(100)) { worker.json.contains { $0["msg"] == "skipped" && $0["job.id"] == lateID } }
        #expect(skipped, "thumbd never logged the cancelled run: \(worker.lines.suffix(5))")
        worker.signal(SIGTERM)
        #expect(await worker.wait() == 0)

        let earlyID = String(earlyLocation.split(separator: "/").last ?? "")
        #expect(try await service.store.get(earlyID)?.status == .cancelled)
        #expect(try await service.store.get(lateID)?.status == .cancelled, "never complete after a cancel")
        let outputs = try await Moto.clients.s3.listObjectsV2(bucket: service.outputs).objects.map(\.key)
        #expect(!outputs.contains { $0.hasPrefix(earlyID) }, "the early job never ran")
        #expect(!outputs.contains { $0.hasPrefix(lateID) }, "a job cancelled while it ran leaves no output: \(outputs)")
        service.api?.signal(SIGTERM)
        _ = await service.api?.wait()
    }

    @Test("a job whose worker dies on it maxReceiveCount times ends failed with worker_lost")
    func workerLostLive() async throws {
        var service = try await LiveService(["THUMBD_API_AUTH": "none"])
        let again = try await service.tool("thumbctl", ["setup", "--max-receive-count", "1"])
        #expect(again.status == 0)
        try await service.startAPI()
        let created = try await service.curl(["-X", "POST", "-F", "image=@\(Bodies.photos.appendingPathComponent("owl.jpg").path)", "\(service.base)/"])
        let location = try #require(created.headers["location"])
        // A worker takes the message and dies without a word.
        let queueURL = try await Moto.clients.sqs.getQueueUrl(name: service.environment["THUMBD_QUEUE"]!)
        let taken = try await Moto.clients.sqs.receiveMessage(queueUrl: queueURL, maxMessages: 1, waitSeconds: 5, visibilityTimeout: 1)
        #expect(taken.count == 1)
        try await Task.sleep(for: .seconds(2))
        let worker = try service.startWorker()
        let failed = try await service.poll(location, seconds: 60) { $0["status"] as? String == "failed" }
        #expect((failed["error"] as? [String: Any])?["code"] as? String == "worker_lost", "\(failed)")
        #expect((failed["error"] as? [String: Any])?["title"] as? String == "The worker was lost while making the thumbnails", "the code in plain words")
        worker.signal(SIGTERM)
        _ = await worker.wait()
        service.api?.signal(SIGTERM)
        _ = await service.api?.wait()
    }

    @Test("an invalid setting exits 78 (EX_CONFIG, which systemd does not restart) naming the setting")
    func invalidSetting() async throws {
        let service = try await LiveService(["THUMBD_API_AUTH": "bogus"])
        let result = try await service.tool("thumbd-api", [])
        #expect(result.status == 78 && result.stderr.contains("THUMBD_API_AUTH"), "\(result.status) \(result.stderr)")
    }

    @Test("under systemd (Type=notify): READY=1 once it listens, STOPPING=1 when SIGTERM starts the drain")
    func systemdNotify() async throws {
        var service = try await LiveService(["THUMBD_API_AUTH": "none"])
        let socket = FileManager.default.temporaryDirectory.appendingPathComponent("api-notify-\(service.id).sock").path
        let listener = try PeerProcess("notify_listener.py", [socket])
        defer { listener.stop() }
        try await service.startAPI(["NOTIFY_SOCKET": socket])
        let ready = try await offCooperativePool { listener.readLine() }
        #expect(ready.hasPrefix("READY=1") && ready.contains("listening on 127.0.0.1:\(service.port)"), "\(ready)")
        service.api?.signal(SIGTERM)
        let stopping = try await offCooperativePool { listener.readLine() }
        #expect(stopping == "STOPPING=1")
        #expect(await service.api?.wait() == 0)
    }

    @Test("SIGTERM: a held Prefer: wait answers 202 at once with the job as it stands, and thumbd-api exits 0")
    func gracefulStop() async throws {
        var service = try await LiveService(["THUMBD_API_AUTH": "none"])
        try await service.startAPI()
        let started = service
        let held = Task {
            try await started.curl([
                "-X", "POST", "-H", "Prefer: wait=60", "-F", "image=@\(Bodies.photos.appendingPathComponent("owl.jpg").path)", "\(started.base)/",
            ])
        }
        try await Task.sleep(for: .seconds(2))
        let stopAt = Date()
        service.api?.signal(SIGTERM)
        let answer = try await held.value
        #expect(Date().timeIntervalSince(stopAt) < 5)
        #expect(answer.status == 202)
        #expect(LiveService.json(answer.body)["status"] as? String == "pending")
        #expect(await service.api?.wait() == 0)
    }
}
