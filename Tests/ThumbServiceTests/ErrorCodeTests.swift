import Foundation
import Imaging
import TestSupport
import Testing

@testable import ThumbService

/// Error codes are a public contract: the README's table is checked against the type, both ways.
@Suite("Error codes")
struct ErrorCodeTests {
    /// The first column of the table under "### Error codes" in README.md.
    static func readmeCodes() throws -> [String] {
        let readme = try String(contentsOf: ProjectPaths.root.appendingPathComponent("README.md"), encoding: .utf8)
        let section = try #require(readme.range(of: "### Error codes"), "README.md has no Error codes section")
        let rest = readme[section.upperBound...]
        let end = rest.range(of: "\n#")?.lowerBound ?? rest.endIndex
        return rest[..<end].split(separator: "\n").compactMap { line -> String? in
            guard line.hasPrefix("| `") else { return nil }
            return line.dropFirst(3).split(separator: "`").first.map(String.init)
        }
    }

    @Test("the README's table lists exactly the codes JobError.Code has, once each")
    func readmeTable() throws {
        let listed = try Self.readmeCodes()
        #expect(listed.count == Set(listed).count, "a code listed twice: \(listed)")
        let known = Set(JobError.Code.allCases.map(\.rawValue))
        #expect(Set(listed).subtracting(known).isEmpty, "listed but no such code: \(Set(listed).subtracting(known).sorted())")
        #expect(known.subtracting(listed).isEmpty, "codes the README does not list: \(known.subtracting(listed).sorted())")
    }

    @Test("every imaging code reaches the dead-letter queue under its own name")
    func imagingCodes() {
        for code in ImagingError.Code.allCases {
            let error = JobError.fromImaging(ImagingError(code, "x"))
            #expect(error.code.rawValue == code.rawValue)
            #expect(error.isTransient == (code == .encodeFailed))
        }
    }

    @Test("codes are snake_case words")
    func spelling() {
        for code in JobError.Code.allCases {
            #expect(code.rawValue.allSatisfy { $0.isLowercase || $0.isNumber || $0 == "_" }, "\(code.rawValue)")
        }
    }
}
