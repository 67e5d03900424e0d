import Foundation

/// Runs the Python peers in Tests/peers (botocore, boto3, the fake metadata service).
enum PythonPeer {
    static let folder = SharedFixtures.projectRoot.appendingPathComponent("Tests/peers")

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Runs `script` to completion with `arguments` and `input` on stdin; throws on a non-zero exit.
    @discardableResult
    static func run(_ script: String, _ arguments: [String] = [], input: Data = Data(), environment: [String: String] = [:])
        throws -> Data
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", folder.appendingPathComponent(script).path] + arguments
        var env = ProcessInfo.processInfo.environment
        env.merge(environment) { _, new in new }
        process.environment = env
        let stdin = Pipe()
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        stdin.fileHandleForWriting.write(input)
        try stdin.fileHandleForWriting.close()
        // Read both pipes before waiting, so a large output cannot block the child.
        let errorData = ReadAll(stderr.fileHandleForReading)
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(description: "\(script) \(arguments.joined(separator: " ")) failed: \(String(decoding: errorData.wait(), as: UTF8.self))")
        }
        return output
    }

    static func runJSON<T: Decodable>(
        _ script: String, _ arguments: [String] = [], input: Data = Data(), environment: [String: String] = [:], as: T.Type
    ) throws -> T {
        try JSONDecoder().decode(T.self, from: run(script, arguments, input: input, environment: environment))
    }

    /// Reads a pipe to its end on another thread.
    final class ReadAll: @unchecked Sendable {
        private var data = Data()
        private let done = DispatchSemaphore(value: 0)

        init(_ handle: FileHandle) {
            Thread {
                self.data = handle.readDataToEndOfFile()
                self.done.signal()
            }.start()
        }

        func wait() -> Data {
            done.wait()
            return data
        }
    }
}

/// A long-running Python peer (the fake metadata service): started, its port read from its first
/// line of output, and killed when the test is done.
final class PythonServer: @unchecked Sendable {
    let process = Process()
    let port: Int

    init(_ script: String, _ arguments: [String] = []) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", PythonPeer.folder.appendingPathComponent(script).path] + arguments
        let stdout = Pipe()
        process.standardOutput = stdout
        try process.run()
        var line = Data()
        while true {
            let byte = stdout.fileHandleForReading.readData(ofLength: 1)
            if byte.isEmpty || byte == Data("\n".utf8) { break }
            line.append(byte)
        }
        guard let port = Int(String(decoding: line, as: UTF8.self)) else {
            process.terminate()
            throw PythonPeer.Failure(description: "\(script) did not print its port")
        }
        self.port = port
    }

    var url: String { "http://127.0.0.1:\(port)" }

    /// SIGKILL: a child started from a Swift thread inherits that thread's blocked signals, SIGTERM
    /// among them, so terminate() would not stop it.
    func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}
