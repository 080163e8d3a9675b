#!/usr/bin/env bash
# Drives every lesson through a table of bad invocations — a missing file, a truncated or
# corrupt file, a folder instead of a file, an unwritable output folder, a zero or
# negative count, an unknown flag value, a non-numeric flag — and checks that each one
# exits non-zero with a message naming what is wrong, writes no output, and leaves an
# earlier run (its pictures and checkpoint) untouched.
#
#   scripts/bad-input.sh                 # release builds of the lessons (built if needed)
#   scripts/bad-input.sh --table FILE    # also write the results as a Markdown table
#
# Each row: lesson, arguments, the exit status expected (64 = a usage error ArgumentParser
# reports before anything runs; "fail" = any non-zero status), and a pattern (grep -E,
# case-insensitive) the output must contain.
set -euo pipefail
cd "$(dirname "$0")/.."
table_file=""
if [[ "${1:-}" == "--table" ]]; then table_file=$2; fi

swift build -c release > /tmp/genlab-bad-input-build.log 2>&1 || { cat /tmp/genlab-bad-input-build.log; exit 1; }
bin=$PWD/.build/release
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
out=$work/runs
subset=Datasets/fashion-mnist-subset

# Bad files to hand the lessons.
mkdir -p "$work/truncated" "$work/a-folder"
cp "$subset"/* "$work/truncated/"
head -c 20000 "$subset/t10k-images-idx3-ubyte.gz" > "$work/truncated/t10k-images-idx3-ubyte.gz"
mkdir -p "$work/bad-magic"
cp "$subset"/* "$work/bad-magic/"
# An image file whose magic is a label file's.
printf '\x00\x00\x08\x01\x00\x00\x27\x10' > "$work/bad-magic/t10k-images-idx3-ubyte"
rm "$work/bad-magic/t10k-images-idx3-ubyte.gz"
printf 'cat\ndog\n\xff\xfe\n' > "$work/invalid-utf8.txt"
: > "$work/empty.safetensors"
printf 'not a checkpoint at all, just text\n' > "$work/text.safetensors"

# An earlier run that must survive every bad invocation: lesson 06 trains briefly and
# leaves a checkpoint, which also gives the truncated and wrong-lesson checkpoints.
"$bin/lesson06-gan2d" --steps 20 --every 10 --num-samples 10 --out "$out" > "$work/good.log" 2>&1 \
  || { cat "$work/good.log"; echo "bad-input: the good run failed"; exit 1; }
checkpoint=$(ls "$out"/lesson06-gan2d/*/checkpoint.safetensors)
size=$(stat -c %s "$checkpoint")
head -c $((size / 2)) "$checkpoint" > "$work/half.safetensors"
snapshot() { (cd "$out" && find . -type f -print0 | sort -z | xargs -0 md5sum); }
before=$(snapshot)

rows=()
add() { rows+=("$1|$2|$3|$4"); }
image_lessons="lesson01-images lesson02-convolution lesson03-im2col lesson04-transposedconvolution lesson05-vae lesson07-dcgan lesson09-diffusionimages lesson11-capstone"
training_lessons="lesson05-vae lesson06-gan2d lesson07-dcgan lesson08-diffusion2d lesson09-diffusionimages lesson10-compression"
all_lessons="lesson01-images lesson02-convolution lesson03-im2col lesson04-transposedconvolution lesson05-vae lesson06-gan2d lesson07-dcgan lesson08-diffusion2d lesson09-diffusionimages lesson10-compression lesson11-capstone"
for lesson in $all_lessons; do
  add "$lesson" "--threads 0" 64 "--threads must be at least 1"
  add "$lesson" "--threads -2" 64 "--threads must be at least 1, got -2"
  add "$lesson" "--seed twelve" 64 "'twelve' is invalid for '--seed"
  add "$lesson" "--impl fastest" 64 "'fastest' is invalid for '--impl"
  add "$lesson" "--num-samples 0" 64 "--num-samples must be at least 1"
  add "$lesson" "--out /proc/genlab-cannot-be-here" fail "cannot create the run folder /proc/genlab-cannot-be-here"
  add "$lesson" "--out /etc/hostname" fail "/etc/hostname"
done
for lesson in $image_lessons; do
  add "$lesson" "--data $work/no-such-folder" fail "$work/no-such-folder"
  add "$lesson" "--data /etc/hostname" fail "/etc/hostname"
  add "$lesson" "--data $work/truncated" fail "truncated/t10k-images-idx3-ubyte.gz"
  add "$lesson" "--data $work/bad-magic" fail "bad-magic/t10k-images-idx3-ubyte"
