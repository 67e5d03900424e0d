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

    /// An ICC profile (bytes) for an RGB space given by its primaries and white point (CIE 1931 xy),
    /// with sRGB's tone curve (IEC 61966-2-1: parametric curve type 4, gamma 2.4, a = 1/1.055,
    /// b = 0.055/1.055, c = 1/12.92, d = 0.04045): how an `nclx` colour description (ITU-T H.273
    /// primaries, e.g. Display P3) becomes a profile LittleCMS converts from. Nil if lcms refuses them.
    static func rgbProfile(
        red: (Double, Double), green: (Double, Double), blue: (Double, Double), white: (Double, Double)
    ) -> [UInt8]? {
        // Made once per set of primaries: LittleCMS stamps the time into a profile it writes, so two
        // made a second apart would be two keys of the transform cache.
        let key = [red.0, red.1, green.0, green.1, blue.0, blue.1, white.0, white.1]
        if let known = builtProfiles.withLock({ $0[key] }) { return known }
        let built = buildRGBProfile(red: red, green: green, blue: blue, white: white)
        builtProfiles.withLock { profiles in
            if profiles.count >= maxCachedProfiles { profiles.removeAll() }
            profiles[key] = built
        }
        return built
    }

    private static let builtProfiles = Mutex<[[Double]: [UInt8]?]>([:])

    private static func buildRGBProfile(
        red: (Double, Double), green: (Double, Double), blue: (Double, Double), white: (Double, Double)
    ) -> [UInt8]? {
        _ = silenced
        var parameters: [Double] = [2.4, 1 / 1.055, 0.055 / 1.055, 1 / 12.92, 0.04045]
        guard let curve = cmsBuildParametricToneCurve(nil, 4, &parameters) else { return nil }
        defer { cmsFreeToneCurve(curve) }
        var whitePoint = cmsCIExyY(x: white.0, y: white.1, Y: 1)
        var primaries = cmsCIExyYTRIPLE(
            Red: cmsCIExyY(x: red.0, y: red.1, Y: 1), Green: cmsCIExyY(x: green.0, y: green.1, Y: 1),
            Blue: cmsCIExyY(x: blue.0, y: blue.1, Y: 1))
        var curves: [OpaquePointer?] = [curve, curve, curve]
        guard let profile = cmsCreateRGBProfile(&whitePoint, &primaries, &curves) else { return nil }
        defer { cmsCloseProfile(profile) }
        var size: cmsUInt32Number = 0
        guard cmsSaveProfileToMem(profile, nil, &size) != 0, size > 0 else { return nil }
        var bytes = [UInt8](repeating: 0, count: Int(size))
        guard cmsSaveProfileToMem(profile, &bytes, &size) != 0 else { return nil }
        return bytes
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
