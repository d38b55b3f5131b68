#include "content/schedule.hpp"

#include <algorithm>
#include <exception>
#include <functional>
#include <utility>

#include <date/tz.h>

#include "config/log.hpp"

namespace dwell::content {

namespace {

using config::WallTime;
using std::chrono::days;
using std::chrono::minutes;

constexpr minutes day_length{24 * 60};
// The membership rule only looks at the slot's start day and the day after, so a slot ends by
// the second midnight whatever `to` says.
constexpr minutes longest_slot_end{48 * 60};

bool listed(const std::vector<std::string>& list, const std::string& value) {
    return !value.empty() && std::ranges::find(list, value) != list.end();
}

bool starts_on(const Daypart& daypart, std::chrono::weekday day) {
    return ((daypart.days >> day.c_encoding()) & 1U) != 0;
}

// Wall-clock time in the screen's zone, as milliseconds since the local epoch.
Duration local_since_epoch(const ScreenContext& screen, WallTime t) {
    if (screen.time_zone() == nullptr) return t.time_since_epoch();
    return screen.time_zone()->to_local(t).time_since_epoch();
}

struct LocalMoment {
    std::chrono::weekday day;
    Duration time_of_day;
};

LocalMoment local_moment(const ScreenContext& screen, WallTime t) {
    const Duration local = local_since_epoch(screen, t);
    const auto day = std::chrono::floor<days>(local);
    return {std::chrono::weekday{std::chrono::sys_days{day}}, local - day};
}

bool in_window(const Window& window, WallTime t) {
    return window.start.utc <= t && t < window.end.utc;
}

bool playable_here(const Campaign& campaign, const Screen& screen) {
    return !campaign.items.empty() && targets_screen(campaign.targets, screen);
}

// Fills `tier` with the winning tier at t; priorities rank low < normal < high < takeover.
void collect_tier(std::span<const Campaign> campaigns, const ScreenContext& screen, WallTime t,
                  std::vector<const Campaign*>& tier) {
    tier.clear();
    int best = -1;
    bool have_local = false;
    LocalMoment local{};
    for (const Campaign& campaign : campaigns) {
        const int rank = static_cast<int>(campaign.priority);
        if (rank < best || !in_window(campaign.window, t) || !playable_here(campaign, screen.screen()))
            continue;
        if (!campaign.dayparts.empty()) {
            if (!have_local) {
                local = local_moment(screen, t);
                have_local = true;
            }
            const bool inside = std::ranges::any_of(campaign.dayparts, [&](const Daypart& daypart) {
                return daypart_contains(daypart, local.day, local.time_of_day);
            });
            if (!inside) continue;
        }
        if (rank > best) {
            tier.clear();
            best = rank;
        }
        tier.push_back(&campaign);
    }
}

// nginx's smooth weighted round-robin: every member gains its weight, the largest current weight
// plays (the first one on ties) and gives back the total, which spreads each member's turns out.
const Campaign& take_turn(std::span<const Campaign* const> tier, Rotation& rotation) {
    const bool same_round = rotation.round.size() == tier.size() &&
                            std::ranges::equal(rotation.round, tier,
                                               [](const Rotation::Weight& weight, const Campaign* campaign) {
                                                   return weight.campaign == campaign->id;
                                               });
    if (!same_round) {
        rotation.round.resize(tier.size());
        for (std::size_t i = 0; i < tier.size(); ++i) {
            rotation.round[i].campaign = tier[i]->id;
            rotation.round[i].current = 0;
        }
    }
    std::int64_t total = 0;
    std::size_t best = 0;
    for (std::size_t i = 0; i < tier.size(); ++i) {
        // share >= 1 is validated; a zero share still gets turns rather than none at all.
        const std::int64_t weight = std::max<std::int64_t>(tier[i]->share, 1);
        rotation.round[i].current += weight;
        total += weight;
        if (rotation.round[i].current > rotation.round[best].current) best = i;
    }
    rotation.round[best].current -= total;
    return *tier[best];
}

// Returns the item to play now and moves the campaign's cursor past it.
std::size_t take_item(const Campaign& campaign, Rotation& rotation) {
    auto& cursors = rotation.cursors;
    auto it = std::ranges::lower_bound(cursors, campaign.id, std::less<>{}, &Rotation::Cursor::campaign);
    if (it == cursors.end() || it->campaign != campaign.id)
        it = cursors.insert(it, Rotation::Cursor{campaign.id, 0});
    // The item list may have shrunk since the cursor was stored.
    const std::size_t item = it->next_item % campaign.items.size();
    it->next_item = (item + 1) % campaign.items.size();
    return item;
}

}  // namespace

bool targets_screen(const Targets& targets, const Screen& screen) {
    return targets.all || listed(targets.lines, screen.line) || listed(targets.stations, screen.station) ||
           listed(targets.screens, screen.id) ||
           std::ranges::any_of(screen.tags,
                               [&](const std::string& tag) { return listed(targets.tags, tag); });
}

bool daypart_contains(const Daypart& daypart, std::chrono::weekday day, Duration time_of_day) {
    if (starts_on(daypart, day) && daypart.from <= time_of_day &&
        time_of_day < std::min(daypart.to, day_length))
        return true;
    return daypart.to > day_length && starts_on(daypart, day - days{1}) &&
           time_of_day < daypart.to - day_length;
}

ScreenContext::ScreenContext(Screen screen, const date::time_zone* zone, ZoneSource source)
    : m_screen(std::move(screen)), m_zone(zone), m_zone_source(source) {}

Result<ScreenContext> ScreenContext::create(Screen screen) {
    auto zone = locate_time_zone(screen.timezone);
    if (!zone) return fail(std::move(zone.error()).with_context(fmt::format("screen {}", screen.id)));
    return ScreenContext(std::move(screen), *zone, ZoneSource::named);
}

ScreenContext ScreenContext::create_or_utc(Screen screen) {
    auto zone = locate_time_zone(screen.timezone);
    if (zone) return ScreenContext(std::move(screen), *zone, ZoneSource::named);
    config::logger("content")->warn("screen {}: {}; resolving its schedule in UTC", screen.id, zone.error());
    return ScreenContext(std::move(screen), nullptr, ZoneSource::utc_fallback);
}

void Rotation::keep_only(std::span<const Campaign> campaigns) {
    const auto gone = [&](const std::string& id) {
        return std::ranges::none_of(campaigns, [&](const Campaign& campaign) { return campaign.id == id; });
    };
    std::erase_if(cursors, [&](const Cursor& cursor) { return gone(cursor.campaign); });
    if (std::ranges::any_of(round, [&](const Weight& weight) { return gone(weight.campaign); }))
        round.clear();
}

ScheduleResolver::ScheduleResolver(ScheduleOptions options, MediaLengths lengths)
    : m_options(options), m_lengths(std::move(lengths)) {
    // Zero-length picks would let a player spin without ever moving on.
    const ScheduleOptions defaults;
    if (m_options.unknown_length <= Duration::zero()) m_options.unknown_length = defaults.unknown_length;
    if (m_options.fallback_limit <= Duration::zero()) m_options.fallback_limit = defaults.fallback_limit;
}

std::vector<const Campaign*> ScheduleResolver::eligible(std::span<const Campaign> campaigns,
                                                        const ScreenContext& screen, WallTime t) const {
    std::vector<const Campaign*> tier;
    collect_tier(campaigns, screen, t, tier);
    return tier;
}

Plan ScheduleResolver::plan(std::span<const Campaign> campaigns, const ScreenContext& screen, WallTime t,
                            const Rotation& rotation, std::size_t count) const {
    Plan plan;
    plan.picks.reserve(count);
    if (count == 0) {
        plan.rotation_after_first = rotation;
        return plan;
    }
    Rotation state = rotation;
    std::vector<const Campaign*> tier;
    tier.reserve(std::min<std::size_t>(campaigns.size(), 16));
    WallTime at = t;
    for (std::size_t i = 0; i < count; ++i) {
        collect_tier(campaigns, screen, at, tier);
        Pick pick{.start = at};
        if (tier.empty()) {
            pick.duration = next_change(campaigns, screen, at, at + m_options.fallback_limit) - at;
        } else {
            const Campaign& campaign = take_turn(tier, state);
            pick.campaign = &campaign;
            pick.item = take_item(campaign, state);
            pick.duration = item_duration(campaign.items[pick.item]);
        }
        plan.picks.push_back(pick);
        if (i == 0) plan.rotation_after_first = state;
        at += pick.duration;
    }
    return plan;
}

WallTime ScheduleResolver::next_change(std::span<const Campaign> campaigns, const ScreenContext& screen,
                                       WallTime t, WallTime limit) const {
    if (limit <= t) return limit;
    // Up to the zone's next offset change (itself a change point: local time jumps there), local
    // time is t's local time plus a fixed offset, so every local edge maps to one instant.
    WallTime horizon = limit;
    Duration offset{0};
    if (const date::time_zone* zone = screen.time_zone()) {
        const auto info = zone->get_info(t);
        offset = info.offset;
        horizon = std::min(horizon, WallTime{info.end});
    }
    WallTime best = horizon;
    const auto consider = [&](WallTime candidate) {
        if (t < candidate && candidate < best) best = candidate;
    };
    const Duration local_t = t.time_since_epoch() + offset;
    const auto first_day = std::chrono::floor<days>(local_t) - days{1};
    const auto last_day = std::chrono::floor<days>(horizon.time_since_epoch() + offset);
    const auto consider_local = [&](Duration local) { consider(WallTime{local - offset}); };

    for (const Campaign& campaign : campaigns) {
        if (!playable_here(campaign, screen.screen())) continue;
        consider(WallTime{campaign.window.start.utc});
        consider(WallTime{campaign.window.end.utc});
        if (campaign.window.end.utc <= t || WallTime{campaign.window.start.utc} >= best) continue;
        for (const Daypart& daypart : campaign.dayparts) {
            const minutes to = std::min(daypart.to, longest_slot_end);
            for (auto day = first_day; day <= last_day; day += days{1}) {
                if (!starts_on(daypart, std::chrono::weekday{std::chrono::sys_days{day}})) continue;
                consider_local(day + daypart.from);
                consider_local(day + to);
                if (to > day_length) consider_local(day + day_length);
            }
        }
    }
    return best;
}

Duration ScheduleResolver::item_duration(const Item& item) const {
    if (item.duration && *item.duration > Duration::zero()) return *item.duration;
    for (const std::string* key : {&item.sha256, &item.asset}) {
        if (key->empty()) continue;
        if (const auto found = m_lengths.find(*key);
            found != m_lengths.end() && found->second > Duration::zero())
            return found->second;
    }
    return m_options.unknown_length;
}

}  // namespace dwell::content