done
for lesson in $training_lessons; do
  add "$lesson" "--steps 0" 64 "--steps must be at least 1"
  add "$lesson" "--batch-size -1" 64 "--batch-size must be at least 1, got -1"
  add "$lesson" "--lr abc" 64 "'abc' is invalid for '--lr"
  add "$lesson" "--lr 0" 64 "--lr must be a positive number"
  add "$lesson" "--every 0" 64 "--every must be at least 1"
  add "$lesson" "--resume $work/no-such.safetensors" fail "$work/no-such.safetensors"
  add "$lesson" "--resume $work/a-folder" fail "$work/a-folder"
  add "$lesson" "--resume $work/empty.safetensors" fail "empty.safetensors"
  add "$lesson" "--resume $work/text.safetensors" fail "text.safetensors"
  add "$lesson" "--resume $work/half.safetensors" fail "half.safetensors"
done
for lesson in lesson05-vae lesson07-dcgan lesson08-diffusion2d lesson09-diffusionimages lesson10-compression; do
  add "$lesson" "--resume $checkpoint" fail "lesson06-gan2d"
done
add lesson01-images "--epochs 0" 64 "--epochs must be at least 1"
# Negative numbers for the lessons' own counts: read as values, not as flags.
add lesson01-images "--gemm-images -4" 64 "--gemm-images must be at least 2, got -4"
add lesson02-convolution "--scale -2" 64 "--scale must be in 1…16, got -2"
add lesson03-im2col "--image -1" 64 "--image must be 0 or more, got -1"
add lesson04-transposedconvolution "--batch -1" 64 "--batch must be at least 1, got -1"
add lesson05-vae "--latent -3" 64 "--latent must be in 1…512, got -3"
add lesson05-vae "--ae-epochs -1" 64 "--ae-epochs must be 0 or more, got -1"
add lesson06-gan2d "--hidden -8" 64 "--hidden must be in 1…4096, got -8"
add lesson08-diffusion2d "--embedding -2" 64 "--embedding must be even"
add lesson09-diffusionimages "--timesteps -5" 64 "--timesteps must be in 50…10000, got -5"
add lesson10-compression "--width -64" 64 "--width must be in 4…1024, got -64"
add lesson05-vae "--latent 0" 64 "latent"
add lesson05-vae "--arch nonsense" 64 "'nonsense' is invalid for '--arch"
add lesson06-gan2d "--dataset spirals" 64 "'spirals' is invalid for '--dataset"
add lesson07-dcgan "--objective best" 64 "'best' is invalid for '--objective"
add lesson08-diffusion2d "--timesteps 0" 64 "timesteps"
add lesson08-diffusion2d "--schedule square" 64 "'square' is invalid for '--schedule"
add lesson09-diffusionimages "--channels 12" 64 "--channels must be a multiple of 8"
add lesson09-diffusionimages "--ddim-steps 2000" 64 "--ddim-steps must be in"
add lesson10-compression "--words $work/no-such.txt" fail "$work/no-such.txt"
add lesson10-compression "--words $work/a-folder" fail "$work/a-folder"
add lesson10-compression "--words $work/invalid-utf8.txt" fail "invalid-utf8.txt"
add lesson10-compression "--context 1" 64 "--context must be in"
add lesson10-compression "--heads 3" 64 "--heads must be"
add lesson10-compression "--data $subset" 64 "use --words"
# Lesson 11 trains five models with flags of their own; the shared training flags do not apply.
add lesson11-capstone "--steps 100" 64 "--steps does not apply here"
add lesson11-capstone "--resume $checkpoint" 64 "--resume does not apply here"
add lesson11-capstone "--vae-epochs 0" 64 "--vae-epochs must be in 1…1000, got 0"
add lesson11-capstone "--pixelcnn-steps -5" 64 "--pixelcnn-steps must be in 1…1000000, got -5"
add lesson11-capstone "--diffusion-channels 12" 64 "--diffusion-channels must be a multiple of 8"
add lesson11-capstone "--num-samples 3" 64 "--num-samples must be more than 3"
add lesson11-capstone "--data $PWD/$subset --num-samples 5000" 64 "--num-samples 5000 is more than the 2000 images"
add lesson11-capstone "--data $PWD/$subset --cache /etc/hostname" fail "the weights cache /etc/hostname is a file, not a folder"
add lesson11-capstone "--data $PWD/$subset --cache /proc/genlab-no-cache" fail "cannot create the weights cache folder /proc/genlab-no-cache"

