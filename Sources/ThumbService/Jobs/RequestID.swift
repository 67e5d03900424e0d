/// Request ids (`X-Request-Id`) travel from thumbd-api's access log into job messages and thumbd's
/// job log line. Only plain tokens are taken from outside (a client, a message), so none can break a
/// log line or carry markup: 1 to 128 of `A-Z a-z 0-9 - _ . :`.
public enum RequestID {
    public static let maxLength = 128

    public static func isPlainToken(_ text: String) -> Bool {
        (1...maxLength).contains(text.utf8.count)
            && text.utf8.allSatisfy { byte in
                (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) || "-_.:".utf8.contains(byte)
            }
    }
}
