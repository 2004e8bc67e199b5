# Steps of deploy/install and deploy/upgrade. Sourced, not run.
# Every step is safe to repeat: it checks before it changes, and never replaces a secret.

APP=/opt/townhub/app
VENV=/opt/townhub/venv
ETC=/etc/townhub
ENV_FILE=$ETC/townhub.env
INSTALL_CONF=$ETC/install.conf
DATA=/var/lib/townhub
INSTANCE=$DATA/instance
BACKUPS=/var/backups/townhub
# Not "townhub": a development machine has a superuser of that name (scripts/setup.sh),
# and production must never share it.
DB_NAME=townhub_prod
DB_USER=townhub_prod
NOT_STARTED=()
NOTES=()

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
fail() { echo "deploy: $*" >&2; exit 1; }

has_systemd() { [ -d /run/systemd/system ]; }

random_secret() { python3 -c 'import secrets; print(secrets.token_urlsafe(32))'; }

# The value of KEY in the settings file (without its quotes), or nothing.
setting() {
  [ -f "$ENV_FILE" ] || return 0
  sed -n "s/^$1=//p" "$ENV_FILE" | tail -1 | sed 's/^"\(.*\)"$/\1/'
}

check_os() {
  # shellcheck disable=SC1091
  . /etc/os-release
  case "${ID}-${VERSION_ID}" in
    debian-12 | ubuntu-24.04) ;;
    *) fail "Townhub is installed on Debian 12 or Ubuntu 24.04; this is ${PRETTY_NAME:-unknown}" ;;
  esac
}

install_packages() {
  local wanted=(postgresql mosquitto mosquitto-clients caddy python3-venv python3-dev
    rsync fonts-dejavu-core ca-certificates)
  local missing=()
  local pkg
  for pkg in "${wanted[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    say "Installing Debian packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
  # PostGIS for the PostgreSQL the distribution ships (15 on Debian 12, 16 on Ubuntu 24.04).
  PG_VERSION="$(find /usr/lib/postgresql -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -V | tail -1)"
  local postgis="postgresql-$PG_VERSION-postgis-3"
  if ! dpkg-query -W -f='${Status}' "$postgis" 2>/dev/null | grep -q "install ok installed"; then
    say "Installing $postgis"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$postgis"
  fi
  # The distribution's own Python, never a per-user one (pyenv) the townhub user cannot reach.
  PYTHON=/usr/bin/python3
  "$PYTHON" -c 'import sys; sys.exit(not ((3, 11) <= sys.version_info[:2] < (3, 13)))' \
    || fail "Townhub needs Python 3.11 or 3.12; $PYTHON is $("$PYTHON" --version)"
}

make_user_and_folders() {
  if ! id townhub >/dev/null 2>&1; then
    say "Creating the system user townhub"
    useradd --system --user-group --home-dir "$DATA" --no-create-home \
      --shell /usr/sbin/nologin --comment "Townhub" townhub
  fi
  install -d -m 0755 -o root -g root /opt/townhub
  install -d -m 0750 -o townhub -g townhub "$DATA" "$INSTANCE"
  install -d -m 0700 -o townhub -g townhub "$BACKUPS"
  install -d -m 0750 -o root -g townhub "$ETC"
}

start_postgres() {
  local cluster_conf="/etc/postgresql/$PG_VERSION/main/conf.d/townhub.conf"
  if [ -d "$(dirname "$cluster_conf")" ] && [ ! -f "$cluster_conf" ]; then
    say "PostgreSQL: listening on localhost only"
    printf '%s\n' "# Written by Townhub's deploy/install: no connections from other machines." \
      "listen_addresses = 'localhost'" >"$cluster_conf"
    if has_systemd && systemctl is-active --quiet postgresql; then
      systemctl restart postgresql
    elif pg_isready -q -h 127.0.0.1; then
      NOTES+=("PostgreSQL reads $cluster_conf at its next restart")
    fi
  fi
  pg_isready -q -h 127.0.0.1 && return
  say "Starting PostgreSQL"
  if has_systemd; then
    systemctl enable --now postgresql
  else
    pg_ctlcluster "$PG_VERSION" main start
  fi
  local _
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 && return; sleep 1; done
  fail "PostgreSQL did not start; see /var/log/postgresql/"
}

