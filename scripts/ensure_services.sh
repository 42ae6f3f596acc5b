#!/usr/bin/env bash
# Make sure what `make test` needs is installed and running on this machine:
# PostgreSQL and Redis on loopback, Debian's chromium and the Noto CJK fonts, and Debian's nginx (installed only: the
# multi-node check, deploy/multinode/run.sh, runs it with its own config; the system service is never enabled).
# `ensure_services.sh nginx` (or any of postgresql, redis, browser, nginx) ensures only those.
# As root it installs (apt) and starts what is missing; otherwise it stops with the exact command to run.
# A DATABASE_URL or CELERY_BROKER_URL given by the caller points elsewhere: that service is then not checked.
set -euo pipefail

if [ "$(id -u)" = 0 ]; then is_root=1; else is_root=0; fi
apt_updated=0

fail() {
    echo "ensure_services: $1" >&2
    echo "  run: $2" >&2
    exit 1
}

apt_install() {
    if [ "$is_root" = 0 ] || ! command -v apt-get >/dev/null; then
        fail "missing package(s): $*" "sudo apt-get update && sudo apt-get install -y --no-install-recommends $*"
    fi
    if [ "$apt_updated" = 0 ]; then
        apt-get update -q
        apt_updated=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@"
}

redis_ping() {
    # bash's /dev/tcp needs no redis-cli
    local reply
    { exec 3<>/dev/tcp/127.0.0.1/6379; } 2>/dev/null || return 1
    printf 'PING\r\n' >&3
    read -r -t 2 reply <&3 || true
    exec 3<&-
    [[ "$reply" == +PONG* ]]
}

package_installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"
}

postgres_ready() {
    command -v pg_isready >/dev/null && pg_isready -q -h 127.0.0.1 -p 5432
}

ensure_postgresql() {
    if ! postgres_ready; then
        local fresh=0
        if ! command -v pg_ctlcluster >/dev/null || [ -z "$(ls /etc/postgresql 2>/dev/null)" ]; then
            apt_install postgresql
            fresh=1
        fi
        local version
        version="$(ls /etc/postgresql | sort -V | tail -n 1)"
        local start="pg_ctlcluster --skip-systemctl-redirect $version main"
        if [ "$fresh" = 1 ]; then
            # A cluster this script created serves the tests only: trust the postgres role on loopback.
            sed -i '1i host all postgres 127.0.0.1/32 trust\nhost all postgres ::1/128 trust' \
                "/etc/postgresql/$version/main/pg_hba.conf"
            postgres_ready && $start reload
        fi
        if ! postgres_ready; then
            [ "$is_root" = 1 ] || fail "PostgreSQL is not running on 127.0.0.1:5432" "sudo $start start"
            echo "ensure_services: starting PostgreSQL $version"
            $start start
            for _ in $(seq 1 30); do
                postgres_ready && break
                sleep 1
            done
        fi
        postgres_ready || fail "PostgreSQL did not start" "$start start"
    fi
    psql -h 127.0.0.1 -U postgres -d postgres -tAc "select 1" >/dev/null ||
        fail "cannot connect as postgres@127.0.0.1 without a password" \
            "add 'host all postgres 127.0.0.1/32 trust' at the top of pg_hba.conf and reload, or set DATABASE_URL"
}

ensure_redis() {
    redis_ping && return
    command -v redis-server >/dev/null || apt_install redis-server
    [ "$is_root" = 1 ] || fail "Redis is not running on 127.0.0.1:6379" \
        "sudo redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save '' --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log"
    echo "ensure_services: starting Redis"
    mkdir -p /var/lib/redis /var/log/redis
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
        --dir /var/lib/redis --logfile /var/log/redis/ci.log
    for _ in $(seq 1 30); do
        redis_ping && return
        sleep 0.5
    done
    fail "Redis did not start" "cat /var/log/redis/ci.log"
}

ensure_browser() {
    local missing=()
    [ -x /usr/bin/chromium ] || missing+=(chromium)
    package_installed fonts-noto-cjk || missing+=(fonts-noto-cjk)
    [ "${#missing[@]}" = 0 ] || apt_install "${missing[@]}"
}

ensure_nginx() {
    command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] && return
    # nginx-light: the smallest of Debian's nginx builds, with the proxy and upstream modules the check uses.
    # Debian's package starts and enables the system service on a machine run by systemd: stop and disable it at
    # once, the check runs its own nginx on an unprivileged loopback port.
    apt_install nginx-light
    if [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then
        systemctl disable --now nginx >/dev/null 2>&1 || true
    fi
}

if [ "$#" -gt 0 ]; then
    for service in "$@"; do
        case "$service" in
            postgresql) ensure_postgresql ;;
            redis) ensure_redis ;;
            browser) ensure_browser ;;
            nginx) ensure_nginx ;;
            *) echo "ensure_services: unknown service $service (postgresql, redis, browser, nginx)" >&2; exit 2 ;;
        esac
    done
    echo "ensure_services: $* ready"
    exit 0
fi
[ -n "${DATABASE_URL:-}" ] || ensure_postgresql
[ -n "${CELERY_BROKER_URL:-}" ] || ensure_redis
ensure_browser
ensure_nginx
echo "ensure_services: PostgreSQL, Redis, chromium, fonts-noto-cjk and nginx are ready"
