#include "player/playback/stats.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "tests/support/temp_dir.hpp"

namespace dwell::player {
namespace {

using namespace std::chrono_literals;

const SteadyTime t0{std::chrono::seconds{100}};

TEST(PlaybackStats, CountsFramesBlanksAndLateness) {
    PlaybackStats stats{StatsOptions{8ms}};
    for (int i = 0; i < 10; ++i) {
        const auto due = t0 + i * 33ms;
        stats.frame_presented(due, due + 1ms, ZoneContent::item);
    }
    stats.frame_presented(t0 + 400ms, t0 + 420ms, ZoneContent::item);      // 20 ms late
    stats.frame_presented(t0 + 433ms, t0 + 433ms, ZoneContent::fallback);  // on time, not blank
    stats.frame_presented(t0 + 466ms, t0 + 466ms, ZoneContent::blank);
    stats.frame_dropped();
    stats.item_played();
    stats.item_failed();
    const auto summary = stats.summary();
    EXPECT_EQ(summary.frames_presented, 13u);
    EXPECT_EQ(summary.late_frames, 1u);
    EXPECT_EQ(summary.blank_frames, 1u);
    EXPECT_EQ(summary.frames_dropped, 1u);
    EXPECT_EQ(summary.items_played, 1u);
    EXPECT_EQ(summary.items_failed, 1u);
}

TEST(PlaybackStats, JitterP99IgnoresTheRareOutlierButNotACommonOne) {
    PlaybackStats stats;
    for (int i = 0; i < 995; ++i) stats.frame_presented(t0, t0 + 500us, ZoneContent::item);
    for (int i = 0; i < 5; ++i) stats.frame_presented(t0, t0 + 50ms, ZoneContent::item);
    EXPECT_NEAR(stats.summary().jitter_p99_ms, 0.6, 1e-9);  // upper edge of the 0.5 ms bin
    for (int i = 0; i < 100; ++i)
        stats.frame_presented(t0, t0 - 30ms, ZoneContent::item);  // early counts too
    EXPECT_NEAR(stats.summary().jitter_p99_ms, 30.1, 1e-9);
}

TEST(PlaybackStats, JitterBeyondOneSecondIsCappedNotLost) {
    PlaybackStats stats;
    stats.frame_presented(t0, t0 + 5s, ZoneContent::item);
    EXPECT_GT(stats.summary().jitter_p99_ms, 1000.0);
}

TEST(PlaybackStats, KeepsTheLargestSwitchGap) {
    PlaybackStats stats;
    EXPECT_EQ(stats.summary().max_switch_gap_ms, 0.0);
    stats.switch_gap(12ms);
    stats.switch_gap(40ms);
    stats.switch_gap(3ms);
    EXPECT_DOUBLE_EQ(stats.summary().max_switch_gap_ms, 40.0);
}

TEST(PlaybackStats, ReportsThePeakResidentSet) {
    EXPECT_GT(peak_rss_mb(), 1.0);
    EXPECT_LT(peak_rss_mb(), 100000.0);
}

TEST(StatsWriter, WritesOneJsonLinePerCallWithEveryField) {
    test::TempDir dir;
    auto writer = StatsWriter::open(dir / "stats.json");
    ASSERT_TRUE(writer) << writer.error().message;
    PlaybackStats stats;
    stats.frame_presented(t0, t0, ZoneContent::item);
    ASSERT_TRUE(writer->write(stats.summary(), false));
    ASSERT_TRUE(writer->write(stats.summary(), true));
    std::ifstream in(dir / "stats.json");
    std::string first, last, extra;
    ASSERT_TRUE(std::getline(in, first));
    ASSERT_TRUE(std::getline(in, last));
    EXPECT_FALSE(std::getline(in, extra));
    const auto json = boost::json::parse(last).as_object();
    for (const char* key :
         {"frames_presented", "frames_dropped", "late_frames", "jitter_p99_ms", "max_switch_gap_ms",
          "blank_frames", "items_played", "items_failed", "rss_max_mb"})
        EXPECT_TRUE(json.contains(key)) << key;
    EXPECT_EQ(json.at("frames_presented").to_number<std::uint64_t>(), 1u);
    EXPECT_TRUE(json.at("final").as_bool());
    EXPECT_FALSE(boost::json::parse(first).as_object().at("final").as_bool());
}

TEST(StatsWriter, UnwritablePathIsAClearError) {
    auto writer = StatsWriter::open("/nonexistent-dir/stats.json");
    ASSERT_FALSE(writer);
    EXPECT_NE(writer.error().message.find("/nonexistent-dir/stats.json"), std::string::npos);
}

}  // namespace
}  // namespace dwell::player
