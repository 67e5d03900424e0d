import AWSKit
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The upload page at `GET /`: one HTML file, a stylesheet, a script and an icon, compiled into the
/// binary (SwiftPM's `embedInCode` resources: nothing to install beside it, no build step, nothing
/// fetched from elsewhere). The page's one piece of configuration, the auth mode and the default
/// sizes, goes into `data-` attributes of its body, escaped.
///
/// Every answer carries a Content-Security-Policy (W3C CSP Level 3) that lets scripts and styles come
/// only from thumbd-api itself (no inline script, no `eval`), images from here and the output
/// bucket's origin, and requests go here and to the upload bucket's origin; plus `nosniff`, no
/// referrer, and no framing.
struct PageController: Sendable {
    /// `default-src 'none'` and what the page needs on top, from the two buckets' origins.
    let contentSecurityPolicy: String
    let html: ByteBuffer

    /// - Parameters:
    ///   - auth: `keys` or `none` (the page shows the key field for `keys`).
    ///   - sizes: the service's default sizes, as `THUMBD_SIZES` writes them.
    ///   - outputOrigin: where thumbnails are served from (`scheme://host[:port]`).
    ///   - uploadOrigin: the upload bucket's origin.
    init(auth: String, sizes: String, outputOrigin: String, uploadOrigin: String) {
        contentSecurityPolicy = [
            "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' \(outputOrigin)",
            "connect-src 'self' \(uploadOrigin)", "form-action 'self'", "base-uri 'none'", "frame-ancestors 'none'",
        ].joined(separator: "; ")
        let page = String(decoding: PackageResources.index_html, as: UTF8.self)
            .replacingOccurrences(of: "{{auth}}", with: Self.attribute(auth))
            .replacingOccurrences(of: "{{sizes}}", with: Self.attribute(sizes))
        html = ByteBuffer(string: page)
    }

    func addRoutes(to router: Router<APIContext>) {
        router.get("/") { _, _ in respond(html, type: "text/html; charset=utf-8") }
        router.get("/page.js") { _, _ in respond(ByteBuffer(bytes: PackageResources.page_js), type: "text/javascript; charset=utf-8") }
        router.get("/page.css") { _, _ in respond(ByteBuffer(bytes: PackageResources.page_css), type: "text/css; charset=utf-8") }
        router.get("/favicon.svg") { _, _ in respond(ByteBuffer(bytes: PackageResources.favicon_svg), type: "image/svg+xml") }
    }

    private func respond(_ body: ByteBuffer, type: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = type
        headers[.cacheControl] = "no-cache"
        headers[.contentSecurityPolicy] = contentSecurityPolicy
        headers[.xContentTypeOptions] = "nosniff"
        headers[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: body))
    }

    /// Text for a double-quoted HTML attribute value (HTML's "escapable raw text" rules: `&` and `"`,
    /// and `<` `>` for good measure).
    static func attribute(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "\"", with: "&quot;")
            .replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
