#!/usr/bin/env bash
# Fuzzes one of GenLab's file readers with libFuzzer (Swift's -sanitize=fuzzer,address):
#
#   scripts/fuzz.sh png 600            # the PNG reader for ten minutes
#   scripts/fuzz.sh idx 600            # IDX, plain and gzip
#   scripts/fuzz.sh safetensors 600    # checkpoints and samples
#   scripts/fuzz.sh gif 600            # the GIF decoder the tests use
#   scripts/fuzz.sh wordlist 600       # the word-list loader and vocabulary
#   scripts/fuzz.sh all 600            # each in turn
#
# The targets are the package in Fuzz/ (built in .build-fuzz, release, with the fuzzer and
# AddressSanitizer). The committed seeds in Fuzz/Corpus/TARGET are copied to
# runs/fuzz/TARGET/corpus, where libFuzzer adds what it finds; a crashing input is written
# to runs/fuzz/TARGET/ as crash-… — add it to Tests/FuzzRegressions (see Fuzz/README.md).
# The last lines say how many inputs ran and whether anything crashed.
set -euo pipefail
cd "$(dirname "$0")/.."
targets=(png idx safetensors gif wordlist)
if [[ $# -ne 2 || ! "$2" =~ ^[0-9]+$ || "$2" -lt 1 ]]; then
  echo "usage: $0 TARGET|all SECONDS   (targets: ${targets[*]})" >&2
  exit 2
fi
if [[ "$1" == all ]]; then
  for target in "${targets[@]}"; do "$0" "$target" "$2"; done
  exit 0
fi
target=$1 seconds=$2
[[ " ${targets[*]} " == *" $target "* ]] || { echo "$0: no fuzz target '$target' (targets: ${targets[*]})" >&2; exit 2; }

swift build --package-path Fuzz --scratch-path .build-fuzz -c release --sanitize fuzzer --sanitize address \
  --product "fuzz-$target" 2>&1 | grep -vE "ld.gold: warning|^\[" || true
binary=.build-fuzz/release/fuzz-$target
[[ -x "$binary" ]] || { echo "$0: building fuzz-$target failed" >&2; exit 1; }

work=runs/fuzz/$target
mkdir -p "$work/corpus"
cp -n Fuzz/Corpus/"$target"/* "$work/corpus/" 2>/dev/null || true
log=$work/fuzz-$(date -u +%Y%m%d-%H%M%S).log
echo "== fuzz-$target for $seconds s (corpus $work/corpus, log $log)"
set +e
"$binary" -max_total_time="$seconds" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
  -artifact_prefix="$work/" "$work/corpus" > "$log" 2>&1
status=$?
set -e
runs=$(grep -oE "stat::number_of_executed_units: *[0-9]+" "$log" | grep -oE "[0-9]+$" || echo "?")
crashes=$(find "$work" -maxdepth 1 \( -name "crash-*" -o -name "timeout-*" -o -name "oom-*" -o -name "leak-*" \) | wc -l)
echo "fuzz-$target: $runs inputs in $seconds s, corpus $(ls "$work/corpus" | wc -l) files, exit $status, $crashes crash/timeout/oom files"
if [[ $status -ne 0 || $crashes -ne 0 ]]; then
  grep -E "ERROR|Fatal error|SUMMARY|==[0-9]+==" "$log" | head -20
  exit 1
fi
