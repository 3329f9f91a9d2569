#!/usr/bin/env bash
# The Debian package (issue 31, SPEC §9), as a street's machine gets it:
#   - tools/package builds it (a release build with the Swift runtime linked in: several minutes
#     on two cores the first time) into a scratch directory;
#   - its contents, control and conffiles; no Swift runtime among the libraries the binary
#     links, and every library it links belongs to a package its Depends names (dpkg -S);
#   - installed for real with `apt-get install ./minping_*.deb` on this machine (a disposable
#     container in CI), the maintainer scripts included, then `systemd-analyze verify` on the
#     installed units (offline: it needs no running systemd);
#   - the installed binary started as minping.service starts it: its ExecStart, its environment
#     (EnvironmentFile=/etc/minping/minping.conf and Environment=, with the port, the database
#     and the public URL overridden), as User=minping with NoNewPrivileges, UMask=0077 and its
#     WorkingDirectory, in a mount namespace where the build tree is hidden (so the pages come
#     from /usr/lib/minping, not from .build); /healthz, the setup link on stderr, POST
#     /api/v1/setup 201 then 403 for the same code, the key file 0600 and minping's;
#   - minping-backup.service's ExecStart as minping while the server runs; a witness initialised
#     and minping-witness.service's ExecStart answering;
#   - `dpkg --purge minping` at the end, pass or fail (and the user and directories it made,
#     when they were not there before).
# Usage: tools/tests/test_package.sh [minping_VERSION_ARCH.deb]   (default: build one)
# Must run as root (apt, setpriv). Prints ok/FAIL per check; exits non-zero on any FAIL.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
failures=0
ok() { echo "ok   $*"; }
fail() { echo "FAIL $*"; failures=$((failures + 1)); }
check() { # check WHAT COMMAND...: ok when the command succeeds
  local what=$1
  shift
  if "$@"; then ok "$what"; else fail "$what"; fi
}
has_line() { grep -qxF -- "$1" <<<"$2"; }      # has_line LINE TEXT
lacks() { ! grep -qE -- "$1" <<<"$2"; }         # lacks REGEX TEXT
status_of() { curl -s -o /dev/null --max-time 10 -w '%{http_code}' "$1"; }

[ "$(id -u)" -eq 0 ] || { echo "FAIL tools/tests/test_package.sh installs a package: run it as root"; exit 1; }

# --- what the test needs ----------------------------------------------------------------------
missing=()
command -v systemd-analyze >/dev/null || missing+=(systemd)   # systemd-analyze verify, systemctl for the postinst
command -v setpriv >/dev/null || missing+=(util-linux)
command -v unshare >/dev/null || missing+=(util-linux)
command -v curl >/dev/null || missing+=(curl)
command -v ps >/dev/null || missing+=(procps)                 # ps, and /bin/kill of minping.service's ExecReload
command -v readelf >/dev/null || missing+=(binutils)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq "${missing[@]}"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/minping-package-test.XXXXXX")
chmod 0755 "$work" # the minping user reaches its directories in it; apt's _apt user reads the .deb
pids=()
had_user=no; getent passwd minping >/dev/null && had_user=yes
had_dirs=()
for dir in /var/lib/minping /var/lib/minping-witness /var/backups/minping; do [ -e "$dir" ] && had_dirs+=("$dir"); done
cleanup() {
  local pid dir
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; done
  if dpkg-query -W -f='${Status}' minping 2>/dev/null | grep -q 'installed\|config-files\|half'; then
    dpkg --purge minping >"$work/purge.log" 2>&1 || { echo "FAIL dpkg --purge minping"; cat "$work/purge.log"; }
  fi
  for dir in /var/lib/minping /var/lib/minping-witness /var/backups/minping; do
    [[ " ${had_dirs[*]} " == *" $dir "* ]] || rm -rf "$dir"
  done
  if [ "$had_user" = no ] && getent passwd minping >/dev/null; then userdel minping 2>/dev/null; fi
  if [ "$had_user" = no ] && getent group minping >/dev/null; then groupdel minping 2>/dev/null; fi
  rm -rf "$work"
}
trap cleanup EXIT

# A leftover of an interrupted run goes first.
if dpkg-query -W minping >/dev/null 2>&1; then dpkg --purge minping >/dev/null 2>&1; fi

