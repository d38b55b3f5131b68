#!/usr/bin/env bash
# The Debian packages deploy/dwell package makes, built with cpack from BUILD_DIR and installed
# with dpkg -i into a scratch root (dpkg --root, maintainer scripts run with DPKG_ROOT set, so
# they act on that root): the three packages and their dependencies, the programs run and say
# their version, dpkg -L lists what each put where, the maintainer scripts made the users and
# state folders and enabled the units, and a purge takes it all away again.
# usage: package_test.sh BUILD_DIR
set -euo pipefail

build=$(realpath "$1")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

cpack --config "$build/CPackConfig.cmake" -B "$work/packages" > "$work/cpack.log" 2>&1 || {
  cat "$work/cpack.log" >&2
  echo "FAIL: cpack could not make the packages" >&2
  exit 1
}
version=$(dpkg-deb -f "$work"/packages/dwell-hub_*.deb Version)

# ---- what each package is -------------------------------------------------------------------------
field() { dpkg-deb -f "$work/packages/${1}_${version}_$(dpkg --print-architecture).deb" "$2"; }
for package in dwell-player dwell-sync dwell-hub; do
  [ -f "$work/packages/${package}_${version}_$(dpkg --print-architecture).deb" ] || fail "no $package package"
done
[ "$failures" -eq 0 ] || exit 1
depends_on() { # package, dependency
  field "$1" Depends | tr ',' '\n' | grep -q "^ *$2\( \|$\)" || fail "$1 does not depend on $2: $(field "$1" Depends)"
}
depends_on dwell-player "dwell-sync (= $version)"
depends_on dwell-player libsdl2-2.0-0
depends_on dwell-player libavcodec59
depends_on dwell-player fonts-noto-cjk
depends_on dwell-sync libsqlite3-0
depends_on dwell-sync systemd
depends_on dwell-hub libsqlite3-0
depends_on dwell-hub libssl3
depends_on dwell-hub tzdata
if field dwell-sync Depends | grep -q libsdl2; then fail "dwell-sync pulls SDL in"; fi

# ---- dpkg -i into a scratch root ----------------------------------------------------------------------
root="$work/root"
mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates" "$root/etc"
touch "$root/var/lib/dpkg/status" "$root/etc/passwd" "$root/etc/group" "$root/etc/shadow" "$root/etc/gshadow"
dpkg_root() { dpkg --root="$root" --log=/dev/null --force-script-chrootless "$@"; }
# The libraries are the host's; the scratch root's dpkg database knows none of them.
if ! dpkg_root --force-depends -i "$work"/packages/*.deb > "$work/install.log" 2>&1; then
  cat "$work/install.log" >&2
  fail "dpkg -i failed"
fi
for package in dwell-player dwell-sync dwell-hub; do
  [ "$(dpkg-query --root="$root" -W -f='${db:Status-Status}' "$package")" = installed ] ||
    fail "$package is not installed: $(dpkg-query --root="$root" -W -f='${db:Status-Status}' "$package" 2>&1)"
done
[ "$("$root/usr/bin/dwell-hub" --version)" = "dwell-hub $version" ] || fail "dwell-hub --version: $("$root/usr/bin/dwell-hub" --version 2>&1)"
[ "$("$root/usr/bin/dwell-sync" --version)" = "dwell-sync $version" ] || fail "dwell-sync --version: $("$root/usr/bin/dwell-sync" --version 2>&1)"
[ "$("$root/usr/bin/dwell-player" --version)" = "dwell-player $version" ] || fail "dwell-player --version"
"$root/usr/bin/dwellctl" --help > /dev/null || fail "dwellctl --help failed"

lists() { # package, path
  dpkg --root="$root" -L "$1" | grep -qx "$2" || fail "dpkg -L $1 does not list $2"
}
lists dwell-player /usr/bin/dwell-player
lists dwell-player /usr/lib/systemd/system/dwell-player.service
lists dwell-sync /usr/bin/dwell-sync
lists dwell-sync /usr/lib/systemd/system/dwell-sync.service
lists dwell-sync /usr/lib/sysusers.d/dwell.conf
lists dwell-hub /usr/bin/dwell-hub
lists dwell-hub /usr/bin/dwellctl
lists dwell-hub /usr/lib/systemd/system/dwell-hub.service
lists dwell-hub /usr/share/doc/dwell-hub/examples/hub.yaml

# The maintainer scripts: users, state folders, enabled units.
for user in dwell dwell-hub; do
  grep -q "^$user:" "$root/etc/passwd" || fail "postinst made no user $user"
done
uid_of() { awk -F: -v name="$1" '$1 == name { print $3 }' "$root/etc/passwd"; }
for user in dwell dwell-hub; do
  folder="$root/var/lib/$user"
  [ -d "$folder" ] && [ "$(stat -c %u "$folder")" = "$(uid_of "$user")" ] ||
    fail "postinst made no /var/lib/$user owned by $user"
done
for unit in dwell-player dwell-sync dwell-hub; do
  [ -L "$root/etc/systemd/system/multi-user.target.wants/$unit.service" ] || fail "$unit.service is not enabled"
done

# ---- purge -----------------------------------------------------------------------------------------------
if ! dpkg_root --force-depends --purge dwell-player dwell-sync dwell-hub > "$work/purge.log" 2>&1; then
  cat "$work/purge.log" >&2
  fail "dpkg --purge failed"
fi
for path in usr/bin/dwell-hub usr/bin/dwell-player usr/bin/dwell-sync usr/lib/systemd/system/dwell-hub.service \
  etc/systemd/system/multi-user.target.wants/dwell-sync.service; do
  [ ! -e "$root/$path" ] && [ ! -L "$root/$path" ] || fail "/$path is still there after the purge"
done

if [ "$failures" -gt 0 ]; then
  echo "$failures problem(s) with the packages" >&2
  exit 1
fi
echo "packages dwell-player, dwell-sync, dwell-hub $version: built, installed with dpkg -i, purged"
