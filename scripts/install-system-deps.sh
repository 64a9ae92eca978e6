#!/usr/bin/env bash
# Installs the Debian packages the tests use as independent references (only what is missing); `make test`
# and .ci/run call it. Not root and something missing: one line naming the apt-get command, exit 1.
# The list is also in README.md under the test command (test/package/system-deps.test.ts keeps them equal).
set -euo pipefail
packages=(iptables iproute2 tor i2pd python3-bitcoinlib mmdb-bin gdal-bin python3-networkx python3-maxminddb python3-numpy python3-scipy sqlite3 chromium jupyter-nbconvert python3-nbclient python3-ipykernel python3-matplotlib python3-pandas)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -eq 0 ]; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then
  echo "fluxture: the tests need Debian packages that are missing; install them with: sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
  exit 1
fi
echo "install-system-deps: installing ${missing[*]}" >&2
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
