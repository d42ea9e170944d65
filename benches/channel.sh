#!/usr/bin/env bash
# Channel read benchmark (one run, not a timed test): a generated linux-64 repodata.json of
# 200,000 records over 20,000 names (~80 MB), also as .json.zst and as CEP-16 shards, in a
# SeaweedFS bucket on 127.0.0.1 (it answers 304 to conditional GETs). One query for one name,
# cold (empty cache) and warm (cache kept; the server answers 304), minis3 against py-rattler's
# Gateway (S3 middleware with an S3Config for the bucket). Each run is a new process under
# /usr/bin/time -v (wall, user+sys CPU, peak RSS); bytes from the server are counted by a small
# TCP proxy. Cells run alternating (minis3, py-rattler, minis3, ...) ROUNDS times (default 3);
# the table gives each cell's median wall and CPU time and its largest peak RSS.
#
#   bash benches/channel.sh            # needs scripts/install-servers.sh seaweedfs py-rattler
#   ROUNDS=5 GEN=/tmp/gen KINDS="zst shards" bash benches/channel.sh
#     GEN: keep (or reuse) the generated channels; KINDS: which of json, zst, shards to run
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
export AWS_EC2_METADATA_DISABLED=true
root=${MINIS3_SERVERS:-$HOME/.cache/minis3/servers}
weed=$root/venv/bin/weed
py=$root/pyvenv/bin/python
[ -x "$weed" ] && [ -x "$py" ] || { echo "run scripts/install-servers.sh seaweedfs py-rattler first" >&2; exit 1; }

cargo build --release --quiet
minis3=$repo/target/release/minis3
work=$(mktemp -d)
key=benchkey
secret=bench-secret-0123456789
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port=$(( ($(free_port) % 20000) + 20000 ))
proxy_port=$(free_port)
mkdir -p "$work/weed/data" "$work/weed/logs" "$work/home"
cat >"$work/weed/s3.json" <<JSON
{"identities":[{"name":"bench","credentials":[{"accessKey":"$key","secretKey":"$secret"}],"actions":["Admin","Read","Write","List"]}]}
JSON
TMPDIR=$work/weed "$weed" -logdir="$work/weed/logs" mini -dir="$work/weed/data" -ip=127.0.0.1 -ip.bind=127.0.0.1 \
  -s3.port=$port -master.port=$((port + 1)) -volume.port=$((port + 2)) -filer.port=$((port + 3)) \
  -admin.port=$((port + 4)) -s3.config="$work/weed/s3.json" -webdav=false -s3.port.iceberg=0 -s3.port.lance=0 \
  -master.telemetry=false -filer.localSocket="$work/weed/filer.sock" -s3.localSocket="$work/weed/s3.sock" \
  >"$work/weed.log" 2>&1 &
weed_pid=$!

# A byte-counting TCP proxy in front of the server: server-to-client bytes go to $work/bytes.
cat >"$work/proxy.py" <<'PY'
import socket, sys, threading
listen, upstream, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
total = [0]; lock = threading.Lock()
def pipe(a, b, count):
    try:
        while True:
            d = a.recv(262144)
            if not d: break
            if count:
                with lock:
                    total[0] += len(d)
                    open(out, "w").write(str(total[0]))
            b.sendall(d)
    except OSError: pass
    finally:
        for s in (a, b):
            try: s.shutdown(socket.SHUT_RDWR)
            except OSError: pass
srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", listen)); srv.listen(64)
while True:
    c, _ = srv.accept()
    u = socket.create_connection(("127.0.0.1", upstream))
    threading.Thread(target=pipe, args=(c, u, False), daemon=True).start()
    threading.Thread(target=pipe, args=(u, c, True), daemon=True).start()
PY
python3 "$work/proxy.py" "$proxy_port" "$port" "$work/bytes" &
proxy_pid=$!
cleanup() {
  kill "$proxy_pid" "$weed_pid" 2>/dev/null || true
  wait "$weed_pid" 2>/dev/null || true
  rm -rf "$work" /tmp/seaweedfs-*-grpc-$((port + 10000))*.sock 2>/dev/null || true
}
trap cleanup EXIT
endpoint="http://127.0.0.1:$port"
via="http://127.0.0.1:$proxy_port"
env_s3=(env -i PATH="$PATH" HOME="$work/home" AWS_EC2_METADATA_DISABLED=true AWS_ACCESS_KEY_ID="$key"
  AWS_SECRET_ACCESS_KEY="$secret" AWS_REGION=us-east-1)
