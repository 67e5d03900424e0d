import AWSKit
import Foundation
import NIOCore

/// An upload on its way: written to a temporary file as it arrives (never held whole in memory),
/// hashed (SHA-256, the payload hash S3 checks when it is stored) and counted against the cap.
/// Writes go through a `bufferSize` buffer: a multipart parser hands over small pieces (it flushes at
/// every byte that might start a boundary), and one write(2) per piece cost more than the parsing.
/// The file is removed when the spool is released.
final class UploadSpool {
    let path: String
    let limit: Int
    private(set) var length = 0
    private var descriptor: Int32
    private let hash = SHA256Stream()
    private var digest: [UInt8]?
    private var pending: [UInt8] = []

    static let bufferSize = 128 << 10

    /// - Throws: `Problem` `unavailable` when no temporary file can be made.
    init(limit: Int, directory: String = NSTemporaryDirectory()) throws {
        self.limit = limit
        var template = Array((directory.hasSuffix("/") ? directory : directory + "/").utf8CString.dropLast())
            + Array("thumbd-upload-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw Problem(.unavailable, "no temporary file for the upload (errno \(errno))") }
        descriptor = fd
        path = String(cString: template)
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
        unlink(path)
    }

    /// Appends `buffer`.
    /// - Throws: `Problem` `upload_too_large` past `limit` (nothing more is written), `unavailable`
    ///   when the disk refuses.
    func write(_ buffer: ByteBuffer) throws {
        length += buffer.readableBytes
        guard length <= limit else {
            throw Problem(.uploadTooLarge, "the upload is over \(limit >> 20) MB, the most this service accepts")
        }
        buffer.withUnsafeReadableBytes { bytes in
            hash.update(bytes)
            pending.append(contentsOf: bytes)
        }
        if pending.count >= Self.bufferSize { try flush() }
    }

    private func flush() throws {
        try pending.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = Foundation.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw Problem(.unavailable, "the upload could not be spooled to disk (errno \(errno))")
                }
                offset += written
            }
        }
        pending.removeAll(keepingCapacity: true)
    }

    /// Writes what is buffered and closes the file; the SHA-256 of everything written.
    /// - Throws: `Problem` `unavailable` when the disk refuses the last write.
    func finish() throws -> [UInt8] {
        if let digest { return digest }
        try flush()
        pending = []
        close(descriptor)
        descriptor = -1
        let result = hash.finish()
        digest = result
        return result
    }
}
