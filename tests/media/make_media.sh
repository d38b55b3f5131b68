#!/bin/sh
# Generates the media the end-to-end player tests play, into the folder given as $1: good clips and
# pictures, and the bad-input set of issue 3 (truncated, corrupt, not media, empty, huge, variable
# frame rate, rotated, audio only, unsupported codec). Needs the ffmpeg CLI and perl.
#
#   clip_a.mp4        320x240 2 s 30 fps H.264 yuv420p, testsrc2 (colourful, moving texture)
#   clip_b.mp4        320x240 2 s 30 fps, smptebars (a different picture, so a switch is visible)
#   clip_wide.mp4     640x360 2 s 30 fps, testsrc2 (fills a 16:9 screen)
#   clip_magenta.mp4  320x240 2 s 30 fps, solid #c000c0 with a small moving box
#   backdrop.png      640x360 solid #3c7850 (a plain scene for overlay, toast and takeover checks)
#   poster_wide.png   640x160 solid #ff8000 (4:1; letterboxed top and bottom on 16:9)
#   poster_tall.jpg   180x360 solid #00c000 (1:2; pillarboxed left and right on 16:9)
#   poster.webp       320x240 testsrc2 frame
#   anim.gif          320x240 1 s animated testsrc2
#   bad/truncated.mp4       the first 40 % of a clip whose index (moov) is at the end: no index
#   bad/corrupt_header.mp4  a clip whose index (moov, at the start) is overwritten in its middle
#   bad/corrupt_middle.mp4  a clip whose middle third of picture data is overwritten (decodable with
#                           damage: a player may play it with errors or refuse it)
#   bad/not_media.mp4       a text file
#   bad/empty.mp4           0 bytes
#   bad/huge.png            a valid 16000x16000 1-bit PNG (decoding it would take 1 GiB as RGBA)
#   bad/unsupported.mp4     a clip whose codec tag is rewritten to "dwlX", which FFmpeg cannot decode
#   bad/audio_only.mp4      2 s AAC, no video stream
#   odd/vfr.mp4             2 s H.264 with variable frame intervals (must play)
#   odd/rotated.mp4         clip_a with rotation metadata of 90 degrees (must play)
set -eu

