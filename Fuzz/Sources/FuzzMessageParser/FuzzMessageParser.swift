import ThumbService

/// Any bytes as an SQS message body: the parser returns jobs or throws a JobError, nothing else.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
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

/// SwiftPM links an executable with `--defsym main=FuzzMessageParser_main`, so libFuzzer's own main is never
/// linked: this entry point hands control to libFuzzer's driver instead.
@_cdecl("FuzzMessageParser_main")
public func fuzzerMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    var count = argc
    var arguments = argv
    return LLVMFuzzerRunDriver(&count, &arguments) { data, size in fuzz(data!, size) }
}

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<Int32>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
) -> Int32
