#!/bin/sh
# Installs what zaiko needs to build, run and test, skipping what is already there. Works on
# any current Debian or Ubuntu (tried on Debian 12; names checked for Debian 13 and Ubuntu
# 24.04): where a name differs between releases, the package is chosen by what this release's
# apt offers (apt-cache), never pinned to one release. The browser tests' npm dependency is
# installed from the committed tests/browser/package-lock.json with `npm ci` (exact versions).
set -e
cd "$(dirname "$0")/../.."
SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo

# One word per need; "a|b" takes the first that is installed, else the first this release
# offers.
NEEDS="build-essential pkg-config libfcgi-dev libfcgi-bin spawn-fcgi libmariadb-dev
mariadb-server mariadb-client nginx libcurl4-openssl-dev libcjson-dev clearsilver-dev
libcmocka-dev libicu-dev zlib1g-dev libexpat1-dev libssl-dev libcrypt-dev wrk fcgiwrap curl
chromium|chromium-browser fonts-ipafont-gothic clang valgrind python3 openssl"
command -v npm >/dev/null 2>&1 || NEEDS="$NEEDS nodejs npm"

# What is installed, read once (one dpkg-query per package is slow on a busy machine).
list_installed() {
	INSTALLED=$(dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' 2>/dev/null | awk '$2 ~ /^ii/ {print $1}')
}
list_installed
installed() { echo "$INSTALLED" | grep -qx "$1"; }
offered() { apt-cache policy "$1" 2>/dev/null | grep -q 'Candidate: [^(]'; }
updated=0
update() {
	[ "$updated" = 1 ] && return 0
	echo "deps: apt-get update"
	$SUDO apt-get update -qq
	updated=1
}

# libFuzzer and the sanitizers' runtime: in its own package (libclang-rt-N-dev) since LLVM
# 15 on Debian/Ubuntu, N being the version the release's clang depends on; older releases
# ship it inside libclang-common-N-dev, which clang already pulls in.
clang_rt() {
	if installed clang; then   # dpkg alone: no apt-cache when everything is there
		n=$(dpkg-query -W -f='${Depends}' clang | tr ',' '\n' | sed -n 's/^ *clang-\([0-9][0-9]*\)\b.*/\1/p' | head -1)
	else
		n=$(apt-cache depends clang 2>/dev/null | sed -n 's/^ *Depends: clang-\([0-9][0-9]*\)$/\1/p' | head -1)
	fi
	[ -n "$n" ] || return 0
	if installed "libclang-rt-$n-dev" || offered "libclang-rt-$n-dev"; then
		echo "libclang-rt-$n-dev"
	fi
}

pick() {   # pick "a|b|c": the installed one, else the first offered, else nothing
	for p in $(echo "$1" | tr '|' ' '); do installed "$p" && { echo "$p"; return 0; }; done
	for p in $(echo "$1" | tr '|' ' '); do offered "$p" && { echo "$p"; return 0; }; done
	return 0
}

missing=""
alts=""
for need in $NEEDS; do
	case $need in
	*"|"*) alts="$alts $need";;
	*) installed "$need" || missing="$missing $need";;
	esac
done
[ -n "$missing" ] && update
for need in $alts; do
	p=$(pick "$need")
	if [ -z "$p" ]; then update; p=$(pick "$need"); fi
	if [ -z "$p" ]; then
		echo "deps: this release offers none of: $(echo "$need" | tr '|' ' ')" >&2; exit 1
	fi
	installed "$p" || missing="$missing $p"
done
rt=$(clang_rt)
if [ -z "$rt" ] && ! installed clang; then update; rt=$(clang_rt); fi
[ -n "$rt" ] && ! installed "$rt" && missing="$missing $rt"

if [ -n "$missing" ]; then
	unavailable=""
	for p in $missing; do offered "$p" || unavailable="$unavailable $p"; done
	if [ -n "$unavailable" ]; then
		echo "deps: this release's apt does not offer:$unavailable" >&2
		echo "deps: enable the release's main/universe components (Ubuntu: universe) and rerun" >&2
		exit 1
	fi
	echo "deps: installing$missing"
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
fi

# Browser tests drive the release's Chromium through playwright-core (no browser download),
# at the exact version of package-lock.json. It needs Node.js 20 or later.
major=$(node --version 2>/dev/null | sed 's/^v\([0-9]*\).*/\1/')
if [ -z "$major" ] || [ "$major" -lt 20 ]; then
	echo "deps: the browser tests need Node.js 20 or later; this machine has $(node --version 2>/dev/null || echo none)." >&2
	echo "deps: install a newer nodejs (e.g. the release's backports or NodeSource) and rerun" >&2
	exit 1
fi
lock=tests/browser/package-lock.json
stamp=tests/browser/node_modules/.package-lock.json
if [ ! -f "$stamp" ] || ! cmp -s "$lock" tests/browser/node_modules/.zaiko-lock; then
	echo "deps: npm ci (tests/browser, $lock)"
	(cd tests/browser && npm ci --no-audit --no-fund --silent)
	cp "$lock" tests/browser/node_modules/.zaiko-lock
fi
if [ ! -x /usr/bin/chromium ] && [ -x /usr/bin/chromium-browser ]; then
	echo "deps: note: the browser tests launch /usr/bin/chromium; this release installs /usr/bin/chromium-browser" >&2
fi
