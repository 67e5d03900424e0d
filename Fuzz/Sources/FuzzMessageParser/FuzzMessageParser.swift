import FuzzDriver
import ThumbService

/// Any bytes as an SQS message body: the parser returns jobs or throws a JobError, nothing else.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data else { return 0 }
    let body = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let parser = JobMessageParser(defaultSizes: [SizeRequest(width: 400, height: 400)])
    if case .jobs(let jobs)? = try? parser.parse(body) {
        for job in jobs {
            for size in job.sizes {
                _ = KeyTemplate.render(job.keyTemplate ?? Settings.defaultKeyTemplate, sourceKey: job.key, size: size, format: .jpeg)
            }
        }
    }
    return 0
}

@_cdecl("FuzzMessageParser_main")
public func fuzzerMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    runFuzzer(argc, argv, fuzz)
}
