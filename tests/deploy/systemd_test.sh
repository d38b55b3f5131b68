#!/usr/bin/env bash
# The systemd units, sysusers.d and tmpfiles.d files in deploy/systemd, checked by systemd's own
# tools: the units load without a warning (with ExecStart pointing at the binaries just built),
# a broken unit is caught, and in a scratch root the users, groups and state folders come out as
# the services need them.
# usage: systemd_test.sh DEPLOY_SYSTEMD_DIR DWELL_PLAYER DWELL_SYNC DWELL_HUB
set -euo pipefail

units=$(realpath "$1") player=$(realpath "$2") sync=$(realpath "$3") hub=$(realpath "$4")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

# ---- the units load cleanly --------------------------------------------------------------------
mkdir "$work/units" "$work/broken"
for unit in "$units"/*.service; do
  sed -e "s|/usr/bin/dwell-player|$player|" -e "s|/usr/bin/dwell-sync|$sync|" -e "s|/usr/bin/dwell-hub|$hub|" \
    "$unit" > "$work/units/$(basename "$unit")"
done
for name in dwell-player dwell-sync dwell-hub; do
  [ -f "$work/units/$name.service" ] || fail "deploy/systemd has no $name.service"
done
if ! out=$(systemd-analyze verify "$work"/units/*.service 2>&1) || [ -n "$out" ]; then
  fail "systemd-analyze verify complains about the units:"
  echo "$out" >&2
fi
# The check itself can fail: a misspelt value is reported.
sed 's/^WatchdogSec=.*/WatchdogSec=ten/' "$work/units/dwell-player.service" > "$work/broken/dwell-player.service"
if [ -z "$(systemd-analyze verify "$work/broken/dwell-player.service" 2>&1)" ]; then
  fail "systemd-analyze verify let WatchdogSec=ten through; the check above proves nothing"
fi

# ---- what each service must have ---------------------------------------------------------------
expect() { # unit, line
  grep -qx -- "$2" "$units/$1" || fail "$1 lacks '$2'"
}
for unit in dwell-player.service dwell-sync.service dwell-hub.service; do
  expect "$unit" "Type=notify"
  expect "$unit" "NoNewPrivileges=yes"
done
expect dwell-player.service "Restart=always"
expect dwell-player.service "Environment=SDL_VIDEODRIVER=kmsdrm"
grep -q "^WatchdogSec=" "$units/dwell-player.service" || fail "dwell-player.service has no WatchdogSec"
grep -q "^WatchdogSec=" "$units/dwell-sync.service" || fail "dwell-sync.service has no WatchdogSec"
expect dwell-sync.service "ProtectSystem=strict"
expect dwell-sync.service "ReadWritePaths=/var/lib/dwell"
expect dwell-hub.service "ProtectSystem=strict"
expect dwell-hub.service "ReadWritePaths=/var/lib/dwell-hub"

# ---- users and state folders, in a scratch root ---------------------------------------------------
root="$work/root"
mkdir -p "$root/etc"
touch "$root/etc/passwd" "$root/etc/group" "$root/etc/shadow" "$root/etc/gshadow"
for name in dwell dwell-hub; do
  systemd-sysusers --root="$root" "$units/$name.sysusers" > "$work/sysusers.log" 2>&1 ||
    fail "systemd-sysusers refused $name.sysusers: $(cat "$work/sysusers.log")"
  systemd-tmpfiles --create --root="$root" "$units/$name.tmpfiles" > "$work/tmpfiles.log" 2>&1 ||
    fail "systemd-tmpfiles refused $name.tmpfiles: $(cat "$work/tmpfiles.log")"
done
uid_of() { awk -F: -v name="$1" '$1 == name { print $3 }' "$root/etc/passwd"; }
for user in dwell dwell-hub; do
  [ -n "$(uid_of "$user")" ] || fail "no user $user"
done
for group in video render; do
  grep -q "^$group:.*:.*dwell" "$root/etc/group" || fail "dwell is not in group $group (the display needs it)"
done
check_folder() { # path, user
  local folder="$root$1"
  if [ ! -d "$folder" ]; then
    fail "tmpfiles made no $1"
    return
  fi
  [ "$(stat -c %u "$folder")" = "$(uid_of "$2")" ] || fail "$1 is not owned by $2"
  [ "$(stat -c %a "$folder")" = 750 ] || fail "$1 has mode $(stat -c %a "$folder"), expected 750"
}
check_folder /var/lib/dwell dwell
check_folder /var/lib/dwell-hub dwell-hub

if [ "$failures" -gt 0 ]; then
  echo "$failures problem(s) in deploy/systemd" >&2
  exit 1
fi
echo "deploy/systemd: 3 units verified, users and folders as the services need them"
