#include "sync/hub/catalog.hpp"

#include <algorithm>

#include "content/crypto.hpp"

namespace dwell::sync::hub {
namespace {

constexpr std::size_t steps_kept = 4;  // the current step, the one before, and room for clocks at a boundary

bool in_window(const content::Campaign& campaign, config::WallTime now) {
    const auto time = std::chrono::time_point_cast<std::chrono::seconds>(now);
    return campaign.window.start.utc <= time && time < campaign.window.end.utc;
}

}  // namespace

ChannelCodes::ChannelCodes(const ChannelSlots& slots,
                           const std::map<std::string, content::Campaign, std::less<>>& campaigns)
    : m_owners(slots.by_slot) {
    std::set<std::pair<unsigned, std::int64_t>> spaces;
    for (const auto& [slot, owner] : m_owners) {
        const auto found = campaigns.find(owner.campaign);
        if (found == campaigns.end() || !found->second.join) continue;
        const content::JoinCodeOptions& options = found->second.join->code;
        m_campaign_options.emplace(owner.campaign, options);
        spaces.emplace(options.digits, options.period.count());
    }
    for (const auto& [digits, period] : spaces) {
        auto space = content::JoinCodeSpace::create(slots.secret, digits, config::Duration{period});
        // Campaign validation admits only spaces create() accepts; one that fails is left out
        // (its codes are wrong codes) rather than stopping the hub.
        if (!space) continue;
        m_spaces.push_back(Space{std::move(*space), {}});
        m_digits.insert(digits);
    }
}

std::shared_ptr<const content::JoinStep> ChannelCodes::step(const Space& space, std::uint64_t number) const {
    {
        std::lock_guard lock(m_mutex);
        for (const auto& kept : space.steps)
            if (kept->number() == number) return kept;
    }
    auto derived = space.codes.step(number);
    if (!derived) return nullptr;
    auto shared = std::make_shared<const content::JoinStep>(std::move(*derived));
    std::lock_guard lock(m_mutex);
    space.steps.push_back(shared);
    if (space.steps.size() > steps_kept) space.steps.erase(space.steps.begin());
    return shared;
}

std::optional<Attribution> ChannelCodes::resolve(std::string_view code, config::WallTime at) const {
    // Step n in every space first, then n - 1: a code valid now wins over one that just expired.
    for (const std::uint64_t back : {0U, 1U}) {
        for (const Space& space : m_spaces) {
            const auto value = space.codes.parse_code(code);
            if (!value) continue;
            const std::uint64_t number = space.codes.step_at(at) - back;
            const auto prepared = step(space, number);
            if (!prepared) continue;
            const auto slot = prepared->decode(*value);
            if (!slot) continue;
            const auto owner = m_owners.find(*slot);
            if (owner == m_owners.end()) continue;
            const auto options = m_campaign_options.find(owner->second.campaign);
            // A slot decoded in another campaign's space is a coincidence, not a join.
            if (options == m_campaign_options.end() || options->second.digits != space.codes.digits() ||
                options->second.period != space.codes.period())
                continue;
            return Attribution{owner->second.campaign, owner->second.screen, *slot, number};
        }
    }
    return std::nullopt;
}

void Catalog::index() {
    contexts.clear();
    for (const auto& [id, screen] : screens)
        contexts.emplace(id, content::ScreenContext::create_or_utc(screen));
    campaign_screens.clear();
    for (const auto& [id, campaign] : campaigns) campaign_screens[id] = targeted_screens(campaign.targets);
    codes.clear();
    for (const auto& [channel, channel_slots] : slots)
        codes[channel] = std::make_shared<const ChannelCodes>(channel_slots, campaigns);
}

const content::Screen* Catalog::screen(std::string_view id) const {
    const auto found = screens.find(id);
    return found == screens.end() ? nullptr : &found->second;
}

const content::Campaign* Catalog::campaign(std::string_view id) const {
    const auto found = campaigns.find(id);
    return found == campaigns.end() ? nullptr : &found->second;
}

std::vector<std::string> Catalog::targeted_screens(const content::Targets& targets) const {
    std::vector<std::string> out;
    for (const auto& [id, screen] : screens)
        if (content::targets_screen(targets, screen)) out.push_back(id);
    return out;
}

std::vector<const content::Campaign*> Catalog::interactive_at(std::string_view screen,
                                                              config::WallTime now) const {
    std::vector<const content::Campaign*> out;
    const content::Screen* found = this->screen(screen);
    if (!found) return out;
    for (const auto& [id, campaign] : campaigns)
        if (campaign.join && in_window(campaign, now) && content::targets_screen(campaign.targets, *found))
            out.push_back(&campaign);
    return out;
}

bool Catalog::runs_at(std::string_view campaign_id, std::string_view screen_id, config::WallTime at) const {
    const content::Campaign* found = campaign(campaign_id);
    const auto context = contexts.find(screen_id);
    if (!found || context == contexts.end()) return false;
    return !content::ScheduleResolver{}.eligible(std::span{found, 1}, context->second, at).empty();
}

const Takeover* Catalog::takeover_for(std::string_view screen, config::WallTime now) const {
    const content::Screen* found = this->screen(screen);
    if (!found) return nullptr;
    const Takeover* newest = nullptr;
    for (const auto& [id, takeover] : takeovers) {
        if (takeover.until && *takeover.until <= now) continue;
        if (!content::targets_screen(takeover.targets, *found)) continue;
        if (!newest || takeover.created_at >= newest->created_at) newest = &takeover;
    }
    return newest;
}

std::optional<content::Manifest> build_manifest(const Catalog& catalog, const config::HubConfig& config,
                                                std::string_view screen_id, config::WallTime now,
                                                config::Duration horizon) {
    const content::Screen* screen = catalog.screen(screen_id);
    if (!screen) return std::nullopt;
    content::Manifest manifest;
    manifest.screen = *screen;
    manifest.server_time = now;
    const auto from = std::chrono::time_point_cast<std::chrono::seconds>(now);
    const auto until = std::chrono::time_point_cast<std::chrono::seconds>(now + horizon);
    std::set<std::string> assets;
    for (const auto& [id, campaign] : catalog.campaigns) {
        if (campaign.window.end.utc <= from || campaign.window.start.utc >= until) continue;
        if (!content::targets_screen(campaign.targets, *screen)) continue;
        // A campaign whose assets are not all known cannot be played; the API never stores one,
        // so this only guards against a catalog edited by hand.
        const bool playable = std::ranges::all_of(
            campaign.items, [&](const content::Item& item) { return catalog.assets.contains(item.sha256); });
        if (!playable) continue;
        if (campaign.join) {
            for (const std::string& channel_id : campaign.join->channels) {
                const config::ChannelConfig* channel = config.channel(channel_id);
                const auto slots = catalog.slots.find(channel_id);
                if (!channel || slots == catalog.slots.end()) continue;
                const auto slot = slots->second.by_owner.find({campaign.id, screen->id});
                if (slot == slots->second.by_owner.end()) continue;
                manifest.joins.push_back(content::ManifestJoin{
                    campaign.id, channel_id, channel->account, channel->deep_link, slots->second.secret,
                    slot->second, campaign.join->code.digits, campaign.join->code.period});
            }
        }
        for (const content::Item& item : campaign.items) assets.insert(item.sha256);
        manifest.campaigns.push_back(campaign);
    }
    for (const std::string& sha256 : assets) {
        const AssetRow& asset = catalog.assets.find(sha256)->second;
        manifest.assets.push_back(content::ManifestAsset{asset.sha256, asset.size, asset.kind});
    }
    return manifest;
}

std::string manifest_etag(const content::Manifest& manifest) {
    content::Manifest timeless = manifest;
    timeless.server_time = {};
    const auto digest = content::sha256({content::manifest_to_json_text(timeless)});
    // SHA-256 fails only when OpenSSL cannot run; an ETag that never matches is then the safe answer.
    return "\"" + (digest ? content::to_hex(*digest).substr(0, 32) : std::string{"unknown"}) + "\"";
}

}  // namespace dwell::sync::hub
