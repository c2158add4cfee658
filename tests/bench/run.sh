#!/bin/bash
# make bench: every tests/bench/*_bench.sh in turn; each prints its own table of figures
# beside a baseline measured in the same run. Benchmarks never decide pass or fail.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
export BUILD=${BUILD:-build}
ONLY=${ONLY:-}
status=0
for b in tests/bench/*_bench.sh; do
	name=$(basename "$b" _bench.sh)
	[ -n "$ONLY" ] && case ",$ONLY," in *",$name,"*) ;; *) continue;; esac
	echo "=================== bench: $name ($b)"
	bash "$b" || { echo "bench $name failed (exit $?)"; status=1; }
done
exit $status
