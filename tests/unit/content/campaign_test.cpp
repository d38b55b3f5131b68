#include "content/campaign.hpp"

#include <filesystem>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <boost/json/serialize.hpp>

#include "content/campaign_codec.hpp"

#include "tests/support/text.hpp"

namespace dwell::content {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::Not;

// Line numbers matter: the tests below name them in expected messages.
constexpr std::string_view valid_yaml = R"(id: sticker-fest
name: 마이피플 스티커 페스티벌
window:
  start: 2026-12-01T06:00:00+09:00
  end: 2026-12-31T23:59:59+09:00
dayparts:
  - { days: [mon, tue, wed, thu, fri], from: "07:00", to: "10:00" }
targets:
  lines: ["1", "2"]
  stations: [seoul, city-hall]
priority: normal
share: 2
items:
  - { asset: spring.mp4, duration: auto }
  - { asset: poster.png, duration: 8s }
join:
  channels: [line-main, telegram-main]
  prompt: "{account}에 {code} 보내고 참여하세요"
  code: { digits: 6, period: 60s }
)";

using test::replace_line;

// The error message of a document that must fail to decode.
std::string decode_error(std::string_view yaml, const CampaignContext& context = {}) {
    const auto result = campaign_from_yaml(yaml, "campaign.yaml", context);
    EXPECT_FALSE(result) << "decoded a campaign that should have been rejected:\n" << yaml;
    if (result) return {};
    EXPECT_EQ(result.error().code, Errc::invalid_input);
    return result.error().message;
}

Instant instant(std::string_view text) {
    return parse_instant(text).value();
}

// Every field set to something other than its default.
Campaign full_campaign() {
    Campaign campaign;
    campaign.id = "sticker-fest";
    campaign.name = "마이피플 스티커 페스티벌";
    campaign.window = {instant("2026-12-01T06:00:00+09:00"), instant("2027-01-01T00:00:00-03:30")};
    campaign.dayparts = {Daypart{0b0111110, 7h, 10h}, Daypart{0b1100000, 22h, 26h}, Daypart{0x7f, 0min, 24h}};
    campaign.targets = {true, {"1", "2"}, {"seoul", "city-hall"}, {"s1-seoul-03"}, {"concourse"}};
    campaign.priority = Priority::high;
    campaign.share = 7;
    campaign.items = {
        Item{"spring.mp4", std::string(64, 'a'), MediaKind::video, std::nullopt},
        Item{"poster.png", "", MediaKind::image, 8s},
        Item{"clip.bin", "", MediaKind::video, 1500ms},
        Item{"still.mp4", "", MediaKind::image, 1min},
    };
    campaign.join = JoinOptions{{"line-main", "telegram-main"},
                                "{account}에 {code} 보내고 참여하세요",
                                "참여 완료! 스티커를 보내드릴게요.",
                                {8, 90s},
                                {OverlayPosition::top_left, false, true, false}};
    return campaign;
}

TEST(CampaignYaml, DecodesEveryField) {
    const auto result = campaign_from_yaml(valid_yaml, "campaign.yaml");
    ASSERT_TRUE(result) << result.error().message;
    const Campaign& campaign = *result;
    EXPECT_EQ(campaign.id, "sticker-fest");
    EXPECT_EQ(campaign.name, "마이피플 스티커 페스티벌");
    EXPECT_EQ(campaign.window.start.utc, std::chrono::sys_days{2026y / 11 / 30} + 21h);
    EXPECT_EQ(campaign.window.start.offset, 9h);
    EXPECT_EQ(campaign.window.end.utc, std::chrono::sys_days{2026y / 12 / 31} + 14h + 59min + 59s);
    ASSERT_EQ(campaign.dayparts.size(), 1U);
    EXPECT_EQ(campaign.dayparts[0], (Daypart{0b0111110, 7h, 10h}));
    EXPECT_EQ(campaign.targets, (Targets{false, {"1", "2"}, {"seoul", "city-hall"}, {}, {}}));
    EXPECT_EQ(campaign.priority, Priority::normal);
    EXPECT_EQ(campaign.share, 2U);
    ASSERT_EQ(campaign.items.size(), 2U);
    EXPECT_EQ(campaign.items[0], (Item{"spring.mp4", "", MediaKind::video, std::nullopt}));
    EXPECT_EQ(campaign.items[1], (Item{"poster.png", "", MediaKind::image, 8s}));
    ASSERT_TRUE(campaign.join);
    EXPECT_EQ(campaign.join->channels, (std::vector<std::string>{"line-main", "telegram-main"}));
    EXPECT_EQ(campaign.join->prompt, "{account}에 {code} 보내고 참여하세요");
    EXPECT_EQ(campaign.join->reply, "");
    EXPECT_EQ(campaign.join->code, (JoinCodeOptions{6, 60s}));
    EXPECT_EQ(campaign.join->overlay, Overlay{});
}

