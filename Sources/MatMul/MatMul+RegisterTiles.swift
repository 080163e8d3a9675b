// MatMul — the packed GEMM's register tiles (see MatMul+Packed.swift): a tile of C held in
// SIMD registers for a whole K block, updated by one fused multiply-add per vector per p.
// The kernels are unrolled by hand, one named accumulator per register, so that the
// compiler keeps them all in registers; that is why their functions are long.

/// A register tile: computes a `rows × columns` block of C from a packed A sliver and a
/// B sliver. A type, so that its kernel is compiled for its shape; the cache blocking
/// around it is a value (`Blocking`).
protocol MicroKernel {
  /// MR × NR, the tile of C held in registers.
  static var rows: Int { get }
  static var columns: Int { get }

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
