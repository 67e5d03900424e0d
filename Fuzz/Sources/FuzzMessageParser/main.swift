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
