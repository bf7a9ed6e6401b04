// swift-tools-version:6.0
import PackageDescription

let strict: [SwiftSetting] = [.swiftLanguageMode(.v6)]

let package = Package(
    name: "Ferry",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "ferry", targets: ["ferry"]),
    ],
    dependencies: [
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        // Two glibc calls Swift's Glibc module does not expose: close inherited descriptors in children, copy_file_range.
        .target(name: "CSpawn"),
        // The base: errors, child processes, bounded concurrency, atomic writes, locks, blocking work.
        .target(name: "FerryCore", dependencies: [
            "CSpawn",
            .product(name: "NIOPosix", package: "swift-nio"),
        ], swiftSettings: strict),
        .target(name: "FerryOCI", dependencies: [
            "FerryCore",
            .product(name: "Crypto", package: "swift-crypto"),
        ], swiftSettings: strict),
        // zlib directly: Ferry needs a fixed gzip header and streaming without copies.
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // libzstd: verify checks zstd layers against their diff_id.
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        // ISA-L's igzip: gzip of uncompressed layers several times faster than zlib.
        .systemLibrary(name: "CIsal", pkgConfig: "libisal", providers: [.apt(["libisal-dev"])]),
        .target(name: "FerryArchive", dependencies: [
            "FerryCore", "FerryOCI", "CZlib", "CZstd", "CIsal",
            .product(name: "NIOCore", package: "swift-nio"),
        ], swiftSettings: strict),
        .target(name: "FerryRegistry", dependencies: [
            "FerryCore", "FerryOCI",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: strict),
        .target(name: "FerryCharts", dependencies: [
            "FerryCore", "FerryOCI", "FerryArchive", "FerryRegistry",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "Yams", package: "Yams"),
        ], swiftSettings: strict),
        .target(name: "FerrySync", dependencies: [
            "FerryCore", "FerryOCI", "FerryArchive", "FerryRegistry", "FerryCharts",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "Yams", package: "Yams"),
        ], swiftSettings: strict),
        .target(name: "FerryNode", dependencies: ["FerryCore", "FerryOCI", "FerryArchive", "FerryCharts"], swiftSettings: strict),
        .target(name: "FerryUpgrade", dependencies: [
            "FerryCore", "FerryOCI", "FerryCharts", "FerryRegistry",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
        ], swiftSettings: strict),
        .target(name: "FerryCommands", dependencies: [
            "FerryCore", "FerryOCI", "FerryArchive", "FerryRegistry", "FerryCharts", "FerrySync", "FerryNode", "FerryUpgrade",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: strict),
        // The executable starts the root command and hands it the commit BuildInfo recorded.
        .executableTarget(name: "ferry", dependencies: ["FerryCommands"], swiftSettings: strict, plugins: ["BuildInfo"]),
        .plugin(name: "BuildInfo", capability: .buildTool(), path: "Plugins/BuildInfo"),
        // Fixtures, live servers and oracles; the programs it runs (fakes, proxies) are Resources/*.py.
        .target(name: "FerryTestSupport", dependencies: [
            "FerryCore", "FerryOCI", "FerryArchive", "FerryCharts", "FerrySync", "FerryCommands",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], resources: [.copy("Resources")], swiftSettings: strict),
        // scripts/fuzz: a deterministic mutation loop over the readers (not shipped).
        .executableTarget(name: "ferry-fuzz", dependencies: [
            "FerryTestSupport",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], path: "Sources/FerryFuzz", swiftSettings: strict),
        .testTarget(name: "FerryCoreTests", dependencies: ["FerryCore"], swiftSettings: strict),
        .testTarget(name: "FerryOCITests", dependencies: ["FerryOCI"], swiftSettings: strict),
        .testTarget(name: "FerryArchiveTests", dependencies: ["FerryArchive", "FerryCore", "FerryOCI", "FerryTestSupport"], swiftSettings: strict),
        .testTarget(name: "FerryRegistryTests", dependencies: [
            "FerryRegistry", "FerryArchive", "FerryOCI", "FerryTestSupport",
            .product(name: "NIOCore", package: "swift-nio"),
        ], swiftSettings: strict),
        .testTarget(name: "FerryChartsTests", dependencies: [
            "FerryCharts", "FerryOCI", "FerryRegistry", "FerryTestSupport",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
        ], swiftSettings: strict),
        .testTarget(name: "FerrySyncTests", dependencies: ["FerrySync", "FerryCharts", "FerryArchive", "FerryOCI", "FerryTestSupport"], swiftSettings: strict),
        .testTarget(name: "FerryNodeTests", dependencies: ["FerryNode", "FerryArchive", "FerryCore", "FerryOCI", "FerryTestSupport"], swiftSettings: strict),
        .testTarget(name: "FerryUpgradeTests", dependencies: [
            "FerryUpgrade", "FerryCharts", "FerryOCI", "FerryRegistry", "FerryTestSupport",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
        ], swiftSettings: strict),
        .testTarget(name: "FerryCommandsTests", dependencies: ["FerryCommands", "FerryCore", "FerryTestSupport", "FerryArchive", "FerryOCI", "FerryCharts", "FerryNode"],
                    swiftSettings: strict),
    ]
)
