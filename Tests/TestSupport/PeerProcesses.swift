import Foundation

/// Where the project is, for tests that run its scripts and peers.
public enum ProjectPaths {
    public static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    public static let peers = root.appendingPathComponent("Tests/peers")
}

/// What a finished process printed.
public struct ProcessResult: Sendable {
    public let status: Int32
    public let stdout: Data
    public let stderr: String

    public var output: String { String(decoding: stdout, as: UTF8.self) }
}

/// Runs a program to completion with `input` on stdin, reading both pipes so a large output cannot
/// block it.
@discardableResult
public func runProcess(_ path: String, _ arguments: [String], environment: [String: String]? = nil, input: Data = Data()) throws
    -> ProcessResult
{
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    if let environment { process.environment = environment }
    let stdin = Pipe()
    let stdout = Pipe()
    let stderr = Pipe()
    process.standardInput = stdin
    process.standardOutput = stdout
    process.standardError = stderr
    try process.run()
    stdin.fileHandleForWriting.write(input)
    try stdin.fileHandleForWriting.close()
    let errors = PipeCollector(stderr.fileHandleForReading)
    let output = stdout.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return ProcessResult(status: process.terminationStatus, stdout: output, stderr: String(decoding: errors.wait(), as: UTF8.self))
}

/// Reads a pipe to its end on a thread of its own.
public final class PipeCollector: @unchecked Sendable {
    private var data = Data()
    private let done = DispatchSemaphore(value: 0)

    public init(_ handle: FileHandle) {
        Thread {
            self.data = handle.readDataToEndOfFile()
            self.done.signal()
        }.start()
    }

    public func wait() -> Data {
        done.wait()
        done.signal()
        return data
    }
}

/// A long-running Python peer from Tests/peers (fake IMDS, HTTP server, fault proxy, notify listener):
/// started, its port read from its first line, killed when the test is done.
public final class PeerProcess: @unchecked Sendable {
    public struct StartFailure: Error, CustomStringConvertible {
        public let description: String
    }

    let process = Process()
    let output = Pipe()
    public let port: Int

    public init(_ script: String, _ arguments: [String] = []) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", ProjectPaths.peers.appendingPathComponent(script).path] + arguments
        process.standardOutput = output
        try process.run()
        var firstLine = ""
        for _ in 0..<1 { firstLine = Self.readLine(output.fileHandleForReading) }
        guard let port = Int(firstLine) else {
            kill(process.processIdentifier, SIGKILL)
            throw StartFailure(description: "\(script) did not print its port")
        }
        self.port = port
    }

    public var url: String { "http://127.0.0.1:\(port)" }

    /// The next line the peer prints.
    public func readLine() -> String { Self.readLine(output.fileHandleForReading) }

    /// SIGKILL: a child started from a Swift thread inherits that thread's blocked signals, SIGTERM
    /// among them, so terminate() would not stop it.
    public func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    private static func readLine(_ handle: FileHandle) -> String {
        var line = Data()
        while true {
            let byte = handle.readData(ofLength: 1)
            if byte.isEmpty || byte == Data("\n".utf8) { break }
            line.append(byte)
        }
        return String(decoding: line, as: UTF8.self)
    }
}

/// Runs blocking work (waiting for a process, reading a pipe) on a thread of its own and awaits it:
/// Swift's cooperative pool has one thread per core (two here), and a test blocking them starves every
/// other test running beside it, the in-process worker tests among them.
public func offCooperativePool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}

/// Polls `condition` every `interval` for up to `seconds` (wall clock); whether it came to hold.
public func eventually(
    _ seconds: Double, every interval: Duration = .milliseconds(200), _ condition: () async throws -> Bool
) async rethrows -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: interval)
    }
    return try await condition()
}
