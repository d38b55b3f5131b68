#include "content/records.hpp"
#include "content/player_status.hpp"

#include <array>
#include <cmath>
#include <fstream>
#include <limits>
#include <utility>

#include <date/date.h>
#include <boost/json.hpp>

#include "config/config_file.hpp"
#include "config/yaml_reader.hpp"
#include "content/asset_cache.hpp"

namespace dwell::content {
namespace {

namespace json = boost::json;

using std::chrono::milliseconds;

constexpr std::string_view time_example = "2026-12-01T06:00:00.000Z";
constexpr std::string_view uuid_example = "01890a5d-ac96-774b-bcce-b302099a8057";
constexpr std::int64_t max_time_ms = 253'402'300'799'999;  // 9999-12-31T23:59:59.999Z

template <class... Fs>
struct Overloaded : Fs... {
    using Fs::operator()...;
};

// Quotes a received string, shortened so a broken or hostile input cannot flood a log line.
std::string in_quotes(std::string_view text) {
    constexpr std::size_t limit = 64;
    if (text.size() <= limit) return fmt::format("\"{}\"", text);
    return fmt::format("\"{}…\" ({} bytes)", text.substr(0, limit), text.size());
}

std::string describe(const json::value& value) {
    switch (value.kind()) {
    case json::kind::null: return "null";
    case json::kind::bool_: return value.get_bool() ? "true" : "false";
    case json::kind::int64: return fmt::format("{}", value.get_int64());
    case json::kind::uint64: return fmt::format("{}", value.get_uint64());
    case json::kind::double_: return fmt::format("{}", value.get_double());
    case json::kind::string: return "the string " + in_quotes(value.get_string());
    case json::kind::array: return "an array";
    case json::kind::object: return "an object";
    }
    return "an unknown JSON value";
}

// Every problem found in one event or record, each with the path of the field it concerns.
class Issues {
  public:
    void add(std::string_view path, std::string_view message) {
        m_items.push_back(path.empty() ? std::string{message} : fmt::format("{}: {}", path, message));
    }
    [[nodiscard]] bool empty() const { return m_items.empty(); }
    [[nodiscard]] Error to_error() const {
        if (m_items.size() == 1) return Error{Errc::invalid_input, m_items.front()};
        return Error{Errc::invalid_input,
                     fmt::format("{} problems: {}", m_items.size(), fmt::join(m_items, "; "))};
    }