psql_admin() { runuser -u postgres -- psql -v ON_ERROR_STOP=1 -qAt "$@"; }

set_up_database() {
  local url password
  url="$(setting DATABASE_URL)"
  password="$(printf '%s' "$url" | sed -n 's|^postgresql+psycopg://[^:]*:\([^@]*\)@.*|\1|p')"
  if [ -z "$password" ]; then
    password="$(random_secret)"
  fi
  DATABASE_URL="postgresql+psycopg://$DB_USER:$password@127.0.0.1:5432/$DB_NAME"
  if [ "$(psql_admin -c "SELECT 1 FROM pg_roles WHERE rolname = '$DB_USER'")" != "1" ]; then
    say "Creating the database role $DB_USER"
    psql_admin -c "CREATE ROLE $DB_USER LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '$password'"
  elif [ -z "$url" ]; then
    # The role is left from an earlier run that never wrote its settings: give it the
    # password that is about to be written down.
    psql_admin -c "ALTER ROLE $DB_USER PASSWORD '$password'"
  fi
  if [ "$(psql_admin -c "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'")" != "1" ]; then
    say "Creating the database $DB_NAME"
    psql_admin -c "CREATE DATABASE $DB_NAME OWNER $DB_USER ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8' TEMPLATE template0"
  fi
  # PostGIS needs a superuser to create; the app's role then owns its own tables only.
  psql_admin -d "$DB_NAME" -c "SET client_min_messages TO warning; CREATE EXTENSION IF NOT EXISTS postgis"
}

set_up_broker() {
  local worker_password sensors_password
  worker_password="$(setting MQTT_URL | sed -n 's|^mqtt://townhub:\([^@]*\)@.*|\1|p')"
  [ -n "$worker_password" ] || worker_password="$(random_secret)"
  MQTT_URL="mqtt://townhub:$worker_password@127.0.0.1:1883"
  local sensors_file=$ETC/mqtt-sensors-password
  if [ ! -s "$sensors_file" ]; then
    (umask 077 && random_secret >"$sensors_file")
  fi
  sensors_password="$(cat "$sensors_file")"

  say "Mosquitto: passwords and topic rules, no anonymous access"
  local changed=no
  put() { # put SOURCE TARGET MODE GROUP: install when different
    if ! cmp -s "$1" "$2"; then
      install -m "$3" -o root -g "$4" "$1" "$2"
      changed=yes
    fi
  }
  put "$SOURCE/deploy/templates/mosquitto.conf" /etc/mosquitto/conf.d/townhub-site.conf 0644 root
  put "$SOURCE/deploy/templates/mosquitto.acl" /etc/mosquitto/townhub.acl 0644 root
  local passwd=/etc/mosquitto/townhub.passwd
  if ! grep -q '^townhub:' "$passwd" 2>/dev/null || ! grep -q '^sensors:' "$passwd"; then
    local fresh
    fresh="$(mktemp)"
    mosquitto_passwd -b -c "$fresh" townhub "$worker_password" 2>/dev/null
    mosquitto_passwd -b "$fresh" sensors "$sensors_password" 2>/dev/null
    # Any users the council added stay.
    if [ -f "$passwd" ]; then
      grep -v -E '^(townhub|sensors):' "$passwd" >>"$fresh" || true
    fi
    install -m 0640 -o root -g mosquitto "$fresh" "$passwd"
    rm -f "$fresh"
    changed=yes
  fi
  if [ "$MQTT_TLS" = yes ]; then
    local tls
    tls="$(mktemp)"
    sed "s|@APP@|$APP|g; s|@DOMAIN@|$DOMAIN|g" "$SOURCE/deploy/templates/mosquitto-tls.conf" >"$tls"
    put "$tls" /etc/mosquitto/conf.d/townhub-site-tls.conf 0644 root
    rm -f "$tls"
  fi
  if has_systemd; then
    systemctl enable --quiet mosquitto
    if [ "$changed" = yes ] || ! systemctl is-active --quiet mosquitto; then
      systemctl restart mosquitto || NOT_STARTED+=("mosquitto (systemctl status mosquitto)")
    fi
  else
    NOT_STARTED+=("mosquitto (no systemd here: start it with its config /etc/mosquitto/mosquitto.conf)")
  fi
}

install_app() {
  if has_systemd && systemctl is-active --quiet townhub-worker; then
    # An upgrade: the worker commits what it holds and stops before its code changes.
    say "Stopping the worker for the upgrade"
    systemctl stop townhub-worker
  fi
  say "Installing Townhub from $SOURCE into $APP"
  if [ "$SOURCE" != "$APP" ]; then
    rsync -a --delete --chown=root:root \
      --exclude .git --exclude .venv --exclude .state --exclude instance \
      --exclude __pycache__ --exclude '*.egg-info' --exclude .pytest_cache \
      --exclude .mypy_cache --exclude .ruff_cache --exclude node_modules \
      --exclude test-results --exclude bench/results \
      "$SOURCE/" "$APP/"
  fi
  [ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
  # Editable: the one copy of the code is $APP, whatever the version number says.
  "$VENV/bin/pip" install --quiet --disable-pip-version-check --editable "$APP"
  "$VENV/bin/pybabel" -q compile -d "$APP/townhub/translations" -f
  # The code is root's: the townhub user can read it and write nowhere in it.
  chmod -R u=rwX,go=rX "$APP" "$VENV"
}

# Add KEY="VALUE" to the settings file unless KEY is set there already. Double quotes
# keep the file readable both by systemd (EnvironmentFile) and by the shell.
add_setting() {
  grep -q "^$1=" "$ENV_FILE" || printf '%s="%s"\n' "$1" "$2" >>"$ENV_FILE"
}

write_settings() {
  if [ ! -f "$ENV_FILE" ]; then
    say "Writing $ENV_FILE"
    install -m 0640 -o root -g townhub /dev/null "$ENV_FILE"
    {
      echo "# Townhub's settings (see the table in README.md). Made by deploy/install;"
      echo "# edit by hand, then: systemctl restart townhub-web townhub-worker"
    } >>"$ENV_FILE"
  fi
  add_setting TOWNHUB_ENV production
  add_setting TOWNHUB_INSTANCE "$INSTANCE"
  add_setting DATABASE_URL "$DATABASE_URL"
  add_setting MQTT_URL "$MQTT_URL"
  add_setting MQTT_CLIENT_ID "townhub-worker-1"
  add_setting SITE_URL "https://$DOMAIN"
  add_setting VAPID_CONTACT "mailto:$EMAIL"
  add_setting PROXY_COUNT 1
  add_setting SENSOR_WEBHOOK_SECRET "$(random_secret)"
  add_setting SMTP_URL ""
  add_setting MAIL_FROM "Townhub <townhub@$DOMAIN>"
  add_setting TOWNHUB_BACKUP_DIR "$BACKUPS"
}

# Run a command as townhub with the site's settings, from the app folder.
as_townhub() {
  (
    set -a
    # shellcheck disable=SC1090
    . "$ENV_FILE"
    set +a
    cd "$APP"
    runuser -u townhub -- "$@"
  )
}

init_secrets_and_migrate() {
  say "Secret key and VAPID keys (made once, kept)"
  as_townhub "$VENV/bin/townhub-init-secrets" "$INSTANCE" | sed 's/^/    /'
  say "Database migrations"
  as_townhub "$VENV/bin/flask" --app app db upgrade
}

install_wrapper() {
  cat >/usr/local/bin/townhub <<EOF
#!/bin/sh
# Townhub's commands, as the townhub user with the site's settings, e.g.
#   sudo townhub users invite someone@example.gov.uk --name "..." --role hub_manager --hub ...
#   sudo townhub backup list
# Made by deploy/install.
set -a
. $ENV_FILE
set +a
cd $APP
exec runuser -u townhub -- $VENV/bin/flask --app app "\$@"
EOF
  chmod 0755 /usr/local/bin/townhub
}

install_units() {
  say "systemd units"
  local unit
  for unit in townhub-web.service townhub-worker.service townhub-backup.service \
    townhub-backup.timer townhub-mqtt-certs.service townhub-mqtt-certs.timer; do
    sed "s|@APP@|$APP|g; s|@VENV@|$VENV|g; s|@DOMAIN@|$DOMAIN|g" \
      "$SOURCE/deploy/templates/$unit" >"/etc/systemd/system/$unit"
  done
  if ! has_systemd; then
    NOT_STARTED+=("townhub-web, townhub-worker and the nightly townhub-backup.timer (no systemd here)")
    return
  fi
  systemctl daemon-reload
  systemctl enable --quiet townhub-web townhub-worker townhub-backup.timer
  local timers=(townhub-backup.timer)
  if [ "$MQTT_TLS" = yes ]; then
    systemctl enable --quiet townhub-mqtt-certs.timer
    timers+=(townhub-mqtt-certs.timer)
  fi
  # A short interruption: the worker stops (committing what it holds), the web restarts
  # while Caddy holds requests, then the worker starts again.
  systemctl stop townhub-worker
  systemctl restart townhub-web || NOT_STARTED+=("townhub-web (journalctl -u townhub-web)")
  systemctl start townhub-worker || NOT_STARTED+=("townhub-worker (journalctl -u townhub-worker)")
  systemctl start "${timers[@]}"
}

set_up_caddy() {
  say "Caddy: HTTPS for $DOMAIN"
  sed "s|@DOMAIN@|$DOMAIN|g; s|@EMAIL@|$EMAIL|g" "$SOURCE/deploy/templates/townhub.caddy" \
    >/etc/caddy/townhub.caddy
  local caddyfile=/etc/caddy/Caddyfile
  if [ -f "$caddyfile" ] && grep -q '^[[:space:]]*root \* /usr/share/caddy' "$caddyfile" \
    && ! grep -q 'import /etc/caddy/townhub.caddy' "$caddyfile"; then
    # The package's placeholder site: keep it aside and serve Townhub instead.
    cp -p "$caddyfile" "$caddyfile.before-townhub"
    printf '%s\n' "# Made by Townhub's deploy/install; the package's example is in Caddyfile.before-townhub." \
      "import /etc/caddy/townhub.caddy" >"$caddyfile"
  elif ! grep -q 'import /etc/caddy/townhub.caddy' "$caddyfile" 2>/dev/null; then
    printf '\n%s\n' "import /etc/caddy/townhub.caddy" >>"$caddyfile"
  fi
  install -d -m 0755 -o caddy -g caddy /var/log/caddy 2>/dev/null || install -d -m 0755 /var/log/caddy
  caddy validate --config "$caddyfile" --adapter caddyfile >/dev/null 2>&1 \
    || fail "caddy validate found a problem in $caddyfile: run 'caddy validate --config $caddyfile'"
  if has_systemd; then
    systemctl enable --quiet caddy
    systemctl reload-or-restart caddy || NOT_STARTED+=("caddy (journalctl -u caddy)")
  else
    NOT_STARTED+=("caddy (no systemd here: caddy run --config $caddyfile)")
  fi
}

remember_install() {
  printf 'DOMAIN=%s\nEMAIL=%s\nMQTT_TLS=%s\n' "$DOMAIN" "$EMAIL" "$MQTT_TLS" >"$INSTALL_CONF"
  chmod 0640 "$INSTALL_CONF"
}

report() {
  say "Townhub is installed for https://$DOMAIN"
  echo "    Settings:            $ENV_FILE (then: systemctl restart townhub-web townhub-worker)"
  echo "    Keys and photos:     $INSTANCE"
  echo "    Nightly backups:     $BACKUPS"
  echo "    Sensors' MQTT login: user 'sensors', password in $ETC/mqtt-sensors-password"
  echo "    Webhook secret:      SENSOR_WEBHOOK_SECRET in $ENV_FILE"
  echo "    First admin:         sudo townhub users invite you@example.gov.uk --name 'Your Name' --role council_admin"
  echo "    Runbook:             $APP/docs/runbook.md"
  local line
  for line in "${NOTES[@]}"; do echo "    Note: $line"; done
  if [ "${#NOT_STARTED[@]}" -gt 0 ]; then
    echo
    echo "Installed but NOT started on this machine:"
    for line in "${NOT_STARTED[@]}"; do echo "    - $line"; done
    return 0
  fi
  echo "    Health:              curl -s https://$DOMAIN/healthz"
}
