import Core
import Testing
import TestSupport
@testable import MatMul

/// One GEMM problem: C ← α·op(A)·op(B) + β·C with op(A) M×K, op(B) K×N, and leading
/// dimensions `extraA/B/C` elements wider than the stored rows (a block of a wider matrix).
struct GEMMCase: Sendable, CustomTestStringConvertible {
  var m: Int, k: Int, n: Int
  var transposeA = false, transposeB = false
  var alpha: Float = 1, beta: Float = 0
  var extraA = 0, extraB = 0, extraC = 0

  var testDescription: String {
    var text = "\(m)×\(k)×\(n)"
    if transposeA { text += " Aᵀ" }
    if transposeB { text += " Bᵀ" }
    if alpha != 1 || beta != 0 { text += " α=\(alpha) β=\(beta)" }
    if extraA + extraB + extraC > 0 { text += " ld+(\(extraA),\(extraB),\(extraC))" }
    return text
  }

  // The stored matrices: A is M×K (K×M when transposed), B is K×N (N×K when transposed).
  // A leading dimension is at least 1, as in BLAS, even for a matrix with no columns.
  var aRows: Int { transposeA ? k : m }
  var lda: Int { max(1, (transposeA ? m : k) + extraA) }
  var bRows: Int { transposeB ? n : k }
  var ldb: Int { max(1, (transposeB ? k : n) + extraB) }
  var ldc: Int { max(1, n + extraC) }

  /// Float32 sums of up to K products of numbers in [−1, 1): rounding grows with K.
  var tolerance: Tolerance {
    Tolerance(atol: 1e-5 * Float(max(1, k / 32)) * max(1, abs(alpha)), rtol: 1e-4)
  }
}

/// Either twin, or the packed GEMM with a chosen tile; all have `gemm`'s signature.
typealias GEMMFunction = (
  _ transposeA: Bool, _ transposeB: Bool, _ m: Int, _ n: Int, _ k: Int, _ alpha: Float,
  _ a: UnsafeBufferPointer<Float>, _ lda: Int, _ b: UnsafeBufferPointer<Float>, _ ldb: Int,
  _ beta: Float, _ c: UnsafeMutableBufferPointer<Float>, _ ldc: Int) -> Void

let reference: GEMMFunction = {
  MatMul.gemmReference(transposeA: $0, transposeB: $1, m: $2, n: $3, k: $4, alpha: $5,
                       a: $6, lda: $7, b: $8, ldb: $9, beta: $10, c: $11, ldc: $12)
}
let optimized: GEMMFunction = {
  MatMul.gemm(transposeA: $0, transposeB: $1, m: $2, n: $3, k: $4, alpha: $5,
              a: $6, lda: $7, b: $8, ldb: $9, beta: $10, c: $11, ldc: $12)
}
func packed<Tile: MicroKernel>(_ tile: Tile.Type, _ blocking: Blocking) -> GEMMFunction {
  {
    MatMul.gemmPacked(tile, blocking: blocking, transposeA: $0, transposeB: $1, m: $2, n: $3, k: $4,
                      alpha: $5, a: $6, lda: $7, b: $8, ldb: $9, beta: $10, c: $11, ldc: $12)
  }
}

/// A register tile under test: the packed GEMM with that tile and any blocking, and the
/// blocking `gemm` gives it.
struct TileUnderTest: Sendable, CustomTestStringConvertible {
  let name: String
  let defaultBlocking: Blocking
  let gemm: @Sendable (Blocking) -> GEMMFunction
  var testDescription: String { name }
}

/// Every register tile, whatever this machine's CPU: the tiles `gemm` does not pick here
/// are checked too.
let tiles = [
  TileUnderTest(name: "8×32", defaultBlocking: .avx512) { packed(Tile8x32.self, $0) },
  TileUnderTest(name: "16×16", defaultBlocking: .avx512) { packed(Tile16x16.self, $0) },
  TileUnderTest(name: "6×16", defaultBlocking: .avx2) { packed(Tile6x16.self, $0) },
]

/// Blockings small enough that test shapes of a few dozen cross every block edge, and
/// split into chunks from 8 multiply-adds up.
/// - KC 3 makes many K blocks, too thin for the in-register transposes; KC 32 makes
///   K blocks that use them, and leaves a shorter last block when 32 does not divide K.
/// - MC 5 and NC 7 are under one tile: the plan rounds them up to one row tile per row
///   block and one sliver per panel. MC 16 and NC 64 hold one to three of each.
/// - A packed-A budget of 0 sends every product through `multiplyPanels` (B panels),
///   one of `.max` through `multiplyWithPackedA`.
func tinyBlockings(kc: Int, serialWork: Int = 8) -> [Blocking] {
  [(5, 7, 0), (5, 7, Int.max), (16, 64, 0), (16, 64, Int.max)].map { mc, nc, budget in
    Blocking(kc: kc, mc: mc, nc: nc, serialWork: serialWork, packedABudget: budget)
  }
}

