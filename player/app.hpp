// The dwell-player program: reads its inputs, runs the render loop until its time is up or it is
// told to stop, and reports what it showed.
#pragma once

#include <filesystem>
#include <optional>
#include <string_view>
#include <vector>

#include "config/config_file.hpp"
#include "config/device_config.hpp"
#include "config/log.hpp"
#include "config/units.hpp"
#include "player/media/audio_feed.hpp"
#include "player/playback/playlist.hpp"

namespace dwell::player {

std::string_view player_version();

struct PlayerOptions {
    std::optional<std::filesystem::path> config_file;    // normal mode: device.yaml
    std::optional<std::filesystem::path> playlist_file;  // standalone mode
    std::optional<std::filesystem::path> events_socket;  // overrides the device's
    std::optional<std::filesystem::path> state_db;       // standalone mode: where records go
    std::optional<config::VideoDriver> driver;           // overrides the device's
    std::optional<config::PixelSize> size;
    std::optional<config::Duration> duration;  // exit 0 after this long
    std::optional<std::filesystem::path> snapshot_dir;
    std::optional<config::Duration> snapshot_every;
    std::vector<config::Duration> snapshot_at;
    std::optional<std::filesystem::path> stats_json;
    std::optional<Transition> transition;
    std::optional<config::LogLevel> log_level;  // overrides the device's
    std::optional<AudioMode> audio;             // overrides the device's display.audio; off by default
};

// Exit statuses.
inline constexpr int exit_ok = 0;
inline constexpr int exit_failure = 1;  // could not run (no display, no fonts)
inline constexpr int exit_usage = 2;    // bad command line, configuration or playlist

// Runs the player until `duration` passes or SIGTERM/SIGINT arrives; returns the exit status.
int run_player(const PlayerOptions& options);

}  // namespace dwell::player
