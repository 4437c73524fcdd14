# migrate.sh's test of a destination killed mid-stream, apart because it
# failed once (see there); run with tests/system/run.sh --suite
# migrate-killed or make check-slow.
. ./scenarios/migrate.sh
