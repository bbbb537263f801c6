#!/usr/bin/env bash
# testenv.sh - private MariaDB, PostgreSQL and kinesalite servers for minidms tests.
#
# Usage: testenv.sh start|stop|env [DIR]
#   DIR defaults to ${MINIDMS_TESTENV_DIR:-/tmp/minidms-testenv}. Several DIRs can run
#   side by side: each picks its own free ports on 127.0.0.1 and records them in DIR/ports.
#
#   start  installs what is missing (apt: mariadb-server, mariadb-client, postgresql,
#          nodejs/npm, gcc for -race, awscli, chromium; npm: kinesalite into DIR/npm), starts the servers
#          (or reuses the ones already running for DIR), writes DIR/env and prints it.
#          Only the export lines go to stdout, so `eval "$(testenv.sh start)"` works.
#   stop   stops exactly the processes recorded in DIR/*.pid; keeps the data in DIR.
#   env    prints DIR/env.
#
# MINIDMS_TESTENV_SERVICES (default "mysql postgres kinesis") picks the servers a
# start starts; fault tests use it to run a MariaDB of their own, which they stop
# and start again.
set -euo pipefail

KINESALITE_VERSION=3.3.3
SERVICES=${MINIDMS_TESTENV_SERVICES:-mysql postgres kinesis}
GLOBAL_LOCK=/tmp/minidms-testenv.lock
DEADLINE_SECONDS=30

