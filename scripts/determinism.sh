#!/usr/bin/env bash
# Runs every lesson three times with short settings — on 1 thread, on 2 threads, and on
# 2 threads again — and checks that the three runs left byte-identical pictures,
# samples, checkpoints and texts, and the same metrics (wall times aside).
#
#   scripts/determinism.sh               # all lessons (≈ 7 min on 2 cores; short runs: scripts/lessons.sh)
#   scripts/determinism.sh lesson06-gan2d lesson08-diffusion2d
#
# Not compared: index.html (it shows the wall time) and the SVG plots of measured times
# (timing.svg-like files listed below, and lesson 11's comparison.svg, which prints sampling
# times), which differ from run to run by design.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release > /tmp/genlab-determinism-build.log 2>&1 || { cat /tmp/genlab-determinism-build.log; exit 1; }
bin=$PWD/.build/release
root=$PWD
# shellcheck source=scripts/lessons.sh
source scripts/lessons.sh
lessons=("$@")
[[ ${#lessons[@]} -gt 0 ]] || lessons=("${all_lessons[@]}")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
for lesson in "${lessons[@]}"; do
  [[ -n "${short_runs[$lesson]:-}" ]] || { echo "determinism: no settings for $lesson"; exit 2; }
  for run in one two again; do
    threads=2
    [[ $run == one ]] && threads=1
    # shellcheck disable=SC2086
    "$bin/$lesson" ${short_runs[$lesson]} --seed 7 --threads $threads --out "$work/$run" > "$work/$lesson-$run.log" 2>&1 \
      || { tail -5 "$work/$lesson-$run.log"; echo "determinism: $lesson failed ($run)"; exit 1; }
  done
  a=$(ls -d "$work"/one/"$lesson"/*/) b=$(ls -d "$work"/two/"$lesson"/*/) c=$(ls -d "$work"/again/"$lesson"/*/)
  compared=0 different=()
  for file in $(cd "$a" && find . -type f | sed 's|^\./||' | sort); do
    name=$(basename "$file")
    [[ "$name" =~ $timed ]] && continue
    for other in "$b" "$c"; do
      if [[ "$name" == metrics.jsonl ]]; then
        cmp -s <(without_times "$a/$file") <(without_times "$other/$file") || different+=("$file")
      else
        cmp -s "$a/$file" "$other/$file" || different+=("$file")
      fi
    done
    compared=$((compared + 1))
  done
  if [[ ${#different[@]} -eq 0 ]]; then
    echo "$lesson: $compared files identical on 1 thread, 2 threads and 2 threads again"
  else
    failures=$((failures + 1))
    echo "$lesson: DIFFERENT: $(printf '%s\n' "${different[@]}" | sort -u | tr '\n' ' ')"
  fi
done
[[ $failures == 0 ]]
