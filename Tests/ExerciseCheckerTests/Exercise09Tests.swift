import Autoregressive
import ExerciseChecker
import ExerciseSupport
import Foundation
import Testing

/// A submission where only exercise 09 is written.
func submission09(_ step: @escaping @Sendable ([Float], [Float], [Float], AttentionCache, Int) throws
                  -> (output: [Float], cache: AttentionCache)) -> Submission {
  var submission = Submission.unimplemented
  submission.cachedAttention = step
  return submission
}

/// A student's step with switches for the mistakes the checker should recognise.
func studentAttention(_ q: [Float], _ k: [Float], _ v: [Float], _ cache: AttentionCache, heads: Int,
                      appendFirst: Bool = true, scaleByWidth: Bool = false, scale: Bool = true,
                      mixHeads: Bool = false, stable: Bool = true, countPositions: Bool = true)
                      -> (output: [Float], cache: AttentionCache) {
  var grown = cache
  grown.keys += k
  grown.values += v
  if countPositions { grown.count += 1 }
  let attended = appendFirst ? grown : cache
  let positions = attended.keys.count / q.count
  let width = q.count, h = mixHeads ? 1 : heads, size = width / h
  let factor: Float = !scale ? 1 : scaleByWidth ? 1 / Float(width).squareRoot()
    : 1 / Float(mixHeads ? width / heads : size).squareRoot()
  var output = [Float](repeating: 0, count: width)
  for head in 0..<h {
    var scores = (0..<positions).map { j in
      (0..<size).reduce(Float(0)) { $0 + q[head * size + $1] * attended.keys[j * width + head * size + $1] } * factor
    }
    guard !scores.isEmpty else { continue }   // nothing cached and the new position left out: output stays 0
    let largest = stable ? scores.max()! : 0
    scores = scores.map { exp($0 - largest) }
    let total = scores.reduce(0, +)
    for j in 0..<positions {
      for d in 0..<size { output[head * size + d] += scores[j] / total * attended.values[j * width + head * size + d] }
    }
  }
  return (output, grown)
}

@Suite struct Exercise09Tests {
  @Test func theCachedTwinPassesWithTimings() {
    let report = check("09", submission09 { q, k, v, cache, heads in
      var grown = cache
      grown.keys += k
      grown.values += v
      grown.count += 1
      return (Autoregressive.attend(query: q, keys: grown.keys, values: grown.values, positions: grown.count,
                                    heads: heads), grown)
    })
    #expect(report.status == .passed, "\(report)")
    #expect(report.cases.count == 7)
    #expect(report.timing.map { $0.yours > 0 && $0.reference > $0.optimized! } == true)
  }

  @Test func aStudentsStepPasses() {
    #expect(check("09", submission09 { studentAttention($0, $1, $2, $3, heads: $4) }).passed)
  }

  @Test func theStubIsNotImplemented() {
    #expect(check("09", .unimplemented).status == .notImplemented)
  }

  @Test(arguments: [
    ("append after", "the new position is missing"),
    ("scale by √D", "the scale is 1/√(D/heads)"),
    ("no scale", "the scores are not scaled"),
    ("mixed heads", "the heads are mixed"),
    ("unstable softmax", "the softmax overflows"),
    ("count not updated", "the returned cache must count one more position"),
  ])
  func aMistakeFailsWithItsHint(mistake: String, hint: String) {
    let report = check("09", submission09 { q, k, v, cache, heads in
      studentAttention(q, k, v, cache, heads: heads, appendFirst: mistake != "append after",
                       scaleByWidth: mistake == "scale by √D", scale: mistake != "no scale",
                       mixHeads: mistake == "mixed heads", stable: mistake != "unstable softmax",
                       countPositions: mistake != "count not updated")
    })
    #expect(report.status == .failed)
    #expect(report.failure?.hint.hasPrefix(hint) == true, "\(mistake): got \(report.failure?.hint ?? "none")")
  }
}
