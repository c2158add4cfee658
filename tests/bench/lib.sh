# What the screen benchmarks share (sourced, not run): a fresh private stack with four shops
# and generated data, and a logged-in session.
#   bench_stack DIR            stack in DIR on a free port (stopped at exit unless KEEP=1);
#                              sets PORT, BASE, ZAIKO_CONF
#   bench_data DIR NSKUS       one shop per mall (Yahoo the base shop), NSKUS SKUs in each
#   bench_login DIR            a staff user logged in; sets JAR (cookie file) and SESSION

bench_stack() {
	local dir=$1
	PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	tests/stack/stack.sh stop "$dir" >/dev/null 2>&1 || true
	rm -rf "$dir"
	# KEEP=1 leaves the stack running afterwards (for profiling); stop it with stack.sh stop.
	[ -n "${KEEP:-}" ] || trap "tests/stack/stack.sh stop '$dir' >/dev/null 2>&1 || true" EXIT
	WORKERS=${WORKERS:-4} BUFFER_POOL=${BUFFER_POOL:-256M} tests/stack/stack.sh start "$dir" "$PORT" >/dev/null
	export ZAIKO_CONF=$dir/zaiko.conf
	BASE=http://127.0.0.1:$PORT
}

bench_data() {
	local dir=$1 nskus=$2
	tests/stack/stack.sh sql "$dir" -e "INSERT INTO shop (name, mall, is_base, created_at) VALUES
		('Yahoo店','yahoo',1,UTC_TIMESTAMP()), ('楽天店','rakuten',0,UTC_TIMESTAMP()),
		('Amazon店','amazon',0,UTC_TIMESTAMP()), ('Shopify店','shopify',0,UTC_TIMESTAMP())"
	BUILD=$BUILD tests/stack/gen_data.sh "$dir" "$nskus" >/dev/null
}

bench_login() {
	local dir=$1 pw pre user
	pw=bench-$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')
	# A user of its own each time, so a reused stack (REUSE=1) takes another login.
	user=bench$(head -c 3 /dev/urandom | od -An -tx1 | tr -d ' \n')
	echo "$pw" | "$BUILD/zaiko-batch" useradd "$user" --role staff --password-stdin
	JAR=$dir/cookies
	curl -s -c "$JAR" "$BASE/login" -o "$dir/login.html"
	pre=$(grep -o 'name="csrf" value="[0-9a-f]*"' "$dir/login.html" | head -1 | sed 's/.*value="//; s/"//')
	curl -s -b "$JAR" -c "$JAR" -o /dev/null -d "csrf=$pre&login=$user&password=$pw&next=/" "$BASE/login"
	SESSION=$(awk '$6 == "zaiko_session" {print $7}' "$JAR")
	[ -n "$SESSION" ] || { echo "bench: login failed"; exit 1; }
}

# CPU time in ms the stack in DIR has used so far, as "db fcgi nginx": MariaDB, the FastCGI
# workers, nginx (master and workers). Two readings around a run, divided by its requests,
# say where a page's time goes.
stack_cpu() {
	local dir=$1 db=0 fcgi=0 web=0 p hz
	hz=$(getconf CLK_TCK)
	ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
	for p in $(cat "$dir/mysql.pid" 2>/dev/null); do db=$((db + $(ticks "$p"))); done
	for p in $(cat "$dir/fcgi.pids" 2>/dev/null); do fcgi=$((fcgi + $(ticks "$p"))); done
	for p in $(cat "$dir/nginx/nginx.pid" 2>/dev/null); do
		web=$((web + $(ticks "$p")))
		for c in $(ps -o pid= --ppid "$p"); do web=$((web + $(ticks "$c"))); done
	done
	echo "$((db * 1000 / hz)) $((fcgi * 1000 / hz)) $((web * 1000 / hz))"
}

# Builds a bench program OUT from SRC against the shared layers' objects (core, db, stock,
# csv) with the libraries the Makefile links.
bench_cc() {
	local out=$1 src=$2 objs
	objs=$(ls "$BUILD"/obj/cgi-bin/core/*.o "$BUILD"/obj/cgi-bin/db/*.o \
		"$BUILD"/obj/cgi-bin/stock/*.o "$BUILD"/obj/cgi-bin/csv/*.o)
	cc -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -Icgi-bin \
		$(pkg-config --cflags libmariadb libcjson 2>/dev/null) -o "$out" "$src" $objs \
		-lneo_cgi -lneo_cs -lneo_utl -lz -lexpat -lcrypto -lcrypt \
		$(pkg-config --libs libmariadb libcurl libcjson 2>/dev/null) \
		$(pkg-config --libs icu-uc icu-i18n 2>/dev/null || true) \
		$(pkg-config --libs libutf8proc 2>/dev/null || true) -lm
}
