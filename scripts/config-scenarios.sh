#!/usr/bin/env bash
# Prints `minis3 config show` (text and --json), `--debug` lines, presigned URLs (date and
# signature masked) and the CLI's configuration and credential errors for a set of scenarios,
# each in a fresh temporary HOME, with the temporary directory written as $T. Run it with two
# binaries and diff the outputs to see that a refactoring left what users see unchanged:
#
#     bash scripts/config-scenarios.sh OLD/minis3 > old.txt
#     bash scripts/config-scenarios.sh target/debug/minis3 > new.txt
#     diff old.txt new.txt
set -uo pipefail
BIN=$(realpath "$1")
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

n=0
# run NAME [VAR=VALUE ...] -- ARGS...: one scenario in a clean environment.
run() {
  local name=$1; shift
  local vars=()
  while [ "$1" != "--" ]; do vars+=("$1"); shift; done
  shift
  n=$((n + 1))
  (echo "=== $n $name: minis3 $*"; cd "$T/work" && env -i PATH=/usr/bin:/bin HOME="$T/home" AWS_CONFIG_FILE="$T/aws-config" \
    AWS_SHARED_CREDENTIALS_FILE="$T/aws-creds" AWS_EC2_METADATA_DISABLED=true PIXI_NO_CONFIG=true \
    "${vars[@]}" "$BIN" "$@" 2>&1; echo "[exit $?]") \
    | sed -e "s#$T#\$T#g" -e 's/X-Amz-Date=[0-9TZ]*/X-Amz-Date=DATE/' -e 's/X-Amz-Credential=\([^%]*\)%2F[0-9]*%2F/X-Amz-Credential=\1%2FDAY%2F/' \
      -e 's/X-Amz-Signature=[0-9a-f]*/X-Amz-Signature=SIG/'
}

reset() {
  rm -rf "$T/home" "$T/work" "$T/aws-config" "$T/aws-creds" "$T/auth.json" "$T/ca.pem"
  mkdir -p "$T/home" "$T/work"
}

KEYS=(AWS_ACCESS_KEY_ID=AKIAENV00001 AWS_SECRET_ACCESS_KEY=envsecret)
show() { # show NAME [VAR=VALUE ...] -- [ARGS]: text, json and a bucket's text.
  local name=$1; shift
  local vars=()
  while [ "$1" != "--" ]; do vars+=("$1"); shift; done
  shift
  run "$name" "${vars[@]}" -- config show "$@"
  run "$name" "${vars[@]}" -- config show --json "$@"
  run "$name" "${vars[@]}" -- config show s3://my-bucket/some/key "$@"
  run "$name" "${vars[@]}" -- config show --json s3://my.dotted.bucket/k "$@"
}
presign() { # presign NAME [VAR=VALUE ...] -- [ARGS]
  local name=$1; shift
  local vars=()
  while [ "$1" != "--" ]; do vars+=("$1"); shift; done
  shift
  run "$name" "${vars[@]}" -- presign s3://my-bucket/some/key "$@"
  run "$name" "${vars[@]}" -- presign s3://my.dotted.bucket/k "$@"
}

