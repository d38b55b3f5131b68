// dwell-player end to end: its command line — version, clean exit on SIGTERM, and exit 2 with a
// message naming the problem for bad flags and bad playlists, before anything starts.
#include <csignal>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/e2e/player/player_harness.hpp"

namespace dwell::test::e2e {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;

std::string good_playlist(const TempDir& dir) {
    return dir.write("playlist.yaml", "items:\n  - { file: \"" + media("clip_a.mp4").string() + "\" }\n")
        .string();
}

TEST(PlayerCli, VersionPrintsTheVersion) {
    TempDir dir;
    const auto result = run_player_raw(dir, {"--version"});
    ASSERT_TRUE(result.exited);
    EXPECT_EQ(result.exit_code, 0);
    EXPECT_THAT(read_text(dir / "player.stdout"), MatchesRegex("dwell-player [0-9][0-9A-Za-z.+~-]*\n?"));
}

TEST(PlayerCli, SigtermExitsCleanlyWithTheFinalStatsLine) {
    TempDir dir;
    Player player(dir, RunSetup{good_playlist(dir)}.duration("60s"));
    // Once it reports, it is in its render loop.
    ASSERT_TRUE(wait_until([&] { return !read_stats(player.stats_file()).empty(); })) << player.stderr_text();
    player.process().signal(SIGTERM);
    const auto result = player.wait(15s);
    ASSERT_FALSE(result.timed_out) << "SIGTERM did not stop the player; stderr:\n" << player.stderr_text();
    ASSERT_TRUE(result.exited) << "killed by signal " << result.signal;
    EXPECT_EQ(result.exit_code, 0) << player.stderr_text();

    const auto stats = final_stats(player.stats_file());
    ASSERT_TRUE(stats) << "no final stats line after SIGTERM";
    for (const char* key : {"frames_presented", "frames_dropped", "late_frames", "jitter_p99_ms",
                            "max_switch_gap_ms", "blank_frames", "items_played", "items_failed", "rss_max_mb",
                            "events_shown", "event_to_pixel_p50_ms", "event_to_pixel_p99_ms", "cpu_seconds"})
        EXPECT_TRUE(stats->contains(key)) << "the final stats line has no " << key;
    EXPECT_GT(int_of(*stats, "frames_presented"), 0);
    EXPECT_EQ(int_of(*stats, "blank_frames"), 0);
    // Its own CPU figure and the kernel's agree in kind: both positive.
    EXPECT_GT(number_of(*stats, "cpu_seconds"), 0.0);
    EXPECT_GT(result.cpu_seconds, 0.0);
}

// A refused command line: exit 2, a message naming the problem, and nothing started (no snapshot
// folder, no stats file, no window).
void expect_refused(const TempDir& dir, std::vector<std::string> arguments, std::string_view named) {
    std::vector<std::string> with_outputs = std::move(arguments);
    with_outputs.insert(with_outputs.end(), {"--snapshot-dir", (dir / "snapshots").string(), "--snapshot-at",
                                             "0s", "--stats-json", (dir / "stats.jsonl").string()});
    const auto result = run_player_raw(dir, with_outputs, 30s);
    const std::string message = read_text(dir / "player.stderr");
    ASSERT_TRUE(result.exited) << "killed by signal " << result.signal;
    EXPECT_EQ(result.exit_code, 2) << message;
    EXPECT_THAT(message, HasSubstr(std::string{named}));
    EXPECT_FALSE(fs::exists(dir / "snapshots")) << "snapshots were started for a refused command line";
    EXPECT_FALSE(fs::exists(dir / "stats.jsonl")) << "stats were started for a refused command line";
}

TEST(PlayerCli, UnknownFlagExits2NamingIt) {
    TempDir dir;
    expect_refused(dir, {"--playlist", good_playlist(dir), "--frobnicate"}, "--frobnicate");
}

TEST(PlayerCli, BadFlagValuesExit2NamingThem) {
    {
        TempDir dir;
        expect_refused(dir, {"--playlist", good_playlist(dir), "--size", "wide"}, "wide");
    }
    {
        TempDir dir;
        expect_refused(dir, {"--playlist", good_playlist(dir), "--duration", "soon"}, "soon");
    }
    {
        TempDir dir;
        expect_refused(dir, {"--playlist", good_playlist(dir), "--transition", "wipe"}, "wipe");
    }
    {
        TempDir dir;
        expect_refused(dir, {"--playlist", good_playlist(dir), "--video-driver", "vga"}, "vga");
    }
}

TEST(PlayerCli, NoInputExits2) {
    TempDir dir;
    expect_refused(dir, {}, "--playlist");
}

TEST(PlayerCli, MissingPlaylistExits2NamingIt) {
    TempDir dir;
    expect_refused(dir, {"--playlist", (dir / "nowhere.yaml").string()}, "nowhere.yaml");
}

TEST(PlayerCli, BadPlaylistExits2NamingEveryProblemWithItsLine) {
    TempDir dir;
    const auto playlist = dir.write("bad.yaml",
                                    "loop: sometimes\n"
                                    "items:\n"
                                    "  - { file: \"" +
                                        media("poster_wide.png").string() +
                                        "\" }\n"  // an image without a duration
                                        "  - { file: clip.mp4, colour: red }\n");
    expect_refused(dir, {"--playlist", playlist.string()}, "bad.yaml");
    const std::string message = read_text(dir / "player.stderr");
    EXPECT_THAT(message, HasSubstr("sometimes"));
    EXPECT_THAT(message, HasSubstr("duration"));
    EXPECT_THAT(message, HasSubstr("colour"));
    EXPECT_THAT(message, HasSubstr(":4:")) << "the unknown key's line";
}

}  // namespace
}  // namespace dwell::test::e2e
