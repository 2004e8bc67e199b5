#!/usr/bin/env bash
# Set up everything Townhub needs on a Debian 12 machine, as root; safe to run again.
#   - Debian packages: PostgreSQL 15 + PostGIS 3, Mosquitto, Chromium (for browser tests)
#   - PostgreSQL and Mosquitto started if they are not answering (reused if they are)
#   - a development role and databases with PostGIS
#   - a virtualenv in .venv with Townhub and its test tools
# Sourced by scripts/run-demo and scripts/test; run on its own to only set up.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export TOWNHUB_VENV="${TOWNHUB_VENV:-$ROOT/.venv}"
STATE_DIR="${TOWNHUB_STATE_DIR:-$ROOT/.state}"
mkdir -p "$STATE_DIR"

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

install_packages() {
  # caddy and systemd (systemd-analyze) check the production files in deploy/.
  local wanted=(postgresql postgresql-15-postgis-3 mosquitto mosquitto-clients chromium python3-venv fonts-dejavu-core caddy systemd rsync)
  local missing=()
  for pkg in "${wanted[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    say "Installing Debian packages: ${missing[*]}"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
}

start_postgres() {
  if pg_isready -q -h 127.0.0.1 -p 5432; then
    return
  fi
  say "Starting PostgreSQL"
  as_root pg_ctlcluster 15 main start || as_root service postgresql start
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && return; sleep 1; done
  echo "PostgreSQL did not start; see /var/log/postgresql/" >&2
  exit 1
}

psql_admin() { as_root runuser -u postgres -- psql -v ON_ERROR_STOP=1 -qAt "$@"; }

create_databases() {
  # A development role: a superuser on this machine only, so tests can create and drop
  # their own database with PostGIS. Never use this script to set up production: a
  # production install needs a plain role, its own password and the extension made by
  # the postgres user.
  if [ "$(psql_admin -c "SELECT 1 FROM pg_roles WHERE rolname = 'townhub'")" != "1" ]; then
    say "Creating the townhub database role"
    psql_admin -c "CREATE ROLE townhub LOGIN SUPERUSER PASSWORD 'townhub'"
  fi
  for name in townhub townhub_test; do
    if [ "$(psql_admin -c "SELECT 1 FROM pg_database WHERE datname = '$name'")" != "1" ]; then
      say "Creating database $name"
      # UTF-8 whatever the machine's locale: a minimal image's cluster may be SQL_ASCII.
      psql_admin -c "CREATE DATABASE $name OWNER townhub ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8' TEMPLATE template0"
    fi
    psql_admin -d "$name" -c "SET client_min_messages TO warning; CREATE EXTENSION IF NOT EXISTS postgis"
  done
}

mqtt_answers() {
  timeout 3 mosquitto_sub -h 127.0.0.1 -p 1883 -t '$SYS/broker/version' -C 1 -W 2 >/dev/null 2>&1
}

tune_system_mosquitto() {
  # Debian's own broker (started by the package under systemd) keeps only 1000 queued
  # messages per client, which silently drops bursts (FIELD-NOTES): raise it.
  local conf=/etc/mosquitto/conf.d/townhub.conf
  [ -d /etc/mosquitto/conf.d ] || return 0
  if ! cmp -s scripts/mosquitto-limits.conf "$conf" 2>/dev/null; then
    as_root cp scripts/mosquitto-limits.conf "$conf"
    if command -v systemctl >/dev/null && systemctl is-active --quiet mosquitto 2>/dev/null; then
      say "Restarting the system Mosquitto with Townhub's queue limits"
      as_root systemctl restart mosquitto
    fi
  fi
}

start_mosquitto() {
  tune_system_mosquitto
  if mqtt_answers; then
    return
  fi
  say "Starting Mosquitto with scripts/mosquitto-dev.conf"
  mkdir -p "$STATE_DIR/mosquitto"
  # Mosquitto started as root drops to the mosquitto user: let it write its state.
  if id mosquitto >/dev/null 2>&1; then
    as_root chown mosquitto: "$STATE_DIR/mosquitto"
  fi
  sed "s#@STATE_DIR@#$STATE_DIR/mosquitto#" scripts/mosquitto-dev.conf >"$STATE_DIR/mosquitto/mosquitto.conf"
  mosquitto -d -c "$STATE_DIR/mosquitto/mosquitto.conf"
  for _ in $(seq 1 20); do mqtt_answers && return; sleep 0.5; done
  echo "Mosquitto did not start; see $STATE_DIR/mosquitto/mosquitto.log" >&2
  exit 1
}

make_venv() {
  local stamp="$TOWNHUB_VENV/.townhub-installed"
  if [ ! -x "$TOWNHUB_VENV/bin/python" ]; then
    say "Creating the virtualenv in $TOWNHUB_VENV"
    python3 -m venv "$TOWNHUB_VENV"
  fi
  # Reinstall only when pyproject.toml changes.
  if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    say "Installing Townhub and its test tools into the virtualenv"
    "$TOWNHUB_VENV/bin/pip" install -q --disable-pip-version-check -e ".[test]" 2> >(grep -v "is ignored: it is neither" >&2)
    touch "$stamp"
  fi
}

install_packages
start_postgres
create_databases
start_mosquitto
make_venv
"$TOWNHUB_VENV/bin/pybabel" -q compile -d townhub/translations
export PATH="$TOWNHUB_VENV/bin:$PATH"
export FLASK_APP=app
say "Set-up done"
