# migrate.sh's tests that fail on the 6.12 host (see there): a
# destination killed mid-stream, and a forced move over TCP with the NIC
# receiving; run with tests/system/run.sh --suite migrate-killed or make
# check-slow.
. ./scenarios/migrate.sh