if [ $# -ne 1 ]; then
    echo "usage: $0 OUTPUT_DIR" >&2
    exit 2
fi
out=$1
command -v ffmpeg > /dev/null || { echo "$0: the ffmpeg command is not installed" >&2; exit 1; }
command -v perl > /dev/null || { echo "$0: perl is not installed" >&2; exit 1; }
mkdir -p "$out/bad" "$out/odd"

ff() { ffmpeg -nostdin -hide_banner -loglevel error -y "$@"; }
h264="-c:v libx264 -preset veryfast -pix_fmt yuv420p -r 30 -g 30"

# ---- good media ----
# shellcheck disable=SC2086
ff -f lavfi -i testsrc2=size=320x240:rate=30:duration=2 $h264 "$out/clip_a.mp4"
# shellcheck disable=SC2086
ff -f lavfi -i smptebars=size=320x240:rate=30:duration=2 $h264 "$out/clip_b.mp4"
# shellcheck disable=SC2086
ff -f lavfi -i testsrc2=size=640x360:rate=30:duration=2 $h264 "$out/clip_wide.mp4"
# shellcheck disable=SC2086
ff -f lavfi -i color=c=0xc000c0:size=320x240:rate=30:duration=2 \
   -vf "drawbox=x=t*40:y=100:w=40:h=40:color=white:t=fill" $h264 "$out/clip_magenta.mp4"
ff -f lavfi -i color=c=0x3c7850:size=640x360 -frames:v 1 "$out/backdrop.png"
ff -f lavfi -i color=c=0xff8000:size=640x160 -frames:v 1 "$out/poster_wide.png"
ff -f lavfi -i color=c=0x00c000:size=180x360 -frames:v 1 -q:v 2 "$out/poster_tall.jpg"
ff -f lavfi -i testsrc2=size=320x240 -frames:v 1 "$out/poster.webp"
ff -f lavfi -i testsrc2=size=320x240:rate=10:duration=1 "$out/anim.gif"

# ---- bad input ----
# Index at the end (ffmpeg's default), so the first 40 % holds no moov box.
# shellcheck disable=SC2086
ff -f lavfi -i testsrc2=size=320x240:rate=30:duration=2 $h264 "$out/bad/full.tmp.mp4"
size=$(wc -c < "$out/bad/full.tmp.mp4")
head -c $((size * 4 / 10)) "$out/bad/full.tmp.mp4" > "$out/bad/truncated.mp4"
rm -f "$out/bad/full.tmp.mp4"

# Overwrites `count` bytes at `offset` of a file with 0xff, in place.
overwrite() {
    perl -e 'my ($file, $offset, $count) = @ARGV;
             open(my $fh, "+<:raw", $file) or die "$file: $!";
             seek($fh, $offset, 0) or die; print $fh ("\xff" x $count); close($fh) or die;' "$1" "$2" "$3"
}
# Byte offset of the first occurrence of a four-letter box name in a file (-1 when absent).
box_offset() {
    perl -e 'local $/; open(my $fh, "<:raw", $ARGV[0]) or die; my $d = <$fh>; print index($d, $ARGV[1]);' "$1" "$2"
}

# shellcheck disable=SC2086
ff -f lavfi -i testsrc2=size=320x240:rate=30:duration=2 $h264 -movflags +faststart "$out/bad/corrupt_header.mp4"
moov=$(box_offset "$out/bad/corrupt_header.mp4" moov)
moov_size=$(perl -e 'open(my $fh, "<:raw", $ARGV[0]) or die; seek($fh, $ARGV[1] - 4, 0); read($fh, my $b, 4); print unpack("N", $b);' \
    "$out/bad/corrupt_header.mp4" "$moov")
overwrite "$out/bad/corrupt_header.mp4" $((moov + moov_size / 4)) $((moov_size / 2))

# shellcheck disable=SC2086
ff -f lavfi -i testsrc2=size=320x240:rate=30:duration=2 $h264 -movflags +faststart "$out/bad/corrupt_middle.mp4"
size=$(wc -c < "$out/bad/corrupt_middle.mp4")
overwrite "$out/bad/corrupt_middle.mp4" $((size / 3)) $((size / 3))

printf 'This is not a video.\nJust text with an .mp4 name.\n' > "$out/bad/not_media.mp4"
: > "$out/bad/empty.mp4"

# A real 16000x16000 PNG, made by hand: 1-bit grey rows of zeros deflate to a few tens of KiB, and
# ffmpeg would need seconds and hundreds of MiB to make the same.
perl -MCompress::Zlib -e '
    my ($file, $w, $h) = @ARGV;
    sub chunk { my ($type, $data) = @_;
                return pack("N", length $data) . $type . $data . pack("N", crc32($type . $data)); }
    my $row = "\0" . ("\0" x int(($w + 7) / 8));
    my $z = deflateInit(-Level => 9) or die;
    my $idat = "";
    for (1 .. $h) { my ($o, $s) = $z->deflate($row); $idat .= $o; }
    my ($o, $s) = $z->flush(); $idat .= $o;
    open(my $fh, ">:raw", $file) or die "$file: $!";
    print $fh "\x89PNG\r\n\x1a\n", chunk("IHDR", pack("NNCCCCC", $w, $h, 1, 0, 0, 0, 0)),
              chunk("IDAT", $idat), chunk("IEND", "");
    close($fh) or die;' "$out/bad/huge.png" 16000 16000

# FFmpeg 5.1 decodes every common video codec, so an unsupported one is made by renaming the
# sample entry of an H.264 track: the container stays valid, the codec is unknown.
# shellcheck disable=SC2086
ff -f lavfi -i testsrc2=size=320x240:rate=30:duration=2 $h264 -movflags +faststart "$out/bad/unsupported.mp4"
stsd=$(box_offset "$out/bad/unsupported.mp4" stsd)
perl -e 'my ($file, $at) = @ARGV; open(my $fh, "+<:raw", $file) or die; seek($fh, $at, 0);
         read($fh, my $tag, 4); die "no avc1 entry at $at" unless $tag eq "avc1";
         seek($fh, $at, 0); print $fh "dwlX"; close($fh) or die;' "$out/bad/unsupported.mp4" $((stsd + 16))

ff -f lavfi -i sine=frequency=440:sample_rate=48000:duration=2 -c:a aac "$out/bad/audio_only.mp4"

# ---- unusual but valid: must play ----
# Keeps every frame of the first second and every third one after: frame intervals 33 ms then 100 ms.
# shellcheck disable=SC2086
ff -f lavfi -i testsrc2=size=320x240:rate=30:duration=2 \
   -vf "select='lt(t\,1)+not(mod(n\,3))'" -fps_mode vfr -c:v libx264 -preset veryfast -pix_fmt yuv420p \
   "$out/odd/vfr.mp4"
ff -i "$out/clip_a.mp4" -c copy -metadata:s:v:0 rotate=90 "$out/odd/rotated.mp4"
