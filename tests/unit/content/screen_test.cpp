#include "content/screen.hpp"

#include <algorithm>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <boost/json/serialize.hpp>

#include "tests/support/text.hpp"

namespace dwell::content {
namespace {

using ::testing::HasSubstr;

constexpr std::string_view valid_yaml = R"(id: s1-seoul-03
station: seoul
line: "1"
tags: [concourse, exit-2]
timezone: Asia/Seoul
size: 1080x1920
orientation: portrait
layout: portrait
)";

using test::replace_line;

std::string decode_error(std::string_view yaml) {
    const auto result = screen_from_yaml(yaml, "screen.yaml");
    EXPECT_FALSE(result) << "decoded a screen that should have been rejected:\n" << yaml;
    if (result) return {};
    EXPECT_EQ(result.error().code, Errc::invalid_input);
    return result.error().message;
}

TEST(ScreenYaml, DecodesEveryField) {
    const auto result = screen_from_yaml(valid_yaml, "screen.yaml");
    ASSERT_TRUE(result) << result.error().message;
    EXPECT_EQ(*result, (Screen{"s1-seoul-03",
                               "seoul",
                               "1",
                               {"concourse", "exit-2"},
                               "Asia/Seoul",
                               {1080, 1920},
                               Orientation::portrait,
                               "portrait"}));
}

TEST(ScreenYaml, DefaultsApplyToLeftOutFields) {
    const auto result = screen_from_yaml("id: s2\nstation: city-hall\ntimezone: UTC\n", "screen.yaml");
    ASSERT_TRUE(result) << result.error().message;
    EXPECT_EQ(result->size, (Size{1920, 1080}));
    EXPECT_EQ(result->orientation, Orientation::landscape);
    EXPECT_EQ(result->layout, "fullscreen");
    EXPECT_TRUE(result->line.empty());
    EXPECT_TRUE(result->tags.empty());
}

TEST(ScreenYaml, UnknownTimeZoneIsRejected) {
    EXPECT_THAT(decode_error(replace_line(valid_yaml, 5, "timezone: Asia/Seol")),
                HasSubstr("screen.yaml:5:11: timezone: unknown time zone \"Asia/Seol\""));
    EXPECT_THAT(decode_error(replace_line(valid_yaml, 5, "timezone: \"\"")),
                HasSubstr("screen.yaml:5:11: timezone: unknown time zone \"\""));
    // A missing zone would silently shift every daypart, so it is required.
    EXPECT_THAT(decode_error(replace_line(valid_yaml, 5, "#")), HasSubstr("timezone: missing required key"));
    EXPECT_TRUE(screen_from_yaml(replace_line(valid_yaml, 5, "timezone: America/New_York"), "s"));
}

TEST(ScreenYaml, BadSizeIsRejected) {
    EXPECT_THAT(decode_error(replace_line(valid_yaml, 6, "size: 1920*1080")),
                HasSubstr("screen.yaml:6:7: size: \"1920*1080\" is not a size; expected WIDTHxHEIGHT"));
    EXPECT_THAT(decode_error(replace_line(valid_yaml, 6, "size: 1920x")), HasSubstr("is not a size"));
    EXPECT_THAT(decode_error(replace_line(valid_yaml, 6, "size: -1x1080")), HasSubstr("is not a size"));
    EXPECT_THAT(decode_error(replace_line(valid_yaml, 6, "size: 0x1080")),
                HasSubstr("screen.yaml:6:7: size: 0x1080 is out of range; each side is 1 to 16384 pixels"));
    EXPECT_THAT(decode_error(replace_line(valid_yaml, 6, "size: 1920x99999")), HasSubstr("is out of range"));
}

TEST(ScreenYaml, UnknownLayoutListsTheBuiltIns) {
    EXPECT_THAT(decode_error(replace_line(valid_yaml, 8, "layout: split")),
                HasSubstr("screen.yaml:8:9: layout: unknown layout \"split\"; expected one of: fullscreen, "
                          "landscape-ticker, portrait"));
}

TEST(ScreenYaml, OtherFieldsAreChecked) {
    EXPECT_THAT(decode_error(replace_line(valid_yaml, 1, "id: S1 Seoul")),
                HasSubstr("screen.yaml:1:5: id: \"S1 Seoul\" is not a valid id"));
    EXPECT_THAT(decode_error(replace_line(valid_yaml, 2, "station: \"\"")),
                HasSubstr("screen.yaml:2:10: station: must not be empty"));
    EXPECT_THAT(decode_error(replace_line(valid_yaml, 7, "orientation: sideways")),
                HasSubstr("screen.yaml:7:14: orientation: \"sideways\" is not an orientation"));
    EXPECT_THAT(decode_error(replace_line(valid_yaml, 4, "tag: [concourse]")),
                HasSubstr("screen.yaml:4:1: tag: unknown key"));
}

TEST(ScreenYaml, EveryProblemIsReportedAtOnce) {
    std::string yaml = replace_line(valid_yaml, 5, "timezone: Asia/Seol");
    yaml = replace_line(yaml, 6, "size: big");
    yaml = replace_line(yaml, 8, "layout: split");
    const std::string message = decode_error(yaml);
    EXPECT_THAT(message, HasSubstr("3 problems in screen.yaml"));
    EXPECT_THAT(message, HasSubstr("screen.yaml:5:11: timezone:"));
    EXPECT_THAT(message, HasSubstr("screen.yaml:6:7: size:"));
    EXPECT_THAT(message, HasSubstr("screen.yaml:8:9: layout:"));
}

TEST(ScreenYaml, RoundTrip) {
    const auto original = screen_from_yaml(valid_yaml, "screen.yaml");
    ASSERT_TRUE(original);
    const std::string yaml = screen_to_yaml(*original);
    const auto decoded = screen_from_yaml(yaml, "written.yaml");
    ASSERT_TRUE(decoded) << decoded.error().message << "\n" << yaml;
    EXPECT_EQ(*decoded, *original);
}

TEST(ScreenJson, RoundTripAndErrors) {
    const Screen original{"s1-seoul-03",          "seoul",           "2",
                          {"concourse"},          "Asia/Seoul",      {1920, 1080},
                          Orientation::landscape, "landscape-ticker"};
    const boost::json::value json = screen_to_json(original);
    EXPECT_EQ(json.at("size").as_string(), "1920x1080");
    EXPECT_EQ(json.at("orientation").as_string(), "landscape");
    const auto decoded = screen_from_json_text(boost::json::serialize(json), "api");
    ASSERT_TRUE(decoded) << decoded.error().message;
    EXPECT_EQ(*decoded, original);

    boost::json::value bad = json;
    bad.as_object()["timezone"] = "Asia/Seol";
    bad.as_object()["size"] = 1920;
    const auto rejected = screen_from_json(bad, "screen.json");
    ASSERT_FALSE(rejected);
    EXPECT_THAT(rejected.error().message,
                HasSubstr("screen.json: timezone: unknown time zone \"Asia/Seol\""));
    EXPECT_THAT(rejected.error().message, HasSubstr("screen.json: size: \"1920\" is not a size"));

    const auto malformed = screen_from_json_text("{\"id\": ", "screen.json");
    ASSERT_FALSE(malformed);
    EXPECT_THAT(malformed.error().message, HasSubstr("screen.json:1:8: not valid JSON"));
}

TEST(ScreenValidation, ChecksAScreenBuiltInCode) {
    Screen screen;
    screen.id = "s1";
    screen.station = "seoul";
    EXPECT_TRUE(validate_screen(screen));
    screen.timezone = "Mars/Olympus";
    screen.layout = "quad";
    const auto result = validate_screen(screen);
    ASSERT_FALSE(result);
    EXPECT_THAT(result.error().message, HasSubstr("2 problems in screen s1"));
    EXPECT_THAT(result.error().message, HasSubstr("screen s1: timezone: unknown time zone \"Mars/Olympus\""));
    EXPECT_THAT(result.error().message, HasSubstr("screen s1: layout: unknown layout \"quad\""));
}

TEST(Layouts, BuiltInsAreTheDocumentedOnes) {
    std::vector<std::string> names;
    for (const Layout& layout : builtin_layouts()) names.push_back(layout.name);
    EXPECT_EQ(names, (std::vector<std::string>{"fullscreen", "landscape-ticker", "portrait"}));

    const Layout* fullscreen = builtin_layout("fullscreen");
    ASSERT_NE(fullscreen, nullptr);
    EXPECT_EQ(fullscreen->zones, (std::vector<Zone>{{"main", 0, 0, 1, 1}}));
    const Layout* ticker = builtin_layout("landscape-ticker");
    ASSERT_NE(ticker, nullptr);
    EXPECT_EQ(ticker->zones, (std::vector<Zone>{{"main", 0, 0, 1, 0.9}, {"ticker", 0, 0.9, 1, 0.1}}));
    const Layout* portrait = builtin_layout("portrait");
    ASSERT_NE(portrait, nullptr);
    EXPECT_EQ(portrait->zones, (std::vector<Zone>{{"main", 0, 0, 1, 0.8}, {"side", 0, 0.8, 1, 0.2}}));
    EXPECT_EQ(builtin_layout("split"), nullptr);
    EXPECT_EQ(builtin_layout(""), nullptr);
}

TEST(Layouts, ZonesTileTheScreenAroundAMainZone) {
    for (const Layout& layout : builtin_layouts()) {
        SCOPED_TRACE(layout.name);
        EXPECT_EQ(std::ranges::count(layout.zones, std::string{"main"}, &Zone::name), 1);
        double area = 0;
        for (const Zone& zone : layout.zones) {
            EXPECT_GE(zone.x, 0.0);
            EXPECT_GE(zone.y, 0.0);
            EXPECT_LE(zone.x + zone.width, 1.0 + 1e-9);
            EXPECT_LE(zone.y + zone.height, 1.0 + 1e-9);
            area += zone.width * zone.height;
        }
        for (std::size_t i = 0; i < layout.zones.size(); ++i)
            for (std::size_t j = i + 1; j < layout.zones.size(); ++j) {
                const Zone& a = layout.zones[i];
                const Zone& b = layout.zones[j];
                const double overlap_w = std::min(a.x + a.width, b.x + b.width) - std::max(a.x, b.x);
                const double overlap_h = std::min(a.y + a.height, b.y + b.height) - std::max(a.y, b.y);
                EXPECT_FALSE(overlap_w > 1e-9 && overlap_h > 1e-9) << a.name << " overlaps " << b.name;
            }
        // Inside the screen, not overlapping, and adding up to its area: the zones tile it.
        EXPECT_NEAR(area, 1.0, 1e-9);
    }
}

}  // namespace
}  // namespace dwell::content