reset
show "nothing configured" --
run "nothing configured" -- ls s3://my-bucket
run "nothing configured" -- ls
run "nothing configured, debug" -- --debug ls s3://my-bucket
show "environment keys" "${KEYS[@]}" --
show "environment keys and session token" "${KEYS[@]}" AWS_SESSION_TOKEN=tok --
show "region from AWS_REGION" "${KEYS[@]}" AWS_REGION=eu-west-1 --
show "region from AWS_DEFAULT_REGION" "${KEYS[@]}" AWS_DEFAULT_REGION=ap-south-1 --
show "region flag" "${KEYS[@]}" AWS_REGION=eu-west-1 -- --region us-west-2
show "blank region flag" "${KEYS[@]}" AWS_REGION=eu-west-1 -- --region " "
show "endpoint flag, custom host" "${KEYS[@]}" -- --endpoint-url https://minio.example.com:9000
show "endpoint flag, loopback" "${KEYS[@]}" -- --endpoint-url http://127.0.0.1:9000
show "endpoint flag and path style" "${KEYS[@]}" -- --endpoint-url https://minio.example.com --force-path-style
show "endpoint variable" "${KEYS[@]}" AWS_ENDPOINT_URL=https://s3.example.org --
show "endpoint variable for s3" "${KEYS[@]}" AWS_ENDPOINT_URL_S3=https://s3.example.net --
show "CA bundle variable" "${KEYS[@]}" AWS_CA_BUNDLE=/etc/ca.pem --
show "no-sign-request" -- --no-sign-request
show "no-sign-request with keys" "${KEYS[@]}" -- --no-sign-request
presign "presign, AWS endpoint" "${KEYS[@]}" --
presign "presign, AWS endpoint, region" "${KEYS[@]}" -- --region eu-west-1
presign "presign, custom endpoint" "${KEYS[@]}" -- --endpoint-url https://minio.example.com:9000
presign "presign, custom endpoint, path" "${KEYS[@]}" -- --endpoint-url https://minio.example.com:9000 --force-path-style
presign "presign, loopback endpoint" "${KEYS[@]}" -- --endpoint-url http://127.0.0.1:9000
run "debug, unsigned, refused connection" AWS_MAX_ATTEMPTS=1 -- --debug --no-sign-request --endpoint-url http://127.0.0.1:1 ls s3://my-bucket
run "bad region flag" "${KEYS[@]}" -- --region 'bad region!' ls s3://my-bucket
run "bad region flag, presign" "${KEYS[@]}" -- --region 'bad region!' presign s3://my-bucket/k
run "bad endpoint flag" "${KEYS[@]}" -- --endpoint-url 'not a url' ls s3://my-bucket
run "bad AWS_MAX_ATTEMPTS" "${KEYS[@]}" AWS_MAX_ATTEMPTS=zero -- config show
run "bad AWS_RETRY_MODE" "${KEYS[@]}" AWS_RETRY_MODE=fast -- config show

reset
cat > "$T/aws-config" <<'EOF'
[default]
region = eu-central-1
max_attempts = 4
ca_bundle = /opt/ca.pem
s3 =
  addressing_style = path
  multipart_threshold = 16MB
  multipart_chunksize = 8MiB
  max_concurrent_requests = 4
  target_bandwidth = 100MB/s

[profile dev]
region = us-west-1
endpoint_url = https://dev.example.com
aws_access_key_id = AKIADEV00002
aws_secret_access_key = devsecret

[profile virt]
region = us-east-2
endpoint_url = https://virt.example.com
s3 =
  addressing_style = virtual

[profile autostyle]
endpoint_url = https://auto.example.com
s3 =
  addressing_style = auto

[profile svc]
services = my-services

[services my-services]
s3 =
  endpoint_url = https://services.example.com

[profile badsvc]
services = nowhere

[profile badstyle]
s3 =
  addressing_style = sideways

[profile badsize]
s3 =
  multipart_chunksize = 1MB

[profile role]
role_arn = arn:aws:iam::123456789012:role/r
source_profile = nosuch

[profile proc]
credential_process = /bin/false

