#!/usr/bin/env bash
# The recipe of the embedded describer (models/default/describe.safetensors,
# manifest entry "describe"; docs/DESCRIBE.md): the Shapes labeller's own
# 2,500 training videos (4 to 12 s, seed 3001; the last 150 of them
# validate), a
# fixed training seed, then the scores on 200 clips of 4 to 12 s from a seed
# training never saw (9009), recorded in the manifest with the recipe's
# minutes. It adds the entry and weights to models/default, leaving every
# other entry and file there as it is. One command:
#
#   scripts/train-default-describe.sh [WORKDIR]
#
# The videos and their CNN features take most of the time when made from
# scratch; a folder already holding them (the same seeds and options, e.g.
# one prepared for the tagger and the labeller, CAPTIONER_VIDEOS, by default
# /work/cache/tax with train/, clips/ and the feature cache cache/) is used
# as it is.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
work=${1:-$(mktemp -d)}
mkdir -p "$work"
scripts/setup.sh
go build -o "$work/captioner" ./cmd/captioner
c=$work/captioner

videos=${CAPTIONER_VIDEOS:-/work/cache/tax}
if [ -f "$videos/train/synth.json" ] && [ -f "$videos/clips/synth.json" ] &&
  grep -q '"seed": *3001' "$videos/train/synth.json" && grep -q '"seed": *9009' "$videos/clips/synth.json"; then
  echo "using the videos and features in $videos"
else
  videos=$work
fi
[ -f "$videos/train/synth.json" ] || $c synth videos --n 2500 --seed 3001 --max-duration 12s --out "$videos/train"
[ -f "$videos/clips/synth.json" ] || $c synth videos --n 200 --seed 9009 --max-duration 12s --out "$videos/clips"

$c train describe --data "$videos/train" --videos 2500 --val-videos 150 --out "$work/bundle" --cache "$videos/cache" \
  --seed 1 --inputs labels --pool --epochs 24 --patience 24 --windows 16 --batch 32 --lr 3e-3 \
  --hidden 256 --embed 48 --dropout 0.1
$c eval describe --model "$work/bundle" --data "$videos/clips" --split all --cache "$videos/cache" --record test
minutes=$(awk -v s="$start" -v e="$(date +%s)" 'BEGIN { printf "%.1f", (e - s) / 60 }')
go run ./describe/cmd/install-describe --from "$work/bundle" --to models/default \
  --recipe scripts/train-default-describe.sh --minutes "$minutes" \
  --note "$(date -u +%Y-%m-%d) on 2 shared cores; videos and features from $videos"
echo "models/default: describe updated from $work/bundle ($minutes minutes)"
