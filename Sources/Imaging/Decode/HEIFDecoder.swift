import CHeif
import Foundation

/// What a HEIF file's (HEIC's or AVIF's) container says of its primary image, read by libheif
/// without decoding anything: the size as displayed (after the container's `irot`/`imir`/`clap`
/// transformations, which libheif applies when decoding), alpha, bit depth, colour, and the embedded
/// thumbnails.
struct HEIFHeader: Sendable {
    var format: ImageFormat
    /// Upright size: libheif applies rotation and mirroring, so the orientation is always `.up`, and
    /// an EXIF orientation inside the file is never applied on top (the classic phone photo turned twice).
    var width: Int
    var height: Int
    var hasAlpha: Bool
    var bitDepth: Int
    /// An ICC profile, or one built from the `nclx` primaries when they are not sRGB's; nil for sRGB.
    var iccProfile: [UInt8]?
    /// Embedded thumbnails (item id, upright size, alpha), largest first.
    var thumbnails: [(id: UInt32, width: Int, height: Int, hasAlpha: Bool)]

    /// - Throws: `.truncated` or `.corrupt` when libheif cannot read the container.
    init(_ data: UnsafeBufferPointer<UInt8>, format: ImageFormat) throws {
        self.format = format
        let container = try HEIFContainer(data)
        let handle = container.primary
        width = Int(heif_image_handle_get_width(handle))
        height = Int(heif_image_handle_get_height(handle))
        hasAlpha = heif_image_handle_has_alpha_channel(handle) != 0
        bitDepth = Int(heif_image_handle_get_luma_bits_per_pixel(handle))
        iccProfile = Self.profile(of: handle)
        var ids = [heif_item_id](repeating: 0, count: Int(heif_image_handle_get_number_of_thumbnails(handle)))
        let count = heif_image_handle_get_list_of_thumbnail_IDs(handle, &ids, Int32(ids.count))
        thumbnails = ids.prefix(Int(count)).compactMap { id in
            var thumbnail: OpaquePointer?
            guard heif_image_handle_get_thumbnail(handle, id, &thumbnail).code == heif_error_Ok, let thumbnail else { return nil }
            defer { heif_image_handle_release(thumbnail) }
            return (
                id, Int(heif_image_handle_get_width(thumbnail)), Int(heif_image_handle_get_height(thumbnail)),
                heif_image_handle_has_alpha_channel(thumbnail) != 0
            )
        }.sorted { $0.width * $0.height > $1.width * $1.height }
    }

    /// The ICC profile if there is one; else one made from the `nclx` box's primaries when those are
    /// not BT.709's (sRGB's), e.g. Display P3 from a phone, with sRGB's tone curve.
    private static func profile(of handle: OpaquePointer) -> [UInt8]? {
        switch heif_image_handle_get_color_profile_type(handle) {
        case heif_color_profile_type_prof, heif_color_profile_type_rICC:
            let size = heif_image_handle_get_raw_color_profile_size(handle)
            guard size > 0, size <= PNGChunks.maxProfileBytes else { return nil }
            var profile = [UInt8](repeating: 0, count: size)
            guard heif_image_handle_get_raw_color_profile(handle, &profile).code == heif_error_Ok else { return nil }
            return ColorConverter.isSRGB(profile) ? nil : profile
        case heif_color_profile_type_nclx:
            var nclx: UnsafeMutablePointer<heif_color_profile_nclx>?
            let status = heif_image_handle_get_nclx_color_profile(handle, &nclx)
            // libheif allocates the profile before it checks the values in it: an error can come with one.
            defer { if let nclx { heif_nclx_color_profile_free(nclx) } }
            guard status.code == heif_error_Ok, let nclx else { return nil }
            let primaries = nclx.pointee.color_primaries
            if primaries == heif_color_primaries_ITU_R_BT_709_5 || primaries == heif_color_primaries_unspecified { return nil }
            let p = nclx.pointee
            return ColorConverter.rgbProfile(
                red: (Double(p.color_primary_red_x), Double(p.color_primary_red_y)),
                green: (Double(p.color_primary_green_x), Double(p.color_primary_green_y)),
                blue: (Double(p.color_primary_blue_x), Double(p.color_primary_blue_y)),
                white: (Double(p.color_primary_white_x), Double(p.color_primary_white_y)))
        default:
            return nil
        }
    }
}

