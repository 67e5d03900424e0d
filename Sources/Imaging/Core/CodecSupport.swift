import CHeif

/// Which of libheif's codecs this machine has. From libheif 1.16 each codec is a plugin package of
/// its own (Ubuntu 24.04: libheif-plugin-libde265, -dav1d, -aomenc), so a host can have libheif and
/// still read no HEIC; thumbd says so at start rather than job by job.
public enum CodecSupport {
    /// Why libheif cannot be loaded here, `nil` when it can: without it no HEIC or AVIF is read or
    /// written, whatever its codecs. libheif is loaded the first time this is asked (by HEIF decoding,
    /// AVIF encoding or thumbd's start: `cheif_load`), not when the process starts.
    public static var libheifLoadFailure: String? {
        cheif_load() != 0 ? nil : String(cString: cheif_load_error())
    }

    /// What is missing, in words an operator can act on; empty when HEIC and AVIF can be read and AVIF
    /// written.
    public static var missing: [String] {
        if let failure = libheifLoadFailure { return ["libheif (\(failure))"] }
        // A context first: newer libheif loads its plugins when the first one is made.
        guard let context = heif_context_alloc() else { return ["libheif (it cannot make a context)"] }
        defer { heif_context_free(context) }
        var missing: [String] = []
        if heif_have_decoder_for_format(heif_compression_HEVC) == 0 { missing.append("HEIC input (libheif's HEVC decoder: libde265)") }
        if heif_have_decoder_for_format(heif_compression_AV1) == 0 { missing.append("AVIF input (libheif's AV1 decoder: dav1d or aom)") }
        // AVIFEncoder takes libaom by name: another AV1 encoder does not count.
        var aom: OpaquePointer?
        if heif_context_get_encoder_descriptors(context, heif_compression_AV1, "aom", &aom, 1) != 1 {
            missing.append("AVIF output (libheif's libaom encoder)")
        }
        return missing
    }
}
