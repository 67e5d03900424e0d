/// Makes every requested thumbnail of one image, in every requested format, from a single decode:
/// header first (limits and geometry decided before any pixel is decoded), then shrink-on-load (JPEG's
/// DCT scaling, libwebp's scaled decoding, a HEIF's embedded thumbnail or a box over its planes) to
/// no less than twice the largest output, premultiplied alpha, box pre-shrink, Lanczos3, ICC to sRGB,
/// EXIF orientation, the placeholder (ThumbHash), crop, flatten and encode. Blocking and CPU-bound: run it on a thread of
/// its own, not on Swift's cooperative pool.
public struct Thumbnailer: Sendable {
    public var limits: ImagingLimits
    /// What transparent pixels become in a JPEG (RGB), white by default.
    public var background: (UInt8, UInt8, UInt8)
    /// libaom's speed for AVIF output, 0 (slowest, smallest) to 9 (`AVIFEncoder.defaultSpeed`).
    public var avifSpeed: Int

    public init(
        limits: ImagingLimits = ImagingLimits(), background: (UInt8, UInt8, UInt8) = (255, 255, 255),
        avifSpeed: Int = AVIFEncoder.defaultSpeed
    ) {
        self.limits = limits
        self.background = background
        self.avifSpeed = avifSpeed
    }

    public struct Result: Sendable {
        public let source: SourceInfo
        public let thumbnails: [Thumbnail]
        /// The whole image's ThumbHash and average colour.
        public let placeholder: Placeholder
        public let timings: ThumbnailTimings
    }

    /// Reads the header and decides everything before a pixel is decoded: limits, each output's
    /// geometry, the decode size and the memory the work will take. Cheap: no pixel data is read.
    public func plan(_ data: UnsafeBufferPointer<UInt8>, specs: [ThumbnailSpec]) throws -> ThumbnailPlan {
        try limits.checkInput(byteCount: data.count)
        return try plan(header: ImageDecoder.probe(data), specs: specs)
    }

    /// The plan for an image whose header is read already.
    func plan(header: ImageHeader, specs: [ThumbnailSpec]) throws -> ThumbnailPlan {
        guard !specs.isEmpty else { throw ImagingError(.invalidOptions, "no thumbnail sizes were asked for") }
        try limits.checkDimensions(width: header.width, height: header.height)
        let upright = header.orientation.swapsDimensions ? (header.height, header.width) : (header.width, header.height)

        var geometries: [ThumbnailGeometry] = []
        for spec in specs {
            guard (1...100).contains(spec.quality) else {
                throw ImagingError(.invalidOptions, "quality must be 1 to 100, not \(spec.quality)")
            }
            let geometry = try ThumbnailGeometry.compute(
                source: upright, width: spec.width, height: spec.height, mode: spec.mode, enlarge: spec.enlarge)
            guard max(geometry.width, geometry.height) <= limits.maxOutputSide,
                max(geometry.resizeWidth, geometry.resizeHeight) <= limits.maxOutputSide * 4
            else {
                throw ImagingError(
                    .tooLarge, "a \(geometry.width)x\(geometry.height) thumbnail is over the \(limits.maxOutputSide) px limit")
            }
            geometries.append(geometry)
        }
        return ThumbnailPlan(header: header, specs: specs, geometries: geometries)
    }

    public func makeThumbnails(from data: UnsafeBufferPointer<UInt8>, specs: [ThumbnailSpec]) throws -> Result {
        try makeThumbnails(from: data, plan: plan(data, specs: specs))
    }

    /// Makes the thumbnails `plan` (made from the same `data`) describes.
    public func makeThumbnails(from data: UnsafeBufferPointer<UInt8>, plan: ThumbnailPlan) throws -> Result {
        try makeThumbnails(from: data, plan: plan, decodeOnlyWhatIsRead: true)
    }

