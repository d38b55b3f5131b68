// dwell-player end to end: the bad-input list of issue 3 plays through — every file that cannot
// play is skipped with a log line and an error record naming it, the rest plays, and the screen is
// never blank, the player never crashes or hangs.
#include <set>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "content/device_state.hpp"
#include "tests/e2e/player/player_harness.hpp"

namespace dwell::test::e2e {
namespace {

// Files that must be refused: nothing in them can be shown.
const std::vector<std::string>& refused_files() {
    static const std::vector<std::string> files{"truncated.mp4",  "corrupt_header.mp4", "not_media.mp4",
                                                "empty.mp4",      "huge.png",           "unsupported.mp4",
                                                "audio_only.mp4", "missing.mp4"};
    return files;
}

// Unusual but valid: these must play.
const std::vector<std::string>& odd_files() {
    static const std::vector<std::string> files{"vfr.mp4", "rotated.mp4"};
    return files;
}

// The file name an error record names, in its file field or, failing that, its reason.
bool record_names(const content::ErrorRecord& error, std::string_view name) {
    if (error.file && fs::path{*error.file}.filename() == name) return true;
    return error.reason.find(name) != std::string::npos;
}

TEST(PlayerE2E, BadInputPlaysThroughWithoutCrashOrHang) {
    TempDir dir;
    // Every bad file between two good ones; the damaged-but-decodable clip may play or be refused.
    std::string items;
    const auto good = [&] {
        items += "  - { file: \"" + media("poster.webp").string() + "\", duration: 300ms }\n";
    };
    const auto add = [&](const fs::path& file, std::string_view extra = {}) {
        items += "  - { file: \"" + file.string() + "\"" + std::string{extra} + " }\n";
        good();
    };
    good();
    for (const auto& name : refused_files())
        add(name == "missing.mp4" ? dir / "missing.mp4" : media("bad") / name,
            name == "huge.png" ? ", duration: 1s" : "");
    add(media("bad/corrupt_middle.mp4"), ", duration: 1s");
    for (const auto& name : odd_files()) add(media("odd") / name, ", duration: 1s");
    add(media("anim.gif"), ", duration: 500ms");
    add(media("poster_tall.jpg"), ", duration: 300ms");
    const auto playlist = dir.write("playlist.yaml", "loop: false\nitems:\n" + items);

    const auto state_db = dir / "state.db";
    Player player(dir, RunSetup{playlist}.duration("12s").snapshot_every("200ms").extra(
                           {"--state-db", state_db.string()}));
    const auto result = player.wait(90s);
    const std::string log = player.stderr_text();
    ASSERT_FALSE(result.timed_out) << "the player hung; stderr:\n" << log;
    ASSERT_TRUE(result.exited) << "killed by signal " << result.signal << "; stderr:\n" << log;
    EXPECT_EQ(result.exit_code, 0) << log;
    RecordProperty("max_rss_mb", std::to_string(result.max_rss_mb));

    // A warn line names each refused file; the files that must play are never refused.
    const auto refused = [&](std::string_view name) {
        return std::ranges::any_of(lines_with(log, name),
                                   [](const std::string& line) { return is_warning_line(line); });
    };
    for (const auto& name : refused_files())
        EXPECT_TRUE(refused(name)) << "no warn line names " << name << ":\n" << log;
    for (const auto& name : odd_files()) EXPECT_FALSE(refused(name)) << name << " was refused:\n" << log;
    const bool corrupt_refused = refused("corrupt_middle.mp4");
    std::cout << "corrupt_middle.mp4 (decodable with damage) was " << (corrupt_refused ? "refused" : "played")
              << "\n";

    const auto stats = final_stats(player.stats_file());
    ASSERT_TRUE(stats) << "no final stats line";
    const auto expected_failures =
        static_cast<std::int64_t>(refused_files().size()) + (corrupt_refused ? 1 : 0);
    EXPECT_EQ(int_of(*stats, "items_failed"), expected_failures);
    EXPECT_EQ(int_of(*stats, "blank_frames"), 0);
    // The good pictures, the GIF and the two odd clips (and perhaps the damaged clip).
    EXPECT_GE(int_of(*stats, "items_played"),
              static_cast<std::int64_t>(refused_files().size()) + 1 + 1 + 2 + 2);

    // What was on screen: never blank; the odd clips played; the fallback once the list ended.
    std::set<std::string> shown;
    for (const auto& snapshot : player.snapshots()) {
        EXPECT_FALSE(player::is_blank(load_png(snapshot.png), {0, 0, 640, 360})) << snapshot.png.filename();
        if (snapshot.item) shown.insert(fs::path{*snapshot.item}.filename().string());
        for (const auto& name : refused_files())
            EXPECT_FALSE(snapshot.shows(name)) << snapshot.png.filename() << " claims to show " << name;
    }
    for (const auto& name : odd_files())
        EXPECT_TRUE(shown.contains(name)) << name << " never appeared on screen";
    EXPECT_TRUE(shown.contains("anim.gif"));

    // The error records wait in the outbox for the agent, one naming each refused file.
    auto state = content::DeviceState::open(state_db);
    ASSERT_TRUE(state) << state.error().message;
    auto records = (*state)->oldest_records(10'000, 64 * 1024 * 1024);
    ASSERT_TRUE(records) << records.error().message;
    std::vector<content::ErrorRecord> errors;
    for (const auto& entry : *records)
        if (const auto* error = std::get_if<content::ErrorRecord>(&entry.record.body))
            errors.push_back(*error);
    for (const auto& name : refused_files()) {
        const auto count =
            std::ranges::count_if(errors, [&](const auto& error) { return record_names(error, name); });
        EXPECT_GE(count, 1) << "no error record names " << name;
        for (const auto& error : errors)
            if (record_names(error, name)) {
                EXPECT_FALSE(error.reason.empty());
            }
    }
    for (const auto& name : odd_files())
        EXPECT_FALSE(
            std::ranges::any_of(errors, [&](const auto& error) { return record_names(error, name); }))
            << "an error record names " << name;
    EXPECT_EQ(static_cast<std::int64_t>(errors.size()), expected_failures);
}

}  // namespace
}  // namespace dwell::test::e2e
