#include "content/records.hpp"

#include <gtest/gtest.h>
#include <boost/json.hpp>

namespace dwell::content {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using std::chrono::milliseconds;

// 2026-12-01T06:00:00.000Z
constexpr config::WallTime december_first{milliseconds{1'796'104'800'000}};
const std::string spring_sha = std::string(64, 'a');
const std::string poster_sha = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

json::value parse(std::string_view text) {
    return json::parse(text);
}

// Expects `result` to fail with invalid_input and a message containing `expected`.
template <class T>
void expect_error(const Result<T>& result, std::string_view expected) {
    ASSERT_FALSE(result) << "accepted, expected an error containing: " << expected;
    EXPECT_EQ(result.error().code, Errc::invalid_input);
    EXPECT_NE(result.error().message.find(expected), std::string::npos)
        << "message: " << result.error().message << "\nexpected to contain: " << expected;
}

std::vector<LiveEvent> every_event() {
    return {
        {1, december_first, JoinEvent{"sticker-fest", "김*현", "line-main", 12, 3456}},
        {2, december_first + 1ms, JoinEvent{"sticker-fest", "", "telegram-main", 13, 3457}},
        {3, december_first + 250ms, CounterEvent{"sticker-fest", 13, 3460}},
        {4, december_first + 1s,
         TakeoverEvent{"t-1", "열차 운행 중단 — 안내에 따라 주세요", december_first + 1h}},
        {5, december_first + 2s, TakeoverEvent{"t-2", "Platform closed", std::nullopt}},
        {6, december_first + 3s, TakeoverEndEvent{"t-1"}},
        {7, december_first + 4s, ManifestEvent{}},
        {8, december_first + 5s, SnapshotEvent{}},
        {9, december_first + 6s,
         SnapshotEvent{{CounterEvent{"sticker-fest", 13, 3460}, CounterEvent{"winter-sale", 0, 7}},
                       TakeoverEvent{"t-2", "Platform closed", december_first + 2h}}},
        {10, december_first + 7s, ScreenshotEvent{"shot-019ad897-a800-7123-8abc-0123456789ab"}},
        {std::numeric_limits<std::uint64_t>::max(), config::WallTime{}, ManifestEvent{}},
    };
}

Record play_record() {
    return {Uuid::parse("019ad897-a800-7123-8abc-0123456789ab").value(), "s1-seoul-03",
            PlayRecord{"sticker-fest", spring_sha, december_first, december_first + 15'033ms, true, 2}};
}

std::vector<Record> every_record() {
    HealthRecord full_health;
    full_health.uptime = 86'400s;
    full_health.fps = 29.97;
    full_health.frames_dropped = 4;
    full_health.disk_free_bytes = 8ULL << 30;
    full_health.temperature_c = -12.5;
    full_health.versions = {{"player", "0.1.0"}, {"sync", "0.1.0"}, {"ffmpeg", "5.1.6"}};
    full_health.current_item = PlayingItem{"sticker-fest", poster_sha};
    return {
        play_record(),
        {uuid_v7(december_first), "s1-seoul-03",
         PlayRecord{"winter-sale", poster_sha, december_first, december_first, false, 0}},
        {uuid_v7(december_first), "s2-city-hall-01", ShownRecord{42, "sticker-fest", december_first + 120ms}},
        {uuid_v7(december_first), "s1-seoul-03", full_health},
        {uuid_v7(december_first), "s1-seoul-03", HealthRecord{}},
        {uuid_v7(december_first), "s1-seoul-03",
         ErrorRecord{"sticker-fest", spring_sha, "spring.mp4", "decoder failed: Invalid data found",
                     december_first}},
        {uuid_v7(december_first), "s1-seoul-03",
         ErrorRecord{std::nullopt, std::nullopt, std::nullopt, "disk full", december_first + 999ms}},
    };
}

// ---- live events ------------------------------------------------------------------------------

TEST(LiveEventCodec, EveryEventTypeRoundTrips) {
    for (const auto& event : every_event()) {
        const json::value encoded = to_json(event);
        const auto decoded = live_event_from_json(encoded);
        ASSERT_TRUE(decoded) << json::serialize(encoded) << ": " << decoded.error().message;
        EXPECT_EQ(*decoded, event) << json::serialize(encoded);
        EXPECT_EQ(encoded.at("type").as_string(), type_name(event.body));
    }
}

TEST(LiveEventCodec, EveryEventTypeRoundTripsThroughASocketLine) {
    for (const auto& event : every_event()) {
        const std::string line = to_json_line(event);
        ASSERT_TRUE(line.ends_with('\n'));
        EXPECT_EQ(line.find('\n'), line.size() - 1) << "one event must be one line: " << line;
        const auto decoded = parse_live_event(line);
        ASSERT_TRUE(decoded) << line << decoded.error().message;
        EXPECT_EQ(*decoded, event);
    }
}

TEST(LiveEventCodec, WritesTheWireNames) {
    const LiveEvent join{7, december_first, JoinEvent{"sticker-fest", "J***n", "line-main", 12, 3456}};
    EXPECT_EQ(json::serialize(to_json(join)),
              R"({"seq":7,"at":1796104800000,"type":"join","campaign":"sticker-fest","name":"J***n",)"
              R"("channel":"line-main","screen_count":12,"campaign_count":3456})");
    const LiveEvent snapshot{
        9, december_first,
        SnapshotEvent{{CounterEvent{"sticker-fest", 1, 2}}, TakeoverEvent{"t-1", "x", {}}}};
    EXPECT_EQ(json::serialize(to_json(snapshot)),
              R"({"seq":9,"at":1796104800000,"type":"snapshot",)"
              R"("counters":[{"campaign":"sticker-fest","screen_count":1,"campaign_count":2}],)"
              R"("takeover":{"id":"t-1","text":"x"}})");
}

TEST(LiveEventCodec, AScreenshotIdMustBeFitForAFileName) {
    EXPECT_EQ(json::serialize(to_json(LiveEvent{3, december_first, ScreenshotEvent{"shot-1"}})),
              R"({"seq":3,"at":1796104800000,"type":"screenshot","id":"shot-1"})");
    expect_error(parse_live_event(R"({"seq":1,"at":1,"type":"screenshot"})"), "id: missing required field");
    expect_error(parse_live_event(R"({"seq":1,"at":1,"type":"screenshot","id":"../../etc/passwd"})"),
                 "id: expected an id like");
    expect_error(parse_live_event(R"({"seq":1,"at":1,"type":"screenshot","id":"Shot 1"})"),
                 "id: expected an id like");
    expect_error(parse_live_event(R"({"seq":1,"at":1,"type":"screenshot","id":""})"), "id: ");
}

TEST(LiveEventCodec, ReadsWhatAHubWrites) {
    const auto event = parse_live_event(
        R"({"type":"takeover","seq":12,"at":1796104800000,"id":"t-9","text":"운행 중단","until":1796108400000})"
        "\r\n");
    ASSERT_TRUE(event) << event.error().message;
    EXPECT_EQ(event->seq, 12U);
    EXPECT_EQ(event->at, december_first);
    const auto* takeover = std::get_if<TakeoverEvent>(&event->body);
    ASSERT_NE(takeover, nullptr);
    EXPECT_EQ(takeover->text, "운행 중단");
    EXPECT_EQ(takeover->until, december_first + 1h);
}

TEST(LiveEventCodec, KoreanMaskedNamesSurvive) {
    const LiveEvent join{3, december_first, JoinEvent{"sticker-fest", "김*현", "kakao-main", 1, 1}};
    const std::string line = to_json_line(join);
    EXPECT_NE(line.find("김*현"), std::string::npos) << "names travel as UTF-8, not \\u escapes: " << line;
    const auto decoded = parse_live_event(line);
    ASSERT_TRUE(decoded);
    EXPECT_EQ(std::get<JoinEvent>(decoded->body).name, "김*현");
    // Escaped input means the same name.
    const auto escaped = parse_live_event(
        R"({"seq":3,"at":0,"type":"join","campaign":"c","name":"\uae40*\ud604","channel":"k","screen_count":1,"campaign_count":1})");
    ASSERT_TRUE(escaped) << escaped.error().message;
    EXPECT_EQ(std::get<JoinEvent>(escaped->body).name, "김*현");
}

TEST(LiveEventCodec, IgnoresUnknownFieldsForNewerHubs) {
    const auto event = parse_live_event(
        R"({"seq":5,"at":1,"type":"counter","campaign":"c1","screen_count":1,"campaign_count":2,)"
        R"("rate":4.5,"extra":{"nested":[1,2]}})");
    ASSERT_TRUE(event) << event.error().message;
    EXPECT_EQ(*event, (LiveEvent{5, config::WallTime{1ms}, CounterEvent{"c1", 1, 2}}));
}

TEST(LiveEventCodec, AJoinWithoutANameHasAnEmptyName) {
    const auto event = parse_live_event(
        R"({"seq":5,"at":1,"type":"join","campaign":"c1","channel":"line-main","screen_count":1,"campaign_count":2})");
    ASSERT_TRUE(event) << event.error().message;
    EXPECT_EQ(std::get<JoinEvent>(event->body).name, "");
}

TEST(LiveEventCodec, RefusesMalformedJson) {
    expect_error(parse_live_event(R"({"seq":1,"at":1,"type":"manifest")"),
                 "live event line is not valid JSON");
    expect_error(parse_live_event(R"({"seq":1,,"at":1})"), "at byte 9");
    expect_error(parse_live_event(R"({"seq":1,"at":1,"type":"manifest"} {"seq":2})"), "not valid JSON");
    expect_error(parse_live_event(""), "live event line is empty");
    expect_error(parse_live_event("\n"), "live event line is empty");
    expect_error(parse_live_event("{\"seq\":1,\"at\":1,\"type\":\"join\",\"name\":\"\xff\"}"),
                 "not valid JSON");
}

TEST(LiveEventCodec, RefusesAMissingOrBadSeq) {
    expect_error(parse_live_event(R"({"at":1,"type":"manifest"})"), "seq: missing required field");
    expect_error(parse_live_event(R"({"seq":null,"at":1,"type":"manifest"})"), "seq: missing required field");
    expect_error(parse_live_event(R"({"seq":-1,"at":1,"type":"manifest"})"),
                 "seq: must not be negative, got -1");
    expect_error(parse_live_event(R"({"seq":"7","at":1,"type":"manifest"})"),
                 "seq: expected a whole number, got the string \"7\"");
    expect_error(parse_live_event(R"({"seq":1.5,"at":1,"type":"manifest"})"),
                 "seq: expected a whole number, got 1.5");
    expect_error(parse_live_event(R"({"seq":1e30,"at":1,"type":"manifest"})"), "seq: is too large");
    expect_error(parse_live_event(R"({"seq":true,"at":1,"type":"manifest"})"),
                 "seq: expected a whole number, got true");
    // A whole number written with an exponent is still that number.
    const auto exponent = parse_live_event(R"({"seq":1e3,"at":1,"type":"manifest"})");
    ASSERT_TRUE(exponent) << exponent.error().message;
    EXPECT_EQ(exponent->seq, 1000U);
}

TEST(LiveEventCodec, RefusesABadTime) {
    expect_error(parse_live_event(R"({"seq":1,"type":"manifest"})"), "at: missing required field");
    expect_error(parse_live_event(R"({"seq":1,"at":-5,"type":"manifest"})"), "at: must not be negative");
    expect_error(parse_live_event(R"({"seq":1,"at":"2026-12-01T06:00:00.000Z","type":"manifest"})"),
                 "at: expected a whole number");
    expect_error(parse_live_event(R"({"seq":1,"at":253402300800000,"type":"manifest"})"),
                 "at: is too large (at most 253402300799999)");
    expect_error(parse_live_event(R"({"seq":1,"at":1,"type":"takeover","id":"t","text":"x","until":-1})"),
                 "until: must not be negative");
}

TEST(LiveEventCodec, RefusesAnUnknownOrMissingTypeNamingTheKnownOnes) {
    expect_error(parse_live_event(R"({"seq":1,"at":1,"type":"confetti"})"),
                 "type: unknown event type \"confetti\"; known types: join, counter, takeover, takeover_end, "
                 "manifest, snapshot, screenshot");
    expect_error(parse_live_event(R"({"seq":1,"at":1})"), "type: missing required field");
    expect_error(parse_live_event(R"({"seq":1,"at":1,"type":3})"), "type: expected a string, got 3");
}

TEST(LiveEventCodec, RefusesAnythingButAnObject) {
    expect_error(parse_live_event("[1,2]"), "expected a JSON object, got an array");
    expect_error(parse_live_event("42"), "expected a JSON object, got 42");
    expect_error(live_event_from_json(json::value(nullptr)), "expected a JSON object, got null");
}

TEST(LiveEventCodec, RefusesMissingAndWronglyTypedFields) {
    expect_error(parse_live_event(R"({"seq":1,"at":1,"type":"join","channel":"line-main","screen_count":1,)"
                                  R"("campaign_count":1})"),
                 "campaign: missing required field");
    expect_error(parse_live_event(R"({"seq":1,"at":1,"type":"join","campaign":"c","channel":"l",)"
                                  R"("screen_count":"one","campaign_count":1})"),
                 "screen_count: expected a whole number, got the string \"one\"");
    expect_error(parse_live_event(R"({"seq":1,"at":1,"type":"join","campaign":"Sticker Fest","channel":"l",)"
                                  R"("screen_count":1,"campaign_count":1})"),
                 "campaign: expected an id like \"sticker-fest\"");
    expect_error(parse_live_event(R"({"seq":1,"at":1,"type":"join","campaign":"c","name":7,"channel":"l",)"
                                  R"("screen_count":1,"campaign_count":1})"),
                 "name: expected a string, got 7");
    expect_error(parse_live_event(R"({"seq":1,"at":1,"type":"takeover_end"})"), "id: missing required field");
    expect_error(parse_live_event(R"({"seq":1,"at":1,"type":"takeover_end","id":""})"),
                 "id: must not be empty");
    expect_error(parse_live_event(R"({"seq":1,"at":1,"type":"takeover","id":"t"})"),
                 "text: missing required field");
}

TEST(LiveEventCodec, NamesThePathInsideASnapshot) {
    expect_error(parse_live_event(R"({"seq":1,"at":1,"type":"snapshot"})"),
                 "counters: missing required field");
    expect_error(parse_live_event(R"({"seq":1,"at":1,"type":"snapshot","counters":{}})"),
                 "counters: expected an array of counters, got an object");
    expect_error(parse_live_event(R"({"seq":1,"at":1,"type":"snapshot","counters":[)"
                                  R"({"campaign":"a","screen_count":1,"campaign_count":1},)"
                                  R"({"screen_count":1,"campaign_count":-2}]})"),
                 "2 problems: counters[1].campaign: missing required field; "
                 "counters[1].campaign_count: must not be negative, got -2");
    expect_error(
        parse_live_event(R"({"seq":1,"at":1,"type":"snapshot","counters":[],"takeover":{"id":"t"}})"),
        "takeover.text: missing required field");
    expect_error(parse_live_event(R"({"seq":1,"at":1,"type":"snapshot","counters":[],"takeover":"t"})"),
                 "takeover: expected a JSON object, got the string \"t\"");
}

TEST(LiveEventCodec, ListsEveryProblemOfOneEvent) {
    expect_error(
        parse_live_event(R"({"seq":-1,"type":"counter","campaign":"","screen_count":1.5})"),
        "5 problems: seq: must not be negative, got -1; at: missing required field; campaign: expected an "
        "id like \"sticker-fest\" ([a-z0-9][a-z0-9-]{0,63}), got \"\"; screen_count: expected a whole "
        "number, got 1.5; campaign_count: missing required field");
}

// ---- records ----------------------------------------------------------------------------------

TEST(RecordCodec, EveryRecordTypeRoundTrips) {
    for (const auto& record : every_record()) {
        const json::value encoded = to_json(record);
        const auto decoded = record_from_json(encoded);
        ASSERT_TRUE(decoded) << json::serialize(encoded) << ": " << decoded.error().message;
        EXPECT_EQ(*decoded, record) << json::serialize(encoded);
        EXPECT_EQ(encoded.at("type").as_string(), type_name(record.body));
    }
}

TEST(RecordCodec, WritesTheWireNamesAndRfc3339Times) {
    EXPECT_EQ(json::serialize(to_json(play_record())),
              R"({"id":"019ad897-a800-7123-8abc-0123456789ab","screen":"s1-seoul-03","type":"play",)"
              R"("campaign":"sticker-fest","asset":")" +
                  spring_sha +
                  R"(","start":"2026-12-01T06:00:00.000Z","end":"2026-12-01T06:00:15.033Z",)"
                  R"("completed":true,"frames_dropped":2})");
    HealthRecord health;
    health.uptime = 90s;
    health.fps = 30;
    health.versions = {{"player", "0.1.0"}};
    const Record record{play_record().id, "s1", health};
    EXPECT_EQ(json::serialize(to_json(record)),
              R"({"id":"019ad897-a800-7123-8abc-0123456789ab","screen":"s1","type":"health","uptime_s":90,)"
              R"("fps":3E1,"frames_dropped":0,"disk_free_bytes":0,"versions":{"player":"0.1.0"}})");
}

TEST(RecordCodec, IgnoresUnknownFields) {
    json::value encoded = to_json(play_record());
    encoded.as_object()["codec"] = "h264";
    encoded.as_object()["future"] = json::object{{"a", 1}};
    const auto decoded = record_from_json(encoded);
    ASSERT_TRUE(decoded) << decoded.error().message;
    EXPECT_EQ(*decoded, play_record());
}

TEST(RecordCodec, RefusesABadId) {
    auto with_id = [](json::value id) {
        json::value encoded = to_json(play_record());
        encoded.as_object()["id"] = std::move(id);
        return record_from_json(encoded);
    };
    expect_error(with_id("not-a-uuid"), "id: expected a UUID like");
    expect_error(with_id("019ad897a8007123 8abc0123456789ab"), "id: expected a UUID like");
    expect_error(with_id("6ba7b810-9dad-41d1-80b4-00c04fd430c8"),
                 "id: expected a UUIDv7 like 01890a5d-ac96-774b-bcce-b302099a8057, got "
                 "\"6ba7b810-9dad-41d1-80b4-00c04fd430c8\" (version 4)");
    expect_error(with_id("00000000-0000-0000-0000-000000000000"), "(version 0)");
    expect_error(with_id("019ad897-a800-7123-0abc-0123456789ab"), "id: expected a UUIDv7");  // wrong variant
    expect_error(with_id(17), "id: expected a string, got 17");
    json::value missing = to_json(play_record());
    missing.as_object().erase("id");
    expect_error(record_from_json(missing), "id: missing required field");
}

TEST(RecordCodec, RefusesBadPlayFields) {
    auto with = [](std::string_view key, json::value value) {
        json::value encoded = to_json(play_record());
        encoded.as_object()[key] = std::move(value);
        return record_from_json(encoded);
    };
    expect_error(with("start", "yesterday"),
                 "start: expected RFC 3339 time like 2026-12-01T06:00:00.000Z, got \"yesterday\"");
    expect_error(with("start", 1796104800000), "start: expected RFC 3339 time like 2026-12-01T06:00:00.000Z");
    expect_error(with("end", "2026-12-01T05:59:59.999Z"),
                 "end: 2026-12-01T05:59:59.999Z is before start 2026-12-01T06:00:00.000Z");
    expect_error(with("asset", "spring.mp4"), "asset: expected a SHA-256 as 64 lowercase hex digits");
    expect_error(with("asset", json::string(64, 'A')), "asset: expected a SHA-256");
    expect_error(with("completed", "yes"), "completed: expected true or false, got the string \"yes\"");
    expect_error(with("frames_dropped", -3), "frames_dropped: must not be negative, got -3");
    expect_error(with("screen", ""), "screen: expected an id");
    expect_error(with("screen", nullptr), "screen: missing required field");
}

TEST(RecordCodec, RefusesBadHealthAndErrorFields) {
    const std::string id = play_record().id.to_string();
    const std::string head = R"({"id":")" + id + R"(","screen":"s1",)";
    expect_error(record_from_json(parse(head + R"("type":"health","uptime_s":1,"fps":-1,"frames_dropped":0,)"
                                               R"("disk_free_bytes":0})")),
                 "fps: must not be negative, got -1");
    expect_error(record_from_json(parse(head + R"("type":"health","uptime_s":1,"fps":1,"frames_dropped":0,)"
                                               R"("disk_free_bytes":0,"versions":{"player":1}})")),
                 "versions.player: expected a string, got 1");
    expect_error(record_from_json(parse(head + R"("type":"health","uptime_s":1,"fps":1,"frames_dropped":0,)"
                                               R"("disk_free_bytes":0,"current_item":{"campaign":"c"}})")),
                 "current_item.asset: missing required field");
    expect_error(record_from_json(parse(head + R"("type":"health","uptime_s":1,"fps":1,"frames_dropped":0,)"
                                               R"("disk_free_bytes":0,"temperature_c":"hot"})")),
                 "temperature_c: expected a number, got the string \"hot\"");
    expect_error(record_from_json(parse(head + R"("type":"health","uptime_s":9223372036854775808,"fps":1,)"
                                               R"("frames_dropped":0,"disk_free_bytes":0})")),
                 "uptime_s: is too large (at most 9223372036854775807)");
    expect_error(
        record_from_json(parse(head + R"("type":"error","reason":"","at":"2026-12-01T06:00:00.000Z"})")),
        "reason: must not be empty");
    expect_error(record_from_json(parse(head + R"("type":"error","reason":"x"})")),
                 "at: missing required field");
    expect_error(
        record_from_json(parse(head + R"("type":"shown","campaign":"c","at":"2026-12-01T06:00:00Z"})")),
        "seq: missing required field");
    // Optional fields may be null.
    const auto nulls =
        record_from_json(parse(head + R"("type":"error","campaign":null,"asset":null,"file":null,)"
                                      R"("reason":"x","at":"2026-12-01T06:00:00Z"})"));
    ASSERT_TRUE(nulls) << nulls.error().message;
    EXPECT_EQ(std::get<ErrorRecord>(nulls->body), (ErrorRecord{{}, {}, {}, "x", december_first}));
}

TEST(RecordCodec, RefusesAnUnknownType) {
    const std::string id = play_record().id.to_string();
    expect_error(record_from_json(parse(R"({"id":")" + id + R"(","screen":"s1","type":"impression"})")),
                 "type: unknown record type \"impression\"; known types: play, shown, health, error");
}

TEST(RecordsBody, RoundTripsEveryRecord) {
    const auto records = every_record();
    const std::string body = records_to_json_body(records);
    const auto decoded = records_from_json_body(body);
    ASSERT_TRUE(decoded) << decoded.error().message;
    EXPECT_EQ(*decoded, records);
    EXPECT_EQ(records_to_json_body({}), R"({"records":[]})");
    EXPECT_EQ(records_from_json_body(R"({"records":[]})").value(), std::vector<Record>{});
}

TEST(RecordsBody, NamesTheIndexOfTheBadRecord) {
    auto records = every_record();
    json::value body = json::parse(records_to_json_body(records));
    body.at("records").as_array()[3].as_object()["type"] = "play";  // a health record posing as a play
    expect_error(records_from_json_body(json::serialize(body)),
                 "records[3].campaign: missing required field");

    body = json::parse(records_to_json_body(records));
    body.at("records").as_array()[1].as_object()["start"] = "2026-12-01 06:00";
    expect_error(
        records_from_json_body(json::serialize(body)),
        "records[1].start: expected RFC 3339 time like 2026-12-01T06:00:00.000Z, got \"2026-12-01 06:00\"");

    body = json::parse(records_to_json_body(records));
    body.at("records").as_array()[2] = "play";
    expect_error(records_from_json_body(json::serialize(body)),
                 "records[2]: expected a JSON object, got the string \"play\"");
}

TEST(RecordsBody, RefusesABadEnvelope) {
    expect_error(records_from_json_body(""), "reports body is empty");
    expect_error(records_from_json_body(R"({"records":[)"), "reports body is not valid JSON");
    expect_error(records_from_json_body("[]"), R"(reports body: expected {"records":[…]}, got an array)");
    expect_error(records_from_json_body("{}"), "records: missing required field");
    expect_error(records_from_json_body(R"({"records":{}})"), "records: expected an array, got an object");
}

// ---- times ------------------------------------------------------------------------------------

TEST(Rfc3339, FormatsUtcWithMilliseconds) {
    EXPECT_EQ(format_rfc3339(december_first), "2026-12-01T06:00:00.000Z");
    EXPECT_EQ(format_rfc3339(december_first + 7ms), "2026-12-01T06:00:00.007Z");
    EXPECT_EQ(format_rfc3339(config::WallTime{}), "1970-01-01T00:00:00.000Z");
}

TEST(Rfc3339, ReadsEveryRfc3339Spelling) {
    EXPECT_EQ(parse_rfc3339("2026-12-01T06:00:00.000Z").value(), december_first);
    EXPECT_EQ(parse_rfc3339("2026-12-01T06:00:00Z").value(), december_first);
    EXPECT_EQ(parse_rfc3339("2026-12-01t06:00:00z").value(), december_first);
    EXPECT_EQ(parse_rfc3339("2026-12-01T15:00:00+09:00").value(), december_first);
    EXPECT_EQ(parse_rfc3339("2026-11-30T20:30:00-09:30").value(), december_first);
    EXPECT_EQ(parse_rfc3339("2026-12-01T06:00:00.5Z").value(), december_first + 500ms);
    EXPECT_EQ(parse_rfc3339("2026-12-01T06:00:00.123000000Z").value(), december_first + 123ms);
    EXPECT_EQ(parse_rfc3339("2028-02-29T00:00:00Z").value().time_since_epoch(),
              milliseconds{1'835'395'200'000});
    EXPECT_EQ(parse_rfc3339("9999-12-31T23:59:59.999Z").value().time_since_epoch(),
              milliseconds{253'402'300'799'999});
}

TEST(Rfc3339, RefusesEverythingElse) {
    for (const char* text : {"",
                             "yesterday",
                             "2026-12-01",
                             "2026-12-01T06:00:00",
                             "2026-12-01 06:00:00Z",
                             "2026-12-01T06:00Z",
                             "2026-12-1T06:00:00Z",
                             "2026-13-01T06:00:00Z",
                             "2027-02-29T06:00:00Z",
                             "2026-12-01T24:00:00Z",
                             "2026-12-01T06:60:00Z",
                             "2026-12-01T06:00:60Z",
                             "2026-12-01T06:00:00.Z",
                             "2026-12-01T06:00:00.1234Z",
                             "2026-12-01T06:00:00.0000000001Z",
                             "2026-12-01T06:00:00+0900",
                             "2026-12-01T06:00:00+24:00",
                             "2026-12-01T06:00:00Z ",
                             "1969-12-31T23:59:59.999Z",
                             "+2026-12-01T06:00:00Z"}) {
        const auto parsed = parse_rfc3339(text);
        ASSERT_FALSE(parsed) << text << " read as " << format_rfc3339(*parsed);
        EXPECT_EQ(parsed.error().code, Errc::invalid_input);
        EXPECT_TRUE(
            parsed.error().message.starts_with("expected RFC 3339 time like 2026-12-01T06:00:00.000Z, got"))
            << parsed.error().message;
    }
    EXPECT_NE(parse_rfc3339("2027-02-29T06:00:00Z").error().message.find("has no such day"),
              std::string::npos);
    EXPECT_NE(parse_rfc3339("2026-12-01T06:00:00.1234Z").error().message.find("finer than a millisecond"),
              std::string::npos);
    EXPECT_NE(parse_rfc3339("1969-12-31T23:59:59.999Z").error().message.find("outside 1970 to 9999"),
              std::string::npos);
}

}  // namespace
}  // namespace dwell::content
