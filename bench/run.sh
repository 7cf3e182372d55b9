#!/usr/bin/env bash
# Measures mastokey against the budgets of ARCHITECTURE.md (Budgets) and prints one table. See bench/README.md.
#
#   bench/run.sh
#
# Builds the release binary and examples once (offline: run `cargo fetch` first on a fresh
# checkout), then runs the benchmarks. Nothing here contacts any host but 127.0.0.1.
# Environment: RUNS (launch samples per scenario, default 20), IDLE_SECS (default 10).
set -euo pipefail

cd "$(dirname "$0")/.."
RUNS="${RUNS:-20}"
IDLE_SECS="${IDLE_SECS:-10}"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
rows="$work/rows.tsv"
: >"$rows"

# One table row: what, figure, budget, verdict.
row() { printf 'ROW\t%s\t%s\t%s\t%s\n' "$@" >>"$rows"; }

echo "== cargo build --release --examples --bins"
if ! cargo build --release --examples --bins --locked --offline; then
    echo "bench/run.sh: the release build failed (run \`cargo fetch\` first if crates are missing)" >&2
    exit 1
fi
bin=target/release/mastokey
examples=target/release/examples

echo
echo "== machine: $(nproc) cores, $(uname -sr), $(rustc --version)"
echo "== commit:  $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet 2>/dev/null || echo ' (with uncommitted changes)')"

# 1, 2, 6: launch to first frame, idle CPU, TUI peak RSS.
echo
echo "== TUI (examples/tui-bench.rs)"
"$examples/tui-bench" --bin "$bin" --runs "$RUNS" --idle-secs "$IDLE_SECS" | tee "$work/tui.out" | grep -v '^ROW'
grep '^ROW' "$work/tui.out" >>"$rows" || true

# 4: unlock and save of a 200-account vault at scrypt 2^17.
echo
echo "== vault (examples/vault-bench.rs)"
"$examples/vault-bench" | tee "$work/vault.out"
field() { awk -F: -v key="$1" 'index($0, key) == 1 { sub(/^[ \t]+/, "", $2); print $2; exit }' "$work/vault.out"; }
unlock="$(field 'unlock, median')"
save="$(field 'save (update), median')"
vault_hwm="$(awk '/^peak RSS \(VmHWM\)/ { print $(NF-1), $NF; exit }' "$work/vault.out")"
row "unlock, 200 accounts, scrypt 2^17 (median)" "${unlock:-?}" "about 0.5 s" "info"
row "save (update) of 200 accounts (median)" "${save:-?}" "no key derivation" "info"
row "peak RSS, vault-bench (unlocks + saves)" "${vault_hwm:-?}" "< 128 MiB + 30 MB" "$(
    awk -v v="${vault_hwm%% *}" 'BEGIN { if (v == "") print "?"; else if (v + 0 < 128 + 30e6 / 1048576) print "ok"; else print "OVER" }')"

# 3: verify of 200 accounts and its peak RSS.
echo
echo "== verify (examples/verify-bench.rs)"
cargo run --release --locked --offline --quiet --example verify-bench | tee "$work/verify.out" | grep -v '^ROW'
grep '^ROW' "$work/verify.out" >>"$rows" || true

# `token` with the unlock agent against the passphrase variable (2^17 vault).
echo
echo "== unlock agent (examples/agent-bench.rs)"
"$examples/agent-bench" --bin "$bin" --runs "$RUNS" | tee "$work/agent.out" | grep -v '^ROW'
grep '^ROW' "$work/agent.out" >>"$rows" || true

# 5: release binary size.
size="$(stat -c %s "$bin")"
row "release binary size" "$(awk -v s="$size" 'BEGIN { printf "%.2f MB (%d bytes)", s / 1e6, s }')" "< 10 MB" \
    "$(awk -v s="$size" 'BEGIN { print (s < 10e6) ? "ok" : "OVER" }')"

echo
echo "== budgets (ARCHITECTURE.md)"
awk -F'\t' '
    { what[NR] = $2; fig[NR] = $3; bud[NR] = $4; ver[NR] = $5
      if (length($2) > w1) w1 = length($2); if (length($3) > w2) w2 = length($3); if (length($4) > w3) w3 = length($4) }
    END {
        if (w1 < 4) w1 = 4; if (w2 < 6) w2 = 6; if (w3 < 6) w3 = 6
        printf "%-" w1 "s | %-" w2 "s | %-" w3 "s | %s\n", "what", "figure", "budget", "verdict"
        line = ""; for (i = 0; i < w1 + w2 + w3 + 19; i++) line = line "-"; print line
        for (i = 1; i <= NR; i++) printf "%-" w1 "s | %-" w2 "s | %-" w3 "s | %s\n", what[i], fig[i], bud[i], ver[i]
    }' "$rows"
if grep -q $'\tOVER$' "$rows"; then
    echo
    echo "Some figures are over budget (OVER above)."
fi
