#include "content/campaign.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <utility>

#include <fmt/format.h>

#include "config/config_file.hpp"
#include "content/asset_cache.hpp"
#include "content/rfc3339.hpp"

namespace dwell::content {
namespace {

using namespace std::chrono_literals;

constexpr std::string_view id_form = "1 to 64 lowercase letters, digits and dashes, not starting with a dash";
constexpr std::array<std::string_view, 7> weekday_names = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
constexpr unsigned max_share = 1000;
constexpr unsigned min_digits = 4;
constexpr unsigned max_digits = 9;
constexpr Duration min_period = 10s;
constexpr auto latest_from = 24h;
constexpr auto latest_to = 48h;

struct KindByExtension {
    std::string_view extension;
    MediaKind kind;
};
constexpr std::array<KindByExtension, 11> kinds_by_extension = {{
    {"png", MediaKind::image},
    {"jpg", MediaKind::image},
    {"jpeg", MediaKind::image},
    {"webp", MediaKind::image},
    {"gif", MediaKind::image},
    {"mp4", MediaKind::video},
    {"m4v", MediaKind::video},
    {"mov", MediaKind::video},
    {"mkv", MediaKind::video},
    {"webm", MediaKind::video},
    {"ts", MediaKind::video},
}};

std::string_view parent_path(std::string_view path) {
    const auto cut = path.find_last_of(".[");
    return cut == std::string_view::npos ? std::string_view{} : path.substr(0, cut);
}

// Reads exactly `count` decimal digits at `pos`.
std::optional<int> read_digits(std::string_view text, std::size_t pos, std::size_t count) {
    if (pos + count > text.size()) return std::nullopt;
    int value = 0;
    for (std::size_t i = pos; i < pos + count; ++i) {
        if (!std::isdigit(static_cast<unsigned char>(text[i]))) return std::nullopt;
        value = value * 10 + (text[i] - '0');
    }
    return value;
}

// The problem with an asset name, if any: it must be a plain file name inside the campaign's assets.
std::optional<std::string> asset_name_problem(std::string_view asset) {
    if (asset.empty()) return "must not be empty; give the asset's file name, e.g. poster.png";
    if (asset.find_first_of("/\\") != std::string_view::npos) {
        const auto cut = asset.find_last_of("/\\");
        return fmt::format("\"{}\" is a path; give the file name only, e.g. {}", asset,
                           cut + 1 < asset.size() ? asset.substr(cut + 1) : std::string_view{"poster.png"});
    }
    if (asset == "." || asset == "..") return fmt::format("\"{}\" is not a file name", asset);
    if (std::ranges::any_of(asset, [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }))
        return "contains control characters; give a plain file name";
    if (asset.size() > 255) return "is longer than 255 bytes, which no file system takes as a file name";
    return std::nullopt;
}

// Placeholders other than {account} and {code} are most likely typos the screen would show verbatim.
std::optional<std::string> unknown_placeholder(std::string_view prompt) {
    std::size_t open = prompt.find('{');
    while (open != std::string_view::npos) {
        const std::size_t close = prompt.find('}', open + 1);
        if (close == std::string_view::npos) return std::nullopt;
        const std::string_view name = prompt.substr(open + 1, close - open - 1);
        const bool word = !name.empty() && std::ranges::all_of(name, [](char c) {
            return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
        });
        if (word && name != "account" && name != "code")
            return std::string{prompt.substr(open, close - open + 1)};
        open = prompt.find('{', close + 1);
    }
    return std::nullopt;
}

// Adds problems through the marks of a decoded document (or none for a struct built in code).
class Checker {
  public:
    Checker(config::Problems& problems, const FieldMarks& marks) : m_problems(problems), m_marks(marks) {}

    [[nodiscard]] bool readable(std::string_view path) const { return m_marks.readable(path); }
    void add(const std::string& path, std::string message) {
        m_problems.add(m_marks.mark(path), path, std::move(message));
    }

