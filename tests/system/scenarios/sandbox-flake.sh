# sandbox-flake (long: run only when named): many warm `lkvm sandbox`
# runs in one nested-host boot, counting how they end, for a rare crash
# of the guest init (PID 1 killed by SIGSEGV in a warm run: lkvm then
# gets no status and exits 255). SANDBOX_RUNS (lkvm.sandbox_runs, 200)
# runs cycle through exit 0, 1, 42, kill -9 $$ and kill -TERM $$;
# SANDBOX_COLD_RUNS (lkvm.sandbox_cold_runs, 0) more boot afresh;
# SANDBOX_HOGS (lkvm.sandbox_hogs, 0) busy loops in the nested host take
# its CPUs from the guest's vcpu thread meanwhile. The
# guest kernel prints every fatal signal with its registers, and each
# failed run's whole output (the guest's console with it) and the nested
# host's new kernel messages are printed as @@LOG lines.

SBDIR=/tmp/sandbox-flake
mkdir -p $SBDIR
L2_RELEASE=$(ls /guest/lib/modules)
# Every fatal signal in the guest with its registers, whatever "quiet".
FLAKE_PARAMS="cryptomgr.notests print_fatal_signals=1 ignore_loglevel"
FLAKE_RUNS=$(arg sandbox_runs)
FLAKE_COLD_RUNS=$(arg sandbox_cold_runs)
FLAKE_HOGS=$(arg sandbox_hogs)

# flake_run MODE N: run N of MODE (warm or cold); its status in RC.
flake_run() {
	case $(($2 % 5)) in
	0) cmd='exit 0' want=0 ;;
	1) cmd='exit 1' want=1 ;;
	2) cmd='exit 42' want=42 ;;
	3) cmd='kill -9 $$' want=137 ;;
	4) cmd='kill -TERM $$' want=143 ;;
	esac
	extra=
	[ "$1" = cold ] && extra=--cold
	: >"$OUT.run"
	timeout -k 10 180 lkvm sandbox -k "$L2_KERNEL" -c 1 -m 256 \
		-p "$FLAKE_PARAMS" $extra -- sh -c "$cmd" \
		</dev/null >"$OUT.run" 2>&1
	RC=$?
	if [ "$RC" != "$want" ]; then
		echo "@@LOG $SUITE: $1 run $2 ($cmd): status $RC, expected $want"
		sed "s|^|@@LOG $SUITE: $1 $2: |" "$OUT.run"
		dmesg -c 2>/dev/null | sed "s|^|@@LOG $SUITE: $1 $2: L1: |"
		FLAKES=$((FLAKES + 1))
		eval "FAIL_$1_$(($2 % 5))=\$((\${FAIL_$1_$(($2 % 5)):-0} + 1))"
	fi
	return 0
}

t_loop() {
	FLAKES=0
	dmesg -c >/dev/null 2>&1
	hogs=
	n=0
	while [ $n -lt "${FLAKE_HOGS:-0}" ]; do
		sh -c 'while :; do :; done' &
		hogs="$hogs $!"
		n=$((n + 1))
	done
	for mode in warm cold; do
		if [ $mode = warm ]; then
			runs=${FLAKE_RUNS:-200}
		else
			runs=${FLAKE_COLD_RUNS:-0}
		fi
		i=0
		mode_start=$(cut -d' ' -f1 /proc/uptime)
		while [ $i -lt "$runs" ]; do
			flake_run $mode $i
			i=$((i + 1))
			[ $((i % 25)) = 0 ] || continue
			echo "@@LOG $SUITE: $mode: $i runs, $FLAKES failed so far ($(elapsed "$mode_start") s)"
			# The nested host's kernel complaining of runs that passed.
			dmesg -c 2>/dev/null | grep -E "WARNING|Unable|Oops|BUG" |
				sed "s|^|@@LOG $SUITE: $mode: L1 before run $i: |"
		done
		for k in 0 1 2 3 4; do
			eval "n=\${FAIL_${mode}_$k:-0}"
			echo "@@LOG $SUITE: $mode: command $k failed $n times"
		done
	done
	[ -z "$hogs" ] || kill $hogs
	[ "$FLAKES" = 0 ] || fail "$FLAKES runs did not end with their status"
}

run_test loop t_loop
