#include "content/player_status.hpp"

#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace dwell::content {
namespace {

using ::testing::HasSubstr;

const std::string sha(64, 'c');

TEST(PlayerStatus, RoundTripsThroughOneLine) {
    const PlayerStatus status{29.97, 12, PlayingItem{"sticker-fest", sha}, "0.1.0"};
    const std::string line = to_json_line(status);
    ASSERT_TRUE(line.ends_with('\n'));
    EXPECT_EQ(line.find('\n'), line.size() - 1) << "one line";
    auto parsed = parse_player_status(line);
    ASSERT_TRUE(parsed) << parsed.error().message;
    EXPECT_EQ(*parsed, status);

    const PlayerStatus fallback{0, 0, std::nullopt, "0.1.0"};
    auto idle = parse_player_status(to_json_line(fallback));
    ASSERT_TRUE(idle) << idle.error().message;
    EXPECT_EQ(*idle, fallback) << "the fallback slide has no current item";
    EXPECT_TRUE(parse_player_status(R"({"type":"status","fps":30,"frames_dropped":0,"version":"1"})"
                                    "\r\n"));
}

TEST(PlayerStatus, BadLinesAreRefusedNamingTheField) {
    auto error_of = [](std::string_view line) {
        auto parsed = parse_player_status(line);
        return parsed ? std::string{"accepted"} : parsed.error().message;
    };
    EXPECT_THAT(error_of("fps 30"), HasSubstr("player status line"));
    EXPECT_THAT(error_of(R"({"type":"join","fps":30,"frames_dropped":0,"version":"1"})"),
                HasSubstr("type: \"join\" is not \"status\""));
    EXPECT_THAT(error_of(R"({"type":"status","fps":-1,"frames_dropped":0,"version":"1"})"), HasSubstr("fps"));
    EXPECT_THAT(error_of(R"({"type":"status","fps":30,"frames_dropped":-2,"version":"1"})"),
                HasSubstr("frames_dropped"));
    EXPECT_THAT(error_of(R"({"type":"status","fps":30,"frames_dropped":0})"), HasSubstr("version"));
    EXPECT_THAT(error_of(R"({"type":"status","fps":30,"frames_dropped":0,"version":""})"),
                HasSubstr("version"));
    EXPECT_THAT(error_of(R"({"type":"status","fps":30,"frames_dropped":0,"version":"1",)"
                         R"("current_item":{"campaign":"fest","asset":"not-a-hash"}})"),
                HasSubstr("current_item.asset"));
    EXPECT_THAT(error_of(R"({"type":"status","fps":"fast","frames_dropped":0,"version":"1"})"),
                HasSubstr("fps"));
}

}  // namespace
}  // namespace dwell::content