/// A libheif context over the caller's bytes (not copied: it lives only inside one call that holds
/// them) and its primary image's handle.
final class HEIFContainer {
    let context: OpaquePointer
    let primary: OpaquePointer

    /// - Throws: `.truncated` or `.corrupt` (`HEIFDecoder.error`); `.unsupportedFormat` when libheif
    ///   cannot be loaded.
    init(_ data: UnsafeBufferPointer<UInt8>) throws {
        if let failure = CodecSupport.libheifLoadFailure {
            throw ImagingError(.unsupportedFormat, "HEIC and AVIF need libheif, which cannot be loaded here: \(failure)")
        }
        guard let context = heif_context_alloc() else { throw ImagingError(.tooLarge, "not enough memory to read the HEIF file") }
        // Grid tiles on the calling thread: a job is one thread, and the service runs jobs side by side.
        cheif_decode_on_calling_thread(context)
        let read = heif_context_read_from_memory_without_copy(context, data.baseAddress, data.count, nil)
        // An error's message lives in the context: read it before freeing that.
        guard read.code == heif_error_Ok else {
            let error = HEIFDecoder.error(read, what: "container", data: data)
            heif_context_free(context)
            throw error
        }
        var primary: OpaquePointer?
        let found = heif_context_get_primary_image_handle(context, &primary)
        guard found.code == heif_error_Ok, let primary else {
            let error = HEIFDecoder.error(found, what: "primary image", data: data)
            heif_context_free(context)
            throw error
        }
        self.context = context
        self.primary = primary
    }

    deinit {
        heif_image_handle_release(primary)
        heif_context_free(context)
    }
}

/// HEIC and AVIF through libheif: HEVC (libde265) or AV1 (dav1d), 8 to 12 bits (to 8), alpha, the container's rotation
/// and mirroring applied, ICC or nclx colour; an embedded thumbnail is decoded instead of the image
/// when it is at least the size asked for (what libvips' heifload does with `thumbnail`); shrunk on
/// load by a box over libheif's planes (`decodeHandle`).
enum HEIFDecoder {
    /// - Parameter minimumSize: the smallest decoded size the caller can work from (upright, since a
    ///   HEIF's orientation is always `.up`); an embedded thumbnail at least that large is used.
    /// - Throws: `ImagingError` `.truncated`, `.corrupt`, `.unsupportedFormat` (a codec libheif lacks),
    ///   `.tooLarge` (over `limits`).
    static func decode(
        _ data: UnsafeBufferPointer<UInt8>, header: HEIFHeader, minimumSize: (width: Int, height: Int)?, limits: ImagingLimits
    ) throws -> DecodedImage {
        try limits.checkDimensions(width: header.width, height: header.height)
        let container = try HEIFContainer(data)
        return try withExtendedLifetime(container) {
            // A grid image is decoded at the size its grid box gives, which need not be the size we
            // checked: libheif refuses a grid or overlay canvas with a side at or over this limit
            // before allocating it. It bounds each side, not the area (a 8000 x 100 header still
            // admits an 8000 x 8000 grid), and not a single coded image, whose codec allocates it.
            // The limit is the uncropped (ispe) size: a clap crop makes the shown size smaller.
            let longest = max(
                header.width, header.height, Int(heif_image_handle_get_ispe_width(container.primary)),
                Int(heif_image_handle_get_ispe_height(container.primary)))
            heif_context_set_maximum_image_size_limit(container.context, Int32(clamping: longest + 1))
            if let minimumSize, let id = usableThumbnail(header, minimum: minimumSize) {
                var thumbnail: OpaquePointer?
                if heif_image_handle_get_thumbnail(container.primary, id, &thumbnail).code == heif_error_Ok, let thumbnail {
                    defer { heif_image_handle_release(thumbnail) }
                    let size = header.thumbnails.first { $0.id == id }!
                    // A thumbnail that does not decode is no reason to fail: the image itself may.
                    if let decoded = try? decodeHandle(
                        thumbnail, expected: (size.width, size.height), exact: true, header: header, minimumSize: minimumSize,
                        data: data)
                    {
                        return decoded
                    }
                }
            }
            return try decodeHandle(
                container.primary, expected: (header.width, header.height), exact: false, header: header, minimumSize: minimumSize,
                data: data)
        }
    }

