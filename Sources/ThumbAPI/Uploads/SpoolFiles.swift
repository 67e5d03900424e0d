import Foundation
import Synchronization

/// The temporary files uploads are spooled to, kept open and reused. Each is unlinked as soon as it
/// is made, so it has no name to leak and vanishes with the process; a released file is truncated
/// and kept for the next upload (at most `keep` of them). Making and removing a file for every
/// upload (create, unlink, inode eviction on ext4) cost more CPU than parsing the upload.
final class SpoolFiles: Sendable {
    /// Where new files are made (`TMPDIR`, else `/tmp`).
    let directory: String
    /// The most idle files kept open.
    let keep: Int
    private let idle = Mutex<[Int32]>([])

    init(directory: String = NSTemporaryDirectory(), keep: Int = 64) {
        self.directory = directory.hasSuffix("/") ? directory : directory + "/"
        self.keep = keep
    }

    deinit {
        for descriptor in idle.withLock({ $0 }) { close(descriptor) }
    }

    /// An empty file open for reading and writing, used by nobody else until `release`.
    /// - Throws: `Problem` `unavailable` when no file can be made.
    func take() throws -> Int32 {
        if let descriptor = idle.withLock({ $0.popLast() }) { return descriptor }
        var template = Array(directory.utf8CString.dropLast()) + Array("thumbd-upload-XXXXXX".utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else { throw Problem(.unavailable, "no temporary file for the upload (errno \(errno))") }
        unlink(template)
        _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
        return descriptor
    }

    /// Gives a file back: emptied and kept, or closed when `keep` are idle already or it cannot be emptied.
    func release(_ descriptor: Int32) {
        guard ftruncate(descriptor, 0) == 0 else {
            close(descriptor)
            return
        }
        let kept = idle.withLock { idle -> Bool in
            guard idle.count < keep else { return false }
            idle.append(descriptor)
            return true
        }
        if !kept { close(descriptor) }
    }

    /// How many files wait for an upload.
    var idleCount: Int { idle.withLock { $0.count } }
}
