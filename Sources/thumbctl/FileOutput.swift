import Foundation

/// Writes a thumbnail to a local file as `cp` would: created or truncated, mode 0666 less the umask,
/// and no `fsync`: Foundation's `Data.write` syncs every file, time that neither `cp` nor vipsthumbnail
/// spends and that a command-line tool promises no one.
enum FileOutput {
    /// Why a file could not be written: its path and the `errno` of the call that failed.
    struct Failure: Error, CustomStringConvertible {
        let path: String
        let code: Int32
        var description: String { "cannot write \(path): \(String(cString: strerror(code)))" }
    }

    /// - Throws: `Failure` with the `errno` of the `open`, `write` or `close` that failed.
    static func write(_ bytes: [UInt8], to path: String) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o666)
        guard descriptor >= 0 else { throw Failure(path: path, code: errno) }
        var failure: Int32 = 0
        bytes.withUnsafeBytes { buffer in
            var written = 0
            while written < buffer.count {
                let count = Foundation.write(descriptor, buffer.baseAddress! + written, buffer.count - written)
                if count < 0 && errno == EINTR { continue }
                if count <= 0 {
                    failure = count < 0 ? errno : EIO
                    return
                }
                written += count
            }
        }
        if close(descriptor) != 0 && failure == 0 { failure = errno }
        if failure != 0 { throw Failure(path: path, code: failure) }
    }
}
