// swift-tools-version: 6.1
// GenLab — learn generative modeling by building it.
//
// The modules, what each holds and what it depends on: the module map in docs/ARCHITECTURE.md
// (one place; each module's README has the rest).
import Foundation
import PackageDescription

/// Numeric code needs the CPU's vector instructions: without a target flag the
/// `SIMD8/16<Float>` FMAs become scalar `fmaf` calls (~100× slower). Release only:
/// debug builds stay portable, and a package with unsafe flags is used by path.
let fast: [SwiftSetting] = [
  .unsafeFlags(["-Xcc", "-march=native"], .when(configuration: .release)),
]
let fastC: [CSetting] = [
  .unsafeFlags(["-march=native"], .when(configuration: .release)),
]

/// A library module in `Sources/<name>/`, with its README beside the code.
func module(_ name: String, _ dependencies: [Target.Dependency]) -> Target {
  .target(name: name, dependencies: dependencies, exclude: ["README.md"], swiftSettings: fast)
}

let argumentParser: Target.Dependency = .product(name: "ArgumentParser", package: "swift-argument-parser")

/// A lesson is `Lessons/NN-Name/` (`LessonNN.swift` with the `@main` command, and the files
/// beside it), an executable named `lessonNN-name`.
func lesson(_ folder: String) -> Target {
  let number = folder.prefix(2)
  let name = folder.dropFirst(3).lowercased()
  return .executableTarget(
    name: "lesson\(number)-\(name)",
    dependencies: ["GenLab", argumentParser],
    path: "Lessons/\(folder)",
    exclude: ["README.md"],
    swiftSettings: fast)
}

let lessons = ["01-Images", "02-Convolution", "03-Im2col", "04-TransposedConvolution", "05-VAE", "06-GAN2D", "07-DCGAN",
               "08-Diffusion2D", "09-DiffusionImages", "10-Compression", "11-Capstone"].map(lesson)

/// The exercise folders (`Exercises/NN-Name/`): stubs a student fills in, one README each.
let exerciseFolders = ["01-NaiveConvolution", "02-Im2col", "03-ConvolutionBackward", "04-TransposedConvolution",
                       "05-Reparameterization", "06-GANLoss", "07-DiffusionNoising", "08-DDPMStep", "09-CachedAttention"]

/// The teacher's solutions (`Exercises/Solutions/`) and `genlab-check-solutions`, which
/// grades them, exist only where that folder does: a student's copy (made by
/// `scripts/hand-out-exercises.sh`) leaves it out and still builds.
let solutionsFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
  .appendingPathComponent("Exercises/Solutions").path
let solutionTargets: [Target] = FileManager.default.fileExists(atPath: solutionsFolder + "/Submission.swift") ? [
  .target(name: "ExerciseSolutions", dependencies: ["ExerciseSupport"], path: "Exercises/Solutions",
          exclude: ["README.md", "Checker"], swiftSettings: fast),
  .executableTarget(name: "genlab-check-solutions", dependencies: ["ExerciseChecker", "ExerciseSolutions"],
                    path: "Exercises/Solutions/Checker", swiftSettings: fast),
] : []

