# migrate.sh's tests out of make check (see there): a destination killed
# mid-stream, and the streams test with its forced move MIG_MOVES times,
# to count failures; run with tests/system/run.sh --suite migrate-killed
# or make check-slow.
. ./scenarios/migrate.sh
