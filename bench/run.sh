#!/usr/bin/env bash
# bench/run.sh [RUNS] - sctrace-lua against native, strace --seccomp-bpf and
# a minimal C tracer, side by side. See bench/README.md.
#
# For each workload, unpinned and then pinned (taskset -c 0 on the whole
# command), every available tool runs once as a warm-up and then RUNS times in
# rounds (native lua trace-c strace mintrace, native lua ...). Every run is
# checked: exit status 0 and the tool's count of traced calls equal to the
# expected one; the first mismatch aborts the bench. Then it prints median wall
# times, the median of the per-round ratios, derived per-call costs and the
# targets of issue 5. Output also goes to bench/results/ (ignored by git).
#
# Env: RUNS (default 7), SCTRACE (default bin/sctrace-lua, built if missing),
# STRACE (default strace), MINTRACE (default /tmp/refbench/mintrace; the
# column is skipped if it is not executable), TRACE_C=0 to skip the
# `sctrace-lua trace -c` column, QUICK=1 for tiny sizes (checks the script),
# ONLY=trace for the "trace against strace" section alone (and its targets).
set -euo pipefail
cd "$(dirname "$0")"
export LC_ALL=C
RUNS=${1:-${RUNS:-7}}
ONLY=${ONLY:-}
case $ONLY in ""|trace) ;; *) echo "ONLY=$ONLY: only ONLY=trace is known" >&2; exit 2 ;; esac
ROOT=$(cd .. && pwd)
SCTRACE=${SCTRACE:-$ROOT/bin/sctrace-lua}
STRACE=${STRACE:-strace}
MINTRACE=${MINTRACE:-/tmp/refbench/mintrace}

make -s
if [ ! -x "$SCTRACE" ]; then
	echo "building $SCTRACE"
	(cd "$ROOT" && go build -o "$SCTRACE" ./cmd/sctrace-lua)
fi
W=$PWD/bin/workload
TRUE=$(command -v true)
PIN="taskset -c 0"
# Shared machines: before each workload wait up to QUIET_WAIT s for the load
# of other work to drop below MAX_BG CPUs; a round during which other work
# kept more than MAX_BG CPUs busy is run again (at most RETRIES times per
# workload, and no waiting or redoing after DEADLINE s of bench time); the
# "bg" column is the median over the kept rounds.
QUIET_WAIT=${QUIET_WAIT:-30} MAX_BG=${MAX_BG:-0.15} RETRIES=${RETRIES:-5} DEADLINE=${DEADLINE:-720}
MAX_BG_C=$(awk -v x="$MAX_BG" 'BEGIN { printf "%d", x * 100 }')

# Sizes: about 8 minutes in all on an idle 2-core VM with RUNS=7.
HOT_N=4000000                   # loop: untraced getppid
MIX_N=2000000 MIX_K=20000       # mixed: N getppid and K traced connects
FORK_P=1000 FORK_N=4000         # forker, big (as in issue 5); not for strace (see README)
SF_P=50 SF_N=2000               # forker small enough for strace --seccomp-bpf
ALL_N=50000                     # every call traced (getppid)
START_RUNS=21                   # start-up: `true`
HOLD_P=1000                     # live tracees for the memory figure
EM_N=1000000 EM_K=20000 EM_TCP=5000   # emulation: N getppid with K connects/sendtos; TCP connects
if [ "${QUICK:-0}" = 1 ]; then
	HOT_N=20000 MIX_N=20000 MIX_K=200 FORK_P=20 FORK_N=1000 SF_P=5 SF_N=200 ALL_N=500 START_RUNS=3 HOLD_P=20 RUNS=1
	EM_N=20000 EM_K=200 EM_TCP=100
fi
FORK_LOOP=$((FORK_P * FORK_N))  # the forker's getppid, untraced, in one process

tmp=$(mktemp -d)
trap 'exec 9>&- 2>/dev/null; rm -rf "$tmp"' EXIT
mkdir -p results
stamp=$(date +%Y%m%d-%H%M%S)
out=results/run-$stamp.txt raw=results/run-$stamp.raw
exec > >(tee "$out") 2>&1
: >"$raw"

# ------------------------------------------------------------------ tools
TOOLS=(native lua tracec strace mt)
declare -A LABEL=([native]=native [lua]=lua [tracec]=trace-c [strace]=strace [mt]=mintrace [insp]=inspect [emul]=emulate)
declare -A HAVE=([native]=1 [lua]=1 [insp]=1 [emul]=1)