/// Runs `gemm` on seeded random A, B and C (C all NaN when β = 0, which must not be
/// read) and returns the whole C buffer, padding included: the padding must come back
/// as it went in.
func run(_ problem: GEMMCase, seed: UInt64 = 1, _ gemm: GEMMFunction) -> [Float] {
  var rng = RNG(seed: seed)
  let a = Tensor.uniform([max(problem.aRows, 1), problem.lda], in: -1..<1, using: &rng).data
  let b = Tensor.uniform([max(problem.bRows, 1), problem.ldb], in: -1..<1, using: &rng).data
  var c = problem.beta == 0
    ? [Float](repeating: .nan, count: problem.m * problem.ldc)
    : Tensor.uniform([problem.m, problem.ldc], in: -1..<1, using: &rng).data
  a.withUnsafeBufferPointer { a in
    b.withUnsafeBufferPointer { b in
      c.withUnsafeMutableBufferPointer { c in
        gemm(problem.transposeA, problem.transposeB, problem.m, problem.n, problem.k, problem.alpha,
             a, problem.lda, b, problem.ldb, problem.beta, c, problem.ldc)
      }
    }
  }
  return c
}

/// Seeded shapes that include the awkward ones. In a debug build `gemm` uses the 6×16
/// AVX2 tile (KC 256, MC 144, NC 4080, packed-A budget 48K floats); the AVX-512 tiles
/// (8×32 and 16×16, KC 512) are run by `everyTileMatchesTheReference`.
let cases: [GEMMCase] = [
  GEMMCase(m: 1, k: 1, n: 1),
  GEMMCase(m: 7, k: 13, n: 5),
  GEMMCase(m: 31, k: 17, n: 29),
  GEMMCase(m: 1, k: 257, n: 3),                      // one row, K past the AVX2 KC
  GEMMCase(m: 300, k: 2, n: 1),                      // tall and thin
  GEMMCase(m: 5, k: 1, n: 9),                        // K = 1
  GEMMCase(m: 6, k: 16, n: 16),                      // exactly one 6×16 tile
  GEMMCase(m: 8, k: 32, n: 32),                      // exactly one 8×32 tile
  GEMMCase(m: 9, k: 33, n: 33),                      // one past the tiles
  GEMMCase(m: 7, k: 31, n: 31),                      // one short of them
  GEMMCase(m: 16, k: 17, n: 15),                     // 16×16 tile, N one short
  GEMMCase(m: 12, k: 40, n: 48),
  GEMMCase(m: 13, k: 5, n: 17, transposeA: true),
  GEMMCase(m: 17, k: 23, n: 31, transposeB: true),
  GEMMCase(m: 19, k: 29, n: 37, transposeA: true, transposeB: true),
  GEMMCase(m: 64, k: 16, n: 100),                    // conv forward (W·cols), smaller
  GEMMCase(m: 16, k: 64, n: 100, transposeA: true),  // conv input gradient (Wᵀ·dY)
  GEMMCase(m: 64, k: 100, n: 16, transposeB: true),  // conv weight gradient (dY·colsᵀ)
  GEMMCase(m: 33, k: 300, n: 10),                    // two K blocks of the AVX2 tile
  GEMMCase(m: 97, k: 385, n: 33),                    // K past 256 and 384
  GEMMCase(m: 20, k: 530, n: 20, transposeB: true),  // K past 512: two AVX-512 K blocks
  GEMMCase(m: 150, k: 40, n: 70),                    // M past the AVX2 MC (144)
  GEMMCase(m: 300, k: 256, n: 20),                   // packed A too big for L2: B panels
  GEMMCase(m: 300, k: 256, n: 20, transposeA: true, transposeB: true),
  GEMMCase(m: 23, k: 19, n: 41, alpha: 2.5, beta: 0),
  GEMMCase(m: 23, k: 19, n: 41, alpha: -1, beta: 1),         // accumulate
  GEMMCase(m: 40, k: 290, n: 35, transposeB: true, alpha: 0.5, beta: -0.75),
  GEMMCase(m: 11, k: 7, n: 13, alpha: 0, beta: 2),           // C ← 2C, A and B unread
  GEMMCase(m: 4, k: 0, n: 5, beta: 0.5),                     // K = 0: C ← C/2
  GEMMCase(m: 4, k: 0, n: 5, beta: 0),                       // K = 0, β = 0: C ← 0
  GEMMCase(m: 0, k: 5, n: 3),                                // nothing to do
  GEMMCase(m: 10, k: 12, n: 14, extraA: 3, extraB: 5, extraC: 7),
  GEMMCase(m: 23, k: 17, n: 45, transposeA: true, extraA: 2, extraB: 1, extraC: 3),
  GEMMCase(m: 41, k: 9, n: 70, transposeB: true, beta: 1, extraA: 4, extraB: 6, extraC: 1),
  GEMMCase(m: 50, k: 70, n: 90, transposeA: true, transposeB: true, alpha: 1.5, beta: 0.5,
           extraA: 1, extraB: 2, extraC: 3),
]

