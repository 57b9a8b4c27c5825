#!/usr/bin/env bash
# Installs the Debian packages listed in the given file (one a line, # comments) that are missing.
# A line "package:command" installs the package only when the command is not already on PATH
# (kubernetes-client:kubectl: any kubectl will do, and Debian's conflicts with other kubectl packages).
# Needs root and apt-get; elsewhere it says what is missing and leaves it to you.
set -euo pipefail
list=${1:?usage: $0 PACKAGE-LIST}
mapfile -t wanted < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' "$list" | grep -v '^$' || true)
[ ${#wanted[@]} -eq 0 ] && exit 0
missing=()
for entry in "${wanted[@]}"; do
  p=${entry%%:*}
  cmd=${entry#*:}
  if [ "$cmd" != "$entry" ] && command -v "$cmd" >/dev/null 2>&1; then continue; fi
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
  echo "missing Debian packages for the integration tests: ${missing[*]} (install them as root)" >&2
  exit 0
fi
echo "installing ${missing[*]}"
apt-get -o DPkg::Lock::Timeout=600 update -qq
DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