failures=0
results=()
for row in "${rows[@]}"; do
  IFS='|' read -r lesson args expected pattern <<< "$row"
  # The shared --out first: a row's own --out comes later and wins (the last value counts).
  set +e
  # shellcheck disable=SC2086
  output=$(cd "$work" && timeout 300 "$bin/$lesson" --out "$out" $args 2>&1)
  status=$?
  set -e
  # Here-strings, not pipes: `grep -q` closing a pipe early would fail the pipeline (pipefail).
  message=$(grep -m1 -E "^Error:|error:" <<< "$output" || tail -1 <<< "$output")
  verdict=ok
  if [[ "$expected" == fail && "$status" == 0 ]] || [[ "$expected" != fail && "$status" != "$expected" ]]; then
    verdict="exit $status, expected $expected"
  elif ! grep -qiE -- "$pattern" <<< "$output"; then
    verdict="message lacks: $pattern"
  elif [[ "$(snapshot)" != "$before" ]]; then
    verdict="it wrote or changed files in the runs folder"
    before=$(snapshot)
  fi
  if [[ "$verdict" != ok ]]; then
    failures=$((failures + 1))
    echo "FAIL $lesson $args: $verdict"
    printf '%s\n' "$output" | tail -5 | sed 's/^/     /'
  fi
  results+=("| \`$lesson\` | \`${args//$work/…}\` | $status | ${verdict} | ${message//$work/…} |")
done

# Training faults: a learning rate that blows the weights up must stop training at the
# first non-finite number with the step and where it appeared; the failed run keeps its
# folder (the metrics up to there), and the earlier run is untouched.
faults=(
  "lesson06-gan2d|--lr 1e30 --steps 100 --every 50"
  "lesson08-diffusion2d|--lr 1e30 --steps 100 --every 50"
  "lesson10-compression|--words Datasets/words/words.txt --lr 1e30 --steps 50 --every 25 --context 16 --width 16 --layers 1"
)
for row in "${faults[@]}"; do
  IFS='|' read -r lesson args <<< "$row"
  set +e
  # shellcheck disable=SC2086
  output=$("$bin/$lesson" --out "$work/faults" $args 2>&1)
  status=$?
  set -e
  message=$(grep -m1 "^Error:" <<< "$output" || true)
  verdict=ok
  if [[ $status == 0 ]] || ! grep -qE "training stopped at step [0-9]+: .* the first non-finite number is in" <<< "$message"; then
    verdict="no training-fault message (exit $status)"
    failures=$((failures + 1))
    echo "FAIL $lesson $args: $verdict"
    printf '%s\n' "$output" | tail -3 | sed 's/^/     /'
  fi
  rows+=("$lesson|$args|fail|training stopped")
  results+=("| \`$lesson\` | \`$args\` | $status | $verdict | ${message//$work/…} |")
done
[[ "$(snapshot)" == "$before" ]] || { echo "FAIL: a training fault changed the earlier run"; failures=$((failures + 1)); }

# The tools: the same rules, without --out.
tools=(
  "genlab-inspect|$work/no-such.safetensors|1|no-such.safetensors: cannot be read: .*no such file"
  "genlab-inspect|$work/half.safetensors|1|half.safetensors: cannot be read: .*truncated"
  "genlab-inspect|$work/a-folder|1|a-folder: cannot be read"
  "genlab-inspect||64|Missing expected argument '<file> ...'"
  "genlab-check|42|64|no exercise '42'"
  "genlab-check|01 --timeout 0|64|--timeout must be a positive number"
  "genlab-check|01 --json $work/no-such-folder/results.json|64|--json .*no-such-folder/results.json: the folder .* does not exist"
  "genlab-check||64|name an exercise"
  "genlab-bench|--filter nothing-like-this|64|no case matches --filter 'nothing-like-this'; the groups are"
  "genlab-bench|--threads 0|64|--threads takes counts"
  "genlab-bench|--seconds -1|64|--seconds must be a positive number"
)
for row in "${tools[@]}"; do
  IFS='|' read -r tool args expected pattern <<< "$row"
  set +e
  # shellcheck disable=SC2086
  output=$(cd "$work" && timeout 120 "$bin/$tool" $args 2>&1)
  status=$?
  set -e
  message=$(grep -m1 -E "^Error:|cannot" <<< "$output" || tail -1 <<< "$output")
  verdict=ok
  if [[ "$status" != "$expected" ]]; then
    verdict="exit $status, expected $expected"
  elif ! grep -qiE -- "$pattern" <<< "$output"; then
    verdict="message lacks: $pattern"
  elif [[ -e "$work/no-such-folder" ]]; then
    verdict="it created a folder it was not asked to"
  fi
  if [[ "$verdict" != ok ]]; then
    failures=$((failures + 1))
    echo "FAIL $tool $args: $verdict"
    tail -3 <<< "$output" | sed 's/^/     /'
  fi
  rows+=("$tool|$args|$expected|$pattern")
  results+=("| \`$tool\` | \`${args//$work/…}\` | $status | ${verdict} | ${message//$work/…} |")
done

echo "bad-input: ${#rows[@]} invocations, $failures failed"
if [[ -n "$table_file" ]]; then
  {
    echo "| lesson | arguments | exit | verdict | message |"
    echo "| --- | --- | --- | --- | --- |"
    printf '%s\n' "${results[@]}"
  } > "$table_file"
  echo "table: $table_file"
fi
[[ $failures == 0 ]]
