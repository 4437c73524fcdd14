#!/bin/bash
# The stress scenario's summary (tests/system/scenarios/stress.sh): per
# nested host, kernel and CPU model, how many runs lkvm made, how often it
# died of a signal or failed otherwise, and where it crashed, its crash
# lines resolved to functions and lines of the lkvm that ran.
#
# usage: tests/system/stress-report.sh LKVM LOGDIR ID=CPU...
#   ID is a run of a stress host (NAME@KERNEL), whose console is
#   LOGDIR/ID.log; CPU is its QEMU -cpu.
set -u
lkvm=$1
dir=$2
shift 2
addr2line=addr2line
[ "$(uname -m)" = aarch64 ] || addr2line=aarch64-linux-gnu-addr2line

# where OFFSET: "function at file:line" in lkvm for lkvm+OFFSET.
where() {
	"$addr2line" -f -i -p -e "$lkvm" "$1" 2>/dev/null | head -n 1 |
		sed 's|/[^ ]*/\([^/ ]*/[^/ ]*:[0-9]*\)|\1|'
}

# counts KIND LOG: "runs died other" of one kind of run; died is a
# fatal signal (status 128+N other than 143, the timeout's SIGTERM).
counts() {
	awk -v kind="$1" '$1 == "@@STRESS" && $2 == kind {
		runs++
		if ($4 >= 128 && $4 != 143) died++
		else if ($4 != 0) other++
	} END { printf "%d %d %d", runs, died, other }' "$2"
}

row() { printf '%-22s %-21s %-21s %-18s %s\n' "$@"; }
row "host@kernel" "boots: runs/died/bad" "I/O: guests/died/bad" "I/O rounds/errors" "qemu -cpu"
crashes=$(mktemp)
for arg in "$@"; do
	id=${arg%%=*}
	cpu=${arg#*=}
	log=$dir/$id.log
	[ -f "$log" ] || { echo "$id: no log ($log)"; continue; }
	read -r br bd bo < <(counts boot "$log")
	read -r ir id_ io < <(counts io "$log")
	rounds=$(sed -n 's/^@@STRESS-IO rounds=\([0-9]*\) errors=\([0-9]*\).*/\1\/\2/p' "$log" | tail -n 1)
	row "$id" "$br/$bd/$bo" "$ir/$id_/$io" "${rounds:--}" "$cpu"
	grep '^@@CRASH ' "$log" | tr -d '\r' | sed "s/^@@CRASH /$id /" >>"$crashes"
	grep -q '^@@DONE' "$log" || echo "  ($id did not finish: the counts are of the runs it made)"
done

if [ -s "$crashes" ]; then
	echo
	echo "crash lines, resolved in $lkvm:"
	while read -r id kind n line; do
		echo "$id $kind #$n: $line"
		for off in $(echo "$line" | grep -o 'lkvm+0x[0-9a-f]*' | sed 's/lkvm+//'); do
			echo "    $off  $(where "$off")"
		done
	done <"$crashes"
	echo
	echo "crashes by place (the pc's function):"
	while read -r _ _ _ line; do
		pc=$(echo "$line" | sed -n 's/.*, pc lkvm+\(0x[0-9a-f]*\).*/\1/p')
		sig=$(echo "$line" | awk '{ print $3 }')
		echo "$sig in $( [ -n "$pc" ] && where "$pc" || echo "code outside lkvm ($(echo "$line" | sed -n 's/.*, pc \([^;]*\);.*/\1/p'))")"
	done <"$crashes" | sort | uniq -c | sort -rn
else
	echo
	echo "no crash lines"
fi
rm -f "$crashes"
