#!/bin/bash
# make run: the whole stack with demo shops, in the foreground until Ctrl-C.
#   PORT (8080)   where nginx listens on 127.0.0.1
#   DEMO (1)      0 leaves out the demo shops, simulators and data
#   WORKERS (4)   FastCGI workers
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
PORT=${PORT:-8080}
DEMO=${DEMO:-1}
DIR=$ROOT/var/run
export BUILD=${BUILD:-build}
BATCH="$ROOT/$BUILD/zaiko-batch"
mkdir -p "$DIR"

# The demo's Amazon simulator validates against Amazon's SP-API models, kept beside the
# repository in tests/sim/amazon-models (or $ZAIKO_AMAZON_MODELS).
models=${ZAIKO_AMAZON_MODELS:-$ROOT/tests/sim/amazon-models}
if [ "$DEMO" != 0 ] && [ ! -f "$models/ordersV0.json" ]; then
	echo "make run: the demo shops need Amazon's SP-API models in $models" >&2
	echo "make run: (or ZAIKO_AMAZON_MODELS=DIR); without them run DEMO=0 make run" >&2
	exit 1
fi

# Another program on the port (a second zaiko in another clone, a web server): say so before
# anything starts, instead of nginx's bind() errors.
ours=0
[ -f "$DIR/nginx/nginx.pid" ] && kill -0 "$(cat "$DIR/nginx/nginx.pid")" 2>/dev/null && ours=1
if [ "$ours" = 0 ] && (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
	echo "make run: port $PORT on 127.0.0.1 is already in use by another program." >&2
	echo "make run: stop it, or choose another port: PORT=8081 make run" >&2
	exit 1
fi

stop_all() {
	trap - INT TERM EXIT
	echo
	echo "zaiko: stopping…"
	tests/stack/stack.sh stop "$DIR"
	echo "zaiko: stopped."
}
trap stop_all INT TERM EXIT

tests/stack/stack.sh start "$DIR" "$PORT"
export ZAIKO_CONF=$DIR/zaiko.conf

first_start=0
if [ "$(tests/stack/stack.sh sql "$DIR" -N -B -e 'SELECT COUNT(*) FROM app_user')" = 0 ]; then
	first_start=1
	creds=$("$BATCH" useradd admin --role admin)
fi

if [ "$DEMO" != 0 ]; then
	/usr/bin/python3 tests/stack/demo.py "$DIR"
	# Now and then an order in a random demo shop, so the screen visibly syncs.
	/usr/bin/python3 tests/stack/demo_orders.py "$DIR" --every "${DEMO_ORDER_EVERY:-20}" \
		>>"$DIR/demo-orders.log" 2>&1 &
	echo $! >"$DIR/demo-orders.pid"
fi

# The batch loop: fetch orders, apply, push, mail — every few seconds.
"$BATCH" cycle --loop --interval "${INTERVAL:-5}" >>"$DIR/batch.log" 2>&1 &
echo $! >"$DIR/batch.pid"

echo
echo "zaiko is running:  http://127.0.0.1:$PORT/"
if [ "$first_start" = 1 ]; then
	echo "$creds" | sed 's/^/  /'
	echo "  (the password is shown this once; keep it)"
else
	echo "  login: admin (the password was shown at the first start)"
fi
[ "$DEMO" != 0 ] && echo "  demo shops: 6 mall simulators on loopback; orders arrive by themselves"
echo "  logs: $DIR/*.log   stop: Ctrl-C or 'make stop'"
# Wait here until Ctrl-C; the trap stops everything by pid.
while [ -f "$DIR/batch.pid" ] && kill -0 "$(cat "$DIR/batch.pid" 2>/dev/null)" 2>/dev/null; do
	sleep 1
done
if [ -f "$DIR/batch.pid" ]; then
	echo "zaiko: the batch loop ended; see $DIR/batch.log"
else
	echo "zaiko: stopped by make stop"
fi
