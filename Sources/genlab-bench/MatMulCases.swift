import GenLab

/// GEMM cases: squares 64³…1024³, and the products a DCGAN's convolutions turn into
/// at batch 64 (M, K, N): (64, 16, 12544) Conv 1→64 on 28×28 as im2col; (128, 1024, 3136)
/// Conv 64→128; (1024, 128, 3136) ConvT 128→64 as GEMM + col2im; (16, 64, 12544) ConvT 64→1.
/// Backward passes use the same shapes transposed (A·Bᵀ for weight gradients, Aᵀ·B for
/// input gradients), so those run too.
func matMulCases() -> [BenchCase] {
  var cases: [BenchCase] = []
  for size in [64, 128, 256, 512, 1024] {
    cases.append(gemmCase("matmul", m: size, k: size, n: size, group: "matmul"))
  }
  let dcgan = [(64, 16, 12544), (128, 1024, 3136), (1024, 128, 3136), (16, 64, 12544)]
  for (m, k, n) in dcgan {
    cases.append(gemmCase("matmul", m: m, k: k, n: n, group: "matmul-dcgan"))
  }
  for (m, k, n) in dcgan {
    cases.append(gemmCase("matmul_nt", m: m, k: k, n: n, transposeB: true, group: "matmul-dcgan"))
    cases.append(gemmCase("matmul_tn", m: m, k: k, n: n, transposeA: true, group: "matmul-dcgan"))
  }
  return cases
}

/// C (M×N) = op(A)·op(B) with op(A) M×K and op(B) K×N, β = 0.
func gemmCase(_ op: String, m: Int, k: Int, n: Int, transposeA: Bool = false, transposeB: Bool = false,
              group: String) -> BenchCase {
  var rng = RNG(seed: 1)
  let a = Tensor.uniform(transposeA ? [k, m] : [m, k], in: -1..<1, using: &rng)
  let b = Tensor.uniform(transposeB ? [n, k] : [k, n], in: -1..<1, using: &rng)
  return BenchCase(
    op: op, shape: "\(m)x\(k)x\(n)", flops: 2 * Double(m) * Double(k) * Double(n), group: group,
    reference: { _ = MatMul.multiplyReference(a, b, transposeA: transposeA, transposeB: transposeB) },
    optimized: { _ = MatMul.multiply(a, b, transposeA: transposeA, transposeB: transposeB) })
}