for _ in $(seq 600); do
  "${env_s3[@]}" "$minis3" --endpoint-url "$endpoint" mb s3://ready >/dev/null 2>&1 && break
  sleep 0.1
done

gen=${GEN:-$work/gen}
rounds=${ROUNDS:-3}
kinds=${KINDS:-json zst shards}
if [ ! -s "$gen/zst/linux-64/repodata.json.zst" ] || { [[ $kinds == *shards* ]] && [ ! -s "$gen/shards/linux-64/repodata_shards.msgpack.zst" ]; }; then
echo "generating the channels (200,000 records, 20,000 names) ..." >&2
"$py" - "$gen" <<'PY'
import hashlib, io, json, os, random, sys
import msgpack, zstandard
out = sys.argv[1]
rng = random.Random(42)
names = [f"synth{i:05d}" for i in range(20000)]
# Zipf-like: a few names with many records; 200,000 records in all.
weights = [1.0 / (i + 1) ** 0.6 for i in range(len(names))]
counts = [1] * len(names)
extra = rng.choices(range(len(names)), weights=weights, k=200000 - len(names))
for i in extra: counts[i] += 1
conda, tarbz2 = {}, {}
shards = {}
for n, c in zip(names, counts):
    for j in range(c):
        ver = f"{j // 10}.{j % 10}.{rng.randint(0, 9)}"
        build = f"h{rng.getrandbits(32):08x}_{j % 3}"
        rec = {"build": build, "build_number": j % 3, "depends": [f"libc >=2.17", f"dep{rng.randint(0, 999)} >=1.{j % 7}"],
               "license": "MIT", "md5": hashlib.md5(f"{n}{j}".encode()).hexdigest(), "name": n,
               "sha256": hashlib.sha256(f"{n}{j}".encode()).hexdigest(), "size": rng.randint(10000, 9000000),
               "subdir": "linux-64", "timestamp": 1700000000000 + j, "version": ver, "arch": "x86_64", "platform": "linux"}
        fn = f"{n}-{ver}-{build}." + ("conda" if j % 2 else "tar.bz2")
        (conda if j % 2 else tarbz2)[fn] = rec
        s = shards.setdefault(n, {"packages": {}, "packages.conda": {}, "removed": []})
        b = dict(rec, md5=bytes.fromhex(rec["md5"]), sha256=bytes.fromhex(rec["sha256"]))
        (s["packages.conda"] if j % 2 else s["packages"])[fn] = b
def channel(kind):
    d = os.path.join(out, kind)
    os.makedirs(os.path.join(d, "linux-64"), exist_ok=True)
    os.makedirs(os.path.join(d, "noarch"), exist_ok=True)
    empty = {"info": {"subdir": "noarch"}, "packages": {}, "packages.conda": {}, "repodata_version": 1}
    open(os.path.join(d, "noarch", "repodata.json"), "w").write(json.dumps(empty))
    return d
doc = json.dumps({"info": {"subdir": "linux-64"}, "packages": tarbz2, "packages.conda": conda, "repodata_version": 1},
                 sort_keys=True, separators=(",", ":")).encode()
d = channel("json"); open(os.path.join(d, "linux-64", "repodata.json"), "wb").write(doc)
d = channel("zst"); open(os.path.join(d, "linux-64", "repodata.json"), "wb").write(doc)
open(os.path.join(d, "linux-64", "repodata.json.zst"), "wb").write(zstandard.ZstdCompressor(level=19, threads=-1).compress(doc))
d = channel("shards")
os.makedirs(os.path.join(d, "linux-64", "shards"), exist_ok=True)
index = {"info": {"subdir": "linux-64", "base_url": "", "shards_base_url": "./shards/"}, "shards": {}}
cz = zstandard.ZstdCompressor()
for n, s in shards.items():
    data = cz.compress(msgpack.packb(s, use_bin_type=True))
    h = hashlib.sha256(data).digest()
    index["shards"][n] = h
    open(os.path.join(d, "linux-64", "shards", h.hex() + ".msgpack.zst"), "wb").write(data)
open(os.path.join(d, "linux-64", "repodata_shards.msgpack.zst"), "wb").write(cz.compress(msgpack.packb(index, use_bin_type=True)))
for sub in ("noarch",):
    e = {"info": {"subdir": "noarch", "base_url": "", "shards_base_url": "./shards/"}, "shards": {}}
    open(os.path.join(d, sub, "repodata_shards.msgpack.zst"), "wb").write(cz.compress(msgpack.packb(e, use_bin_type=True)))
