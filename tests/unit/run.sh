#!/bin/sh
# Runs unit-test binaries (under RUNNER, e.g. qemu-aarch64-static, when
# the host is not arm64) and counts "ok"/"not ok" lines.
# usage: tests/unit/run.sh "RUNNER" BINARY...
runner=$1
shift
passed=0
failed=0
out=$(mktemp)
for t in "$@"; do
	name=$(basename "$t")
	# Library refusals go to stderr by design; keep them out of the way.
	if ! $runner "$t" >"$out" 2>"$out.err"; then
		status=$?
		if ! grep -q '^not ok' "$out"; then
			# A sanitizer or a crash: say so, with what it printed.
			echo "not ok $name: exited with status $status" >>"$out"
			tail -n 25 "$out.err" | sed "s/^/$name: stderr: /"
		fi
	fi
	sed "s/^/$name: /" "$out" | grep -v ': ok ' || true
	p=$(grep -c '^ok ' "$out")
	f=$(grep -c '^not ok ' "$out")
	passed=$((passed + p))
	failed=$((failed + f))
done
rm -f "$out" "$out.err"
mkdir -p build
echo "$passed $failed" >>build/unit.counts
echo "unit (${runner:-native, ASan+UBSan}): $passed passed, $failed failed"
[ "$failed" = 0 ]
