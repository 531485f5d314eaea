#!/usr/bin/env bash
# Fetches the npm packages the default bundle's networks are converted from
# (nsfwjs 4.3.0: the CNN; @vladmandic/human 3.3.6: the detector), with
# `npm pack`, into ${CAPTIONER_NPM_CACHE:-$HOME/.cache/captioner/npm}, so
# that the converters' tests can rebuild models/default and compare it byte
# for byte. Idempotent: a tarball already there is kept. Prints the folder.
set -euo pipefail

dir=${CAPTIONER_NPM_CACHE:-$HOME/.cache/captioner/npm}
mkdir -p "$dir"
for spec in nsfwjs@4.3.0 @vladmandic/human@3.3.6; do
  name=${spec#@}; name=${name//\//-}; name=${name/@/-}.tgz
  if [ ! -s "$dir/$name" ]; then
    if ! command -v npm >/dev/null 2>&1; then
      echo "npm-packages: npm is not installed (apt-get install npm, or Node.js from nodejs.org)" >&2
      exit 1
    fi
    (cd "$dir" && npm pack --silent "$spec" >/dev/null)
    [ -s "$dir/$name" ] || { echo "npm-packages: npm pack $spec did not write $dir/$name" >&2; exit 1; }
  fi
done
echo "$dir"
