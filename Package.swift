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
        .executable(name: "thumbd-api", targets: ["thumbd-api"]),
    ],
    dependencies: [
        // Flag parsing for the three executables: subcommands, help text, validation errors.
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // The logging API libraries take from their caller (`Logger`), with our JSON/text handler in thumbd.
        // (1.11: the `LogEvent` our handler implements; earlier releases lack it.)
        .package(url: "https://github.com/apple/swift-log", from: "1.11.0"),
        // thumbd-api's HTTP server: routing, request contexts, streamed request bodies, middleware, and
        // HummingbirdTesting for router-level tests without a socket.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        // Start and graceful stop of thumbd-api's services on SIGTERM (the server, the waiters).
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        // The Prometheus registry and text format behind thumbd-api's GET /metrics.
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // C libraries, each behind a small header of ours (see the header for why each wrapper exists);
        // libcurl and libheif are loaded on first use, not linked.
        // Loading a C library on first use (dlopen) instead of linking it: CCurl's and CHeif's mechanism.
        .target(name: "CDynamicLibrary"),
        // libcurl's header (libcurl4-openssl-dev) and our loader of libcurl.so.4 on first use.
        .target(name: "CCurl", dependencies: ["CDynamicLibrary"]),
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
        .systemLibrary(name: "CWebP", pkgConfig: "libwebpdemux", providers: [.apt(["libwebp-dev"]), .brew(["webp"])]),
        // libheif's header (libheif-dev) and our loader of libheif.so.1 on first use (see its header).
        .target(name: "CHeif", dependencies: ["CDynamicLibrary"]),
        .systemLibrary(name: "CMalloc"),
        // JPEG decoding through libjpeg's own API, errors and setjmp kept inside C (see its header).
        // libjpeg-turbo's static archive (`-l:libjpeg.a`, libjpeg62-turbo-dev): the shared library's ABI
        // differs between the systems we ship to (Debian and Amazon Linux: libjpeg.so.62; Ubuntu:
        // libjpeg.so.8), and a static copy makes the binaries independent of which one is installed.
        .target(name: "CJPEGDecode", linkerSettings: [.linkedLibrary(":libjpeg.a")]),
        // The resampler's AVX2 inner loops, chosen at run time (see its header for why C).
        .target(name: "CResample"),
        // A GIF's first frame through giflib (libgif-dev, which has no pkg-config file), in C (see its header).
        .target(name: "CGIFDecode", linkerSettings: [.linkedLibrary("gif")]),

        // JPEG, PNG, WebP, HEIC, AVIF and GIF in; JPEG, PNG, WebP and AVIF out; our own SIMD resampler,
        // EXIF orientation, ICC colour and the ThumbHash placeholder.
        // libwebp and giflib are linked as shared libraries, and libheif is loaded as one on first use:
        // their sonames (libwebp.so.7, libwebpdemux.so.2, libheif.so.1, libgif.so.7) are the same on
        // Debian 12 and Ubuntu 22.04 and 24.04, and libheif's API is opaque handles and versioned
        // option structs.
        .target(
            name: "Imaging",
            dependencies: ["CJPEGDecode", "CTurboJPEG", "CPNG", "CLCMS", "CWebP", "CHeif", "CGIFDecode", "CResample"]),

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

        // The web tier: thumbd-api's HTTP API on Hummingbird (uploads, job records, waiting, auth).
        .target(
            name: "ThumbAPI",
            dependencies: [
                "ThumbService", "AWSKit", "Imaging",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
            ],
            // The upload page, compiled into the binary (PackageResources.index_html...).
            resources: [
                .embedInCode("Page/index.html"), .embedInCode("Page/page.css"), .embedInCode("Page/page.js"),
                .embedInCode("Page/favicon.svg"),
            ]),
        .executableTarget(
            name: "thumbd-api",
            dependencies: [
                "ThumbAPI", "ThumbService", "ThumbCommandLine",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
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
        .testTarget(name: "ImagingTests", dependencies: ["Imaging", "CJPEGDecode", "TestSupport"]),
        .testTarget(name: "ThumbServiceTests", dependencies: ["ThumbService", "AWSKitTesting", "TestSupport"]),
        .testTarget(
            name: "ThumbAPITests",
            dependencies: [
                "ThumbAPI", "ThumbService", "AWSKit", "TestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]),
    ],
    swiftLanguageModes: [.v6]
)
