# Guest side of the benchmarks (tests/bench).

# A line every 10 ms: the first one after `lkvm run` or `lkvm restore`
# shows the guest running (tests/bench/snapshot.sh).
action_heartbeat() {
	exec heartbeat 10
}
