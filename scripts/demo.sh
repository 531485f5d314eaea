#!/usr/bin/env bash
# Sets up what is missing, builds captioner into bin/ and shows it at work on
# a generated sample image and video (written under demo/).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
go build -o bin/captioner ./cmd/captioner
c=bin/captioner
$c version
$c synth images --n 2 --seed 7 --format png --out demo/images
$c synth videos --n 1 --seed 7 --max-duration 8s --out demo/videos
echo
echo "== what the files are"
$c probe demo/images/images/000000.png demo/videos/0000.mp4
echo
echo "== captions by the embedded model, then the ground truth"
$c demo/images/images/000000.png demo/images/images/000001.png
cut -d, -f1-2 demo/images/captions.jsonl
echo
echo "== the frames a model sees: the image, and the video at 2 frames per second"
$c frames --size 224x224 --out demo/frames demo/images/images/000000.png
$c frames --fps 2 --size 224x224 --out demo/frames demo/videos/0000.mp4
echo
echo "== the video's label track (ground truth)"
cat demo/videos/0000.vtt
echo
echo "== the track the embedded labeller writes for it (into demo/subtitles)"
mkdir -p demo/subtitles
$c subtitle --force --out demo/subtitles demo/videos/0000.mp4
cat demo/subtitles/0000.srt
echo
echo "== objects in real photos and a real street video (Debian-packaged media;"
echo "   the boxes drawn into demo/detect)"
real=$(scripts/realmedia.sh)
$c detect --draw demo/detect "$real/dog.jpg" "$real/person.jpg"
ffmpeg -loglevel error -y -i "$real/vtest.avi" -t 8 -c copy demo/street.avi
$c detect --fps 1 --draw demo/detect demo/street.avi
echo
echo "== captions and a subtitle track of real media, beside the Shapes ones above"
$c "$real/dog.jpg" "$real/horses.jpg" "$real/giraffe.jpg" demo/images/images/000000.png
$c subtitle --force --out demo/subtitles demo/street.avi
cat demo/subtitles/street.srt