  private:
    std::vector<std::string> m_items;
};

using config::index_path;
using config::join_path;

// ---- value readers: each reports its own problem at `path` and returns nullopt on failure ----

std::optional<std::string> read_string(const json::value& value, const std::string& path, Issues& issues) {
    if (const auto* text = value.if_string()) return std::string{*text};
    issues.add(path, "expected a string, got " + describe(value));
    return std::nullopt;
}

std::optional<std::string> read_nonempty_string(const json::value& value, const std::string& path,
                                                Issues& issues) {
    auto text = read_string(value, path, issues);
    if (text && text->empty()) {
        issues.add(path, "must not be empty");
        return std::nullopt;
    }
    return text;
}

std::optional<std::string> read_id(const json::value& value, const std::string& path, Issues& issues) {
    auto text = read_string(value, path, issues);
    if (text && !config::is_identifier(*text)) {
        issues.add(path,
                   fmt::format("expected an id like \"sticker-fest\" ([a-z0-9][a-z0-9-]{{0,63}}), got {}",
                               in_quotes(*text)));
        return std::nullopt;
    }
    return text;
}

std::optional<std::string> read_sha256(const json::value& value, const std::string& path, Issues& issues) {
    auto text = read_string(value, path, issues);
    if (text && !is_sha256_hex(*text)) {
        issues.add(path,
                   fmt::format("expected a SHA-256 as 64 lowercase hex digits, got {}", in_quotes(*text)));
        return std::nullopt;
    }
    return text;
}

std::optional<bool> read_bool(const json::value& value, const std::string& path, Issues& issues) {
    if (const auto* flag = value.if_bool()) return *flag;
    issues.add(path, "expected true or false, got " + describe(value));
    return std::nullopt;
}

// A whole number in [0, limit]. Doubles are accepted only when they hold an exact whole number
// (a sender may write 1e3), so nothing is silently rounded.
std::optional<std::uint64_t> read_count_up_to(const json::value& value, const std::string& path,
                                              Issues& issues, std::uint64_t limit) {
    std::uint64_t number = 0;
    switch (value.kind()) {
    case json::kind::uint64: number = value.get_uint64(); break;
    case json::kind::int64:
        if (value.get_int64() < 0) {
            issues.add(path, fmt::format("must not be negative, got {}", value.get_int64()));
            return std::nullopt;
        }
        number = static_cast<std::uint64_t>(value.get_int64());
        break;
    case json::kind::double_: {
        const double d = value.get_double();
        constexpr double exact_limit = 9007199254740992.0;  // 2^53: every whole double below is exact
        if (d != std::floor(d)) {
            issues.add(path, fmt::format("expected a whole number, got {}", d));
            return std::nullopt;
        }
        if (d < 0) {
            issues.add(path, fmt::format("must not be negative, got {}", d));
            return std::nullopt;
        }
        if (d > exact_limit) {
            issues.add(path, fmt::format("is too large (at most {}), got {}", limit, d));
            return std::nullopt;
        }
        number = static_cast<std::uint64_t>(d);
        break;
    }
    default: issues.add(path, "expected a whole number, got " + describe(value)); return std::nullopt;
    }
    if (number > limit) {
        issues.add(path, fmt::format("is too large (at most {}), got {}", limit, number));
        return std::nullopt;
    }
    return number;
}

std::optional<std::uint64_t> read_count(const json::value& value, const std::string& path, Issues& issues) {
    return read_count_up_to(value, path, issues, std::numeric_limits<std::uint64_t>::max());
}

std::optional<double> read_number(const json::value& value, const std::string& path, Issues& issues) {
    double number = 0;
    switch (value.kind()) {
    case json::kind::uint64: number = static_cast<double>(value.get_uint64()); break;
    case json::kind::int64: number = static_cast<double>(value.get_int64()); break;
    case json::kind::double_: number = value.get_double(); break;
    default: issues.add(path, "expected a number, got " + describe(value)); return std::nullopt;
    }
    if (!std::isfinite(number)) {
        issues.add(path, "expected a finite number");
        return std::nullopt;
    }
    return number;
}

std::optional<double> read_non_negative_number(const json::value& value, const std::string& path,
                                               Issues& issues) {
    auto number = read_number(value, path, issues);
    if (number && *number < 0) {
        issues.add(path, fmt::format("must not be negative, got {}", *number));
        return std::nullopt;
    }
    return number;
}

std::optional<config::WallTime> read_unix_ms(const json::value& value, const std::string& path,
                                             Issues& issues) {
    const auto ms = read_count_up_to(value, path, issues, static_cast<std::uint64_t>(max_time_ms));
    if (!ms) return std::nullopt;
    return config::WallTime{milliseconds{static_cast<std::int64_t>(*ms)}};
}

std::optional<config::WallTime> read_rfc3339(const json::value& value, const std::string& path,
                                             Issues& issues) {
    const auto* text = value.if_string();
    if (!text) {
        issues.add(path,
                   fmt::format("expected RFC 3339 time like {}, got {}", time_example, describe(value)));
        return std::nullopt;
    }
    auto time = parse_rfc3339(*text);
    if (!time) {
        issues.add(path, time.error().message);
        return std::nullopt;
    }
    return *time;
}

std::optional<std::chrono::seconds> read_seconds(const json::value& value, const std::string& path,
                                                 Issues& issues) {
    const auto seconds = read_count_up_to(
        value, path, issues, static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()));
    if (!seconds) return std::nullopt;
    return std::chrono::seconds{static_cast<std::int64_t>(*seconds)};
}

std::optional<Uuid> read_record_id(const json::value& value, const std::string& path, Issues& issues) {
    const auto text = read_string(value, path, issues);
    if (!text) return std::nullopt;
    auto id = Uuid::parse(*text);
    if (!id) {
        issues.add(path, id.error().message);
        return std::nullopt;
    }
    if (!id->is_v7()) {
        issues.add(path, fmt::format("expected a UUIDv7 like {}, got {} (version {})", uuid_example,
                                     in_quotes(*text), id->version()));
        return std::nullopt;
    }
    return *id;
}

std::optional<std::map<std::string, std::string>> read_versions(const json::value& value,
                                                                const std::string& path, Issues& issues) {
    const auto* object = value.if_object();
    if (!object) {
        issues.add(path, "expected an object of component names to version strings, got " + describe(value));
        return std::nullopt;
    }
    std::map<std::string, std::string> versions;
    bool ok = true;
    for (const auto& entry : *object) {
        const std::string entry_path = join_path(path, entry.key());
        if (entry.key().empty()) {
            issues.add(path, "component names must not be empty");
            ok = false;
            continue;
        }
        auto version = read_string(entry.value(), entry_path, issues);
        if (!version) {
            ok = false;
            continue;
        }
        versions.emplace(std::string{entry.key()}, std::move(*version));
    }
    if (!ok) return std::nullopt;
    return versions;
}

enum class Presence { required, optional };

// Reads the fields of one JSON object, collecting problems; unknown fields are ignored (see header).
class ObjectReader {
  public:
    ObjectReader(const json::value& value, std::string path, Issues& issues)
        : m_object(value.if_object()), m_path(std::move(path)), m_issues(issues) {
        if (!m_object) m_issues.add(m_path, "expected a JSON object, got " + describe(value));
    }

