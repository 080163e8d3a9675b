#!/usr/bin/env bash
# Kills a training lesson with SIGKILL at random moments — many of them in the middle of
# writing its checkpoint — and checks every time that the checkpoint left behind is whole
# and loads (genlab-inspect reads it with the lessons' own checkpoint reader).
#
#   scripts/kill-checkpoints.sh          # 40 kills
#   scripts/kill-checkpoints.sh 200
#
# Lesson 06 writes a checkpoint after every step here (--every 1), so most of its time is
# spent writing one: a kill lands inside a write again and again.
set -euo pipefail
cd "$(dirname "$0")/.."
kills=${1:-40}
swift build -c release --product lesson06-gan2d > /tmp/genlab-kill-build.log 2>&1 \
  && swift build -c release --product genlab-inspect >> /tmp/genlab-kill-build.log 2>&1 \
  || { cat /tmp/genlab-kill-build.log; exit 1; }
bin=$PWD/.build/release
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
loaded=0 none=0 partial=0
for attempt in $(seq 1 "$kills"); do
  out=$work/$attempt
  "$bin/lesson06-gan2d" --steps 100000 --every 1 --seed "$attempt" --out "$out" > /dev/null 2>&1 &
  pid=$!
  # 0.3 … 2.3 s: after start-up, somewhere in the first hundreds of checkpoints.
  sleep "$(awk -v r="$RANDOM" 'BEGIN { printf "%.3f", 0.3 + 2 * r / 32767 }')"
  kill -9 "$pid" 2> /dev/null || true
  wait "$pid" 2> /dev/null || true
  folder=$(ls -d "$out"/lesson06-gan2d/*/ 2> /dev/null | head -1 || true)
  if [[ -z "$folder" || ! -e "$folder/checkpoint.safetensors" ]]; then
    none=$((none + 1))
    continue
  fi
  partial=$((partial + $(find "$folder" -name 'checkpoint.safetensors.partial-*' | wc -l)))
  if ! line=$("$bin/genlab-inspect" "$folder/checkpoint.safetensors"); then
    echo "kill $attempt: the checkpoint left behind does not load:"
    echo "$line"
    exit 1
  fi
  loaded=$((loaded + 1))
  step=$(grep -m1 -oE "step [0-9]+" <<< "$line" || true)
  echo "kill $attempt: checkpoint loads ($step)"
  rm -rf "$out"
done
echo "kill-checkpoints: $kills kills, $loaded left a checkpoint that loads, $none came before the first checkpoint, "\
"0 left one that does not load; $partial unfinished temporary files were left beside a checkpoint (never read)"