cmdline() {     # TOOL SYSCALL CMD: the command line that runs CMD under TOOL
	case $1 in
	native) echo "$3" ;;
	lua)    echo "$SCTRACE $PWD/count.lua $2 $3" ;;
	tracec) echo "$SCTRACE trace -c -e trace=$2 -- $3" ;;
	strace) echo "$STRACE -f -qq --seccomp-bpf -e trace=$2 -o $tmp/strace.out $3" ;;
	mt)     echo "$MINTRACE $2 $3" ;;
	insp)   echo "$SCTRACE $PWD/emulate.lua inspect $2 $3" ;;
	emul)   echo "$SCTRACE $PWD/emulate.lua emulate $2 $3" ;;
	esac
}

seen() {        # TOOL SYSCALL: traced calls the last run of TOOL reported
	case $1 in
	native) echo - ;;
	lua|insp|emul) awk '/^sctrace-lua: [0-9]+ seccomp stops$/ { print $2 }' "$tmp/err" ;;
	mt)     awk '/^mintrace: [0-9]+ seccomp stops$/ { print $2 }' "$tmp/err" ;;
	strace) grep -c "$2(" "$tmp/strace.out" || true ;;
	# strace -c layout: % time, seconds, usecs/call, calls, errors, syscall;
	# no line at all for a syscall that was never called
	tracec) awk -v s="$2" '$NF == s && $4 ~ /^[0-9]+$/ { print $4; n++ } END { if (!n) print 0 }' \
		"$tmp/out" "$tmp/err" | head -1 ;;
	esac
}

