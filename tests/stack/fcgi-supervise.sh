#!/bin/bash
# The private stack's FastCGI supervisor, as multiwatch is in production: started by
# `spawn-fcgi -n` with the listening socket on fd 0, it starts N workers on that socket,
# starts another whenever one ends (killed, crashed, or ended by SIGTERM), keeps the
# workers' pids in PIDFILE (one a line, rewritten at each change) and, on SIGTERM, ends
# them all and exits. Workers' stderr is the supervisor's (stack.sh sends it to fcgi.log).
#   fcgi-supervise.sh N PIDFILE PROGRAM [ARGS...]
set -u
n=${1:?usage: fcgi-supervise.sh N PIDFILE PROGRAM [ARGS]}
pidfile=${2:?usage: fcgi-supervise.sh N PIDFILE PROGRAM [ARGS]}
shift 2
declare -A born          # pid -> start time (s)
stopping=0
trap 'stopping=1' TERM INT HUP

write_pids() {
	printf '%s\n' "${!born[@]}" >"$pidfile.tmp" && mv -f "$pidfile.tmp" "$pidfile"
}
# The listening socket is fd 0; a background command's stdin would be /dev/null, so each
# worker is given it back explicitly (from fd 3, kept for that).
exec 3<&0
spawn() {
	"$@" 0<&3 3<&- &
	born[$!]=$EPOCHSECONDS
}

for ((i = 0; i < n; i++)); do spawn "$@"; done
write_pids
while [ "$stopping" = 0 ]; do
	dead=""
	wait -n -p dead
	rc=$?
	[ "$stopping" = 0 ] || break
	[ -n "$dead" ] && [ -n "${born[$dead]+x}" ] || continue
	age=$((EPOCHSECONDS - born[$dead]))
	unset "born[$dead]"
	echo "fcgi-supervise: worker $dead ended (status $rc) after ${age} s; starting another" >&2
	# A worker that ends at once (bad configuration, missing library) is not restarted in a
	# tight loop: one a second at most, each ending logged above.
	[ "$age" -ge 1 ] || sleep 1
	[ "$stopping" = 0 ] || break
	spawn "$@"
	write_pids
done
for p in "${!born[@]}"; do kill -TERM "$p" 2>/dev/null; done
for _ in $(seq 1 100); do
	left=0
	for p in "${!born[@]}"; do kill -0 "$p" 2>/dev/null && left=1; done
	[ "$left" = 0 ] && break
	sleep 0.05
done
for p in "${!born[@]}"; do kill -KILL "$p" 2>/dev/null; done
wait
rm -f "$pidfile"