    [[nodiscard]] bool is_object() const { return m_object != nullptr; }
    [[nodiscard]] const std::string& path() const { return m_path; }
    [[nodiscard]] std::string path_of(std::string_view key) const { return join_path(m_path, key); }
    [[nodiscard]] Issues& issues() { return m_issues; }

    // The field's value, or nullptr when it is absent or null (a problem when it is required).
    const json::value* field(std::string_view key, Presence presence) {
        if (!m_object) return nullptr;
        const json::value* value = m_object->if_contains(key);
        if (value != nullptr && !value->is_null()) return value;
        if (presence == Presence::required) m_issues.add(path_of(key), "missing required field");
        return nullptr;
    }

    template <class T, class Read>
    void required(std::string_view key, T& out, Read read) {
        if (const auto* value = field(key, Presence::required)) {
            if (auto read_value = read(*value, path_of(key), m_issues)) out = std::move(*read_value);
        }
    }

    template <class T, class Read>
    void optional(std::string_view key, std::optional<T>& out, Read read) {
        if (const auto* value = field(key, Presence::optional)) {
            if (auto read_value = read(*value, path_of(key), m_issues)) out = std::move(*read_value);
        }
    }

  private:
    const json::object* m_object;
    std::string m_path;
    Issues& m_issues;
};

// The alternatives of a variant body, by wire name, with how to read each from an object.
template <class Body>
struct BodyType {
    std::string_view name;
    Body (*read)(ObjectReader&);
};

template <class Body, std::size_t N>
std::optional<Body> read_body(ObjectReader& reader, const std::array<BodyType<Body>, N>& types,
                              std::string_view what) {
    const json::value* type_value = reader.field("type", Presence::required);
    if (!type_value) return std::nullopt;
    const auto type = read_string(*type_value, reader.path_of("type"), reader.issues());
    if (!type) return std::nullopt;
    for (const auto& candidate : types)
        if (candidate.name == *type) return candidate.read(reader);
    std::string known;
    for (const auto& candidate : types) known += (known.empty() ? "" : ", ") + std::string{candidate.name};
    reader.issues().add(reader.path_of("type"),
                        fmt::format("unknown {} type {}; known types: {}", what, in_quotes(*type), known));
    return std::nullopt;
}

// ---- JSON text --------------------------------------------------------------------------------

Result<json::value> parse_json(std::string_view text, std::string_view what) {
    if (text.find_first_not_of(" \t\r\n") == std::string_view::npos)
        return fail(Errc::invalid_input, "{} is empty, expected a JSON object", what);
    json::stream_parser parser;
    json::error_code ec;
    const std::size_t consumed = parser.write(text.data(), text.size(), ec);
    if (!ec) parser.finish(ec);
    if (ec) {
        return fail(Errc::invalid_input, "{} is not valid JSON (at byte {} of {}): {}", what, consumed,
                    text.size(), ec.message());
    }
    return parser.release();
}

// One line of the player↔agent socket: a trailing "\n" or "\r\n" is allowed.
Result<json::value> parse_json_line(std::string_view line, std::string_view what) {
    if (line.ends_with('\n')) line.remove_suffix(1);
    if (line.ends_with('\r')) line.remove_suffix(1);
    return parse_json(line, what);
}

// ---- live events ------------------------------------------------------------------------------

json::object counter_json(const CounterEvent& counter) {
    return json::object{{"campaign", counter.campaign},
                        {"screen_count", counter.screen_count},
                        {"campaign_count", counter.campaign_count}};
}

void add_takeover_fields(json::object& out, const TakeoverEvent& takeover) {
    out["id"] = takeover.id;
    out["text"] = takeover.text;
    if (takeover.until) out["until"] = takeover.until->time_since_epoch().count();
}

void read_counter_fields(ObjectReader& reader, CounterEvent& counter) {
    reader.required("campaign", counter.campaign, read_id);
    reader.required("screen_count", counter.screen_count, read_count);
    reader.required("campaign_count", counter.campaign_count, read_count);
}

void read_takeover_fields(ObjectReader& reader, TakeoverEvent& takeover) {
    reader.required("id", takeover.id, read_nonempty_string);
    reader.required("text", takeover.text, read_string);
    reader.optional("until", takeover.until, read_unix_ms);
}

LiveEventBody read_join(ObjectReader& reader) {
    JoinEvent join;
    reader.required("campaign", join.campaign, read_id);
    if (reader.field("name", Presence::optional)) reader.required("name", join.name, read_string);
    reader.required("channel", join.channel, read_nonempty_string);
    reader.required("screen_count", join.screen_count, read_count);
    reader.required("campaign_count", join.campaign_count, read_count);
    return join;
}

LiveEventBody read_counter(ObjectReader& reader) {
    CounterEvent counter;
    read_counter_fields(reader, counter);
    return counter;
}

LiveEventBody read_takeover(ObjectReader& reader) {
    TakeoverEvent takeover;
    read_takeover_fields(reader, takeover);
    return takeover;
}

LiveEventBody read_takeover_end(ObjectReader& reader) {
    TakeoverEndEvent end;
    reader.required("id", end.id, read_nonempty_string);
    return end;
}

LiveEventBody read_manifest(ObjectReader&) {
    return ManifestEvent{};
}

LiveEventBody read_snapshot(ObjectReader& reader) {
    SnapshotEvent snapshot;
    if (const auto* counters = reader.field("counters", Presence::required)) {
        const std::string path = reader.path_of("counters");
        if (const auto* array = counters->if_array()) {
            for (std::size_t i = 0; i < array->size(); ++i) {
                ObjectReader entry((*array)[i], index_path(path, i), reader.issues());
                CounterEvent counter;
                read_counter_fields(entry, counter);
                snapshot.counters.push_back(std::move(counter));
            }
        } else {
            reader.issues().add(path, "expected an array of counters, got " + describe(*counters));
        }
    }
    if (const auto* takeover = reader.field("takeover", Presence::optional)) {
        ObjectReader entry(*takeover, reader.path_of("takeover"), reader.issues());
        TakeoverEvent active;
        read_takeover_fields(entry, active);
        snapshot.takeover = std::move(active);
    }
    return snapshot;
}

LiveEventBody read_screenshot(ObjectReader& reader) {
    ScreenshotEvent screenshot;
    reader.required("id", screenshot.id, read_id);
    return screenshot;
}

constexpr std::array<BodyType<LiveEventBody>, 7> event_types{{
    {"join", read_join},
    {"counter", read_counter},
    {"takeover", read_takeover},
    {"takeover_end", read_takeover_end},
    {"manifest", read_manifest},
    {"snapshot", read_snapshot},
    {"screenshot", read_screenshot},
}};

// ---- records ----------------------------------------------------------------------------------

std::optional<PlayingItem> read_playing_item(ObjectReader& reader) {
    const auto* item = reader.field("current_item", Presence::optional);
    if (!item) return std::nullopt;
    ObjectReader entry(*item, reader.path_of("current_item"), reader.issues());
    PlayingItem current;
    entry.required("campaign", current.campaign, read_id);
    entry.required("asset", current.asset, read_sha256);
    return current;
}

json::object playing_item_json(const PlayingItem& item) {
    return json::object{{"campaign", item.campaign}, {"asset", item.asset}};
}

RecordBody read_play(ObjectReader& reader) {
    PlayRecord play;
    reader.required("campaign", play.campaign, read_id);
    reader.required("asset", play.asset, read_sha256);
    reader.required("start", play.start, read_rfc3339);
    reader.required("end", play.end, read_rfc3339);
    reader.required("completed", play.completed, read_bool);
    reader.required("frames_dropped", play.frames_dropped, read_count);
    if (reader.issues().empty() && play.end < play.start) {
        reader.issues().add(
            reader.path_of("end"),
            fmt::format("{} is before start {}", format_rfc3339(play.end), format_rfc3339(play.start)));
    }
    return play;
}

RecordBody read_shown(ObjectReader& reader) {
    ShownRecord shown;
    reader.required("seq", shown.seq, read_count);
    reader.required("campaign", shown.campaign, read_id);
    reader.required("at", shown.at, read_rfc3339);
    return shown;
}

RecordBody read_health(ObjectReader& reader) {
    HealthRecord health;
    reader.required("uptime_s", health.uptime, read_seconds);
    reader.required("fps", health.fps, read_non_negative_number);
    reader.required("frames_dropped", health.frames_dropped, read_count);
    reader.required("disk_free_bytes", health.disk_free_bytes, read_count);
    reader.optional("temperature_c", health.temperature_c, read_number);
    if (reader.field("versions", Presence::optional))
        reader.required("versions", health.versions, read_versions);
    health.current_item = read_playing_item(reader);
    return health;
}

RecordBody read_error(ObjectReader& reader) {
    ErrorRecord error;
    reader.optional("campaign", error.campaign, read_id);
    reader.optional("asset", error.asset, read_sha256);
    reader.optional("file", error.file, read_nonempty_string);
    reader.required("reason", error.reason, read_nonempty_string);
    reader.required("at", error.at, read_rfc3339);
    return error;
}

constexpr std::array<BodyType<RecordBody>, 4> record_types{{
    {"play", read_play},
    {"shown", read_shown},
    {"health", read_health},
    {"error", read_error},
}};

Result<Record> decode_record(const json::value& json, std::string path) {
    Issues issues;
    ObjectReader reader(json, std::move(path), issues);
    Record record;
    reader.required("id", record.id, read_record_id);
    reader.required("screen", record.screen, read_id);
    auto body = read_body(reader, record_types, "record");
    if (!issues.empty()) return fail(issues.to_error());
    record.body = std::move(*body);
    return record;
}

}  // namespace