@Suite struct GEMMTwins {
  /// C = A·B for a 2×3 and a 3×2 matrix, worked out by hand:
  ///   [1 2 3]   [ 7  8]   [1·7 + 2·9 + 3·11   1·8 + 2·10 + 3·12]   [ 58  64]
  ///   [4 5 6] · [ 9 10] = [4·7 + 5·9 + 6·11   4·8 + 5·10 + 6·12] = [139 154]
  ///             [11 12]
  /// and the same with α = 2, β = 1 onto C = [[1, 1], [1, 1]]: 2·AB + 1 = [[117, 129], [279, 309]].
  @Test(arguments: [("reference", reference), ("optimized", optimized)])
  func handComputedProduct(name: String, gemm: GEMMFunction) {
    let a: [Float] = [1, 2, 3, 4, 5, 6]
    let b: [Float] = [7, 8, 9, 10, 11, 12]
    var c = [Float](repeating: .nan, count: 4)
    var accumulated: [Float] = [1, 1, 1, 1]
    a.withUnsafeBufferPointer { a in
      b.withUnsafeBufferPointer { b in
        c.withUnsafeMutableBufferPointer { gemm(false, false, 2, 2, 3, 1, a, 3, b, 2, 0, $0, 2) }
        accumulated.withUnsafeMutableBufferPointer { gemm(false, false, 2, 2, 3, 2, a, 3, b, 2, 1, $0, 2) }
      }
    }
    #expect(c == [58, 64, 139, 154], "\(name)")
    #expect(accumulated == [117, 129, 279, 309], "\(name)")
  }

  @Test(arguments: cases)
  func optimizedMatchesReference(problem: GEMMCase) {
    let expected = run(problem, reference)
    let actual = run(problem, optimized)
    expectClose(actual, expected, problem.tolerance, "\(problem.testDescription):")
  }

  /// Every register tile with its own blocking and with tiny ones (so small shapes cross
  /// K blocks, row blocks, N panels, chunk edges and tile edges, in both loop nests).
  @Test(arguments: cases.filter { $0.m * $0.n * $0.k <= 300_000 }, tiles)
  func everyTileMatchesTheReference(problem: GEMMCase, tile: TileUnderTest) {
    let expected = run(problem, reference)
    for blocking in [tile.defaultBlocking] + tinyBlockings(kc: 3) + tinyBlockings(kc: 32) {
      expectClose(run(problem, tile.gemm(blocking)), expected, problem.tolerance,
                  "\(problem.testDescription), tile \(tile.name), \(blocking):")
    }
  }

  /// Only the K blocks fix the order of a sum. How M and N are cut into blocks and
  /// chunks, and which loop nest runs, must not change a single bit: every C element
  /// sums its products in the same order whichever chunk, block or path computes it.
  @Test(arguments: [
    GEMMCase(m: 50, k: 70, n: 90),
    GEMMCase(m: 37, k: 100, n: 130, transposeA: true, transposeB: true, alpha: 0.5, beta: 1),
    GEMMCase(m: 90, k: 45, n: 20, transposeB: true),
  ], tiles)
  func onlyTheKBlocksChangeBits(problem: GEMMCase, tile: TileUnderTest) {
    for kc in [3, 32] {
      // One block of everything but K, in one chunk, through the B-panel loop nest.
      let whole = run(problem, tile.gemm(Blocking(kc: kc, mc: 1 << 20, nc: 1 << 20, serialWork: .max / 128,
                                                  packedABudget: 0)))
      for blocking in tinyBlockings(kc: kc) + tinyBlockings(kc: kc, serialWork: .max / 128) {
        let split = run(problem, tile.gemm(blocking))
        #expect(split.map(\.bitPattern) == whole.map(\.bitPattern),
                "\(problem.testDescription), tile \(tile.name), \(blocking)")
      }
    }
  }
}

/// Parallel.threadCount is process-wide, so this suite runs its tests one at a time.
@Suite(.serialized) struct GEMMThreads {
  /// Large enough that `gemm` splits the work (≥ 2¹⁷ multiply-adds), in both loop nests
  /// of the debug build's tile.
  @Test(arguments: [
    GEMMCase(m: 64, k: 100, n: 200),
    GEMMCase(m: 300, k: 256, n: 24, transposeB: true),
  ])
  func bitIdenticalForOneAndTwoThreads(problem: GEMMCase) {
    let previous = Parallel.threadCount
    defer { Parallel.threadCount = previous }
    Parallel.threadCount = 1
    let one = run(problem, optimized)
    Parallel.threadCount = 2
    let two = run(problem, optimized)
    #expect(one.map(\.bitPattern) == two.map(\.bitPattern), "\(problem.testDescription)")
    expectClose(two, run(problem, reference), problem.tolerance, "\(problem.testDescription):")
  }
}

