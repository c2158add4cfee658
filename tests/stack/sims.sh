#!/bin/bash
# The mall simulators of a stack directory, each on a free loopback port.
#   sims.sh start DIR   starts tests/sim/{yahoo,rakuten,amazon,shopify,base,colorme}_sim.py (those present)
#                       and writes DIR/sims/<mall>.port and DIR/sims/<mall>.pid
#   sims.sh stop DIR    stops them, by pid
#   sims.sh url DIR MALL  prints http://127.0.0.1:PORT of a running simulator
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cmd=${1:?usage: sims.sh start|stop|url DIR [MALL]}
DIR=${2:?usage: sims.sh start|stop|url DIR [MALL]}
SIMS="$DIR/sims"
MALLS="yahoo rakuten amazon shopify base colorme"

running() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

case $cmd in
start)
	mkdir -p "$SIMS"
	for m in $MALLS; do
		src="$ROOT/tests/sim/${m}_sim.py"
		[ -f "$src" ] || continue
		running "$SIMS/$m.pid" && continue
		rm -f "$SIMS/$m.port"
		/usr/bin/python3 "$src" --port 0 --port-file "$SIMS/$m.port" \
			>>"$SIMS/$m.log" 2>&1 &
		echo $! >"$SIMS/$m.pid"
	done
	for m in $MALLS; do
		[ -f "$SIMS/$m.pid" ] || continue
		for _ in $(seq 1 200); do
			[ -s "$SIMS/$m.port" ] && break
			running "$SIMS/$m.pid" || { echo "sims: $m simulator died; see $SIMS/$m.log" >&2; exit 1; }
			sleep 0.05
		done
		[ -s "$SIMS/$m.port" ] || { echo "sims: $m simulator did not start" >&2; exit 1; }
	done
	;;
stop)
	[ -d "$SIMS" ] || exit 0
	for m in $MALLS; do
		f="$SIMS/$m.pid"
		[ -f "$f" ] || continue
		pid=$(cat "$f")
		if kill -0 "$pid" 2>/dev/null; then
			kill "$pid" 2>/dev/null || true
			for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
			kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
		fi
		rm -f "$f" "$SIMS/$m.port"
	done
	;;
url)
	m=${3:?usage: sims.sh url DIR MALL}
	running "$SIMS/$m.pid" || { echo "sims: $m is not running" >&2; exit 1; }
	echo "http://127.0.0.1:$(cat "$SIMS/$m.port")"
	;;
*)
	echo "usage: sims.sh start|stop|url DIR [MALL]" >&2; exit 2;;
esac
