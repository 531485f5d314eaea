#!/usr/bin/env bash
# Scores the embedded Shapes labeller on each slice of videos WORLD.md
# allows (issue 14): four frame sizes (320x240, 640x360, 1280x720 and the
# portrait 360x640), each with shared and with per-channel background
# noise; N videos of 4 to 12 s a slice (default 25), from seeds no recipe
# trains on (7101 to 7108). Prints one line a slice; with RECORD=1 the
# reports also go into models/default/manifest.json under the subtitle
# entry's scores, as "slice size=WxH noise=KIND".
#
#   scripts/eval-subtitle-slices.sh [WORKDIR]        # N=25 RECORD=0 by default
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-$(mktemp -d)}
n=${N:-25}
mkdir -p "$work"
scripts/setup.sh
go build -o "$work/captioner" ./cmd/captioner
c=$work/captioner
seed=7100
printf '%-10s %-8s %6s %8s %8s %8s %8s\n' size noise videos step f1 text seconds
for size in 320x240 640x360 1280x720 360x640; do
  for noise in shared channel; do
    seed=$((seed + 1))
    dir="$work/$size-$noise"
    [ -f "$dir/synth.json" ] || $c synth videos --n "$n" --seed "$seed" --size "$size" --noise "$noise" --max-duration 12s --out "$dir" >/dev/null
    rec=()
    if [ "${RECORD:-0}" = 1 ]; then
      rec=(--model models/default --record "slice size=$size noise=$noise")
    fi
    start=$(date +%s)
    $c eval subtitle --data "$dir" --split all --cache "$work/cache" --json "${rec[@]}" >"$dir.json"
    secs=$(($(date +%s) - start))
    python3 - "$dir.json" "$size" "$noise" "$secs" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
r = r.get("report", r)
print("%-10s %-8s %6d %8.3f %8.3f %8.3f %8s" % (sys.argv[2], sys.argv[3], r["videos"], r["step_accuracy"], r["f1"], r["time_accuracy"], sys.argv[4]))
EOF
  done
done
