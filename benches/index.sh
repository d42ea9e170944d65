#!/usr/bin/env bash
# One run, side by side on one local s3s-fs: `minis3 index s3` against py-rattler's
# `rattler.index.index_s3` (addressing_style="path"), a full index and an incremental one after
# adding one package, on the same generated channel (real packages, info/ first in .tar.bz2,
# incompressible payload, half .conda). Packages are uploaded with `minis3 upload s3`, so they
# carry x-amz-meta-package-sha256/-md5 (rattler does not read them; minis3 does).
#
#   benches/index.sh [COUNT] [MIN_BYTES] [MAX_BYTES]     (default 200 100000 2000000)
#
# Prints wall times; minis3's summary line gives its requests and bytes.
set -euo pipefail
COUNT=${1:-200}; MIN=${2:-100000}; MAX=${3:-2000000}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SERVERS=${MINIS3_SERVERS:-$HOME/.cache/minis3/servers}
PY=$SERVERS/pyvenv/bin/python
BIN=${MINIS3_BIN:-$ROOT/target/release/minis3}
[ -x "$BIN" ] || (cd "$ROOT" && cargo build --release --all-features)
WORK=$(mktemp -d); trap 'kill $SPID 2>/dev/null || true; rm -rf "$WORK"' EXIT
PORT=$(( 20000 + RANDOM % 20000 ))
mkdir -p "$WORK/data/mini" "$WORK/data/ratt"
"$SERVERS/bin/s3s-fs" --host 127.0.0.1 --port $PORT --access-key bench --secret-key benchsecret0123456789 "$WORK/data" >"$WORK/s3s.log" 2>&1 &
SPID=$!
sleep 0.5
export HOME=$WORK AWS_EC2_METADATA_DISABLED=true PIXI_NO_CONFIG=true
S3="--endpoint-url http://127.0.0.1:$PORT --region us-east-1 --access-key-id bench --secret-access-key benchsecret0123456789 --addressing-style path"
echo "generating $COUNT packages of $MIN..$MAX bytes"
"$PY" "$ROOT/tests/support/conda_packages.py" make "$WORK/pkgs" --count "$COUNT" --min-size "$MIN" --max-size "$MAX" --layout mixed >/dev/null
"$PY" "$ROOT/tests/support/conda_packages.py" make "$WORK/extra" --count 1 --min-size "$MAX" --max-size "$MAX" --seed 4242 --formats conda >/dev/null
EXTRA=$(find "$WORK/extra" -type f | head -1); mv "$EXTRA" "$(dirname "$EXTRA")/zzextra-1.0-h0_0.conda"; EXTRA=$(find "$WORK/extra" -type f | head -1)
echo "channel: $(du -sb "$WORK/pkgs" | cut -f1) bytes"
for b in mini ratt; do "$BIN" upload s3 -c s3://$b/chan $S3 --max-parallel 4 $(find "$WORK/pkgs" -type f) >/dev/null; done
t() { local s e; s=$(date +%s.%N); "$@"; e=$(date +%s.%N); echo "  wall $(echo "$e - $s" | bc) s"; }
RIDX="import asyncio,sys,os
from rattler.index import index_s3, S3Credentials
asyncio.run(index_s3(sys.argv[1], credentials=S3Credentials('http://127.0.0.1:$PORT','us-east-1','bench','benchsecret0123456789',addressing_style='path')))
os._exit(0)"
echo "minis3 full:";        t "$BIN" index s3 s3://mini/chan $S3
echo "py-rattler full:";    t "$PY" -c "$RIDX" s3://ratt/chan
for b in mini ratt; do "$BIN" upload s3 -c s3://$b/chan $S3 "$EXTRA" >/dev/null; done
echo "minis3 incremental:";     t "$BIN" index s3 s3://mini/chan $S3
echo "py-rattler incremental:"; t "$PY" -c "$RIDX" s3://ratt/chan
