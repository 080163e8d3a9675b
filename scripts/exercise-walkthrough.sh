#!/usr/bin/env bash
# Walks through exercise 01 the way a student does, and checks what the checker says at
# each step: the untouched stub ("not implemented yet"), a first attempt whose output size
# is off by one (a failure with that hint), an attempt that forgets the padding's bounds
# check (a crash, reported — the checker survives it), and a correct one (a pass with
# timings). CI runs it; run it yourself to see the checker's messages:
#
#   scripts/exercise-walkthrough.sh            # debug build, like `swift run genlab-check 01`
#
# The stub is put back as it was when the script ends, whatever happens.
set -euo pipefail
cd "$(dirname "$0")/.."
stub=Exercises/01-NaiveConvolution/Convolution.swift
saved=$(mktemp)
cp "$stub" "$saved"
trap 'cp "$saved" "$stub"; rm -f "$saved"' EXIT

# Writes the stub's function with the body $1 (Swift statements). The build notices a
# changed file by its modification time in whole seconds: wait one out first.
attempt() {
  sleep 1.1
  cat > "$stub" <<SWIFT
import ExerciseSupport

public func convolution2D(_ x: Tensor, _ weight: Tensor, _ bias: Tensor?, stride: Int, padding: Int) throws -> Tensor {
$1
}
SWIFT
}

# The loops of a student's convolution; $1 is the output-size correction (+ 1 is right),
# $2 the bounds check on the input position (empty: none).
loops() {
  cat <<SWIFT
  let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
  let (o, kh, kw) = (weight.shape[0], weight.shape[2], weight.shape[3])
  let oh = (h + 2 * padding - kh) / stride $1, ow = (w + 2 * padding - kw) / stride $1
  var y = [Float](repeating: 0, count: n * o * oh * ow)
  for b in 0..<n { for k in 0..<o { for i in 0..<oh { for j in 0..<ow {
    var sum = bias?.data[k] ?? 0
    for ch in 0..<c { for p in 0..<kh { for q in 0..<kw {
      let row = i * stride + p - padding, column = j * stride + q - padding
      $2
      sum += weight.data[((k * c + ch) * kh + p) * kw + q] * x.data[((b * c + ch) * h + row) * w + column]
    } } }
    y[((b * o + k) * oh + i) * ow + j] = sum
  } } } }
  return Tensor(shape: [n, o, oh, ow], data: y)
SWIFT
}

# Runs the checker on exercise 01 and checks its exit status and that its output holds $2.
check() {
  local name=$1 expected=$2 status=$3
  echo "== $name"
  swift build --product genlab-check > /tmp/genlab-walkthrough-build.log 2>&1 \
    || { cat /tmp/genlab-walkthrough-build.log; exit 1; }
  set +e
  .build/debug/genlab-check 01 > /tmp/genlab-walkthrough.out 2>&1
  local got=$?
  set -e
  cat /tmp/genlab-walkthrough.out
  [ "$got" = "$status" ] || { echo "walkthrough: expected exit status $status, got $got"; exit 1; }
  grep -qF -- "$expected" /tmp/genlab-walkthrough.out \
    || { echo "walkthrough: expected the checker to say: $expected"; exit 1; }
}

check "1. the stub as handed out" "not implemented yet" 1
attempt "$(loops "" "guard row >= 0 && row < h && column >= 0 && column < w else { continue }")"
check "2. a first attempt: OH = (H + 2·pad − KH)/stride" "hint: off by one in the output size" 1
attempt "$(loops "+ 1" "")"
check "3. the size fixed, the padding's bounds check forgotten" "crashed" 1
attempt "$(loops "+ 1" "guard row >= 0 && row < h && column >= 0 && column < w else { continue }")"
check "4. the bounds check back" "passed: 8 cases" 0
echo "walkthrough: the checker went from 'not implemented' to a hint, a reported crash, and a pass"