# Other work on the machine: the CPU time all CPUs spent busy (/proc/stat)
# minus what this shell and the commands it ran used (the `times` builtin),
# both without forking. FOREIGN_MS accumulates it over runs.
sysbusy() {     # sets BUSY_MS: busy time of all CPUs since boot
	local _c u n s idle iow irq sirq steal _r
	read -r _c u n s idle iow irq sirq steal _r </proc/stat
	BUSY_MS=$(( (u + n + s + irq + sirq + steal) * 1000 / HZ ))
}
ms() {          # VAR "XmY.ZZZs": add the time to VAR, in ms
	local t=$2 m sec
	m=${t%%m*} t=${t#*m} t=${t%s}
	sec=${t%.*}
	printf -v "$1" '%d' $(( ${!1} + (10#$m * 60 + 10#$sec) * 1000 + 10#${t#*.} ))
}
owncpu() {      # sets OWN_MS: CPU time of this shell and its reaped children
	local a b c d
	times >"$tmp/times"
	{ read -r a b; read -r c d; } <"$tmp/times"
	OWN_MS=0
	ms OWN_MS "$a"; ms OWN_MS "$b"; ms OWN_MS "$c"; ms OWN_MS "$d"
}
HZ=$(getconf CLK_TCK)
FOREIGN_MS=0

run1() {        # TOOL SYSCALL CMD: run once; sets RC, USEC, SEEN; adds to FOREIGN_MS
	local line t0 t1 b0 o0
	line=$(cmdline "$1" "$2" "$3")
	[ -z "$CUR_PIN" ] || line="$CUR_PIN $line"
	RC=0
	sysbusy; owncpu; b0=$BUSY_MS o0=$OWN_MS
	t0=$EPOCHREALTIME
	eval "$line" </dev/null >"$tmp/out" 2>"$tmp/err" || RC=$?
	t1=$EPOCHREALTIME
	sysbusy; owncpu
	USEC=$(( ${t1/./} - ${t0/./} ))
	FOREIGN_MS=$(( FOREIGN_MS + (BUSY_MS - b0) - (OWN_MS - o0) ))
	SEEN=$(seen "$1" "$2")
	LAST="$line"
}

check() {       # TOOL EXPECTED: abort unless the last run exited 0 and saw EXPECTED calls
	if [ "$RC" != 0 ] || { [ "$1" != native ] && [ "$SEEN" != "$2" ]; }; then
		echo "ABORT: ${LABEL[$1]} saw ${SEEN:-nothing} traced calls (expected $2), exit status $RC"
		echo "  command: $LAST"
		sed 's/^/  stderr: /' "$tmp/err" | tail -5
		exit 1
	fi
}

echo "== tools"
if [ -x "$MINTRACE" ]; then HAVE[mt]=1; echo "mintrace: $MINTRACE"; else echo "mintrace: not found at $MINTRACE (set MINTRACE); column skipped"; fi
if command -v "$STRACE" >/dev/null; then HAVE[strace]=1; echo "strace:   $($STRACE -V | head -1)"; else echo "strace: not found; column skipped"; fi
CUR_PIN=
if [ "${TRACE_C:-1}" = 0 ]; then
	echo "trace -c: skipped (TRACE_C=0)"
else
	run1 tracec connect "$W mixed 1000 10"
	if [ "$RC" = 0 ] && [ "$SEEN" = 10 ]; then
		HAVE[tracec]=1; echo "trace -c: $SCTRACE trace -c"
	else
		echo "trace -c: unavailable (probe exit $RC, count '${SEEN}', want 10; $(head -1 "$tmp/err")); column skipped"
	fi
fi
echo "sctrace-lua: $SCTRACE ($("$SCTRACE" --version 2>&1 | head -1); tree $(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown))"
echo "machine: $(nproc) CPUs, $(uname -r), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"

# ------------------------------------------------------------------ timing
quiet() {       # wait (up to QUIET_WAIT s) for a 0.5 s pause with < MAX_BG CPUs busy
	local i b0 t0 load=0
	for ((i = 0; i < QUIET_WAIT * 2 && SECONDS < DEADLINE; i++)); do
		sysbusy; b0=$BUSY_MS t0=${EPOCHREALTIME/./}
		sleep 0.5
		sysbusy
		load=$(( (BUSY_MS - b0) * 100000 / (${EPOCHREALTIME/./} - t0) ))   # centi-CPUs
		[ "$load" -ge "$MAX_BG_C" ] || return 0
	done
	echo "  (machine busy: $load% of a CPU used by other work; going on)"
}
median() { sort -g | awk '{ v[NR] = $1 } END { if (!NR) print "nan"; else print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
fmt() { awk -v x="$1" -v f="$2" 'BEGIN { if (x == "" || x == "nan") print "-"; else printf f, x }'; }

declare -A T TB EXTRA MED MIN MAX RAT PER
# bench KEY SYSCALL CMD EXPECTED RUNS TOOL...: one workload, pinned as
# CUR_PIN. With BASE set, each tool runs BASE (a command with no traced call)
# right before CMD in every round, and EXTRA is the median over rounds of
# (CMD - BASE) - (native CMD - native BASE): the cost the tool adds to what
# CMD does beyond BASE, measured seconds apart rather than minutes.
bench() {
	local key=$1 sys=$2 cmd=$3 want=$4 runs=$5 t r load
	shift 5
	local tools=()
	for t in "$@"; do [ -z "${HAVE[$t]:-}" ] || tools+=("$t"); done
	local retried=0 r0 wall=0 bgs=() b0=1 busy
	quiet
	for t in "${tools[@]}"; do run1 "$t" "$sys" "$cmd"; check "$t" "$want"; done
	# Rounds are judged in blocks of at least 0.3 s (/proc/stat counts in
	# 10 ms ticks): a busy block is dropped and run again.
	FOREIGN_MS=0
	for ((r = 1; r <= runs; r++)); do
		r0=${EPOCHREALTIME/./}
		for t in "${tools[@]}"; do
			TB[$key,$t,$r]=0
			if [ -n "$BASE" ]; then
				run1 "$t" "$sys" "$BASE"; check "$t" 0
				TB[$key,$t,$r]=$USEC
			fi
			run1 "$t" "$sys" "$cmd"; check "$t" "$want"
			T[$key,$t,$r]=$USEC
		done
		wall=$(( wall + (${EPOCHREALTIME/./} - r0) / 1000 ))
		[ "$wall" -ge 300 ] || [ "$r" = "$runs" ] || continue
		load=$(awk -v f="$FOREIGN_MS" -v w="$wall" 'BEGIN { printf "%.2f", (f < 0 ? 0 : f) / w }')
		busy=$(awk -v l="$load" -v m="$MAX_BG" 'BEGIN { print (l > m) }')
		FOREIGN_MS=0 wall=0
		if [ "$busy" = 1 ] && [ "$retried" -lt "$RETRIES" ] && [ "$SECONDS" -lt "$DEADLINE" ]; then
			retried=$((retried + 1))
			echo "$key rounds $b0-$r busy ($load CPUs of other work): again" >>"$raw"
			r=$((b0 - 1))
			quiet; FOREIGN_MS=0
			continue
		fi
		for ((; b0 <= r; b0++)); do
			bgs+=("$load")
			for t in "${tools[@]}"; do echo "$key $t $b0 ${T[$key,$t,$b0]} base=${TB[$key,$t,$b0]} bg=$load" >>"$raw"; done
		done
	done
	load=$(printf '%s\n' "${bgs[@]}" | median)
	[ "$retried" = 0 ] || load+=" (redone $retried x)"
	for t in "${tools[@]}"; do
		MED[$key,$t]=$(for ((r = 1; r <= runs; r++)); do echo "${T[$key,$t,$r]}"; done | median)
		MIN[$key,$t]=$(for ((r = 1; r <= runs; r++)); do echo "${T[$key,$t,$r]}"; done | sort -g | head -1)
		MAX[$key,$t]=$(for ((r = 1; r <= runs; r++)); do echo "${T[$key,$t,$r]}"; done | sort -g | tail -1)
	done
	for t in "${tools[@]}"; do    # median over rounds of the extra over native, baseline removed
		EXTRA[$key,$t]=$(for ((r = 1; r <= runs; r++)); do
			echo $(( (T[$key,$t,$r] - TB[$key,$t,$r]) - (T[$key,native,$r] - TB[$key,native,$r]) ))
		done | median)
	done
	ratio "$key" lua mt "$runs"; ratio "$key" tracec mt "$runs"
	ratio "$key" lua native "$runs"; ratio "$key" strace lua "$runs"
	local row="" spread=""
	for t in "${TOOLS[@]}"; do
		if [ -n "${MED[$key,$t]:-}" ]; then
			row+=$(printf ' %9.2f' "$(awk -v x="${MED[$key,$t]}" 'BEGIN { print x / 1000 }')")
			spread+=$(printf ' %4.0f-%-4.0f' "$(awk -v x="${MIN[$key,$t]}" 'BEGIN { print x / 1000 }')" \
				"$(awk -v x="${MAX[$key,$t]}" 'BEGIN { print x / 1000 }')")
		else
			row+=$(printf ' %9s' -); spread+=$(printf ' %9s' -)
		fi
	done
	printf '%-10s %s | %7s %7s %8s %9s  %s\n' "$key" "$row" "$(fmt "${RAT[$key,lua,mt]:-}" %.3f)" \
		"$(fmt "${RAT[$key,tracec,mt]:-}" %.3f)" "$(fmt "${RAT[$key,lua,native]:-}" %.2f)" \
		"$(fmt "${RAT[$key,strace,lua]:-}" %.1f)" "$load"
	printf '%-10s %s\n' "  min-max" "$spread"
}

ratio() {       # KEY A B RUNS: median over rounds of A/B
	local r
	[ -n "${MED[$1,$2]:-}" ] && [ -n "${MED[$1,$3]:-}" ] || return 0
	RAT[$1,$2,$3]=$(for ((r = 1; r <= $4; r++)); do
		awk -v a="${T[$1,$2,$r]}" -v b="${T[$1,$3,$r]}" 'BEGIN { print a / b }'
	done | median)
}

if [ -z "$ONLY" ]; then
echo
echo "== wall time, median of $RUNS rounds (ms); every run checked"
echo "   bg: CPUs used by other work during a round (median); rounds above $MAX_BG are redone"
printf '%-10s %9s %9s %9s %9s %9s | %7s %7s %8s %9s  %s\n' workload native lua trace-c strace mintrace \
	lua/mt tc/mt lua/nat strace/lua bg
for pin in "" "$PIN"; do
	CUR_PIN=$pin sfx=${pin:+.pin}
	BASE=                        bench "hot$sfx"   connect "$W loop $HOT_N"            0         "$RUNS" "${TOOLS[@]}"
	BASE="$W loop $MIX_N"        bench "mixed$sfx" connect "$W mixed $MIX_N $MIX_K"    "$MIX_K"  "$RUNS" "${TOOLS[@]}"
	BASE="$W loop $FORK_LOOP"    bench "fork$sfx"  connect "$W forker $FORK_P $FORK_N" "$FORK_P" "$RUNS" native lua tracec mt
	BASE=$TRUE                   bench "forks$sfx" connect "$W forker $SF_P $SF_N"     "$SF_P"   "$RUNS" "${TOOLS[@]}"
	BASE=$TRUE                   bench "all$sfx"   getppid "$W loop $ALL_N"            "$ALL_N"  "$RUNS" "${TOOLS[@]}"
	BASE=                        bench "start$sfx" connect "$TRUE"                     0         "$START_RUNS" "${TOOLS[@]}"
done
CUR_PIN=

# ------------------------------------------------------------------ memory
declare -A HWM RSS
hold() {        # TOOL: tracer VmHWM/VmRSS (kB) with HOLD_P live tracees
	local line pid i
	rm -f "$tmp/gate"; mkfifo "$tmp/gate"
	line=$(cmdline "$1" getppid "$W hold $HOLD_P")
	eval "$line <$tmp/gate >$tmp/out 2>$tmp/err &"
	pid=$!
	exec 9>"$tmp/gate"
	for ((i = 0; i < 1200; i++)); do
		grep -q '^ready' "$tmp/out" 2>/dev/null && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	HWM[$1]=$(awk '/^VmHWM:/ { print $2 }' "/proc/$pid/status" 2>/dev/null || echo nan)
	RSS[$1]=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status" 2>/dev/null || echo nan)
	exec 9>&-
	RC=0; wait "$pid" || RC=$?
	SEEN=$(seen "$1" getppid) LAST=$line
	check "$1" "$HOLD_P"
}
echo
echo "== tracer memory with $HOLD_P live tracees (kB, from /proc/PID/status of the tracer)"
for t in lua tracec strace mt; do
	[ -n "${HAVE[$t]:-}" ] || continue
	hold "$t"
	printf '%-9s VmHWM %7s  VmRSS %7s\n' "${LABEL[$t]}" "${HWM[$t]}" "${RSS[$t]}"
done

# ------------------------------------------------------------------ learn
# `sctrace-lua learn` (every call stops once, the stop recorded in Go)
# against `strace -f -c` (every call stops twice: entry and exit) on the
# same command, and against a learner whose per-stop work is a Lua callback
# (bench/learn.lua), to show what doing it in Go saves. Each run is
# checked: exit 0, and every tracer saw at least the workload's calls.
declare -A LT
lcmd() {        # TOOL CMD
	case $1 in
	native)   echo "$2" ;;
	learn)    echo "$SCTRACE learn -o $tmp/learned.lua -- $2" ;;
	learnlua) echo "$SCTRACE $PWD/learn.lua $2" ;;
	stracec)  echo "$STRACE -f -c -o $tmp/strace-c.out $2" ;;
	esac
}
lseen() {       # TOOL: calls the last run reported
	case $1 in
	native)   echo 0 ;;
	learn)    awk '/^sctrace-lua learn: .* calls, / { for (i = 1; i < NF; i++) if ($(i + 1) == "calls,") print $i }' "$tmp/err" ;;
	learnlua) awk '/^sctrace-lua: [0-9]+ seccomp stops$/ { print $2 }' "$tmp/err" ;;
	stracec)  awk '$NF == "total" { print $4 }' "$tmp/strace-c.out" ;;
	esac
}
learnbench() {  # KEY CMD MIN_CALLS RUNS
	local key=$1 cmd=$2 want=$3 runs=$4 t r line tools=(native learn learnlua) t0 t1 rc seen
	[ -z "${HAVE[strace]:-}" ] || tools+=(stracec)
	quiet
	for ((r = 0; r <= runs; r++)); do   # round 0 warms up
		for t in "${tools[@]}"; do
			line=$(lcmd "$t" "$cmd")
			rc=0; t0=$EPOCHREALTIME
			eval "$line" </dev/null >"$tmp/out" 2>"$tmp/err" || rc=$?
			t1=$EPOCHREALTIME
			seen=$(lseen "$t")
			if [ "$rc" != 0 ] || { [ "$t" != native ] && [ "${seen:-0}" -lt "$want" ]; }; then
				echo "ABORT: $t saw ${seen:-nothing} calls (at least $want expected), exit status $rc"
				echo "  command: $line"; sed 's/^/  stderr: /' "$tmp/err" | tail -5
				exit 1
			fi
			[ "$r" = 0 ] && continue
			LT[$key,$t,$r]=$(( ${t1/./} - ${t0/./} ))
			echo "learn-$key $t $r ${LT[$key,$t,$r]} calls=$seen" >>"$raw"
		done
	done
	local med=() rat
	for t in "${tools[@]}"; do
		med+=("$(for ((r = 1; r <= runs; r++)); do echo "${LT[$key,$t,$r]}"; done | median)")
	done
	printf '%-10s' "$key"
	for m in "${med[@]}"; do printf ' %9.2f' "$(awk -v x="$m" 'BEGIN { print x / 1000 }')"; done
	[ -n "${HAVE[strace]:-}" ] || printf ' %9s' -
	for pair in "learn stracec" "learnlua stracec" "learn learnlua"; do
		set -- $pair
		[ -n "${LT[$key,$2,1]:-}" ] || { printf ' %9s' -; continue; }
		rat=$(for ((r = 1; r <= runs; r++)); do awk -v a="${LT[$key,$1,$r]}" -v b="${LT[$key,$2,$r]}" 'BEGIN { print a / b }'; done | median)
		LRAT[$key,$1,$2]=$rat
		printf ' %9.3f' "$rat"
	done
	echo
}
declare -A LRAT
LEARN_N=200000 LEARN_RUNS=$RUNS
[ "${QUICK:-0}" = 1 ] && LEARN_N=2000
echo
echo "== learn: wall time, median of $LEARN_RUNS rounds (ms); learn = sctrace-lua learn (Go recorder),"
echo "   learn-lua = bench/learn.lua (Lua callback), strace-c = strace -f -c; ratios are medians of per-round ratios"
printf '%-10s %9s %9s %9s %9s | %9s %9s %9s\n' workload native learn learn-lua strace-c learn/sc lualrn/sc learn/lua
learnbench all "$W loop $LEARN_N" "$LEARN_N" "$LEARN_RUNS"
learnbench shell "sh -c 'for i in 1 2 3 4 5 6 7 8; do ls -la / | wc -l; done'" 200 "$LEARN_RUNS"
learnbench gcc "gcc -c -o $tmp/w.o workload.c" 200 "$LEARN_RUNS"

