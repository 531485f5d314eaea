#!/usr/bin/env bash
# The recipe of the embedded default tagger (models/default/tag.safetensors,
# the manifest's "tag" entry): the many-to-one LSTM that gives a whole
# Shapes-world video its tags, trained on the Shapes labeller's own training
# videos (the first 940 of its 2,500 of 4 to 12 s, seed 3001: what the CNN
# had computed of them when the recipe first ran on this busy machine; the
# last 50 of the 940 validate), beside the
# no-memory baseline (a dense classifier of each sampled frame, its
# probabilities averaged over the video) trained on the same videos; both
# scored on 200 clips of 4 to 12 s from a seed training never saw (9009),
# the scores recorded in the manifest entry (scores.test and
# scores.test_baseline). Then the tagger and its entry are added to
# models/default and nothing else there changes.
#
#   scripts/train-default-tag.sh [WORKDIR]
#
# The videos and their CNN features are reused from /work/cache/tax when a
# shared preparation left them there (its train/, clips/ and feature cache
# cache/), and otherwise generated and computed in WORKDIR (from scratch the
# CNN on the videos' 30,000 sampled frames adds about 8 minutes on a quiet
# 2-core machine). With the features cached, the recipe's commands took 15.3
# minutes on 2 cores busy with three other trainings (2026-12-03 18:42-18:57
# UTC; the LSTM 13.7 minutes, most of it loading the features and decoding
# the captioner's names of one frame a second; the dense baseline 4.1 in
# parallel with it; the evaluation 0.3).
set -euo pipefail
cd "$(dirname "$0")/.."
start=$SECONDS
work=${1:-$(mktemp -d)}
mkdir -p "$work"
scripts/setup.sh
go build -o "$work/captioner" ./cmd/captioner
c=$work/captioner

shared=/work/cache/tax
if [ -f "$shared/train/synth.json" ] && [ -f "$shared/clips/synth.json" ]; then
  data=$shared
else
  data=$work
fi
cache=$data/cache
[ -f "$data/train/synth.json" ] || $c synth videos --n 940 --seed 3001 --max-duration 12s --out "$data/train"
[ -f "$data/clips/synth.json" ] || $c synth videos --n 200 --seed 9009 --max-duration 12s --out "$data/clips"

rm -rf "$work/tag" "$work/dense"
common=(--data "$data/train" --cache "$cache" --videos 940 --val-videos 50 --seed 1 --epochs 40 --patience 40
  --batch 16 --lr 5e-3 --dropout 0.1 --inputs present,motion,moving --grids 7 --named --named-every 4)
$c train tag "${common[@]}" --out "$work/tag" --arch lstm --readout last --hidden 128 --every-step \
  --recipe scripts/train-default-tag.sh
$c train tag "${common[@]}" --out "$work/dense" --arch dense --hidden 256
$c eval tag --data "$data/clips" --split all --model "$work/tag" --baseline "$work/dense" --cache "$cache" --record test
minutes=$(awk "BEGIN {print ($SECONDS - $start) / 60}")
go run ./tag/cmd/install-tag --from "$work/tag" --to models/default --recipe scripts/train-default-tag.sh --minutes "$minutes"
echo "models/default: tag updated from $work/tag ($minutes minutes)"
