#!/usr/bin/env bash
# Fetches the real photos and videos that the detector tests look at, from the
# Debian 12 packages that ship them, into one flat folder:
#
#   ${CAPTIONER_REALMEDIA:-$HOME/.cache/captioner/realmedia}
#
# Packages are fetched with `apt-get download` (nothing is installed; `apt-get
# update` is run only if a download fails) and unpacked with `dpkg-deb -x` in
# a temporary folder; only the files listed below are kept, under their own
# names (a name two packages share gets its package's name as a prefix). The
# folder also gets SOURCES.txt (file, package, version, path in the package,
# licence file) and each package's /usr/share/doc/<pkg>/copyright as
# <pkg>.copyright. Idempotent and quick: when every file is there, nothing is
# fetched. Prints the folder on stdout.
set -euo pipefail

dir=${CAPTIONER_REALMEDIA:-$HOME/.cache/captioner/realmedia}

# package|folder inside the package|files
media=(
  "darknet|usr/share/darknet/data|dog.jpg eagle.jpg giraffe.jpg horses.jpg kite.jpg person.jpg scream.jpg"
  "opencv-doc|usr/share/doc/opencv-doc/examples/data|vtest.avi fruits.jpg baboon.jpg messi5.jpg apple.jpg orange.jpg butterfly.jpg squirrel_cls.jpg home.jpg building.jpg starry_night.jpg basketball1.png leuvenA.jpg licenseplate_motion.jpg"
  "python3-skimage|usr/lib/python3/dist-packages/skimage/data|astronaut.png chelsea.png coffee.png motorcycle_left.png rocket.jpg camera.png hubble_deep_field.jpg"
  "python3-imageio|usr/lib/python3/dist-packages/imageio/resources/images|cockatoo.mp4"
)

# Names in the cache folder: a file's own name, or <pkg>_<name> when another
# package in the list has a file of the same name.
declare -A owner=() clash=()
for entry in "${media[@]}"; do
  IFS='|' read -r pkg _ files <<<"$entry"
  for f in $files; do
    if [ -n "${owner[$f]:-}" ] && [ "${owner[$f]}" != "$pkg" ]; then clash[$f]=1; fi
    owner[$f]=$pkg
  done
done
dest_name() { if [ -n "${clash[$2]:-}" ]; then echo "$1_$2"; else echo "$2"; fi; }

complete() {
  [ -s "$dir/SOURCES.txt" ] || return 1
  local entry pkg files f
  for entry in "${media[@]}"; do
    IFS='|' read -r pkg _ files <<<"$entry"
    [ -s "$dir/$pkg.copyright" ] || return 1
    for f in $files; do [ -s "$dir/$(dest_name "$pkg" "$f")" ] || return 1; done
  done
}

if complete; then
  echo "$dir"
  exit 0
fi

for tool in apt-get dpkg-deb; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "realmedia: $tool not found: this script needs Debian's apt-get and dpkg-deb" >&2
    exit 1
  fi
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp" # apt-get download as root hands the download to user _apt

pkgs=()
for entry in "${media[@]}"; do pkgs+=("${entry%%|*}"); done

echo "realmedia: downloading ${pkgs[*]} (about 120 MB) into $tmp" >&2
if ! (cd "$tmp" && apt-get download -q "${pkgs[@]}" >/dev/null 2>"$tmp/download.log"); then
  echo "realmedia: apt-get download failed; running apt-get update and retrying" >&2
  if [ "$(id -u)" -eq 0 ]; then
    apt-get update -qq >&2
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo apt-get update -qq >&2
  fi
  if ! (cd "$tmp" && apt-get download -q "${pkgs[@]}" >/dev/null 2>"$tmp/download.log"); then
    cat "$tmp/download.log" >&2
    echo "realmedia: could not download ${pkgs[*]} with apt-get download (needs Debian 12's main archive in the apt sources)" >&2
    exit 1
  fi
fi

mkdir -p "$dir"
sources="$tmp/SOURCES.txt"
{
  echo "# Real photos and videos for captioner's tests, written by scripts/realmedia.sh."
  echo "# file <TAB> package <TAB> version <TAB> path in the package <TAB> licence file"
} >"$sources"
for entry in "${media[@]}"; do
  IFS='|' read -r pkg sub files <<<"$entry"
  deb=$(ls "$tmp/${pkg}"_*.deb)
  version=$(dpkg-deb -f "$deb" Version)
  x="$tmp/x-$pkg"
  mkdir -p "$x"
  dpkg-deb -x "$deb" "$x"
  if [ ! -s "$x/usr/share/doc/$pkg/copyright" ]; then
    echo "realmedia: $pkg $version has no /usr/share/doc/$pkg/copyright" >&2
    exit 1
  fi
  cp "$x/usr/share/doc/$pkg/copyright" "$dir/$pkg.copyright.tmp"
  mv "$dir/$pkg.copyright.tmp" "$dir/$pkg.copyright"
  for f in $files; do
    if [ ! -s "$x/$sub/$f" ]; then
      echo "realmedia: $pkg $version lacks /$sub/$f" >&2
      exit 1
    fi
    name=$(dest_name "$pkg" "$f")
    cp "$x/$sub/$f" "$dir/$name.tmp"
    mv "$dir/$name.tmp" "$dir/$name"
    printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$pkg" "$version" "/$sub/$f" "$pkg.copyright" >>"$sources"
  done
  rm -rf "$x"
done
mv "$sources" "$dir/SOURCES.txt"

if ! complete; then
  echo "realmedia: $dir is still incomplete after fetching" >&2
  exit 1
fi
echo "$dir"
