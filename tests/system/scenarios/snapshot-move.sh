# Moving a running SVE guest between hosts whose SVE differs: the guest is
# saved on sve-vq4 ({128,256,384,512}) and restored on sve-pow2
# ({128,256,512}), through /exchange, the directory every nested host of
# a run mounts (tests/system/run.sh). A guest pinned to the set both can
# give (128,256, what lkvm sve common says) moves and runs on with its
# SVE registers intact; one with vq4's whole set is refused on pow2
# before anything is built, with the reason; sve-off refuses both.

MOVE=/exchange/move-$(arg kernel)

# save NAME SET: an sve_hold guest with --sve-vls=SET, saved to $MOVE/NAME.
save() {
	log=$LOGDIR/move-$1.console
	lkvm run --name "move-$1" -k "$L2_KERNEL" -i "$L2_INITRD" \
		-p "$L2_PARAMS lkvm.test=sve_hold" -c 2 -m 192 --sve-vls="$2" \
		</dev/null >"$log" 2>&1 &
	pid=$!
	wait_for "$log" "sve_hold round=5 " 120 || fail "move-$1 never ran: $(tail -n 3 "$log")" || return
	timeout 300 lkvm snapshot -n "move-$1" --stop "$MOVE/$1" >>"$OUT" 2>&1 ||
		fail "snapshot of move-$1 failed" || return
	wait_gone "$pid" || fail "move-$1 did not stop" || return
	sed -n 's/.*sve_hold round=\([0-9]*\) .*/\1/p' "$log" | tail -n 1 >"$MOVE/$1.round"
}

t_export() {
	rm -rf "$MOVE"
	mkdir -p "$MOVE"
	save common 128,256 || return
	save whole 128,256,384,512 || return
	touch "$MOVE/done"
}

# The importing host waits for the exporting one (they may run at once).
wait_export() {
	n=0
	while [ ! -f "$MOVE/done" ]; do
		[ $n -ge 1500 ] && return 1
		sleep 1
		n=$((n + 1))
	done
}

t_import() {
	wait_export || fail "no snapshots from sve-vq4 in $MOVE after 25 minutes (run both hosts: --suite snapshot-move)" || return
	lkvm_run 60 sve check --snapshot "$MOVE/whole"
	expect_rc 1 || return
	expect_line "this host cannot run the guest as it was: the guest's SVE vector lengths 128,256,384,512 bits are not possible on this host: the host has no 384-bit vectors" || return
	: >"$OUT"
	lkvm_run 120 restore "$MOVE/whole"
	expect_rc 1 || return
	expect_line "lkvm: error: lkvm restore $MOVE/whole: this host cannot run the guest as it was: the guest's SVE vector lengths" || return
	: >"$OUT"
	lkvm_run 60 sve check --snapshot "$MOVE/common"
	expect_rc 0 || return
	round=$(cat "$MOVE/common.round")
	log=$LOGDIR/moved.console
	lkvm restore --name moved "$MOVE/common" </dev/null >"$log" 2>&1 &
	pid=$!
	wait_for "$log" "sve_hold round=$((round + 15)) vl=256 ok" 180 ||
		fail "the moved guest did not run on at 256 bits: $(grep -a '@@L2\|error' "$log" | tail -n 3)" || return
	grep -q corrupt "$log" && fail "$(grep corrupt "$log")" && return 1
	grep -q "sve_hold start" "$log" && fail "the moved guest started afresh" && return 1
	lkvm stop -n moved >/dev/null 2>&1
	wait_gone "$pid" || fail "the moved guest did not stop"
}

# A host without SVE for guests can run neither, and says so before
# anything is built.
t_refuse_no_sve() {
	wait_export || fail "no snapshots from sve-vq4 in $MOVE after 25 minutes (run both hosts: --suite snapshot-move)" || return
	for s in common whole; do
		: >"$OUT"
		lkvm_run 60 sve check --snapshot "$MOVE/$s"
		expect_rc 1 || return
		expect_line "$MOVE/$s: this host cannot run the guest as it was: " || return
		grep -q "cannot run the guest as it was: .*SVE" "$OUT" || fail "the reason does not name SVE" || return
		: >"$OUT"
		lkvm_run 120 restore "$MOVE/$s"
		expect_rc 1 || return
		expect_line "lkvm: error: lkvm restore $MOVE/$s: this host cannot run the guest as it was: " || return
	done
}

case "$host" in
sve-vq4) run_test export t_export ;;
sve-pow2) run_test import t_import ;;
sve-off) run_test refuse-no-sve t_refuse_no_sve ;;
*) echo "@@RESULT FAIL $SUITE: only sve-vq4 (export), sve-pow2 (import) and sve-off run it" ;;
esac
