#!/bin/bash
# The failover path of the README (tests/stack/failover.py): a primary and a semi-synchronous
# GTID replica on this machine, web and batch on the primary under orders and edits, the
# primary killed, the replica promoted; prints the invariants and fails when one is broken.
# About 2–3 minutes on 2 cores, so it runs here rather than in make test.
#   DIR (var/failover), LOAD_BEFORE / LOAD_AFTER seconds of load (8 / 8), KEEP=1
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
exec /usr/bin/python3 tests/stack/failover.py "${DIR:-$ROOT/var/failover}"