let package = Package(
  name: "GenLab",
  platforms: [.macOS(.v15)],
  products: [
    .library(name: "GenLab", targets: ["GenLab"]),
    .executable(name: "genlab-bench", targets: ["genlab-bench"]),
    .executable(name: "genlab-check", targets: ["genlab-check"]),
    .executable(name: "genlab-score", targets: ["genlab-score"]),
    .executable(name: "genlab-inspect", targets: ["genlab-inspect"]),
    // For Exercises/Solutions, the separate package that checks the teacher's solutions.
    .library(name: "ExerciseChecker", targets: ["ExerciseChecker"]),
    .library(name: "ExerciseSupport", targets: ["ExerciseSupport"]),
  ] + lessons.map { .executable(name: $0.name, targets: [$0.name]) },
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    // `swift package generate-documentation --target GenLab` (the DocC catalog in Sources/GenLab/GenLab.docc).
    .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.4.0"),
  ],
  targets: [
    .systemLibrary(name: "CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
    .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
    .target(name: "CPUFeatures", cSettings: fastC),
    module("Core", ["CPUFeatures"]),
    module("MatMul", ["Core", "CPUFeatures"]),
    module("ImageIO", ["Core", "CPNG"]),
    module("Datasets", ["Core", "CZlib"]),
    module("Evaluation", ["Core"]),
    module("Convolution", ["Core", "MatMul"]),
    module("TransposedConvolution", ["Core", "MatMul", "Convolution"]),
    module("NN", ["Core", "MatMul", "Convolution", "TransposedConvolution"]),
    module("Reparameterization", ["Core"]),
    module("GANLoss", ["Core"]),
    module("DiffusionNoising", ["Core"]),
    module("ArithmeticCoding", ["Core"]),
    module("Autoregressive", ["Core", "MatMul", "NN", "ArithmeticCoding"]),
    module("Models", ["Core", "NN", "GANLoss", "DiffusionNoising", "Reparameterization", "Evaluation"]),
    module("Lab", ["Core", "NN", "ImageIO", argumentParser]),
    .target(name: "GenLab", dependencies: ["Core", "MatMul", "ImageIO", "Datasets", "Evaluation", "Lab",
                                           "Convolution", "TransposedConvolution", "NN",
                                           "Reparameterization", "GANLoss", "DiffusionNoising", "ArithmeticCoding", "Autoregressive", "Models"], swiftSettings: fast),
    module("ExerciseSupport", ["Core"]),
    .target(name: "Exercises", dependencies: ["ExerciseSupport"], path: "Exercises",
            exclude: ["Solutions", "README.md", "TEACHERS.md"] + exerciseFolders.map { "\($0)/README.md" },
            swiftSettings: fast),
    module("ExerciseChecker", ["Core", "ExerciseSupport", "Convolution", "TransposedConvolution", "Reparameterization",
                               "GANLoss", "DiffusionNoising", "Autoregressive", argumentParser]),
    .executableTarget(name: "genlab-check", dependencies: ["ExerciseChecker", "Exercises"], swiftSettings: fast),
    .executableTarget(name: "genlab-inspect", dependencies: ["GenLab", argumentParser], swiftSettings: fast),
    .executableTarget(name: "genlab-score", dependencies: ["GenLab", argumentParser], swiftSettings: fast),
    .executableTarget(
      name: "genlab-bench",
      dependencies: ["GenLab", argumentParser],
      swiftSettings: fast),

    .target(name: "TestSupport", dependencies: ["Core", "NN"], path: "Tests/TestSupport"),
    .testTarget(name: "CoreTests", dependencies: ["Core", "TestSupport"]),
    .testTarget(name: "MatMulTests", dependencies: ["MatMul", "TestSupport"]),
    .testTarget(name: "ImageIOTests", dependencies: ["ImageIO", "TestSupport"]),
    .testTarget(name: "DatasetsTests", dependencies: ["Datasets", "TestSupport"]),
    .testTarget(name: "EvaluationTests", dependencies: ["Evaluation", "TestSupport"]),
    .testTarget(name: "LabTests", dependencies: ["Lab", "NN", "ImageIO", "Datasets", "TestSupport"]),
    .testTarget(name: "ConvolutionTests", dependencies: ["Convolution", "TestSupport"]),
    .testTarget(name: "TransposedConvolutionTests", dependencies: ["TransposedConvolution", "Convolution", "TestSupport"]),
    .testTarget(name: "NNTests", dependencies: ["NN", "TestSupport"]),
    .testTarget(name: "ReparameterizationTests", dependencies: ["Reparameterization", "TestSupport"]),
    .testTarget(name: "GANLossTests", dependencies: ["GANLoss", "TestSupport"]),
    .testTarget(name: "DiffusionNoisingTests", dependencies: ["DiffusionNoising", "TestSupport"]),
    .testTarget(name: "AutoregressiveTests", dependencies: ["Autoregressive", "ArithmeticCoding", "Datasets", "NN", "TestSupport"]),
    .testTarget(name: "ArithmeticCodingTests", dependencies: ["ArithmeticCoding", "TestSupport"]),
    .testTarget(name: "ExerciseCheckerTests", dependencies: ["ExerciseChecker", "ExerciseSupport", "Convolution", "TransposedConvolution",
                                                           "Reparameterization", "GANLoss", "DiffusionNoising", "Autoregressive",
                                                           "TestSupport"]),
    .testTarget(name: "ModelsTests", dependencies: ["Models", "NN", "DiffusionNoising", "Autoregressive", "Reparameterization",
                                                  "GANLoss", "TestSupport"]),
  ] + lessons + solutionTargets,
  swiftLanguageModes: [.v5]
)