    /// Decodes one image of the file to 8-bit RGBA, which must come out `expected` in size (`exact`),
    /// or no more than 2 px larger in either side: libheif clamps a crop that runs past the edge, and
    /// does not crop a coded image a little larger than its header says; the scale then follows.
    ///
    /// Shrink-on-load: libheif has no reduced decode, but its image comes out as planes, and each is
    /// box-shrunk by `shrinkFactor` as it is interleaved into our RGBA (`BoxShrink.interleaving`).
    /// That spares libheif's full-size interleaving, a full-size RGBA copy and the pipeline's box
    /// over it (libwebp's scaled decoding works the same way, on its YUV planes).
    private static func decodeHandle(
        _ handle: OpaquePointer, expected: (width: Int, height: Int), exact: Bool, header: HEIFHeader,
        minimumSize: (width: Int, height: Int)?, data: UnsafeBufferPointer<UInt8>
    ) throws -> DecodedImage {
        guard let options = heif_decoding_options_alloc() else { throw ImagingError(.tooLarge, "not enough memory to decode the HEIF image") }
        defer { heif_decoding_options_free(options) }
        var image: OpaquePointer?
        // Planar RGB is what libheif 1.15 makes of every image (coded, grid or overlay) before any
        // interleaving; deeper than 8 bits stays so, and is scaled to 8 bits after the box.
        let decoded = heif_decode_image(handle, &image, heif_colorspace_RGB, heif_chroma_444, options)
        guard decoded.code == heif_error_Ok, let image else { throw error(decoded, what: "image", data: data) }
        defer { heif_image_release(image) }
        let width = Int(heif_image_get_width(image, heif_channel_R))
        let height = Int(heif_image_get_height(image, heif_channel_R))
        guard exact ? (width, height) == expected : width > 0 && height > 0 && width <= expected.width + 2 && height <= expected.height + 2
        else {
            throw ImagingError(.corrupt, "the HEIF image decoded to \(width)x\(height), not the \(expected.width)x\(expected.height) its header gives")
        }
        let channels = header.hasAlpha ? [heif_channel_R, heif_channel_G, heif_channel_B, heif_channel_Alpha] : [heif_channel_R, heif_channel_G, heif_channel_B]
        let planes = try channels.map { channel in
            var stride: Int32 = 0
            let bitDepth = Int(heif_image_get_bits_per_pixel_range(image, channel))
            guard heif_image_has_channel(image, channel) != 0, (1...16).contains(bitDepth),
                let plane = heif_image_get_plane_readonly(image, channel, &stride),
                Int(stride) >= width * (bitDepth > 8 ? 2 : 1)
            else { throw ImagingError(.corrupt, "the HEIF image decoded to no usable pixels") }
            // libheif 1.15 attaches the alpha image after turning and cropping the colour one, with
            // only the alpha item's own transformations, and does not compare their sizes (its
            // conversion to interleaved RGBA refused a mismatch as an unsupported conversion): an
            // alpha plane of another size would not line up with the colours.
            guard (Int(heif_image_get_width(image, channel)), Int(heif_image_get_height(image, channel))) == (width, height) else {
                throw ImagingError(.unsupportedFormat, "a plane of the HEIF image is not the size of its red one (an alpha plane transformed apart)")
            }
            return SamplePlane(base: UnsafeRawPointer(plane), bytesPerRow: Int(stride), bitDepth: bitDepth)
        }
        // Premultiplied pixels go on as they are: the pipeline resamples premultiplied anyway. Straight
        // alpha must be premultiplied before any averaging, which the pipeline does after the decode.
        let premultiplied = header.hasAlpha && heif_image_handle_is_premultiplied_alpha(handle) != 0
        let factor = header.hasAlpha && !premultiplied ? 1 : shrinkFactor(width: width, height: height, minimum: minimumSize)
        let buffer = BoxShrink.interleaving(
            planes, width: width, height: height, factor: factor, hasAlpha: header.hasAlpha, isPremultiplied: premultiplied)
        return DecodedImage(
            buffer: buffer, sourceWidth: header.width, sourceHeight: header.height, orientation: .up, iccProfile: header.iccProfile,
            format: header.format, shrinkOnLoad: 1,
            scale: (Double(header.width) / Double(width) * Double(factor), Double(header.height) / Double(height) * Double(factor)))
    }

