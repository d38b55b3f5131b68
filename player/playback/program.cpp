#include "player/playback/program.hpp"

#include <chrono>
#include <utility>

#include "config/log.hpp"
#include "content/asset_cache.hpp"

namespace dwell::player {
namespace {

constexpr std::string_view standalone_campaign = "standalone";

content::Window always() {
    using namespace std::chrono;
    return {{sys_days{year{1970} / January / 1}, {}}, {sys_days{year{9999} / December / 31}, {}}};
}

}  // namespace

std::string item_key(const content::Item& item) {
    return item.sha256.empty() ? item.asset : item.sha256;
}

Program program_from_playlist(const Playlist& playlist, AssetHashes hashes) {
    Program program;
    program.screen = playlist.screen;
    program.loop = playlist.loop;
    program.transition = playlist.transition;
    program.ticker = playlist.ticker;
    if (playlist.fallback_color) program.fallback_color = *playlist.fallback_color;

    content::Campaign campaign;
    campaign.id = std::string{standalone_campaign};
    campaign.name = campaign.id;
    campaign.window = always();
    campaign.targets.all = true;
    for (const PlaylistItem& entry : playlist.items) {
        content::Item item;
        item.asset = entry.file.string();
        item.kind = entry.kind;
        item.duration = entry.duration;
        if (hashes == AssetHashes::compute) {
            // A file missing now is reported when its turn comes; it has no hash to name.
            if (auto sha256 = content::sha256_of_file(entry.file)) item.sha256 = std::move(*sha256);
        }
        const std::string key = item_key(item);
        program.files.emplace(key, entry.file);
        if (entry.scaling != Scaling::fit)
            program.scaling.emplace(std::pair{campaign.id, campaign.items.size()}, entry.scaling);
        campaign.items.push_back(std::move(item));
    }
    if (playlist.join) {
        const PlaylistJoin& join = *playlist.join;
        // The playlist's join options were checked when it was read.
        auto space = content::JoinCodeSpace::create(join.secret, join.digits, join.period);
        if (space) {
            content::JoinOptions options;
            options.prompt = join.prompt;
            options.code = {join.digits, join.period};
            campaign.join = options;
            program.joins.emplace(
                campaign.id,
                ProgramJoin{{join.account, join.prompt, join.deep_link, *space, join.slot}, options.overlay});
        }
    }
    program.campaigns.push_back(std::move(campaign));
    return program;
}

Program program_from_manifest(const content::Manifest& manifest, const std::filesystem::path& cache_root) {
    Program program;
    program.screen = manifest.screen;
    program.campaigns = manifest.campaigns;
    for (const content::Campaign& campaign : program.campaigns) {
        for (const content::Item& item : campaign.items) {
            // A manifest that decoded has a well-formed sha256 on every item.
            if (auto file = content::asset_path(cache_root, item.sha256))
                program.files.emplace(item_key(item), *file);
        }
        if (!campaign.join) continue;
        const auto joins = manifest.joins_of(campaign.id);
        if (joins.empty()) continue;
        const content::ManifestJoin& join = *joins.front();
        auto space = content::JoinCodeSpace::create(join.secret, join.digits, join.period);
        if (!space) {
            config::logger("player")->warn("campaign {}: join overlay left out: {}", campaign.id,
                                           space.error().message);
            continue;
        }
        program.joins.emplace(campaign.id, ProgramJoin{{join.account, campaign.join->prompt, join.deep_link,
                                                        std::move(*space), join.slot},
                                                       campaign.join->overlay});
    }
    return program;
}

Program empty_program(content::Screen screen) {
    Program program;
    program.screen = std::move(screen);
    return program;
}

}  // namespace dwell::player