TEST(CampaignYaml, DefaultsApplyToLeftOutFields) {
    const auto result = campaign_from_yaml(R"(id: plain
name: Plain
window: { start: 2026-01-01T00:00:00Z, end: 2026-02-01T00:00:00Z }
targets: { all: true }
items: [{ asset: a.webm }]
)",
                                           "plain.yaml");
    ASSERT_TRUE(result) << result.error().message;
    EXPECT_TRUE(result->dayparts.empty());
    EXPECT_EQ(result->priority, Priority::normal);
    EXPECT_EQ(result->share, 1U);
    EXPECT_EQ(result->items[0].duration, std::nullopt);
    EXPECT_EQ(result->items[0].kind, MediaKind::video);
    EXPECT_FALSE(result->join);
}

TEST(CampaignYaml, BadIdNamesPathAndPosition) {
    const std::string message = decode_error(replace_line(valid_yaml, 1, "id: Sticker_Fest"));
    EXPECT_THAT(message, HasSubstr("campaign.yaml:1:5: id: \"Sticker_Fest\" is not a valid id"));
    EXPECT_THAT(decode_error(replace_line(valid_yaml, 1, "id: -fest")), HasSubstr("campaign.yaml:1:5: id:"));
    EXPECT_THAT(decode_error(replace_line(valid_yaml, 1, "id: " + std::string(65, 'a'))),
                HasSubstr("campaign.yaml:1:5: id:"));
    EXPECT_TRUE(campaign_from_yaml(replace_line(valid_yaml, 1, "id: " + std::string(64, 'a')), "c.yaml"));
}

TEST(CampaignYaml, EndBeforeStartIsReportedAtWindowEnd) {
    const std::string message = decode_error(replace_line(valid_yaml, 5, "  end: 2026-11-30T00:00:00+09:00"));
    EXPECT_THAT(message,
                HasSubstr("campaign.yaml:5:8: window.end: 2026-11-30T00:00:00+09:00 is not after the "
                          "start 2026-12-01T06:00:00+09:00"));
    // The window is [start, end): an empty window is as useless as a reversed one.
    EXPECT_THAT(decode_error(replace_line(valid_yaml, 5, "  end: 2026-11-30T21:00:00Z")),
                HasSubstr("campaign.yaml:5:8: window.end:"));
    EXPECT_TRUE(campaign_from_yaml(replace_line(valid_yaml, 5, "  end: 2026-11-30T21:00:01Z"), "c.yaml"));
}

TEST(CampaignYaml, UnknownPriorityListsTheAllowedValues) {
    const std::string message = decode_error(replace_line(valid_yaml, 11, "priority: urgent"));
    EXPECT_THAT(message,
                HasSubstr("campaign.yaml:11:11: priority: \"urgent\" is not a priority; expected one of: "
                          "low, normal, high, takeover"));
}

TEST(CampaignYaml, ImageWithoutDurationIsRejected) {
    const std::string missing = decode_error(replace_line(valid_yaml, 15, "  - { asset: poster.png }"));
    EXPECT_THAT(missing, HasSubstr("campaign.yaml:15:5: items[1].duration: an image needs a duration"));
    const std::string automatic =
        decode_error(replace_line(valid_yaml, 15, "  - { asset: poster.png, duration: auto }"));
    EXPECT_THAT(automatic, HasSubstr("campaign.yaml:15:36: items[1].duration: an image needs a duration"));
    const std::string typed =
        decode_error(replace_line(valid_yaml, 14, "  - { asset: spring.mp4, duration: auto, type: image }"));
    EXPECT_THAT(typed, HasSubstr("campaign.yaml:14:36: items[0].duration: an image needs a duration"));
}

TEST(CampaignYaml, ZeroDurationIsRejected) {
    const std::string message =
        decode_error(replace_line(valid_yaml, 15, "  - { asset: poster.png, duration: 0s }"));
    EXPECT_THAT(message, HasSubstr("campaign.yaml:15:36: items[1].duration: \"0s\" is not longer than 0s"));
    EXPECT_THAT(decode_error(replace_line(valid_yaml, 15, "  - { asset: poster.png, duration: eight }")),
                HasSubstr("campaign.yaml:15:36: items[1].duration: \"eight\" is not a duration"));
}

