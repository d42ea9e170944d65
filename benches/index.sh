#!/usr/bin/env bash
# The index benchmark of issue 15, side by side on one local s3s-fs behind a counting TCP proxy
# (benches/index_bench.py): `minis3 index s3` against py-rattler's `rattler.index.index_s3`
# (addressing_style="path"), a full index and an incremental index after adding one package,
# with and without stored checksums (x-amz-meta-package-sha256/-md5), reporting wall and CPU
# time, requests, bytes each way and the bytes spent on .conda and .tar.bz2 objects.
#
#   benches/index.sh [SET...]        SET: a (2,000 packages of 0.1-2 MiB), b (200 of 1-50 MiB),
#                                    or NAME:COUNT:MIN:MAX; default: a b
#   env: WORK (default /work/bench-publish: about 1.2 GB for a, 5.3 GB for b, kept for reruns;
#        delete it afterwards), RUNS (3), RATTLER_RUNS (1: rattler's full index takes minutes),
#        FULL_RUNS (RUNS), NOSUM_RUNS (1: the full index without stored checksums reads every byte),
#        MINIS3_BIN (default target/release/minis3), MINIS3_SERVERS.
#
# The channels are real packages (benches/index_gen.py: info/ first in .tar.bz2, incompressible
# payload, half .conda in four zip layouts), uploaded once with `minis3 upload s3`.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SERVERS=${MINIS3_SERVERS:-$HOME/.cache/minis3/servers}
PY=$SERVERS/pyvenv/bin/python
BIN=${MINIS3_BIN:-$ROOT/target/release/minis3}
WORK=${WORK:-/work/bench-publish}
[ -x "$BIN" ] || (cd "$ROOT" && cargo build --release --all-features)
[ $# -gt 0 ] || set -- a b
for spec in "$@"; do
  case $spec in
    a) name=a count=2000 min=104858 max=2097152 ;;
    b) name=b count=200 min=1048576 max=52428800 ;;
    *) IFS=: read -r name count min max <<<"$spec" ;;
  esac
  if [ ! -f "$WORK/$name/generated" ]; then
    echo "generating set $name: $count packages of $min..$max bytes" >&2
    rm -rf "$WORK/$name" && mkdir -p "$WORK/$name"
    "$PY" "$ROOT/benches/index_gen.py" "$WORK/$name/pkgs" --count "$count" --min-size "$min" --max-size "$max"
    touch "$WORK/$name/generated"
  fi
  "$PY" "$ROOT/benches/index_bench.py" --bin "$BIN" --servers "$SERVERS" --work "$WORK" --set "$name" \
    --runs "${RUNS:-3}" --rattler-runs "${RATTLER_RUNS:-1}" --nosum-runs "${NOSUM_RUNS:-1}" \
    --full-runs "${FULL_RUNS:-${RUNS:-3}}"
done
