#!/bin/bash
# The private stack: MariaDB, the FastCGI workers and nginx, all under one directory.
#   stack.sh start DIR PORT   creates (first time) and starts everything; idempotent
#   stack.sh stop DIR         stops every process it started, by pid
#   stack.sh sql DIR [ARGS]   a mariadb client on the stack's database
#   stack.sh restart-fcgi DIR / stop-fcgi DIR   the FastCGI workers alone
# Environment: WORKERS (default 4), BUILD (default build), ZAIKO_KEEP_LOGS.
#
# Every process runs as the user who starts the stack (nginx's workers too, also as root), and
# DIR is mode 0700: nothing depends on other users being able to enter the clone's path (a
# clone in root's home or in `mktemp -d` works), and no other local user can reach the
# sockets (MariaDB's root has no password, but only its owner can connect).
# The workers run under tests/stack/fcgi-supervise.sh, which restarts one that dies; their
# stderr goes to DIR/fcgi.log.
set -eu
# mariadbd and nginx live in sbin, which an ordinary user's PATH on Debian does not hold.
PATH=$PATH:/usr/local/sbin:/usr/sbin:/sbin
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-build}
cmd=${1:?usage: stack.sh start|stop|sql DIR [PORT]}
DIR=${2:?usage: stack.sh start|stop|sql DIR [PORT]}
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
SOCK=$DIR/mysql.sock
# Only its owner may enter: the database socket (root without password), the FastCGI socket
# and zaiko.conf (the database password) are all in here.
chmod 0700 "$DIR"

as_root_user() { [ "$(id -u)" = 0 ] && echo "--user=root" || true; }

