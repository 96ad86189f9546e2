#!/usr/bin/env bash
# Installs what the test tiers need when it is missing: Debian packages (first apt-get update),
# then NuGet restore. Safe to run again: it installs only what is absent.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the tiers start or drive: PostgreSQL (store tests), wrk (benchmarks), Chromium and
# aioice/aiortc (independent WebRTC peers), coturn (TURN credential tests), pocketsphinx with its English model
# and test recordings, espeak-ng and sox (speech tests), iproute2/util-linux (loopback-only namespaces),
# nginx, openssl and curl (the cluster tier's gateway, its self-signed certificate, and scripts/cluster-local.sh
# which the browser tests also run). On a machine with systemd,
# installing nginx also enables Debian's own nginx service on port 80; the tests start their own on free ports.
packages=(iproute2 util-linux postgresql wrk chromium python3-aioice python3-aiortc coturn
          pocketsphinx pocketsphinx-en-us libpocketsphinx3 pocketsphinx-testdata espeak-ng sox nginx openssl curl)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "test-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

dotnet restore WeCompany.slnx --nologo -v quiet
