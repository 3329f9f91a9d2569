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
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/weichsel/ZIPFoundation.git", from: "0.9.20"),
        .package(url: "https://github.com/yaslab/CSV.swift.git", from: "2.5.2"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/adam-fowler/compress-nio.git", from: "1.5.0"),
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
                "COpenSSL",
            ]
        ),
        // OpenSSL's libcrypto (Debian libssl-dev): the issuing key's RSA private-key operation
        // only, where a benchmark showed it is twice BoringSSL's (issue 17).
        .systemLibrary(
            name: "COpenSSL",
            pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"])]
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
        // Signing keys at rest (SPEC §4): the key-encryption key, its file, and the binding of a
        // database to it; used by both stores and the witness.
        .target(
            name: "MinpingKeys",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")]
        ),
        // What the service needs from storage: one protocol, transactions named for what they mean.
        .target(
            name: "MinpingStore",
            dependencies: ["MinpingCore", "MinpingKeys"]
        ),
        // Past one machine (SPEC §9): PostgreSQL through postgres-nio's pooled client; several
        // instances share one database, each log extended under a row lock on its head.
        .target(
            name: "MinpingPostgres",
            dependencies: [
                "MinpingStore",
                "MinpingKeys",
                "MinpingCore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "_ConnectionPoolModule", package: "postgres-nio"),  // its ConnectionPoolError
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // Spreadsheets in and out (SPEC §7): rosters from CSV or XLSX, results as CSV and XLSX.
        // ZIP by ZIPFoundation, XML by Foundation, CSV by CSV.swift.
        .target(
            name: "MinpingTables",
            dependencies: [
                "MinpingCore",
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                .product(name: "CSV", package: "CSV.swift"),
            ]
        ),
        // The embedded default: GRDB on SQLite in WAL mode with synchronous=FULL.
        .target(
            name: "MinpingSQLite",
            dependencies: [
                "MinpingStore",
                "MinpingKeys",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        // The evaluation service: lifecycle, exactly-once ballots, batched log integration.
        .target(
            name: "MinpingService",
            dependencies: [
                "MinpingCore",
                "MinpingTokens",
                "MinpingLog",
                "MinpingStore",
                "MinpingKeys",
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // libqrencode from Debian (libqrencode-dev): QR codes on printed slips.
        .systemLibrary(
            name: "CQRencode",
            pkgConfig: "libqrencode",
            providers: [.apt(["libqrencode-dev"])]
        ),
        // Hummingbird 2: routes, roles, problem details, metrics, pages; one buildApplication.
        .target(
            name: "MinpingHTTP",
            dependencies: [
                "MinpingCore",
                "MinpingTokens",
                "MinpingLog",
                "MinpingStore",
                "MinpingService",
                "MinpingTables",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),  // the /verify page's script hashes (its CSP)
                .product(name: "NIOSSL", package: "swift-nio-ssl"),  // HTTPS built in, its certificate reloadable
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "CompressNIO", package: "compress-nio"),  // the boards, gzipped once per change
                "CQRencode",
            ],
            resources: [.copy("openapi.yaml"), .copy("Pages"), .copy("Static")]
        ),
        // A witness (SPEC §5, C2SP tlog-witness): its own SQLite file and sealed key and the
        // add-checkpoint endpoint. It knows the log's formats, not the log server.
        .target(
            name: "MinpingWitness",
            dependencies: [
                "MinpingLog",
                "MinpingKeys",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        // The log server's side of witnessing: the submitter that sends each new checkpoint to
        // the witnesses and stores their cosignatures, over HTTP.
        .target(
            name: "MinpingWitnessClient",
            dependencies: [
                "MinpingLog",
                "MinpingStore",
                "MinpingService",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
            ]
        ),
        // Test doubles and the storage contract suite, run against every store.
        .target(
            name: "MinpingTestSupport",
            dependencies: ["MinpingStore", "MinpingKeys", "MinpingCore"]
        ),
        // The command line: composition only.
        .executableTarget(
            name: "minping",
            dependencies: [
                "MinpingCore",
                "MinpingTokens",
                "MinpingLog",
                "MinpingStore",
                "MinpingSQLite",
                "MinpingPostgres",
                "MinpingService",
                "MinpingHTTP",
                "MinpingTables",
                "MinpingWitness",
                "MinpingWitnessClient",
                "MinpingKeys",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Token throughput, run by tools/bench/tokens (release build), never by the tests.
        .executableTarget(
            name: "minping-bench",
            dependencies: [
                "MinpingTokens",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
            ]
        ),
        // The baseline of tools/bench/http: bare Hummingbird + GRDB storing the same rows.
        .executableTarget(
            name: "minping-bare",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "GRDB", package: "GRDB.swift"),
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
                "MinpingLog", "MinpingStore", "MinpingKeys", "MinpingTestSupport",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            resources: [.copy("Vectors")]
        ),
        .testTarget(
            name: "MinpingStoreTests",
            dependencies: ["MinpingStore", "MinpingKeys", "MinpingSQLite", "MinpingPostgres", "MinpingTestSupport", "MinpingCore",
                           .product(name: "GRDB", package: "GRDB.swift"),
                           .product(name: "PostgresNIO", package: "postgres-nio"),
                           .product(name: "_ConnectionPoolModule", package: "postgres-nio"),
                           .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(
            name: "MinpingHTTPTests",
            dependencies: [
                "MinpingHTTP", "MinpingService", "MinpingSQLite", "MinpingKeys", "MinpingTestSupport", "MinpingLog", "MinpingTokens", "MinpingCore", "MinpingTables",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .testTarget(
            name: "MinpingWitnessTests",
            dependencies: ["MinpingWitness", "MinpingWitnessClient", "MinpingKeys", "MinpingLog", "MinpingStore", "MinpingService",
                           "MinpingTestSupport", "MinpingCore"]
        ),
        .testTarget(
            name: "MinpingTablesTests",
            dependencies: ["MinpingTables", "MinpingCore", .product(name: "ZIPFoundation", package: "ZIPFoundation")]
        ),
        .testTarget(
            name: "MinpingCLITests",
            dependencies: ["minping", "MinpingCore", "MinpingTables", "MinpingKeys"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
