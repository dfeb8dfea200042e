#!/usr/bin/env bash
# bench/notify.sh [RUNS] - the notify path against the ptrace path and the
# minimal C supervisors: per-call cost of a getppid that reaches a Lua
# callback through a notify rule (no ptrace), through a trace rule, and
# through a notify rule in a traced child (lua-mixed), side
# by side with mininotif (NOTIF_RECV/SEND in a loop; -s: SYNC_WAKE_UP) and
# mintrace from ../shared/bench. Unpinned and pinned (taskset -c 0 on the
# whole command). Every run is checked (exit 0, the count of calls); then
# the median wall time of each column and the per-call cost
# (median - native) / N. Output also goes to bench/results/.
#
# Env: RUNS (default 7), N (default 200000), SCTRACE (default
# bin/sctrace-lua), REFBENCH (the directory of mininotif.c and mintrace.c;
# default ../shared/bench above the repository, columns are skipped
# without it), QUICK=1 for a tiny size.
set -euo pipefail
cd "$(dirname "$0")"
export LC_ALL=C
RUNS=${1:-${RUNS:-7}}
N=${N:-200000}
[ "${QUICK:-0}" = 1 ] && N=2000 RUNS=1
ROOT=$(cd .. && pwd)
SCTRACE=${SCTRACE:-$ROOT/bin/sctrace-lua}
make -s
[ -x "$SCTRACE" ] || (cd "$ROOT" && go build -o "$SCTRACE" ./cmd/sctrace-lua)
W=$PWD/bin/workload
REF=${REFBENCH:-}
for d in "$ROOT/../shared/bench" "$ROOT/../../shared/bench"; do
	[ -z "$REF" ] && [ -f "$d/mininotif.c" ] && REF=$d
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
have_ref=0
if [ -n "$REF" ] && cc -O2 -o "$tmp/mininotif" "$REF/mininotif.c" 2>/dev/null && cc -O2 -o "$tmp/mintrace" "$REF/mintrace.c" 2>/dev/null; then
	have_ref=1
fi
mkdir -p results
out=results/notify-$(date +%Y%m%d-%H%M%S).txt

# columns: name, command; each prints its count of calls on stderr
cols=(native lua-notify lua-trace lua-mixed)
cmd_native="$W loop $N"
cmd_lua_notify="$SCTRACE notify-getppid.lua notify $W loop $N"
cmd_lua_trace="$SCTRACE notify-getppid.lua trace $W loop $N"
cmd_lua_mixed="$SCTRACE notify-getppid.lua mixed $W loop $N"
if [ $have_ref = 1 ]; then
	cols+=(mininotif-s mininotif mintrace)
	cmd_mininotif_s="$tmp/mininotif -s getppid $W loop $N"
	cmd_mininotif="$tmp/mininotif getppid $W loop $N"
	cmd_mintrace="$tmp/mintrace getppid $W loop $N"
fi
cmdof() { local v="cmd_${1//-/_}"; echo "${!v}"; }

# run1 PIN COL → wall seconds; aborts on a failed or miscounted run
run1() {
	local pin=$1 col=$2 t0 t1
	t0=$(date +%s.%N)
	if ! $pin $(cmdof "$col") >/dev/null 2>"$tmp/err"; then
		echo "notify.sh: $col failed:" >&2; cat "$tmp/err" >&2; exit 1
	fi
	t1=$(date +%s.%N)
	if [ "$col" != native ]; then
		local got
		got=$(grep -Eo '^(calls [0-9]+|mininotif: [0-9]+|mintrace: [0-9]+)' "$tmp/err" | grep -Eo '[0-9]+' | head -1 || true)
		if [ "$got" != "$N" ]; then
			echo "notify.sh: $col saw ${got:-no} calls, want $N:" >&2; cat "$tmp/err" >&2; exit 1
		fi
	fi
	echo "$t1 - $t0" | bc -l
}
median() { sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }

{
echo "bench/notify.sh: N=$N getppid, RUNS=$RUNS, $(nproc) CPUs, kernel $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg)"
for mode in unpinned pinned; do
	pin=""
	[ $mode = pinned ] && pin="taskset -c 0"
	for c in "${cols[@]}"; do run1 "$pin" "$c" >/dev/null; done   # warm-up
	for c in "${cols[@]}"; do : >"$tmp/t-$c"; done
	for r in $(seq "$RUNS"); do
		for c in "${cols[@]}"; do run1 "$pin" "$c" >>"$tmp/t-$c"; done
	done
	nat=$(median <"$tmp/t-native")
	echo "$mode: median wall s, µs per call = (median - native) / N"
	for c in "${cols[@]}"; do
		m=$(median <"$tmp/t-$c")
		printf '  %-12s %8.3f s  %7.2f µs\n' "$c" "$m" "$(echo "($m - $nat) * 1000000 / $N" | bc -l)"
	done
done
} | tee "$out"
