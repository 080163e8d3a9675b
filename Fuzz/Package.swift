// swift-tools-version: 6.1
// libFuzzer targets for GenLab's file readers, built apart from the main package (they
// need `-sanitize=fuzzer,address`). Run them with scripts/fuzz.sh TARGET SECONDS.
import Foundation
import PackageDescription

/// The main package is this folder's parent; SwiftPM names a path dependency after its
/// folder, whatever the clone is called.
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
let genlab = root.lastPathComponent

/// A fuzz target: `Sources/<name>/`, an executable whose entry point is libFuzzer's
/// `LLVMFuzzerTestOneInput` (so no main: `-parse-as-library`).
func fuzzTarget(_ name: String, _ products: [String]) -> Target {
  .executableTarget(name: name, dependencies: products.map { .product(name: $0, package: genlab) },
                    swiftSettings: [.unsafeFlags(["-parse-as-library"])])
}

let package = Package(
  name: "GenLabFuzz",
  dependencies: [.package(path: "..")],
  targets: [
    fuzzTarget("fuzz-png", ["GenLab"]),
    fuzzTarget("fuzz-idx", ["GenLab"]),
    fuzzTarget("fuzz-safetensors", ["GenLab"]),
    fuzzTarget("fuzz-gif", []),
    fuzzTarget("fuzz-wordlist", ["GenLab"]),
  ],
  swiftLanguageModes: [.v5]
)
