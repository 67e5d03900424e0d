import CTurboJPEG

/// JPEG through TurboJPEG: 4:2:0 chroma below quality 90 and 4:4:4 from 90, baseline unless asked
/// for progressive, the accurate DCT. TurboJPEG writes a JFIF header only: no EXIF, no XMP, no orientation tag.
public enum JPEGEncoder {
    public static func encode(_ buffer: PixelBuffer, quality: Int, progressive: Bool = false) throws -> [UInt8] {
        guard (1...100).contains(quality) else { throw ImagingError(.invalidOptions, "JPEG quality must be 1 to 100, not \(quality)") }
        guard let handle = tjInitCompress() else { throw ImagingError(.encodeFailed, "cannot start the JPEG encoder") }
        defer { tjDestroy(handle) }
        let gray = buffer.channels == 1
        let subsampling = gray ? TJSAMP_GRAY : (quality >= 90 ? TJSAMP_444 : TJSAMP_420)
        // TurboJPEG compresses with the fast integer DCT unless told otherwise (turbojpeg.h); the
        // accurate one measurably improves thumbnail fidelity (SSIM) for a negligible cost at this size.
        var flags = TJFLAG_NOREALLOC | TJFLAG_ACCURATEDCT
        if progressive { flags |= TJFLAG_PROGRESSIVE }
        let capacity = Int(tjBufSize(Int32(buffer.width), Int32(buffer.height), Int32(subsampling.rawValue)))
        var output = [UInt8](repeating: 0, count: capacity)
        var size = UInt(capacity)
        let result = buffer.pixels.withUnsafeBufferPointer { pixels in
            output.withUnsafeMutableBufferPointer { out in
                var destination: UnsafeMutablePointer<UInt8>? = out.baseAddress
                return tjCompress2(
                    handle, pixels.baseAddress, Int32(buffer.width), 0, Int32(buffer.height),
                    (gray ? TJPF_GRAY : TJPF_RGBX).rawValue, &destination, &size, Int32(subsampling.rawValue), Int32(quality), flags)
            }
        }
        guard result == 0 else {
            throw ImagingError(.encodeFailed, "JPEG encoding failed: \(String(cString: tjGetErrorStr2(handle)))")
        }
        output.removeSubrange(Int(size)...)
        return output
    }
}
