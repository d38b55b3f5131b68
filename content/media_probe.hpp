// What a media file is — kind, codec, frame size, duration, rotation — read by libavformat
// without decoding it; the hub probes every uploaded asset with this.
//
// FFmpeg logging: probe_media never touches FFmpeg's log level, which is process-wide
// (av_log_set_level). Each program sets it once at startup, next to its own log level; until then
// FFmpeg may print its own lines (e.g. "moov atom not found") to stderr, and the Error returned
// here is what callers act on.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "config/error.hpp"
#include "config/units.hpp"
#include "content/campaign.hpp"

namespace dwell::content {

struct MediaInfo {
    MediaKind kind = MediaKind::video;         // image: a still picture (PNG, JPEG, WebP, GIF, ...)
    std::optional<config::Duration> duration;  // nullopt for images, and for videos that do not say
    std::string codec;                         // FFmpeg's codec name: "h264", "hevc", "png", ...
    int width = 0;                             // the coded frame size, before rotation
    int height = 0;
    std::string pixel_format;  // "yuv420p", "rgb24", ...; empty when FFmpeg cannot tell
    // Degrees to turn the frame clockwise for display: 0, 90, 180 or 270, from the display matrix
    // (the phone-camera convention, so a portrait phone video says 90). Other angles are rounded
    // to the nearest quarter turn; mirroring is ignored.
    int rotation = 0;
    std::string container;  // FFmpeg's demuxer name: "mov,mp4,m4a,3gp,3g2,mj2", "matroska,webm", "png_pipe"
    bool has_audio = false;
    friend bool operator==(const MediaInfo&, const MediaInfo&) = default;
};

// Reads the best video stream of `file` (a local file; nothing else is opened, not even files a
// playlist names). Errors name the file:
// - Errc::not_found: no such file;
// - Errc::invalid_input: an empty file, a directory or another non-regular file;
// - Errc::unsupported: not a media file FFmpeg recognizes (text, truncated before its index, ...),
//   no video stream (audio only, or only cover art), or no frame size;
// - Errc::io: the file could not be read.
Result<MediaInfo> probe_media(const std::filesystem::path& file);

}  // namespace dwell::content