TEST(CampaignYaml, EmptyItemsIsRejected) {
    std::string yaml = replace_line(valid_yaml, 13, "items: []");
    yaml = replace_line(yaml, 14, "# nothing yet");
    yaml = replace_line(yaml, 15, "#");
    const std::string message = decode_error(yaml);
    EXPECT_THAT(message, HasSubstr("1 problem in campaign.yaml"));
    EXPECT_THAT(message, HasSubstr("campaign.yaml:13:8: items: needs at least one item"));
}

TEST(CampaignYaml, UnknownChannelNamesTheHubsChannels) {
    CampaignContext context;
    context.channels.emplace();
    context.channels->insert("line-main");
    context.channels->insert("kakao-main");
    const std::string message = decode_error(valid_yaml, context);
    EXPECT_THAT(message,
                HasSubstr("campaign.yaml:17:25: join.channels[1]: unknown channel \"telegram-main\"; the "
                          "hub has: kakao-main, line-main"));
    EXPECT_THAT(message, Not(HasSubstr("join.channels[0]")));
    context.channels->insert("telegram-main");
    EXPECT_TRUE(campaign_from_yaml(valid_yaml, "campaign.yaml", context));
}

TEST(CampaignYaml, DaypartFromAfterToExplainsMidnight) {
    const std::string message =
        decode_error(replace_line(valid_yaml, 7, R"(  - { days: [fri, sat], from: "22:00", to: "02:00" })"));
    EXPECT_THAT(message, HasSubstr("campaign.yaml:7:44: dayparts[0].to: \"02:00\" is before from \"22:00\""));
    EXPECT_THAT(message, HasSubstr("to: \"26:00\" for 22:00 to 02:00"));
    const std::string equal =
        decode_error(replace_line(valid_yaml, 7, R"(  - { from: "07:00", to: "07:00" })"));
    EXPECT_THAT(equal, HasSubstr("campaign.yaml:7:26: dayparts[0].to: \"07:00\" is the same as from"));

    const auto across = campaign_from_yaml(
        replace_line(valid_yaml, 7, R"(  - { days: [fri, sat], from: "22:00", to: "26:00" })"), "c.yaml");
    ASSERT_TRUE(across) << across.error().message;
    EXPECT_EQ(across->dayparts[0], (Daypart{0b1100000, 22h, 26h}));
}

TEST(CampaignYaml, DaypartBoundsAndDays) {
    EXPECT_THAT(
        decode_error(replace_line(valid_yaml, 7, R"(  - { from: "24:00", to: "26:00" })")),
        HasSubstr("campaign.yaml:7:13: dayparts[0].from: \"24:00\" is not a time from 00:00 to 23:59"));
    EXPECT_THAT(decode_error(replace_line(valid_yaml, 7, R"(  - { from: "23:00", to: "48:01" })")),
                HasSubstr("campaign.yaml:7:26: dayparts[0].to: \"48:01\" is not a time from 00:01 to 48:00"));
    EXPECT_THAT(decode_error(replace_line(valid_yaml, 7, R"(  - { from: "7am", to: "10:00" })")),
                HasSubstr("campaign.yaml:7:13: dayparts[0].from: \"7am\" is not a time of day"));
    EXPECT_THAT(decode_error(replace_line(valid_yaml, 7, R"(  - { from: "07:60", to: "10:00" })")),
                HasSubstr("dayparts[0].from: \"07:60\" has minutes past 59"));
    EXPECT_THAT(decode_error(replace_line(valid_yaml, 7, R"(  - { days: [], from: "07:00", to: "10:00" })")),
                HasSubstr("campaign.yaml:7:13: dayparts[0].days: is empty"));
    const std::string duplicate = decode_error(
        replace_line(valid_yaml, 7, R"(  - { days: [mon, tue, mon], from: "07:00", to: "10:00" })"));
    EXPECT_THAT(duplicate, HasSubstr("campaign.yaml:7:24: dayparts[0].days[2]: \"mon\" is listed twice"));
    const std::string unknown = decode_error(
        replace_line(valid_yaml, 7, R"(  - { days: [mon, Tuesday], from: "07:00", to: "10:00" })"));
    EXPECT_THAT(unknown, HasSubstr("campaign.yaml:7:19: dayparts[0].days[1]: \"Tuesday\" is not a day"));
    // Only the unreadable day is reported, not a second complaint about the list it left short.
    EXPECT_THAT(unknown, HasSubstr("1 problem in"));
    EXPECT_TRUE(
        campaign_from_yaml(replace_line(valid_yaml, 7, R"(  - { from: "00:00", to: "48:00" })"), "c"));
}