@Suite struct MatMulTensors {
  /// The same 2×3 · 3×2 product as above, through every tensor entry point, with A and
  /// B also passed transposed (stored as Aᵀ, Bᵀ) to the flags that undo it.
  @Test(arguments: Implementation.allCases)
  func matmulEntryPoint(implementation: Implementation) {
    let a = Tensor(shape: [2, 3], data: [1, 2, 3, 4, 5, 6])
    let b = Tensor(shape: [3, 2], data: [7, 8, 9, 10, 11, 12])
    let expected = Tensor(shape: [2, 2], data: [58, 64, 139, 154])
    #expect(a.matmul(b, implementation: implementation) == expected)
    #expect(a.transposed().matmul(b, transposeA: true, implementation: implementation) == expected)
    #expect(a.matmul(b.transposed(), transposeB: true, implementation: implementation) == expected)
    #expect(a.transposed().matmul(b.transposed(), transposeA: true, transposeB: true,
                                  implementation: implementation) == expected)
  }

  @Test(arguments: [(7, 13, 5, false, false), (17, 40, 33, true, false), (33, 20, 17, false, true),
                    (9, 300, 70, true, true)])
  func tensorTwinsAgree(m: Int, k: Int, n: Int, transposeA: Bool, transposeB: Bool) {
    var rng = RNG(seed: 7)
    let a = Tensor.normal(transposeA ? [k, m] : [m, k], using: &rng)
    let b = Tensor.normal(transposeB ? [n, k] : [k, n], using: &rng)
    let expected = MatMul.multiplyReference(a, b, transposeA: transposeA, transposeB: transposeB)
    let actual = MatMul.multiply(a, b, transposeA: transposeA, transposeB: transposeB)
    #expect(actual.shape == [m, n])
    expectClose(actual, expected, Tolerance(atol: 1e-4 * Float(max(1, k / 32)), rtol: 1e-4),
                "\(m)×\(k)×\(n) Aᵀ \(transposeA) Bᵀ \(transposeB):")
  }

  /// `into:` with β = 1 adds the product to C, as a layer's backward pass sums weight
  /// gradients over a batch: C + A₁B₁ + A₂B₂, both twins.
  @Test func accumulateIntoTensor() {
    var rng = RNG(seed: 3)
    let a1 = Tensor.uniform([12, 30], in: -1..<1, using: &rng), b1 = Tensor.uniform([40, 30], in: -1..<1, using: &rng)
    let a2 = Tensor.uniform([12, 30], in: -1..<1, using: &rng), b2 = Tensor.uniform([40, 30], in: -1..<1, using: &rng)
    let start = Tensor.uniform([12, 40], in: -1..<1, using: &rng)
    let snapshot = Tensor(shape: start.shape, data: start.data.map { $0 })   // its own storage
    let expected = start + MatMul.multiplyReference(a1, b1, transposeB: true)
      + MatMul.multiplyReference(a2, b2, transposeB: true)
    var viaReference = start, viaOptimized = start
    for (a, b) in [(a1, b1), (a2, b2)] {
      MatMul.multiplyReference(a, b, transposeB: true, beta: 1, into: &viaReference)
      MatMul.multiply(a, b, transposeB: true, beta: 1, into: &viaOptimized)
    }
    expectClose(viaReference, expected, .float32, "reference:")
    expectClose(viaOptimized, expected, .float32, "optimized:")
    #expect(start == snapshot, "writing C in place must not write into a tensor sharing its storage")
  }

  /// K = 0: an empty sum, so every element is 0; M = 0 or N = 0: an empty matrix.
  @Test(arguments: Implementation.allCases)
  func emptySizes(implementation: Implementation) {
    #expect(Tensor(zeros: [3, 0]).matmul(Tensor(zeros: [0, 4]), implementation: implementation) == Tensor(zeros: [3, 4]))
    #expect(Tensor(zeros: [0, 5]).matmul(Tensor(zeros: [5, 2]), implementation: implementation).shape == [0, 2])
    #expect(Tensor(zeros: [2, 5]).matmul(Tensor(zeros: [5, 0]), implementation: implementation).shape == [2, 0])
  }

  @Test func mismatchedInnerSizesStop() async {
    await #expect(processExitsWith: .failure) {
      _ = MatMul.multiply(Tensor(zeros: [2, 3]), Tensor(zeros: [4, 2]))
    }
  }
}
