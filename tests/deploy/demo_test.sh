#!/usr/bin/env bash
# `deploy/dwell demo --duration` end to end, as a newcomer runs it (without $DISPLAY): it ends by
# itself with a participation report that counts the simulated crowd under the screen, prints a
# line per join the screen showed, leaves snapshots in ./demo-out/, and leaves no process or
# temporary folder behind. Bad arguments are refused before anything starts.
# usage: demo_test.sh SOURCE_DIR BUILD_DIR
set -euo pipefail

source_dir=$(realpath "$1") build=$(realpath "$2")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
demo() { (cd "$work" && env -u DISPLAY DWELL_BUILD_DIR="$build" TMPDIR="$work" bash "$source_dir/deploy/dwell" demo "$@"); }

people=12
status=0
demo --duration 20s --people "$people" > "$work/out.txt" 2>&1 || status=$?
[ "$status" -eq 0 ] || fail "the demo exited with $status"
grep -q "shows a join" "$work/out.txt" || fail "no line for a join the screen showed"
row=$(grep "^s1-seoul-03 " "$work/out.txt" || true)
[ -n "$row" ] || fail "the report has no row for screen s1-seoul-03"
joins=$(echo "$row" | awk '{ print $4 }')
[ "${joins:-0}" = "$people" ] || fail "the report counts ${joins:-no} joins at s1-seoul-03, expected $people: $row"
grep -q "^total: $people joins" "$work/out.txt" || fail "the report's total is not $people joins"
ls "$work"/demo-out/snapshot-*.png > /dev/null 2>&1 || fail "no snapshots in ./demo-out/"
if compgen -G "$work/dwell-demo.*" > /dev/null; then fail "the demo left its state folder behind"; fi
if pgrep -f "$work/dwell-demo" > /dev/null; then fail "the demo left processes running"; fi

# Ctrl-C, as a terminal sends it: SIGINT to every process of the demo's group. It still ends with
# the report and stops everything.
(cd "$work" && exec setsid env -u DISPLAY DWELL_BUILD_DIR="$build" TMPDIR="$work" bash "$source_dir/deploy/dwell" demo \
  --people 6 > "$work/interrupted.txt" 2>&1) &
group=$!
for _ in $(seq 1 600); do
  grep -q "crowd of 6" "$work/interrupted.txt" 2> /dev/null && break
  sleep 0.1
done
sleep 4
kill -INT -- -"$group" 2> /dev/null || fail "the demo was gone before Ctrl-C"
status=0
wait "$group" || status=$?
[ "$status" -eq 0 ] || fail "after Ctrl-C the demo exited with $status"
grep -q "^s1-seoul-03 " "$work/interrupted.txt" || fail "after Ctrl-C there is no report row for s1-seoul-03"
if pgrep -f "$work/dwell-demo" > /dev/null; then fail "after Ctrl-C the demo left processes running"; fi
if compgen -G "$work/dwell-demo.*" > /dev/null; then fail "after Ctrl-C the demo left its state folder"; fi

for bad in "--duration 5s" "--duration soon" "--people 0" "--crowd 3"; do
  # shellcheck disable=SC2086
  status=0
  demo $bad > "$work/bad.txt" 2>&1 || status=$?
  [ "$status" -eq 2 ] || fail "demo $bad exited with $status, expected 2"
  grep -q "^demo: " "$work/bad.txt" || fail "demo $bad says nothing: $(cat "$work/bad.txt")"
done

if [ "$failures" -gt 0 ]; then
  echo "--- the demo's output:" >&2
  cat "$work/out.txt" >&2
  echo "--- the interrupted demo's output:" >&2
  cat "$work/interrupted.txt" >&2 || true
  echo "$failures problem(s) with the demo" >&2
  exit 1
fi
echo "deploy/dwell demo: $people joins shown and reported under s1-seoul-03"
