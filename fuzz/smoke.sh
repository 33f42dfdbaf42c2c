#!/usr/bin/env bash
# Fuzz smoke test: runs every target for ${FUZZ_SECONDS:-20} seconds, starting from its committed
# seeds, and fails if any target crashes, leaks, times out or runs out of memory.
#
#   bash fuzz/smoke.sh                  # every target, 20 s each
#   FUZZ_SECONDS=300 bash fuzz/smoke.sh plist_value
#
# Seeds are copied into fuzz/corpus/<target> (git-ignored), which libFuzzer grows; the committed
# fuzz/seeds/ are never written. Crash inputs land in fuzz/artifacts/<target>/.
set -uo pipefail

cd "$(dirname "$0")/.."
seconds="${FUZZ_SECONDS:-20}"

if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
    fuzz=(cargo +nightly fuzz)
else
    export RUSTC_BOOTSTRAP=1
    fuzz=(cargo fuzz)
fi

if [ "$#" -gt 0 ]; then
    targets=("$@")
else
    mapfile -t targets < <("${fuzz[@]}" list)
fi

logs="$(mktemp -d)"
trap 'rm -rf "$logs"' EXIT

"${fuzz[@]}" build || exit 1

failed=()
summary=()
for t in "${targets[@]}"; do
    corpus="fuzz/corpus/$t"
    mkdir -p "$corpus"
    if [ -d "fuzz/seeds/$t" ]; then
        cp -n fuzz/seeds/"$t"/* "$corpus"/ 2>/dev/null || true
    fi
    echo "=== $t: ${seconds}s from $(ls "$corpus" | wc -l) corpus files"
    log="$logs/$t.log"
    "${fuzz[@]}" run "$t" "$corpus" -- \
        -max_total_time="$seconds" -rss_limit_mb=2048 -max_len=65536 \
        -timeout=10 -print_final_stats=1 >"$log" 2>&1
    rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
    if [ "$rc" -ne 0 ]; then
        failed+=("$t")
        echo "--- $t FAILED (exit $rc); last lines of its log:"
        tail -n 60 "$log"
        summary+=("$(printf '%-12s FAILED  execs=%s  exec/s=%s  %s' "$t" "${execs:-?}" "${rate:-?}" "$cov")")
    else
        summary+=("$(printf '%-12s ok      execs=%s  exec/s=%s  %s' "$t" "${execs:-?}" "${rate:-?}" "$cov")")
    fi
done

echo
echo "=== fuzz smoke summary (${seconds}s per target)"
printf '%s\n' "${summary[@]}"
if [ "${#failed[@]}" -gt 0 ]; then
    echo "FAILED: ${failed[*]}"
    exit 1
fi
echo "all ${#targets[@]} targets passed"
