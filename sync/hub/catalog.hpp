// The hub's working set in memory: screens, campaigns, assets, join slots and takeovers. A
// Catalog is immutable once published; the writer changes a copy and publishes it after the
// change is committed, so request threads read a consistent catalog without locks.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "config/clock.hpp"
#include "config/hub_config.hpp"
#include "content/campaign.hpp"
#include "content/join_code.hpp"
#include "content/manifest.hpp"
#include "content/schedule.hpp"
#include "content/screen.hpp"
#include "sync/hub/store.hpp"

namespace dwell::sync::hub {

// Who a slot of a channel's join space belongs to.
struct SlotOwner {
    std::string campaign;
    std::string screen;
    friend bool operator==(const SlotOwner&, const SlotOwner&) = default;
};

// One channel's join space: its secret and the slots assigned to (campaign, screen) pairs.
struct ChannelSlots {
    content::JoinSecret secret{};
    std::map<std::uint64_t, SlotOwner> by_slot;
    std::map<std::pair<std::string, std::string>, std::uint64_t> by_owner;  // (campaign, screen) → slot
};

// A join the hub can attribute: which campaign at which screen a code stands for.
struct Attribution {
    std::string campaign;
    std::string screen;
    std::uint64_t slot = 0;
    std::uint64_t step = 0;
};

// Decodes a channel's codes. Campaigns on one channel may use different digit counts and
// periods, each a JoinCodeSpace over the channel's secret; a code is tried in every space of its
// length. Step keys are derived once per step and shared by all threads.
class ChannelCodes {
  public:
    ChannelCodes(const ChannelSlots& slots,
                 const std::map<std::string, content::Campaign, std::less<>>& campaigns);

    // The digit counts in use, for recognising a join message.
    [[nodiscard]] const std::set<unsigned>& digit_counts() const { return m_digits; }
    // The attribution of a code sent at `at`, nullopt for a wrong code (malformed, expired, or
    // no assigned slot of a campaign that uses this space).
    [[nodiscard]] std::optional<Attribution> resolve(std::string_view code, config::WallTime at) const;

  private:
    struct Space {
        content::JoinCodeSpace codes;
        // Steps recently derived, newest last; guarded by m_mutex.
        mutable std::vector<std::shared_ptr<const content::JoinStep>> steps;
    };
    std::shared_ptr<const content::JoinStep> step(const Space& space, std::uint64_t number) const;

    std::map<std::uint64_t, SlotOwner> m_owners;
    std::map<std::string, content::JoinCodeOptions, std::less<>> m_campaign_options;
    std::vector<Space> m_spaces;
    std::set<unsigned> m_digits;
    mutable std::mutex m_mutex;  // guards every Space::steps
};

struct Catalog {
    std::map<std::string, content::Screen, std::less<>> screens;
    std::map<std::string, content::Campaign, std::less<>> campaigns;  // items carry their sha256
    std::map<std::string, AssetRow, std::less<>> assets;              // by sha256
    std::map<std::string, std::string, std::less<>> asset_names;      // name → sha256 of the newest upload
    std::map<std::string, ChannelSlots, std::less<>> slots;           // by channel id
    std::map<std::string, Takeover, std::less<>> takeovers;           // active ones, by id
    // Built by index() from the above.
    std::map<std::string, std::shared_ptr<const ChannelCodes>, std::less<>> codes;  // by channel id
    std::map<std::string, std::vector<std::string>, std::less<>> campaign_screens;  // targeted screen ids
    std::map<std::string, content::ScreenContext, std::less<>> contexts;            // screens with their zone

    // Rebuilds the derived maps; call after changing screens, campaigns or slots.
    void index();

    [[nodiscard]] const content::Screen* screen(std::string_view id) const;
    [[nodiscard]] const content::Campaign* campaign(std::string_view id) const;
    [[nodiscard]] std::vector<std::string> targeted_screens(const content::Targets& targets) const;
    // Interactive campaigns that a screen is showing now: targeted, with a join block, in their window.
    [[nodiscard]] std::vector<const content::Campaign*> interactive_at(std::string_view screen,
                                                                       config::WallTime now) const;
    // Whether the campaign may play at the screen at `at`: its window and dayparts (in the
    // screen's zone) contain it, as the screen's own schedule sees it.
    [[nodiscard]] bool runs_at(std::string_view campaign, std::string_view screen, config::WallTime at) const;
    // The newest active takeover that targets the screen.
    [[nodiscard]] const Takeover* takeover_for(std::string_view screen, config::WallTime now) const;
};

// The manifest of a screen at `now`: every campaign that targets it and runs within the next
// `horizon`, its join slots, the assets, and server_time. nullopt for an unknown screen.
std::optional<content::Manifest> build_manifest(const Catalog& catalog, const config::HubConfig& config,
                                                std::string_view screen, config::WallTime now,
                                                config::Duration horizon);

// A manifest's ETag: the hash of everything in it but server_time, which changes every request.
std::string manifest_etag(const content::Manifest& manifest);

// The published catalog. Readers take a snapshot; the writer replaces it.
class CatalogHolder {
  public:
    explicit CatalogHolder(std::shared_ptr<const Catalog> initial) : m_catalog(std::move(initial)) {}
    [[nodiscard]] std::shared_ptr<const Catalog> get() const {
        return m_catalog.load(std::memory_order_acquire);
    }
    void set(std::shared_ptr<const Catalog> catalog) {
        m_catalog.store(std::move(catalog), std::memory_order_release);
    }

  private:
    std::atomic<std::shared_ptr<const Catalog>> m_catalog;
};

}  // namespace dwell::sync::hub