print(len(doc), file=sys.stderr)
PY
fi
ls -l "$gen/zst/linux-64/" >&2
for kind in $kinds; do
  "${env_s3[@]}" "$minis3" --endpoint-url "$endpoint" mb "s3://bench-$kind" >/dev/null
  "${env_s3[@]}" "$minis3" --endpoint-url "$endpoint" sync "$gen/$kind" "s3://bench-$kind/chan" --quiet
done

name=synth00042
cat >"$work/rattler_query.py" <<'PY'
import asyncio, os, sys, time
from rattler import Gateway, Channel
from rattler.networking import Client
from rattler.networking.middleware import S3Middleware, S3Config
bucket, endpoint, cache, name = sys.argv[1:5]
client = Client([S3Middleware({bucket: S3Config(endpoint, "us-east-1", "path")})])
gw = Gateway(cache_dir=cache, client=client)
t = time.perf_counter()
recs = asyncio.run(gw.query([Channel(f"s3://{bucket}/chan")], ["linux-64", "noarch"], [name], recursive=False))
print(f"{sum(len(r) for r in recs)} records in {time.perf_counter() - t:.3f} s", file=sys.stderr)
sys.stdout.flush(); sys.stderr.flush(); os._exit(0)
PY
measure() { # tool variant cache -- command...   (appends one line to $work/runs)
  local tool=$1 variant=$2 cache=$3; shift 4
  local before; before=$(cat "$work/bytes" 2>/dev/null || echo 0)
  /usr/bin/time -v -o "$work/time" "$@" >"$work/out" 2>"$work/err" || { cat "$work/err" >&2; }
  local wall cpu rss bytes n
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {split($2,a,":"); print a[1]*60+a[2]}' "$work/time")
  cpu=$(awk -F': ' '/User time/ {u=$2} /System time/ {s=$2} END {printf "%.2f", u+s}' "$work/time")
  rss=$(awk -F': ' '/Maximum resident/ {printf "%.1f", $2/1024}' "$work/time")
  sleep 0.3
  bytes=$(( $(cat "$work/bytes") - before ))  # the proxy's counter is cumulative
  if [ "$tool" = minis3 ]; then n=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$work/out"); else n=$(grep -o '^[0-9]*' "$work/err" | tail -1); fi
  echo "$tool $variant $cache $wall $cpu $rss $bytes $n" >>"$work/runs"
  echo "  $tool $variant $cache: ${wall} s wall, ${cpu} s CPU, ${rss} MiB, $bytes bytes, $n records" >&2
}
run_minis3() { # variant cache
  measure minis3 "$1" "$2" -- env -i PATH="$PATH" HOME="$work/home" XDG_CACHE_HOME="$work/mcache-$1" \
    AWS_EC2_METADATA_DISABLED=true AWS_ACCESS_KEY_ID="$key" AWS_SECRET_ACCESS_KEY="$secret" AWS_REGION=us-east-1 \
    "$minis3" --endpoint-url "$via" --force-path-style search -c "s3://bench-$1/chan" \
    -p linux-64 -p noarch --json "$name"
}
run_rattler() { # variant cache
  measure rattler "$1" "$2" -- env -i PATH="$PATH" HOME="$work/home" AWS_EC2_METADATA_DISABLED=true \
    AWS_ACCESS_KEY_ID="$key" AWS_SECRET_ACCESS_KEY="$secret" AWS_REGION=us-east-1 \
    "$py" "$work/rattler_query.py" "bench-$1" "$via" "$work/rcache-$1" "$name"
}
: >"$work/runs"
for round in $(seq "$rounds"); do
  echo "round $round of $rounds" >&2
  for kind in $kinds; do
    rm -rf "$work/mcache-$kind" "$work/rcache-$kind"
    run_minis3 "$kind" cold
    run_rattler "$kind" cold
    run_minis3 "$kind" warm
    run_rattler "$kind" warm
  done
done
uptime >&2
python3 - "$work/runs" "$rounds" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
print(f"{'tool':<8} {'variant':<8} {'cache':<5} {'wall_s':>7} {'cpu_s':>6} {'peak_MiB':>8} {'bytes':>10} {'records':>7}   (medians of {sys.argv[2]}; peak: largest)")
seen = []
for r in rows:
    if tuple(r[:3]) not in seen: seen.append(tuple(r[:3]))
for cell in seen:
    rs = [r for r in rows if tuple(r[:3]) == cell]
    med = lambda i: statistics.median(float(r[i]) for r in rs)
    print(f"{cell[0]:<8} {cell[1]:<8} {cell[2]:<5} {med(3):>7.3f} {med(4):>6.2f} {max(float(r[5]) for r in rs):>8.1f} {int(med(6)):>10} {rs[0][7]:>7}")
PY
