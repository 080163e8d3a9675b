// MatMul — the packed GEMM's two loop nests (see MatMul+Packed.swift): which thread packs
// which block of A and B, and which register tiles run over it. Whichever chunk owns a
// C element adds its K blocks to it in order, so how the work is cut never changes a sum.

import Core

/// One GEMM's arguments as raw pointers, shared by the chunks of a parallel loop.
struct Operands: @unchecked Sendable {
  let a: UnsafePointer<Float>, lda: Int, transposeA: Bool
  let b: UnsafePointer<Float>, ldb: Int, transposeB: Bool
  let c: UnsafeMutablePointer<Float>, ldc: Int
  let m: Int, n: Int, k: Int
  let alpha: Float, beta: Float
}

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

    packUpFront(Tile.self, x, plan, alsoB: packBFirst, packedA: packedA, aBlockSize: aBlockSize,
                packedB: packedAllB, bBlockSize: bBlockSize)

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

  /// `multiplyWithPackedA`'s first step: packs all of A, [block][row tile][p][r]
  /// (`aBlockSize` floats a block), and when `alsoB` all of B, [block][sliver][p][j]
  /// (`bBlockSize` a block). One job per row tile or sliver of one K block; the jobs are
  /// shared among up to `plan.chunkGoal` threads.
  static func packUpFront<Tile: MicroKernel>(
    _: Tile.Type, _ x: Operands, _ plan: Plan, alsoB: Bool,
    packedA: UnsafeMutablePointer<Float>, aBlockSize: Int,
    packedB packedAllB: UnsafeMutablePointer<Float>, bBlockSize: Int
  ) {
    let mr = Tile.rows, nr = Tile.columns
    let slivers = (x.n + nr - 1) / nr
    let rowTiles = (x.m + mr - 1) / mr
    let aJobs = plan.depthBlocks * rowTiles
    let jobs = aJobs + (alsoB ? plan.depthBlocks * slivers : 0)
    // Packing a small A on the calling thread is quicker than waking another thread.
    let packers = x.m * x.k < 1 << 15 && !alsoB ? 1 : min(plan.chunkGoal, jobs)
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
