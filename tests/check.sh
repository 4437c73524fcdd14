#!/bin/sh
# `make check`: unit tests, then the nested system tests; the last line
# is the total "N passed, N failed".
# usage: tests/check.sh "RUNNER" CACHE UNIT_BINARY...
runner=$1
cache=$2
shift 2
rm -f build/unit.counts build/system/counts
mkdir -p build
log=build/check-unit.log
: >"$log"
# The aarch64 unit tests (under qemu-user on x86), then the same tests
# built natively with ASan and UBSan, a short run of every fuzz target
# (and its saved regressions), then the nested system tests.
unit=
native=
fuzz=
for t in "$@"; do
	case $t in
	*/native/fuzz/*) fuzz="$fuzz $t" ;;
	*/native/*) native="$native $t" ;;
	*) unit="$unit $t" ;;
	esac
done
tests/hardening.sh lkvm | tee -a "$log"
tests/unit/run.sh "$runner" $unit | tee -a "$log"
tests/unit/run.sh "" $native | tee -a "$log"
tests/fuzz/run.sh "${FUZZ_SECONDS:-8}" $fuzz | tee -a "$log"
tests/system/run.sh --cache "$cache" --all
up=0
uf=0
while read -r p f; do
	up=$((up + p))
	uf=$((uf + f))
done <build/unit.counts
[ -s build/unit.counts ] || uf=1
read -r sp sf <build/system/counts || { sp=0; sf=1; }
passed=$((up + sp))
failed=$((uf + sf))
# CI shows only the last lines: the unit tests' failures come long
# before them (run.sh lists the system tests' own just above).
if [ "$uf" != 0 ]; then
	echo "unit: what failed (the first 10):"
	grep 'not ok' "$log" | head -n 10 | cut -c1-300
fi
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
