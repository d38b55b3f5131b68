// Normal mode: the player reads the manifest and assets the sync agent keeps in state.db and the
// cache, follows a manifest that changes while it runs, and leaves its records in the outbox.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "config/clock.hpp"
#include "content/asset_cache.hpp"
#include "content/campaign_codec.hpp"
#include "content/device_state.hpp"
#include "content/join_code.hpp"
#include "content/screen.hpp"
#include "tests/support/media.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

namespace dwell {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using ::testing::HasSubstr;

constexpr std::string_view secret_hex = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

std::string run_text(const std::string& command) {
    std::string out;
    if (FILE* pipe = ::popen(command.c_str(), "r")) {
        char buffer[512];
        while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) out += buffer;
        ::pclose(pipe);
    }
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
    return out;
}

boost::json::object sidecar(const fs::path& png) {
    return boost::json::parse(test::read_text(fs::path{png}.replace_extension(".json"))).as_object();
}

class NormalModeTest : public ::testing::Test {
  protected:
    void SetUp() override {
        ASSERT_EQ(
            test::ffmpeg("-f lavfi -i testsrc2=size=320x240:rate=30 -t 1 -pix_fmt yuv420p -c:v libx264 " +
                         (m_dir / "clip.mp4").string()),
            "");
        ASSERT_EQ(test::ffmpeg("-f lavfi -i color=c=orange:size=320x240 -frames:v 1 " +
                               (m_dir / "poster.png").string()),
                  "");
        fs::create_directories(m_dir / "state");
        auto cache = content::AssetCache::open(m_dir / "state/cache", 1ULL << 30, m_clock);
        ASSERT_TRUE(cache) << cache.error().message;
        for (const char* name : {"clip.mp4", "poster.png"}) {
            auto sha256 = content::sha256_of_file(m_dir / name);
            ASSERT_TRUE(sha256) << sha256.error().message;
            ASSERT_TRUE((*cache)->install_file(m_dir / name, *sha256));
            (std::string{name} == "clip.mp4" ? m_clip_sha : m_poster_sha) = *sha256;
        }
        m_dir.write("device.yaml", R"(device: { id: s1-test-01, station: seoul, line: "1" }
hub: { url: "http://127.0.0.1:9", token_file: state/device.token }
state_dir: state
)");
        auto state = content::DeviceState::open(m_dir / "state/state.db");
        ASSERT_TRUE(state) << state.error().message;
        m_state = std::move(*state);
    }

    // A manifest with one interactive campaign playing `item` (an asset named by its sha256).
    content::Manifest manifest(const std::string& item_yaml) const {
        content::Manifest manifest;
        auto screen = content::screen_from_yaml(R"(id: s1-test-01
station: seoul
line: "1"
timezone: Asia/Seoul
size: 640x360
layout: fullscreen
)",
                                                "screen");
        EXPECT_TRUE(screen) << screen.error().message;
        manifest.screen = *screen;
        auto campaign = content::campaign_from_yaml(R"(id: winter-fest
name: 겨울 축제
window: { start: 2020-01-01T00:00:00Z, end: 2099-01-01T00:00:00Z }
targets: { all: true }
items:
  - )" + item_yaml + R"(
join:
  channels: [line-main]
  prompt: "{account}에 {code} 보내고 참여하세요"
  code: { digits: 6, period: 60s }
)",
                                                    "campaign");
        EXPECT_TRUE(campaign) << campaign.error().message;
        manifest.campaigns.push_back(*campaign);
        content::ManifestJoin join;
        join.campaign = "winter-fest";
        join.channel = "line-main";
        join.account = "@dwell";
        join.deep_link = "https://line.me/R/oaMessage/{account}/?{code}";
        join.secret = *content::parse_join_secret(secret_hex);
        join.slot = 7;
        manifest.joins.push_back(join);
        manifest.assets.push_back({m_clip_sha, fs::file_size(m_dir / "clip.mp4"), content::MediaKind::video});
        manifest.assets.push_back(
            {m_poster_sha, fs::file_size(m_dir / "poster.png"), content::MediaKind::image});
        manifest.server_time = m_clock.now();
        return manifest;
    }

    test::ProcessResult run_player(std::chrono::seconds duration, const std::string& snapshots,
                                   const std::function<void()>& while_running = {}) {
        test::ProcessOptions options;
        options.arguments = {"--config",       (m_dir / "device.yaml").string(),
                             "--video-driver", "offscreen",
                             "--size",         "640x360",
                             "--duration",     std::to_string(duration.count()) + "s",
                             "--snapshot-dir", (m_dir / "snaps").string(),
                             "--snapshot-at",  snapshots,
                             "--stats-json",   (m_dir / "stats.json").string()};
        options.stderr_file = m_dir / "player.log";
        test::ChildProcess player{DWELL_PLAYER_BIN, options};
        if (while_running) while_running();
        return player.wait(duration + 60s);
    }

    boost::json::object final_stats() const {
        const std::string text = test::read_text(m_dir / "stats.json");
        const auto last = text.rfind('{');
        return boost::json::parse(text.substr(last)).as_object();
    }

    test::TempDir m_dir;
    config::SystemClock m_clock;
    std::unique_ptr<content::DeviceState> m_state;
    std::string m_clip_sha;
    std::string m_poster_sha;
};

