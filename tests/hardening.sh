#!/bin/sh
# Checks the hardening of a built lkvm with readelf: a position-independent
# executable, full RELRO (read-only relocations, bound now), a stack that
# is not executable, stack-protector canaries and fortified libc calls;
# and that it links no run-time filter compiler (core/seccomp.c's weak
# seccomp_compile: every filter is compiled when lkvm is built).
# Prints "ok hardening-NAME" / "not ok hardening-NAME: why" and adds its
# counts to build/unit.counts.
bin=${1:-lkvm}
passed=0
failed=0
check() {
	if eval "$2"; then
		echo "ok hardening-$1"
		passed=$((passed + 1))
	else
		echo "not ok hardening-$1: $3"
		failed=$((failed + 1))
	fi
}
hdr=$(readelf -h "$bin")
seg=$(readelf -lW "$bin")
dyn=$(readelf -dW "$bin")
syms=$(readelf -sW "$bin")
check pie 'echo "$hdr" | grep -q "Type:.*DYN"' "not a position-independent executable"
check relro 'echo "$seg" | grep -q GNU_RELRO' "no GNU_RELRO segment"
check bind-now 'echo "$dyn" | grep -q "FLAGS.*BIND_NOW\|FLAGS_1.*NOW"' "relocations not bound at start (partial RELRO)"
check noexec-stack 'echo "$seg" | grep GNU_STACK | grep -qv "RWE"' "executable stack"
check no-rwx-segment '! echo "$seg" | grep LOAD | grep -q "RWE"' "a writable and executable segment"
check stack-protector 'echo "$syms" | grep -q __stack_chk_fail' "no stack-protector canaries"
check fortify 'echo "$syms" | grep -qE "__(memcpy|snprintf|vsnprintf|read)_chk"' "no fortified libc calls"
check no-filter-compiler '! echo "$syms" | grep -qE " (seccomp_compile|seccomp_init)$"' "lkvm links libseccomp's compiler, which costs page faults at every start"
mkdir -p build
echo "$passed $failed" >>build/unit.counts
echo "hardening: $passed passed, $failed failed"
[ "$failed" = 0 ]