TEST(CampaignYaml, SeveralProblemsAreReportedTogetherInDocumentOrder) {
    std::string yaml = replace_line(valid_yaml, 1, "id: Bad Id");
    yaml = replace_line(yaml, 5, "  end: 2026-11-01T00:00:00+09:00");
    yaml = replace_line(yaml, 11, "priorty: high");
    yaml = replace_line(yaml, 12, "share: 0");
    yaml = replace_line(yaml, 15, "  - { asset: poster.png }");
    yaml = replace_line(yaml, 19, "  code: { digits: 12, period: 60s }");
    const std::string message = decode_error(yaml);
    EXPECT_THAT(message, HasSubstr("6 problems in campaign.yaml"));
    const std::vector<std::string> expected = {
        "campaign.yaml:1:5: id:",
        "campaign.yaml:5:8: window.end:",
        "campaign.yaml:11:1: priorty: unknown key",
        "campaign.yaml:12:8: share: 0 is out of range; share is 1 to 1000",
        "campaign.yaml:15:5: items[1].duration:",
        "campaign.yaml:19:19: join.code.digits:",
    };
    std::size_t previous = 0;
    for (const auto& line : expected) {
        const std::size_t at = message.find(line);
        ASSERT_NE(at, std::string::npos) << line << "\nin:\n" << message;
        EXPECT_GT(at, previous) << line << " is out of document order in:\n" << message;
        previous = at;
    }
}

TEST(CampaignYaml, UnknownKeyIsReportedWithItsPosition) {
    const std::string message = decode_error(replace_line(valid_yaml, 11, "priorty: high"));
    EXPECT_THAT(message, HasSubstr("1 problem in"));
    EXPECT_THAT(message, HasSubstr("campaign.yaml:11:1: priorty: unknown key; expected one of:"));
    EXPECT_THAT(message, HasSubstr("priority"));
    const std::string nested =
        decode_error(replace_line(valid_yaml, 19, "  code: { digits: 6, perod: 60s }"));
    EXPECT_THAT(nested,
                HasSubstr("campaign.yaml:19:22: join.code.perod: unknown key; expected one of: digits, "
                          "period"));
}

TEST(CampaignYaml, WrongTypesAreReported) {
    EXPECT_THAT(decode_error(replace_line(valid_yaml, 2, "name: [a, b]")),
                HasSubstr("campaign.yaml:2:7: name: expected a single value, got a list"));
    EXPECT_THAT(decode_error(replace_line(valid_yaml, 12, "share: { value: 2 }")),
                HasSubstr("campaign.yaml:12:8: share: expected a single value, got a mapping"));
    EXPECT_THAT(decode_error(replace_line(valid_yaml, 12, "share: two")),
                HasSubstr("campaign.yaml:12:8: share: \"two\" is not a whole number"));
    EXPECT_THAT(decode_error(replace_line(valid_yaml, 10, "  stations: seoul")),
                HasSubstr("campaign.yaml:10:13: targets.stations: expected a list"));
    std::string scalar_window = replace_line(valid_yaml, 3, "window: 2026-12");
    scalar_window = replace_line(scalar_window, 4, "#");
    scalar_window = replace_line(scalar_window, 5, "#");
    const std::string window_message = decode_error(scalar_window);
    EXPECT_THAT(
        window_message,
        HasSubstr("campaign.yaml:3:9: window: expected a mapping of keys to values, got a single value"));
    EXPECT_THAT(window_message, HasSubstr("1 problem in"));
    EXPECT_THAT(decode_error("[1, 2]"), HasSubstr("expected a mapping of keys to values, got a list"));
}

