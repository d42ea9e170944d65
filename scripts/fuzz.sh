#!/usr/bin/env bash
# Runs every cargo-fuzz target in fuzz/ for SECONDS each (default 600), one after the other,
# and prints how many runs each did. The corpus of each target is kept outside git, in
# $MINIS3_FUZZ_CORPUS/NAME (default ~/.cache/minis3/fuzz-corpus/NAME), so it grows from run to
# run; crashes land in fuzz/artifacts/NAME (ignored by git). FUZZ_JOBS=2 runs two targets at
# a time. Needs the nightly toolchain and `cargo install cargo-fuzz`.
#
#   scripts/fuzz.sh            # 10 minutes per target
#   scripts/fuzz.sh 60 dates   # one minute, only the `dates` target
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-600}"
shift || true
corpus_root="${MINIS3_FUZZ_CORPUS:-$HOME/.cache/minis3/fuzz-corpus}"
jobs="${FUZZ_JOBS:-1}"
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
  echo "cargo-fuzz not found: install it with \`cargo install cargo-fuzz\` (and the nightly toolchain)" >&2
  exit 1
fi
if [ "$#" -gt 0 ]; then
  targets=("$@")
else
  mapfile -t targets < <(cargo +nightly fuzz list)
fi
# Debug assertions on: integer overflow is a finding too.
cargo +nightly fuzz build -O -a
logs="$(mktemp -d)"
run() {
  local name="$1"
  mkdir -p "$corpus_root/$name"
  # -detect_leaks=0: the repodata reader decompresses on a scoped thread, and LeakSanitizer
  # reports what spawning one leaves (glibc's thread-exit destructor list, std's Thread handle)
  # as leaks at exit; the input runs clean without it. Leaks are not memory errors, and
  # AddressSanitizer still catches those.
  if cargo +nightly fuzz run -O -a "$name" "$corpus_root/$name" -- -max_total_time="$seconds" -detect_leaks=0 \
    >"$logs/$name.log" 2>&1; then
    echo "ok   $name: $(grep -o 'Done [0-9]* runs in [0-9]* second(s)' "$logs/$name.log" | tail -1)"
  else
    echo "FAIL $name: see $logs/$name.log and fuzz/artifacts/$name/"
    return 1
  fi
}
status=0
pids=()
for name in "${targets[@]}"; do
  run "$name" &
  pids+=($!)
  if [ "${#pids[@]}" -ge "$jobs" ]; then
    wait "${pids[0]}" || status=1
    pids=("${pids[@]:1}")
  fi
done
for pid in "${pids[@]}"; do
  wait "$pid" || status=1
done
exit "$status"
