import Foundation
import TestSupport

/// Locates `../shared` beside the project (the AWS SigV4 test suite lives there, not in the project).
enum SharedFixtures {
    static let projectRoot = ProjectPaths.root

    static let sigv4Suite: URL = {
        if let override = ProcessInfo.processInfo.environment["SIGV4_TEST_SUITE"] {
            return URL(fileURLWithPath: override)
        }
        return projectRoot.deletingLastPathComponent().appendingPathComponent("shared/sigv4-test-suite")
    }()

    static var sigv4SuiteAvailable: Bool {
        FileManager.default.fileExists(atPath: sigv4Suite.appendingPathComponent("aws-c-auth/v4").path)
    }

    static let skipNote = "skipped: ../shared/sigv4-test-suite is absent (set SIGV4_TEST_SUITE to its path)"
}

/// A raw HTTP/1.1 request as the suites write it: request line, `Name:value` headers (a line that
/// starts with white space continues the previous value), a blank line, then the body.
struct RawRequest {
    var method: String
    var target: String
    var headers: [(String, String)]
    var body: Data

    init(text: String) {
        var lines = text.components(separatedBy: "\n")
        let requestLine = lines.removeFirst().split(separator: " ")
        method = String(requestLine[0])
        // The target may hold a raw space (`/example space/`): everything between method and version.
        target = requestLine.dropFirst().dropLast().joined(separator: " ")
        headers = []
        var bodyLines: [String]? = nil
        for line in lines {
            if bodyLines != nil {
                bodyLines!.append(line)
            } else if line.isEmpty {
                bodyLines = []
            } else if line.first == " " || line.first == "\t", !headers.isEmpty {
                headers[headers.count - 1].1 += "\n" + line
            } else if let colon = line.firstIndex(of: ":") {
                headers.append((String(line[..<colon]), String(line[line.index(after: colon)...])))
            }
        }
        body = Data((bodyLines ?? []).joined(separator: "\n").utf8)
    }

    var path: String {
        String(target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)[0])
    }

    var query: String {
        let parts = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        return parts.count > 1 ? String(parts[1]) : ""
    }
}
