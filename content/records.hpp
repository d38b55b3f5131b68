// Live events (hub → agent → player) and records (player/agent → hub), with their JSON wire form.
//
// Wire rules, shared by both directions:
// - Field names in the JSON are the member names below unless a comment says otherwise; every
//   object has a "type" naming its alternative ("join", "play", ...).
// - Unknown fields are ignored, unlike the "unknown keys are errors" rule for configuration files:
//   a hub one version ahead may add a field, and an older agent or player must keep working. An
//   unknown "type" is an error, because its meaning cannot be guessed.
// - Everything else is validated: required fields, JSON types, ranges, id and time forms. Errors are
//   Errc::invalid_input and name the field path, e.g. "records[3].start: expected RFC 3339 time
//   like 2026-12-01T06:00:00.000Z, got \"yesterday\"".
// - Optional fields are left out when empty; null is read as absent.
// - Event times are unix milliseconds (numbers): they are made and read by machines, and the
//   event-to-pixel latency is measured on them. Record times are RFC 3339 UTC text with
//   milliseconds, "2026-12-01T06:00:00.000Z", because records end up in reports and CSV files;
//   decoding also accepts other RFC 3339 offsets and 0 to 9 fraction digits that are whole
//   milliseconds. Times must lie in years 1970 to 9999.
// - Campaign and screen ids have the campaign id form [a-z0-9][a-z0-9-]{0,63}; assets are named
//   by their SHA-256 as 64 lowercase hex digits.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <boost/json/value.hpp>

#include "config/clock.hpp"
#include "config/error.hpp"
#include "content/rfc3339.hpp"
#include "content/uuid.hpp"

