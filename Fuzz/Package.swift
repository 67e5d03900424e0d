// swift-tools-version:6.0
// libFuzzer targets for thumbd's parsers and decoders, kept out of the main package so a normal build
// never sees the fuzzer entry points. Build and run with scripts/fuzz.sh.
import PackageDescription

let package = Package(
    name: "thumbd-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [.package(name: "thumbd", path: "..")],
    targets: [
        .target(name: "FuzzDriver"),
        .executableTarget(name: "FuzzMessageParser", dependencies: ["FuzzDriver", .product(name: "ThumbService", package: "thumbd")]),
        .executableTarget(name: "FuzzEXIF", dependencies: ["FuzzDriver", .product(name: "Imaging", package: "thumbd")]),
        .executableTarget(name: "FuzzAWSResponses", dependencies: ["FuzzDriver", .product(name: "AWSKit", package: "thumbd")]),
        .executableTarget(name: "FuzzImageDecoders", dependencies: ["FuzzDriver", .product(name: "Imaging", package: "thumbd")]),
        // One target per decoder of the formats added with issue 16: each reads its bytes as its format.
        .target(name: "FuzzImaging", dependencies: [.product(name: "Imaging", package: "thumbd")]),
        .executableTarget(name: "FuzzWebPDecoder", dependencies: ["FuzzDriver", "FuzzImaging", .product(name: "Imaging", package: "thumbd")]),
        .executableTarget(name: "FuzzHEIFDecoder", dependencies: ["FuzzDriver", "FuzzImaging", .product(name: "Imaging", package: "thumbd")]),
        .executableTarget(name: "FuzzGIFDecoder", dependencies: ["FuzzDriver", "FuzzImaging", .product(name: "Imaging", package: "thumbd")]),
        // Issue 19: the progressive-JPEG scan walk, and the 1/8 and fill-crop decodes it feeds.
        .executableTarget(name: "FuzzJPEGScans", dependencies: ["FuzzDriver", .product(name: "Imaging", package: "thumbd")]),
        // Our Huffman decoder of sequential JPEGs against libjpeg's, on the same bytes.
        .executableTarget(name: "FuzzJPEGEntropy", dependencies: ["FuzzDriver", .product(name: "Imaging", package: "thumbd")]),
    ],
    swiftLanguageModes: [.v6]
)