TEST(CampaignYaml, BadDatesAreRejected) {
    const auto start_error = [](std::string_view value) {
        return decode_error(replace_line(valid_yaml, 4, "  start: " + std::string{value}));
    };
    EXPECT_THAT(
        start_error("2026-02-30T06:00:00+09:00"),
        HasSubstr("campaign.yaml:4:10: window.start: \"2026-02-30T06:00:00+09:00\" is not a valid date"));
    EXPECT_THAT(start_error("2026-12-01T06:00:00"),
                HasSubstr("campaign.yaml:4:10: window.start: \"2026-12-01T06:00:00\" has no UTC offset"));
    EXPECT_THAT(start_error("next tuesday"),
                HasSubstr("campaign.yaml:4:10: window.start: \"next tuesday\" is not a date and time"));
    EXPECT_THAT(start_error("2026-12-01"), HasSubstr("has no time of day"));
    EXPECT_THAT(start_error("2026-12-01T25:00:00Z"), HasSubstr("is not a valid time of day"));
    EXPECT_THAT(start_error("2026-12-01T06:00:00+24:00"), HasSubstr("impossible UTC offset"));
    EXPECT_THAT(start_error("2026-12-01T06:00:00+09:00 extra"), HasSubstr("is not a date and time"));
    // A broken start is one problem, not also an "end before start".
    EXPECT_THAT(start_error("2026-02-30T06:00:00+09:00"), HasSubstr("1 problem in"));
}

TEST(CampaignYaml, JoinCodeDigitsAndPeriod) {
    EXPECT_THAT(
        decode_error(replace_line(valid_yaml, 19, "  code: { digits: 12 }")),
        HasSubstr(
            "campaign.yaml:19:19: join.code.digits: 12 is out of range; a join code has 4 to 9 digits"));
    EXPECT_THAT(decode_error(replace_line(valid_yaml, 19, "  code: { digits: 3 }")),
                HasSubstr("join.code.digits: 3 is out of range"));
    EXPECT_THAT(decode_error(replace_line(valid_yaml, 19, "  code: { period: 5s }")),
                HasSubstr("campaign.yaml:19:19: join.code.period: \"5s\" is too short"));
    EXPECT_THAT(decode_error(replace_line(valid_yaml, 19, "  code: { period: 10500ms }")),
                HasSubstr("join.code.period: \"10s500ms\" is not a whole number of seconds"));
    const auto bounds =
        campaign_from_yaml(replace_line(valid_yaml, 19, "  code: { digits: 9, period: 10s }"), "c");
    ASSERT_TRUE(bounds) << bounds.error().message;
    EXPECT_EQ(bounds->join->code, (JoinCodeOptions{9, 10s}));
}

TEST(CampaignYaml, JoinPromptAndChannels) {
    EXPECT_THAT(decode_error(replace_line(valid_yaml, 18, "  prompt: \"Send the code to {account}\"")),
                HasSubstr("campaign.yaml:18:11: join.prompt: must contain {code}"));
    EXPECT_THAT(decode_error(replace_line(valid_yaml, 18, "  prompt: \"{acount}에 {code} 보내세요\"")),
                HasSubstr("join.prompt: has the unknown placeholder {acount}"));
    EXPECT_THAT(decode_error(replace_line(valid_yaml, 18, "  prompt: \"\"")),
                HasSubstr("campaign.yaml:18:11: join.prompt: must not be empty"));
    EXPECT_THAT(decode_error(replace_line(valid_yaml, 17, "  channels: []")),
                HasSubstr("campaign.yaml:17:13: join.channels: needs at least one channel"));
    EXPECT_THAT(decode_error(replace_line(valid_yaml, 17, "  channels: [line-main, Line_Main, line-main]")),
                ::testing::AllOf(HasSubstr("join.channels[1]: \"Line_Main\" is not a channel id"),
                                 HasSubstr("join.channels[2]: \"line-main\" is listed twice")));
    EXPECT_THAT(decode_error(replace_line(valid_yaml, 18, "  reply: hello")),
                HasSubstr("campaign.yaml:17:3: join.prompt: missing required key"));
}