  private:
    config::Problems& m_problems;
    const FieldMarks& m_marks;
};

void check_window(const Window& window, Checker& check) {
    if (!check.readable("window.start") || !check.readable("window.end")) return;
    if (window.end.utc <= window.start.utc)
        check.add("window.end",
                  fmt::format("{} is not after the start {}; the window runs from start up to end",
                              format_instant(window.end), format_instant(window.start)));
}

void check_daypart(const Daypart& daypart, const std::string& path, Checker& check) {
    const std::string days_path = config::join_path(path, "days");
    if (check.readable(days_path)) {
        if (daypart.days == 0)
            check.add(days_path,
                      "is empty; leave days out for every day, or list some of mon, tue, wed, thu, fri, "
                      "sat, sun");
        else if (daypart.days > 0x7f)
            check.add(days_path, "has bits set beyond Saturday (bit 6)");
    }
    const std::string from_path = config::join_path(path, "from");
    const std::string to_path = config::join_path(path, "to");
    bool bounds_ok = check.readable(from_path) && check.readable(to_path);
    if (check.readable(from_path) && (daypart.from < 0min || daypart.from >= latest_from)) {
        check.add(from_path,
                  fmt::format("\"{}\" is not a time from 00:00 to 23:59; from is when the slot starts "
                              "on each listed day",
                              format_time_of_day(daypart.from)));
        bounds_ok = false;
    }
    if (check.readable(to_path) && (daypart.to <= 0min || daypart.to > latest_to)) {
        check.add(to_path,
                  fmt::format("\"{}\" is not a time from 00:01 to 48:00; write a time past 24:00 only for "
                              "a slot that runs into the next day",
                              format_time_of_day(daypart.to)));
        bounds_ok = false;
    }
    if (!bounds_ok || daypart.from < daypart.to) return;
    const std::string from = format_time_of_day(daypart.from);
    const std::string to = format_time_of_day(daypart.to);
    if (daypart.from == daypart.to) {
        check.add(to_path,
                  fmt::format("\"{}\" is the same as from; a daypart needs a length (for a slot across "
                              "midnight write to past 24:00, e.g. to: \"26:00\" for 22:00 to 02:00)",
                              to));
        return;
    }
    check.add(to_path,
              fmt::format("\"{}\" is before from \"{}\"; for a daypart across midnight write to past 24:00: "
                          "to: \"{}\" for {} to {}",
                          to, from, format_time_of_day(daypart.to + 24h), from, to));
}

void check_selector(const std::vector<std::string>& values, const std::string& path, Checker& check) {
    for (std::size_t i = 0; i < values.size(); ++i) {
        const std::string item_path = config::index_path(path, i);
        if (check.readable(item_path) && values[i].empty()) check.add(item_path, "must not be empty");
    }
}

void check_targets(const Targets& targets, Checker& check) {
    if (!check.readable("targets")) return;
    check_selector(targets.lines, "targets.lines", check);
    check_selector(targets.stations, "targets.stations", check);
    check_selector(targets.screens, "targets.screens", check);
    check_selector(targets.tags, "targets.tags", check);
    const bool any = targets.all || !targets.lines.empty() || !targets.stations.empty() ||
                     !targets.screens.empty() || !targets.tags.empty();
    if (!any) check.add("targets", "selects no screen; give lines, stations, screens, tags or all: true");
}

void check_item(const Item& item, const std::string& path, Checker& check) {
    const std::string asset_path = config::join_path(path, "asset");
    if (check.readable(asset_path))
        if (auto problem = asset_name_problem(item.asset)) check.add(asset_path, std::move(*problem));
    const std::string duration_path = config::join_path(path, "duration");
    if (check.readable(duration_path)) {
        if (item.duration && *item.duration <= Duration::zero())
            check.add(duration_path,
                      fmt::format("\"{}\" is not longer than 0s; give how long the item shows, e.g. "
                                  "8s, or auto for a video's own length",
                                  config::format_duration(*item.duration)));
        else if (!item.duration && item.kind == MediaKind::image &&
                 check.readable(config::join_path(path, "type")))
            check.add(duration_path, "an image needs a duration such as 8s; auto is only for videos");
    }
    const std::string sha_path = config::join_path(path, "sha256");
    if (check.readable(sha_path) && !item.sha256.empty() && !is_sha256_hex(item.sha256))
        check.add(sha_path,
                  fmt::format("\"{}\" is not a SHA-256 digest (64 lowercase hex digits)", item.sha256));
}

void check_join(const JoinOptions& join, const CampaignContext& context, Checker& check) {
    if (check.readable("join.channels")) {
        if (join.channels.empty())
            check.add("join.channels", "needs at least one channel id, e.g. [line-main]");
        std::set<std::string_view> seen;
        for (std::size_t i = 0; i < join.channels.size(); ++i) {
            const std::string path = config::index_path("join.channels", i);
            const std::string& channel = join.channels[i];
            if (!check.readable(path)) continue;
            if (!config::is_identifier(channel)) {
                check.add(path, fmt::format("\"{}\" is not a channel id; use {}", channel, id_form));
                continue;
            }
            if (!seen.insert(channel).second) {
                check.add(path, fmt::format("\"{}\" is listed twice", channel));
                continue;
            }
            if (context.channels && !context.channels->contains(channel)) {
                std::string known;
                for (const auto& name : *context.channels) known += (known.empty() ? "" : ", ") + name;
                check.add(path,
                          known.empty()
                              ? fmt::format("unknown channel \"{}\"; the hub has no channels yet", channel)
                              : fmt::format("unknown channel \"{}\"; the hub has: {}", channel, known));
            }
        }
    }
    if (check.readable("join.prompt")) {
        if (join.prompt.empty())
            check.add("join.prompt",
                      "must not be empty; it tells people what to send, e.g. "
                      "\"{account}에 {code} 보내고 참여하세요\"");
        else if (join.prompt.find("{code}") == std::string::npos)
            check.add("join.prompt", "must contain {code}, where the screen shows the join code");
        else if (auto placeholder = unknown_placeholder(join.prompt))
            check.add("join.prompt",
                      fmt::format("has the unknown placeholder {}; a prompt may use {{account}} and "
                                  "{{code}}",
                                  *placeholder));
    }
    if (check.readable("join.code.digits") &&
        (join.code.digits < min_digits || join.code.digits > max_digits))
        check.add("join.code.digits", fmt::format("{} is out of range; a join code has {} to {} digits",
                                                  join.code.digits, min_digits, max_digits));
    if (check.readable("join.code.period")) {
        if (join.code.period < min_period)
            check.add(
                "join.code.period",
                fmt::format("\"{}\" is too short; a code stays valid for at least {}",
                            config::format_duration(join.code.period), config::format_duration(min_period)));
        else if (join.code.period % std::chrono::seconds{1} != Duration::zero())
            check.add("join.code.period", fmt::format("\"{}\" is not a whole number of seconds",
                                                      config::format_duration(join.code.period)));
    }
}

}  // namespace

void FieldMarks::set(std::string path, config::Mark mark) {
    m_marks.insert_or_assign(std::move(path), mark);
}

void FieldMarks::set_unreadable(std::string path) {
    m_unreadable.insert(std::move(path));
}

config::Mark FieldMarks::mark(std::string_view path) const {
    while (true) {
        if (const auto found = m_marks.find(path); found != m_marks.end()) return found->second;
        if (path.empty()) return {};
        path = parent_path(path);
    }
}

bool FieldMarks::readable(std::string_view path) const {
    if (m_unreadable.empty()) return true;
    while (true) {
        if (m_unreadable.contains(path)) return false;
        if (path.empty()) return true;
        path = parent_path(path);
    }
}

std::string_view to_string(Priority priority) {
    switch (priority) {
    case Priority::low: return "low";
    case Priority::normal: return "normal";
    case Priority::high: return "high";
    case Priority::takeover: return "takeover";
    }
    return "normal";
}

Result<Priority> parse_priority(std::string_view text) {
    for (const Priority priority : {Priority::low, Priority::normal, Priority::high, Priority::takeover})
        if (text == to_string(priority)) return priority;
    return fail(Errc::invalid_input, "\"{}\" is not a priority; expected one of: low, normal, high, takeover",
                text);
}

std::string_view to_string(MediaKind kind) {
    return kind == MediaKind::image ? "image" : "video";
}

Result<MediaKind> parse_media_kind(std::string_view text) {
    if (text == "image") return MediaKind::image;
    if (text == "video") return MediaKind::video;
    return fail(Errc::invalid_input, "\"{}\" is not a media type; expected image or video", text);
}

std::string_view to_string(OverlayPosition position) {
    switch (position) {
    case OverlayPosition::bottom_right: return "bottom-right";
    case OverlayPosition::bottom_left: return "bottom-left";
    case OverlayPosition::top_right: return "top-right";
    case OverlayPosition::top_left: return "top-left";
    }
    return "bottom-right";
}

Result<OverlayPosition> parse_overlay_position(std::string_view text) {
    for (const OverlayPosition position : {OverlayPosition::bottom_right, OverlayPosition::bottom_left,
                                           OverlayPosition::top_right, OverlayPosition::top_left})
        if (text == to_string(position)) return position;
    return fail(
        Errc::invalid_input,
        "\"{}\" is not an overlay position; expected one of: bottom-right, bottom-left, top-right, top-left",
        text);
}

std::string_view weekday_name(unsigned c_encoding) {
    return weekday_names.at(c_encoding % 7);
}

Result<unsigned> parse_weekday(std::string_view text) {
    for (unsigned d = 0; d < weekday_names.size(); ++d)
        if (text == weekday_names[d]) return d;
    return fail(Errc::invalid_input,
                "\"{}\" is not a day; expected one of: mon, tue, wed, thu, fri, sat, sun", text);
}

Result<Instant> parse_instant(std::string_view text) {
    auto parsed = parse_rfc3339_offset(text);
    if (!parsed) return fail(std::move(parsed.error()));
    const auto seconds = std::chrono::floor<std::chrono::seconds>(parsed->utc);
    if (seconds != parsed->utc)
        return fail(Errc::invalid_input, "\"{}\" has a fraction of a second; times are kept to whole seconds",
                    text);
    return Instant{seconds, parsed->offset};
}

std::string format_instant(const Instant& instant) {
    const auto local = instant.utc + instant.offset;
    const auto day = std::chrono::floor<std::chrono::days>(local);
    const std::chrono::year_month_day date{day};
    const std::chrono::hh_mm_ss time{local - day};
    std::string out = fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", static_cast<int>(date.year()),
                                  static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                                  time.hours().count(), time.minutes().count(), time.seconds().count());
    if (instant.offset == std::chrono::minutes{0}) return out + "Z";
    const auto magnitude = instant.offset < std::chrono::minutes{0} ? -instant.offset : instant.offset;
    return out + fmt::format("{}{:02}:{:02}", instant.offset < std::chrono::minutes{0} ? '-' : '+',
                             magnitude.count() / 60, magnitude.count() % 60);
}

