#include "content/player_status.hpp"

#include <fstream>
#include <iterator>
#include <string>

#include <unistd.h>

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
    EXPECT_THAT(error_of("fps 30"), HasSubstr("player line"));
    EXPECT_THAT(error_of(R"({"type":"join","fps":30,"frames_dropped":0,"version":"1"})"),
                HasSubstr("type: \"join\" is not \"status\" or \"screenshot\""));
    EXPECT_THAT(error_of(R"({"type":"screenshot","id":"shot-1"})"), HasSubstr("expected a \"status\" line"));
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

TEST(PlayerStatus, AScreenshotLineNamesTheRequestAndNothingElse) {
    const ScreenshotReady ready{"shot-019ad897-a800-7123-8abc-0123456789ab"};
    const std::string line = to_json_line(ready);
    EXPECT_EQ(line, R"({"type":"screenshot","id":"shot-019ad897-a800-7123-8abc-0123456789ab"})"
                    "\n");
    auto parsed = parse_player_report(line);
    ASSERT_TRUE(parsed) << parsed.error().message;
    EXPECT_EQ(*parsed, PlayerReport{ready});
    auto status = parse_player_report(to_json_line(PlayerStatus{30, 0, std::nullopt, "1"}));
    ASSERT_TRUE(status) << status.error().message;
    EXPECT_TRUE(std::holds_alternative<PlayerStatus>(*status));

    auto error_of = [](std::string_view text) {
        auto report = parse_player_report(text);
        return report ? std::string{"accepted"} : report.error().message;
    };
    EXPECT_THAT(error_of(R"({"type":"screenshot"})"), HasSubstr("id: missing"));
    EXPECT_THAT(error_of(R"({"type":"screenshot","id":"../state.db"})"), HasSubstr("id: expected an id"));
    EXPECT_THAT(error_of(R"({"type":"screenshot","id":7})"), HasSubstr("id: expected a string"));
    EXPECT_THAT(error_of(R"({"id":"shot-1"})"), HasSubstr("type: missing"));
    EXPECT_THAT(error_of(R"(["screenshot"])"), HasSubstr("expected a JSON object"));
}

TEST(PlayerStatus, AFailedScreenshotIsAFileBesideWhereItsPictureWouldBe) {
    const auto folder = std::filesystem::temp_directory_path() /
                        ("dwell-shots-" + std::to_string(::getpid())) / "screenshots";
    std::filesystem::remove_all(folder.parent_path());
    EXPECT_EQ(screenshot_png(folder, "shot-1"), folder / "shot-1.png");
    EXPECT_EQ(screenshot_failure(folder, "shot-1"), folder / "shot-1.failed");
    auto written = write_screenshot_failure(folder, "shot-1", "the display is off");
    ASSERT_TRUE(written) << written.error().message;
    std::ifstream in(folder / "shot-1.failed");
    std::string text;
    std::getline(in, text);
    EXPECT_EQ(text, "the display is off");
    EXPECT_EQ(
        std::distance(std::filesystem::directory_iterator{folder}, std::filesystem::directory_iterator{}), 1)
        << "no partial file is left behind";
    // A folder that cannot be made is an error naming the file.
    const auto blocked = folder / "shot-1.failed" / "inside";
    auto refused = write_screenshot_failure(blocked, "shot-2", "x");
    ASSERT_FALSE(refused);
    EXPECT_THAT(refused.error().message, HasSubstr("shot-2.failed"));
    std::filesystem::remove_all(folder.parent_path());
}

}  // namespace
}  // namespace dwell::content
