// MatMul — the optimized twin: copies blocks of op(A) and op(B) into small contiguous
// "packed" panels and computes C in register tiles of SIMD fused multiply-adds, over K, M
// and N blocks sized for the caches and split over threads — every number loaded is used
// 8–32 times from a register instead of once from memory, so the core spends its time on
// arithmetic, not on loads. Same signatures as MatMul+Reference.swift;
// Tests/MatMulTests/MatMulTests.swift proves them equal.
//
// The reference computes each C[i,j] as its own dot product, reloading a row of A and a
// strided column of B from memory for every product. This twin (BLIS-style) copies blocks
// of op(A) and op(B) into panels sized for the L2 and L1 caches, then computes C in
// register tiles — 8×32 on AVX-512 (16×16 when N ≤ 16), 6×16 on AVX2 — where the inner
// loop is nothing but SIMD fused multiply-adds. Large products are split over threads
// without changing any sum's order.
//
// Read it in parts: this file (the entry points, the blocking and the plan), then
// MatMul+LoopNests.swift (who packs and multiplies which block), MatMul+Packing.swift
// (the copies, with transposes in registers), MatMul+RegisterTiles.swift (the FMA
// kernels) and MatMul+Scratch.swift (the packing buffers).

import Core
import CPUFeatures

extension MatMul {
  /// C ← α·op(A)·op(B) + β·C, the optimized twin of `gemmReference` (same signature,
  /// same contract; see `MatMul`). Results agree with the reference to float32 rounding
  /// (the K sum is grouped in blocks and fused), and are bit-identical for any
  /// `Parallel.threadCount`.
  public static func gemm(
    transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
    alpha: Float, a: UnsafeBufferPointer<Float>, lda: Int,
    b: UnsafeBufferPointer<Float>, ldb: Int,
    beta: Float, c: UnsafeMutableBufferPointer<Float>, ldc: Int
  ) {
    checkArguments("MatMul.gemm", transposeA: transposeA, transposeB: transposeB,
                   m: m, n: n, k: k, aCount: a.count, lda: lda, bCount: b.count, ldb: ldb,
                   cCount: c.count, ldc: ldc)
    // The tile is chosen when the module is compiled: `genlab_has_avx512` follows
    // `-march=native`. 16 zmm accumulators fill an AVX-512 core; on AVX2 (16 ymm
    // registers) that tile would spill, and 12 ymm accumulators fit.
    if compiledForAVX512 && n <= 16 {
      // A narrow product (a weight gradient with 16 outputs, a 10-class layer): half of
      // an 8×32 tile would be padding.
      gemmPacked(Tile16x16.self, blocking: .avx512, transposeA: transposeA, transposeB: transposeB,
                 m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
    } else if compiledForAVX512 {
      gemmPacked(Tile8x32.self, blocking: .avx512, transposeA: transposeA, transposeB: transposeB,
                 m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
    } else {
      gemmPacked(Tile6x16.self, blocking: .avx2, transposeA: transposeA, transposeB: transposeB,
                 m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
    }
  }

  /// The product op(A)·op(B) of two matrices by the packed GEMM:
  /// [M, K]·[K, N] → [M, N], where op(X) = Xᵀ when its flag is set.
  public static func multiply(_ a: Tensor, _ b: Tensor,
                              transposeA: Bool = false, transposeB: Bool = false) -> Tensor {
    product("MatMul.multiply", a, b, transposeA: transposeA, transposeB: transposeB) {
      gemm(transposeA: $0, transposeB: $1, m: $2, n: $3, k: $4, alpha: $5,
           a: $6, lda: $7, b: $8, ldb: $9, beta: $10, c: $11, ldc: $12)
    }
  }

  /// C ← α·op(A)·op(B) + β·C on whole matrices, by the packed GEMM. C must already
  /// have the product's shape [M, N]; β = 1 accumulates (e.g. gradients over a batch).
  public static func multiply(_ a: Tensor, _ b: Tensor,
                              transposeA: Bool = false, transposeB: Bool = false,
                              alpha: Float = 1, beta: Float = 0, into c: inout Tensor) {
    multiply("MatMul.multiply", a, b, transposeA: transposeA, transposeB: transposeB,
             alpha: alpha, beta: beta, into: &c) {
      gemm(transposeA: $0, transposeB: $1, m: $2, n: $3, k: $4, alpha: $5,
           a: $6, lda: $7, b: $8, ldb: $9, beta: $10, c: $11, ldc: $12)
    }
  }

  /// `genlab_has_avx512` as a Bool (a `let`, so the unused branch raises no warning).
  static let compiledForAVX512 = genlab_has_avx512 != 0

  /// The packed GEMM with a given register tile (a type: its kernel is compiled for its
  /// shape) and cache blocking (a value). `gemm` picks both for the CPU; tests call this
  /// with every tile and tiny blockings, so each is checked on any machine.
  static func gemmPacked<Tile: MicroKernel>(
    _ tile: Tile.Type, blocking: Blocking, transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
    alpha: Float, a: UnsafeBufferPointer<Float>, lda: Int,
    b: UnsafeBufferPointer<Float>, ldb: Int,
    beta: Float, c: UnsafeMutableBufferPointer<Float>, ldc: Int
  ) {
    guard m > 0, n > 0 else { return }
    let cBase = c.baseAddress!
    guard k > 0, alpha != 0 else {
      // C ← β·C; A and B are not read, and with β = 0 neither is C.
      for i in 0..<m {
        let row = cBase + i * ldc
        for j in 0..<n { row[j] = beta == 0 ? 0 : beta * row[j] }
      }
      return
    }
    let operands = Operands(a: a.baseAddress!, lda: lda, transposeA: transposeA,
                            b: b.baseAddress!, ldb: ldb, transposeB: transposeB,
                            c: cBase, ldc: ldc, m: m, n: n, k: k, alpha: alpha, beta: beta)
    let plan = Plan(Tile.self, blocking, m: m, n: n, k: k)
    if plan.packsAllOfA {
      multiplyWithPackedA(Tile.self, operands, plan)
    } else {
      multiplyPanels(Tile.self, operands, plan)
    }
  }
}

// MARK: - Blocking

/// The cache blocking: BLIS's KC, MC and NC, and when to use threads and the packed-A
/// loop nest. `Plan` turns it into the blocks of one product.
///
/// A value, not part of the register tile's type: the tile's shape (MR × NR) must be
/// known when its FMA kernel is compiled, the block sizes need not be. `gemm` uses the
/// defaults below; tests pass tiny ones, so that small shapes cross every block edge.
struct Blocking: Sendable, CustomStringConvertible {
  /// KC, the most columns of op(A) (rows of op(B)) in one K block: the packed A and B
  /// slivers of one block stay in L1/L2 while a tile sums over it.
  var kc: Int
  /// MC, about how many rows of op(A) are packed at a time, so that the block stays in L2.
  var mc: Int
  /// NC, about how many columns of op(B) are packed at a time, so that the panel stays in L3.
  var nc: Int
  /// Products of fewer multiply-adds stay on the calling thread; more work aims for
  /// 2, 4 or 8 chunks (at 1, 8 and 64 times this).
  var serialWork: Int
  /// How many floats of packed A may stay in L2: when one K block of all of A fits, A is
  /// packed once, up front (`multiplyWithPackedA`), else block by block (`multiplyPanels`).
  var packedABudget: Int

  /// For the AVX-512 tiles (8×32 and 16×16).
  static var avx512: Blocking {
    Blocking(kc: 512, mc: 192, nc: 4096, serialWork: 1 << 17, packedABudget: 1 << 16)
  }
  /// For the AVX2 tile (6×16).
  static var avx2: Blocking {
    Blocking(kc: 256, mc: 144, nc: 4080, serialWork: 1 << 17, packedABudget: 48 << 10)
  }

  var description: String {
    "KC \(kc), MC \(mc), NC \(nc), serial below \(serialWork), packed-A budget \(packedABudget)"
  }
}

/// How one product is cut into blocks. Everything here depends on (M, N, K), the tile
/// and the blocking only — never on the thread count. The K blocks fix the order of every
/// sum; the other cuts only decide who computes which tile, so they cannot change a result.
struct Plan {
  /// K is cut into `depthBlocks` blocks of `depth` (the last may be shorter): the
  /// packed A and B slivers of one block stay in cache while a tile sums over it.
  let depth: Int
  let depthBlocks: Int
  /// M is cut into `rowBlocks` blocks of `rowBlock` rows (a multiple of the tile's rows);
  /// a packed A block (rowBlock × depth) stays in L2.
  let rowBlock: Int
  let rowBlocks: Int
  /// N is cut into panels of `panelWidth` (a multiple of the tile's columns); a packed
  /// B panel (depth × panelWidth) stays in L3 while every row block runs over it.
  let panelWidth: Int
  let panels: Int
  /// How many chunks of work to aim for (1 = stay on the calling thread).
  let chunkGoal: Int
  /// A K block of the whole of A fits the packed-A budget (a quarter of L2), so all of A
  /// is packed once, up front: `multiplyWithPackedA`. Otherwise `multiplyPanels`.
  let packsAllOfA: Bool

  init<Tile: MicroKernel>(_: Tile.Type, _ blocking: Blocking, m: Int, n: Int, k: Int) {
    precondition(blocking.kc > 0 && blocking.mc > 0 && blocking.nc > 0,
                 "MatMul: block sizes must be positive: \(blocking)")
    // Blocks of equal depth (no thin last one), a multiple of 16 so that the 16-wide
    // transposes in the packing cover them and start on cache-line boundaries (a KC
    // under 16, only in tests, is a multiple of itself).
    let blockCount = (k + blocking.kc - 1) / blocking.kc
    depth = roundUp((k + blockCount - 1) / blockCount, min(16, blocking.kc))
    depthBlocks = (k + depth - 1) / depth
    let work = m * n * k                                  // multiply-adds
    let serial = blocking.serialWork
    chunkGoal = work < serial ? 1 : work < 8 * serial ? 2 : work < 64 * serial ? 4 : 8
    var blocks = (m + blocking.mc - 1) / blocking.mc
    if blocks > 1 && blocks % 2 == 1 && chunkGoal > 1 { blocks += 1 }   // an even number splits evenly over 2 threads
    rowBlock = roundUp((m + blocks - 1) / blocks, Tile.rows)
    rowBlocks = (m + rowBlock - 1) / rowBlock
    let panelCount = (n + blocking.nc - 1) / blocking.nc
    panelWidth = roundUp((n + panelCount - 1) / panelCount, Tile.columns)
    panels = (n + panelWidth - 1) / panelWidth
    packsAllOfA = roundUp(m, Tile.rows) * depth <= blocking.packedABudget
  }
}

@inline(__always)
func roundUp(_ value: Int, _ multiple: Int) -> Int { (value + multiple - 1) / multiple * multiple }
