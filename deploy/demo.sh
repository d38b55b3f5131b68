#!/usr/bin/env bash
# The whole system on this machine, with sample content and a simulated crowd: a hub, one station
# screen (its sync agent and player), an interactive campaign with a Korean prompt, and people
# sending the screen's join code to the demo LINE account. Run through `deploy/dwell demo`, which
# installs and builds first.
#
# usage: demo.sh BUILD_DIR [--duration 60s] [--people N]
#
# Everything lives in a temporary folder, removed at the end. With $DISPLAY the player opens a
# window; without, it draws offscreen and leaves a snapshot every 5 s in ./demo-out/. It runs until
# --duration passes or Ctrl-C, then prints the participation report by screen and stops everything.
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=$(realpath "$1")
shift
duration=""
people=30
while [ $# -gt 0 ]; do
  case "$1" in
    --duration)
      duration=${2:?--duration needs a value such as 60s}
      shift 2
      ;;
    --people)
      people=${2:?--people needs a number}
      shift 2
      ;;
    *)
      echo "demo: unknown argument '$1'; expected --duration 60s or --people N" >&2
      exit 2
      ;;
  esac
done
seconds=""
if [ -n "$duration" ]; then
  case "$duration" in
    *[!0-9s]* | s | "") ;;
    *s) seconds=${duration%s} ;;
    *) seconds=$duration ;;
  esac
  if ! [[ "$seconds" =~ ^[0-9]+$ ]] || [ "$seconds" -lt 10 ]; then
    echo "demo: --duration '$duration' is not a number of seconds of 10 or more, such as 60s" >&2
    exit 2
  fi
fi
if ! [[ "$people" =~ ^[0-9]+$ ]] || [ "$people" -lt 1 ]; then
  echo "demo: --people '$people' is not a positive number" >&2
  exit 2
fi

hub_bin=$build/sync/dwell-hub ctl_bin=$build/sync/dwellctl
sync_bin=$build/sync/dwell-sync player_bin=$build/player/dwell-player
for program in "$hub_bin" "$ctl_bin" "$sync_bin" "$player_bin"; do
  [ -x "$program" ] || { echo "demo: $program is not built; run deploy/dwell build" >&2; exit 1; }
done

state=$(mktemp -d "${TMPDIR:-/tmp}/dwell-demo.XXXXXX")
pids=()
stopping=0
cleanup() {
  local pid
  # Stop in reverse order of starting: the crowd, the player, the agent, the hub.
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    pid=${pids[i]}
    kill -TERM "$pid" 2> /dev/null || true
    wait "$pid" 2> /dev/null || true
  done
  rm -rf "$state"
}
trap cleanup EXIT
trap 'stopping=1' INT TERM

say() { printf 'demo: %s\n' "$*"; }
# Ctrl-C reaches every process of the terminal's foreground group. The programs below are started
# with setsid, in sessions of their own (setsid execs them: $! is the program's pid), so only this
# script hears it and stops them in order after the report.
wait_for() { # seconds, file, text: waits until the file holds the text
  local deadline=$((SECONDS + $1))
  until grep -q -- "$3" "$2" 2> /dev/null; do
    if [ $SECONDS -ge $deadline ] || [ $stopping -eq 1 ]; then
      echo "demo: gave up waiting for '$3' in $2:" >&2
      tail -n 20 "$2" >&2 || true
      exit 1
    fi
    sleep 0.1 || true
  done
}

# ---- the hub ------------------------------------------------------------------------------------
mkdir -p "$state/hub"
cp -r "$top/deploy/examples/secrets" "$state/hub/"
sed -e 's/^listen: .*/listen: 127.0.0.1:0/' -e 's/^data_dir: .*/data_dir: data/' \
  "$top/deploy/examples/hub.yaml" > "$state/hub/hub.yaml"