namespace dwell::content {

// ---- Live events ----------------------------------------------------------------------------

// Someone joined a campaign at this screen.
struct JoinEvent {
    std::string campaign;
    std::string name;                  // masked display name ("김*현", "J***n"); may be empty
    std::string channel;               // the messenger channel the join came through, e.g. "line-main"
    std::uint64_t screen_count = 0;    // joins of the campaign at this screen
    std::uint64_t campaign_count = 0;  // joins of the campaign everywhere
    friend bool operator==(const JoinEvent&, const JoinEvent&) = default;
};

// New totals for a campaign (sent at most 4 times a second per screen).
struct CounterEvent {
    std::string campaign;
    std::uint64_t screen_count = 0;
    std::uint64_t campaign_count = 0;
    friend bool operator==(const CounterEvent&, const CounterEvent&) = default;
};

// Operator emergency text; preempts everything until it ends or `until` passes.
struct TakeoverEvent {
    std::string id;
    std::string text;
    std::optional<config::WallTime> until;
    friend bool operator==(const TakeoverEvent&, const TakeoverEvent&) = default;
};

struct TakeoverEndEvent {
    std::string id;
    friend bool operator==(const TakeoverEndEvent&, const TakeoverEndEvent&) = default;
};

// The manifest changed: pull it now.
struct ManifestEvent {
    friend bool operator==(const ManifestEvent&, const ManifestEvent&) = default;
};

// An operator asked to see the screen: the player captures its next frame as a PNG named after
// `id` and the agent uploads it (DESIGN §5).
struct ScreenshotEvent {
    std::string id;  // an id ([a-z0-9][a-z0-9-]{0,63}), also the file's name on the box
    friend bool operator==(const ScreenshotEvent&, const ScreenshotEvent&) = default;
};

// The current state after a gap, as the counter events and takeover a screen would hold had it
// missed nothing.
struct SnapshotEvent {
    std::vector<CounterEvent> counters;     // wire: [{"campaign","screen_count","campaign_count"}]
    std::optional<TakeoverEvent> takeover;  // wire: {"id","text","until"?}, absent when none is active
    friend bool operator==(const SnapshotEvent&, const SnapshotEvent&) = default;
};

using LiveEventBody = std::variant<JoinEvent, CounterEvent, TakeoverEvent, TakeoverEndEvent, ManifestEvent,
                                   SnapshotEvent, ScreenshotEvent>;

struct LiveEvent {
    std::uint64_t seq = 0;  // per screen, strictly increasing
    config::WallTime at{};  // when the hub created the event
    LiveEventBody body;
    friend bool operator==(const LiveEvent&, const LiveEvent&) = default;
};

// The wire "type" of an event: "join", "counter", "takeover", "takeover_end", "manifest", "snapshot",
// "screenshot".
std::string_view type_name(const LiveEventBody& body);

// {"seq":7,"at":1764568800000,"type":"join","campaign":…}
boost::json::value to_json(const LiveEvent& event);
Result<LiveEvent> live_event_from_json(const boost::json::value& json);

// One line of the player↔agent socket: the JSON text of to_json and a '\n'. The JSON itself never
// holds a raw newline (the serializer escapes control characters).
std::string to_json_line(const LiveEvent& event);
// Reads one line of newline-delimited JSON; a trailing "\n" or "\r\n" is allowed.
Result<LiveEvent> parse_live_event(std::string_view line);

// ---- Records --------------------------------------------------------------------------------

// One item played (or cut short) on screen.
struct PlayRecord {
    std::string campaign;
    std::string asset;  // sha256
    config::WallTime start{};
    config::WallTime end{};  // not before start
    bool completed = false;  // false when cut short (takeover, failure, schedule change)
    std::uint64_t frames_dropped = 0;
    friend bool operator==(const PlayRecord&, const PlayRecord&) = default;
};

// A join event was on screen: the proof that the person saw their join acknowledged.
struct ShownRecord {
    std::uint64_t seq = 0;  // the live event's seq
    std::string campaign;
    config::WallTime at{};
    friend bool operator==(const ShownRecord&, const ShownRecord&) = default;
};

struct PlayingItem {
    std::string campaign;
    std::string asset;  // sha256
    friend bool operator==(const PlayingItem&, const PlayingItem&) = default;
};

// Periodic health of a screen.
struct HealthRecord {
    std::chrono::seconds uptime{0};  // wire: "uptime_s"
    double fps = 0;                  // frames presented per second, >= 0
    std::uint64_t frames_dropped = 0;
    std::uint64_t disk_free_bytes = 0;
    std::optional<double> temperature_c;
    std::map<std::string, std::string> versions;  // component → version, e.g. "player" → "0.1.0"
    std::optional<PlayingItem> current_item;
    friend bool operator==(const HealthRecord&, const HealthRecord&) = default;
};

// An item failed and was skipped.
struct ErrorRecord {
    std::optional<std::string> campaign;
    std::optional<std::string> asset;  // sha256
    std::optional<std::string> file;   // the file name, when one was involved
    std::string reason;                // not empty
    config::WallTime at{};
    friend bool operator==(const ErrorRecord&, const ErrorRecord&) = default;
};

using RecordBody = std::variant<PlayRecord, ShownRecord, HealthRecord, ErrorRecord>;

struct Record {
    Uuid id;             // a UUIDv7 chosen where the record is born; makes every retry idempotent
    std::string screen;  // the screen id
    RecordBody body;
    friend bool operator==(const Record&, const Record&) = default;
};

// The wire "type" of a record: "play", "shown", "health", "error".
std::string_view type_name(const RecordBody& body);

// {"id":"0190…","screen":"s1-seoul-03","type":"play","campaign":…}
boost::json::value to_json(const Record& record);
Result<Record> record_from_json(const boost::json::value& json);

// The body of POST /v1/devices/{id}/reports: {"records":[…]}. Decoding stops at the first bad
// record and names its index ("records[3].start: …").
std::string records_to_json_body(std::span<const Record> records);
Result<std::vector<Record>> records_from_json_body(std::string_view body);

}  // namespace dwell::content
