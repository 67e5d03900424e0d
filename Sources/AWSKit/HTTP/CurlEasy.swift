import CCurl
import Foundation
import Synchronization

/// Set from any thread to abort a transfer in progress (task cancellation); libcurl polls it.
final class CancellationFlag: Sendable {
    private let value = Atomic<Bool>(false)
    func cancel() { value.store(true, ordering: .relaxed) }
    var isCancelled: Bool { value.load(ordering: .relaxed) }
}

/// One libcurl easy handle. It keeps its connection cache between requests (keep-alive), so a
/// handle is reused for many requests, by one thread at a time: not `Sendable`.
final class CurlEasy {
    private let handle: UnsafeMutableRawPointer
    /// libcurl keeps this pointer (CURLOPT_ERRORBUFFER) and writes into it during later calls, so it is
    /// memory we own for the handle's life: a pointer made from `&array` is valid for one call only.
    private let errorBuffer: UnsafeMutablePointer<CChar>

    /// `curl_global_init`'s result, once per process (libcurl's rule: before any other call), after
    /// libcurl is loaded (`ccurl_load`: on first use, not at start). A process that cannot load
    /// libcurl.so.4 stops here, at its first request, saying why.
    static let globalInit: CURLcode = {
        guard ccurl_load() != 0 else { fatalError("libcurl cannot be loaded: \(String(cString: ccurl_load_error()))") }
        return curl_global_init(Int(CURL_GLOBAL_DEFAULT))
    }()

    init() {
        guard Self.globalInit == CURLE_OK else {
            fatalError("curl_global_init failed: \(String(cString: curl_easy_strerror(Self.globalInit)))")
        }
        guard let handle = curl_easy_init() else { fatalError("curl_easy_init failed: out of memory") }
        self.handle = handle
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
    }

    deinit {
        curl_easy_cleanup(handle)  // first: the handle no longer writes into the buffer
        errorBuffer.deallocate()
    }

