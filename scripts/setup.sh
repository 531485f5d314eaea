#!/usr/bin/env bash
# Installs the system packages captioner builds and runs with, if they are missing
# (chromium: the headless browser the web page's test drives).
# Idempotent: a machine that already has them is left alone. Needs root (or sudo)
# for apt-get; without it, prints what to install and exits 1.
set -euo pipefail

need=()
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
for p in ffmpeg libopencv-dev pkg-config gcc libopenblas-dev chromium; do
  have_pkg "$p" || need+=("$p")
done

if ! command -v go >/dev/null 2>&1; then
  echo "setup: Go is not on PATH; install Go 1.26 (https://go.dev/doc/install) and rerun" >&2
  exit 1
fi

if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
  apt=(apt-get)
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  apt=(sudo apt-get)
else
  echo "setup: missing Debian packages: ${need[*]}" >&2
  echo "setup: run as root: apt-get update && apt-get install -y --no-install-recommends ${need[*]}" >&2
  exit 1
fi

echo "setup: installing ${need[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${apt[@]}" update -qq
"${apt[@]}" install -y -qq --no-install-recommends "${need[@]}" >/dev/null
