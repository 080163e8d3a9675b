#!/usr/bin/env bash
# Renders a run's report page to a PNG with headless Chromium, to look at it (or attach
# it to a pull request) without a browser window:
#
#   scripts/render-report.sh runs/lesson01-images/2026-11-25_18-30-05 report.png
#
# The page is plain HTML with inline CSS, so any browser shows it the same way;
# Chromium is only needed for this screenshot, never by the lessons or CI.
set -euo pipefail

if [[ $# -ne 2 ]]; then
  echo "usage: $0 RUN_DIR OUT.png   (RUN_DIR holds the index.html a lesson wrote)" >&2
  exit 2
fi
run_dir=$1
out=$2
if [[ ! -f "$run_dir/index.html" ]]; then
  echo "$0: $run_dir/index.html does not exist (run a lesson first; it prints the report's path)" >&2
  exit 1
fi
browser=""
for candidate in chromium chromium-browser google-chrome; do
  if command -v "$candidate" >/dev/null 2>&1; then browser=$candidate; break; fi
done
if [[ -z "$browser" ]]; then
  echo "$0: chromium is not installed; on Debian or Ubuntu: apt-get install -y chromium" >&2
  exit 1
fi

page="$(cd "$run_dir" && pwd)/index.html"
out_abs="$(cd "$(dirname "$out")" && pwd)/$(basename "$out")"
# Chromium prints harmless D-Bus and GPU warnings on a headless machine; keep them out
# of the way unless the screenshot fails.
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars \
     --screenshot="$out_abs" --window-size=1200,2400 "file://$page" >"$log" 2>&1 \
   || [[ ! -s "$out_abs" ]]; then
  cat "$log" >&2
  echo "$0: $browser could not render $page" >&2
  exit 1
fi
echo "wrote $out_abs"
