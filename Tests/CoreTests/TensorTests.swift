import Core
import Testing
import TestSupport

@Suite struct TensorTests {
  @Test func shapeStridesAndSubscripts() {
    var t = Tensor(zeros: [2, 3, 4])
    #expect(t.count == 24 && t.rank == 3)
    #expect(t.strides == [12, 4, 1])
    t[1, 2, 3] = 5
    #expect(t.data[23] == 5)
    #expect(t.offset([1, 0, 2]) == 14)
    #expect(Tensor(7).shape == [] && Tensor(7).count == 1)
  }

  @Test func reshapeInfersOneAxisAndKeepsData() {
    let t = Tensor(shape: [2, 6], data: (0..<12).map(Float.init))
    let r = t.reshaped([3, -1])
    #expect(r.shape == [3, 4])
    #expect(r.data == t.data)
    #expect(r[2, 1] == 9)
  }

  @Test func sliceGatherStackAndItem() {
    let t = Tensor(shape: [4, 2], data: (0..<8).map(Float.init))
    #expect(t.slice(1..<3).data == [2, 3, 4, 5])
    #expect(t.slice(1..<3).shape == [2, 2])
    #expect(t.gather([3, 0]).data == [6, 7, 0, 1])
    #expect(t[item: 2].shape == [2] && t[item: 2].data == [4, 5])
    let s = Tensor.stack([t[item: 1], t[item: 0]])
    #expect(s.shape == [2, 2] && s.data == [2, 3, 0, 1])
  }

  @Test func transposeOfAMatrix() {
    let m = Tensor(shape: [2, 3], data: [1, 2, 3, 4, 5, 6])
    let mt = m.transposed()
    #expect(mt.shape == [3, 2])
    #expect(mt.data == [1, 4, 2, 5, 3, 6])
    #expect(mt.transposed() == m)
  }

  @Test func elementwiseArithmetic() {
    let a = Tensor(shape: [3], data: [1, 2, 3])
    let b = Tensor(shape: [3], data: [4, 5, 6])
    #expect((a + b).data == [5, 7, 9])
    #expect((b - a).data == [3, 3, 3])
    #expect((a * b).data == [4, 10, 18])
    #expect((b / a).data == [4, 2.5, 2])
    #expect((a * 2).data == [2, 4, 6])
    #expect((2 * a).data == [2, 4, 6])
    #expect((a + 1).data == [2, 3, 4])
    #expect((a - 1).data == [0, 1, 2])
    #expect((a / 2).data == [0.5, 1, 1.5])
    #expect((-a).data == [-1, -2, -3])
    var c = a
    c += b
    c -= a
    c *= 3
    #expect(c.data == [12, 15, 18])
    #expect(a.map { $0 * $0 }.data == [1, 4, 9])
  }

  @Test func reductions() {
    let t = Tensor(shape: [2, 3], data: [1, -2, 3, 4, 5, -6])
    #expect(t.sum() == 5)
    #expect(abs(t.mean() - 5.0 / 6) < 1e-7)
    #expect(t.min() == -6 && t.max() == 5)
    #expect(t.sumOverFirstAxis().data == [5, 3, -3])
    #expect(t.meanOverFirstAxis().data == [2.5, 1.5, -1.5])
    #expect(t.maxAbsDifference(t + 0.25) == 0.25)
    #expect(t.isFinite)
    #expect(!Tensor(shape: [2], data: [1, .nan]).isFinite)
  }

  /// A sum of a million ones in Float would stall at 2²⁴; Tensor.sum accumulates in Double.
  @Test func sumDoesNotLosePrecision() {
    let ones = Tensor(shape: [20_000_000], repeating: 1)
    #expect(ones.sum() == 20_000_000)
  }

  @Test func randomTensorsAreSeeded() {
    var r1 = RNG(seed: 5), r2 = RNG(seed: 5)
    let a = Tensor.normal([3, 4], mean: 1, std: 2, using: &r1)
    let b = Tensor.normal([3, 4], mean: 1, std: 2, using: &r2)
    #expect(a == b)
    let u = Tensor.uniform([1000], in: -1..<3, using: &r1)
    #expect(u.min() >= -1 && u.max() < 3)
  }

  @Test func comparisonHelperReportsTheWorstElement() {
    let expected = Tensor(shape: [2, 2], data: [1, 2, 3, 4])
    var actual = expected
    actual[1, 0] = 3.1
    let result = compare(actual.data, expected.data, shape: [2, 2], .float32)
    #expect(!result.passed)
    #expect(result.worstIndex == 2)
    #expect(result.failures == 1)
    #expect(result.description.contains("[1, 0]"))
    #expect(result.description.contains("shape [2, 2]"))
    // With several elements out of tolerance the worst is the one furthest out, not the first.
    let several = compare([1.1, 2, 3.9, 4.2], [1, 2, 3, 4], shape: [4], .float32)
    #expect(several.failures == 3 && several.worstIndex == 2 && several.worstActual == 3.9)
    #expect(compare([1.5, .nan, 9], [1, 2, 3], shape: [3], .float32).worstIndex == 1)
    let nan = compare([.nan], [1], shape: [1], .float32)
    #expect(!nan.passed)
    #expect(compare(expected.data, expected.data, shape: [2, 2], .exact).passed)
  }
}

@Suite struct TensorColumnsTests {
  @Test func columnsAndTheirConcatenationAreInverses() {
    let x = Tensor(shape: [2, 5], data: [0, 1, 2, 3, 4, 10, 11, 12, 13, 14])
    #expect(x.columns(0..<2) == Tensor(shape: [2, 2], data: [0, 1, 10, 11]))
    #expect(x.columns(2..<5) == Tensor(shape: [2, 3], data: [2, 3, 4, 12, 13, 14]))
    #expect(x.columns(5..<5).shape == [2, 0])
    #expect(Tensor.concatenatingColumns([x.columns(0..<2), x.columns(2..<5)]) == x)
  }
}
