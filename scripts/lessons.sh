# Sourced by the scripts that run every lesson (determinism.sh, same-outputs.sh, .ci/run): the
# lessons, a short run of each (seconds, not minutes, on the bundled data), which outputs are
# measured times, and how to compare metrics without them. Set `root` (the repository) first.
all_lessons=(lesson01-images lesson02-convolution lesson03-im2col lesson04-transposedconvolution
  lesson05-vae lesson06-gan2d lesson07-dcgan lesson08-diffusion2d lesson09-diffusionimages lesson10-compression
  lesson11-capstone)
subset=$root/Datasets/fashion-mnist-subset
words=$root/Datasets/words/words.txt
declare -A short_runs=(
  [lesson01-images]="--data $subset --gemm-images 256"
  [lesson02-convolution]="--data $subset"
  [lesson03-im2col]="--data $subset"
  [lesson04-transposedconvolution]="--data $subset"
  [lesson05-vae]="--data $subset --epochs 1 --ae-epochs 1 --map-epochs 1 --num-samples 100 --iwae-images 100 --iwae-k 10"
  [lesson06-gan2d]="--steps 300 --every 100"
  [lesson07-dcgan]="--data $subset --steps 200 --every 50 --num-samples 100"
  [lesson08-diffusion2d]="--steps 300 --every 100 --num-samples 300"
  [lesson09-diffusionimages]="--data $subset --steps 30 --every 10 --timesteps 100 --ddim-steps 10 --channels 8 --num-samples 16"
  [lesson10-compression]="--words $words --steps 300 --every 100 --context 32 --width 32 --layers 1 --batch-size 16"
  [lesson11-capstone]="--data $subset --classifier-epochs 1 --vae-epochs 1 --dcgan-steps 20 --pixelcnn-steps 10 --pixelcnn-channels 8 --diffusion-steps 10 --diffusion-channels 8 --num-samples 100"
)
# Files whose content is a measured time: not compared.
timed='^(index\.html|comparison\.svg|.*time.*\.svg|.*speed.*\.svg|.*timing.*\.svg|.*benchmark.*\.svg)$'
# A metrics.jsonl without its wall times and measured seconds (lesson 11's training and sampling times).
without_times() { sed -E 's/"wall_time":[^,}]*,?//; s/"[a-z0-9_]*_seconds":[^,}]*,?//g' "$1"; }
