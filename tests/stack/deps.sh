#!/bin/sh
# Installs what zaiko needs to build, run and test, skipping what is already there.
set -e
APT_PKGS="build-essential pkg-config libfcgi-dev libfcgi-bin spawn-fcgi libmariadb-dev
mariadb-server mariadb-client nginx libcurl4-openssl-dev libcjson-dev clearsilver-dev
libcmocka-dev libicu-dev zlib1g-dev libexpat1-dev libssl-dev libcrypt-dev wrk fcgiwrap curl
chromium fonts-ipafont-gothic clang libclang-rt-14-dev valgrind python3 openssl"
missing=""
command -v npm >/dev/null 2>&1 || APT_PKGS="$APT_PKGS nodejs npm"
for p in $APT_PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "deps: installing$missing"
	SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
fi
# Browser tests drive Debian's chromium through playwright-core (no browser download).
if [ ! -d tests/browser/node_modules/playwright-core ]; then
	echo "deps: npm install (tests/browser)"
	(cd tests/browser && npm install --no-audit --no-fund --silent)
fi
