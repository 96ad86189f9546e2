#!/usr/bin/env bash
# Files and speech figures of issue 8, in one run on loopback:
#   - upload of a 1 GiB file with curl to POST /api/v1/media/upload, against curl PUTting the same file to a
#     minimal Kestrel endpoint that streams the body to disk, and against curl copying it file-to-file; the
#     download of the stored file against a minimal Kestrel endpoint streaming it from disk;
#     the server's resident memory is sampled during each transfer;
#   - the real-time factor (audio seconds per CPU second) of the embedded pocketsphinx engine.
# `run.sh postgres`: a throw-away PostgreSQL (bench/lib/postgres.sh) and a second server whose files live in it
# (Files:Storage=postgres); both stores against the baselines in the same run, 256 MiB by default, no speech.
# Needs curl, pocketsphinx-en-us, pocketsphinx-testdata, espeak-ng and sox. SIZE_MIB changes the file size.
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v curl >/dev/null || { echo "curl is missing" >&2; exit 1; }
dotnet build bench/WeCompany.Bench.Files/WeCompany.Bench.Files.csproj -c Release -nologo -v quiet >/dev/null
if [ "${1:-}" = postgres ]; then
  shift
  . bench/lib/postgres.sh
  pg_start
  trap pg_stop EXIT
  export PG_URL SIZE_MIB="${SIZE_MIB:-256}"
  echo "PostgreSQL on port $PG_PORT; load average: $(cut -d' ' -f1-3 /proc/loadavg)"
  dotnet bench/WeCompany.Bench.Files/bin/Release/net10.0/WeCompany.Bench.Files.dll "$@"
  echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
else
  exec dotnet bench/WeCompany.Bench.Files/bin/Release/net10.0/WeCompany.Bench.Files.dll "$@"
fi
