# MMIO exit benchmark (runs inside the nested host): a bare-metal payload
# that reads the 8250's line status register 10000 times (each read an
# exit to the VMM, answered on the vcpu thread) and powers off, against
# the payload that powers off at once; the difference over 10000 is the
# cost of one exit. lkvm, kvmtool (LKVM_BENCH_REF) and tests/bench/
# floor.c, interleaved, no NIC, address-space randomisation off.
U=$BM/uart_reads.flat
P=$BM/poweroff.flat
set_aslr 0
set -- lkvm run -k $U -c 1 -m 256 --network mode=none :: \
	lkvm run -k $P -c 1 -m 256 --network mode=none
if [ -n "$KVMTOOL" ]; then
	set -- "$@" :: $KVMTOOL run -k $U -c 1 -m 256 --console serial --network mode=none :: \
		$KVMTOOL run -k $P -c 1 -m 256 --console serial --network mode=none
fi
set -- "$@" :: floor $U 1 256 :: floor $P 1 256
out=$(HOME=$BENCH_HOME timeit "$BENCH_RUNS" "$@")
set_aslr 2
case "$out" in
*"status "[1-9]*) echo "@@BENCH mmio: a run failed: $(echo "$out" | grep -v 'status 0$' | head -n 1)" ;;
esac

# per_exit N WHAT: microseconds per exit from lines N (reads) and N+1.
per_exit() {
	a=$(tstat "$(echo "$out" | sed -n "${1}p")" "$2" median)
	b=$(tstat "$(echo "$out" | sed -n "$(($1 + 1))p")" "$2" median)
	awk -v a="$a" -v b="$b" 'BEGIN { printf "%.1f\n", (a - b) * 1000 / 10000 }'
}

fl=3
[ -n "$KVMTOOL" ] && fl=5
for what in cpu wall; do
	l=$(tstat "$(echo "$out" | sed -n 1p)" $what median)
	f=$(tstat "$(echo "$out" | sed -n ${fl}p)" $what median)
	k=
	[ -n "$KVMTOOL" ] && k=$(tstat "$(echo "$out" | sed -n 3p)" $what median)
	le=$(per_exit 1 $what)
	fe=$(per_exit $fl $what)
	ke=
	[ -n "$KVMTOOL" ] && ke=$(per_exit 3 $what)
	line="lkvm $l ms ($le us per exit)"
	[ -n "$k" ] && line="$line, kvmtool $k ms ($ke us per exit), lkvm/kvmtool $(ratio "$l" "$k")"
	line="$line, floor $f ms ($fe us per exit), lkvm/floor $(ratio "$l" "$f")"
	echo "@@BENCH mmio 10000 UART reads, $what: $line"
	bench_row "mmio 10000 UART reads, $what" ms "$l" "$k" "$f"
	bench_row "mmio one exit, $what" us "$le" "$ke" "$fe"
done
