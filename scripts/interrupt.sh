#!/usr/bin/env bash
# Presses Ctrl-C (SIGINT) in the middle of each training lesson's training and checks that
# it stops cleanly: exit status 130, a checkpoint that loads, and a report that says where
# it stopped and how to continue.
#
#   scripts/interrupt.sh        # lessons 05–10, short settings (≈ 2 min)
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release > /tmp/genlab-interrupt-build.log 2>&1 || { cat /tmp/genlab-interrupt-build.log; exit 1; }
bin=$PWD/.build/release
subset=Datasets/fashion-mnist-subset
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Lesson, settings that train for well over the wait, and seconds to wait before Ctrl-C.
runs=(
  "lesson05-vae|--data $subset --epochs 30 --ae-epochs 0 --map-epochs 0|6"
  "lesson06-gan2d|--steps 100000 --every 5000|4"
  "lesson07-dcgan|--data $subset --steps 5000 --every 1000|8"
  "lesson08-diffusion2d|--steps 100000 --every 10000|4"
  "lesson09-diffusionimages|--data $subset --steps 5000 --every 1000 --channels 8 --timesteps 50|8"
  "lesson10-compression|--words Datasets/words/words.txt --steps 100000 --every 10000 --context 32 --width 32|8"
)
failures=0
for row in "${runs[@]}"; do
  IFS='|' read -r lesson args wait <<< "$row"
  # shellcheck disable=SC2086
  "$bin/$lesson" $args --out "$work/$lesson" > "$work/$lesson.log" 2>&1 &
  pid=$!
  sleep "$wait"
  kill -INT "$pid"
  set +e
  wait "$pid"
  status=$?
  set -e
  folder=$(find "$work/$lesson" -mindepth 2 -maxdepth 2 -type d | sort | head -1)
  problem=""
  [[ $status == 130 ]] || problem="exit status $status, not 130"
  [[ -z "$problem" ]] && { "$bin/genlab-inspect" "$folder/checkpoint.safetensors" > "$work/inspect.txt" 2>&1 \
    || problem="the checkpoint does not load: $(cat "$work/inspect.txt")"; }
  [[ -z "$problem" ]] && { grep -q "stopped by Ctrl-C" "$folder/index.html" || problem="the report does not say it was stopped"; }
  if [[ -n "$problem" ]]; then
    failures=$((failures + 1))
    echo "FAIL $lesson: $problem"
    tail -5 "$work/$lesson.log" | sed 's/^/     /'
  else
    echo "$lesson: stopped cleanly — $(grep -o "after step [0-9]* of [0-9]*" "$work/$lesson.log" | head -1); $(cut -d: -f2- "$work/inspect.txt" | cut -c1-60)…"
  fi
done
[[ $failures == 0 ]]
