#!/usr/bin/env bash
# Makes the sample media the example playlist and campaign play, with the ffmpeg CLI, into
# deploy/examples/media/ (or the folder given): a 10 s 1080p clip, a second clip and a poster.
set -euo pipefail
out="${1:-$(cd "$(dirname "$0")" && pwd)/media}"
command -v ffmpeg > /dev/null || { echo "$0: ffmpeg is not installed (apt-get install ffmpeg)" >&2; exit 1; }
mkdir -p "$out"
make() {  # make FILE FFMPEG-ARGUMENTS...: only when missing, written under a temporary name first
  local file="$out/$1"; shift
  [[ -s "$file" ]] && return 0
  ffmpeg -hide_banner -loglevel error -y "$@" "$file.part.${file##*.}"
  mv "$file.part.${file##*.}" "$file"
}
make spring.mp4 -f lavfi -i "testsrc2=size=1920x1080:rate=30" -t 10 -c:v libx264 -preset fast -pix_fmt yuv420p
make city.mp4 -f lavfi -i "smptehdbars=size=1920x1080:rate=30" -t 6 -c:v libx264 -preset fast -pix_fmt yuv420p
make poster.png -f lavfi -i "gradients=size=1080x1350:c0=0x1f3a5f:c1=0xffd54a:seed=7" -frames:v 1
echo "sample media in $out"
