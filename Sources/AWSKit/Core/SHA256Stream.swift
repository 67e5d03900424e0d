import CCrypto

/// SHA-256 over data that arrives in pieces (an upload hashed while it is written to disk), from
/// OpenSSL's EVP interface. Not thread-safe: one writer.
public final class SHA256Stream {
    private var context: OpaquePointer?

    public init() {
        context = ccrypto_sha256_new()
    }

    deinit {
        if let context { ccrypto_sha256_free(context) }
    }

    public func update(_ bytes: UnsafeRawBufferPointer) {
        guard let context, bytes.count > 0 else { return }
        _ = ccrypto_sha256_update(context, bytes.baseAddress, bytes.count)
    }

    /// The digest; the stream cannot be updated afterwards.
    public func finish() -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        if let context { _ = ccrypto_sha256_final(context, &out) }
        context = nil
        return out
    }
}
