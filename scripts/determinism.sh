#!/usr/bin/env bash
# Runs every lesson three times with short settings — on 1 thread, on 2 threads, and on
# 2 threads again — and checks that the three runs left byte-identical pictures,
# samples, checkpoints and texts, and the same metrics (wall times aside).
#
#   scripts/determinism.sh               # all lessons (≈ 5 min on 2 cores)
#   scripts/determinism.sh lesson06-gan2d lesson08-diffusion2d
#
# Not compared: index.html (it shows the wall time) and the SVG plots of measured times
# (timing.svg-like files listed below, and lesson 11's comparison.svg, which prints sampling
# times), which differ from run to run by design.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release > /tmp/genlab-determinism-build.log 2>&1 || { cat /tmp/genlab-determinism-build.log; exit 1; }
bin=$PWD/.build/release
subset=Datasets/fashion-mnist-subset
declare -A settings=(
  [lesson01-images]="--data $subset --gemm-images 256"
  [lesson02-convolution]="--data $subset"
  [lesson03-im2col]="--data $subset"
  [lesson04-transposedconvolution]="--data $subset"
  [lesson05-vae]="--data $subset --epochs 1 --ae-epochs 1 --map-epochs 1 --num-samples 50 --iwae-images 50 --iwae-k 5"
  [lesson06-gan2d]="--steps 200 --every 100"
  [lesson07-dcgan]="--data $subset --steps 12 --every 6 --num-samples 16"
  [lesson08-diffusion2d]="--steps 200 --every 100 --num-samples 200"
  [lesson09-diffusionimages]="--data $subset --steps 6 --every 3 --timesteps 50 --ddim-steps 5 --channels 8 --num-samples 8"
  [lesson10-compression]="--words Datasets/words/words.txt --steps 200 --every 100 --context 32 --width 32 --layers 1 --batch-size 16"
  [lesson11-capstone]="--data $subset --classifier-epochs 1 --vae-epochs 1 --dcgan-steps 6 --pixelcnn-steps 4 --pixelcnn-channels 8 --diffusion-steps 4 --diffusion-channels 8 --num-samples 40"
)
# Files whose content is a measured time.
timed='^(index\.html|comparison\.svg|.*time.*\.svg|.*speed.*\.svg|.*timing.*\.svg|.*benchmark.*\.svg)$'
lessons=("$@")
[[ ${#lessons[@]} -gt 0 ]] || lessons=(lesson01-images lesson02-convolution lesson03-im2col lesson04-transposedconvolution
  lesson05-vae lesson06-gan2d lesson07-dcgan lesson08-diffusion2d lesson09-diffusionimages lesson10-compression
  lesson11-capstone)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
for lesson in "${lessons[@]}"; do
  [[ -n "${settings[$lesson]:-}" ]] || { echo "determinism: no settings for $lesson"; exit 2; }
  for run in one two again; do
    threads=2
    [[ $run == one ]] && threads=1
    # shellcheck disable=SC2086
    "$bin/$lesson" ${settings[$lesson]} --seed 7 --threads $threads --out "$work/$run" > "$work/$lesson-$run.log" 2>&1 \
      || { tail -5 "$work/$lesson-$run.log"; echo "determinism: $lesson failed ($run)"; exit 1; }
  done
  a=$(ls -d "$work"/one/"$lesson"/*/) b=$(ls -d "$work"/two/"$lesson"/*/) c=$(ls -d "$work"/again/"$lesson"/*/)
  compared=0 different=()
  for file in $(cd "$a" && find . -type f | sed 's|^\./||' | sort); do
    name=$(basename "$file")
    [[ "$name" =~ $timed ]] && continue
    for other in "$b" "$c"; do
      if [[ "$name" == metrics.jsonl ]]; then
        # Wall times and other measured seconds (lesson 11's training and sampling times) aside.
        strip() { sed -E 's/"wall_time":[^,}]*,?//; s/"[a-z0-9_]*_seconds":[^,}]*,?//g' "$1"; }
        cmp -s <(strip "$a/$file") <(strip "$other/$file") || different+=("$file")
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
