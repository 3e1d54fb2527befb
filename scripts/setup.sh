#!/usr/bin/env bash
# Idempotent set-up: Odoo 19 sources, Python venv, PostgreSQL, wkhtmltopdf, chromium, prettier
# (npm), odoo.conf.
# Safe to run again: every step checks first and prints what it does.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

VENV="$ROOT/.venv"
ODOO_ROOT="$ROOT/.odoo"                     # unpacked Debian packages (git-ignored)
CACHE="${RELANCE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/relance_avancee}"
CONF="$ROOT/odoo.conf"
PY="${PYTHON:-python3.11}"

say() { printf '[setup] %s\n' "$*"; }

SUDO=""
if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null; then SUDO="sudo"; fi

APT_UPDATED=""
apt_install() {
    # apt_install PKG... : install Debian packages (system-wide tools, not Odoo itself).
    local missing=()
    for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
    [ ${#missing[@]} -eq 0 ] && return 0
    say "installing Debian packages: ${missing[*]}"
    if [ -z "$APT_UPDATED" ]; then $SUDO apt-get update -qq; APT_UPDATED=1; fi
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# --- 1. Odoo 19 sources ------------------------------------------------------------------------
# Debian's sid ships Odoo 19; a few bundled web files are symlinks into /usr/share, so the small
# companion packages are unpacked into the same root for the links to resolve.
SID_PKGS=(odoo-19 libjs-jquery libjs-jquery-form libjs-underscore fonts-roboto-unhinted
          fonts-montserrat fonts-ocr-b)
STABLE_PKGS=(fonts-font-awesome fonts-inconsolata)   # sid renamed font-awesome 7.x files

apt_private() {
    # apt_private NAME SUITE: an apt configuration that touches nothing of the system's.
    local name=$1 suite=$2 dir="$CACHE/apt-$1"
    mkdir -p "$dir/lists/partial" "$dir/archives/partial"
    echo "deb http://deb.debian.org/debian $suite main" >"$dir/sources.list"
    APT_OPTS=(-o "Dir::Etc::SourceList=$dir/sources.list" -o Dir::Etc::SourceParts=/dev/null
              -o "Dir::State::Lists=$dir/lists" -o "Dir::Cache::Archives=$dir/archives"
              -o Debug::NoLocking=1 -o APT::Sandbox::User=root)
    if [ -z "$(ls -A "$dir/lists" 2>/dev/null | grep -v partial)" ]; then
        say "apt: fetching the package list of Debian $suite (private state in $dir)"
        apt-get "${APT_OPTS[@]}" update -qq
    fi
}

download_debs() {
    # download_debs SUITE PKG...: into $CACHE/debs, skipping those already there.
    local suite=$1; shift
    mkdir -p "$CACHE/debs"
    local need=()
    for p in "$@"; do ls "$CACHE/debs/${p}_"*.deb >/dev/null 2>&1 || need+=("$p"); done
    [ ${#need[@]} -eq 0 ] && return 0
    apt_private "$suite" "$suite"
    say "downloading from Debian $suite: ${need[*]}"
    (cd "$CACHE/debs" && apt-get "${APT_OPTS[@]}" download -qq "${need[@]}")
}

if [ -n "${ODOO_SRC:-}" ]; then
    ODOO_PATH="$ODOO_SRC"
    [ -d "$ODOO_PATH/odoo/addons/account" ] || [ -d "$ODOO_PATH/addons/account" ] || {
        echo "ODOO_SRC=$ODOO_SRC does not look like an Odoo 19 source tree" >&2; exit 1; }
    say "using Odoo from ODOO_SRC=$ODOO_PATH"
else
    ODOO_PATH="$ODOO_ROOT/usr/lib/python3/dist-packages"
    if [ ! -f "$ODOO_ROOT/.complete" ]; then
        download_debs sid "${SID_PKGS[@]}"
        download_debs bookworm "${STABLE_PKGS[@]}"
        say "unpacking Odoo 19 and its companion packages into $ODOO_ROOT"
        rm -rf "$ODOO_ROOT"; mkdir -p "$ODOO_ROOT"
        for p in "${SID_PKGS[@]}" "${STABLE_PKGS[@]}"; do
            dpkg -x "$(ls "$CACHE/debs/${p}_"*.deb | sort -V | tail -n1)" "$ODOO_ROOT"
        done
        # Debian removed this non-free file; without it every web asset bundle fails to build.
        mkdir -p "$ODOO_PATH/odoo/addons/mail/static/lib/selfie_segmentation"
        touch "$ODOO_PATH/odoo/addons/mail/static/lib/selfie_segmentation/selfie_segmentation.js"
        broken=$(find "$ODOO_ROOT" -xtype l | head -n 5)
        [ -z "$broken" ] || { echo "unresolved links in the Odoo tree: $broken" >&2; exit 1; }
        touch "$ODOO_ROOT/.complete"
    else
        say "Odoo 19 already unpacked in $ODOO_ROOT"
    fi
fi
if [ -d "$ODOO_PATH/odoo/addons/account" ]; then  # Debian's layout
    ODOO_ADDONS="$ODOO_PATH/odoo/addons"
else  # a git checkout of odoo/odoo: addons/ beside odoo/
    ODOO_ADDONS="$ODOO_PATH/addons,$ODOO_PATH/odoo/addons"
fi

# --- 2. Python venv ----------------------------------------------------------------------------
REQ_HASH=$(cat requirements.txt requirements-addons.txt | sha1sum | cut -c1-12)
if [ ! -f "$VENV/.req-$REQ_HASH" ]; then
    command -v "$PY" >/dev/null || PY=python3
    apt_install libpq-dev libldap2-dev libsasl2-dev >/dev/null 2>&1 || true
    say "creating $VENV with requirements.txt"
    [ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
    "$VENV/bin/pip" install -q --upgrade pip wheel
    "$VENV/bin/pip" install -q -r requirements.txt
    say "installing the OCA addons of requirements-addons.txt (queue_job)"
    "$VENV/bin/pip" install -q --no-deps -r requirements-addons.txt
    rm -f "$VENV"/.req-*; touch "$VENV/.req-$REQ_HASH"
else
    say "venv up to date"
fi
# Odoo on the venv's path, so that `python -c 'import odoo'` and pytest-odoo find it.
SITE=$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
echo "$ODOO_PATH" >"$SITE/odoo19-src.pth"

# --- 3. PostgreSQL -----------------------------------------------------------------------------
PGHOST_USED="${PGHOST:-127.0.0.1}"
if pg_isready -q -h "$PGHOST_USED" 2>/dev/null || \
   (command -v psql >/dev/null && psql -h "$PGHOST_USED" -d postgres -Atc 'select 1' >/dev/null 2>&1); then
    say "PostgreSQL answers on $PGHOST_USED"
else
    say "no PostgreSQL server answers: installing Debian's postgresql and starting it"
    apt_install postgresql
    ver=$(ls /etc/postgresql | sort -V | tail -n1)
    $SUDO pg_ctlcluster --skip-systemctl-redirect "$ver" main start || $SUDO pg_ctlcluster "$ver" main start
    for _ in $(seq 30); do pg_isready -q -h "$PGHOST_USED" && break; sleep 1; done
fi
ME=$(whoami)
if ! psql -h "$PGHOST_USED" -d postgres -Atc 'select 1' >/dev/null 2>&1; then
    say "creating PostgreSQL superuser role $ME"
    $SUDO su postgres -c "createuser -s $ME" || true
fi

# --- 4. System tools: wkhtmltopdf (PDF letters), chromium (browser tours) -----------------------
command -v wkhtmltopdf >/dev/null || apt_install wkhtmltopdf
command -v chromium >/dev/null || apt_install chromium
# the demo's reverse proxy: Odoo with workers serves its websocket on another port
[ -x /usr/sbin/nginx ] || apt_install nginx
apt_install fonts-dejavu-core >/dev/null 2>&1 || true

# --- 5. prettier for the XML and JavaScript (pre-commit), pinned by package-lock.json ----------
command -v npm >/dev/null || apt_install nodejs npm
LOCK_HASH=$(cat package.json package-lock.json | sha1sum | cut -c1-12)
if [ ! -f "node_modules/.lock-$LOCK_HASH" ]; then
    say "installing prettier and its XML plugin with npm ci"
    npm ci --silent --no-audit --no-fund
    rm -f node_modules/.lock-*; touch "node_modules/.lock-$LOCK_HASH"
else
    say "prettier up to date"
fi

# --- 6. odoo.conf ------------------------------------------------------------------------------
DBUSER="${PGUSER:-$ME}"
cat >"$CONF" <<CONF
; generated by scripts/setup.sh — do not edit, set environment variables instead
[options]
addons_path = $ODOO_ADDONS,$SITE/odoo/addons,$ROOT
data_dir = $ROOT/.odoo-data
db_host = $PGHOST_USED
db_port = ${PGPORT:-5432}
db_user = $DBUSER
db_password = ${PGPASSWORD:-}
http_interface = 127.0.0.1
http_port = ${HTTP_PORT:-8069}
admin_passwd = admin
list_db = True
log_level = info
CONF
say "wrote $CONF"
cat >"$ROOT/.odoo-env" <<ENV
ODOO_PATH=$ODOO_PATH
ENV
say "ready"