// ---- live events ------------------------------------------------------------------------------

std::string_view type_name(const LiveEventBody& body) {
    return event_types[body.index()].name;
}

json::value to_json(const LiveEvent& event) {
    json::object out;
    out["seq"] = event.seq;
    out["at"] = event.at.time_since_epoch().count();
    out["type"] = type_name(event.body);
    std::visit(Overloaded{
                   [&](const JoinEvent& join) {
                       out["campaign"] = join.campaign;
                       out["name"] = join.name;
                       out["channel"] = join.channel;
                       out["screen_count"] = join.screen_count;
                       out["campaign_count"] = join.campaign_count;
                   },
                   [&](const CounterEvent& counter) {
                       for (auto& field : counter_json(counter)) out[field.key()] = field.value();
                   },
                   [&](const TakeoverEvent& takeover) { add_takeover_fields(out, takeover); },
                   [&](const TakeoverEndEvent& end) { out["id"] = end.id; },
                   [&](const ManifestEvent&) {},
                   [&](const SnapshotEvent& snapshot) {
                       json::array counters;
                       for (const auto& counter : snapshot.counters)
                           counters.push_back(counter_json(counter));
                       out["counters"] = std::move(counters);
                       if (snapshot.takeover) {
                           json::object takeover;
                           add_takeover_fields(takeover, *snapshot.takeover);
                           out["takeover"] = std::move(takeover);
                       }
                   },
                   [&](const ScreenshotEvent& screenshot) { out["id"] = screenshot.id; },
               },
               event.body);
    return out;
}