    /// Performs `request`, blocking the calling thread until the response is complete or fails.
    func perform(
        _ request: HTTPRequest, connectTimeout: TimeInterval, readTimeout: TimeInterval, caBundle: String? = nil,
        cancellation: CancellationFlag? = nil
    ) throws -> HTTPResponse {
        curl_easy_reset(handle)
        let target = "\(request.method) \(request.endpoint.origin)\(request.path)"
        if cancellation?.isCancelled == true {
            throw HTTPError(kind: .cancelled, message: "cancelled before it was sent", target: target)
        }
        let sink = ResponseSink(limit: request.maxResponseBytes, truncate: request.truncateResponse, cancellation: cancellation)
        let gate = request.allowAddress.map(AddressGate.init)
        let sinkPointer = Unmanaged.passUnretained(sink).toOpaque()

        var headerList: UnsafeMutablePointer<curl_slist>?
        defer { curl_slist_free_all(headerList) }
        for field in request.headers {
            // "Name;" is curl's way to send a header with an empty value.
            let line = field.value.isEmpty ? "\(field.name);" : "\(field.name): \(field.value)"
            headerList = curl_slist_append(headerList, line)
        }
        // Headers curl would add on its own: no 100-continue round trip, no form content type on a
        // body we did not type, no Accept we did not ask for.
        headerList = curl_slist_append(headerList, "Expect:")
        headerList = curl_slist_append(headerList, "Accept:")
        if !request.headers.contains(name: "Content-Type") {
            headerList = curl_slist_append(headerList, "Content-Type:")
        }

        return try withExtendedLifetime(sink) {
            try request.body.withUnsafeBytes { body -> HTTPResponse in
                var code = CURLE_OK
                func set(_ result: CURLcode) {
                    if code == CURLE_OK && result != CURLE_OK { code = result }
                }
                set(ccurl_setopt_string(handle, CURLOPT_URL, request.url))
                set(ccurl_setopt_long(handle, CURLOPT_NOSIGNAL, 1))
                set(ccurl_setopt_long(handle, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1))
                set(ccurl_setopt_long(handle, CURLOPT_SSL_VERIFYPEER, 1))
                set(ccurl_setopt_long(handle, CURLOPT_SSL_VERIFYHOST, 2))
                if let caBundle { set(ccurl_setopt_string(handle, CURLOPT_CAINFO, caBundle)) }
                set(ccurl_setopt_long(handle, CURLOPT_TCP_KEEPALIVE, 1))
                set(ccurl_setopt_long(handle, CURLOPT_FOLLOWLOCATION, 0))
                set(ccurl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, Int(connectTimeout * 1000)))
                set(ccurl_setopt_long(handle, CURLOPT_TIMEOUT_MS, max(1, Int(request.timeout * 1000))))
                // The read timeout: under 1 byte/s for readTimeout seconds means nothing is arriving.
                set(ccurl_setopt_long(handle, CURLOPT_LOW_SPEED_LIMIT, 1))
                set(ccurl_setopt_long(handle, CURLOPT_LOW_SPEED_TIME, max(1, Int(readTimeout.rounded(.up)))))
                // Refuse a declared Content-Length over the cap before reading any of the body;
                // the write callback enforces it for bodies of unknown length.
                if !request.truncateResponse {
                    set(ccurl_setopt_off(handle, CURLOPT_MAXFILESIZE_LARGE, curl_off_t(request.maxResponseBytes)))
                }
                // "" turns off every proxy, the environment's included (curl_easy_setopt(3), CURLOPT_PROXY).
                if !request.useEnvironmentProxy { set(ccurl_setopt_string(handle, CURLOPT_PROXY, "")) }
                if let gate {
                    set(ccurl_setopt_opensocket(handle, curlOpenSocket))
                    set(ccurl_setopt_pointer(handle, CURLOPT_OPENSOCKETDATA, Unmanaged.passUnretained(gate).toOpaque()))
                }
                set(ccurl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer))
                set(ccurl_setopt_callback(handle, CURLOPT_WRITEFUNCTION, curlWriteBody))
                set(ccurl_setopt_pointer(handle, CURLOPT_WRITEDATA, sinkPointer))
                set(ccurl_setopt_callback(handle, CURLOPT_HEADERFUNCTION, curlWriteHeader))
                set(ccurl_setopt_pointer(handle, CURLOPT_HEADERDATA, sinkPointer))
                set(ccurl_setopt_slist(handle, CURLOPT_HTTPHEADER, headerList))
                if cancellation != nil {
                    set(ccurl_setopt_long(handle, CURLOPT_NOPROGRESS, 0))
                    set(ccurl_setopt_xferinfo(handle, curlProgress))
                    set(ccurl_setopt_pointer(handle, CURLOPT_XFERINFODATA, sinkPointer))
                }

                // A file body: read with pread as curl sends it, from offset 0 on each attempt (and
                // again if curl rewinds to resend on a fresh connection).
                let fileBody = request.bodyFile.map { FileBody(descriptor: $0.descriptor, length: $0.length) }
                switch request.method {
                case _ where fileBody != nil:
                    let reader = Unmanaged.passUnretained(fileBody!).toOpaque()
                    set(ccurl_setopt_long(handle, CURLOPT_UPLOAD, 1))
                    set(ccurl_setopt_callback(handle, CURLOPT_READFUNCTION, curlReadFile))
                    set(ccurl_setopt_pointer(handle, CURLOPT_READDATA, reader))
                    set(ccurl_setopt_seek(handle, curlSeekFile))
                    set(ccurl_setopt_pointer(handle, CURLOPT_SEEKDATA, reader))
                    set(ccurl_setopt_off(handle, CURLOPT_INFILESIZE_LARGE, curl_off_t(fileBody!.length)))
                    set(ccurl_setopt_string(handle, CURLOPT_CUSTOMREQUEST, request.method))
                case "GET":
                    set(ccurl_setopt_long(handle, CURLOPT_HTTPGET, 1))
                case "HEAD":
                    set(ccurl_setopt_long(handle, CURLOPT_NOBODY, 1))
                default:
                    // A body (possibly empty, so Content-Length: 0 is sent) under any method name.
                    set(ccurl_setopt_off(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count)))
                    let emptyBody: StaticString = ""
                    let pointer = body.baseAddress.map { UnsafeMutableRawPointer(mutating: $0) }
                        ?? UnsafeMutableRawPointer(mutating: emptyBody.utf8Start)
                    set(ccurl_setopt_pointer(handle, CURLOPT_POSTFIELDS, pointer))
                    set(ccurl_setopt_string(handle, CURLOPT_CUSTOMREQUEST, request.method))
                }
                guard code == CURLE_OK else {
                    throw HTTPError(kind: .invalidRequest, message: describe(code), target: target)
                }

