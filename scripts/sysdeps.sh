#!/usr/bin/env bash
# Debian packages the browser, export and sync tests need. Installs them when missing and root;
# otherwise names them and stops.
set -euo pipefail
# `sysdeps.sh spark`: only the Java runtime the Spark parity tests need.
need=()
if [ "${1:-}" = spark ]; then
    command -v java >/dev/null 2>&1 || need+=(openjdk-17-jre-headless)
else
[ -x /usr/bin/chromium ] || need+=(chromium)
[ -e /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc ] || need+=(fonts-noto-cjk)
command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
# the sync tests start a throw-away PostgreSQL server (initdb + pg_ctl)
command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
fi
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
    echo "GridScore's tests need these Debian packages: ${need[*]}" >&2
    echo "Install them with: sudo apt-get install -y ${need[*]}" >&2
    exit 1
fi
echo "installing ${need[*]} ..."
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${need[@]}" >/dev/null
