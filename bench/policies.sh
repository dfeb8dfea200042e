#!/usr/bin/env bash
# bench/policies.sh [RUNS]: what enforcement costs per call under `run`
# (issue 9). Workloads, each RUNS times in A B A B rounds, median wall time:
#   loop:      4M untraced getppid: native, under readonly-fs (Landlock, no
#              stop), under limit-forks (guard filter + tracer domain)
#   open:      500k open+close of a file in /tmp: native, under readonly-fs
#              (every lookup checked by Landlock)
#   traced:    50k getppid each stopping in the tracer under a tracer-side
#              policy (bench/trace-getppid.lua): per-stop cost
# Each figure is (median time - median time of the same command with a
# count of 0, i.e. its start-up) / count.
# Env: SCTRACE (default bin/sctrace-lua), BASE (another sctrace-lua binary
# to compare, e.g. one built from main: its columns are added), QUICK=1.
set -euo pipefail
cd "$(dirname "$0")"
export LC_ALL=C
RUNS=${1:-${RUNS:-7}}
ROOT=$(cd .. && pwd)
SCTRACE=${SCTRACE:-$ROOT/bin/sctrace-lua}
BASE=${BASE:-}
make -s
W=$PWD/bin/workload
LOOP_N=4000000 OPEN_N=500000 TRACED_N=50000
if [ "${QUICK:-0}" = 1 ]; then LOOP_N=40000 OPEN_N=5000 TRACED_N=500 RUNS=1; fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
touch "$tmp/f"

secs() {        # CMD...: wall seconds of one run (fails the bench if CMD fails)
	local t0 t1
	t0=$(date +%s.%N)
	"$@" >/dev/null 2>"$tmp/err" || { echo "bench/policies.sh: failed: $*" >&2; cat "$tmp/err" >&2; exit 1; }
	t1=$(date +%s.%N)
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f\n", b - a }'
}
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# row NAME N CMD...: one column; "@" in CMD is replaced by each binary
row() {
	local name=$1 n=$2; shift 2
	local bins=("after:$SCTRACE")
	[ -n "$BASE" ] && bins=("before:$BASE" "${bins[@]}")
	for b in "${bins[@]}"; do
		local label=${b%%:*} bin=${b#*:} cmd=()
		for a in "$@"; do [ "$a" = @ ] && cmd+=("$bin") || cmd+=("$a"); done
		# the same command with a count of 0: its start-up, subtracted
		local zero=()
		for a in "${cmd[@]}"; do [ "$a" = "$n" ] && zero+=(0) || zero+=("$a"); done
		: >"$tmp/$name.$label"
		: >"$tmp/$name.$label.0"
		for ((i = 0; i < RUNS; i++)); do
			secs "${cmd[@]}" >>"$tmp/$name.$label"
			secs "${zero[@]}" >>"$tmp/$name.$label.0"
		done
		local t t0
		t=$(median <"$tmp/$name.$label")
		t0=$(median <"$tmp/$name.$label.0")
		printf '%-34s %-7s %9.4f s (start-up %.4f s)  %8.1f ns/call\n' "$name" "$label" "$t" "$t0" \
			"$(awk -v t="$t" -v z="$t0" -v n="$n" 'BEGIN { print (t - z) / n * 1e9 }')"
	done
}
echo "== bench/policies.sh: RUNS=$RUNS, medians (wall) =="
row "loop native" $LOOP_N "$W" loop $LOOP_N
row "loop readonly-fs (Landlock)" $LOOP_N @ run -p readonly-fs:allow=/tmp -- "$W" loop $LOOP_N
row "loop limit-forks (guards)" $LOOP_N @ run -p limit-forks:max=100 -- "$W" loop $LOOP_N
row "open native" $OPEN_N "$W" open $OPEN_N "$tmp/f"
row "open readonly-fs (Landlock)" $OPEN_N @ run -p readonly-fs:allow=/tmp -- "$W" open $OPEN_N "$tmp/f"
row "traced getppid (policy, tracer)" $TRACED_N @ run -p "$PWD/trace-getppid.lua" -- "$W" loop $TRACED_N