TEST(CampaignYaml, AssetNamesAndMediaTypes) {
    EXPECT_THAT(
        decode_error(replace_line(valid_yaml, 15, "  - { asset: ../secret.png, duration: 8s }")),
        HasSubstr(
            "campaign.yaml:15:14: items[1].asset: \"../secret.png\" is a path; give the file name only, "
            "e.g. secret.png"));
    EXPECT_THAT(decode_error(replace_line(valid_yaml, 15, "  - { asset: /etc/passwd.png, duration: 8s }")),
                HasSubstr("items[1].asset: \"/etc/passwd.png\" is a path"));
    EXPECT_THAT(decode_error(replace_line(valid_yaml, 15, "  - { asset: .., duration: 8s, type: image }")),
                HasSubstr("items[1].asset: \"..\" is not a file name"));
    EXPECT_THAT(decode_error(replace_line(valid_yaml, 15, "  - { asset: \"\", duration: 8s, type: image }")),
                HasSubstr("items[1].asset: must not be empty"));
    EXPECT_THAT(
        decode_error(replace_line(valid_yaml, 15, "  - { asset: clip.avi, duration: 8s }")),
        HasSubstr("campaign.yaml:15:14: items[1].asset: cannot tell from \"clip.avi\" whether it is an image "
                  "or a video; add type: image or type: video"));
    EXPECT_THAT(decode_error(replace_line(valid_yaml, 15, "  - { asset: clip.avi, type: movie }")),
                HasSubstr("campaign.yaml:15:30: items[1].type: \"movie\" is not a media type"));
    EXPECT_THAT(
        decode_error(replace_line(valid_yaml, 15, "  - { asset: poster.png, duration: 8s, sha256: ABC }")),
        HasSubstr("items[1].sha256: \"ABC\" is not a SHA-256 digest"));

    const auto typed =
        campaign_from_yaml(replace_line(valid_yaml, 15, "  - { asset: Clip.AVI, type: video }"), "c");
    ASSERT_TRUE(typed) << typed.error().message;
    EXPECT_EQ(typed->items[1].kind, MediaKind::video);
    const auto upper =
        campaign_from_yaml(replace_line(valid_yaml, 15, "  - { asset: POSTER.JPEG, duration: 5s }"), "c");
    ASSERT_TRUE(upper) << upper.error().message;
    EXPECT_EQ(upper->items[1].kind, MediaKind::image);
}

TEST(CampaignYaml, TargetsMustSelectSomething) {
    std::string yaml = replace_line(valid_yaml, 8, "targets: { all: false }");
    yaml = replace_line(yaml, 9, "#");
    yaml = replace_line(yaml, 10, "#");
    EXPECT_THAT(decode_error(yaml),
                HasSubstr("campaign.yaml:8:10: targets: selects no screen; give lines, stations, "
                          "screens, tags or all: true"));
    EXPECT_THAT(decode_error(replace_line(valid_yaml, 10, "  stations: [seoul, \"\"]")),
                HasSubstr("campaign.yaml:10:21: targets.stations[1]: must not be empty"));
}

TEST(CampaignYaml, EmptyDocumentListsEveryMissingKey) {
    const std::string message = decode_error("");
    EXPECT_THAT(message, HasSubstr("5 problems in campaign.yaml"));
    EXPECT_THAT(message, HasSubstr("id: missing required key"));
    EXPECT_THAT(message, HasSubstr("name: missing required key"));
    EXPECT_THAT(message, HasSubstr("window: missing required key"));
    EXPECT_THAT(message, HasSubstr("items: missing required key"));
    EXPECT_THAT(message, HasSubstr("targets: selects no screen"));
}

TEST(CampaignYaml, SyntaxErrorNamesThePosition) {
    const auto result = campaign_from_yaml("id: x\nname: [unclosed\n", "campaign.yaml");
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().code, Errc::invalid_input);
    EXPECT_THAT(result.error().message, HasSubstr("campaign.yaml:"));
}

TEST(CampaignYaml, RoundTripKeepsEveryField) {
    const Campaign original = full_campaign();
    ASSERT_TRUE(validate_campaign(original));
    const std::string yaml = campaign_to_yaml(original);
    EXPECT_THAT(yaml, HasSubstr("2026-12-01T06:00:00+09:00"));
    EXPECT_THAT(yaml, HasSubstr("2027-01-01T00:00:00-03:30"));
    EXPECT_THAT(yaml, HasSubstr("마이피플 스티커 페스티벌"));
    const auto decoded = campaign_from_yaml(yaml, "written.yaml");
    ASSERT_TRUE(decoded) << decoded.error().message << "\n" << yaml;
    EXPECT_EQ(*decoded, original) << yaml;
    EXPECT_EQ(campaign_to_yaml(*decoded), yaml);

    const auto from_text = campaign_from_yaml(valid_yaml, "campaign.yaml");
    ASSERT_TRUE(from_text);
    const auto again = campaign_from_yaml(campaign_to_yaml(*from_text), "written.yaml");
    ASSERT_TRUE(again) << again.error().message;
    EXPECT_EQ(*again, *from_text);
}

