import Foundation
import ThumbService

#if canImport(Glibc)
    import Glibc
#endif

/// Where webhooks may go: checked once when a job names its `callback_url`, and again for the
/// address actually connected to (a name can resolve to anything, and to something else later).
///
/// A callback URL is `https` (`http` only with `THUMBD_WEBHOOK_ALLOW_HTTP`), has a host and no user
/// information, and is at most 2,048 bytes. An address is refused when it is
/// - unspecified or "this network" (`0.0.0.0/8`, `::`), link-local (`169.254.0.0/16`, where the
///   instance metadata service is; `fe80::/10`), the metadata service's IPv6 prefix (`fd00:ec2::/32`),
///   multicast (`224.0.0.0/4`, `ff00::/8`), reserved or broadcast (`240.0.0.0/4`), site-local
///   (`fec0::/10`), IPv4-mapped or IPv4-compatible IPv6 (`::ffff:0:0/96`, `::/96`): always;
/// - loopback (`127.0.0.0/8`, `::1`), private (RFC 1918: `10/8`, `172.16/12`, `192.168/16`), shared
///   (RFC 6598: `100.64.0.0/10`) or unique-local (`fc00::/7`): unless `THUMBD_WEBHOOK_ALLOW_PRIVATE`.
/// NAT64 addresses (`64:ff9b::/96`, RFC 6052) are judged by the IPv4 address they carry.
/// (Address blocks: the IANA IPv4 and IPv6 Special-Purpose Address Registries, RFC 6890.)
public struct CallbackURLRule: Sendable {
    public let allowHTTP: Bool
    public let allowPrivate: Bool

    public init(allowHTTP: Bool, allowPrivate: Bool) {
        self.allowHTTP = allowHTTP
        self.allowPrivate = allowPrivate
    }

    static let maxLength = 2048

    /// What an address is, for the rule.
    enum AddressKind: Equatable {
        case global
        /// Loopback, private, shared or unique-local: allowed with `allowPrivate`.
        case local(String)
        /// Never allowed.
        case forbidden(String)
    }

    /// Checks a callback URL as a job names it.
    /// - Returns: the URL as it will be called (without a fragment).
    /// - Throws: `Problem` `invalid_callback_url` saying which rule it breaks.
    public func check(_ text: String) throws -> String {
        func refuse(_ why: String) -> Problem { Problem(.invalidCallbackURL, "callback_url \(why)") }
        guard text.utf8.count <= Self.maxLength else { throw refuse("is longer than \(Self.maxLength) bytes") }
        guard var components = URLComponents(string: text), let scheme = components.scheme?.lowercased() else {
            throw refuse("is not an absolute URL")
        }
        guard scheme == "https" || (scheme == "http" && allowHTTP) else {
            throw refuse(allowHTTP ? "must be https or http" : "must be https (plain http is off: THUMBD_WEBHOOK_ALLOW_HTTP)")
        }
        guard components.user == nil, components.password == nil else { throw refuse("must not carry user information") }
        guard var host = components.host, !host.isEmpty else { throw refuse("has no host") }
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if let address = Self.literalAddress(host) {
            switch Self.kind(of: address) {
            case .forbidden(let what): throw refuse("names \(what) (\(host)), which webhooks may not reach")
            case .local(let what) where !allowPrivate:
                throw refuse("names \(what) (\(host)), which webhooks may not reach (THUMBD_WEBHOOK_ALLOW_PRIVATE)")
            case .local, .global: break
            }
        }
        components.fragment = nil
        guard let url = components.string else { throw refuse("is not an absolute URL") }
        return url
    }

    /// Whether a connection to this address may be made (the connect-time check).
    /// - Parameter address: 4 (IPv4) or 16 (IPv6) bytes in network order.
    public func allows(address: [UInt8]) -> Bool { allows(Self.kind(of: address)) }

    private func allows(_ kind: AddressKind) -> Bool {
        switch kind {
        case .global: true
        case .local: allowPrivate
        case .forbidden: false
        }
    }

    /// The address a host names literally: IPv6 in any form `inet_pton` reads, IPv4 in any form
    /// `inet_aton` reads (`127.1`, `0x7f000001` and `2130706433` too, as resolvers take them).
    static func literalAddress(_ host: String) -> [UInt8]? {
        if host.contains(":") {
            var address = in6_addr()
            guard inet_pton(AF_INET6, host, &address) == 1 else { return nil }
            return withUnsafeBytes(of: &address) { Array($0) }
        }
        var address = in_addr()
        guard inet_aton(host, &address) != 0 else { return nil }
        return withUnsafeBytes(of: &address) { Array($0) }
    }

    static func kind(of address: [UInt8]) -> AddressKind {
        if address.count == 4 { return kind(ipv4: address) }
        guard address.count == 16 else { return .forbidden("an address of no known family") }
        let a = address
        let zeroPrefix = a[0..<10].allSatisfy { $0 == 0 }
        if zeroPrefix && a[10] == 0xFF && a[11] == 0xFF { return .forbidden("an IPv4-mapped IPv6 address") }
        if a[0..<12].allSatisfy({ $0 == 0 }) {
            if a[12..<15].allSatisfy({ $0 == 0 }) && a[15] == 1 { return .local("the loopback address") }
            if a[12..<16].allSatisfy({ $0 == 0 }) { return .forbidden("the unspecified address") }
            return .forbidden("an IPv4-compatible IPv6 address")
        }
        if a[0] == 0x00 && a[1] == 0x64 && a[2] == 0xFF && a[3] == 0x9B && a[4..<12].allSatisfy({ $0 == 0 }) {
            return kind(ipv4: Array(a[12..<16]))
        }
        if a[0] == 0xFF { return .forbidden("a multicast address") }
        if a[0] == 0xFE && a[1] & 0xC0 == 0x80 { return .forbidden("a link-local address") }
        if a[0] == 0xFE && a[1] & 0xC0 == 0xC0 { return .forbidden("a site-local address") }
        if a[0] == 0xFD && a[1] == 0x00 && a[2] == 0x0E && a[3] == 0xC2 { return .forbidden("the instance metadata service") }
        if a[0] & 0xFE == 0xFC { return .local("a unique-local address") }
        return .global
    }

    private static func kind(ipv4 a: [UInt8]) -> AddressKind {
        switch (a[0], a[1]) {
        case (0, _): return .forbidden("\"this network\" (0.0.0.0/8)")
        case (127, _): return .local("the loopback network")
        case (10, _), (172, 16...31), (192, 168): return .local("a private address")
        case (100, 64...127): return .local("a shared address (100.64.0.0/10)")
        case (169, 254): return .forbidden("a link-local address (169.254.0.0/16, the instance metadata service)")
        case (224...239, _): return .forbidden("a multicast address")
        case (240...255, _): return .forbidden("a reserved or broadcast address")
        default: return .global
        }
    }
}
