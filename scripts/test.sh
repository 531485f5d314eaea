#!/usr/bin/env bash
# Sets up what is missing and runs the whole test suite: vet, then every test
# (unit, fuzz seed corpora, end-to-end runs of the built binary).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/realmedia.sh >&2 || { echo "test: scripts/realmedia.sh could not fetch the real photos and videos (Debian packages darknet, opencv-doc, python3-skimage, python3-imageio) that the tests need" >&2; exit 1; }
npm=$(scripts/npm-packages.sh) || { echo "test: scripts/npm-packages.sh could not fetch the npm packages the bundle's networks are converted from" >&2; exit 1; }
echo "test: go vet ./..." >&2
go vet ./...
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
  echo "test: gofmt would change: $unformatted" >&2
  exit 1
fi
echo "test: go test ./..." >&2
# The service's tests (a NATS cluster, worker processes, a browser) run on
# their own, after the rest, so that their load does not skew the timed
# end-to-end tests of cmd/captioner (progress bars, signals) on a small
# machine.
go test -count=1 -timeout 30m "$@" $(go list ./... | grep -v '^captioner/server$')
go test -count=1 -timeout 30m "$@" ./server
# The converters rebuild the embedded networks from the npm packages, byte
# for byte (only these tests: NSFWJS_TGZ also turns on vision's slow probes).
echo "test: rebuilding models/default's networks from their npm packages" >&2
NSFWJS_TGZ="$npm/nsfwjs-4.3.0.tgz" HUMAN_TGZ="$npm/vladmandic-human-3.3.6.tgz" \
  go test -count=1 -run TestRebuildsDefaultBundle ./vision/cmd/...
go test -count=1 -tags matprofile -run MatProfile ./vision