# Ends the FastCGI supervisor (which ends its workers), then any worker still listed in
# fcgi.pids (one pid a line).
stop_workers() {
	stop_pidfile "$DIR/fcgi.supervisor"
	[ -f "$DIR/fcgi.pids" ] || return 0
	local p
	for p in $(cat "$DIR/fcgi.pids"); do kill "$p" 2>/dev/null || true; done
	for p in $(cat "$DIR/fcgi.pids"); do
		for _ in $(seq 1 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.05; done
		kill -KILL "$p" 2>/dev/null || true
	done
	rm -f "$DIR/fcgi.pids"
}

stop_pidfile() {
	local f=$1 sig=${2:-TERM}
	[ -f "$f" ] || return 0
	local pid; pid=$(cat "$f" 2>/dev/null || true)
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		kill -"$sig" "$pid" 2>/dev/null || true
		for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
		kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
	fi
	rm -f "$f"
}

start_mariadb() {
	if [ ! -d "$DIR/mysql/mysql" ]; then
		mkdir -p "$DIR/mysql"
		mariadb-install-db --no-defaults --datadir="$DIR/mysql" \
			--auth-root-authentication-method=normal --skip-test-db \
			--character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
			--innodb-log-file-size=16M $(as_root_user) >"$DIR/mysql-install.log" 2>&1 || {
			echo "stack: mariadb-install-db failed; $DIR/mysql-install.log says:" >&2
			tail -15 "$DIR/mysql-install.log" >&2
			rm -rf "$DIR/mysql"
			exit 1; }
	fi
	if [ -f "$DIR/mysql.pid" ] && kill -0 "$(cat "$DIR/mysql.pid")" 2>/dev/null; then return 0; fi
	command -v mariadbd >/dev/null || {
		echo "stack: mariadbd is not installed (run 'make deps' or apt-get install mariadb-server)" >&2
		exit 1; }
	mariadbd --no-defaults --datadir="$DIR/mysql" --socket="$SOCK" --pid-file="$DIR/mysql.pid" \
		--log-error="$DIR/mysql.log" --skip-networking --character-set-server=utf8mb4 \
		--collation-server=utf8mb4_unicode_ci --innodb-buffer-pool-size=${BUFFER_POOL:-256M} \
		--innodb-flush-log-at-trx-commit=${FLUSH_AT_COMMIT:-1} --max-connections=200 \
		$(as_root_user) >"$DIR/mysql.start.log" 2>&1 &
	local pid=$! i
	# Up to 60 s: a loaded machine starts it slowly; the loop ends early if mariadbd exits.
	for i in $(seq 1 1200); do
		mariadb-admin --no-defaults --socket="$SOCK" -uroot ping >/dev/null 2>&1 && return 0
		if [ $((i % 20)) = 0 ] && ! kill -0 "$pid" 2>/dev/null; then
			break
		fi
		sleep 0.05
	done
	echo "stack: MariaDB did not start; $DIR/mysql.log says:" >&2
	tail -15 "$DIR/mysql.log" "$DIR/mysql.start.log" >&2 2>/dev/null || true
	exit 1
}

write_conf() {
	if [ -f "$DIR/zaiko.conf" ]; then
		# A stack made before the key existed: its simulators still live on loopback.
		grep -q '^allow_local_mall_urls' "$DIR/zaiko.conf" ||
			sed -i '/^\[batch\]$/a allow_local_mall_urls = 1' "$DIR/zaiko.conf"
		return 0
	fi
	local pw; pw=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
	mariadb --no-defaults --socket="$SOCK" -uroot <<SQL
CREATE DATABASE IF NOT EXISTS zaiko CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER IF NOT EXISTS 'zaiko'@'localhost' IDENTIFIED BY '$pw';
GRANT ALL ON zaiko.* TO 'zaiko'@'localhost';
SQL
	umask 077
	cat >"$DIR/zaiko.conf" <<CONF
# Written by tests/stack/stack.sh for the private stack in this directory.
[database]
socket = $SOCK
user = zaiko
password = $pw
name = zaiko

[web]
templates = $ROOT/templates
session_idle_hours = 8
max_body_bytes = 33554432

[batch]
key_file = $DIR/secret.key
sql_dir = $ROOT/sql
# The mall simulators listen on loopback over http://.
allow_local_mall_urls = 1

# Test stacks only: a COMMIT that finds this file removes it and kills its own connection
# first (cgi-bin/db/db.c), so tests can cut the connection at commit on purpose.
[test]
kill_commit_file = $DIR/fault-kill-commit
CONF
	umask 022
}

start_fcgi() {
	stop_workers
	rm -f "$DIR/fcgi.sock"
	local n=${WORKERS:-4}
	# spawn-fcgi -n creates the socket (owner only: nginx's workers run as this user too) and
	# execs the supervisor on it; the supervisor starts the workers and writes fcgi.pids.
	ZAIKO_CONF="$DIR/zaiko.conf" spawn-fcgi -n -s "$DIR/fcgi.sock" -M 0600 -- \
		"$ROOT/tests/stack/fcgi-supervise.sh" "$n" "$DIR/fcgi.pids" "$ROOT/$BUILD/zaiko.fcgi" \
		</dev/null >>"$DIR/fcgi.log" 2>&1 &
	echo $! >"$DIR/fcgi.supervisor"
	for _ in $(seq 1 200); do
		[ -S "$DIR/fcgi.sock" ] && [ -s "$DIR/fcgi.pids" ] && return 0
		kill -0 "$(cat "$DIR/fcgi.supervisor")" 2>/dev/null || break
		sleep 0.05
	done
	echo "stack: the FastCGI workers did not start; see $DIR/fcgi.log" >&2
	tail -5 "$DIR/fcgi.log" >&2
	exit 1
}

# The stack's nginx.conf for PORT on stdout.
nginx_conf() {
	local port=$1
	# Started as root, nginx would run its workers as nobody, who cannot enter DIR (0700) nor,
	# often, the clone (root's home is 0700): they run as the invoking user instead. Started
	# by anyone else, nginx cannot change user and must not be told to.
	local user=""
	[ "$(id -u)" = 0 ] && user="user $(id -un) $(id -gn);"
	sed -e "s|@DIR@|$DIR|g" -e "s|@PORT@|$port|g" -e "s|@ROOT@|$ROOT|g" -e "s|@USER@|$user|" \
		-e "s|@CONN_LIMIT@|${NGINX_CONN_LIMIT:-256}|" -e "s|@REQ_RATE@|${NGINX_REQ_RATE:-2000}|" \
		-e "s|@REQ_BURST@|${NGINX_REQ_BURST:-4000}|" "$ROOT/conf/nginx-stack.conf.in"
}

start_nginx() {
	local port=$1
	mkdir -p "$DIR/nginx/logs" "$DIR/nginx/tmp"
	nginx_conf "$port" >"$DIR/nginx/nginx.conf"
	if [ -f "$DIR/nginx/nginx.pid" ] && kill -0 "$(cat "$DIR/nginx/nginx.pid")" 2>/dev/null; then
		nginx -p "$DIR/nginx/" -c "$DIR/nginx/nginx.conf" -e "$DIR/nginx/logs/error.log" -s reload
	else
		nginx -p "$DIR/nginx/" -c "$DIR/nginx/nginx.conf" -e "$DIR/nginx/logs/error.log"
	fi
	echo "$port" >"$DIR/port"
}

case $cmd in
start)
	PORT=${3:?usage: stack.sh start DIR PORT}
	start_mariadb
	write_conf
	ZAIKO_CONF="$DIR/zaiko.conf" "$ROOT/$BUILD/zaiko-batch" migrate >>"$DIR/batch.log" 2>&1 || {
		echo "stack: migrate failed; see $DIR/batch.log" >&2; tail -5 "$DIR/batch.log" >&2; exit 1; }
	start_fcgi
	start_nginx "$PORT"
	;;
restart-fcgi)
	start_fcgi
	;;
stop-fcgi)
	stop_workers
	;;
nginx-conf)
	nginx_conf "${3:?usage: stack.sh nginx-conf DIR PORT}"
	;;
stop)
	# The batch and helpers first (they talk to everything else), then the simulators,
	# nginx, the workers, and the database last.
	for f in "$DIR"/*.pid; do [ -e "$f" ] && [ "$(basename "$f")" != mysql.pid ] && stop_pidfile "$f"; done
	[ -x "$ROOT/tests/stack/sims.sh" ] && "$ROOT/tests/stack/sims.sh" stop "$DIR" >/dev/null 2>&1 || true
	[ -f "$DIR/nginx/nginx.pid" ] && nginx -p "$DIR/nginx/" -c "$DIR/nginx/nginx.conf" \
		-e "$DIR/nginx/logs/error.log" -s quit 2>/dev/null || true
	stop_pidfile "$DIR/nginx/nginx.pid"
	stop_workers
	stop_pidfile "$DIR/mysql.pid"
	;;
sql)
	shift 2
	exec mariadb --no-defaults --socket="$SOCK" -uroot --default-character-set=utf8mb4 zaiko "$@"
	;;
*)
	echo "usage: stack.sh start|stop|sql DIR [PORT]" >&2; exit 2;;
esac
