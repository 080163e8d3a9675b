#!/usr/bin/env bash
# Do the lessons still write what they wrote at an earlier commit? Builds that commit beside
# this checkout (a git worktree in .build-base/, built once and kept), runs each lesson with the
# default seed and the short settings of scripts/lessons.sh there and here, and compares every file the two runs left:
# byte for byte — PNG, GIF, SVG, safetensors, texts — except
#   - index.html (it shows the wall time) and plots of measured times (as scripts/determinism.sh);
#   - metrics.jsonl, compared without its wall times (and lesson 11's measured *_seconds);
#   - checkpoint.safetensors where the later code stores more settings in it on purpose: its
#     tensors must still be byte-identical, and its metadata equal but for the keys listed in
#     `allowed` below (each with the reason).
#
#   scripts/same-outputs.sh                        # every lesson against the default base
#   scripts/same-outputs.sh lesson05-vae lesson08-diffusion2d
#   BASE=<commit> scripts/same-outputs.sh          # another base
#   BASE_DIR=/elsewhere/.build-base SCRATCH=.build-mine scripts/same-outputs.sh   # from a second worktree
#
# The base's outputs are kept in .build-base/outputs/<commit>/ (BASE_DIR), so a second check only
# runs this checkout's lessons, built in .build (SCRATCH). Exit status 0 when every lesson matches.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
# The last commit before the lessons moved onto Lab's TrainingRun. A later change that alters a
# lesson's outputs on purpose moves the base (for that lesson) to the commit before it.
base=${BASE:-d7959e1931fbe17edfa6d939fcb3b788c6ed0428}
base=$(git rev-parse --verify "$base^{commit}")
# shellcheck source=scripts/lessons.sh
source scripts/lessons.sh
# Checkpoint metadata keys a lesson now writes (or no longer writes) on purpose, with why.
declare -A allowed=(
  # --lr and --every are declared settings of every training lesson: a resume refuses another --lr.
  # Lesson 05 keeps every model's optimizer and generator (an earlier model's epochs may grow on
  # resume) and the steps each has done, instead of the phase in progress.
  [lesson05-vae]="setting.lr setting.every phase steps.autoencoder steps.vae steps.map steps_per_epoch tensor:optimizer.autoencoder. tensor:optimizer.vae. optimizer.autoencoder.lr optimizer.autoencoder.step optimizer.vae.lr optimizer.vae.step rng.autoencoder rng.vae"
  [lesson07-dcgan]="setting.lr"
  [lesson06-gan2d]="setting.every"
  # The weight average's update count is state, not a setting: average.updates.
  [lesson09-diffusionimages]="setting.average_updates average.updates"
)
lessons=("$@")
[[ ${#lessons[@]} -gt 0 ]] || lessons=("${all_lessons[@]}")

# The base, built once: a worktree of the base commit with its own build folder.
base_dir=${BASE_DIR:-$root/.build-base}
scratch=${SCRATCH:-$root/.build}
mkdir -p "$base_dir"
tree=$base_dir/tree
if [[ ! -d $tree ]]; then
  git worktree add --detach "$tree" "$base" > /dev/null
elif [[ $(git -C "$tree" rev-parse HEAD) != "$base" ]]; then
  git -C "$tree" checkout --detach -q "$base"
fi
echo "base $base: building (release) in $tree"
(cd "$tree" && swift build -c release > "$base_dir/build.log" 2>&1) \
  || { tail -20 "$base_dir/build.log"; echo "same-outputs: the base does not build"; exit 1; }
echo "this checkout: building (release) in $scratch"
log=$(mktemp)
swift build -c release --scratch-path "$scratch" > "$log" 2>&1 \
  || { tail -20 "$log"; echo "same-outputs: this checkout does not build"; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
for lesson in "${lessons[@]}"; do
  [[ -n "${short_runs[$lesson]:-}" ]] || { echo "same-outputs: no settings for $lesson"; exit 2; }
  kept=$base_dir/outputs/$base/$lesson
  if [[ ! -d $kept ]]; then
    rm -rf "$kept.tmp"
    # shellcheck disable=SC2086
    (cd "$work" && "$tree/.build/release/$lesson" ${short_runs[$lesson]} --out "$kept.tmp" > "$work/$lesson-base.log" 2>&1) \
      || { tail -5 "$work/$lesson-base.log"; echo "same-outputs: $lesson failed at the base"; exit 1; }
    mv "$kept.tmp" "$kept"
  fi
  # shellcheck disable=SC2086
  (cd "$work" && "$scratch/release/$lesson" ${short_runs[$lesson]} --out "$work/$lesson" > "$work/$lesson.log" 2>&1) \
    || { tail -5 "$work/$lesson.log"; echo "same-outputs: $lesson failed"; failures=$((failures + 1)); continue; }
  a=$(ls -d "$kept/$lesson"/*/) b=$(ls -d "$work/$lesson/$lesson"/*/)
  compared=0 different=() notes=()
  files=$( (cd "$a" && find . -type f; cd "$b" && find . -type f) | sed 's|^\./||' | sort -u)
  for file in $files; do
    name=$(basename "$file")
    [[ "$name" =~ $timed ]] && continue
    if [[ ! -f "$a/$file" || ! -f "$b/$file" ]]; then
      different+=("$file (only in $([[ -f "$a/$file" ]] && echo base || echo this checkout))")
      continue
    fi
    compared=$((compared + 1))
    if [[ "$name" == metrics.jsonl ]]; then
      cmp -s <(without_times "$a/$file") <(without_times "$b/$file") || different+=("$file")
    elif ! cmp -s "$a/$file" "$b/$file"; then
      if [[ "$name" == *.safetensors ]]; then
        verdict=$(python3 "$root/scripts/compare-safetensors.py" "$a/$file" "$b/$file" ${allowed[$lesson]:-}) \
          && notes+=("$file: $verdict") || different+=("$file: $verdict")
      else
        different+=("$file")
      fi
    fi
  done
  if [[ ${#different[@]} -eq 0 ]]; then
    echo "$lesson: $compared files the same as at the base"
    for note in "${notes[@]}"; do echo "    $note"; done
  else
    failures=$((failures + 1))
    echo "$lesson: DIFFERENT from the base: $(printf '%s; ' "${different[@]}")"
  fi
done
[[ $failures == 0 ]]
