#!/usr/bin/env bash
# Runs every test: installs the real S3 servers the tests start on 127.0.0.1 (once), then
# `cargo test` for each feature set an embedder can pick (signer only, client, everything).
set -euo pipefail
cd "$(dirname "$0")/.."
export AWS_EC2_METADATA_DISABLED=true
export MINIS3_VECTORS="${MINIS3_VECTORS:-$(cd .. && pwd)/shared/vectors}"
if [ ! -d "$MINIS3_VECTORS" ]; then
  echo "test vectors not found at $MINIS3_VECTORS: set MINIS3_VECTORS to the shared/vectors directory" >&2
  exit 1
fi
bash scripts/install-servers.sh all >/dev/null

echo "== signer, addressing and AWS config parsing only (--no-default-features)"
cargo test --no-default-features
echo "== library with the client (--no-default-features --features client)"
cargo test --no-default-features --features client
echo "== the CLI without the channel layer (--no-default-features --features cli): its own tests"
cargo test --no-default-features --features cli --bins --test cli_usage --test cli_s3
echo "== everything (library, CLI)"
cargo test --all-features
