// The campaign model: what marketers author (YAML) and the hub stores and serves (JSON).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "config/error.hpp"
#include "config/units.hpp"
#include "config/yaml_reader.hpp"

namespace dwell::content {

using config::Duration;

enum class Priority { low, normal, high, takeover };

// An instant as the marketer wrote it: the UTC time plus the UTC offset it was written with, so
// "2026-12-01T06:00:00+09:00" reads back the same.
struct Instant {
    std::chrono::sys_seconds utc{};
    std::chrono::minutes offset{0};
    friend bool operator==(const Instant&, const Instant&) = default;
};

// [start, end): start inclusive, end exclusive.
struct Window {
    Instant start;
    Instant end;
    friend bool operator==(const Window&, const Window&) = default;
};

// A daily slot in the screen's local time. Days are the days the slot starts on, as a bit set
// with bit d for std::chrono::weekday{d} (bit 0 Sunday ... bit 6 Saturday). `to` may go past
// 24:00 (written "26:00") for a slot that runs across midnight into the next day.
struct Daypart {
    std::uint8_t days = 0x7f;
    std::chrono::minutes from{0};
    std::chrono::minutes to{24 * 60};
    friend bool operator==(const Daypart&, const Daypart&) = default;
};

// Union of selectors: a screen is targeted when it matches any of them (or `all`).
struct Targets {
    bool all = false;
    std::vector<std::string> lines;
    std::vector<std::string> stations;
    std::vector<std::string> screens;
    std::vector<std::string> tags;
    friend bool operator==(const Targets&, const Targets&) = default;
};

enum class MediaKind { video, image };

struct Item {
    std::string asset;   // file name as authored, e.g. "spring.mp4"
    std::string sha256;  // filled in by the hub once the asset is known; empty before
    MediaKind kind = MediaKind::video;
    std::optional<Duration> duration;  // nullopt: "auto", the video's own length
    friend bool operator==(const Item&, const Item&) = default;
};

enum class OverlayPosition { bottom_right, bottom_left, top_right, top_left };

struct Overlay {
    OverlayPosition position = OverlayPosition::bottom_right;
    bool qr = true;
    bool counter = true;
    bool toasts = true;
    friend bool operator==(const Overlay&, const Overlay&) = default;
};

struct JoinCodeOptions {
    unsigned digits = 6;
    Duration period = std::chrono::seconds{60};
    friend bool operator==(const JoinCodeOptions&, const JoinCodeOptions&) = default;
};

// Present when the campaign is interactive.
struct JoinOptions {
    std::vector<std::string> channels;
    std::string prompt;  // "{account}" and "{code}" are replaced on screen
    std::string reply;
    JoinCodeOptions code;
    Overlay overlay;
    friend bool operator==(const JoinOptions&, const JoinOptions&) = default;
};

struct Campaign {
    std::string id;  // [a-z0-9][a-z0-9-]{0,63}
    std::string name;
    Window window;
    std::vector<Daypart> dayparts;  // empty: all day, every day
    Targets targets;
    Priority priority = Priority::normal;
    unsigned share = 1;  // share of voice within its priority tier, >= 1
    std::vector<Item> items;
    std::optional<JoinOptions> join;
    friend bool operator==(const Campaign&, const Campaign&) = default;
};

// What validation checks a campaign against beyond the campaign itself.
struct CampaignContext {
    // The hub's messenger channel ids; when set, every join channel must be one of them.
    std::optional<std::set<std::string, std::less<>>> channels;
};

// Where each field of a document was written, so validation of the decoded struct can point at
// the line and column; and which fields could not be read at all, so validation does not add a
// second, misleading problem about the default left in their place. Empty for a struct built in
// code: every field is then readable and has no position.
class FieldMarks {
  public:
    void set(std::string path, config::Mark mark);
    void set_unreadable(std::string path);

    // The mark of `path`, else of its nearest recorded parent ("items[1].duration" → "items[1]"
    // → "items" → ""), so a missing key points at the mapping that lacks it.
    [[nodiscard]] config::Mark mark(std::string_view path) const;
    // False when `path` or any parent was missing or did not parse.
    [[nodiscard]] bool readable(std::string_view path) const;

  private:
    std::map<std::string, config::Mark, std::less<>> m_marks;
    std::set<std::string, std::less<>> m_unreadable;
};

std::string_view to_string(Priority priority);
Result<Priority> parse_priority(std::string_view text);
std::string_view to_string(MediaKind kind);
Result<MediaKind> parse_media_kind(std::string_view text);
std::string_view to_string(OverlayPosition position);
Result<OverlayPosition> parse_overlay_position(std::string_view text);

// "mon" ... "sun" for std::chrono::weekday{d}.c_encoding() == d (0 is Sunday).
std::string_view weekday_name(unsigned c_encoding);
Result<unsigned> parse_weekday(std::string_view text);

// RFC 3339 with a UTC offset ("2026-12-01T06:00:00+09:00", "2026-12-01T21:00:00Z"); a fraction
// of a second is accepted only when it is zero. Formatting writes the offset back ("Z" for 0).
Result<Instant> parse_instant(std::string_view text);
std::string format_instant(const Instant& instant);

// "HH:MM" (or "H:MM") as minutes after midnight; hours may exceed 23 here, the daypart rules
// limit them. Formatting writes two-digit hours, e.g. "07:00", "26:00".
Result<std::chrono::minutes> parse_time_of_day(std::string_view text);
std::string format_time_of_day(std::chrono::minutes minutes);

// The media kind an asset's extension implies (case-insensitive), nullopt when unknown.
std::optional<MediaKind> media_kind_from_name(std::string_view asset);

// Every rule that looks at values rather than document shape: id form, window order, daypart
// bounds, targets, share, items, join. Adds one problem per violation, at `marks`' positions.
void validate_campaign(const Campaign& campaign, const CampaignContext& context, config::Problems& problems,
                       const FieldMarks& marks = {});
// For a campaign built in code: Errc::invalid_input listing every problem, by path.
Result<void> validate_campaign(const Campaign& campaign, const CampaignContext& context = {});

}  // namespace dwell::content
