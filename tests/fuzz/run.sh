#!/bin/sh
# Runs libFuzzer targets: first every saved regression input of a target
# (each crash ever found, tests/fuzz/regressions/NAME/), then fuzzing for
# SECONDS from the seed corpus (tests/fuzz/corpus/NAME/). New corpus
# entries go to build/fuzz/corpus/NAME, crashes to build/fuzz/crashes/NAME.
# Prints "ok fuzz-NAME: ..." or "not ok fuzz-NAME: ..." and adds its
# counts to build/unit.counts.
# usage: tests/fuzz/run.sh SECONDS FUZZER...
seconds=$1
shift
passed=0
failed=0
for f in "$@"; do
	name=$(basename "$f" | sed 's/^fuzz_//')
	seeds=tests/fuzz/corpus/$name
	regress=tests/fuzz/regressions/$name
	work=build/fuzz/corpus/$name
	crashes=build/fuzz/crashes/$name
	log=build/fuzz/$name.log
	mkdir -p "$work" "$crashes" "$seeds"
	if [ -d "$regress" ] && [ -n "$(ls -A "$regress" 2>/dev/null)" ]; then
		if ! "$f" "$regress"/* >"$log" 2>&1; then
			echo "not ok fuzz-$name: a saved regression input fails again (see $log)"
			failed=$((failed + 1))
			continue
		fi
	fi
	# -close_fd_mask=3: the targets' own messages would only slow them.
	if "$f" -max_total_time="$seconds" -print_final_stats=1 -close_fd_mask=3 \
		-artifact_prefix="$crashes/" "$work" "$seeds" >"$log" 2>&1; then
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
		echo "ok fuzz-$name: $runs inputs in ${seconds} s"
		passed=$((passed + 1))
	else
		echo "not ok fuzz-$name: $(grep -m1 -E 'ERROR|SUMMARY|deadly' "$log") (input saved in $crashes; add it to $regress)"
		failed=$((failed + 1))
	fi
done
mkdir -p build
echo "$passed $failed" >>build/unit.counts
echo "fuzz: $passed passed, $failed failed"
[ "$failed" = 0 ]
