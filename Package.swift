// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "thumbd",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "AWSKit", targets: ["AWSKit"]),
        .library(name: "Imaging", targets: ["Imaging"]),
        .library(name: "ThumbService", targets: ["ThumbService"]),
        // A scripted HTTP transport for testing code built on AWSKit without a network (see its docs).
        .library(name: "AWSKitTesting", targets: ["AWSKitTesting"]),
        .executable(name: "thumbd", targets: ["thumbd"]),
        .executable(name: "thumb-submit", targets: ["thumb-submit"]),
        .executable(name: "thumbctl", targets: ["thumbctl"]),
    ],
    dependencies: [
        // Flag parsing for the three executables: subcommands, help text, validation errors.
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // The logging API libraries take from their caller (`Logger`), with our JSON/text handler in thumbd.
        // (1.11: the `LogEvent` our handler implements; earlier releases lack it.)
        .package(url: "https://github.com/apple/swift-log", from: "1.11.0"),
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
        .target(name: "Imaging", dependencies: ["CJPEGDecode", "CTurboJPEG", "CPNG", "CLCMS"]),

        // Dedicated threads for blocking C calls (libcurl's transfers, image work), off Swift's pool.
        .target(name: "ThreadPool"),

        .target(
            name: "AWSKit",
            dependencies: [
                "CCurl", "CCrypto", "ThreadPool",
                .product(name: "Logging", package: "swift-log"),
            ]),
        .target(name: "AWSKitTesting", dependencies: ["AWSKit"]),

        // The service: settings, job messages, queues, the worker loop, logs, lifecycle and process
        // policy (the allocator's tuning).
        .target(
            name: "ThumbService",
            dependencies: [
                "AWSKit", "Imaging", "ThreadPool",
                .target(name: "CMalloc", condition: .when(platforms: [.linux])),
                .product(name: "Logging", package: "swift-log"),
            ]),
        // What the three commands share: the service options (`@OptionGroup`) and how they load settings.
        .target(
            name: "ThumbCommandLine",
            dependencies: [
                "ThumbService",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        .executableTarget(
            name: "thumbd",
            dependencies: [
                "ThumbService", "ThumbCommandLine",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        .executableTarget(
            name: "thumb-submit",
            dependencies: [
                "ThumbService", "ThumbCommandLine",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        .executableTarget(
            name: "thumbctl",
            dependencies: [
                "ThumbService", "ThumbCommandLine",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]),

        // Helpers the test targets share: running the Python peers and the built binaries.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "AWSKitTests", dependencies: ["AWSKit", "AWSKitTesting", "TestSupport"]),
        .testTarget(name: "ImagingTests", dependencies: ["Imaging", "TestSupport"]),
        .testTarget(name: "ThumbServiceTests", dependencies: ["ThumbService", "AWSKitTesting", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