                errorBuffer[0] = 0
                var result = withExtendedLifetime((fileBody, gate)) { curl_easy_perform(handle) }
                if result != CURLE_OK, let gate, gate.opened == 0, let refused = gate.refused {
                    throw HTTPError(kind: .addressRefused, message: "connecting to \(refused) is not allowed", target: target)
                }
                // The body was cut at the limit on purpose (truncateResponse): the answer is complete.
                if result == CURLE_WRITE_ERROR && sink.truncated { result = CURLE_OK }
                if let failure = fileBody?.failure {
                    throw HTTPError(kind: .invalidRequest, message: "the body file could not be read (errno \(failure))", target: target)
                }
                if result != CURLE_OK {
                    throw HTTPError(kind: kind(of: result, sink: sink), message: describe(result), target: target)
                }
                var status = 0
                _ = ccurl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
                return HTTPResponse(status: status, headers: sink.headers, body: sink.body)
            }
        }
    }

    private func kind(of code: CURLcode, sink: ResponseSink) -> HTTPError.Kind {
        switch code {
        case CURLE_OPERATION_TIMEDOUT:
            return .timeout
        case CURLE_ABORTED_BY_CALLBACK:
            return .cancelled
        case CURLE_FILESIZE_EXCEEDED:
            return .responseTooLarge
        case CURLE_WRITE_ERROR where sink.exceeded:
            return .responseTooLarge
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER,
            CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ISSUER_ERROR:
            return .tls
        case CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL, CURLE_OUT_OF_MEMORY, CURLE_BAD_FUNCTION_ARGUMENT:
            return .invalidRequest
        default:
            return .connection
        }
    }

    private func describe(_ code: CURLcode) -> String {
        let detail = String(cString: errorBuffer)
        let summary = String(cString: curl_easy_strerror(code))
        return detail.isEmpty ? "\(summary) (curl \(code.rawValue))" : "\(detail) (curl \(code.rawValue))"
    }
}

/// Collects the status line's headers and the body of one response, refusing more than `limit` bytes
/// (or, with `truncate`, keeping only the first `limit`).
final class ResponseSink {
    let limit: Int
    let truncate: Bool
    let cancellation: CancellationFlag?
    var body = Data()
    var headers = HTTPHeaders()
    var exceeded = false
    /// The transfer was stopped at `limit` with `truncate`.
    var truncated = false

    init(limit: Int, truncate: Bool = false, cancellation: CancellationFlag? = nil) {
        self.limit = limit
        self.truncate = truncate
        self.cancellation = cancellation
    }

    /// Whether to go on: false stops the transfer (over the limit; with `truncate`, once the first
    /// `limit` bytes are kept, so a long or endless answer costs nothing more).
    func appendBody(_ pointer: UnsafeMutablePointer<CChar>, count: Int) -> Bool {
        guard body.count + count > limit else {
            pointer.withMemoryRebound(to: UInt8.self, capacity: count) { body.append($0, count: count) }
            return true
        }
        exceeded = true
        guard truncate else { return false }
        let kept = max(0, limit - body.count)
        pointer.withMemoryRebound(to: UInt8.self, capacity: count) { body.append($0, count: kept) }
        truncated = true
        return false
    }

    /// One header line as curl hands it over (CRLF included). Trimmed by hand over its UTF-8: this
    /// runs for every header of every response, and Foundation's trimming cost more than the rest of
    /// the response's handling.
    func appendHeaderLine(_ line: UnsafeBufferPointer<UInt8>) {
        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A }
        func trimmed(_ slice: Slice<UnsafeBufferPointer<UInt8>>) -> String {
            var start = slice.startIndex
            var end = slice.endIndex
            while start < end, isSpace(slice[start]) { start += 1 }
            while end > start, isSpace(slice[end - 1]) { end -= 1 }
            return String(decoding: slice.base[start..<end], as: UTF8.self)
        }
        let whole = line[...]
        let text = trimmed(whole)
        if text.hasPrefix("HTTP/") {
            // A new status line (after a 100 Continue or a proxy's CONNECT): start over.
            headers = HTTPHeaders()
        } else if let colon = whole.firstIndex(of: UInt8(ascii: ":")) {
            headers.add(name: trimmed(line[whole.startIndex..<colon]), value: trimmed(line[(colon + 1)..<whole.endIndex]))
        }
    }
}

private let curlWriteBody: ccurl_data_callback = { pointer, size, count, userdata in
    guard let pointer, let userdata else { return 0 }
    let sink = Unmanaged<ResponseSink>.fromOpaque(userdata).takeUnretainedValue()
    let total = size * count
    // Returning less than `total` makes curl fail the transfer with CURLE_WRITE_ERROR.
    return sink.appendBody(pointer, count: total) ? total : 0
}

private let curlWriteHeader: ccurl_data_callback = { pointer, size, count, userdata in
    guard let pointer, let userdata else { return 0 }
    let sink = Unmanaged<ResponseSink>.fromOpaque(userdata).takeUnretainedValue()
    let total = size * count
    pointer.withMemoryRebound(to: UInt8.self, capacity: total) {
        sink.appendHeaderLine(UnsafeBufferPointer(start: $0, count: total))
    }
    return total
}

private let curlProgress: ccurl_xferinfo_callback = { userdata, _, _, _, _ in
    guard let userdata else { return 0 }
    let sink = Unmanaged<ResponseSink>.fromOpaque(userdata).takeUnretainedValue()
    // Non-zero aborts the transfer with CURLE_ABORTED_BY_CALLBACK.
    return sink.cancellation?.isCancelled == true ? 1 : 0
}