Result<std::chrono::minutes> parse_time_of_day(std::string_view text) {
    const std::size_t colon = text.find(':');
    const bool shaped =
        colon != std::string_view::npos && (colon == 1 || colon == 2) && text.size() == colon + 3;
    const auto hours = shaped ? read_digits(text, 0, colon) : std::nullopt;
    const auto minutes = shaped ? read_digits(text, colon + 1, 2) : std::nullopt;
    if (!hours || !minutes)
        return fail(Errc::invalid_input, "\"{}\" is not a time of day; expected HH:MM such as \"07:00\"",
                    text);
    if (*minutes > 59) return fail(Errc::invalid_input, "\"{}\" has minutes past 59", text);
    return std::chrono::hours{*hours} + std::chrono::minutes{*minutes};
}

std::string format_time_of_day(std::chrono::minutes minutes) {
    const char* sign = minutes < std::chrono::minutes{0} ? "-" : "";
    const auto magnitude = minutes < std::chrono::minutes{0} ? -minutes.count() : minutes.count();
    return fmt::format("{}{:02}:{:02}", sign, magnitude / 60, magnitude % 60);
}

std::optional<MediaKind> media_kind_from_name(std::string_view asset) {
    const auto dot = asset.rfind('.');
    if (dot == std::string_view::npos) return std::nullopt;
    std::string extension{asset.substr(dot + 1)};
    std::ranges::transform(extension, extension.begin(), [](char c) {
        return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    });
    for (const auto& known : kinds_by_extension)
        if (known.extension == extension) return known.kind;
    return std::nullopt;
}

