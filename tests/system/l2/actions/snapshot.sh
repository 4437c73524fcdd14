# Guest side of the snapshot suite (tests/system/scenarios/snapshot.sh).

# Checks that every SVE register keeps its value across snapshots and
# restores, printing "@@L2 sve_hold round=N vl=BITS ok" as it goes.
action_sve_hold() {
	exec sve_hold
}