TEST(CampaignYaml, WritesTextThatLooksLikeANumberQuoted) {
    Campaign campaign = full_campaign();
    campaign.name = "yes";
    campaign.targets.lines = {"1", "2", "3a", "-4", ".5"};
    const std::string yaml = campaign_to_yaml(campaign);
    EXPECT_THAT(yaml, HasSubstr("name: \"yes\""));
    EXPECT_THAT(yaml, HasSubstr("lines: [\"1\", \"2\", \"3a\", \"-4\", \".5\"]"));
    EXPECT_THAT(yaml, HasSubstr("stations: [seoul, city-hall]"));
    EXPECT_THAT(yaml, HasSubstr("from: \"07:00\""));
    const auto decoded = campaign_from_yaml(yaml, "written.yaml");
    ASSERT_TRUE(decoded) << decoded.error().message;
    EXPECT_EQ(*decoded, campaign);
}

TEST(CampaignJson, RoundTripKeepsEveryField) {
    const Campaign original = full_campaign();
    const boost::json::value json = campaign_to_json(original);
    EXPECT_EQ(json.at("window").at("end").as_string(), "2027-01-01T00:00:00-03:30");
    EXPECT_EQ(json.at("items").at(0).at("duration").as_string(), "auto");
    EXPECT_EQ(json.at("items").at(1).at("duration").as_string(), "8s");
    EXPECT_EQ(json.at("items").at(1).at("type").as_string(), "image");
    EXPECT_EQ(json.at("join").at("code").at("period").as_string(), "1m30s");
    EXPECT_EQ(json.at("share").to_number<unsigned>(), 7U);
    const auto decoded = campaign_from_json(json, "api");
    ASSERT_TRUE(decoded) << decoded.error().message;
    EXPECT_EQ(*decoded, original);
    const auto from_text = campaign_from_json_text(boost::json::serialize(json), "api");
    ASSERT_TRUE(from_text) << from_text.error().message;
    EXPECT_EQ(*from_text, original);
}

TEST(CampaignJson, MalformedTextIsAClearError) {
    const auto result = campaign_from_json_text("{\"id\": \"x\",\n \"name\": }", "campaign.json");
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().code, Errc::invalid_input);
    EXPECT_THAT(result.error().message, HasSubstr("campaign.json:2:10: not valid JSON"));
    const auto truncated = campaign_from_json_text("{\"id\": \"x\"", "campaign.json");
    ASSERT_FALSE(truncated);
    EXPECT_THAT(truncated.error().message, HasSubstr("campaign.json:1:11: not valid JSON"));
    const auto trailing = campaign_from_json_text("{} {}", "campaign.json");
    ASSERT_FALSE(trailing);
    EXPECT_THAT(trailing.error().message, HasSubstr("not valid JSON"));
    const auto array = campaign_from_json_text("[]", "campaign.json");
    ASSERT_FALSE(array);
    EXPECT_THAT(array.error().message,
                HasSubstr("campaign.json: expected a mapping of keys to values, got a list"));
}

TEST(CampaignJson, BadFieldsNameTheirPath) {
    boost::json::value json = campaign_to_json(full_campaign());
    json.at("items").at(1).as_object().erase("duration");
    json.at("join").at("code").as_object()["digits"] = 20;
    json.as_object()["share"] = 1.5;
    json.as_object()["colour"] = "red";
    const auto result = campaign_from_json(json, "campaign.json");
    ASSERT_FALSE(result);
    const std::string& message = result.error().message;
    EXPECT_THAT(message, HasSubstr("4 problems in campaign.json"));
    EXPECT_THAT(message, HasSubstr("campaign.json: items[1].duration: an image needs a duration"));
    EXPECT_THAT(message, HasSubstr("campaign.json: join.code.digits: 20 is out of range"));
    EXPECT_THAT(message, HasSubstr("campaign.json: share: \"1.5\" is not a whole number"));
    EXPECT_THAT(message, HasSubstr("campaign.json: colour: unknown key"));

    boost::json::value nulls = campaign_to_json(full_campaign());
    nulls.as_object()["join"] = nullptr;
    nulls.as_object()["name"] = nullptr;
    const auto missing = campaign_from_json(nulls, "campaign.json");
    ASSERT_FALSE(missing);
    EXPECT_THAT(missing.error().message, HasSubstr("1 problem in"));
    EXPECT_THAT(missing.error().message, HasSubstr("campaign.json: name: missing required key"));
}

