#!/usr/bin/env bash
# The recipe of the embedded default captioner (models/default/caption.safetensors):
# Shapes-world images drawn from the whole of WORLD.md (every aspect ratio,
# both noise kinds, both edge kinds, PNG and JPEG; sides 160 to 640, since
# the CNN sees every image at 224x224, downscaled by pixel area) from a fixed
# seed, a fixed training seed, then an evaluation on 3,000 images of the
# whole contract (sides 160 to 1920) from a seed training never saw, with
# scores for each slice (aspect ratio, size, noise kind, format), recorded in
# the manifest. One command, about 30 minutes on a quiet 2-core machine
# (see the manifest's recipe_note for the last run):
#
#   scripts/train-default-caption.sh [WORKDIR]
#
# It writes the trained bundle to WORKDIR/bundle and copies its caption weights
# and manifest into models/default. The CNN there is left as it is (its own
# recipe is vision/cmd/convert-nsfwjs).
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-$(mktemp -d)}
mkdir -p "$work"
scripts/setup.sh
go build -o "$work/captioner" ./cmd/captioner
c=$work/captioner

[ -f "$work/train/synth.json" ] || $c synth images --n 40000 --seed 1001 --sides 160..640 --out "$work/train"
[ -f "$work/test/synth.json" ] || $c synth images --n 3000 --seed 2002 --out "$work/test"

$c train caption --data "$work/train" --out "$work/bundle" --cache "$work/cache" \
  --features 1216 --seed 1 --epochs 14 --patience 4 --batch 64 --lr 2e-3 --embed 256 --hidden 512 --dropout 0.2 --condition state
$c eval caption --model "$work/bundle" --data "$work/test" --cache "$work/cache" --record test
cp "$work/bundle/caption.safetensors" "$work/bundle/manifest.json" models/default/
echo "models/default updated from $work/bundle"
