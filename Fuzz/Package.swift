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
    ],
    swiftLanguageModes: [.v6]
)
