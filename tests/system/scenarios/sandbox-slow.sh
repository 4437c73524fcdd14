# sandbox-slow (long: make check-slow): the sandbox and sandbox-cold
# suites under their own names, for the hosts where make check leaves
# them out (hosts.conf: the 6.1 nested host, whose KVM now and then
# loses a warm run's guest; testing.md, "The warm-run crash").
run_suite sandbox
run_suite sandbox-cold