[profile sso]
sso_session = missing
sso_account_id = 1
sso_role_name = r
EOF
cat > "$T/aws-creds" <<'EOF'
[default]
aws_access_key_id = AKIAFILE0003
aws_secret_access_key = filesecret
EOF
show "default profile from files" --
show "profile dev by flag" -- --profile dev
show "profile dev by AWS_PROFILE" AWS_PROFILE=dev --
show "profile virt" "${KEYS[@]}" -- --profile virt
show "profile autostyle" "${KEYS[@]}" -- --profile autostyle
show "profile svc" "${KEYS[@]}" -- --profile svc
presign "presign, profile dev" -- --profile dev
presign "presign, profile virt" "${KEYS[@]}" -- --profile virt
presign "presign, profile autostyle" "${KEYS[@]}" -- --profile autostyle
presign "presign, profile svc" "${KEYS[@]}" -- --profile svc
run "profile missing" -- --profile nosuch config show
run "profile missing by AWS_PROFILE" AWS_PROFILE=nosuch -- config show
run "services section missing" "${KEYS[@]}" -- --profile badsvc config show
run "bad addressing style" "${KEYS[@]}" -- --profile badstyle config show
run "chunk size too small" "${KEYS[@]}" -- --profile badsize config show
show "role with missing source profile" -- --profile role
run "role with missing source profile" -- --profile role ls s3://my-bucket
show "failing credential_process" -- --profile proc
run "failing credential_process" -- --profile proc ls s3://my-bucket
show "missing sso-session" -- --profile sso
run "missing sso-session" -- --profile sso ls s3://my-bucket

reset
cat > "$T/work/pixi.toml" <<'EOF'
[workspace]
name = "x"
channels = []
platforms = []

[workspace.s3-options.my-bucket]
endpoint-url = "https://r2.example.com/"
region = "WEUR"
force-path-style = false

[workspace.s3-options.path-bucket]
endpoint-url = "http://127.0.0.1:9000"
region = "us-east-1"
force-path-style = true
EOF
show "pixi s3-options, no credentials" --
run "pixi s3-options, path bucket" -- config show s3://path-bucket/x
run "pixi s3-options, path bucket json" -- config show --json s3://path-bucket/x
run "pixi s3-options, no credentials" -- ls s3://my-bucket
run "pixi s3-options, no credentials" -- ls s3://path-bucket/x
show "pixi s3-options, AWS keys" "${KEYS[@]}" --
show "pixi s3-options, flags win" "${KEYS[@]}" -- --region us-west-2 --endpoint-url https://flag.example.com --force-path-style
presign "presign, pixi s3-options" "${KEYS[@]}" --
run "presign, pixi path bucket" "${KEYS[@]}" -- presign s3://path-bucket/k
cat > "$T/auth.json" <<'EOF'
{"my-bucket": {"S3Credentials": {"access_key_id": "AKIAAUTH0004", "secret_access_key": "authsecret", "session_token": null}},
 "s3://path-bucket/x": {"S3Credentials": {"access_key_id": "AKIAAUTH0005", "secret_access_key": "authsecret2", "session_token": "t"}}}
EOF
show "pixi s3-options, auth file" "${KEYS[@]}" RATTLER_AUTH_FILE="$T/auth.json" --
run "pixi s3-options, auth file, url key" RATTLER_AUTH_FILE="$T/auth.json" -- config show s3://path-bucket/x/y
run "pixi s3-options, auth file, url key json" RATTLER_AUTH_FILE="$T/auth.json" -- config show --json s3://path-bucket/x/y
run "pixi s3-options, auth file, no entry" RATTLER_AUTH_FILE="$T/auth.json" -- config show s3://path-bucket/other
run "pixi s3-options, auth file, no entry" RATTLER_AUTH_FILE="$T/auth.json" -- ls s3://path-bucket/other
echo '{"my-bucket": {"BearerToken": "x"}}' > "$T/auth.json"
run "pixi s3-options, non-S3 entry" RATTLER_AUTH_FILE="$T/auth.json" -- config show s3://my-bucket
run "pixi s3-options, non-S3 entry" RATTLER_AUTH_FILE="$T/auth.json" -- ls s3://my-bucket
echo '{"my-bucket": {"S3Credentials": {"access_key_id": "AKIAAUTH0004"}}}' > "$T/auth.json"
run "pixi s3-options, malformed entry" RATTLER_AUTH_FILE="$T/auth.json" -- config show s3://my-bucket
echo '{"my-bucket": ' > "$T/auth.json"
run "pixi s3-options, unparsable auth file" RATTLER_AUTH_FILE="$T/auth.json" -- config show s3://my-bucket
mkdir -p "$T/home/.rattler"
echo '{"my-bucket": {"S3Credentials": {"access_key_id": "AKIAHOME0006", "secret_access_key": "homesecret", "session_token": null}}}' \
  > "$T/home/.rattler/credentials.json"