# --- the package ------------------------------------------------------------------------------
if [ $# -ge 1 ]; then
  deb=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
  [ -f "$deb" ] || { echo "FAIL no package $1"; exit 1; }
  cp "$deb" "$work/" && deb=$work/$(basename "$deb")
else
  echo "tools/package --out $work"
  tools/package --out "$work" 2>&1 | tee "$work/package.log"
  if [ "${PIPESTATUS[0]}" -ne 0 ]; then
    echo "FAIL tools/package failed (above)"
    exit 1
  fi
  deb=$(tail -n 1 "$work/package.log")
  check "tools/package names the package it built last" test -f "$deb"
fi
[ -f "$deb" ] || exit 1

field() { dpkg-deb -f "$deb" "$1"; }
version=$(field Version)
arch=$(field Architecture)
depends=$(field Depends)
check "the control file: Package minping, Architecture $(dpkg --print-architecture)" \
  test "$(field Package)/$arch" = "minping/$(dpkg --print-architecture)"
if [ $# -eq 0 ]; then
  check "the version is tools/packaging/VERSION (${version})" \
    test "$version" = "${MINPING_PACKAGE_VERSION:-$(tr -d '[:space:]' < tools/packaging/VERSION)}"
fi
check "the file is named minping_${version}_${arch}.deb" test "$(basename "$deb")" = "minping_${version}_${arch}.deb"
check "a Maintainer with an address" \
  grep -qE '^[^<]+ <[^@]+@[^>]+>$' <<<"$(field Maintainer)"
check "the Description is in English and Chinese" grep -q "党员" <<<"$(field Description)"
depends_names=$(tr ',|' '\n' <<<"$depends" | sed -e 's/(.*)//' -e 's/:.*//' -e 's/[[:space:]]//g' | grep . | sort -u)
echo "     Depends: $depends"
for package in libsqlite3-0 libqrencode4 libssl3 zlib1g libc6; do
  check "Depends names $package" has_line "$package" "$depends_names"
done
check "/etc/minping/minping.conf is a conffile" has_line /etc/minping/minping.conf "$(dpkg-deb -I "$deb" conffiles)"

contents=$(dpkg-deb -c "$deb" | awk '{ $1 = $2 = $3 = $4 = $5 = ""; sub(/^ +/, ""); print }')
for path in ./usr/lib/minping/minping ./usr/lib/minping/Minping_MinpingHTTP.resources/openapi.yaml \
  ./lib/systemd/system/minping.service ./lib/systemd/system/minping-witness.service \
  ./lib/systemd/system/minping-backup.service ./lib/systemd/system/minping-backup.timer \
  ./etc/minping/minping.conf ./usr/share/doc/minping/README.md ./usr/share/doc/minping/copyright; do
  check "the package holds ${path#.}" has_line "$path" "$contents"
done
check "/usr/bin/minping is a link to /usr/lib/minping/minping (its pages are beside it)" \
  has_line './usr/bin/minping -> ../lib/minping/minping' "$contents"

# --- the libraries the binary links ---------------------------------------------------------
dpkg-deb -x "$deb" "$work/unpacked"
binary=$work/unpacked/usr/lib/minping/minping
needed=$(readelf -dW "$binary" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
linked=$(ldd "$binary" 2>&1)
check "the binary needs no Swift runtime library (readelf: $(tr '\n' ' ' <<<"$needed"))" \
  lacks '^lib(swift|Foundation|_Foundation|dispatch|BlocksRuntime)' "$needed"
check "ldd finds every library and no libswift*.so" lacks 'not found|libswift|libFoundation|libdispatch' "$linked"
package_of() { # the Debian package that ships a library path (usr-merged or not), or nothing
  local path=$1 candidate
  for candidate in "$path" "$(readlink -f "$path")" "/usr$path" "${path#/usr}"; do
    dpkg -S "$candidate" 2>/dev/null | head -n 1 | cut -d: -f1 | cut -d, -f1 && return
  done
}
while read -r library; do
  [ -n "$library" ] || continue
  path=$(awk -v lib="$library" '$1 == lib && $3 ~ /^\// { print $3 } $1 ~ "/" lib "$" { print $1 }' <<<"$linked" | head -n 1)
  package=$(package_of "${path:-/nonexistent}")
  check "$library ($path) is from ${package:-no package}, which Depends names" has_line "${package:-?}" "$depends_names"
done <<<"$needed"

# --- installed, as a street installs it -----------------------------------------------------
export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y -qq "$deb" >"$work/install.log" 2>&1; then
  # Depends may need packages the local lists do not know yet.
  apt-get update -qq >>"$work/install.log" 2>&1
  apt-get install -y -qq "$deb" >>"$work/install.log" 2>&1
fi
if ! dpkg-query -W -f='${Status}' minping 2>/dev/null | grep -q 'install ok installed'; then
  fail "apt-get install ./$(basename "$deb")"
  cat "$work/install.log"
  exit 1
fi
ok "apt-get install ./$(basename "$deb") (the maintainer scripts ran)"
user_entry=$(getent passwd minping)
system_user() {
  local uid home shell
  IFS=: read -r _ _ uid _ _ home shell <<<"$user_entry"
  [ "${uid:-1000}" -lt 1000 ] && [ "$home" = /var/lib/minping ] && [[ $shell == */nologin ]]
}
check "the postinst made the system user minping, no login shell, home /var/lib/minping ($user_entry)" system_user
for dir in /var/lib/minping /var/lib/minping-witness /var/backups/minping; do
  check "$dir is minping's, mode 750" test "$(stat -c '%U %a' "$dir" 2>/dev/null)" = "minping 750"
done
check "/etc/minping/minping.conf is root's, mode 640 (it may hold a database password)" \
  test "$(stat -c '%U %a' /etc/minping/minping.conf)" = "root 640"
runs() { "$@" >/dev/null 2>&1; }
check "/usr/bin/minping runs (minping --help)" runs /usr/bin/minping --help

units=(/lib/systemd/system/minping.service /lib/systemd/system/minping-witness.service
  /lib/systemd/system/minping-backup.service /lib/systemd/system/minping-backup.timer)
if verify=$(systemd-analyze verify "${units[@]}" 2>&1) && [ -z "$verify" ]; then
  ok "systemd-analyze verify: the four units, nothing to say"
else
  fail "systemd-analyze verify on the installed units:"
  echo "$verify"
fi
exposure=$(systemd-analyze security --offline=yes --no-pager /lib/systemd/system/minping.service 2>/dev/null |
  grep -o 'Overall exposure level.*' | head -n 1)
echo "     minping.service: ${exposure:-systemd-analyze security gave no exposure level}"
service=$(cat /lib/systemd/system/minping.service)
for line in User=minping StateDirectory=minping EnvironmentFile=/etc/minping/minping.conf NoNewPrivileges=yes \
  ProtectSystem=strict ProtectHome=yes PrivateTmp=yes Restart=on-failure; do
  check "minping.service has $line" has_line "$line" "$service"
done
timer=$(cat /lib/systemd/system/minping-backup.timer)
once_a_day() { # the timer's OnCalendar= elapses twice, a day apart
  local elapses
  mapfile -t elapses < <(systemd-analyze calendar --iterations=2 "$(sed -n 's/^OnCalendar=//p' <<<"$timer")" |
    sed -n 's/^ *\(Next elapse\|Iter. #2\): //p')
  [ ${#elapses[@]} -eq 2 ] && [ $(($(date -d "${elapses[1]}" +%s) - $(date -d "${elapses[0]}" +%s))) -eq 86400 ]
}
check "minping-backup.timer: Persistent=true" has_line Persistent=true "$timer"
check "minping-backup.timer elapses once a day" once_a_day

# --- a unit's command, run as systemd would run it ------------------------------------------
unit_value() { sed -n "s/^$2=//p" "/lib/systemd/system/$1" | tail -n 1; }
# unit_env UNIT: the unit's environment, as systemd gives it: Environment= lines, then its
# EnvironmentFile (NAME=value lines, # and ; comments, quotes removed), which overrides them.
unit_env() {
  local line name value file
  echo "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
  echo "HOME=/var/lib/minping"; echo "USER=minping"; echo "LOGNAME=minping"; echo "LANG=C.UTF-8"
  sed -n 's/^Environment=//p' "/lib/systemd/system/$1" | tr ' ' '\n'
  file=$(unit_value "$1" EnvironmentFile)
  while IFS= read -r line; do
    line=${line#"${line%%[![:space:]]*}"}
    case $line in ''|'#'*|';'*) continue ;; *=*) ;; *) continue ;; esac
    name=${line%%=*}; value=${line#*=}
    value=${value%\"}; value=${value#\"}; value=${value%\'}; value=${value#\'}
    echo "$name=$value"
  done <"${file#-}"
}
# as_unit UNIT LOG VAR=VALUE... -- COMMAND...: in the background, as User= of UNIT, in its
# WorkingDirectory, with UMask=0077 and no new privileges, with UNIT's environment plus VARs
# (later ones win), in a mount namespace where the build tree named in the binary is hidden;
# its pid is appended to pids.
hidden=$(grep -aoE '/[^[:space:][:cntrl:]]+/(release|debug)/[A-Za-z0-9_-]+\.resources' /usr/lib/minping/minping |
  xargs -r -n 1 dirname | sort -u)
hide=()
for dir in $hidden; do [ -d "$dir" ] && hide+=("$dir"); done
if [ ${#hide[@]} -gt 0 ] && ! unshare --mount true 2>/dev/null; then
  echo "     (unshare --mount is not permitted here: the build tree ${hide[*]} stays visible to the server)"
  hide=()
fi
ns=()
if [ ${#hide[@]} -gt 0 ]; then
  # shellcheck disable=SC2016 # $1 and $@ are the inner shell's
  ns=(unshare --mount -- sh -c 'for dir in $1; do mount -t tmpfs -o size=1m tmpfs "$dir" || exit 1; done; shift; exec "$@"' sh "${hide[*]}")
fi
as_unit() {
  local unit=$1 log=$2 env=()
  shift 2
  mapfile -t env < <(unit_env "$unit")
  while [ "$1" != -- ]; do env+=("$1"); shift; done
  shift
  (
    cd "$(unit_value "$unit" WorkingDirectory)" || exit 1
    umask 0077
    exec "${ns[@]}" env -i "${env[@]}" setpriv --reuid="$(unit_value "$unit" User)" \
      --regid="$(unit_value "$unit" Group)" --init-groups --no-new-privs -- "$@"
  ) >"$log.out" 2>"$log" &
  pids+=($!)
}
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_http() { # wait_http URL PID: until URL answers (any status) or PID exits, 60 s at most
  for _ in $(seq 1 600); do
    curl -s -o /dev/null --max-time 1 "$1" && return 0
    kill -0 "$2" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

state=$work/state
install -d -o minping -g minping -m 0750 "$state"
port=$(free_port)
public=http://minping.test:$port
read -ra exec_start <<<"$(unit_value minping.service ExecStart)"
echo "minping.service: ${exec_start[*]} as $(unit_value minping.service User), port $port, database $state/minping.sqlite"
as_unit minping.service "$work/serve.log" MINPING_PORT="$port" MINPING_DB="$state/minping.sqlite" \
  MINPING_PUBLIC_URL="$public" -- "${exec_start[@]}"
server=${pids[-1]}
if wait_http "http://127.0.0.1:$port/healthz" "$server" &&
  [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/healthz")" = 200 ]; then
  ok "the installed server answers /healthz on MINPING_PORT=$port (MINPING_HOST from the conf file)"
else
  fail "the installed server answers /healthz on MINPING_PORT=$port; its stderr:"
  tail -n 20 "$work/serve.log"
fi
check "it runs as minping" test "$(ps -o user= -p "$server" 2>/dev/null | tr -d ' ')" = minping
check "the pages' files come from /usr/lib/minping (GET /static/tlog.js 200; build tree hidden: ${hide[*]:-no})" \
  test "$(status_of "http://127.0.0.1:$port/static/tlog.js")" = 200
check "openapi.yaml comes from /usr/lib/minping" \
  test "$(curl -s "http://127.0.0.1:$port/api/v1/openapi.yaml" | wc -c)" -gt 10000

link=""
for _ in $(seq 1 50); do
  link=$(grep -oE "https?://[^[:space:]]+/setup#[A-Za-z0-9_-]+" "$work/serve.log" | head -n 1)
  [ -n "$link" ] && break
  sleep 0.1
done
check "stderr has the one-time setup link, on MINPING_PUBLIC_URL (${link:-none})" test "${link%%#*}" = "$public/setup"
code=${link#*#}
check "the setup code is 16 or more URL-safe characters" grep -qE '^[A-Za-z0-9_-]{16,}$' <<<"$code"
setup() {
  curl -s -o "$work/setup.body" -w '%{http_code}' -H 'Content-Type: application/json' \
    --data "{\"code\":\"$code\",\"user\":\"$1\",\"password\":\"correct horse battery staple 7\"}" \
    "http://127.0.0.1:$port/api/v1/setup"
}
status=$(setup operator)
check "POST /api/v1/setup with the link's code creates the operator account: 201 (got $status)" test "$status" = 201
status=$(setup second)
check "the same code a second time: 403 (got $status)" test "$status" = 403

key=$state/minping.sqlite.key
check "the key file $key was made 0600, owned by minping ($(stat -c '%a %U' "$key" 2>/dev/null))" \
  test "$(stat -c '%a %U' "$key" 2>/dev/null)" = "600 minping"
check "the database is minping's" test "$(stat -c '%U' "$state/minping.sqlite" 2>/dev/null)" = minping
check "nothing in the state directory is readable by others (UMask=0077)" \
  test -z "$(find "$state" -perm /o+r -print -quit)"

# minping-backup.service, while the server runs (as the timer would start it)
backups=$work/backups
install -d -o minping -g minping -m 0750 "$backups"
backup_line=$(unit_value minping-backup.service ExecStart)
# shellcheck disable=SC2016 # the unit's own ${MINPING_DB}
backup_line=${backup_line//'${MINPING_DB}'/$state/minping.sqlite}
backup_line=${backup_line//\/var\/backups\/minping/$backups}
read -ra backup_cmd <<<"$backup_line"
as_unit minping-backup.service "$work/backup.log" MINPING_DB="$state/minping.sqlite" -- "${backup_cmd[@]}"
wait "${pids[-1]}"
backup_status=$?
check "minping-backup.service's ExecStart as minping while the server runs: exit 0 (got $backup_status)" \
  test "$backup_status" -eq 0
[ "$backup_status" -eq 0 ] || tail -n 5 "$work/backup.log"
check "a copy in the backup directory" test -n "$(find "$backups" -type f -print -quit)"
check "the copies are minping's and readable by it alone" \
  test -z "$(find "$backups" -type f \( ! -user minping -o -perm /o+r \) -print -quit)"

kill -TERM "$server" 2>/dev/null
for _ in $(seq 1 300); do kill -0 "$server" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$server" 2>/dev/null; then
  fail "the server stops within 30 s of SIGTERM (systemctl stop)"
else
  wait "$server"
  serve_status=$?
  check "the server stops on SIGTERM (systemctl stop), exit $serve_status" test "$serve_status" -eq 0
fi

# minping-witness.service: its ConditionPathExists is the database its Environment= names; once
# `minping witness init` made it, the unit's ExecStart serves.
witness_db=$(sed -n 's/^Environment=MINPING_WITNESS_DB=//p' /lib/systemd/system/minping-witness.service)
check "minping-witness.service starts only once its database exists (ConditionPathExists=$witness_db)" \
  test "$(unit_value minping-witness.service ConditionPathExists)" = "$witness_db"
witness_state=$work/witness
install -d -o minping -g minping -m 0750 "$witness_state"
as_unit minping-witness.service "$work/witness-init.log" -- /usr/bin/minping witness init --name test.example/witness \
  --db "$witness_state/witness.sqlite"
wait "${pids[-1]}"
check "minping witness init as minping" test $? -eq 0
witness_port=$(free_port)
read -ra witness_exec <<<"$(unit_value minping-witness.service ExecStart)"
as_unit minping-witness.service "$work/witness.log" MINPING_WITNESS_DB="$witness_state/witness.sqlite" \
  MINPING_WITNESS_PORT="$witness_port" -- "${witness_exec[@]}"
witness=${pids[-1]}
if wait_http "http://127.0.0.1:$witness_port/" "$witness" &&
  curl -s "http://127.0.0.1:$witness_port/" | grep -q "test.example/witness"; then
  ok "minping-witness.service's ExecStart serves the witness on MINPING_WITNESS_PORT=$witness_port"
else
  fail "minping-witness.service's ExecStart serves the witness on MINPING_WITNESS_PORT=$witness_port; its stderr:"
  tail -n 20 "$work/witness.log"
fi
kill -TERM "$witness" 2>/dev/null
wait "$witness" 2>/dev/null

# --- removed and purged -----------------------------------------------------------------------
if dpkg --purge minping >"$work/purge.log" 2>&1; then
  ok "dpkg --purge minping"
else
  fail "dpkg --purge minping"; cat "$work/purge.log"
fi
check "purged: no /usr/bin/minping, no units, no /etc/minping" \
  test ! -e /usr/bin/minping -a ! -e /lib/systemd/system/minping.service -a ! -e /etc/minping
check "purged: the data directories are kept (/var/lib/minping)" test -d /var/lib/minping

if [ "$failures" -gt 0 ]; then
  echo "test_package: $failures failed"
  exit 1
fi
echo "test_package: all passed"