fi # ONLY

# ------------------------------------------------------------------ trace
# `sctrace-lua trace` against strace on the same work (issue 11): a full
# trace of find to a file (every call decoded), one syscall selected (strace
# with --seccomp-bpf, so both stop only there), -c, and start-up. A B A B
# rounds; each run is checked: exit 0 and a trace with the expected calls.
declare -A ST STRAT
FIND_DIR=${FIND_DIR:-/usr/share} TRACE_RUNS=${TRACE_RUNS:-5}
[ "${QUICK:-0}" = 1 ] && FIND_DIR=/usr/share/doc TRACE_RUNS=1
FIND="find $FIND_DIR -name '*.txt'"
tcmd() {        # KEY TOOL: the command line (trace0: trace with --poll 0)
	if [ "$2" = trace0 ]; then tcmd "$1" trace | sed "s|^$SCTRACE trace|$SCTRACE --poll 0 trace|"; return; fi
	case $1,$2 in
	full,trace)    echo "$SCTRACE trace -o $tmp/t.out -- $FIND" ;;
	full,strace)   echo "$STRACE -f -o $tmp/t.out $FIND" ;;
	openat,trace)  echo "$SCTRACE trace -e trace=openat -o $tmp/t.out -- $FIND" ;;
	openat,strace) echo "$STRACE -f --seccomp-bpf -e trace=openat -o $tmp/t.out $FIND" ;;
	count,trace)   echo "$SCTRACE trace -c -o $tmp/t.out -- $FIND" ;;
	count,strace)  echo "$STRACE -f -c -o $tmp/t.out $FIND" ;;
	start,trace)   echo "$SCTRACE trace -o /dev/null -- $TRUE" ;;
	start,strace)  echo "$STRACE -f -o /dev/null $TRUE" ;;
	esac
}
tcheck() {      # KEY: the last run's trace holds what it must
	case $1 in
	full)   grep -q '^[0-9]* *getdents64(' "$tmp/t.out" && grep -q 'exited with 0' "$tmp/t.out" ;;
	openat) grep -q 'openat(' "$tmp/t.out" && ! grep -q 'getdents64(' "$tmp/t.out" ;;
	count)  grep -q 'getdents64$' "$tmp/t.out" && grep -q ' total$' "$tmp/t.out" ;;
	start)  true ;;
	esac
}
tracebench() {  # KEY RUNS
	local key=$1 runs=$2 t r line t0 t1 rc
	quiet
	for ((r = 0; r <= runs; r++)); do   # round 0 warms up
		for t in trace trace0 strace; do
			line=$(tcmd "$key" "$t")
			rc=0; t0=$EPOCHREALTIME
			eval "$line" </dev/null >/dev/null 2>"$tmp/err" || rc=$?
			t1=$EPOCHREALTIME
			if [ "$rc" != 0 ] || ! tcheck "$key"; then
				echo "ABORT: $t ($key): exit status $rc, or its trace lacks the expected calls"
				echo "  command: $line"; sed 's/^/  stderr: /' "$tmp/err" | tail -5
				exit 1
			fi
			[ "$r" = 0 ] && continue
			ST[$key,$t,$r]=$(( ${t1/./} - ${t0/./} ))
			echo "trace-$key $t $r ${ST[$key,$t,$r]}" >>"$raw"
		done
	done
	local mt m0 ms r0
	mt=$(for ((r = 1; r <= runs; r++)); do echo "${ST[$key,trace,$r]}"; done | median)
	m0=$(for ((r = 1; r <= runs; r++)); do echo "${ST[$key,trace0,$r]}"; done | median)
	ms=$(for ((r = 1; r <= runs; r++)); do echo "${ST[$key,strace,$r]}"; done | median)
	STRAT[$key]=$(for ((r = 1; r <= runs; r++)); do awk -v a="${ST[$key,trace,$r]}" -v b="${ST[$key,strace,$r]}" 'BEGIN { print a / b }'; done | median)
	r0=$(for ((r = 1; r <= runs; r++)); do awk -v a="${ST[$key,trace0,$r]}" -v b="${ST[$key,strace,$r]}" 'BEGIN { print a / b }'; done | median)
	printf '%-8s %10.2f %10.2f %10.2f %10.3f %10.3f\n' "$key" "$(awk -v x="$mt" 'BEGIN { print x / 1000 }')" "$(awk -v x="$m0" 'BEGIN { print x / 1000 }')" \
		"$(awk -v x="$ms" 'BEGIN { print x / 1000 }')" "${STRAT[$key]}" "$r0"
}
if [ -n "${HAVE[strace]:-}" ]; then
	echo
	echo "== trace against strace: wall time, median of $TRACE_RUNS rounds (ms); ratio = median of per-round trace/strace"
	echo "   full: every call of find $FIND_DIR -name '*.txt' decoded to a file; openat: -e trace=openat (strace --seccomp-bpf);"
	echo "   count: -c; start: -o /dev/null -- true; poll-off: trace with --poll 0 (no poll before each wait: README, Performance)"
	printf '%-8s %10s %10s %10s %10s %10s\n' workload trace poll-off strace ratio ratio-off
	tracebench full "$TRACE_RUNS"
	tracebench openat "$TRACE_RUNS"
	tracebench count "$TRACE_RUNS"
	tracebench start $((TRACE_RUNS * 4))
