// Standalone playlists (`dwell-player --playlist FILE.yaml`): a list of local files to play, for
// demos and tests, without a hub or a sync agent.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/error.hpp"
#include "config/units.hpp"
#include "content/campaign.hpp"
#include "content/join_code.hpp"
#include "content/screen.hpp"
#include "player/render/renderer.hpp"

namespace dwell::player {

enum class TransitionKind { cut, crossfade };

// How one item gives way to the next.
struct Transition {
    TransitionKind kind = TransitionKind::cut;
    config::Duration duration = std::chrono::milliseconds{500};  // crossfade length
    friend bool operator==(const Transition&, const Transition&) = default;
};

// Accepts "cut", "crossfade" and "crossfade:800ms".
Result<Transition> parse_transition(std::string_view text);

struct PlaylistItem {
    std::filesystem::path file;  // resolved against the playlist's folder
    content::MediaKind kind = content::MediaKind::video;
    std::optional<config::Duration> duration;  // nullopt: a video's own length
    Scaling scaling = Scaling::fit;
    friend bool operator==(const PlaylistItem&, const PlaylistItem&) = default;
};

// The join overlay with codes computed locally, as a screen does from its manifest.
struct PlaylistJoin {
    std::string account;
    std::string prompt;     // "{account}" and "{code}" are replaced on screen
    std::string deep_link;  // "{account}" and "{code}" are replaced in the QR code
    content::JoinSecret secret{};
    std::uint64_t slot = 0;
    unsigned digits = 6;
    config::Duration period = std::chrono::seconds{60};
    friend bool operator==(const PlaylistJoin&, const PlaylistJoin&) = default;
};

struct Playlist {
    bool loop = true;
    content::Screen screen;  // id "standalone"; station, timezone and layout from the file
    std::vector<PlaylistItem> items;
    std::optional<PlaylistJoin> join;
    Transition transition;
    std::string ticker;                   // empty: the station name and the clock
    std::optional<Color> fallback_color;  // the fallback slide's background
};

// "#rrggbb" (opaque) or "#rrggbbaa".
Result<Color> parse_color(std::string_view text);

// Reads a playlist; every problem is reported at once with file:line:column. Whether the files exist
// and play is found when their turn comes: a file that fails then is skipped and reported, as on a
// real screen (loading logs a warning for each file missing at start, so a typo is seen at once).
Result<Playlist> load_playlist(const std::filesystem::path& file);
Result<Playlist> parse_playlist(std::string_view text, std::string_view source,
                                const std::filesystem::path& base_dir);

}  // namespace dwell::player
