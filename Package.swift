// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "thumbd",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "AWSKit", targets: ["AWSKit"]),
        .library(name: "Imaging", targets: ["Imaging"]),
        .library(name: "ThumbService", targets: ["ThumbService"]),
        .executable(name: "thumbd", targets: ["thumbd"]),
        .executable(name: "thumb-submit", targets: ["thumb-submit"]),
        .executable(name: "thumbctl", targets: ["thumbctl"]),
    ],
    dependencies: [
        // Flag parsing for the three executables: subcommands, help text, validation errors.
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // The logging API libraries take from their caller (`Logger`), with our JSON/text handler in thumbd.
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
    ],
    targets: [
        // C libraries, each behind a small shim header (see the header for why each wrapper exists).
        .systemLibrary(
            name: "CCurl", pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"]), .brew(["curl"])]),
        .systemLibrary(
            name: "CCrypto", pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"]), .brew(["openssl"])]),

        .systemLibrary(
            name: "CTurboJPEG", pkgConfig: "libturbojpeg",
            providers: [.apt(["libturbojpeg0-dev"]), .brew(["jpeg-turbo"])]),
        .systemLibrary(
            name: "CPNG", pkgConfig: "libpng",
            providers: [.apt(["libpng-dev"]), .brew(["libpng"])]),
        .systemLibrary(
            name: "CLCMS", pkgConfig: "lcms2",
            providers: [.apt(["liblcms2-dev"]), .brew(["little-cms2"])]),
        .systemLibrary(name: "CMalloc"),
        // JPEG decoding through libjpeg's own API, errors and setjmp kept inside C (see its header).
        // libjpeg-turbo's static archive (`-l:libjpeg.a`, libjpeg62-turbo-dev): the shared library's ABI
        // differs between the systems we ship to (Debian and Amazon Linux: libjpeg.so.62; Ubuntu:
        // libjpeg.so.8), and a static copy makes the binaries independent of which one is installed.
        .target(name: "CJPEGDecode", linkerSettings: [.linkedLibrary(":libjpeg.a")]),

        // JPEG and PNG in and out, our own SIMD resampler, EXIF orientation and ICC colour.
        .target(
            name: "Imaging",
            dependencies: ["CJPEGDecode", "CTurboJPEG", "CPNG", "CLCMS", .target(name: "CMalloc", condition: .when(platforms: [.linux]))]),

        .target(
            name: "AWSKit",
            dependencies: [
                "CCurl", "CCrypto",
                .product(name: "Logging", package: "swift-log"),
            ]),

        // The service: settings, job messages, the worker loop, logs and lifecycle.
        .target(
            name: "ThumbService",
            dependencies: [
                "AWSKit", "Imaging",
                .product(name: "Logging", package: "swift-log"),
            ]),

        .executableTarget(
            name: "thumbd",
            dependencies: [
                "ThumbService",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        .executableTarget(
            name: "thumb-submit",
            dependencies: [
                "ThumbService",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        .executableTarget(
            name: "thumbctl",
            dependencies: [
                "ThumbService",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]),

        // Helpers the test targets share: running the Python peers and the built binaries.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "AWSKitTests", dependencies: ["AWSKit", "TestSupport"]),
        .testTarget(name: "ImagingTests", dependencies: ["Imaging", "TestSupport"]),
        .testTarget(name: "ThumbServiceTests", dependencies: ["ThumbService", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
