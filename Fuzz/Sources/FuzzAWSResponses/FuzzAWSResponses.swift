import FuzzDriver
import AWSKit
import Foundation

/// Any bytes as an SQS or S3 answer: the JSON and XML error parsers and the XML tree.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data else { return 0 }
    let body = Data(bytes: data, count: size)
    for status in [400, 503] {
        let response = HTTPResponse(status: status, headers: ["x-amzn-query-error": "A;B"], body: body)
        _ = SQSErrorParser.parse(response)
        _ = S3ErrorParser.parse(response)
    }
    if let tree = XMLTree.parse(body) {
        _ = tree.descendant("Contents")?["Key"]
    }
    return 0
}

@_cdecl("FuzzAWSResponses_main")
public func fuzzerMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    runFuzzer(argc, argv, fuzz)
}
