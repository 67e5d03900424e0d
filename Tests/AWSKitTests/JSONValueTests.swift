import Foundation
import TestSupport
import Testing

@testable import AWSKit

/// JSONValue's own writer, checked against Python's json module (an independent RFC 8259 reader) and
/// against its own sorted, compact form.
@Suite("JSONValue writer")
struct JSONValueTests {
    static let tricky = "quote \" backslash \\ slash / tab \t newline \n cr \r nul \u{0} bell \u{7} unit \u{1F} del \u{7F} é 漢字 😀 \u{2028}"

    @Test("the exact bytes: members sorted, compact, only what RFC 8259 requires escaped")
    func exactBytes() {
        let value: JSONValue = ["b": [1, true, "x"], "a": ["z": -42, "y": false], "c": .string("\"\\/\n\u{1}")]
        #expect(String(decoding: value.data(), as: UTF8.self) == #"{"a":{"y":false,"z":-42},"b":[1,true,"x"],"c":"\"\\/\n\u0001"}"#)
        #expect(String(decoding: JSONValue.object([:]).data(), as: UTF8.self) == "{}")
        #expect(String(decoding: JSONValue.array([]).data(), as: UTF8.self) == "[]")
    }

    @Test("Python's json reads back every string and number as written")
    func pythonReadsIt() throws {
        let value: JSONValue = [
            "tricky": .string(Self.tricky), "numbers": [0, 1, -1, .int(Int.max), .int(Int.min)], "nested": [["k": .string(Self.tricky)]],
            Self.tricky: "key with everything",
        ]
        // Python parses each and prints it in its own canonical form; both must come out the same.
        func canonical(_ data: Data) throws -> String {
            let script = "import json, sys; print(json.dumps(json.loads(sys.stdin.buffer.read()), sort_keys=True, ensure_ascii=True))"
            let result = try runProcess("/usr/bin/env", ["python3", "-c", script], input: data)
            #expect(result.status == 0, "\(result.stderr)")
            return result.output
        }
        let output = try canonical(value.data())
        let expected = try canonical(
            try JSONSerialization.data(
                withJSONObject: [
                    "tricky": Self.tricky, "numbers": [0, 1, -1, Int.max, Int.min], "nested": [["k": Self.tricky]],
                    Self.tricky: "key with everything",
                ] as [String: Any]))
        #expect(!output.isEmpty)
        #expect(output == expected)
    }
}