    /// The box factor a decoded `width` x `height` image is shrunk by on load: the largest that keeps
    /// it at least `minimum` (twice the largest output) in both sides, and at most 4096 (which keeps
    /// the box's 32-bit column sums of 16-bit samples from overflowing; the pixel limits stop far
    /// below it); 1 without a minimum.
    static func shrinkFactor(width: Int, height: Int, minimum: (width: Int, height: Int)?) -> Int {
        guard let minimum, minimum.width > 0, minimum.height > 0 else { return 1 }
        return min(4096, max(1, min(width / minimum.width, height / minimum.height)))
    }

    /// The smallest embedded thumbnail at least `minimum` in both dimensions (the caller asks for
    /// twice the output: the 2x gap the final filter needs), of the image's aspect within 2 pixels
    /// (encoders round a 4:2:0 thumbnail to even sides) and with alpha as the image has it, so it is
    /// the same picture; nil when none is.
    static func usableThumbnail(_ header: HEIFHeader, minimum: (width: Int, height: Int)) -> UInt32? {
        header.thumbnails.last { thumbnail in
            thumbnail.width >= minimum.width && thumbnail.height >= minimum.height && thumbnail.hasAlpha == header.hasAlpha
                && abs(thumbnail.width * header.height - thumbnail.height * header.width) <= 2 * max(header.width, header.height)
        }?.id
    }

    /// libheif's error as ours: `.truncated` when a top-level box claims more bytes than there are (the
    /// file was cut short, whatever libheif reports; its "end of data" also comes from damaged inner boxes).
    static func error(_ error: heif_error, what: String, data: UnsafeBufferPointer<UInt8>) -> ImagingError {
        let message = error.message.map { String(cString: $0).trimmingCharacters(in: .whitespacesAndNewlines) } ?? "error \(error.code.rawValue)"
        switch (error.code, error.subcode) {
        case (_, _) where ISOBMFFBoxes.endsEarly(data),
            (_, heif_suberror_End_of_data) where ISOBMFFBoxes.lastBoxIsOpenEnded(data):
            return ImagingError(.truncated, "the HEIF data ends early (in its \(what): \(message))")
        case (heif_error_Unsupported_feature, _), (heif_error_Unsupported_filetype, _):
            return ImagingError(.unsupportedFormat, "unsupported HEIF \(what): \(message)")
        case (heif_error_Memory_allocation_error, _):
            return ImagingError(.tooLarge, "not enough memory for the HEIF \(what) (\(message))")
        case (heif_error_Decoder_plugin_error, _):
            // The codec stopped inside the compressed data: damaged, or cut short within the image data.
            return ImagingError(.corrupt, "the HEIF \(what) cannot be decoded (\(message))")
        default:
            return ImagingError(.corrupt, "the HEIF \(what) cannot be read (\(message))")
        }
    }
}
