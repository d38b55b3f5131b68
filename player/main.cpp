// dwell-player: the station screen's player (see player/app.hpp).
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "config/cli.hpp"
#include "config/config_file.hpp"
#include "config/log.hpp"
#include "config/units.hpp"
#include "player/app.hpp"

namespace {

using namespace dwell;

using config::parsed_by;

}  // namespace

int main(int argc, char** argv) try {
    CLI::App app{"dwell-player: plays a station screen's schedule with live join overlays", "dwell-player"};
    player::PlayerOptions options;
    std::string config_file, playlist_file, events_socket, state_db, driver, size, duration, snapshot_dir,
        snapshot_every, snapshot_at, stats_json, transition, crossfade, log_level, audio;
    bool version = false;
    app.add_flag("--version", version, "print the version and exit");
    auto* config_option = app.add_option("--config", config_file, "device.yaml (normal mode)");
    auto* playlist_option =
        app.add_option("--playlist", playlist_file, "a playlist YAML file (standalone mode)");
    config_option->excludes(playlist_option);
    app.add_option("--events-socket", events_socket, "the sync agent's unix socket for live events");
    app.add_option("--state-db", state_db, "standalone mode: write play, shown and error records here");
    app.add_option("--video-driver", driver, "offscreen|dummy|kmsdrm|x11|wayland (default: SDL's choice)")
        ->check(parsed_by(config::parse_video_driver, "DRIVER"));
    app.add_option("--size", size, "window size, e.g. 1920x1080")
        ->check(parsed_by(config::parse_pixel_size, "WxH"));
    app.add_option("--duration", duration, "exit 0 after this long, e.g. 30s")
        ->check(parsed_by(config::parse_positive_duration, "DURATION"));
    app.add_option("--snapshot-dir", snapshot_dir, "write PNG snapshots of presented frames here");
    app.add_option("--snapshot-every", snapshot_every, "a snapshot every period, e.g. 1s")
        ->check(parsed_by(config::parse_positive_duration, "DURATION"));
    app.add_option("--snapshot-at", snapshot_at, "snapshots at these times from the start, e.g. 0.5s,3s");
    app.add_option("--stats-json", stats_json,
                   "append a JSON line of statistics every second and at the end");
    app.add_option("--transition", transition, "cut|crossfade (default: the playlist's, else cut)")
        ->check(parsed_by(player::parse_transition, "TRANSITION"));
    app.add_option("--crossfade", crossfade, "crossfade length, e.g. 500ms")
        ->check(parsed_by(config::parse_positive_duration, "DURATION"));
    app.add_option("--log-level", log_level, "trace|debug|info|warn|error")
        ->check(parsed_by(config::parse_log_level, "LEVEL"));
    app.add_option("--audio", audio,
                   "on|off: play the items' sound (default: device.yaml's display.audio, else off)")
        ->check(parsed_by(player::parse_audio_mode, "on|off"));
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& error) {
        const int status = app.exit(error);
        return status == 0 ? 0 : player::exit_usage;
    }
    if (version) {
        std::printf("dwell-player %s\n", std::string{player::player_version()}.c_str());
        return player::exit_ok;
    }
    if (config_file.empty() == playlist_file.empty()) {
        std::fprintf(stderr, "dwell-player: give either --config device.yaml or --playlist FILE.yaml\n");
        return player::exit_usage;
    }
    if ((!snapshot_every.empty() || !snapshot_at.empty()) && snapshot_dir.empty()) {
        std::fprintf(stderr, "dwell-player: --snapshot-every and --snapshot-at need --snapshot-dir DIR\n");
        return player::exit_usage;
    }
    if (!log_level.empty()) options.log_level = *config::parse_log_level(log_level);
    if (!audio.empty()) options.audio = *player::parse_audio_mode(audio);
    if (!config_file.empty()) options.config_file = config_file;
    if (!playlist_file.empty()) options.playlist_file = playlist_file;
    if (!events_socket.empty()) options.events_socket = events_socket;
    if (!state_db.empty()) options.state_db = state_db;
    if (!driver.empty()) options.driver = *config::parse_video_driver(driver);
    if (!size.empty()) options.size = *config::parse_pixel_size(size);
    if (!duration.empty()) options.duration = *config::parse_positive_duration(duration);
    if (!snapshot_dir.empty()) options.snapshot_dir = snapshot_dir;
    if (!snapshot_every.empty()) options.snapshot_every = *config::parse_positive_duration(snapshot_every);
    for (std::size_t start = 0; start < snapshot_at.size();) {
        const auto comma = std::min(snapshot_at.find(',', start), snapshot_at.size());
        const std::string item = snapshot_at.substr(start, comma - start);
        auto at = config::parse_duration(item);
        if (!at || at->count() < 0) {
            std::fprintf(stderr, "dwell-player: --snapshot-at: \"%s\" is not a time like 0.5s or 3s\n",
                         item.c_str());
            return player::exit_usage;
        }
        options.snapshot_at.push_back(*at);
        start = comma + 1;
    }
    if (!stats_json.empty()) options.stats_json = stats_json;
    if (!transition.empty()) options.transition = *player::parse_transition(transition);
    if (!crossfade.empty()) {
        player::Transition fade =
            options.transition.value_or(player::Transition{player::TransitionKind::crossfade});
        fade.kind = player::TransitionKind::crossfade;
        fade.duration = *config::parse_positive_duration(crossfade);
        options.transition = fade;
    }
    return player::run_player(options);
} catch (const std::exception& error) {
    dwell::config::logger("player")->critical("stopped by an unexpected error: {}", error.what());
    return dwell::player::exit_failure;
}
