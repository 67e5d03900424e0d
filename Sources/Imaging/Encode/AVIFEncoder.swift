import CHeif

/// AVIF through libheif and libaom (libvips' own path to AVIF): 8-bit 4:2:0, alpha kept, at a quality
/// and an encoder speed. One thread per encode: the service runs several jobs at once, so parallelism
/// comes from there.
public enum AVIFEncoder {
    /// The encoder speed thumbd uses unless told otherwise: 5, libvips' (its `effort` 4) and libheif's
    /// default: on the benchmark corpus at quality 50 it matches libvips' SSIM (0.9593 against 0.9588) in
    /// 0.93x its CPU, where 6 took 0.42x but fell below it (0.9556). 0 is slowest and smallest, 9 fastest.
    public static let defaultSpeed = 5
    public static let speeds = 0...9

    /// - Parameters:
    ///   - buffer: gray or RGBA pixels (premultiplied or not).
    ///   - quality: 1 to 100.
    ///   - speed: `speeds`.
    /// - Throws: `.invalidOptions` for a quality or speed out of range, `.encodeFailed` when libheif fails
    ///   (or has no AV1 encoder, or cannot be loaded).
    public static func encode(_ buffer: PixelBuffer, quality: Int, speed: Int = defaultSpeed) throws -> [UInt8] {
        guard (1...100).contains(quality) else { throw ImagingError(.invalidOptions, "AVIF quality must be 1 to 100, not \(quality)") }
        guard speeds.contains(speed) else { throw ImagingError(.invalidOptions, "AVIF speed must be 0 to 9, not \(speed)") }
        var source = buffer
        if source.isPremultiplied { Alpha.unpremultiply(&source) }
        if let failure = CodecSupport.libheifLoadFailure {
            throw ImagingError(.encodeFailed, "AVIF needs libheif, which cannot be loaded here: \(failure)")
        }
        guard let context = heif_context_alloc() else { throw ImagingError(.encodeFailed, "cannot start the AVIF encoder") }
        defer { heif_context_free(context) }
        // libaom by name: libheif ranks its AV1 encoders differently from version to version (1.12 puts
        // rav1e first, 1.17 SVT-AV1 when the aom plugin is missing), and speed and quality mean
        // something else to each.
        var descriptor: OpaquePointer?
        guard heif_context_get_encoder_descriptors(context, heif_compression_AV1, "aom", &descriptor, 1) == 1, let descriptor else {
            throw ImagingError(.encodeFailed, "libheif has no libaom AV1 encoder (on Ubuntu 24.04: libheif-plugin-aomenc)")
        }
        var encoder: OpaquePointer?
        try check(heif_context_get_encoder(context, descriptor, &encoder), "starting libaom")
        guard let encoder else { throw ImagingError(.encodeFailed, "libheif cannot start libaom") }
        defer { heif_encoder_release(encoder) }
        try check(heif_encoder_set_lossy_quality(encoder, Int32(quality)), "setting the quality")
        try check(heif_encoder_set_parameter_integer(encoder, "speed", Int32(speed)), "setting the speed")
        try check(heif_encoder_set_parameter_string(encoder, "chroma", "420"), "setting 4:2:0")
        // One thread: libheif's AOM plugin takes "threads" (older versions lack it; then libaom's own 1).
        _ = heif_encoder_set_parameter_integer(encoder, "threads", 1)

        let alpha = source.channels == 4 && source.hasAlpha
        var image: OpaquePointer?
        try check(
            heif_image_create(Int32(source.width), Int32(source.height), heif_colorspace_RGB,
                              alpha ? heif_chroma_interleaved_RGBA : heif_chroma_interleaved_RGB, &image), "creating the image")
        guard let image else { throw ImagingError(.encodeFailed, "cannot create the AVIF image") }
        defer { heif_image_release(image) }
        try check(heif_image_add_plane(image, heif_channel_interleaved, Int32(source.width), Int32(source.height), 8), "adding a plane")
        var stride: Int32 = 0
        guard let plane = heif_image_get_plane(image, heif_channel_interleaved, &stride) else {
            throw ImagingError(.encodeFailed, "cannot fill the AVIF image")
        }
        let outChannels = alpha ? 4 : 3
        source.pixels.withUnsafeBufferPointer { pixels in
            for y in 0..<source.height {
                let row = plane + y * Int(stride)
                for x in 0..<source.width {
                    let index = y * source.width + x
                    for channel in 0..<outChannels {
                        row[x * outChannels + channel] =
                            source.channels == 1 ? (channel < 3 ? pixels[index] : 255) : pixels[index * 4 + channel]
                    }
                }
            }
        }
        // sRGB, signalled as nclx: BT.709 primaries, sRGB transfer, BT.601 matrix, full range. The
        // fields are set directly: libheif 1.12 (Ubuntu 22.04) has no setter functions for them.
        if let nclx = heif_nclx_color_profile_alloc() {
            defer { heif_nclx_color_profile_free(nclx) }
            nclx.pointee.color_primaries = heif_color_primaries_ITU_R_BT_709_5
            nclx.pointee.transfer_characteristics = heif_transfer_characteristic_IEC_61966_2_1
            nclx.pointee.matrix_coefficients = heif_matrix_coefficients_ITU_R_BT_601_6
            nclx.pointee.full_range_flag = 1
            _ = heif_image_set_nclx_color_profile(image, nclx)
        }
        try check(heif_context_encode_image(context, image, encoder, nil, nil), "encoding")
        var output = cheif_buffer()
        defer { free(output.data) }
        try check(cheif_write_to_buffer(context, &output), "writing")
        guard let data = output.data else { throw ImagingError(.encodeFailed, "AVIF writing produced nothing") }
        return Array(UnsafeBufferPointer(start: data, count: output.size))
    }

    private static func check(_ error: heif_error, _ step: String) throws {
        guard error.code != heif_error_Ok else { return }
        let message = error.message.map { String(cString: $0) } ?? "error \(error.code.rawValue)"
        throw ImagingError(.encodeFailed, "AVIF \(step) failed: \(message)")
    }
}
