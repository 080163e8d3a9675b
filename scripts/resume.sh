#!/usr/bin/env bash
# The resume rules, the same in every training lesson (Lab's RunSettings and TrainingRun):
# for each of lessons 05–10 a short run, then from its checkpoint
#   1. a changed run-defining flag (--lr) is refused, naming the flag, and nothing is written;
#   2. a longer run (--steps, or --epochs for lesson 05) is accepted and ends at the new length;
#   3. the checkpoint copied out of its run folder (as a teacher hands it out) finishes too,
#      with a report, and without the earlier run's frames and metrics it cannot see.
#
#   scripts/resume.sh                 # all six (≈ 2 min on 2 cores)
#   scripts/resume.sh lesson07-dcgan
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release > /tmp/genlab-resume-build.log 2>&1 || { cat /tmp/genlab-resume-build.log; exit 1; }
bin=$PWD/.build/release
subset=$PWD/Datasets/fashion-mnist-subset
words=$PWD/Datasets/words/words.txt
# Lesson | short settings | the length flag | its first value | the longer one | the steps the longer run ends at
declare -A rows=(
  [lesson05-vae]="--data $subset --ae-epochs 1 --map-epochs 1 --num-samples 50 --iwae-images 50 --iwae-k 5|--epochs|1|2"
  [lesson06-gan2d]="--every 50|--steps|100|150"
  [lesson07-dcgan]="--data $subset --every 10 --num-samples 16|--steps|20|30"
  [lesson08-diffusion2d]="--every 50 --num-samples 200|--steps|100|150"
  [lesson09-diffusionimages]="--data $subset --every 5 --timesteps 50 --ddim-steps 5 --channels 8 --num-samples 8|--steps|10|15"
  [lesson10-compression]="--words $words --every 50 --context 32 --width 32 --layers 1 --batch-size 16|--steps|100|150"
)
lessons=("$@")
[[ ${#lessons[@]} -gt 0 ]] || lessons=(lesson05-vae lesson06-gan2d lesson07-dcgan lesson08-diffusion2d
  lesson09-diffusionimages lesson10-compression)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
fail() { failures=$((failures + 1)); echo "FAIL $lesson: $1"; [[ -f "${2:-}" ]] && tail -5 "$2" | sed 's/^/     /'; }
for lesson in "${lessons[@]}"; do
  [[ -n "${rows[$lesson]:-}" ]] || { echo "resume: no settings for $lesson"; exit 2; }
  IFS='|' read -r args flag first longer <<< "${rows[$lesson]}"
  out=$work/$lesson
  # shellcheck disable=SC2086
  "$bin/$lesson" $args $flag "$first" --out "$out/first" > "$work/$lesson-first.log" 2>&1 \
    || { fail "the first run failed" "$work/$lesson-first.log"; continue; }
  checkpoint=$(ls "$out"/first/"$lesson"/*/checkpoint.safetensors)

  # 1. Another learning rate defines another run: refused, naming --lr, nothing written.
  set +e
  # shellcheck disable=SC2086
  "$bin/$lesson" $args --resume "$checkpoint" --lr 0.1234 --out "$out/refused" > "$work/$lesson-refused.log" 2>&1
  status=$?
  set -e
  if [[ $status == 0 ]]; then fail "a changed --lr was accepted" "$work/$lesson-refused.log"
  elif ! grep -q -- "--lr" "$work/$lesson-refused.log"; then fail "the refusal does not name --lr" "$work/$lesson-refused.log"
  elif [[ -e "$out/refused" ]]; then fail "the refused run wrote $out/refused"
  else refused=$(grep -o -- "the checkpoint was made with --lr [^,;]*" "$work/$lesson-refused.log" | head -1); fi

  # 2. A longer run continues the checkpoint and ends at the new length.
  # shellcheck disable=SC2086
  "$bin/$lesson" $args $flag "$longer" --resume "$checkpoint" --out "$out/longer" > "$work/$lesson-longer.log" 2>&1 \
    || { fail "$flag $longer on resume failed" "$work/$lesson-longer.log"; continue; }
  grown=$("$bin/genlab-inspect" "$(ls "$out"/longer/"$lesson"/*/checkpoint.safetensors)")
  grep -q "${flag#--}=$longer" <<< "$grown" || { fail "the longer run's checkpoint says: $grown"; continue; }

  # 3. The checkpoint copied out of its run folder finishes, with a report.
  cp "$checkpoint" "$work/handed-out.safetensors"
  # shellcheck disable=SC2086
  "$bin/$lesson" $args $flag "$longer" --resume "$work/handed-out.safetensors" --out "$out/copied" \
    > "$work/$lesson-copied.log" 2>&1 || { fail "resuming a copied checkpoint failed" "$work/$lesson-copied.log"; continue; }
  [[ -s $(ls "$out"/copied/"$lesson"/*/index.html) ]] || { fail "the copied checkpoint's run has no report"; continue; }
  echo "$lesson: $refused … refused; $flag $first → $longer continued; a copied checkpoint finished"
done
[[ $failures == 0 ]]
