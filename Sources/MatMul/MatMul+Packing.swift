// MatMul — the packed GEMM's copies (see MatMul+Packed.swift): blocks of op(A) and op(B)
// rearranged into the contiguous slivers the register tiles read front to back, zero-padded
// to whole tiles. Where a sliver is the transpose of the stored matrix, 8×16, 6×8 or 16×16
// blocks are transposed in SIMD registers instead of one number at a time.

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