log() { printf 'testenv: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }
usage() { echo "usage: $0 start|stop|env [DIR]" >&2; exit 2; }

[ $# -ge 1 ] && [ $# -le 2 ] || usage
CMD=$1
DIR=$(realpath -m -- "${2:-${MINIDMS_TESTENV_DIR:-/tmp/minidms-testenv}}")
[ "$DIR" != / ] || die "refusing to use / as DIR"
[[ $DIR != *[[:space:]\'\"\\]* ]] || die "DIR must not contain whitespace, quotes or backslashes: $DIR"

# stdout carries only the env lines: keep it on fd 3, send everything else to stderr.
exec 3>&1 1>&2

# ---------------------------------------------------------------- helpers

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
as_postgres() {
	if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"
	elif [ "$(id -un)" = postgres ]; then "$@"
	else sudo -u postgres -- "$@"; fi
}

find_bin() {
	local d
	if command -v "$1" 2>/dev/null; then return 0; fi
	for d in /usr/sbin /usr/bin /usr/local/sbin /usr/local/bin; do
		if [ -x "$d/$1" ]; then echo "$d/$1"; return 0; fi
	done
	return 1
}

pg_bindir() {
	local d i
	for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
		if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && [ -x "$d/postgres" ]; then echo "$d"; return 0; fi
	done
	i=$(command -v initdb 2>/dev/null) || return 1
	dirname "$(realpath "$i")"
}

# alive PID: the process exists, is not a zombie, and its command line mentions DIR/.
alive() {
	local pid=${1:-} stat cmdline
	[[ $pid =~ ^[0-9]+$ ]] || return 1
	stat=$(cat "/proc/$pid/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	[ "${stat%% *}" != Z ] || return 1
	cmdline=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
	[[ $cmdline == *"$DIR/"* ]]
}

pid_of() {
	local f=$DIR/$1.pid
	if [ -r "$f" ]; then head -n 1 "$f" | tr -dc 0-9; fi
	if [ "$1" = postgres ] && [ ! -s "$f" ] && [ -r "$DIR/pg/postmaster.pid" ]; then
		head -n 1 "$DIR/pg/postmaster.pid" | tr -dc 0-9
	fi
	return 0
}

# port_used PORT: some socket (any state, IPv4 or IPv6) has PORT as its local port.
port_used() {
	local hex
	hex=$(printf ':%04X' "$1")
	awk -v p="$hex" 'substr($2, length($2) - 4) == p { found = 1 } END { exit !found }' \
		/proc/net/tcp /proc/net/tcp6 2>/dev/null
}

# port_listened PORT: a listening socket has PORT. A restart keeps its recorded
# port unless this holds: the servers bind with SO_REUSEADDR, so the TIME_WAIT
# sockets their previous run left do not stand in the way.
port_listened() {
	local hex
	hex=$(printf ':%04X' "$1")
	awk -v p="$hex" 'substr($2, length($2) - 4) == p && $4 == "0A" { found = 1 } END { exit !found }' \
		/proc/net/tcp /proc/net/tcp6 2>/dev/null
}

# pick_port AVOID...: a free port in 20000-31999 that is not in AVOID.
pick_port() {
	local p i
	for ((i = 0; i < 500; i++)); do
		p=$((20000 + (RANDOM * 32768 + RANDOM) % 12000))
		[[ " $* " == *" $p "* ]] && continue
		port_used "$p" && continue
		echo "$p"
		return 0
	done
	die "no free TCP port found on 127.0.0.1"
}

tail_log() { log "last lines of $1:"; tail -n 30 "$1" >&2 2>/dev/null || as_root tail -n 30 "$1" >&2 || true; }

# wait_ready NAME LOG PIDNAME PROBE...: run PROBE until it succeeds, the server dies,
# or the deadline passes.
wait_ready() {
	local name=$1 logf=$2 pidname=$3 deadline=$((SECONDS + DEADLINE_SECONDS))
	shift 3
	until "$@" >/dev/null 2>&1; do
		if ! alive "$(pid_of "$pidname")"; then
			log "$name exited during startup"; tail_log "$logf"; exit 1
		fi
		if ((SECONDS >= deadline)); then
			log "$name did not accept connections within ${DEADLINE_SECONDS}s"; tail_log "$logf"; exit 1
		fi
		sleep 0.1
	done
}

tcp_open() { (exec 4<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

save_ports() {
	printf 'MYSQL_PORT=%s\nPOSTGRES_PORT=%s\nKINESIS_PORT=%s\n' \
		"${MYSQL_PORT:-}" "${POSTGRES_PORT:-}" "${KINESIS_PORT:-}" >"$DIR/ports.tmp"
	mv -f "$DIR/ports.tmp" "$DIR/ports"
}

# ---------------------------------------------------------------- packages

ensure_packages() {
	local pkgs=() created_policy=
	{ find_bin mariadbd && find_bin mariadb-install-db; } >/dev/null || pkgs+=(mariadb-server)
	find_bin mariadb >/dev/null || pkgs+=(mariadb-client)
	pg_bindir >/dev/null || pkgs+=(postgresql)
	command -v node >/dev/null || pkgs+=(nodejs)
	command -v npm >/dev/null || pkgs+=(npm)
	# go test -race needs cgo, hence a C compiler.
	command -v gcc >/dev/null || pkgs+=(gcc libc6-dev)
	# Clients no one here wrote, for the fakedms tests: Debian's AWS CLI (called
	# as /usr/bin/aws: an image may have another aws earlier on PATH) and
	# Chromium for the resource browser's page tests.
	[ -x /usr/bin/aws ] || pkgs+=(awscli)
	[ -x /usr/bin/chromium ] || pkgs+=(chromium)
	((${#pkgs[@]})) || return 0

	log "installing ${pkgs[*]} (apt)"
	# Keep the packages' maintainer scripts from starting system-wide services.
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' | as_root tee /usr/sbin/policy-rc.d >/dev/null
		as_root chmod 755 /usr/sbin/policy-rc.d
		created_policy=1
	fi
	local rc=0
	{
		as_root env DEBIAN_FRONTEND=noninteractive apt-get -q -o DPkg::Lock::Timeout=300 update &&
			as_root env DEBIAN_FRONTEND=noninteractive apt-get -q -o DPkg::Lock::Timeout=300 \
				install -y --no-install-recommends "${pkgs[@]}"
	} >&2 || rc=$?
	[ -z "$created_policy" ] || as_root rm -f /usr/sbin/policy-rc.d
	((rc == 0)) || die "apt-get failed (exit $rc)"
	pg_bindir >/dev/null || die "PostgreSQL binaries not found after installing"
}

ensure_kinesalite() {
	local pkg=$DIR/npm/node_modules/kinesalite/package.json
	if [ -r "$pkg" ] && grep -q "\"version\": \"$KINESALITE_VERSION\"" "$pkg"; then return 0; fi
	log "installing kinesalite@$KINESALITE_VERSION into $DIR/npm (npm)"
	npm install --prefix "$DIR/npm" --prefer-offline --no-audit --no-fund --omit=optional \
		--loglevel=error "kinesalite@$KINESALITE_VERSION" >&2 || die "npm install kinesalite failed"
}

# ---------------------------------------------------------------- servers

start_mariadb() {
	local pid user_opt=() mariadbd install_db client
	pid=$(pid_of mariadb)
	if alive "$pid"; then
		[ -n "${MYSQL_PORT:-}" ] || die "MariaDB runs (pid $pid) but $DIR/ports lost its port: run $0 stop $DIR, then start"
		log "MariaDB already running (pid $pid, port $MYSQL_PORT)"
	else
		mariadbd=$(find_bin mariadbd) || die "mariadbd not found"
		install_db=$(find_bin mariadb-install-db) || die "mariadb-install-db not found"
		if [ "$(id -u)" = 0 ]; then user_opt=(--user=root); fi
		if [ -z "${MYSQL_PORT:-}" ] || port_listened "$MYSQL_PORT"; then
			MYSQL_PORT=$(pick_port "${POSTGRES_PORT:-}" "${KINESIS_PORT:-}")
		fi
		if [ ! -e "$DIR/mysql.initialized" ]; then
			rm -rf "$DIR/mysql"
			log "initialising MariaDB data dir $DIR/mysql"
			"$install_db" --no-defaults "${user_opt[@]}" --datadir="$DIR/mysql" \
				--auth-root-authentication-method=normal --skip-test-db \
				--innodb-log-file-size=16M >"$DIR/mariadb-install.log" 2>&1 ||
				{ tail_log "$DIR/mariadb-install.log"; die "mariadb-install-db failed"; }
			touch "$DIR/mysql.initialized"
		fi
		rm -f "$DIR/mysql.sock"
		# --no-defaults must come first: otherwise /etc/mysql is read (port 3306, /run/mysqld).
		setsid "$mariadbd" --no-defaults "${user_opt[@]}" --datadir="$DIR/mysql" \
			--port="$MYSQL_PORT" --bind-address=127.0.0.1 --socket="$DIR/mysql.sock" \
			--pid-file="$DIR/mariadb.pid" --log-error="$DIR/mariadb.log" \
			--skip-name-resolve --server-id=1 --log-bin=mysql-bin --binlog-format=ROW \
			--binlog-row-image=FULL --binlog-row-metadata=FULL --binlog-checksum=CRC32 \
			--character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
			--innodb-log-file-size=16M --innodb-buffer-pool-size=256M \
			--innodb-flush-log-at-trx-commit=2 \
			</dev/null >>"$DIR/mariadb.out" 2>&1 3>&- 9>&- &
		echo $! >"$DIR/mariadb.pid" # mariadbd rewrites it with the same PID
		save_ports
		wait_ready MariaDB "$DIR/mariadb.log" mariadb \
			"$(find_bin mariadb-admin)" --no-defaults --connect-timeout=2 --socket="$DIR/mysql.sock" -uroot ping
		log "MariaDB started (pid $(pid_of mariadb), port $MYSQL_PORT)"
	fi
	client=$(find_bin mariadb) || die "mariadb client not found"
	"$client" --no-defaults --connect-timeout=5 --socket="$DIR/mysql.sock" -uroot <<'SQL' ||
CREATE USER IF NOT EXISTS 'minidms'@'127.0.0.1' IDENTIFIED BY 'minidms';
CREATE USER IF NOT EXISTS 'minidms'@'localhost' IDENTIFIED BY 'minidms';
GRANT ALL PRIVILEGES ON *.* TO 'minidms'@'127.0.0.1' WITH GRANT OPTION;
GRANT ALL PRIVILEGES ON *.* TO 'minidms'@'localhost' WITH GRANT OPTION;
SQL
		die "creating the MariaDB user failed"
}

start_postgres() {
	local pid bindir
	pid=$(pid_of postgres)
	bindir=$(pg_bindir) || die "PostgreSQL binaries not found"
	if alive "$pid"; then
		[ -n "${POSTGRES_PORT:-}" ] || die "PostgreSQL runs (pid $pid) but $DIR/ports lost its port: run $0 stop $DIR, then start"
		log "PostgreSQL already running (pid $pid, port $POSTGRES_PORT)"
	else
		if [ -z "${POSTGRES_PORT:-}" ] || port_listened "$POSTGRES_PORT"; then
			POSTGRES_PORT=$(pick_port "${MYSQL_PORT:-}" "${KINESIS_PORT:-}")
		fi
		as_postgres test -x "$DIR" ||
			die "the postgres OS user cannot reach $DIR: use a DIR under /tmp"
		if [ ! -e "$DIR/pg.initialized" ]; then
			as_root rm -rf "$DIR/pg"
			as_root install -d -o postgres -g postgres -m 0700 "$DIR/pg"
			log "initialising PostgreSQL data dir $DIR/pg"
			as_postgres "$bindir/initdb" -D "$DIR/pg" -U postgres -A trust -E UTF8 \
				--locale=C.UTF-8 --no-sync >"$DIR/postgres-initdb.log" 2>&1 ||
				{ tail_log "$DIR/postgres-initdb.log"; die "initdb failed"; }
			touch "$DIR/pg.initialized"
		fi
		[ -e "$DIR/postgres.log" ] || : >"$DIR/postgres.log"
		as_root chown postgres "$DIR/postgres.log"
		rm -f "$DIR/postgres.pid"
		# synchronous_commit stays on: with it off logical decoding lags commits.
		as_postgres "$bindir/pg_ctl" -D "$DIR/pg" -l "$DIR/postgres.log" -w -t "$DEADLINE_SECONDS" \
			-o "-p $POSTGRES_PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories=$DIR/pg -c wal_level=logical -c max_replication_slots=20 -c max_wal_senders=20 -c fsync=off -c full_page_writes=off -c max_connections=200" \
			start </dev/null >&2 3>&- 9>&- ||
			{ tail_log "$DIR/postgres.log"; die "PostgreSQL did not start"; }
		as_postgres head -n 1 "$DIR/pg/postmaster.pid" | tr -dc 0-9 >"$DIR/postgres.pid"
		save_ports
		wait_ready PostgreSQL "$DIR/postgres.log" postgres \
			"$bindir/pg_isready" -q -t 2 -h 127.0.0.1 -p "$POSTGRES_PORT"
		log "PostgreSQL started (pid $(pid_of postgres), port $POSTGRES_PORT)"
	fi
	as_postgres "$bindir/psql" -X -q -v ON_ERROR_STOP=1 -h "$DIR/pg" -p "$POSTGRES_PORT" \
		-U postgres -d postgres >/dev/null <<'SQL' || die "creating the PostgreSQL role failed"
DO $$BEGIN
	IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'minidms') THEN
		CREATE ROLE minidms SUPERUSER REPLICATION LOGIN PASSWORD 'minidms';
	END IF;
END$$;
SELECT 'CREATE DATABASE minidms OWNER minidms'
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'minidms')\gexec
SQL
}

kinesis_ready() {
	if command -v curl >/dev/null; then
		# Any HTTP answer (kinesalite rejects unsigned requests) means it is up.
		curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$KINESIS_PORT/"
	else
		tcp_open "$KINESIS_PORT"
	fi
}

start_kinesalite() {
	local pid
	pid=$(pid_of kinesalite)
	if alive "$pid"; then
		[ -n "${KINESIS_PORT:-}" ] || die "kinesalite runs (pid $pid) but $DIR/ports lost its port: run $0 stop $DIR, then start"
		log "kinesalite already running (pid $pid, port $KINESIS_PORT)"
		return 0
	fi
	ensure_kinesalite
	if [ -z "${KINESIS_PORT:-}" ] || port_listened "$KINESIS_PORT"; then
		KINESIS_PORT=$(pick_port "${MYSQL_PORT:-}" "${POSTGRES_PORT:-}")
	fi
	# kinesalite has no host option: bind every listening socket to 127.0.0.1.
	cat >"$DIR/preload.js" <<'JS'
// Written by testenv.sh: make every server listen on 127.0.0.1 only, record our PID.
'use strict';
const net = require('net');
const fs = require('fs');
const path = require('path');
fs.writeFileSync(path.join(__dirname, 'kinesalite.pid'), String(process.pid) + '\n');
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  const a = args[0];
  if (a !== null && typeof a === 'object' && !Array.isArray(a)) {
    if (a.path === undefined) args[0] = Object.assign({}, a, { host: '127.0.0.1' });
  } else if (typeof a === 'number' || (typeof a === 'string' && /^\d+$/.test(a))) {
    if (typeof args[1] === 'string') args[1] = '127.0.0.1';
    else args.splice(1, 0, '127.0.0.1');
  } else if (a === undefined || typeof a === 'function') {
    args.unshift(0, '127.0.0.1');
  }
  return listen.apply(this, args);
};
JS
	setsid node -r "$DIR/preload.js" "$DIR/npm/node_modules/kinesalite/cli.js" \
		--port "$KINESIS_PORT" --createStreamMs 0 --deleteStreamMs 0 --updateStreamMs 0 \
		--shardLimit 100 </dev/null >>"$DIR/kinesalite.log" 2>&1 3>&- 9>&- &
	echo $! >"$DIR/kinesalite.pid" # preload.js rewrites it with the same PID
	save_ports
	wait_ready kinesalite "$DIR/kinesalite.log" kinesalite kinesis_ready
	log "kinesalite started (pid $(pid_of kinesalite), port $KINESIS_PORT)"
}

write_env() {
	{
		echo "export MINIDMS_TESTENV_DIR='$DIR'"
		if [ -n "${MYSQL_PORT:-}" ]; then
			echo "export MINIDMS_MYSQL_ADDR='127.0.0.1:$MYSQL_PORT'"
			echo "export MINIDMS_MYSQL_USER='minidms'"
			echo "export MINIDMS_MYSQL_PASSWORD='minidms'"
			echo "export MINIDMS_MYSQL_DSN='minidms:minidms@tcp(127.0.0.1:$MYSQL_PORT)/'"
		fi
		if [ -n "${POSTGRES_PORT:-}" ]; then
			echo "export MINIDMS_POSTGRES_DSN='postgres://minidms:minidms@127.0.0.1:$POSTGRES_PORT/minidms?sslmode=disable'"
		fi
		if [ -n "${KINESIS_PORT:-}" ]; then
			echo "export MINIDMS_KINESIS_ENDPOINT='http://127.0.0.1:$KINESIS_PORT'"
		fi
	} >"$DIR/env.tmp"
	mv -f "$DIR/env.tmp" "$DIR/env"
}

# take_lock: serialise start/stop across all DIRs (port choice, apt), best effort.
take_lock() {
	command -v flock >/dev/null || return 0
	if [ -e "$GLOBAL_LOCK" ] && [ ! -w "$GLOBAL_LOCK" ]; then return 0; fi
	{ exec 9>>"$GLOBAL_LOCK"; } 2>/dev/null || return 0
	chmod 666 "$GLOBAL_LOCK" 2>/dev/null || true
	flock -w 600 9 || die "timed out waiting for $GLOBAL_LOCK"
}

cmd_start() {
	local t0=$SECONDS
	take_lock
	mkdir -p "$DIR"
	chmod o+x "$DIR" 2>/dev/null || true # the postgres OS user must reach DIR/pg
	ensure_packages
	MYSQL_PORT= POSTGRES_PORT= KINESIS_PORT=
	if [ -r "$DIR/ports" ]; then
		# shellcheck disable=SC1091
		. "$DIR/ports"
	fi
	case " $SERVICES " in *" mysql "*) start_mariadb ;; esac
	case " $SERVICES " in *" postgres "*) start_postgres ;; esac
	case " $SERVICES " in *" kinesis "*) start_kinesalite ;; esac
	save_ports
	write_env
	log "ready in $((SECONDS - t0))s: eval \"\$($0 env $DIR)\"  (stop: $0 stop $DIR)"
	cat "$DIR/env" >&3
}

cmd_stop() {
	local pid pids=() bindir deadline
	take_lock
	[ -d "$DIR" ] || { log "nothing running in $DIR"; return 0; }
	pid=$(pid_of mariadb)
	if alive "$pid"; then kill -TERM "$pid" 2>/dev/null || true; pids+=("$pid"); fi
	pid=$(pid_of kinesalite)
	if alive "$pid"; then kill -TERM "$pid" 2>/dev/null || true; pids+=("$pid"); fi
	pid=$(pid_of postgres)
	if alive "$pid"; then
		pids+=("$pid")
		bindir=$(pg_bindir) || bindir=
		if [ -z "$bindir" ] || ! as_postgres "$bindir/pg_ctl" -D "$DIR/pg" -m fast -W stop \
			</dev/null >&2 3>&- 9>&-; then
			as_root kill -INT "$pid" 2>/dev/null || true # SIGINT = fast shutdown
		fi
	fi
	deadline=$((SECONDS + DEADLINE_SECONDS))
	for pid in "${pids[@]}"; do
		while alive "$pid"; do
			if ((SECONDS >= deadline)); then
				log "pid $pid still running after ${DEADLINE_SECONDS}s: sending SIGKILL"
				as_root kill -KILL "$pid" 2>/dev/null || true
				sleep 0.2
				break
			fi
			sleep 0.05
		done
	done
	rm -f "$DIR/mariadb.pid" "$DIR/kinesalite.pid" "$DIR/postgres.pid" "$DIR/env"
	log "stopped ${#pids[@]} server(s) in $DIR (data kept)"
}

cmd_env() {
	[ -r "$DIR/env" ] || die "no test environment running in $DIR (run: $0 start $DIR)"
	cat "$DIR/env" >&3
}

case $CMD in
start) cmd_start ;;
stop) cmd_stop ;;
env) cmd_env ;;
*) usage ;;
esac
