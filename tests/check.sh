#!/bin/sh
# `make check`: unit tests, then the nested system tests; the last line
# is the total "N passed, N failed".
# usage: tests/check.sh "RUNNER" CACHE UNIT_BINARY...
runner=$1
cache=$2
shift 2
rm -f build/unit.counts build/system/counts
tests/unit/run.sh "$runner" "$@"
tests/system/run.sh --cache "$cache" --all
read -r up uf <build/unit.counts || { up=0; uf=1; }
read -r sp sf <build/system/counts || { sp=0; sf=1; }
passed=$((up + sp))
failed=$((uf + sf))
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