void validate_campaign(const Campaign& campaign, const CampaignContext& context, config::Problems& problems,
                       const FieldMarks& marks) {
    Checker check(problems, marks);
    if (check.readable("id") && !config::is_identifier(campaign.id))
        check.add("id", fmt::format("\"{}\" is not a valid id; use {}", campaign.id, id_form));
    if (check.readable("name") && campaign.name.find_first_not_of(" \t\r\n") == std::string::npos)
        check.add("name", "must not be empty");
    check_window(campaign.window, check);
    for (std::size_t i = 0; i < campaign.dayparts.size(); ++i)
        check_daypart(campaign.dayparts[i], config::index_path("dayparts", i), check);
    check_targets(campaign.targets, check);
    if (check.readable("share") && (campaign.share < 1 || campaign.share > max_share))
        check.add("share", fmt::format("{} is out of range; share is 1 to {}", campaign.share, max_share));
    if (check.readable("items") && campaign.items.empty())
        check.add("items", "needs at least one item, e.g. - { asset: poster.png, duration: 8s }");
    for (std::size_t i = 0; i < campaign.items.size(); ++i)
        check_item(campaign.items[i], config::index_path("items", i), check);
    if (campaign.join) check_join(*campaign.join, context, check);
}

Result<void> validate_campaign(const Campaign& campaign, const CampaignContext& context) {
    config::Problems problems(campaign.id.empty() ? std::string{"campaign"} : "campaign " + campaign.id);
    validate_campaign(campaign, context, problems);
    if (!problems.empty()) return std::unexpected(problems.to_error());
    return {};
}

}  // namespace dwell::content
