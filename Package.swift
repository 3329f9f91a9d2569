// swift-tools-version: 6.2
import PackageDescription

let package = Package(
    name: "Minping",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "minping", targets: ["minping"]),
        .library(name: "MinpingCore", targets: ["MinpingCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
    ],
    targets: [
        // Pure domain: definitions, counting rules, results. No I/O, no SQL, no HTTP.
        .target(
            name: "MinpingCore",
            dependencies: [.product(name: "Yams", package: "Yams")]
        ),
        // The command line: composition only.
        .executableTarget(
            name: "minping",
            dependencies: [
                "MinpingCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "MinpingCoreTests",
            dependencies: [
                "MinpingCore",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]
        ),
        .testTarget(
            name: "MinpingCLITests",
            dependencies: ["minping", "MinpingCore"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