TEST(CampaignValidation, ReportsProblemsOfACampaignBuiltInCode) {
    Campaign campaign = full_campaign();
    ASSERT_TRUE(validate_campaign(campaign));
    campaign.id = "";
    campaign.share = 0;
    campaign.dayparts[0].days = 0;
    campaign.items[1].duration.reset();
    campaign.join->channels.push_back("whatsapp-main");
    CampaignContext context;
    context.channels = {{"line-main", "telegram-main"}};
    const auto result = validate_campaign(campaign, context);
    ASSERT_FALSE(result);
    const std::string& message = result.error().message;
    EXPECT_THAT(message, HasSubstr("5 problems in campaign"));
    EXPECT_THAT(message, HasSubstr("campaign: id: \"\" is not a valid id"));
    EXPECT_THAT(message, HasSubstr("campaign: dayparts[0].days: is empty"));
    EXPECT_THAT(message, HasSubstr("campaign: share: 0 is out of range"));
    EXPECT_THAT(message, HasSubstr("campaign: items[1].duration: an image needs a duration"));
    EXPECT_THAT(message, HasSubstr("campaign: join.channels[2]: unknown channel \"whatsapp-main\""));
}

TEST(CampaignInstant, ParsesAndWritesBackTheAuthorsOffset) {
    const Instant seoul = instant("2026-12-01T06:00:00+09:00");
    EXPECT_EQ(seoul.utc, std::chrono::sys_days{2026y / 11 / 30} + 21h);
    EXPECT_EQ(seoul.offset, 9h);
    EXPECT_EQ(format_instant(seoul), "2026-12-01T06:00:00+09:00");
    const Instant utc = instant("2026-11-30T21:00:00Z");
    EXPECT_EQ(utc.utc, seoul.utc);
    EXPECT_NE(utc, seoul);
    EXPECT_EQ(format_instant(utc), "2026-11-30T21:00:00Z");
    EXPECT_EQ(instant("2026-11-30t21:00:00z"), utc);
    EXPECT_EQ(instant("2026-11-30T21:00:00.000Z"), utc);
    EXPECT_EQ(format_instant(instant("2024-02-29T23:30:00-03:30")), "2024-02-29T23:30:00-03:30");
    EXPECT_EQ(instant("2024-02-29T23:30:00-03:30").utc, std::chrono::sys_days{2024y / 3 / 1} + 3h);
    EXPECT_FALSE(parse_instant("2023-02-29T00:00:00Z"));
    EXPECT_FALSE(parse_instant("2026-12-01T06:00:00.5Z"));
    EXPECT_FALSE(parse_instant("2026-12-01T06:00Z"));
    EXPECT_FALSE(parse_instant("2026-13-01T06:00:00Z"));
    EXPECT_FALSE(parse_instant(""));
}

TEST(CampaignTimeOfDay, ParsesAndFormats) {
    EXPECT_EQ(parse_time_of_day("07:00").value(), 7h);
    EXPECT_EQ(parse_time_of_day("7:05").value(), 7h + 5min);
    EXPECT_EQ(parse_time_of_day("26:30").value(), 26h + 30min);
    EXPECT_FALSE(parse_time_of_day("0700"));
    EXPECT_FALSE(parse_time_of_day("07:0"));
    EXPECT_FALSE(parse_time_of_day("-1:00"));
    EXPECT_FALSE(parse_time_of_day("107:00"));
    EXPECT_EQ(format_time_of_day(26h), "26:00");
    EXPECT_EQ(format_time_of_day(7h + 5min), "07:05");
}

TEST(CampaignExample, ShippedStickerFestDecodes) {
    const auto file = std::filesystem::path(__FILE__).parent_path() /
                      "../../../deploy/examples/campaigns/sticker-fest.yaml";
    CampaignContext context;
    context.channels = {{"line-demo", "telegram-demo"}};
    const auto result = campaign_from_yaml_file(file, context);
    ASSERT_TRUE(result) << result.error().message;
    EXPECT_EQ(result->id, "sticker-fest");
    ASSERT_TRUE(result->join);
    EXPECT_EQ(result->join->channels, (std::vector<std::string>{"line-demo", "telegram-demo"}));
    EXPECT_EQ(result->items.size(), 2U);
    // The hub with other channels rejects it, naming the one it lacks.
    context.channels = {{"line-demo"}};
    const auto unknown = campaign_from_yaml_file(file, context);
    ASSERT_FALSE(unknown);
    EXPECT_THAT(unknown.error().message, HasSubstr("join.channels[1]: unknown channel \"telegram-demo\""));
}

}  // namespace
}  // namespace dwell::content