    /// - Parameter decodeOnlyWhatIsRead: when every output is a crop, decode a JPEG only where the
    ///   crops read it; the tests turn it off to compare.
    func makeThumbnails(from data: UnsafeBufferPointer<UInt8>, plan: ThumbnailPlan, decodeOnlyWhatIsRead: Bool) throws -> Result {
        let clock = ContinuousClock()
        var timings = ThumbnailTimings()
        let header = plan.header
        let specs = plan.specs
        let geometries = plan.geometries
        let upright = header.orientation.swapsDimensions ? (header.height, header.width) : (header.width, header.height)
        let placeholderOutput = plan.placeholderOutput
        // Every output a crop (and so the placeholder too): only the part of the image the crops read
        // need be decoded, which the decoder learns once it knows its scale.
        var region: ImageDecoder.RegionChooser?
        if decodeOnlyWhatIsRead, placeholderOutput != nil, geometries.allSatisfy(\.isCropped) {
            region = { [header] width, height, scale in
                geometries.map {
                    ResampleStep(
                        decodedWidth: width, decodedHeight: height, sourceWidth: header.width, sourceHeight: header.height,
                        loadScale: (scale, scale), geometry: $0, orientation: header.orientation
                    ).decodedRect
                }.reduce(nil) { union, rect in union?.union(rect) ?? rect }
            }
        }
        // Decode once, shrunk on load to at least twice the largest resize.
        var start = clock.now
        var decoded = try ImageDecoder.decode(
            data, header: header, minimumSize: plan.minimumDecodeSize, limits: limits, region: region)
        Alpha.premultiply(&decoded.buffer)
        timings.decode += start.duration(to: clock.now)

        var thumbnails: [Thumbnail] = []
        // Sizes that differ only in format share one resampled image, kept until its last use.
        var resized: [ThumbnailGeometry: PixelBuffer] = [:]
        let lastUse = Dictionary(geometries.enumerated().map { ($0.element, $0.offset) }) { _, later in later }
        var placeholderSource: PixelBuffer?
        for (index, (spec, geometry)) in zip(specs, geometries).enumerated() {
            start = clock.now
            var image: PixelBuffer
            if let done = resized[geometry] {
                image = done
            } else {
                image = uprightSRGB(decoded, resampledTo: geometry)
                resized[geometry] = image
            }
            if index == placeholderOutput { placeholderSource = image }
            timings.resize += start.duration(to: clock.now)

            start = clock.now
            let bytes: [UInt8]
            switch spec.format {
            case .jpeg:
                Alpha.flatten(&image, background: background)
                bytes = try JPEGEncoder.encode(image, quality: spec.quality, progressive: spec.progressive)
            case .png:
                bytes = try PNGEncoder.encode(image)
            case .webp, .webpLossless:
                bytes = try WebPEncoder.encode(image, quality: spec.quality, lossless: spec.format == .webpLossless)
            case .avif:
                bytes = try AVIFEncoder.encode(image, quality: spec.quality, speed: avifSpeed)
            }
            timings.encode += start.duration(to: clock.now)
            thumbnails.append(Thumbnail(spec: spec, width: image.width, height: image.height, bytes: bytes))
            if lastUse[geometry] == index { resized[geometry] = nil }
        }

        start = clock.now
        if placeholderSource == nil {
            // Only `force` sizes (whose aspect is not the image's) or tiny ones: resample the whole
            // image for it, to fit 100 x 100.
            let geometry = try ThumbnailGeometry.compute(
                source: upright, width: ThumbHash.maxSide, height: ThumbHash.maxSide, mode: .fit)
            placeholderSource = uprightSRGB(decoded, resampledTo: geometry)
        }
        let placeholder = Placeholder(of: placeholderSource!)
        timings.resize += start.duration(to: clock.now)

        let source = SourceInfo(
            format: decoded.format, width: upright.0, height: upright.1, orientation: decoded.orientation,
            shrinkOnLoad: decoded.shrinkOnLoad, decodedWidth: decoded.decodedWidth, decodedHeight: decoded.decodedHeight,
            decodedRegion: decoded.region)
        return Result(source: source, thumbnails: thumbnails, placeholder: placeholder, timings: timings)
    }

    public func makeThumbnails(from bytes: [UInt8], specs: [ThumbnailSpec]) throws -> Result {
        try bytes.withUnsafeBufferPointer { try makeThumbnails(from: $0, specs: specs) }
    }

    /// The output `geometry` describes, from the decoded image, in sRGB (its ICC profile applied) and
    /// upright (its orientation applied): every output, and the placeholder, come from this. Only the
    /// output's own pixels are resampled (a `fill` crop's, not the whole resize's); they are the whole
    /// resize's, cropped, pixel for pixel (`ResampleStep`).
    func uprightSRGB(_ decoded: DecodedImage, resampledTo geometry: ThumbnailGeometry) -> PixelBuffer {
        let step = ResampleStep(
            decodedWidth: decoded.decodedWidth, decodedHeight: decoded.decodedHeight, sourceWidth: decoded.sourceWidth,
            sourceHeight: decoded.sourceHeight, loadScale: decoded.loadScale, geometry: geometry,
            orientation: decoded.orientation)
        var image = step.resample(decoded)
        if let profile = decoded.iccProfile, image.channels == 4 {
            Alpha.unpremultiply(&image)
            ColorConverter.convertToSRGB(&image, profile: profile)
        }
        return Orient.apply(decoded.orientation, to: image)
    }
}
