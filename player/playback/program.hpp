// What a screen plays, in one shape whatever it came from: the screen, its campaigns, the file of
// each item and how each interactive campaign's join overlay reads. Made from a standalone playlist
// or from the manifest the sync agent stored, so everything after this point has one code path.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/error.hpp"
#include "config/units.hpp"
#include "content/campaign.hpp"
#include "content/manifest.hpp"
#include "content/screen.hpp"
#include "player/playback/playlist.hpp"
#include "player/render/renderer.hpp"
#include "player/scene/join_prompt.hpp"

namespace dwell::player {

struct ProgramJoin {
    JoinPromptSource source;
    content::Overlay overlay;
};

struct Program {
    content::Screen screen;
    std::vector<content::Campaign> campaigns;
    // The file behind each item, by item_key(); items without one fail when their turn comes.
    std::map<std::string, std::filesystem::path, std::less<>> files;
    // The join overlay of each interactive campaign, by campaign id.
    std::map<std::string, ProgramJoin, std::less<>> joins;
    // Standalone playlists may play once and then rest on the fallback slide.
    bool loop = true;
    Transition transition;
    std::string ticker;  // empty: the station name and the clock
    Color fallback_color{0x1f, 0x3a, 0x5f, 255};
    // Items drawn to fill their zone, by campaign id and item index; every other item is fitted.
    std::map<std::pair<std::string, std::size_t>, Scaling, std::less<>> scaling;
};

// How items are looked up in Program::files: the sha256 when the hub filled it in, else the name.
std::string item_key(const content::Item& item);

enum class AssetHashes {
    skip,     // play records then name no asset (nothing ships them)
    compute,  // hash each file once, so play records name their asset as the hub would
};

// The playlist as a single campaign "standalone" that targets every screen, all the time.
Program program_from_playlist(const Playlist& playlist, AssetHashes hashes);

// The manifest's campaigns with files from the asset cache at `cache_root` (read-only: the agent
// owns the cache). Every join block becomes an overlay; a campaign offering several channels shows
// its first.
Program program_from_manifest(const content::Manifest& manifest, const std::filesystem::path& cache_root);

// Nothing to play yet (no manifest): the fallback slide of the configured station.
Program empty_program(content::Screen screen);

}  // namespace dwell::player