Result<LiveEvent> live_event_from_json(const json::value& json) {
    Issues issues;
    ObjectReader reader(json, "", issues);
    LiveEvent event;
    reader.required("seq", event.seq, read_count);
    reader.required("at", event.at, read_unix_ms);
    auto body = read_body(reader, event_types, "event");
    if (!issues.empty()) return fail(issues.to_error());
    event.body = std::move(*body);
    return event;
}

std::string to_json_line(const LiveEvent& event) {
    std::string line = json::serialize(to_json(event));
    line.push_back('\n');
    return line;
}

Result<LiveEvent> parse_live_event(std::string_view line) {
    auto json = parse_json_line(line, "live event line");
    if (!json) return fail(std::move(json.error()));
    return live_event_from_json(*json);
}

// ---- player status ----------------------------------------------------------------------------

std::string to_json_line(const PlayerStatus& status) {
    json::object out{{"type", "status"},
                     {"fps", status.fps},
                     {"frames_dropped", status.frames_dropped},
                     {"version", status.version}};
    if (status.current_item) out["current_item"] = playing_item_json(*status.current_item);
    std::string line = json::serialize(out);
    line.push_back('\n');
    return line;
}

std::string to_json_line(const ScreenshotReady& ready) {
    std::string line = json::serialize(json::object{{"type", "screenshot"}, {"id", ready.id}});
    line.push_back('\n');
    return line;
}

