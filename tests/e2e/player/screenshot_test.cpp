// dwell-player end to end: a screenshot an operator asked for is the frame on screen, written as a
// PNG into the screenshot folder beside the agent's socket, and the agent is told it is there.
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "content/player_status.hpp"
#include "tests/e2e/player/player_harness.hpp"
#include "tests/support/event_server.hpp"

namespace dwell::test::e2e {
namespace {

constexpr int width = 640;
constexpr int height = 360;
constexpr Rect whole{0, 0, width, height};
constexpr Color backdrop{0x3c, 0x78, 0x50, 255};
constexpr Color takeover_red{0xb0, 0x00, 0x20, 255};

std::string backdrop_playlist() {
    return "screen: { station: seoul, timezone: Asia/Seoul, layout: fullscreen }\n"
           "items:\n"
           "  - { file: \"" +
           media("backdrop.png").string() + "\", duration: 30s }\n";
}

// The next screenshot line the player writes, skipping its status lines.
std::optional<content::ScreenshotReady> next_screenshot(EventServer& server, std::vector<std::string>& bad) {
    while (const auto line = server.read_line(15s)) {
        auto report = content::parse_player_report(*line);
        if (!report) {
            bad.push_back(*line);
            continue;
        }
        if (const auto* ready = std::get_if<content::ScreenshotReady>(&*report)) return *ready;
    }
    return std::nullopt;
}

TEST(PlayerE2E, AScreenshotIsTheFrameOnScreenAndTheAgentIsTold) {
    TempDir dir;
    EventServer server(dir / "events.sock");
    const auto playlist = dir.write("playlist.yaml", backdrop_playlist());
    Player player(dir, RunSetup{playlist}.duration("30s").extra({"--events-socket", server.path().string()}));
    ASSERT_TRUE(server.accept(15s)) << "the player never connected; stderr:\n" << player.stderr_text();
    const auto folder = dir / "screenshots";
    std::vector<std::string> bad;

    // The item on screen: asked once the player is playing (its first status comes a second in).
    const auto status = server.read_line(15s);
    ASSERT_TRUE(status && content::parse_player_status(*status)) << player.stderr_text();
    ASSERT_TRUE(server.send({.seq = 1, .at = wall_now(), .body = content::ScreenshotEvent{"shot-1"}}));
    const auto first = next_screenshot(server, bad);
    ASSERT_TRUE(first) << "no screenshot line; stderr:\n" << player.stderr_text();
    EXPECT_EQ(first->id, "shot-1");
    ASSERT_TRUE(std::filesystem::exists(folder / "shot-1.png")) << "the line came before the file";
    EXPECT_FALSE(std::filesystem::exists(folder / "shot-1.failed"));
    const RgbaImage item = load_png(folder / "shot-1.png");
    EXPECT_EQ(item.width(), width);
    EXPECT_EQ(item.height(), height);
    EXPECT_GT(fraction_near(item, whole, backdrop, 12), 0.8) << "the screenshot is not the item on screen";

    // A takeover, then two requests at once: both are the takeover's frame.
    ASSERT_TRUE(server.send({.seq = 2,
                             .at = wall_now(),
                             .body = content::TakeoverEvent{.id = "t1", .text = "운행 중단", .until = {}}}));
    std::this_thread::sleep_for(300ms);
    ASSERT_TRUE(server.send({.seq = 3, .at = wall_now(), .body = content::ScreenshotEvent{"shot-2"}}));
    ASSERT_TRUE(server.send({.seq = 4, .at = wall_now(), .body = content::ScreenshotEvent{"shot-3"}}));
    std::vector<std::string> ids;
    for (int i = 0; i < 2; ++i) {
        const auto ready = next_screenshot(server, bad);
        ASSERT_TRUE(ready) << "no screenshot line; stderr:\n" << player.stderr_text();
        ids.push_back(ready->id);
    }
    std::ranges::sort(ids);
    EXPECT_EQ(ids, (std::vector<std::string>{"shot-2", "shot-3"}));
    for (const char* id : {"shot-2", "shot-3"}) {
        const RgbaImage shot = load_png(folder / (std::string{id} + ".png"));
        EXPECT_GT(fraction_near(shot, whole, takeover_red, 30), 0.8) << id << " does not show the takeover";
        EXPECT_GT(white_pixels(shot, whole), 200) << id << " has no takeover text";
    }

    // A request whose id could name another file is no event at all: nothing is written.
    ASSERT_TRUE(server.send_raw(R"({"seq":5,"at":1,"type":"screenshot","id":"../escape"})"
                                "\n"));
    std::this_thread::sleep_for(500ms);
    EXPECT_FALSE(std::filesystem::exists(dir / "escape.png"));
    EXPECT_THAT(player.stderr_text(), ::testing::HasSubstr("escape"));

    player.process().signal(SIGTERM);
    expect_clean_exit(player, player.wait(15s));
    EXPECT_TRUE(bad.empty()) << "the player wrote a line that is neither a status nor a screenshot: "
                             << (bad.empty() ? "" : bad[0]);
    std::vector<std::string> files;
    for (const auto& entry : std::filesystem::directory_iterator{folder})
        files.push_back(entry.path().filename().string());
    std::ranges::sort(files);
    EXPECT_EQ(files, (std::vector<std::string>{"shot-1.png", "shot-2.png", "shot-3.png"}))
        << "no partial files are left";
}

}  // namespace
}  // namespace dwell::test::e2e
