#!/usr/bin/env bash
# The recipe of the embedded objects labeller
# (models/default/objects_subtitle.safetensors, manifest entry
# "objects_subtitle"): a per-class labeller (subtitle/objects_class.go: one
# bidirectional LSTM shared by every class, over each class's values a
# step) trained on 6,000 generated videos in the detector's space
# (objects.NewGenerator seed 5001, the next 150 validate), a fixed training
# seed, then the labeller and the per-frame baseline scored on 200 videos
# of seed 6006 and on the hand-labelled real clips (vtest.avi, cockatoo.mp4,
# through the embedded detector at 416x416, 2 frames a second), recorded in
# the entry. It adds the entry and its weights to models/default and
# changes nothing else there. One command, about 35 minutes on 2 busy cores
# (about 20 on quiet ones):
#
#   scripts/train-default-objects-subtitle.sh [WORKDIR]
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-$(mktemp -d)}
mkdir -p "$work"
go run ./subtitle/cmd/train-objects --work "$work" --install models/default \
  --per-class --data-seed 5001 --train 6000 --val 150 --test-seed 6006 --test 200 \
  --seed 1 --epochs 10 --hidden 64 --window 32 --dropout 0.1 --lr 3e-3 --batch 32 --min-sd 0.1 \
  --inputs features,change
echo "models/default: objects_subtitle updated from $work"
