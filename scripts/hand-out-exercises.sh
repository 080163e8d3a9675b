#!/usr/bin/env bash
# Makes a student's copy of GenLab: the repository as committed, without the teacher's
# solutions (Exercises/Solutions) — the package then builds without genlab-check-solutions.
#
#   scripts/hand-out-exercises.sh ../genlab-student          # a folder to give out
#   scripts/hand-out-exercises.sh genlab-student.tar.gz      # or an archive
#
# Only what is committed goes out (git archive): local changes and build folders stay here.
set -euo pipefail
if [[ $# -ne 1 ]]; then
  echo "usage: $0 FOLDER | ARCHIVE.tar.gz   (the student's copy, without Exercises/Solutions)" >&2
  exit 2
fi
target=$1
cd "$(dirname "$0")/.."
if [[ -e "$target" && ! ( -d "$target" && -z "$(ls -A "$target")" ) ]]; then
  echo "$0: $target already exists and is not an empty folder; choose a new name" >&2
  exit 1
fi
case "$target" in
  *.tar.gz|*.tgz)
    git archive --format=tar.gz --prefix=genlab/ -o "$target" HEAD -- . ':(exclude)Exercises/Solutions'
    echo "wrote $target (no Exercises/Solutions)" ;;
  *)
    mkdir -p "$target"
    git archive --format=tar HEAD -- . ':(exclude)Exercises/Solutions' | tar -x -C "$target"
    echo "wrote $target/ (no Exercises/Solutions): students run \`swift run genlab-check 01\` there" ;;
esac
