import Foundation
import TestSupport

/// Runs the one-shot Python peers in Tests/peers (botocore, boto3).
enum PythonPeer {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Runs `script` to completion with `arguments` and `input` on stdin; throws on a non-zero exit.
    @discardableResult
    static func run(_ script: String, _ arguments: [String] = [], input: Data = Data(), environment: [String: String] = [:])
        throws -> Data
    {
        var env = ProcessInfo.processInfo.environment
        env.merge(environment) { _, new in new }
        let result = try runProcess(
            "/usr/bin/env", ["python3", ProjectPaths.peers.appendingPathComponent(script).path] + arguments, environment: env,
            input: input)
        guard result.status == 0 else {
            throw Failure(description: "\(script) \(arguments.joined(separator: " ")) failed: \(result.stderr)")
        }
        return result.stdout
    }

    static func runJSON<T: Decodable>(
        _ script: String, _ arguments: [String] = [], input: Data = Data(), environment: [String: String] = [:], as: T.Type
    ) throws -> T {
        try JSONDecoder().decode(T.self, from: run(script, arguments, input: input, environment: environment))
    }
}

typealias PythonServer = PeerProcess
