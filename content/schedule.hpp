// Schedule resolution: what a screen plays at a given time, as a pure function of the campaigns,
// the screen, the time and an explicit rotation state. The player, the hub's preview and reports
// all go through it, so they agree on what was (or will be) on screen.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "config/clock.hpp"
#include "config/error.hpp"
#include "config/units.hpp"
#include "content/campaign.hpp"
#include "content/screen.hpp"

namespace date {
class time_zone;
}

namespace dwell::content {

// A union of selectors: `all`, or the screen's line, station, id or any of its tags is listed.
// An empty screen field never matches (an empty string in a list does not select every screen).
[[nodiscard]] bool targets_screen(const Targets& targets, const Screen& screen);

// Whether a local wall-clock moment (its date's weekday and the time since local midnight) is
// inside the daypart: on a listed day from `from` up to `to` (or midnight), or, for a slot whose
// `to` passes 24:00, on the day after a listed day before `to` - 24h.
[[nodiscard]] bool daypart_contains(const Daypart& daypart, std::chrono::weekday day, Duration time_of_day);

enum class ZoneSource {
    named,         // the screen's own time zone
    utc_fallback,  // the screen's time zone is unknown; dayparts are read in UTC
};

// A screen with its time zone looked up once, since searching the tz database on every
// resolution would cost more than the resolution itself. Holds its own copy of the screen.
class ScreenContext {
  public:
    // For places that validate (hub accepting a screen, agent reading a manifest): an unknown
    // time zone is an invalid_input error naming the zone.
    [[nodiscard]] static Result<ScreenContext> create(Screen screen);

    // For the player, which must keep showing something: an unknown time zone is logged once
    // here and dayparts are resolved in UTC; zone_source() tells the caller this happened.
    [[nodiscard]] static ScreenContext create_or_utc(Screen screen);

    [[nodiscard]] const Screen& screen() const { return m_screen; }
    // nullptr when resolving in UTC because the screen's zone is unknown.
    [[nodiscard]] const date::time_zone* time_zone() const { return m_zone; }
    [[nodiscard]] ZoneSource zone_source() const { return m_zone_source; }

  private:
    ScreenContext(Screen screen, const date::time_zone* zone, ZoneSource source);

    Screen m_screen;
    const date::time_zone* m_zone = nullptr;
    ZoneSource m_zone_source = ZoneSource::named;
};

// Everything the rotation remembers between picks. Plain data: callers keep it, copy it,
// compare it and may persist it; the resolver never holds any of it.
struct Rotation {
    // Smooth weighted round-robin (nginx) current weight of one member of the last tier played.
    struct Weight {
        std::string campaign;
        std::int64_t current = 0;
        friend bool operator==(const Weight&, const Weight&) = default;
    };
    // Where a campaign's item list continues.
    struct Cursor {
        std::string campaign;
        std::size_t next_item = 0;
        friend bool operator==(const Cursor&, const Cursor&) = default;
    };

    // The members of the last tier that played, in campaign-list order. A tier with different
    // members starts a fresh round, so a campaign coming back does not bring an old debt.
    std::vector<Weight> round;
    // Sorted by campaign id; a campaign without a cursor starts at its first item. Cursors
    // survive tier changes: a campaign interrupted by a takeover resumes where it stopped.
    std::vector<Cursor> cursors;

    // Drops state of campaigns no longer listed, so the state stays as small as the manifest.
    void keep_only(std::span<const Campaign> campaigns);

    friend bool operator==(const Rotation&, const Rotation&) = default;
};

struct Pick {
    const Campaign* campaign = nullptr;  // points into the campaigns passed in; nullptr: fallback
    std::size_t item = 0;                // index into campaign->items
    config::WallTime start{};
    Duration duration{};

    [[nodiscard]] bool is_fallback() const { return campaign == nullptr; }
    friend bool operator==(const Pick&, const Pick&) = default;
};

struct Plan {
    std::vector<Pick> picks;        // picks[0] plays now; each next one starts when the one before ends
    Rotation rotation_after_first;  // the state to resolve with once picks[0] has been played
};

struct ScheduleOptions {
    // How long an `auto` item plays while its media length is not known yet.
    Duration unknown_length = std::chrono::seconds{10};
    // The longest fallback pick, after which the schedule is looked at again.
    Duration fallback_limit = std::chrono::seconds{10};
};

// Media lengths of `auto` items, keyed by sha256 or by asset name.
using MediaLengths = std::unordered_map<std::string, Duration>;

// Resolves schedules. Every method is const and the object never changes after construction,
// so one resolver may be shared by threads. Non-positive option values take the defaults.
class ScheduleResolver {
  public:
    explicit ScheduleResolver(ScheduleOptions options = {}, MediaLengths lengths = {});

    // The campaigns that may play at t: window contains t, a daypart (in the screen's zone)
    // contains t, targets select the screen, at least one item; then only takeover ones if
    // any, else the highest non-empty tier of high > normal > low. In campaign-list order.
    [[nodiscard]] std::vector<const Campaign*> eligible(std::span<const Campaign> campaigns,
                                                        const ScreenContext& screen,
                                                        config::WallTime t) const;

    // What plays from t on: `count` picks simulated forward, the eligible set looked at again at
    // each pick's start. Inside the tier, campaigns take turns by smooth weighted round-robin on
    // `share`; each turn plays the campaign's next item. Nothing eligible gives a fallback pick
    // lasting until the eligible set could change, at most fallback_limit. `rotation` is read,
    // not changed. Picks point into `campaigns`, which must outlive the plan.
    [[nodiscard]] Plan plan(std::span<const Campaign> campaigns, const ScreenContext& screen,
                            config::WallTime t, const Rotation& rotation, std::size_t count) const;

    // The earliest time in (t, limit] at which the eligible set could change (a window opening
    // or closing, a daypart edge, a UTC offset change of the screen's zone); limit when there is
    // none. May be early (a change point that changes nothing), never late.
    [[nodiscard]] config::WallTime next_change(std::span<const Campaign> campaigns,
                                               const ScreenContext& screen, config::WallTime t,
                                               config::WallTime limit) const;

    // How long an item plays: its own duration, else the known media length (by sha256, then
    // asset name), else unknown_length.
    [[nodiscard]] Duration item_duration(const Item& item) const;

    [[nodiscard]] const ScheduleOptions& options() const { return m_options; }

  private:
    ScheduleOptions m_options;
    MediaLengths m_lengths;
};

}  // namespace dwell::content