run "pixi s3-options, home auth file" -- config show s3://my-bucket
run "pixi s3-options, home auth file json" -- config show --json s3://my-bucket
run "pixi s3-options, role chain error" -- --profile role config show s3://path-bucket
cat > "$T/aws-config" <<'EOF'
[profile role]
role_arn = arn:aws:iam::123456789012:role/r
source_profile = nosuch
EOF
run "pixi s3-options, role chain error" -- --profile role config show s3://path-bucket
run "pixi s3-options, role chain error" -- --profile role ls s3://path-bucket
run "pixi s3-options, no-sign-request" -- --no-sign-request config show s3://path-bucket
mkdir -p "$T/other"
sed 's/my-bucket/man-bucket/' "$T/work/pixi.toml" > "$T/other/pixi.toml"
run "manifest path" "${KEYS[@]}" -- --manifest-path "$T/other/pixi.toml" config show s3://man-bucket/k
run "manifest path json" "${KEYS[@]}" -- --manifest-path "$T/other/pixi.toml" config show --json s3://man-bucket/k
run "manifest path missing" "${KEYS[@]}" -- --manifest-path "$T/nothing/pixi.toml" config show s3://man-bucket/k
echo 'not toml [' > "$T/work/pixi.toml"
run "broken manifest" "${KEYS[@]}" -- config show s3://my-bucket
run "auth login bad url" RATTLER_AUTH_FILE="$T/auth2.json" -- auth login http://x --s3-access-key-id a --s3-secret-access-key b
run "auth logout nothing" RATTLER_AUTH_FILE="$T/auth2.json" -- auth logout s3://nothing

# Endpoint URL forms (normalisation; what the strict ASCII parser refuses).
reset
for e in 'HTTPS://MinIO.Example.COM:443/' 'http://[::1]:9000/prefix/' 'http://[0:0::1]' 'https://minio.example.com/a/../b/' \
  'https://minio.example.com:8443/s3/' 'https://bücher.example' 'https://minio.example.com/a b' 'http://127.1:9000' \
  'https://u:p@minio.example.com' 'https://minio.example.com?x=1' 'https://minio.example.com:99999' 'https://a..b'; do
  run "endpoint form $e" "${KEYS[@]}" -- --endpoint-url "$e" presign s3://my-bucket/k
done
pixi_endpoint() { # pixi_endpoint URL: a manifest whose one bucket has that endpoint-url.
  printf '[workspace]\nname = "x"\nchannels = []\nplatforms = []\n\n[workspace.s3-options.pbk]\nendpoint-url = "%s"\nregion = "auto"\nforce-path-style = false\n' "$1" \
    > "$T/work/pixi.toml"
}
for e in 'HTTPS://R2.Example.COM:443' 'http://[::1]:9000/p/' 'https://h.example/a/./b/' 'localhost:9000' \
  'https://u:p@r2.example.com' 'https://bücher.example'; do
  pixi_endpoint "$e"
  run "pixi endpoint $e" "${KEYS[@]}" -- config show s3://pbk/k
  run "pixi endpoint $e" "${KEYS[@]}" -- config show --json s3://pbk/k
done
run "auth login key with space" RATTLER_AUTH_FILE="$T/auth3.json" -- auth login 's3://bkt/a b/c' --s3-access-key-id a --s3-secret-access-key b
run "auth logout upper scheme" RATTLER_AUTH_FILE="$T/auth3.json" -- auth logout 'S3://bkt'
run "auth login non-ascii bucket" RATTLER_AUTH_FILE="$T/auth3.json" -- auth login 's3://bück/x' --s3-access-key-id a --s3-secret-access-key b