TEST_F(NormalModeTest, PlaysTheStoredManifestWithItsJoinCodeAndRecordsProofOfPlay) {
    ASSERT_TRUE(m_state->store_manifest(manifest("{ asset: clip.mp4, sha256: " + m_clip_sha + " }"), "\"v1\"",
                                        m_clock.now()));
    const auto result = run_player(4s, "2s");
    ASSERT_TRUE(result.exited) << test::read_text(m_dir / "player.log");
    EXPECT_EQ(result.exit_code, 0) << test::read_text(m_dir / "player.log");

    const fs::path png = m_dir / "snaps/snapshot-0002000.png";
    ASSERT_TRUE(fs::exists(png)) << test::read_text(m_dir / "player.log");
    const auto info = sidecar(png);
    EXPECT_EQ(info.at("content").as_string(), "item");
    EXPECT_EQ(info.at("campaign").as_string(), "winter-fest");
    EXPECT_THAT(std::string{info.at("item").as_string()}, HasSubstr(m_clip_sha));

    // The QR code on screen holds the deep link with this screen's code for that moment.
    const auto space = content::JoinCodeSpace::create(*content::parse_join_secret(secret_hex), 6, 60s);
    ASSERT_TRUE(space);
    const config::WallTime at{std::chrono::milliseconds{info.at("at").as_int64()}};
    const auto code = space->code_for(7, at);
    ASSERT_TRUE(code);
    EXPECT_EQ(run_text("zbarimg --raw -q " + png.string() + " 2>/dev/null"),
              "https://line.me/R/oaMessage/@dwell/?" + *code);

    // Proof of play: the 1 s clip played about three times, each a play record naming the asset.
    auto records = m_state->oldest_records(100, 1 << 20);
    ASSERT_TRUE(records) << records.error().message;
    int plays = 0;
    for (const auto& entry : *records) {
        EXPECT_EQ(entry.record.screen, "s1-test-01");
        const auto* play = std::get_if<content::PlayRecord>(&entry.record.body);
        if (play == nullptr) continue;
        ++plays;
        EXPECT_EQ(play->campaign, "winter-fest");
        EXPECT_EQ(play->asset, m_clip_sha);
        EXPECT_LE(play->start, play->end);
    }
    EXPECT_GE(plays, 2);
    const auto stats = final_stats();
    EXPECT_EQ(stats.at("blank_frames").as_int64(), 0);
    EXPECT_EQ(stats.at("items_failed").as_int64(), 0);
}

TEST_F(NormalModeTest, FollowsAManifestThatChangesWhileItPlays) {
    ASSERT_TRUE(m_state->store_manifest(manifest("{ asset: clip.mp4, sha256: " + m_clip_sha + " }"), "\"v1\"",
                                        m_clock.now()));
    const auto result = run_player(9s, "1500ms,8s", [&] {
        std::this_thread::sleep_for(2500ms);
        ASSERT_TRUE(m_state->store_manifest(
            manifest("{ asset: poster.png, sha256: " + m_poster_sha + ", duration: 10s }"), "\"v2\"",
            m_clock.now()));
    });
    ASSERT_TRUE(result.exited);
    EXPECT_EQ(result.exit_code, 0) << test::read_text(m_dir / "player.log");
    EXPECT_THAT(std::string{sidecar(m_dir / "snaps/snapshot-0001500.png").at("item").as_string()},
                HasSubstr(m_clip_sha));
    EXPECT_THAT(std::string{sidecar(m_dir / "snaps/snapshot-0008000.png").at("item").as_string()},
                HasSubstr(m_poster_sha));
}

TEST_F(NormalModeTest, WithoutAManifestTheFallbackShowsAndAMissingAssetIsReported) {
    // No manifest yet: the station's fallback slide, never black.
    auto result = run_player(2s, "1s");
    ASSERT_TRUE(result.exited);
    EXPECT_EQ(result.exit_code, 0) << test::read_text(m_dir / "player.log");
    EXPECT_EQ(sidecar(m_dir / "snaps/snapshot-0001000.png").at("content").as_string(), "fallback");

    // An asset the cache does not hold is skipped with an error record; the fallback stays up.
    auto broken = manifest("{ asset: gone.mp4, sha256: " + std::string(64, 'a') + " }");
    broken.assets.push_back({std::string(64, 'a'), 10, content::MediaKind::video});
    ASSERT_TRUE(m_state->store_manifest(broken, "\"v3\"", m_clock.now()));
    fs::remove_all(m_dir / "snaps");
    result = run_player(2s, "1500ms");
    ASSERT_TRUE(result.exited);
    EXPECT_EQ(result.exit_code, 0) << test::read_text(m_dir / "player.log");
    EXPECT_EQ(sidecar(m_dir / "snaps/snapshot-0001500.png").at("content").as_string(), "fallback");
    auto records = m_state->oldest_records(100, 1 << 20);
    ASSERT_TRUE(records);
    bool reported = false;
    for (const auto& entry : *records) {
        if (const auto* error = std::get_if<content::ErrorRecord>(&entry.record.body)) {
            reported = true;
            EXPECT_EQ(error->campaign, "winter-fest");
            EXPECT_EQ(error->asset, std::string(64, 'a'));
            EXPECT_FALSE(error->reason.empty());
        }
    }
    EXPECT_TRUE(reported);
}

}  // namespace
}  // namespace dwell
