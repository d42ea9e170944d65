#!/usr/bin/env bash
# The main job, end to end on a fresh machine: build minis3, install and start a real S3 server
# (s3s-fs, which verifies every signature and payload hash) on 127.0.0.1, and drive minis3 through
# the whole flow that exists so far: buckets and objects with AWS-style configuration, then the
# pixi way (`auth login` + `s3-options` in a pixi.toml), then a conda channel: packages uploaded
# and indexed (`upload s3 --index`), searched with constraints, downloaded and verified; then the
# same channel copied down (`sync`) and served as a public http:// channel by a plain static file
# server, searched and downloaded from with no credentials anywhere.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
export AWS_EC2_METADATA_DISABLED=true

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

step "build minis3 (release)"
cargo build --release --quiet
minis3="$repo/target/release/minis3"
root=$(bash scripts/install-servers.sh s3s-fs | tail -1)

work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
endpoint="http://127.0.0.1:$port"
key=demoaccesskey
secret=demo-secret-key-0123456789
mkdir -p "$work/data" "$work/home"
"$root/bin/s3s-fs" --host 127.0.0.1 --port "$port" --access-key "$key" --secret-key "$secret" "$work/data" \
  >"$work/server.log" 2>&1 &
server=$!
httpd=
cleanup() {
  kill "$server" $httpd 2>/dev/null || true
  wait "$server" $httpd 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
for _ in $(seq 100); do
  curl -s -o /dev/null "$endpoint" && break
  sleep 0.05
done
step "s3s-fs listening on $endpoint (data in $work/data)"

# A clean, explicit environment: nothing from this machine's ~/.aws or AWS_* variables.
clean_env=(env -i PATH="$PATH" HOME="$work/home" AWS_EC2_METADATA_DISABLED=true)
aws_env=("${clean_env[@]}" AWS_ACCESS_KEY_ID="$key" AWS_SECRET_ACCESS_KEY="$secret" AWS_REGION=us-east-1
  AWS_ENDPOINT_URL="$endpoint")
m() { printf '$ minis3 %s\n' "$*"; "${aws_env[@]}" "$minis3" "$@"; }

step "objects, configured the AWS way (AWS_ACCESS_KEY_ID, AWS_ENDPOINT_URL, ...)"
m mb s3://demo
head -c 3000000 /dev/urandom >"$work/blob.bin"
printf 'hello from minis3\n' >"$work/hello.txt"
m cp "$work/hello.txt" "s3://demo/docs/hello world+1.txt"
m cp "$work/blob.bin" s3://demo/data/blob.bin
m ls s3://demo --recursive
m head s3://demo/data/blob.bin --json
m cp s3://demo/data/blob.bin "$work/blob.copy"
cmp "$work/blob.bin" "$work/blob.copy" && echo "downloaded bytes match"
m cp "s3://demo/docs/hello world+1.txt" -
url=$("${aws_env[@]}" "$minis3" presign "s3://demo/docs/hello world+1.txt" --expires-in 300)
echo "presigned: ${url%%\?*}?..."
printf '$ curl -sS "<presigned url>"\n'
curl -sS "$url"

step "sync a directory up, change it, sync again with --delete"
mkdir -p "$work/site/sub"
for i in 1 2 3; do echo "page $i" >"$work/site/page$i.html"; done
echo "nested" >"$work/site/sub/nested.txt"
m sync "$work/site" s3://demo/site
echo "page 2, edited" >"$work/site/page2.html"
rm "$work/site/page3.html"
m sync "$work/site" s3://demo/site --delete
m ls s3://demo/site --recursive
m sync s3://demo/site "$work/site-copy"
diff -r "$work/site" "$work/site-copy" && echo "synced tree matches"

step "the pixi way: auth login + s3-options in pixi.toml (no AWS variables at all)"
proj="$work/project"
mkdir -p "$proj"
cat >"$proj/pixi.toml" <<TOML
[workspace]
name = "demo"
channels = ["s3://demo/channel"]
platforms = ["linux-64"]

[workspace.s3-options.demo]
endpoint-url = "$endpoint"
region = "us-east-1"
force-path-style = true
TOML
pixi_env=("${clean_env[@]}" RATTLER_AUTH_FILE="$work/credentials.json")
p() { printf '$ minis3 %s\n' "$*"; (cd "$proj" && "${pixi_env[@]}" "$minis3" "$@"); }
p auth login s3://demo --s3-access-key-id "$key" --s3-secret-access-key "$secret"
echo "auth file ($(stat -c %a "$work/credentials.json")): $(sed "s/$secret/<secret>/" "$work/credentials.json")"
p config show s3://demo
p ls s3://demo/docs/

step "a conda channel: real packages uploaded and indexed by minis3, searched and downloaded"
pybin="$root/pyvenv/bin/python"
[ -x "$pybin" ] || bash scripts/install-servers.sh py-rattler >/dev/null
# Real .conda and .tar.bz2 packages (py-rattler also indexes the local copy; only the package
# files are uploaded: minis3 writes the channel's repodata, .zst and CEP-16 shards itself).
"$pybin" tests/support/conda_channel.py "$work/channel" --zst --shards >/dev/null
p upload s3 -c s3://demo/channel --index "$work"/channel/*/*.conda "$work"/channel/*/*.tar.bz2
p upload s3 -c s3://demo/channel "$work"/channel/noarch/six-1.16.0-pyh0_0.tar.bz2 \
  || echo "(refused, as it should be: the package exists and --force was not given)"
m ls s3://demo/channel/linux-64/
# The channel comes from pixi.toml (channels = ["s3://demo/channel"]), with its s3-options and the
# keys stored by `auth login`.
p search "numpy >=1.26,<2" --platform linux-64 --platform noarch
p search "python 3.12.*" --platform linux-64 --platform noarch --json
p download numpy "six" python-3.11.9-h0_0.conda --platform linux-64 --platform noarch -o "$work/pkgs"
ls -l "$work/pkgs"
cmp "$work/pkgs/numpy-2.0.0-py312_0.conda" "$work/channel/linux-64/numpy-2.0.0-py312_0.conda" && echo "package bytes match"
p repodata -c s3://demo/channel --platform linux-64 -o "$work/linux-64.json"
echo "repodata assembled from shards: $(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(len(d["packages"]) + len(d["packages.conda"]), "records")' "$work/linux-64.json")"
p auth logout s3://demo

step "the same channel as a public http:// channel: any static file server, no credentials anywhere"
m sync s3://demo/channel "$work/public/channel"
hport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
python3 -m http.server --bind 127.0.0.1 "$hport" --directory "$work/public" >"$work/http.log" 2>&1 &
httpd=$!
for _ in $(seq 100); do
  curl -s -o /dev/null "http://127.0.0.1:$hport/" && break
  sleep 0.05
done
public="http://127.0.0.1:$hport/channel"
echo "python3 -m http.server serving $work/public at http://127.0.0.1:$hport"
# No AWS_* variables, AWS config and credentials files that do not exist, no rattler auth file,
# no pixi configuration, an empty HOME: nothing could sign a request.
mkdir -p "$work/nobody"
public_env=(env -i PATH="$PATH" HOME="$work/nobody" AWS_EC2_METADATA_DISABLED=true
  AWS_CONFIG_FILE="$work/nobody/no-such-config" AWS_SHARED_CREDENTIALS_FILE="$work/nobody/no-such-credentials"
  RATTLER_AUTH_FILE="$work/nobody/no-such-auth.json" PIXI_NO_CONFIG=1)
o() { printf '$ minis3 %s\n' "$*"; (cd "$work/nobody" && "${public_env[@]}" "$minis3" "$@"); }
o search -c "$public" "numpy >=1.26,<2" --platform linux-64 --platform noarch
o download -c "$public" numpy six --platform linux-64 --platform noarch -o "$work/public-pkgs"
cmp "$work/public-pkgs/numpy-2.0.0-py312_0.conda" "$work/channel/linux-64/numpy-2.0.0-py312_0.conda" \
  && echo "package bytes match"
o head "$public/noarch/repodata.json"
o cp "$public/linux-64/repodata.json" "$work/public-linux-64.json"

step "clean up"
m rm s3://demo --recursive --quiet
m rb s3://demo
echo
echo "demo finished: every s3:// request above was signed by minis3 and verified by s3s-fs; the http:// channel needed none"
