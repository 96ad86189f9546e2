#!/usr/bin/env bash
# Files and speech figures of issue 8, in one run on loopback:
#   - upload of a 1 GiB file with curl to POST /api/v1/media/upload, against curl PUTting the same file to a
#     minimal Kestrel endpoint that streams the body to disk, and against curl copying it file-to-file;
#     the server's resident memory is sampled during each transfer;
#   - the real-time factor (audio seconds per CPU second) of the embedded pocketsphinx engine.
# Needs curl, pocketsphinx-en-us, pocketsphinx-testdata, espeak-ng and sox. SIZE_MIB changes the file size.
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v curl >/dev/null || { echo "curl is missing" >&2; exit 1; }
dotnet build bench/WeCompany.Bench.Files/WeCompany.Bench.Files.csproj -c Release -nologo -v quiet >/dev/null
exec dotnet bench/WeCompany.Bench.Files/bin/Release/net10.0/WeCompany.Bench.Files.dll "$@"