"$hub_bin" token create --config "$state/hub/hub.yaml" --role operator > "$state/operator.token"
"$hub_bin" token create --config "$state/hub/hub.yaml" --role marketer > "$state/marketer.token"
setsid "$hub_bin" --config "$state/hub/hub.yaml" 2> "$state/hub.log" &
pids+=($!)
wait_for 20 "$state/hub.log" "listening on"
port=$(sed -n 's/.*listening on http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$state/hub.log" | head -n 1)
export DWELL_HUB="http://127.0.0.1:$port"
say "hub at $DWELL_HUB (state in $state)"
operator() { DWELL_TOKEN=$(cat "$state/operator.token") "$ctl_bin" "$@"; }
marketer() { DWELL_TOKEN=$(cat "$state/marketer.token") "$ctl_bin" "$@"; }

# ---- content: sample media and an interactive campaign running now ------------------------------------
mkdir -p "$state/campaign"
bash "$top/deploy/examples/make-samples.sh" "$state/campaign" > /dev/null
start=$(date -u -d '-1 hour' +%Y-%m-%dT%H:%M:%SZ)
end=$(date -u -d '+1 day' +%Y-%m-%dT%H:%M:%SZ)
cat > "$state/campaign/demo-fest.yaml" << YAML
id: demo-fest
name: 마이피플 스티커 페스티벌
window: { start: $start, end: $end }
targets: { stations: [seoul] }
items:
  - { asset: spring.mp4, duration: auto }
  - { asset: poster.png, duration: 6s }
join:
  channels: [line-demo]
  prompt: "{account}에 {code} 보내고 참여하세요"
  reply: "참여 완료! 스티커를 보내드릴게요."
  code: { digits: 6, period: 60s }
  overlay: { position: bottom-right, qr: true, counter: true, toasts: true }
YAML
operator screen add s1-seoul-03 --station seoul --line 1 --timezone Asia/Seoul > "$state/screen.txt"
code=$(sed -n 's/.*enrollment code:[[:space:]]*\([^[:space:]]*\).*/\1/p' "$state/screen.txt")
marketer campaign apply "$state/campaign/demo-fest.yaml" | sed 's/^/demo: /'

# ---- the station screen: its agent and player --------------------------------------------------------
mkdir -p "$state/screen"
if [ -n "${DISPLAY:-}" ]; then
  display="display: { driver: auto, size: 1280x720 }"
  snapshots=()
else
  display="display: { driver: offscreen, size: 1280x720 }"
  mkdir -p demo-out
  snapshots=(--snapshot-dir "$PWD/demo-out" --snapshot-every 5s)
fi
cat > "$state/screen/device.yaml" << YAML
device: { id: s1-seoul-03, station: seoul, line: "1" }
hub:
  url: $DWELL_HUB
  token_file: state/device.token
  enrollment_code: $code
  manifest_poll: 10s
state_dir: state
$display
agent: { metrics: "127.0.0.1:0" }
YAML
setsid "$sync_bin" --config "$state/screen/device.yaml" 2> "$state/agent.log" &
pids+=($!)
SDL_AUDIODRIVER=dummy setsid "$player_bin" --config "$state/screen/device.yaml" "${snapshots[@]}" 2> "$state/player.log" &
player=$!
pids+=("$player")
wait_for 60 "$state/agent.log" "the player connected"
wait_for 60 "$state/agent.log" "live feed is connected"
wait_for 60 "$state/player.log" "1 campaign(s)"
say "screen s1-seoul-03 enrolled and playing demo-fest${snapshots:+; snapshots every 5 s in ./demo-out/}"

# A line per join as the screen shows it.
tail -n +1 -F --pid="$player" "$state/player.log" 2> /dev/null |
  sed -un 's/.*join shown: seq \([0-9]*\) campaign \([^ ]*\) (\([0-9-]*\) ms after.*/demo: s1-seoul-03 shows a join (event \1, \2), \3 ms after the hub took it/p' &
pids+=($!)

# ---- the crowd --------------------------------------------------------------------------------------
say "a crowd of $people sends the code the screen shows to @dwell on LINE"
setsid env DWELL_TOKEN="$(cat "$state/operator.token")" "$ctl_bin" simulate --channel line-demo --people "$people" --rate 3/s --hub-config "$state/hub/hub.yaml" \
  --campaign demo-fest > "$state/simulate.log" 2>&1 &
simulate=$!
pids+=("$simulate")

# Ctrl-C also ends the sleep at hand (hence the "|| true"); the flag ends the wait.
if [ -n "$seconds" ]; then
  deadline=$((SECONDS + seconds))
  while [ $SECONDS -lt $deadline ] && [ $stopping -eq 0 ]; do sleep 0.2 || true; done
else
  say "running until Ctrl-C"
  while [ $stopping -eq 0 ]; do sleep 0.2 || true; done
fi
if kill -0 "$simulate" 2> /dev/null; then
  kill -TERM "$simulate" 2> /dev/null || true
fi
wait "$simulate" 2> /dev/null || true
sed 's/^/demo: crowd: /' "$state/simulate.log"

echo
marketer report participation --campaign demo-fest --by screen
