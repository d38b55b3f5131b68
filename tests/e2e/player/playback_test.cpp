// dwell-player end to end: what a commuter sees of videos, pictures, the fallback slide and a
// portrait-mounted screen, checked on the PNG snapshots of exactly the presented frames.
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/e2e/player/player_harness.hpp"

namespace dwell::test::e2e {
namespace {

constexpr int width = 640;
constexpr int height = 360;
constexpr Rect whole{0, 0, width, height};

std::string item_line(const fs::path& file, std::string_view extra = {}) {
    return "  - { file: \"" + file.string() + "\"" + (extra.empty() ? "" : ", " + std::string{extra}) +
           " }\n";
}

std::string describe(const Snapshot& snapshot) {
    return snapshot.png.filename().string() + " (content " + snapshot.content + ", item " +
           snapshot.item.value_or("null") + ")";
}

TEST(PlayerE2E, VideoAppears) {
    TempDir dir;
    // 320x240 clips on a 16:9 screen: pillarboxed to 480x360 at x = 80..560.
    const auto playlist =
        dir.write("playlist.yaml",
                  "loop: false\n"
                  "items:\n" +
                      item_line(media("clip_magenta.mp4")) + item_line(media("clip_a.mp4")));
    Player player(dir, RunSetup{playlist}.duration("4s").snapshot_every("250ms"));
    expect_clean_exit(player);

    const auto snapshots = player.snapshots();
    int magenta = 0;
    int testsrc = 0;
    for (const auto& snapshot : snapshots) {
        if (snapshot.content != "item") continue;
        const RgbaImage image = load_png(snapshot.png);
        ASSERT_EQ(image.width(), width);
        ASSERT_EQ(image.height(), height);
        const Rect picture{100, 20, 440, 320};
        EXPECT_FALSE(player::is_blank(image, whole)) << describe(snapshot);
        // The bars beside a pillarboxed picture are dark.
        EXPECT_GT(fraction_where(image, {0, 0, 70, height}, is_dark), 0.95) << describe(snapshot);
        EXPECT_GT(fraction_where(image, {570, 0, 70, height}, is_dark), 0.95) << describe(snapshot);
        if (snapshot.shows("clip_magenta.mp4")) {
            ++magenta;
            // #c000c0 through H.264 and a limited-range YUV texture: close, not exact.
            EXPECT_GT(fraction_near(image, picture, {0xc0, 0x00, 0xc0, 255}, 40), 0.8) << describe(snapshot);
        } else if (snapshot.shows("clip_a.mp4")) {
            ++testsrc;
            // testsrc2: many colours and edges; never a flat slide.
            EXPECT_GT(player::region_stats(image, picture).luma_variance, 500.0) << describe(snapshot);
            EXPECT_LT(fraction_near(image, picture, {0x1f, 0x3a, 0x5f, 255}, 12), 0.2) << describe(snapshot);
        }
    }
    EXPECT_GE(magenta, 2) << "snapshots of clip_magenta.mp4 on screen";
    EXPECT_GE(testsrc, 2) << "snapshots of clip_a.mp4 on screen";
}

TEST(PlayerE2E, ImagesAreFittedOrFilled) {
    TempDir dir;
    const auto playlist = dir.write(
        "playlist.yaml",
        "loop: false\n"
        "items:\n" +
            item_line(media("poster_wide.png"), "duration: 1200ms") +
            item_line(media("poster_tall.jpg"), "duration: 1200ms") +
            item_line(fs::relative(media("poster_wide.png"), dir.path()), "duration: 1200ms, fit: fill"));
    Player player(dir, RunSetup{playlist}.duration("4s").snapshot_every("200ms"));
    expect_clean_exit(player);

    const Color orange{0xff, 0x80, 0x00, 255};
    const Color green{0x00, 0xc0, 0x00, 255};
    int wide = 0;
    int tall = 0;
    int filled = 0;
    const auto snapshots = player.snapshots();
    for (const auto& snapshot : snapshots) {
        if (snapshot.content != "item") continue;
        const RgbaImage image = load_png(snapshot.png);
        const bool fully_orange = fraction_near(image, whole, orange, 24) > 0.97;
        if (snapshot.shows("poster_wide.png") && !fully_orange) {
            ++wide;
            // 640x160 fitted into 640x360: the picture at y = 100..260, dark bars above and below.
            EXPECT_GT(fraction_near(image, {0, 105, width, 150}, orange, 24), 0.97) << describe(snapshot);
            EXPECT_GT(fraction_where(image, {0, 0, width, 95}, is_dark), 0.97) << describe(snapshot);
            EXPECT_GT(fraction_where(image, {0, 265, width, 95}, is_dark), 0.97) << describe(snapshot);
        } else if (snapshot.shows("poster_wide.png")) {
            ++filled;  // fit: fill — the whole screen, cropped around the centre
        } else if (snapshot.shows("poster_tall.jpg")) {
            ++tall;
            // 180x360 fitted: the picture at x = 230..410, dark bars left and right.
            EXPECT_GT(fraction_near(image, {235, 0, 170, height}, green, 40), 0.97) << describe(snapshot);
            EXPECT_GT(fraction_where(image, {0, 0, 225, height}, is_dark), 0.97) << describe(snapshot);
            EXPECT_GT(fraction_where(image, {415, 0, 225, height}, is_dark), 0.97) << describe(snapshot);
        }
    }
    EXPECT_GE(wide, 2) << "letterboxed snapshots of the wide poster";
    EXPECT_GE(tall, 2) << "pillarboxed snapshots of the tall poster";
    EXPECT_GE(filled, 2) << "snapshots of the wide poster filling the screen";
}

TEST(PlayerE2E, NoBlankFrameBetweenTwoVideos) {
    TempDir dir;
    const auto playlist = dir.write("playlist.yaml",
                                    "loop: false\n"
                                    "items:\n" +
                                        item_line(media("clip_a.mp4")) + item_line(media("clip_b.mp4")));
    // Long enough for both clips (2 s each) to end, so both count as played.
    Player player(dir, RunSetup{playlist}.duration("4500ms").snapshot_every("100ms"));
    expect_clean_exit(player);

    const auto snapshots = player.snapshots();
    ASSERT_GE(snapshots.size(), 30U) << "snapshots every 100 ms for 4.5 s";
    int first = 0;
    int second = 0;
    std::size_t switch_index = 0;
    for (std::size_t i = 0; i < snapshots.size(); ++i) {
        const auto& snapshot = snapshots[i];
        if (snapshot.shows("clip_a.mp4")) ++first;
        if (snapshot.shows("clip_b.mp4")) {
            if (second++ == 0) switch_index = i;
        }
        EXPECT_FALSE(player::is_blank(load_png(snapshot.png), whole)) << describe(snapshot);
    }
    EXPECT_GE(first, 5);
    EXPECT_GE(second, 5);
    // Around the switch the frames are the one clip or the other, never anything in between.
    if (switch_index > 0) {
        EXPECT_TRUE(snapshots[switch_index - 1].shows("clip_a.mp4")) << describe(snapshots[switch_index - 1]);
        EXPECT_EQ(snapshots[switch_index].content, "item");
    }

    const auto stats = final_stats(player.stats_file());
    ASSERT_TRUE(stats) << "no final stats line in " << player.stats_file();
    EXPECT_EQ(int_of(*stats, "blank_frames"), 0);
    EXPECT_GE(int_of(*stats, "items_played"), 2);
    EXPECT_EQ(int_of(*stats, "items_failed"), 0);
    // Reported, not asserted: it is a timing figure on a shared machine (the benchmark checks it).
    const double gap = number_of(*stats, "max_switch_gap_ms");
    RecordProperty("max_switch_gap_ms", std::to_string(gap));
    std::cout << "max_switch_gap_ms " << gap << "\n";
    EXPECT_GE(gap, 0.0);
}

// The fallback slide: its colour over most of the screen, never blank, with light text on it.
void expect_fallback(const Snapshot& snapshot, Color color) {
    EXPECT_EQ(snapshot.content, "fallback") << describe(snapshot);
    EXPECT_FALSE(snapshot.item) << describe(snapshot);
    const RgbaImage image = load_png(snapshot.png);
    EXPECT_FALSE(player::is_blank(image, whole)) << describe(snapshot);
    EXPECT_GT(fraction_near(image, whole, color, 10), 0.6) << describe(snapshot);
    // The station name and the clock: light text pixels on the slide.
    EXPECT_GT(count_where(image, whole, [](Color p) { return p.r >= 180 && p.g >= 180 && p.b >= 180; }), 100)
        << describe(snapshot);
}

TEST(PlayerE2E, FallbackShowsAfterTheLastItemWithoutLoop) {
    TempDir dir;
    const auto playlist = dir.write("playlist.yaml",
                                    "loop: false\n"
                                    "screen: { station: seoul, timezone: Asia/Seoul }\n"
                                    "fallback: { color: \"#204080\" }\n"
                                    "items:\n" +
                                        item_line(media("poster_wide.png"), "duration: 500ms"));
    Player player(dir, RunSetup{playlist}.duration("3s").snapshot_at("200ms,2s,2500ms"));
    expect_clean_exit(player);

    const auto snapshots = player.snapshots();
    ASSERT_EQ(snapshots.size(), 3U);
    EXPECT_TRUE(snapshots[0].shows("poster_wide.png")) << describe(snapshots[0]);
    expect_fallback(snapshots[1], {0x20, 0x40, 0x80, 255});
    expect_fallback(snapshots[2], {0x20, 0x40, 0x80, 255});
    const auto stats = final_stats(player.stats_file());
    ASSERT_TRUE(stats);
    EXPECT_EQ(int_of(*stats, "blank_frames"), 0);
}

TEST(PlayerE2E, FallbackShowsWhenTheOnlyItemIsMissing) {
    TempDir dir;
    const auto playlist = dir.write("playlist.yaml",
                                    "screen: { station: city-hall }\n"
                                    "items:\n" +
                                        item_line(dir / "no-such-clip.mp4"));
    Player player(dir, RunSetup{playlist}.duration("2500ms").snapshot_at("1s,2s"));
    expect_clean_exit(player);

    const auto snapshots = player.snapshots();
    ASSERT_EQ(snapshots.size(), 2U);
    for (const auto& snapshot : snapshots) expect_fallback(snapshot, {0x1f, 0x3a, 0x5f, 255});  // the default
    EXPECT_THAT(player.stderr_text(), ::testing::HasSubstr("no-such-clip.mp4"));
    const auto stats = final_stats(player.stats_file());
    ASSERT_TRUE(stats);
    EXPECT_GE(int_of(*stats, "items_failed"), 1);
    EXPECT_EQ(int_of(*stats, "items_played"), 0);
    EXPECT_EQ(int_of(*stats, "blank_frames"), 0);
}

TEST(PlayerE2E, PortraitScreenTurnsTheScene) {
    // The same overlay on a landscape and on a portrait-mounted screen. The portrait scene is laid
    // out for 360x640 and turned 90° clockwise onto the 640x360 output, so the join overlay at the
    // bottom right of the scene's main zone lands in the bottom-left half of the output.
    const auto run = [](std::string_view screen, Snapshot& snapshot, RgbaImage& image, std::string& qr) {
        TempDir dir;
        const auto playlist = dir.write(
            "playlist.yaml", std::string{screen} + "items:\n" +
                                 item_line(media("backdrop.png"), "duration: 5s, fit: fill") + join_block());
        Player player(dir, RunSetup{playlist}.duration("1500ms").snapshot_at("1s"));
        expect_clean_exit(player);
        const auto snapshots = player.snapshots();
        ASSERT_EQ(snapshots.size(), 1U);
        snapshot = snapshots[0];
        image = load_png(snapshot.png);
        qr = decode_qr(dir, snapshot.png);
    };
    Snapshot landscape;
    RgbaImage landscape_image;
    std::string landscape_qr;
    ASSERT_NO_FATAL_FAILURE(run("screen: { layout: fullscreen, orientation: landscape }\n", landscape,
                                landscape_image, landscape_qr));
    Snapshot portrait;
    RgbaImage portrait_image;
    std::string portrait_qr;
    ASSERT_NO_FATAL_FAILURE(
        run("screen: { layout: portrait, orientation: portrait }\n", portrait, portrait_image, portrait_qr));

    ASSERT_EQ(portrait_image.width(), width) << "the output keeps the panel's own size";
    const auto landscape_code = black_box(landscape_image, whole);
    const auto portrait_code = black_box(portrait_image, whole);
    ASSERT_TRUE(landscape_code) << "no QR code on the landscape screen";
    ASSERT_TRUE(portrait_code) << "no QR code on the portrait screen";
    // Landscape: bottom right. Portrait: turned into the bottom-left half.
    EXPECT_GT(landscape_code->x + landscape_code->width / 2, width / 2);
    EXPECT_GT(landscape_code->y + landscape_code->height / 2, height / 2);
    EXPECT_LT(portrait_code->x + portrait_code->width / 2, width / 2);
    EXPECT_GT(portrait_code->y + portrait_code->height / 2, height / 2);
    // The backdrop fills both main zones (fit: fill, so no pure black bars compete with the QR
    // code's modules); the portrait scene's side strip, turned, runs down the left of the output.
    const Color backdrop{0x3c, 0x78, 0x50, 255};
    EXPECT_GT(fraction_near(landscape_image, {0, 0, width / 2, height / 2}, backdrop, 12), 0.9);
    EXPECT_LT(fraction_near(portrait_image, {0, 0, 40, height / 2}, backdrop, 12), 0.1)
        << "the side zone at the left of a turned portrait scene";
    EXPECT_THAT(portrait_qr, ::testing::StartsWith("https://line.me/R/oaMessage/@dwell/?"));
}

}  // namespace
}  // namespace dwell::test::e2e
