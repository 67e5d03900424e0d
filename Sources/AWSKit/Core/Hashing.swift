import CCrypto
import Foundation

/// SHA-256, HMAC-SHA256 and MD5 from OpenSSL's libcrypto, with the hex and base64 forms AWS uses.
public enum Hashing {
    public static func sha256<D: ContiguousBytes>(_ data: D) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        data.withUnsafeBytes { buffer in
            // EVP_Digest only fails on allocation failure; an all-zero digest would then fail signing loudly.
            _ = ccrypto_sha256(buffer.baseAddress, buffer.count, &out)
        }
        return out
    }

    public static func md5<D: ContiguousBytes>(_ data: D) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 16)
        data.withUnsafeBytes { buffer in
            _ = ccrypto_md5(buffer.baseAddress, buffer.count, &out)
        }
        return out
    }

    public static func hmacSHA256<K: ContiguousBytes, D: ContiguousBytes>(key: K, _ data: D) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        key.withUnsafeBytes { keyBuffer in
            data.withUnsafeBytes { dataBuffer in
                _ = ccrypto_hmac_sha256(
                    keyBuffer.baseAddress, Int32(keyBuffer.count), dataBuffer.baseAddress, dataBuffer.count, &out)
            }
        }
        return out
    }

    public static func sha256Hex(_ string: String) -> String {
        hex(sha256(Array(string.utf8)))
    }

    public static func sha256Hex<D: ContiguousBytes>(_ data: D) -> String {
        hex(sha256(data))
    }

    /// Lower-case hex, as SigV4 wants it.
    public static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
