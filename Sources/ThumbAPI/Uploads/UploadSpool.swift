import AWSKit
import Foundation
import NIOCore

/// An upload on its way: written to a temporary file as it arrives (never held whole in memory),
/// hashed (SHA-256, the payload hash S3 checks when it is stored) and counted against the cap.
/// Writes go through a `bufferSize` buffer, so small pieces (a form field, the tail of a parser's
/// chunk) do not cost a write(2) each. The file goes back to `files` when the spool is released.
final class UploadSpool {
    let limit: Int
    /// The spool file, readable with `pread` from offset 0 once `finish` returned.
    let descriptor: Int32
    private(set) var length = 0
    private let files: SpoolFiles
    private let hash = SHA256Stream()
    private var digest: [UInt8]?
    private var pending: [UInt8] = []
    private var flushed = 0

    static let bufferSize = 128 << 10

    /// - Throws: `Problem` `unavailable` when no temporary file can be had.
    init(limit: Int, files: SpoolFiles) throws {
        self.limit = limit
        self.files = files
        descriptor = try files.take()
    }

    deinit {
        files.release(descriptor)
    }

    /// Appends `buffer`.
    /// - Throws: `Problem` `upload_too_large` past `limit` (nothing more is written), `unavailable`
    ///   when the disk refuses.
    func write(_ buffer: ByteBuffer) throws {
        length += buffer.readableBytes
        guard length <= limit else {
            throw Problem(.uploadTooLarge, "the upload is over \(limit >> 20) MB, the most this service accepts")
        }
        try buffer.withUnsafeReadableBytes { bytes in
            hash.update(bytes)
            if pending.isEmpty && bytes.count >= Self.bufferSize {
                try write(bytes)
            } else {
                pending.append(contentsOf: bytes)
                if pending.count >= Self.bufferSize { try flush() }
            }
        }
    }

    private func flush() throws {
        try pending.withUnsafeBytes { try write($0) }
        pending.removeAll(keepingCapacity: true)
    }

    private func write(_ bytes: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < bytes.count {
            let written = pwrite(descriptor, bytes.baseAddress! + offset, bytes.count - offset, off_t(flushed))
            if written < 0 {
                if errno == EINTR { continue }
                throw Problem(.unavailable, "the upload could not be spooled to disk (errno \(errno))")
            }
            offset += written
            flushed += written
        }
    }

    /// Writes what is buffered; the SHA-256 of everything written.
    /// - Throws: `Problem` `unavailable` when the disk refuses the last write.
    func finish() throws -> [UInt8] {
        if let digest { return digest }
        try flush()
        pending = []
        let result = hash.finish()
        digest = result
        return result
    }
}