fi

if [ "$ONLY" = trace ]; then
	echo
	echo "== targets (issue 11)"
	for k in full:"trace/strace, full trace of find to a file":"<=1.0" openat:"trace/strace --seccomp-bpf, -e trace=openat":"<=0.8" \
		count:"trace -c/strace -c":"<=1.0" start:"trace/strace, start-up of true":"<=1.5"; do
		IFS=: read -r key label goal <<<"$k"
		v=$(fmt "${STRAT[$key]:-}" %.3f)
		printf '%-50s %10s  %-8s %s\n' "$label" "$v" "$goal" "$(awk -v v="$v" -v t="${goal#<=}" 'BEGIN { if (v == "-") print "n/a"; else if (v <= t) print "met"; else printf "MISSED by %.0f%%\n", (v / t - 1) * 100 }')"
	done
	echo "took ${SECONDS}s; saved to bench/$out (raw times: bench/$raw)"
	exit 0
fi

# ------------------------------------------------------------------ derived
calc() { awk "BEGIN { x = $1; printf \"$2\", x }" 2>/dev/null || echo -; }
x() { echo "${EXTRA[$1,$2]:-nan}"; }
has() { [ -n "${EXTRA[$1,$2]:-}" ]; }
echo
echo "== derived: what each tool adds over native, per unit (median over rounds of the"
echo "   per-round difference, the baseline command of the same round removed)"
for sfx in "" .pin; do
	p=${sfx:+pinned}; p=${p:-unpinned}
	echo "-- $p"
	derive() {  # LABEL KEY DIVISOR FORMAT SCALE
		local line="$1" t
		for t in lua tracec strace mt; do has "$2$sfx" $t || continue
			PER[$2$sfx,$t]=$(calc "$(x "$2$sfx" $t) * $5 / $3" "$4")
			line+=" ${LABEL[$t]} ${PER[$2$sfx,$t]}"; done
		echo "$line"
	}
	derive "untraced getppid, filter (+ start-up / N) (ns):" hot "$HOT_N" %.1f 1000
	derive "per traced connect among $((MIX_N / MIX_K)) getppid (us):" mixed "$MIX_K" %.2f 1
	derive "per traced getppid, all traced (us):" all "$ALL_N" %.2f 1
	derive "per forked child, $FORK_N getppid + 1 connect (us):" fork "$FORK_P" %.1f 1
	derive "per forked child, small forker (us):" forks "$SF_P" %.1f 1
	derive "start-up of \`true\` (ms):" start 1000 %.2f 1
done

# ------------------------------------------------------------------ targets
verdict() {     # VALUE TARGET [le|ge] UNIT: met, or missed by how much
	awk -v v="$1" -v t="$2" -v op="${3:-le}" -v u="${4:-x}" 'BEGIN {
		if (v == "" || v == "-" || v == "nan") { print "n/a"; exit }
		if (v <= 0) { print "n/a (below the noise)"; exit }
		ok = (op == "le") ? v <= t : v >= t
		if (ok) { print "met"; exit }
		if (u == "x") printf "MISSED by %.0f%%\n", (op == "le" ? v / t - 1 : t / v - 1) * 100
		else printf "MISSED by %.2f %s\n", (op == "le" ? v - t : t - v), u
	}'
}
rat() { calc "$1 / $2" %.3f; }
target() { printf '%-50s %10s  %-8s %s\n' "$1" "$2" "$3" "$(verdict "$2" "${3#[<>]=}" "$4" "${5:-x}")"; }
echo
echo "== targets (issue 5): lua = sctrace-lua with a counting Lua callback, ref = mintrace"
printf '%-50s %10s  %-8s %s\n' "" measured target verdict
for sfx in "" .pin; do
	p=${sfx:+ pinned}; p=${p:- unpinned}
	if [ -n "${HAVE[mt]:-}" ]; then
		target "hot untraced, lua/ref wall$p" "$(fmt "${RAT[hot$sfx,lua,mt]:-}" %.3f)" "<=1.02" le
		target "rare connect, lua/ref per stop$p" "$(rat "${PER[mixed$sfx,lua]:-nan}" "${PER[mixed$sfx,mt]:-nan}")" "<=1.2" le
		target "all traced, lua/ref wall$p" "$(fmt "${RAT[all$sfx,lua,mt]:-}" %.3f)" "<=1.2" le
		target "all traced, lua/ref per stop$p" "$(rat "${PER[all$sfx,lua]:-nan}" "${PER[all$sfx,mt]:-nan}")" "<=1.2" le
		target "fork-heavy, lua/ref wall$p" "$(fmt "${RAT[fork$sfx,lua,mt]:-}" %.3f)" "<=1.1" le
		target "fork-heavy, lua/ref per child$p" "$(rat "${PER[fork$sfx,lua]:-nan}" "${PER[fork$sfx,mt]:-nan}")" "<=1.1" le
		if [ -n "${HAVE[tracec]:-}" ]; then
			target "  (trace -c/ref: rare connect per stop$p)" "$(rat "${PER[mixed$sfx,tracec]:-nan}" "${PER[mixed$sfx,mt]:-nan}")" "<=1.2" le
			target "  (trace -c/ref: all traced, wall$p)" "$(fmt "${RAT[all$sfx,tracec,mt]:-}" %.3f)" "<=1.2" le
		fi
	fi
	if [ -n "${HAVE[strace]:-}" ]; then
		target "rare connect, lua/strace per stop$p" "$(rat "${PER[mixed$sfx,lua]:-nan}" "${PER[mixed$sfx,strace]:-nan}")" "<=0.5" le
		target "fork, strace/lua per child$p" "$(rat "${PER[forks$sfx,strace]:-nan}" "${PER[forks$sfx,lua]:-nan}")" ">=100" ge
	fi
	target "start-up over native, ms$p" "${PER[start$sfx,lua]:-nan}" "<=10" le ms
	[ -z "${HAVE[tracec]:-}" ] || target "  (trace -c: start-up over native, ms$p)" "${PER[start$sfx,tracec]:-nan}" "<=10" le ms
done
for k in all shell gcc; do
	[ -z "${LRAT[$k,learn,stracec]:-}" ] || target "learn/strace -f -c wall, $k" "$(fmt "${LRAT[$k,learn,stracec]}" %.3f)" "<=1.0" le
done
if [ -n "${STRAT[full]:-}" ]; then
	target "trace/strace, full trace of find to a file" "$(fmt "${STRAT[full]}" %.3f)" "<=1.0" le
	target "trace/strace --seccomp-bpf, -e trace=openat" "$(fmt "${STRAT[openat]}" %.3f)" "<=0.8" le
	target "trace -c/strace -c" "$(fmt "${STRAT[count]}" %.3f)" "<=1.0" le
	target "trace/strace, start-up of true" "$(fmt "${STRAT[start]}" %.3f)" "<=1.5" le
fi
target "tracer VmHWM, $HOLD_P tracees, MB" "$(calc "${HWM[lua]} / 1024" %.1f)" "<=40" le MB
# ------------------------------------------------------------------ emulation
# The same socket calls traced three ways: lua (count.lua: allowed, no call
# object), inspect (the addresses read with call:addresses, then allowed:
# an advisory policy) and emulate (read, then performed by the tracer).
# Rows: wall times as above (the inspect and emulate columns are not in the
# table); the lines after them: per call over native, and the ratios.
echo
echo "== emulated socket calls (the table's lua column, then per call over native)"
for pin in "" "$PIN"; do
	CUR_PIN=$pin sfx=${pin:+.pin}
	BASE="$W loop $EM_N" bench "emconn$sfx" connect "$W mixed $EM_N $EM_K" "$EM_K"   "$RUNS" native lua insp emul
	BASE="$W loop $EM_N" bench "emsend$sfx" sendto  "$W sends $EM_N $EM_K" "$EM_K"   "$RUNS" native lua insp emul
	BASE=$TRUE           bench "emtcp$sfx"  connect "$W tcp $EM_TCP"       "$EM_TCP" "$RUNS" native lua insp emul
done
CUR_PIN=
for sfx in "" .pin; do
	for k in emconn:"UDP connect" emsend:"UDP sendto" emtcp:"TCP connect"; do
		key=${k%%:*}$sfx n=$EM_K
		[ "${k%%:*}" != emtcp ] || n=$EM_TCP
		l=$(calc "$(x "$key" lua) / $n" %.2f) i=$(calc "$(x "$key" insp) / $n" %.2f) e=$(calc "$(x "$key" emul) / $n" %.2f)
		printf '%-28s us/call over native: lua %6s  inspect %6s  emulate %6s   emulate/inspect %s  emulate/lua %s\n' \
			"${k#*:}${sfx:+ pinned}" "$l" "$i" "$e" "$(rat "$e" "$i")" "$(rat "$e" "$l")"
	done
done

echo "took ${SECONDS}s; saved to bench/$out (raw times: bench/$raw)"
