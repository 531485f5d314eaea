#!/usr/bin/env bash
# Dense against recurrent in the Shapes world (issue 16; subtitle/DENSE.md):
# the embedded synced labeller (a bidirectional LSTM, scripts/train-default-
# subtitle.sh) beside two labellers with no memory (captioner train subtitle
# --dense), one that labels each sampled frame from its own input and one
# that reads a fixed window of 2 frames on each side, trained on exactly the
# synced labeller's data with its recipe, at about its parameter count. All
# three are scored by `captioner eval subtitle` on the recipe's 50 test
# videos and on 200 unseen 4-12 s clips, and the table is printed in
# Markdown (and written to WORKDIR/table.md):
#
#   scripts/dense-vs-synced.sh [WORKDIR]
#
# The videos: the recipe's 2,500 training videos (seed 3001, 4-12 s), its 50
# test videos (seed 4004, 4-20 s) and the 200 clips (seed 9009, 4-12 s). They
# are read from $DATA/{train,test,clips} with the features in $DATA/cache
# when all three are there (DATA defaults to /work/cache/tax, where the
# project's machines keep them), else generated into WORKDIR.
#
# EPOCHS (default 30, the recipe's) shortens the dense runs. VIDEOS=N trains
# on only the first N training videos (the last 50 of them validating), and
# then trains the synced recipe again on those too, so that a row compares
# like with like, for SYNCED_EPOCHS epochs (default EPOCHS). The figures in
# subtitle/DENSE.md are those of
#
#   VIDEOS=600 SYNCED_EPOCHS=30 scripts/dense-vs-synced.sh WORKDIR
#
# (and SYNCED_EPOCHS=12 for its other synced row), measured with the
# equivalent harness named there. A step already done (a
# trained bundle, a report) is not done again; an interrupted training
# resumes.
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-$(mktemp -d)}
mkdir -p "$work"
work=$(cd "$work" && pwd)
data=${DATA:-/work/cache/tax}
epochs=${EPOCHS:-30}
videos=${VIDEOS:-0}
synced_epochs=${SYNCED_EPOCHS:-$epochs}
go build -o "$work/captioner" ./cmd/captioner
c=$work/captioner

if [ -f "$data/train/synth.json" ] && [ -f "$data/test/synth.json" ] && [ -f "$data/clips/synth.json" ]; then
  cache=$data/cache
else
  data=$work cache=$work/cache
  [ -f "$data/train/synth.json" ] || $c synth videos --n 2500 --seed 3001 --max-duration 12s --out "$data/train"
  [ -f "$data/test/synth.json" ] || $c synth videos --n 50 --seed 4004 --out "$data/test"
  [ -f "$data/clips/synth.json" ] || $c synth videos --n 200 --seed 9009 --max-duration 12s --out "$data/clips"
fi

# The synced recipe's flags, less its network (--hidden 128 --layers 1
# --bidirectional: 922,897 parameters). Its last 50 videos validate.
recipe=(--seed 1 --epochs "$epochs" --patience 30 --batch 16 --lr 2e-3 --inputs motion,moving --grids 7 --window 64 --dropout 0.2 --videos "$videos")
train() {
  local name=$1
  shift
  [ -f "$work/$name/manifest.json" ] && return
  local resume=()
  [ -f "$work/$name/checkpoint.json" ] && resume=(--resume)
  $c train subtitle --data "$data/train" --out "$work/$name" --cache "$cache" "${recipe[@]}" "$@" "${resume[@]}" 2>&1 | tee -a "$work/$name.log"
}
# Two layers each, sized to the synced labeller's parameter count: one frame
# (768 inputs) 640 units, 913,297 parameters; five frames (3,840 inputs)
# 224 units, 914,609.
train dense0 --dense --context 0 --hidden 640 --layers 2
train dense2 --dense --context 2 --hidden 224 --layers 2
models=(dense0 dense2)
if [ "$videos" != 0 ]; then
  train "synced$videos" --hidden 128 --layers 1 --bidirectional --epochs "$synced_epochs"
  models+=("synced$videos")
fi

for set in test clips; do
  [ -s "$work/synced.$set.json" ] || $c eval subtitle --data "$data/$set" --cache "$cache" --split all --json >"$work/synced.$set.json"
  for m in "${models[@]}"; do
    [ -s "$work/$m.$set.json" ] || $c eval subtitle --model "$work/$m" --data "$data/$set" --cache "$cache" --split all --json >"$work/$m.$set.json"
  done
done

# Parameters: the network's tensors in a labeller file (not the feature
# standardisation).
params() {
  local n
  n=$(od -An -t u8 -N 8 "$1" | tr -d ' ')
  tail -c +9 "$1" | head -c "$n" | jq '[to_entries[] | select(.key != "__metadata__" and (.key | startswith("norm.") | not)) | .value.shape | reduce .[] as $d (1; . * $d)] | add'
}
# One row: labeller, parameters, training minutes, then per set step
# accuracy, boundary F1, time accuracy and cue changes a minute.
row() {
  local name=$1 file=$2 manifest=$3 prefix=$4
  printf '| %s | %s | %s |' "$name" "$(params "$file")" "$(jq '.subtitle.training.minutes' "$manifest")"
  for set in test clips; do
    jq -r '"\(.step_accuracy*1000|round/1000) | \(.f1*1000|round/1000) | \(.time_accuracy*1000|round/1000) | \(.predicted_boundaries/.duration*600|round/10) |"' "$work/$prefix.$set.json" | tr -d '\n'
  done
  echo
}
{
  echo "| labeller | parameters | training minutes | test: step | F1 | time | cue changes /min | clips: step | F1 | time | cue changes /min |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
  row "synced: bidirectional LSTM, 128 a direction (embedded: 2,450 videos)" models/default/subtitle.safetensors models/default/manifest.json synced
  if [ "$videos" != 0 ]; then
    row "synced, the same recipe on the first $videos videos" "$work/synced$videos/subtitle.safetensors" "$work/synced$videos/manifest.json" "synced$videos"
  fi
  row "dense, one frame: 2 x 640" "$work/dense0/subtitle.safetensors" "$work/dense0/manifest.json" dense0
  row "dense, window of 5 frames (2 a side): 2 x 224" "$work/dense2/subtitle.safetensors" "$work/dense2/manifest.json" dense2
  printf '| true tracks | | | 1 | 1 | 1 | %s | 1 | 1 | 1 | %s |\n' \
    "$(jq '.true_boundaries/.duration*600|round/10' "$work/synced.test.json")" "$(jq '.true_boundaries/.duration*600|round/10' "$work/synced.clips.json")"
} | tee "$work/table.md"
