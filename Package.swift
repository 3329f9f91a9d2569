// swift-tools-version: 6.2
import PackageDescription

let package = Package(
    name: "Minping",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "minping", targets: ["minping"]),
        .library(name: "MinpingCore", targets: ["MinpingCore"]),
        .library(name: "MinpingTokens", targets: ["MinpingTokens"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
    ],
    targets: [
        // Pure domain: definitions, counting rules, results. No I/O, no SQL, no HTTP.
        .target(
            name: "MinpingCore",
            dependencies: [.product(name: "Yams", package: "Yams")]
        ),
        // RFC 9578 publicly verifiable tokens over swift-crypto's RFC 9474 blind RSA.
        .target(
            name: "MinpingTokens",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ]
        ),
        // The audit log: JCS entries, RFC 9162 Merkle tree, C2SP checkpoints, bundles, verification.
        .target(
            name: "MinpingLog",
            dependencies: [
                "MinpingCore",
                "MinpingTokens",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // The command line: composition only.
        .executableTarget(
            name: "minping",
            dependencies: [
                "MinpingCore",
                "MinpingTokens",
                "MinpingLog",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Token throughput, run by tools/bench-tokens (release build), never by the tests.
        .executableTarget(
            name: "minping-bench",
            dependencies: ["MinpingTokens"]
        ),
        .testTarget(
            name: "MinpingCoreTests",
            dependencies: [
                "MinpingCore",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]
        ),
        .testTarget(
            name: "MinpingTokensTests",
            dependencies: [
                "MinpingTokens",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
            ],
            resources: [.copy("Vectors")]
        ),
        .testTarget(
            name: "MinpingLogTests",
            dependencies: [
                "MinpingLog",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            resources: [.copy("Vectors")]
        ),
        .testTarget(
            name: "MinpingCLITests",
            dependencies: ["minping", "MinpingCore"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