Result<PlayerReport> parse_player_report(std::string_view line) {
    auto json = parse_json_line(line, "player line");
    if (!json) return fail(std::move(json.error()));
    Issues issues;
    ObjectReader reader(*json, "", issues);
    std::string type;
    reader.required("type", type, read_nonempty_string);
    if (!issues.empty()) return fail(issues.to_error());
    PlayerReport report;
    if (type == "status") {
        PlayerStatus status;
        reader.required("fps", status.fps, read_non_negative_number);
        reader.required("frames_dropped", status.frames_dropped, read_count);
        reader.required("version", status.version, read_nonempty_string);
        status.current_item = read_playing_item(reader);
        report = std::move(status);
    } else if (type == "screenshot") {
        ScreenshotReady ready;
        reader.required("id", ready.id, read_id);
        report = std::move(ready);
    } else {
        issues.add(reader.path_of("type"), fmt::format("\"{}\" is not \"status\" or \"screenshot\"", type));
    }
    if (!issues.empty()) return fail(issues.to_error());
    return report;
}

Result<PlayerStatus> parse_player_status(std::string_view line) {
    auto report = parse_player_report(line);
    if (!report) return fail(std::move(report.error()));
    auto* status = std::get_if<PlayerStatus>(&*report);
    if (!status) return fail(Errc::invalid_input, "type: expected a \"status\" line");
    return std::move(*status);
}

