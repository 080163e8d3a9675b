// The reference computes each C[i,j] as its own dot product, reloading a row of A and a
// strided column of B from memory for every product. This twin (BLIS-style) copies blocks
// of op(A) and op(B) into small contiguous "packed" panels sized for the L2 and L1 caches,
// then computes C in register tiles — 8×32 on AVX-512 (16×16 when N ≤ 16), 6×16 on AVX2 —
// where every number loaded is used 8–32 times from a register and the inner loop is
// nothing but SIMD fused multiply-adds. Large products are split over threads without
// changing any sum's order.

import Core
import CPUFeatures
import Synchronization

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
      gemmPacked(Tile16x16.self, transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                 alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
    } else if compiledForAVX512 {
      gemmPacked(Tile8x32.self, transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                 alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
    } else {
      gemmPacked(Tile6x16.self, transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                 alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
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

  /// The packed GEMM with a given register tile. `gemm` picks the tile for the CPU;
  /// tests call this with both tiles so each is checked on any machine.
  static func gemmPacked<Tile: MicroKernel>(
    _ tile: Tile.Type, transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
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
    let plan = Plan(Tile.self, m: m, n: n, k: k)
    if plan.packsAllOfA {
      multiplyWithPackedA(Tile.self, operands, plan)
    } else {
      multiplyPanels(Tile.self, operands, plan)
    }
  }
}

// MARK: - Blocking

/// One GEMM's arguments as raw pointers, shared by the chunks of a parallel loop.
struct Operands: @unchecked Sendable {
  let a: UnsafePointer<Float>, lda: Int, transposeA: Bool
  let b: UnsafePointer<Float>, ldb: Int, transposeB: Bool
  let c: UnsafeMutablePointer<Float>, ldc: Int
  let m: Int, n: Int, k: Int
  let alpha: Float, beta: Float
}

/// How one product is cut into blocks. Everything here depends on (M, N, K) and the
/// tile only — never on the thread count. The K blocks fix the order of every sum; the
/// other cuts only decide who computes which tile, so they cannot change a result.
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

  init<Tile: MicroKernel>(_: Tile.Type, m: Int, n: Int, k: Int) {
    // Blocks of equal depth (no thin last one), a multiple of 16 so that the 16-wide
    // transposes in the packing cover them and start on cache-line boundaries.
    let blockCount = (k + Tile.depthBlock - 1) / Tile.depthBlock
    depth = roundUp((k + blockCount - 1) / blockCount, 16)
    depthBlocks = (k + depth - 1) / depth
    let work = m * n * k                                  // multiply-adds
    chunkGoal = work < Tile.serialWork ? 1 : work < 8 * Tile.serialWork ? 2 : work < 64 * Tile.serialWork ? 4 : 8
    var blocks = (m + Tile.rowBlock - 1) / Tile.rowBlock
    if blocks > 1 && blocks % 2 == 1 && chunkGoal > 1 { blocks += 1 }   // an even number splits evenly over 2 threads
    rowBlock = roundUp((m + blocks - 1) / blocks, Tile.rows)
    rowBlocks = (m + rowBlock - 1) / rowBlock
    let panelCount = (n + Tile.panelWidth - 1) / Tile.panelWidth
    panelWidth = roundUp((n + panelCount - 1) / panelCount, Tile.columns)
    panels = (n + panelWidth - 1) / panelWidth
    packsAllOfA = roundUp(m, Tile.rows) * depth <= Tile.packedABudget
  }
}

@inline(__always)
func roundUp(_ value: Int, _ multiple: Int) -> Int { (value + multiple - 1) / multiple * multiple }

extension MatMul {
  /// A is small enough that one depth block of it, packed, stays in L2 (small M, or
  /// small K): conv layers' output channels, the 128-input side of a layer. A is packed
  /// once, up front; then each chunk takes a range of B's column slivers (and, when there
  /// are too few of those, a range of row tiles) and runs every row tile over each sliver
  /// while it is in L1. Full slivers of an untransposed B are read in place, a transposed
  /// B is packed sliver by sliver just before use (or all up front, when row parts share it).
  static func multiplyWithPackedA<Tile: MicroKernel>(_: Tile.Type, _ x: Operands, _ plan: Plan) {
    let mr = Tile.rows, nr = Tile.columns
    let slivers = (x.n + nr - 1) / nr
    let rowTiles = (x.m + mr - 1) / mr
    let sliverParts = min(plan.chunkGoal, slivers)
    let rowParts = min(plan.chunkGoal / sliverParts, rowTiles)
    let chunks = rowParts * sliverParts
    let readBInPlace = !x.transposeB
    let packBFirst = rowParts > 1 && x.transposeB

    // Scratch: all of packed A, [block][row tile][p][r]; all of packed B if it is packed
    // first, [block][sliver][p][j]; per chunk one B sliver and one edge tile.
    let aBlockSize = rowTiles * mr * plan.depth
    let aSize = roundUp(plan.depthBlocks * aBlockSize, 16)
    let bBlockSize = plan.depth * slivers * nr
    let sharedBSize = packBFirst ? roundUp(plan.depthBlocks * bBlockSize, 16) : 0
    let perChunk = roundUp(plan.depth * nr + mr * nr, 16)
    let scratch = ScratchPool.take(aSize + sharedBSize + chunks * perChunk)
    defer { ScratchPool.give(scratch) }
    let packedA = scratch.pointer
    let packedAllB = packedA + aSize

    let aJobs = plan.depthBlocks * rowTiles
    let jobs = aJobs + (packBFirst ? plan.depthBlocks * slivers : 0)
    // Packing a small A on the calling thread is quicker than waking another thread.
    let packers = x.m * x.k < 1 << 15 && !packBFirst ? 1 : min(plan.chunkGoal, jobs)
    Parallel.forEach(packers) { packer in
      for job in (packer * jobs / packers)..<((packer + 1) * jobs / packers) {
        if job < aJobs {
          let (block, tile) = job.quotientAndRemainder(dividingBy: rowTiles)
          let p0 = block * plan.depth
          let depth = min(plan.depth, x.k - p0)
          packA(Tile.self, x, rowStart: tile * mr, rowCount: min(mr, x.m - tile * mr), depthStart: p0,
                depth: depth, into: packedA + block * aBlockSize + tile * mr * depth)
        } else {
          let (block, sliver) = (job - aJobs).quotientAndRemainder(dividingBy: slivers)
          let p0 = block * plan.depth
          let depth = min(plan.depth, x.k - p0)
          packB(Tile.self, x, depthStart: p0, depth: depth, columnStart: sliver * nr,
                columnCount: min(nr, x.n - sliver * nr),
                into: packedAllB + block * bBlockSize + sliver * depth * nr)
        }
      }
    }

    Parallel.forEach(chunks) { chunk in
      let (rowPart, sliverPart) = chunk.quotientAndRemainder(dividingBy: sliverParts)
      let packedB = packedAllB + sharedBSize + chunk * perChunk
      let edgeTile = packedB + plan.depth * nr
      let tiles = (rowPart * rowTiles / rowParts)..<((rowPart + 1) * rowTiles / rowParts)
      let sliverRange = (sliverPart * slivers / sliverParts)..<((sliverPart + 1) * slivers / sliverParts)
      for block in 0..<plan.depthBlocks {
        let p0 = block * plan.depth
        let depth = min(plan.depth, x.k - p0)
        let beta = block == 0 ? x.beta : 1      // later K blocks add to what the first wrote
        for sliver in sliverRange {
          let j0 = sliver * nr
          let columns = min(nr, x.n - j0)
          let b: UnsafePointer<Float>
          let bStride: Int
          if readBInPlace && columns == nr {
            b = x.b + p0 * x.ldb + j0
            bStride = x.ldb
          } else if packBFirst {
            b = UnsafePointer(packedAllB + block * bBlockSize + sliver * depth * nr)
            bStride = nr
          } else {
            packB(Tile.self, x, depthStart: p0, depth: depth, columnStart: j0, columnCount: columns, into: packedB)
            b = UnsafePointer(packedB)
            bStride = nr
          }
          for t in tiles {
            let i0 = t * mr
            Tile.multiply(depth: depth, a: packedA + block * aBlockSize + t * mr * depth, b: b, bStride: bStride,
                          c: x.c + i0 * x.ldc + j0, ldc: x.ldc, rows: min(mr, x.m - i0), columns: columns,
                          alpha: x.alpha, beta: beta, edgeTile: edgeTile)
          }
        }
      }
    }
  }

  /// The general case, BLIS's loop nest: for each N panel and K block, pack the B panel
  /// once (shared by all threads, in parallel), then every chunk — a row block of A,
  /// perhaps a part of the panel — packs its A block and runs the tiles over it.
  static func multiplyPanels<Tile: MicroKernel>(_: Tile.Type, _ x: Operands, _ plan: Plan) {
    let mr = Tile.rows, nr = Tile.columns
    let panelSlivers = plan.panelWidth / nr
    let parts = max(1, min(panelSlivers, plan.chunkGoal / plan.rowBlocks))
    let chunks = plan.rowBlocks * parts
    let bSize = roundUp(plan.depth * plan.panelWidth, 16)
    let aSize = plan.rowBlock * plan.depth
    let perChunk = roundUp(aSize + mr * nr, 16)
    let scratch = ScratchPool.take(bSize + chunks * perChunk)
    defer { ScratchPool.give(scratch) }
    let packedPanel = scratch.pointer

    for panel in 0..<plan.panels {
      let panelStart = panel * plan.panelWidth
      let slivers = (min(plan.panelWidth, x.n - panelStart) + nr - 1) / nr
      for block in 0..<plan.depthBlocks {
        let p0 = block * plan.depth
        let depth = min(plan.depth, x.k - p0)

        let packers = min(plan.chunkGoal, slivers)
        Parallel.forEach(packers) { packer in
          for sliver in (packer * slivers / packers)..<((packer + 1) * slivers / packers) {
            let j0 = panelStart + sliver * nr
            packB(Tile.self, x, depthStart: p0, depth: depth, columnStart: j0,
                  columnCount: min(nr, x.n - j0), into: packedPanel + sliver * depth * nr)
          }
        }

        let beta = block == 0 ? x.beta : 1      // later K blocks add to what the first wrote
        let panelParts = min(parts, slivers)
        Parallel.forEach(plan.rowBlocks * panelParts) { chunk in
          let (rowBlock, part) = chunk.quotientAndRemainder(dividingBy: panelParts)
          let packedA = scratch.pointer + bSize + chunk * perChunk
          let edgeTile = packedA + aSize
          let rowStart = rowBlock * plan.rowBlock
          let rowCount = min(plan.rowBlock, x.m - rowStart)
          packA(Tile.self, x, rowStart: rowStart, rowCount: rowCount, depthStart: p0, depth: depth, into: packedA)
          let rowTiles = (rowCount + mr - 1) / mr
          for sliver in (part * slivers / panelParts)..<((part + 1) * slivers / panelParts) {
            let j0 = panelStart + sliver * nr
            let columns = min(nr, x.n - j0)
            let b = UnsafePointer(packedPanel + sliver * depth * nr)
            for t in 0..<rowTiles {
              let i0 = rowStart + t * mr
              Tile.multiply(depth: depth, a: packedA + t * mr * depth, b: b, bStride: nr,
                            c: x.c + i0 * x.ldc + j0, ldc: x.ldc, rows: min(mr, x.m - i0), columns: columns,
                            alpha: x.alpha, beta: beta, edgeTile: edgeTile)
            }
          }
        }
      }
    }
  }
}

// MARK: - Packing

extension MatMul {
  /// Copies op(A)[rowStart..<rowStart+rowCount, depthStart..<depthStart+depth] into row
  /// slivers of `Tile.rows`: sliver t is depth × mr numbers, one column of the sliver
  /// after another, so the kernel reads it front to back:
  /// `packed[t·mr·depth + p·mr + r] = op(A)[rowStart + t·mr + r, depthStart + p]`.
  /// Rows past the end are zero.
  @inline(__always)
  static func packA<Tile: MicroKernel>(_: Tile.Type, _ x: Operands, rowStart: Int, rowCount: Int,
                                       depthStart: Int, depth: Int, into packed: UnsafeMutablePointer<Float>) {
    let mr = Tile.rows
    for t in 0..<((rowCount + mr - 1) / mr) {
      let out = packed + t * mr * depth
      let i0 = rowStart + t * mr
      let rows = min(mr, rowCount - t * mr)
      if x.transposeA {
        // op(A)[i,p] = A[p,i]: the mr numbers of one sliver column are adjacent in A.
        for p in 0..<depth {
          let source = x.a + (depthStart + p) * x.lda + i0
          if rows == mr {
            for r in 0..<mr { out[p * mr + r] = source[r] }
          } else {
            for r in 0..<rows { out[p * mr + r] = source[r] }
            for r in rows..<mr { out[p * mr + r] = 0 }
          }
        }
        continue
      }
      // op(A)[i,p] = A[i,p]: the sliver is the transpose of an mr × depth block of A.
      var p = 0
      if mr == 8 && rows == 8 {
        while p + 16 <= depth {           // 8 rows × 16 columns at a time, in registers
          transpose8x16(x.a + i0 * x.lda + depthStart + p, rowStride: x.lda, into: out + p * 8)
          p += 16
        }
      } else if mr == 6 && rows == 6 {
        while p + 8 <= depth {            // 6 rows × 8 columns at a time, in registers
          transpose6x8(x.a + i0 * x.lda + depthStart + p, rowStride: x.lda, into: out + p * 6)
          p += 8
        }
      } else if mr == 16 && rows == 16 {
        while p + 16 <= depth {
          transpose16x16(x.a + i0 * x.lda + depthStart + p, rowStride: x.lda, into: out + p * 16, rowStrideOut: 16)
          p += 16
        }
      }
      for r in 0..<rows {
        let source = x.a + (i0 + r) * x.lda + depthStart
        for q in p..<depth { out[q * mr + r] = source[q] }
      }
      if rows < mr {
        for q in 0..<depth {
          for r in rows..<mr { out[q * mr + r] = 0 }
        }
      }
    }
  }

  /// Copies op(B)[depthStart..<depthStart+depth, columnStart..<columnStart+columnCount]
  /// (columnCount ≤ `Tile.columns`) into one column sliver, row after row:
  /// `packed[p·nr + j] = op(B)[depthStart + p, columnStart + j]`, zero for j ≥ columnCount.
  @inline(__always)
  static func packB<Tile: MicroKernel>(_: Tile.Type, _ x: Operands, depthStart: Int, depth: Int,
                                       columnStart: Int, columnCount: Int,
                                       into packed: UnsafeMutablePointer<Float>) {
    let nr = Tile.columns
    if x.transposeB {
      // op(B)[p,j] = B[j,p]: the sliver is the transpose of a columnCount × depth block of B.
      var p0 = 0
      if nr % 16 == 0 && columnCount == nr {
        // 16 × 16 blocks, in registers, walking along 16 rows of B at a time.
        for j in stride(from: 0, to: nr, by: 16) {
          var p = 0
          while p + 16 <= depth {
            transpose16x16(x.b + (columnStart + j) * x.ldb + depthStart + p, rowStride: x.ldb,
                           into: packed + p * nr + j, rowStrideOut: nr)
            p += 16
          }
          p0 = p
        }
      }
      // The rest 16 p at a time (one cache line of each B row), so the writes stay
      // within a few lines.
      while p0 < depth {
        let p1 = min(p0 + 16, depth)
        for j in 0..<columnCount {
          let source = x.b + (columnStart + j) * x.ldb + depthStart
          for p in p0..<p1 { packed[p * nr + j] = source[p] }
        }
        p0 = p1
      }
    } else {
      // op(B)[p,j] = B[p,j]: each sliver row is a contiguous piece of a B row.
      for p in 0..<depth {
        let source = x.b + (depthStart + p) * x.ldb + columnStart
        let out = packed + p * nr
        if columnCount == nr {
          for j in 0..<nr { out[j] = source[j] }
        } else {
          for j in 0..<columnCount { out[j] = source[j] }
        }
      }
    }
    if columnCount < nr {
      for p in 0..<depth {
        for j in columnCount..<nr { packed[p * nr + j] = 0 }
      }
    }
  }
}

// MARK: - Transposes in registers

/// Interleaves two vectors: (x₀, y₀, x₁, y₁, …), returned as its low and high halves.
/// One shuffle instruction per half on AVX-512 (`vpermt2ps`).
@inline(__always)
func interleave(_ x: SIMD16<Float>, _ y: SIMD16<Float>) -> (low: SIMD16<Float>, high: SIMD16<Float>) {
  var both = SIMD32<Float>()
  both.evenHalf = x
  both.oddHalf = y
  return (both.lowHalf, both.highHalf)
}

@inline(__always)
func load16(_ pointer: UnsafePointer<Float>) -> SIMD16<Float> {
  UnsafeRawPointer(pointer).loadUnaligned(as: SIMD16<Float>.self)
}

/// out[p·8 + r] = source[r·rowStride + p] for r < 8, p < 16: the 8 × 16 block becomes
/// 16 rows of 8, contiguous. Seen as one sequence of 128 numbers, element (r, p) sits at
/// index r·16 + p, bits r₂r₁r₀p₃p₂p₁p₀, and must move to p·8 + r, bits p₃p₂p₁p₀r₂r₁r₀:
/// a rotation of the index bits left by 3. Interleaving the first half of the sequence
/// with the second rotates them left by 1, so three rounds of interleaves do it.
@inline(__always)
func transpose8x16(_ source: UnsafePointer<Float>, rowStride: Int, into out: UnsafeMutablePointer<Float>) {
  var v0 = load16(source), v1 = load16(source + rowStride)
  var v2 = load16(source + 2 * rowStride), v3 = load16(source + 3 * rowStride)
  var v4 = load16(source + 4 * rowStride), v5 = load16(source + 5 * rowStride)
  var v6 = load16(source + 6 * rowStride), v7 = load16(source + 7 * rowStride)
  for _ in 0..<3 {
    let (w0, w1) = interleave(v0, v4), (w2, w3) = interleave(v1, v5)
    let (w4, w5) = interleave(v2, v6), (w6, w7) = interleave(v3, v7)
    (v0, v1, v2, v3, v4, v5, v6, v7) = (w0, w1, w2, w3, w4, w5, w6, w7)
  }
  store(v0, out); store(v1, out + 16); store(v2, out + 32); store(v3, out + 48)
  store(v4, out + 64); store(v5, out + 80); store(v6, out + 96); store(v7, out + 112)
}

/// The 8-wide `interleave`, for the AVX2 tile.
@inline(__always)
func interleave(_ x: SIMD8<Float>, _ y: SIMD8<Float>) -> (low: SIMD8<Float>, high: SIMD8<Float>) {
  var both = SIMD16<Float>()
  both.evenHalf = x
  both.oddHalf = y
  return (both.lowHalf, both.highHalf)
}

@inline(__always)
func load8(_ pointer: UnsafePointer<Float>) -> SIMD8<Float> {
  UnsafeRawPointer(pointer).loadUnaligned(as: SIMD8<Float>.self)
}

/// out[p·6 + r] = source[r·rowStride + p] for r < 6, p < 8 (the AVX2 tile's A sliver).
/// An 8 × 8 transpose (three rounds of interleaves) of the 6 rows plus 2 copies of the
/// last; each column is stored as 8 floats, the 2 extra overwritten by the next column,
/// and the last column as 4 + 2, so nothing is written past out[47].
@inline(__always)
func transpose6x8(_ source: UnsafePointer<Float>, rowStride: Int, into out: UnsafeMutablePointer<Float>) {
  var v0 = load8(source), v1 = load8(source + rowStride), v2 = load8(source + 2 * rowStride)
  var v3 = load8(source + 3 * rowStride), v4 = load8(source + 4 * rowStride)
  var v5 = load8(source + 5 * rowStride), v6 = v5, v7 = v5
  for _ in 0..<3 {
    let (w0, w1) = interleave(v0, v4), (w2, w3) = interleave(v1, v5)
    let (w4, w5) = interleave(v2, v6), (w6, w7) = interleave(v3, v7)
    (v0, v1, v2, v3, v4, v5, v6, v7) = (w0, w1, w2, w3, w4, w5, w6, w7)
  }
  store(v0, out); store(v1, out + 6); store(v2, out + 12); store(v3, out + 18)
  store(v4, out + 24); store(v5, out + 30); store(v6, out + 36)
  store(v7.lowHalf, out + 42)
  store(SIMD2(v7[4], v7[5]), out + 46)
}

/// out[p·rowStrideOut + j] = source[j·rowStride + p] for j, p < 16: a 16 × 16 transpose,
/// four rounds of interleaves (the index bits j₃…j₀p₃…p₀ rotate left by 4).
@inline(__always)
func transpose16x16(_ source: UnsafePointer<Float>, rowStride: Int,
                    into out: UnsafeMutablePointer<Float>, rowStrideOut: Int) {
  var v0 = load16(source), v1 = load16(source + rowStride)
  var v2 = load16(source + 2 * rowStride), v3 = load16(source + 3 * rowStride)
  var v4 = load16(source + 4 * rowStride), v5 = load16(source + 5 * rowStride)
  var v6 = load16(source + 6 * rowStride), v7 = load16(source + 7 * rowStride)
  var v8 = load16(source + 8 * rowStride), v9 = load16(source + 9 * rowStride)
  var v10 = load16(source + 10 * rowStride), v11 = load16(source + 11 * rowStride)
  var v12 = load16(source + 12 * rowStride), v13 = load16(source + 13 * rowStride)
  var v14 = load16(source + 14 * rowStride), v15 = load16(source + 15 * rowStride)
  for _ in 0..<4 {
    let (w0, w1) = interleave(v0, v8), (w2, w3) = interleave(v1, v9)
    let (w4, w5) = interleave(v2, v10), (w6, w7) = interleave(v3, v11)
    let (w8, w9) = interleave(v4, v12), (w10, w11) = interleave(v5, v13)
    let (w12, w13) = interleave(v6, v14), (w14, w15) = interleave(v7, v15)
    (v0, v1, v2, v3, v4, v5, v6, v7) = (w0, w1, w2, w3, w4, w5, w6, w7)
    (v8, v9, v10, v11, v12, v13, v14, v15) = (w8, w9, w10, w11, w12, w13, w14, w15)
  }
  let s = rowStrideOut
  store(v0, out); store(v1, out + s); store(v2, out + 2 * s); store(v3, out + 3 * s)
  store(v4, out + 4 * s); store(v5, out + 5 * s); store(v6, out + 6 * s); store(v7, out + 7 * s)
  store(v8, out + 8 * s); store(v9, out + 9 * s); store(v10, out + 10 * s); store(v11, out + 11 * s)
  store(v12, out + 12 * s); store(v13, out + 13 * s); store(v14, out + 14 * s); store(v15, out + 15 * s)
}

// MARK: - Register tiles

/// A register tile: computes a `rows × columns` block of C from a packed A sliver and a
/// B sliver, and the cache blocking that suits it.
protocol MicroKernel {
  /// MR × NR, the tile of C held in registers.
  static var rows: Int { get }
  static var columns: Int { get }
  /// KC, MC and NC of the blocking (see `Plan`).
  static var depthBlock: Int { get }
  static var rowBlock: Int { get }
  static var panelWidth: Int { get }
  /// Products smaller than this many multiply-adds stay on the calling thread.
  static var serialWork: Int { get }
  /// How many floats of packed A may be kept in L2 (see `Plan.packsAllOfA`).
  static var packedABudget: Int { get }

  /// C[0..<rows, 0..<columns] ← α·Σ_p a[p·MR + r]·b[p·bStride + j] + β·C (β = 0: C not read),
  /// over p in 0..<depth. `rows` ≤ MR and `columns` ≤ NR; the packed slivers are padded
  /// with zeros, and a partial tile goes through `edgeTile` (MR·NR floats of scratch).
  static func multiply(depth: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, bStride: Int,
                       c: UnsafeMutablePointer<Float>, ldc: Int, rows: Int, columns: Int,
                       alpha: Float, beta: Float, edgeTile: UnsafeMutablePointer<Float>)
}

/// C[0..<V.scalarCount] ← α·sum + β·C, reading C only when β ≠ 0.
@inline(__always)
func update<V: SIMD>(_ c: UnsafeMutablePointer<Float>, _ sum: V, alpha: Float, beta: Float)
where V.Scalar == Float {
  let target = UnsafeMutableRawPointer(c)
  let scaled = sum * alpha
  if beta == 0 {
    target.storeBytes(of: scaled, as: V.self)
  } else {
    target.storeBytes(of: scaled.addingProduct(target.loadUnaligned(as: V.self), V(repeating: beta)), as: V.self)
  }
}

/// The partial-tile version of `update`: the sums were stored row by row in `tile`
/// (`tileColumns` apart), and only rows × columns of them belong to C. Same arithmetic
/// per element as `update`, so an element's value does not depend on which tile it was in.
@inline(never)
func updateEdge(_ c: UnsafeMutablePointer<Float>, ldc: Int, tile: UnsafePointer<Float>, tileColumns: Int,
                rows: Int, columns: Int, alpha: Float, beta: Float) {
  for r in 0..<rows {
    for j in 0..<columns {
      let scaled = tile[r * tileColumns + j] * alpha
      let target = c + r * ldc + j
      target.pointee = beta == 0 ? scaled : scaled.addingProduct(target.pointee, beta)
    }
  }
}

@inline(__always)
func store<V: SIMD>(_ value: V, _ pointer: UnsafeMutablePointer<Float>) where V.Scalar == Float {
  UnsafeMutableRawPointer(pointer).storeBytes(of: value, as: V.self)
}

/// The AVX-512 tile: 8 rows × 32 columns = 16 `SIMD16<Float>` accumulators (zmm
/// registers), plus 2 for the B row and 1 for the broadcast A value, out of 32.
/// Per step of p: 2 loads of B, 8 broadcasts of A, 16 FMAs.
enum Tile8x32: MicroKernel {
  typealias Vector = SIMD16<Float>
  static var rows: Int { 8 }
  static var columns: Int { 32 }
  static var depthBlock: Int { 512 }
  static var rowBlock: Int { 192 }
  static var panelWidth: Int { 4096 }
  static var serialWork: Int { 1 << 17 }
  static var packedABudget: Int { 1 << 16 }

  @inline(__always)
  static func multiply(depth: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, bStride: Int,
                       c: UnsafeMutablePointer<Float>, ldc: Int, rows: Int, columns: Int,
                       alpha: Float, beta: Float, edgeTile: UnsafeMutablePointer<Float>) {
    var c00 = Vector(), c01 = Vector(), c10 = Vector(), c11 = Vector()
    var c20 = Vector(), c21 = Vector(), c30 = Vector(), c31 = Vector()
    var c40 = Vector(), c41 = Vector(), c50 = Vector(), c51 = Vector()
    var c60 = Vector(), c61 = Vector(), c70 = Vector(), c71 = Vector()
    var a = a
    var b = UnsafeRawPointer(b)
    let bStep = bStride * MemoryLayout<Float>.stride
    for _ in 0..<depth {
      let b0 = b.loadUnaligned(as: Vector.self)
      let b1 = b.loadUnaligned(fromByteOffset: 64, as: Vector.self)
      var x = Vector(repeating: a[0])
      c00 = c00.addingProduct(x, b0); c01 = c01.addingProduct(x, b1)
      x = Vector(repeating: a[1])
      c10 = c10.addingProduct(x, b0); c11 = c11.addingProduct(x, b1)
      x = Vector(repeating: a[2])
      c20 = c20.addingProduct(x, b0); c21 = c21.addingProduct(x, b1)
      x = Vector(repeating: a[3])
      c30 = c30.addingProduct(x, b0); c31 = c31.addingProduct(x, b1)
      x = Vector(repeating: a[4])
      c40 = c40.addingProduct(x, b0); c41 = c41.addingProduct(x, b1)
      x = Vector(repeating: a[5])
      c50 = c50.addingProduct(x, b0); c51 = c51.addingProduct(x, b1)
      x = Vector(repeating: a[6])
      c60 = c60.addingProduct(x, b0); c61 = c61.addingProduct(x, b1)
      x = Vector(repeating: a[7])
      c70 = c70.addingProduct(x, b0); c71 = c71.addingProduct(x, b1)
      a += 8
      b += bStep
    }
    if rows == 8 && columns == 32 {
      update(c, c00, alpha: alpha, beta: beta); update(c + 16, c01, alpha: alpha, beta: beta)
      var row = c + ldc
      update(row, c10, alpha: alpha, beta: beta); update(row + 16, c11, alpha: alpha, beta: beta)
      row += ldc
      update(row, c20, alpha: alpha, beta: beta); update(row + 16, c21, alpha: alpha, beta: beta)
      row += ldc
      update(row, c30, alpha: alpha, beta: beta); update(row + 16, c31, alpha: alpha, beta: beta)
      row += ldc
      update(row, c40, alpha: alpha, beta: beta); update(row + 16, c41, alpha: alpha, beta: beta)
      row += ldc
      update(row, c50, alpha: alpha, beta: beta); update(row + 16, c51, alpha: alpha, beta: beta)
      row += ldc
      update(row, c60, alpha: alpha, beta: beta); update(row + 16, c61, alpha: alpha, beta: beta)
      row += ldc
      update(row, c70, alpha: alpha, beta: beta); update(row + 16, c71, alpha: alpha, beta: beta)
    } else {
      let t = edgeTile
      store(c00, t); store(c01, t + 16); store(c10, t + 32); store(c11, t + 48)
      store(c20, t + 64); store(c21, t + 80); store(c30, t + 96); store(c31, t + 112)
      store(c40, t + 128); store(c41, t + 144); store(c50, t + 160); store(c51, t + 176)
      store(c60, t + 192); store(c61, t + 208); store(c70, t + 224); store(c71, t + 240)
      updateEdge(c, ldc: ldc, tile: t, tileColumns: 32, rows: rows, columns: columns, alpha: alpha, beta: beta)
    }
  }
}

/// The narrow AVX-512 tile, for products at most 16 columns wide: 16 rows × 16 columns =
/// 16 `SIMD16<Float>` accumulators. Per step of p: 1 load of B, 16 broadcasts of A, 16 FMAs.
enum Tile16x16: MicroKernel {
  typealias Vector = SIMD16<Float>
  static var rows: Int { 16 }
  static var columns: Int { 16 }
  static var depthBlock: Int { 512 }
  static var rowBlock: Int { 192 }
  static var panelWidth: Int { 4096 }
  static var serialWork: Int { 1 << 17 }
  static var packedABudget: Int { 1 << 16 }

  @inline(__always)
  static func multiply(depth: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, bStride: Int,
                       c: UnsafeMutablePointer<Float>, ldc: Int, rows: Int, columns: Int,
                       alpha: Float, beta: Float, edgeTile: UnsafeMutablePointer<Float>) {
    var c0 = Vector(), c1 = Vector(), c2 = Vector(), c3 = Vector()
    var c4 = Vector(), c5 = Vector(), c6 = Vector(), c7 = Vector()
    var c8 = Vector(), c9 = Vector(), c10 = Vector(), c11 = Vector()
    var c12 = Vector(), c13 = Vector(), c14 = Vector(), c15 = Vector()
    var a = a
    var b = UnsafeRawPointer(b)
    let bStep = bStride * MemoryLayout<Float>.stride
    for _ in 0..<depth {
      let row = b.loadUnaligned(as: Vector.self)
      c0 = c0.addingProduct(Vector(repeating: a[0]), row)
      c1 = c1.addingProduct(Vector(repeating: a[1]), row)
      c2 = c2.addingProduct(Vector(repeating: a[2]), row)
      c3 = c3.addingProduct(Vector(repeating: a[3]), row)
      c4 = c4.addingProduct(Vector(repeating: a[4]), row)
      c5 = c5.addingProduct(Vector(repeating: a[5]), row)
      c6 = c6.addingProduct(Vector(repeating: a[6]), row)
      c7 = c7.addingProduct(Vector(repeating: a[7]), row)
      c8 = c8.addingProduct(Vector(repeating: a[8]), row)
      c9 = c9.addingProduct(Vector(repeating: a[9]), row)
      c10 = c10.addingProduct(Vector(repeating: a[10]), row)
      c11 = c11.addingProduct(Vector(repeating: a[11]), row)
      c12 = c12.addingProduct(Vector(repeating: a[12]), row)
      c13 = c13.addingProduct(Vector(repeating: a[13]), row)
      c14 = c14.addingProduct(Vector(repeating: a[14]), row)
      c15 = c15.addingProduct(Vector(repeating: a[15]), row)
      a += 16
      b += bStep
    }
    if rows == 16 && columns == 16 {
      update(c, c0, alpha: alpha, beta: beta); update(c + ldc, c1, alpha: alpha, beta: beta)
      update(c + 2 * ldc, c2, alpha: alpha, beta: beta); update(c + 3 * ldc, c3, alpha: alpha, beta: beta)
      update(c + 4 * ldc, c4, alpha: alpha, beta: beta); update(c + 5 * ldc, c5, alpha: alpha, beta: beta)
      update(c + 6 * ldc, c6, alpha: alpha, beta: beta); update(c + 7 * ldc, c7, alpha: alpha, beta: beta)
      update(c + 8 * ldc, c8, alpha: alpha, beta: beta); update(c + 9 * ldc, c9, alpha: alpha, beta: beta)
      update(c + 10 * ldc, c10, alpha: alpha, beta: beta); update(c + 11 * ldc, c11, alpha: alpha, beta: beta)
      update(c + 12 * ldc, c12, alpha: alpha, beta: beta); update(c + 13 * ldc, c13, alpha: alpha, beta: beta)
      update(c + 14 * ldc, c14, alpha: alpha, beta: beta); update(c + 15 * ldc, c15, alpha: alpha, beta: beta)
    } else {
      let t = edgeTile
      store(c0, t); store(c1, t + 16); store(c2, t + 32); store(c3, t + 48)
      store(c4, t + 64); store(c5, t + 80); store(c6, t + 96); store(c7, t + 112)
      store(c8, t + 128); store(c9, t + 144); store(c10, t + 160); store(c11, t + 176)
      store(c12, t + 192); store(c13, t + 208); store(c14, t + 224); store(c15, t + 240)
      updateEdge(c, ldc: ldc, tile: t, tileColumns: 16, rows: rows, columns: columns, alpha: alpha, beta: beta)
    }
  }
}

/// The AVX2 tile: 6 rows × 16 columns = 12 `SIMD8<Float>` accumulators (ymm registers),
/// plus 2 for the B row and 1 for the broadcast A value, out of 16.
/// Per step of p: 2 loads of B, 6 broadcasts of A, 12 FMAs.
enum Tile6x16: MicroKernel {
  typealias Vector = SIMD8<Float>
  static var rows: Int { 6 }
  static var columns: Int { 16 }
  static var depthBlock: Int { 256 }
  static var rowBlock: Int { 144 }
  static var panelWidth: Int { 4080 }
  static var serialWork: Int { 1 << 17 }
  static var packedABudget: Int { 48 << 10 }

  @inline(__always)
  static func multiply(depth: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, bStride: Int,
                       c: UnsafeMutablePointer<Float>, ldc: Int, rows: Int, columns: Int,
                       alpha: Float, beta: Float, edgeTile: UnsafeMutablePointer<Float>) {
    var c00 = Vector(), c01 = Vector(), c10 = Vector(), c11 = Vector()
    var c20 = Vector(), c21 = Vector(), c30 = Vector(), c31 = Vector()
    var c40 = Vector(), c41 = Vector(), c50 = Vector(), c51 = Vector()
    var a = a
    var b = UnsafeRawPointer(b)
    let bStep = bStride * MemoryLayout<Float>.stride
    for _ in 0..<depth {
      let b0 = b.loadUnaligned(as: Vector.self)
      let b1 = b.loadUnaligned(fromByteOffset: 32, as: Vector.self)
      var x = Vector(repeating: a[0])
      c00 = c00.addingProduct(x, b0); c01 = c01.addingProduct(x, b1)
      x = Vector(repeating: a[1])
      c10 = c10.addingProduct(x, b0); c11 = c11.addingProduct(x, b1)
      x = Vector(repeating: a[2])
      c20 = c20.addingProduct(x, b0); c21 = c21.addingProduct(x, b1)
      x = Vector(repeating: a[3])
      c30 = c30.addingProduct(x, b0); c31 = c31.addingProduct(x, b1)
      x = Vector(repeating: a[4])
      c40 = c40.addingProduct(x, b0); c41 = c41.addingProduct(x, b1)
      x = Vector(repeating: a[5])
      c50 = c50.addingProduct(x, b0); c51 = c51.addingProduct(x, b1)
      a += 6
      b += bStep
    }
    if rows == 6 && columns == 16 {
      update(c, c00, alpha: alpha, beta: beta); update(c + 8, c01, alpha: alpha, beta: beta)
      var row = c + ldc
      update(row, c10, alpha: alpha, beta: beta); update(row + 8, c11, alpha: alpha, beta: beta)
      row += ldc
      update(row, c20, alpha: alpha, beta: beta); update(row + 8, c21, alpha: alpha, beta: beta)
      row += ldc
      update(row, c30, alpha: alpha, beta: beta); update(row + 8, c31, alpha: alpha, beta: beta)
      row += ldc
      update(row, c40, alpha: alpha, beta: beta); update(row + 8, c41, alpha: alpha, beta: beta)
      row += ldc
      update(row, c50, alpha: alpha, beta: beta); update(row + 8, c51, alpha: alpha, beta: beta)
    } else {
      let t = edgeTile
      store(c00, t); store(c01, t + 8); store(c10, t + 16); store(c11, t + 24)
      store(c20, t + 32); store(c21, t + 40); store(c30, t + 48); store(c31, t + 56)
      store(c40, t + 64); store(c41, t + 72); store(c50, t + 80); store(c51, t + 88)
      updateEdge(c, ldc: ldc, tile: t, tileColumns: 16, rows: rows, columns: columns, alpha: alpha, beta: beta)
    }
  }
}

// MARK: - Scratch memory

/// A packing buffer, 64-byte aligned.
struct ScratchBuffer: @unchecked Sendable {
  let pointer: UnsafeMutablePointer<Float>
  let capacity: Int
}

/// Packing buffers kept between calls: a fresh multi-MiB allocation is fresh pages, and
/// faulting them in can cost as much as a small product. Safe to use from many threads.
enum ScratchPool {
  private static let idle = Mutex<[ScratchBuffer]>([])
  private static let keep = 4

  /// A buffer of at least `count` floats: the smallest idle one that fits, or a new one.
  static func take(_ count: Int) -> ScratchBuffer {
    let reused = idle.withLock { buffers -> ScratchBuffer? in
      var best: Int? = nil
      for index in buffers.indices where buffers[index].capacity >= count {
        if best == nil || buffers[index].capacity < buffers[best!].capacity { best = index }
      }
      return best.map { buffers.remove(at: $0) }
    }
    if let reused { return reused }
    let raw = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * MemoryLayout<Float>.stride, alignment: 64)
    return ScratchBuffer(pointer: raw.bindMemory(to: Float.self, capacity: max(count, 1)), capacity: max(count, 1))
  }

  /// Returns a buffer for reuse; beyond `keep` idle buffers the smallest is freed.
  static func give(_ buffer: ScratchBuffer) {
    let evicted = idle.withLock { buffers -> ScratchBuffer? in
      buffers.append(buffer)
      guard buffers.count > keep else { return nil }
      let smallest = buffers.indices.min { buffers[$0].capacity < buffers[$1].capacity }!
      return buffers.remove(at: smallest)
    }
    evicted?.pointer.deallocate()
  }
}

