#!/bin/bash
# `lkvm sve common` over the probe files the SVE hosts exported: the
# fleet workflow, run on the build host (under qemu-user when it is x86).
set -u
top=$(cd "$(dirname "$0")/../../.." && pwd)
out=$top/build/system
[ "${HOST:?}" = sve-off ] || exit 0	# after the last SVE host only

runner=
[ "$(uname -m)" = aarch64 ] || runner=qemu-aarch64-static
result() { echo "$1 sve.$2${3:+: $3}"; }

# The SVE hosts of this run's kernel (run.sh calls them NAME@KERNEL).
probe() { echo "$out/$1@${KERNEL:?}/files/probe-$1.json"; }
vq4=$(probe sve-vq4)
pow2=$(probe sve-pow2)
off=$(probe sve-off)
for h in sve-vq4 sve-pow2 sve-off; do
	f=$(probe $h)
	[ -s "$f" ] && continue
	# A partial run (--host) leaves nothing to combine; a full one must.
	[[ "${RUN_HOSTS:-}" == *" $h@$KERNEL "* ]] && result FAIL common "missing $f"
	exit 0
done

common() { $runner "$top/lkvm" sve common "$@" 2>/tmp/lkvm-common.err; }

check() {
	local name=$1 want=$2 got
	shift 2
	got=$(common "$@")
	if [ "$got" = "$want" ]; then
		result PASS "$name" "common set $got"
	else
		result FAIL "$name" "got '$got', expected '$want' ($(cat /tmp/lkvm-common.err))"
	fi
}

check common-one 128,256,384,512 "$vq4"
check common-same 128,256,384,512 "$vq4" "$vq4"
check common-vq4-pow2 128,256 "$vq4" "$pow2"
check common-pow2-vq4 128,256 "$pow2" "$vq4"
check common-with-off off "$vq4" "$pow2" "$off"
if grep -q "has no SVE for guests" /tmp/lkvm-common.err; then
	result PASS common-explains-off "$(cat /tmp/lkvm-common.err)"
else
	result FAIL common-explains-off "no reason given: $(cat /tmp/lkvm-common.err)"
fi
printf 'not json' >/tmp/bad.json
if ! common /tmp/bad.json >/dev/null && grep -q "not valid JSON" /tmp/lkvm-common.err; then
	result PASS common-bad-file "refused"
else
	result FAIL common-bad-file "accepted a non-JSON file"
fi
