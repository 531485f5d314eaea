#!/usr/bin/env bash
# Prints the Debian packages that own the shared libraries BINARY links to
# directly (its DT_NEEDED entries), one a line; their own dependencies come
# with them through apt. Used by the Dockerfile to keep the runtime image to
# what the binary needs.
set -euo pipefail
bin=${1:?usage: runtime-packages.sh BINARY}
needed=$(objdump -p "$bin" | awk '$1 == "NEEDED" {print $2}')
ldd "$bin" | awk '$2 == "=>" && $3 ~ /^\// {print $1, $3}' | while read -r name path; do
  grep -qxF "$name" <<<"$needed" || continue
  real=$(readlink -f "$path")
  for candidate in "$path" "$real" "/usr$path" "/usr$real" "${path#/usr}" "${real#/usr}"; do
    if owner=$(dpkg -S "$candidate" 2>/dev/null); then
      echo "${owner%%:*}"
      continue 2
    fi
  done
  echo "runtime-packages: no package owns $path" >&2
  exit 1
done | sort -u
