import CLCMS
import Synchronization

/// Converts pixels from an embedded ICC profile to sRGB with LittleCMS. Transforms are built once
/// per distinct profile and shared between threads (`cmsFLAGS_NOCACHE` makes them safe for that).
enum ColorConverter {
    /// An opaque lcms transform handle, safe to share once built (see above).
    final class Transform: @unchecked Sendable {
        let handle: cmsHTRANSFORM
        init(_ handle: cmsHTRANSFORM) { self.handle = handle }
        deinit { cmsDeleteTransform(handle) }
    }

    /// Distinct profiles remembered; every image could carry a new one, so the caches start over past this.
    static let maxCachedProfiles = 64
    private static let cache = Mutex<[CacheKey: Transform?]>([:])
    /// Whether each distinct profile seen is sRGB's: most camera JPEGs carry the same sRGB profile,
    /// which is then parsed once, not on every decode.
    private static let srgbProfiles = Mutex<[[UInt8]: Bool]>([:])
    private static let silenced: Void = { cmsSetLogErrorHandler(nil) }()

    struct CacheKey: Hashable {
        let profile: [UInt8]
        let cmyk: Bool
    }

    /// RGBA (not premultiplied) from `profile`'s RGB space to sRGB, in place. False when the profile
    /// is not a usable RGB profile (the pixels are then left as they are, taken to be sRGB already).
    @discardableResult
    static func convertToSRGB(_ buffer: inout PixelBuffer, profile: [UInt8]) -> Bool {
        guard buffer.channels == 4, let transform = transform(for: profile, cmyk: false) else { return false }
        let count = buffer.width * buffer.height
        buffer.pixels.withUnsafeMutableBytes { bytes in
            // Same pixel size in and out: lcms converts in place.
            cmsDoTransform(transform.handle, bytes.baseAddress, bytes.baseAddress, cmsUInt32Number(count))
        }
        return true
    }

    /// CMYK to RGBA through `profile`; false when the profile is not a CMYK profile.
    static func convertCMYKToRGBA(_ pixels: inout [UInt8], profile: [UInt8]) -> Bool {
        guard let transform = transform(for: profile, cmyk: true) else { return false }
        var output = [UInt8](repeating: 255, count: pixels.count)
        pixels.withUnsafeBytes { input in
            output.withUnsafeMutableBytes { out in
                cmsDoTransform(transform.handle, input.baseAddress, out.baseAddress, cmsUInt32Number(pixels.count / 4))
            }
        }
        pixels = output
        return true
    }

    /// Whether `profile` describes sRGB itself (no conversion needed).
    static func isSRGB(_ profile: [UInt8]) -> Bool {
        if let known = srgbProfiles.withLock({ $0[profile] }) { return known }
        let answer = describesSRGB(profile)
        srgbProfiles.withLock { known in
            if known.count >= maxCachedProfiles { known.removeAll() }
            known[profile] = answer
        }
        return answer
    }

    private static func describesSRGB(_ profile: [UInt8]) -> Bool {
        _ = silenced
        guard let handle = profile.withUnsafeBytes({ cmsOpenProfileFromMem($0.baseAddress, cmsUInt32Number($0.count)) }) else {
            return false
        }
        defer { cmsCloseProfile(handle) }
        var buffer = [CChar](repeating: 0, count: 256)
        let length = cmsGetProfileInfoASCII(handle, cmsInfoDescription, "en", "US", &buffer, cmsUInt32Number(buffer.count))
        guard length > 0 else { return false }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self).lowercased().contains("srgb")
    }

    private static func transform(for profile: [UInt8], cmyk: Bool) -> Transform? {
        _ = silenced
        let key = CacheKey(profile: profile, cmyk: cmyk)
        if let cached = cache.withLock({ $0[key] }) { return cached }
        let built = build(profile, cmyk: cmyk)
        cache.withLock { cache in
            if cache.count >= maxCachedProfiles { cache.removeAll() }
            cache[key] = built
        }
        return built
    }

    private static func build(_ profile: [UInt8], cmyk: Bool) -> Transform? {
        guard let input = profile.withUnsafeBytes({ cmsOpenProfileFromMem($0.baseAddress, cmsUInt32Number($0.count)) }) else {
            return nil
        }
        defer { cmsCloseProfile(input) }
        let space = cmsGetColorSpace(input)
        guard space == (cmyk ? cmsSigCmykData : cmsSigRgbData) else { return nil }
        guard let srgb = cmsCreate_sRGBProfile() else { return nil }
        defer { cmsCloseProfile(srgb) }
        let inputFormat = cmyk ? clcms_type_cmyk_8() : clcms_type_rgba_8()
        let flags = cmsUInt32Number(cmsFLAGS_NOCACHE) | (cmyk ? 0 : cmsUInt32Number(cmsFLAGS_COPY_ALPHA))
        guard
            let handle = cmsCreateTransform(
                input, inputFormat, srgb, clcms_type_rgba_8(), cmsUInt32Number(INTENT_PERCEPTUAL), flags)
        else { return nil }
        return Transform(handle)
    }
}