std::filesystem::path screenshot_png(const std::filesystem::path& folder, std::string_view id) {
    return folder / fmt::format("{}.png", id);
}

std::filesystem::path screenshot_failure(const std::filesystem::path& folder, std::string_view id) {
    return folder / fmt::format("{}.failed", id);
}

Result<void> write_screenshot_failure(const std::filesystem::path& folder, std::string_view id,
                                      std::string_view why) {
    const auto file = screenshot_failure(folder, id);
    std::error_code error;
    std::filesystem::create_directories(folder, error);
    auto partial = file;
    partial += ".partial";
    {
        std::ofstream out(partial, std::ios::trunc);
        out << why;
        if (!out.flush()) return fail(Errc::io, "cannot write {}", partial.string());
    }
    std::filesystem::rename(partial, file, error);
    if (error) return fail(Errc::io, "cannot write {}: {}", file.string(), error.message());
    return {};
}

// ---- records ----------------------------------------------------------------------------------

std::string_view type_name(const RecordBody& body) {
    return record_types[body.index()].name;
}

json::value to_json(const Record& record) {
    json::object out;
    out["id"] = record.id.to_string();
    out["screen"] = record.screen;
    out["type"] = type_name(record.body);
    std::visit(Overloaded{
                   [&](const PlayRecord& play) {
                       out["campaign"] = play.campaign;
                       out["asset"] = play.asset;
                       out["start"] = format_rfc3339(play.start);
                       out["end"] = format_rfc3339(play.end);
                       out["completed"] = play.completed;
                       out["frames_dropped"] = play.frames_dropped;
                   },
                   [&](const ShownRecord& shown) {
                       out["seq"] = shown.seq;
                       out["campaign"] = shown.campaign;
                       out["at"] = format_rfc3339(shown.at);
                   },
                   [&](const HealthRecord& health) {
                       out["uptime_s"] = health.uptime.count();
                       out["fps"] = health.fps;
                       out["frames_dropped"] = health.frames_dropped;
                       out["disk_free_bytes"] = health.disk_free_bytes;
                       if (health.temperature_c) out["temperature_c"] = *health.temperature_c;
                       json::object versions;
                       for (const auto& [component, version] : health.versions) versions[component] = version;
                       out["versions"] = std::move(versions);
                       if (health.current_item) {
                           out["current_item"] = playing_item_json(*health.current_item);
                       }
                   },
                   [&](const ErrorRecord& error) {
                       if (error.campaign) out["campaign"] = *error.campaign;
                       if (error.asset) out["asset"] = *error.asset;
                       if (error.file) out["file"] = *error.file;
                       out["reason"] = error.reason;
                       out["at"] = format_rfc3339(error.at);
                   },
               },
               record.body);
    return out;
}

Result<Record> record_from_json(const json::value& json) {
    return decode_record(json, "");
}

std::string records_to_json_body(std::span<const Record> records) {
    json::array array;
    array.reserve(records.size());
    for (const auto& record : records) array.push_back(to_json(record));
    return json::serialize(json::object{{"records", std::move(array)}});
}

Result<std::vector<Record>> records_from_json_body(std::string_view body) {
    auto json = parse_json(body, "reports body");
    if (!json) return fail(std::move(json.error()));
    const auto* object = json->if_object();
    if (!object)
        return fail(Errc::invalid_input, "reports body: expected {{\"records\":[…]}}, got {}",
                    describe(*json));
    const auto* records = object->if_contains("records");
    if (!records) return fail(Errc::invalid_input, "records: missing required field");
    const auto* array = records->if_array();
    if (!array) return fail(Errc::invalid_input, "records: expected an array, got {}", describe(*records));
    std::vector<Record> out;
    out.reserve(array->size());
    for (std::size_t i = 0; i < array->size(); ++i) {
        auto record = decode_record((*array)[i], index_path("records", i));
        if (!record) return fail(std::move(record.error()));
        out.push_back(std::move(*record));
    }
    return out;
}

}  // namespace dwell::content