/// `HTTPRequest.allowAddress` as the open-socket callback sees it: the last address it refused, and
/// how many sockets it opened (curl tries each address of a name in turn).
final class AddressGate {
    let allows: @Sendable ([UInt8]) -> Bool
    var refused: String?
    var opened = 0

    init(_ allows: @escaping @Sendable ([UInt8]) -> Bool) { self.allows = allows }

    /// The IP address of a `sockaddr` of `length` bytes (IPv4 or IPv6), or nil for another family
    /// or a length too short for its family.
    static func bytes(of address: UnsafeRawPointer, length: Int, family: Int32) -> [UInt8]? {
        switch family {
        case AF_INET where length >= MemoryLayout<sockaddr_in>.size:
            var raw = address.loadUnaligned(as: sockaddr_in.self).sin_addr
            return withUnsafeBytes(of: &raw) { Array($0) }
        case AF_INET6 where length >= MemoryLayout<sockaddr_in6>.size:
            var raw = address.loadUnaligned(as: sockaddr_in6.self).sin6_addr
            return withUnsafeBytes(of: &raw) { Array($0) }
        default:
            return nil
        }
    }

    static func describe(_ bytes: [UInt8]) -> String {
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let family = bytes.count == 4 ? AF_INET : AF_INET6
        return bytes.withUnsafeBytes { raw in
            inet_ntop(family, raw.baseAddress, &text, socklen_t(text.count)) == nil ? "?" : String(cString: text)
        }
    }
}

/// Opens the socket curl asked for only if the gate allows the address it is for (every address of
/// a name is asked about, as curl tries them).
private let curlOpenSocket: ccurl_opensocket_callback = { clientp, _, address in
    guard let clientp, let address else { return CURL_SOCKET_BAD }
    let gate = Unmanaged<AddressGate>.fromOpaque(clientp).takeUnretainedValue()
    let family = address.pointee.family
    // curl hands over its own struct whose address is storage of `addrlen` bytes (a sockaddr_in6 is
    // longer than the `struct sockaddr` curl_sockaddr declares): read no more than that.
    let offset = MemoryLayout<curl_sockaddr>.offset(of: \curl_sockaddr.addr)!
    let bytes = AddressGate.bytes(of: UnsafeRawPointer(address) + offset, length: Int(address.pointee.addrlen), family: family)
    guard let bytes, gate.allows(bytes) else {
        gate.refused = bytes.map(AddressGate.describe) ?? "an address of family \(family)"
        return CURL_SOCKET_BAD
    }
    let descriptor = socket(family, address.pointee.socktype, address.pointee.protocol)
    if descriptor >= 0 { gate.opened += 1 }
    return descriptor
}

/// A request body read from a file as curl sends it: bytes `0..<length` of `descriptor`, by `pread`.
final class FileBody {
    let descriptor: Int32
    let length: Int
    var offset = 0
    /// The `errno` of a failed read (the transfer is aborted).
    var failure: Int32?

    init(descriptor: Int32, length: Int) {
        self.descriptor = descriptor
        self.length = length
    }

    /// Fills `buffer` with the next bytes; 0 at the end.
    func read(into buffer: UnsafeMutableRawPointer, capacity: Int) -> Int? {
        let wanted = min(capacity, length - offset)
        guard wanted > 0 else { return 0 }
        while true {
            let count = pread(descriptor, buffer, wanted, off_t(offset))
            if count < 0 && errno == EINTR { continue }
            // A file shorter than it was said to be is an error too: curl would wait for the rest.
            guard count > 0 else {
                failure = count < 0 ? errno : EIO
                return nil
            }
            offset += count
            return count
        }
    }
}

private let curlReadFile: ccurl_data_callback = { pointer, size, count, userdata in
    guard let pointer, let userdata else { return Int(CURL_READFUNC_ABORT) }
    let body = Unmanaged<FileBody>.fromOpaque(userdata).takeUnretainedValue()
    return body.read(into: pointer, capacity: size * count) ?? Int(CURL_READFUNC_ABORT)
}

private let curlSeekFile: ccurl_seek_callback = { userdata, offset, origin in
    guard let userdata, origin == SEEK_SET, offset >= 0 else { return Int32(CURL_SEEKFUNC_CANTSEEK) }
    let body = Unmanaged<FileBody>.fromOpaque(userdata).takeUnretainedValue()
    guard Int(offset) <= body.length else { return Int32(CURL_SEEKFUNC_FAIL) }
    body.offset = Int(offset)
    return Int32(CURL_SEEKFUNC_OK)
}
