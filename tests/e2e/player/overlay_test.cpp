// dwell-player end to end: the join overlay (Korean prompt, QR code with the current code), live
// events (a join's toast and counter), and an operator takeover, checked on presented frames.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "content/device_state.hpp"
#include "content/join_code.hpp"
#include "content/player_status.hpp"
#include "player/render/text.hpp"
#include "tests/e2e/player/player_harness.hpp"
#include "tests/support/event_server.hpp"

namespace dwell::test::e2e {
namespace {

using ::testing::StartsWith;

constexpr int width = 640;
constexpr int height = 360;
constexpr Rect whole{0, 0, width, height};
constexpr Color backdrop{0x3c, 0x78, 0x50, 255};
constexpr std::string_view deep_link_prefix = "https://line.me/R/oaMessage/@dwell/?";

std::string backdrop_playlist(std::string_view join) {
    return "screen: { station: seoul, timezone: Asia/Seoul, layout: fullscreen }\n"
           "items:\n"
           "  - { file: \"" +
           media("backdrop.png").string() + "\", duration: 30s }\n" + std::string{join};
}

// The code the screen must show at `at_ms`, or either neighbour when `at_ms` lies within 1 s of a
// step boundary (the frame may have been drawn just before the step changed).
std::vector<std::string> expected_codes(std::uint64_t slot, std::int64_t at_ms) {
    const auto secret = content::parse_join_secret(join_secret_hex);
    const auto space = content::JoinCodeSpace::create(*secret, 6, std::chrono::seconds{60});
    const config::WallTime at{std::chrono::milliseconds{at_ms}};
    std::vector<std::string> codes{*space->code_for(slot, at)};
    for (const auto other : {at - 1s, at + 1s})
        if (space->step_at(other) != space->step_at(at)) codes.push_back(*space->code_for(slot, other));
    return codes;
}

double luma(Color p) {
    return 0.299 * p.r + 0.587 * p.g + 0.114 * p.b;
}

// Ink of light text on the dark panel, 0..1, for the rows and columns of `area`.
std::vector<double> ink_map(const RgbaImage& image, Rect area, double background) {
    std::vector<double> ink;
    ink.reserve(static_cast<std::size_t>(area.width) * static_cast<std::size_t>(area.height));
    for (int y = area.y; y < area.y + area.height; ++y)
        for (int x = area.x; x < area.x + area.width; ++x)
            ink.push_back(
                std::clamp((luma(image.pixel(x, y)) - background) / (255.0 - background), 0.0, 1.0));
    return ink;
}

// The bounding box of the pixels of `mask` (width × height, row by row) above `threshold`.
std::optional<Rect> ink_box(const std::vector<double>& mask, int mask_width, int mask_height,
                            double threshold) {
    return bounding_box({0, 0, mask_width, mask_height}, [&](int x, int y) {
        return mask[static_cast<std::size_t>(y * mask_width + x)] > threshold;
    });
}

// Pearson correlation of two equally sized maps.
double correlation(const std::vector<double>& a, const std::vector<double>& b) {
    const auto n = static_cast<double>(a.size());
    double mean_a = 0;
    double mean_b = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        mean_a += a[i];
        mean_b += b[i];
    }
    mean_a /= n;
    mean_b /= n;
    double ab = 0;
    double aa = 0;
    double bb = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        ab += (a[i] - mean_a) * (b[i] - mean_b);
        aa += (a[i] - mean_a) * (a[i] - mean_a);
        bb += (b[i] - mean_b) * (b[i] - mean_b);
    }
    return aa > 0 && bb > 0 ? ab / std::sqrt(aa * bb) : 0;
}

// How well the first line of light text in `panel` matches `text` drawn by TextRenderer (Noto
// Sans CJK KR) at the size whose width matches best: near 1 for the same glyphs, low for boxes
// of missing glyphs or other text.
double best_text_match(const RgbaImage& image, Rect panel, std::string_view text) {
    const double background = luma(image.pixel(panel.x + 2, panel.y + 2));
    const std::vector<double> ink = ink_map(image, panel, background);
    // The first band of rows with ink, from the top of the panel.
    int top = -1;
    int bottom = -1;
    for (int y = 0; y < panel.height; ++y) {
        bool any = false;
        for (int x = 0; x < panel.width && !any; ++x)
            any = ink[static_cast<std::size_t>(y * panel.width + x)] > 0.5;
        if (any && top < 0) top = y;
        if (any) bottom = y;
        if (!any && top >= 0 && y - bottom > 3) break;
    }
    if (top < 0) return 0;
    const Rect band{panel.x, panel.y + top, panel.width, bottom - top + 1};
    const std::vector<double> band_ink = ink_map(image, band, background);
    const auto band_box = ink_box(band_ink, band.width, band.height, 0.2);
    if (!band_box) return 0;

    auto renderer = player::TextRenderer::create();
    if (!renderer) return 0;
    double best = 0;
    for (int size = 8; size <= 48; ++size) {
        for (const auto weight : {player::FontWeight::regular, player::FontWeight::bold}) {
            const auto drawn = (*renderer)->render(
                text, {.pixel_size = size, .weight = weight, .color = {255, 255, 255, 255}, .wrap_width = 0});
            if (!drawn || drawn->empty()) continue;
            std::vector<double> alpha;
            for (int y = 0; y < drawn->height(); ++y)
                for (int x = 0; x < drawn->width(); ++x) alpha.push_back(drawn->pixel(x, y).a / 255.0);
            const auto box = ink_box(alpha, drawn->width(), drawn->height(), 0.2);
            if (!box || std::abs(box->width - band_box->width) > 2 ||
                std::abs(box->height - band_box->height) > 2)
                continue;
            // Compare the two boxes over their common size, at small shifts.
            const int w = std::min(box->width, band_box->width);
            const int h = std::min(box->height, band_box->height);
            for (int dy = -1; dy <= 1; ++dy)
                for (int dx = -1; dx <= 1; ++dx) {
                    std::vector<double> a;
                    std::vector<double> b;
                    for (int y = 0; y < h; ++y)
                        for (int x = 0; x < w; ++x) {
                            const int sx = box->x + x + dx;
                            const int sy = box->y + y + dy;
                            const bool inside =
                                sx >= 0 && sy >= 0 && sx < drawn->width() && sy < drawn->height();
                            a.push_back(inside ? alpha[static_cast<std::size_t>(sy * drawn->width() + sx)]
                                               : 0.0);
                            b.push_back(band_ink[static_cast<std::size_t>((band_box->y + y) * band.width +
                                                                          band_box->x + x)]);
                        }
                    best = std::max(best, correlation(a, b));
                }
        }
    }
    return best;
}

TEST(PlayerE2E, KoreanPromptRendersInTheJoinOverlay) {
    TempDir dir;
    const auto with_join = dir.write("with.yaml", backdrop_playlist(join_block()));
    const auto without_join = dir.write("without.yaml", backdrop_playlist(""));
    TempDir other;
    Player plain(other, RunSetup{without_join}.duration("1500ms").snapshot_at("1s"));
    Player player(dir, RunSetup{with_join}.duration("1500ms").snapshot_at("1s"));
    expect_clean_exit(plain, plain.wait());
    expect_clean_exit(player, player.wait());

    const auto snapshots = player.snapshots();
    const auto plain_snapshots = plain.snapshots();
    ASSERT_EQ(snapshots.size(), 1U);
    ASSERT_EQ(plain_snapshots.size(), 1U);
    const RgbaImage image = load_png(snapshots[0].png);
    const RgbaImage bare = load_png(plain_snapshots[0].png);
    // Without a join block the scene is the backdrop alone.
    EXPECT_GT(fraction_near(bare, whole, backdrop, 12), 0.98);

    // The overlay sits at the bottom right: a dark translucent panel over the backdrop there, the
    // rest of the screen untouched.
    const Rect bottom_right{width / 2, height / 2, width / 2, height / 2};
    EXPECT_GT(fraction_near(image, {0, 0, width / 2, height / 2}, backdrop, 12), 0.98);
    const auto panel = [](Color p) { return p.r < backdrop.r && p.g < backdrop.g - 20 && p.b < backdrop.b; };
    EXPECT_GT(fraction_where(image, bottom_right, panel), 0.15) << "no dark panel at the bottom right";

    // Text: white pixels inside the panel, outside the QR code (black on white with its quiet zone).
    const auto code = black_box(image, bottom_right);
    ASSERT_TRUE(code) << "no QR code in the overlay";
    const int quiet = code->width / 4;
    const Rect qr_area{code->x - quiet, code->y - quiet, code->width + 2 * quiet, code->height + 2 * quiet};
    std::int64_t text = 0;
    for (int y = height / 3; y < height; ++y)
        for (int x = width / 3; x < width; ++x) {
            const bool in_qr = x >= qr_area.x && x < qr_area.x + qr_area.width && y >= qr_area.y &&
                               y < qr_area.y + qr_area.height;
            if (!in_qr && is_white(image.pixel(x, y))) ++text;
        }
    // "@dwell에 NNNNNN 보내고 참여하세요" at any legible size leaves a hundred or more white pixels.
    EXPECT_GT(text, 100) << "no prompt text in the overlay";

    // And it is that text: the first line of the panel matches the prompt drawn with the same font.
    int px0 = width;
    int py0 = height;
    int px1 = -1;
    int py1 = -1;
    for (int y = height / 3; y < height; ++y)
        for (int x = width / 3; x < width; ++x)
            if (panel(image.pixel(x, y))) {
                px0 = std::min(px0, x);
                py0 = std::min(py0, y);
                px1 = std::max(px1, x);
                py1 = std::max(py1, y);
            }
    ASSERT_GE(px1, 0);
    const Rect panel_area{px0, py0, px1 - px0 + 1, py1 - py0 + 1};
    double match = 0;
    for (const auto& shown_code : expected_codes(7, snapshots[0].at_ms))
        match = std::max(match,
                         best_text_match(image, panel_area, "@dwell에 " + shown_code + " 보내고 참여하세요"));
    // The measure can tell text apart: other words of the same length do not match.
    const double decoy = best_text_match(
        image, panel_area, "@dwell로 " + expected_codes(7, snapshots[0].at_ms)[0] + " 보내면 선물해요요");
    RecordProperty("prompt_match", std::to_string(match));
    std::cout << "prompt match " << match << ", other text " << decoy << "\n";
    EXPECT_LT(decoy, match - 0.1);
    EXPECT_GT(match, 0.9) << "the overlay's first line does not look like the Korean prompt";
}

TEST(PlayerE2E, QrCodeDecodesToTheDeepLinkWithTheCurrentCode) {
    TempDir dir;
    constexpr std::uint64_t slot = 7;
    const auto playlist = dir.write("playlist.yaml", backdrop_playlist(join_block(slot)));
    Player player(dir, RunSetup{playlist}.size("960x540").duration("2500ms").snapshot_at("1s,2s"));
    expect_clean_exit(player, player.wait());

    const auto snapshots = player.snapshots();
    ASSERT_EQ(snapshots.size(), 2U);
    for (const auto& snapshot : snapshots) {
        const std::string link = decode_qr(dir, snapshot.png);
        ASSERT_THAT(link, StartsWith(deep_link_prefix)) << snapshot.png.filename();
        const std::string code = link.substr(deep_link_prefix.size());
        EXPECT_THAT(expected_codes(slot, snapshot.at_ms), ::testing::Contains(code))
            << "at " << snapshot.at_ms << " in " << snapshot.png.filename();
    }
}

// A join is acknowledged on screen: a toast at the top right and a counter in the overlay.
TEST(PlayerE2E, JoinEventShowsToastAndCounter) {
    TempDir dir;
    EventServer server(dir / "events.sock");
    // A long period keeps the code (and so the overlay) still while the counter appears.
    const auto playlist = dir.write("playlist.yaml", backdrop_playlist(join_block(7, "3600s")));
    Player player(
        dir, RunSetup{playlist}.duration("30s").snapshot_every("250ms").extra(
                 {"--events-socket", server.path().string(), "--state-db", (dir / "state.db").string()}));
    ASSERT_TRUE(server.accept(15s)) << "the player never connected to " << server.path() << "; stderr:\n"
                                    << player.stderr_text();
    ASSERT_TRUE(wait_until([&] { return player.snapshots().size() >= 3; })) << player.stderr_text();

    const auto sent = wall_now();
    ASSERT_TRUE(server.send({.seq = 1,
                             .at = sent,
                             .body = content::JoinEvent{.campaign = "standalone",
                                                        .name = "김*현",
                                                        .channel = "line-main",
                                                        .screen_count = 7,
                                                        .campaign_count = 7}}));
    // Snapshots for three seconds after the event, while the toast (about 4 s) is up.
    ASSERT_TRUE(wait_until([&] {
        const auto shots = player.snapshots();
        return !shots.empty() && shots.back().at_ms >= unix_ms(sent) + 3000;
    })) << player.stderr_text();
    player.process().signal(SIGTERM);
    expect_clean_exit(player, player.wait(15s));

    const auto snapshots = player.snapshots();
    std::vector<Snapshot> before;
    std::vector<Snapshot> after;
    for (const auto& snapshot : snapshots)
        (snapshot.at_ms < unix_ms(sent) ? before : after).push_back(snapshot);
    ASSERT_FALSE(before.empty());
    ASSERT_FALSE(after.empty());

    const Rect toast_area{width / 2, 0, width / 2, height / 4};
    const Rect overlay_area{width / 2, height / 2, width / 2, height / 2};
    const RgbaImage first = load_png(before.front().png);
    for (const auto& snapshot : before)
        EXPECT_EQ(white_pixels(load_png(snapshot.png), toast_area), 0)
            << "text in the toast area before any join: " << snapshot.png.filename();
    // Some frame in the three seconds after the event carries the toast's text.
    int with_toast = 0;
    for (const auto& snapshot : after)
        if (snapshot.at_ms <= unix_ms(sent) + 3000 && white_pixels(load_png(snapshot.png), toast_area) > 100)
            ++with_toast;
    EXPECT_GT(with_toast, 0) << "no toast in " << after.size() << " snapshots after the join";
    // The counter stays: the last frame's overlay differs from the first's, with more text.
    const RgbaImage last = load_png(after.back().png);
    EXPECT_GT(changed_pixels(first, last, overlay_area), 50) << "the overlay did not change after a join";
    EXPECT_GT(white_pixels(last, overlay_area), white_pixels(first, overlay_area) + 30)
        << "no counter text added to the overlay";

    const auto stats = final_stats(player.stats_file());
    ASSERT_TRUE(stats) << "no final stats line after SIGTERM";
    EXPECT_GE(int_of(*stats, "events_shown"), 1);

    // The join's shown record, for the agent to ship: its seq, its campaign, when it was on screen.
    auto state = content::DeviceState::open(dir / "state.db");
    ASSERT_TRUE(state) << state.error().message;
    auto records = (*state)->oldest_records(1000, 1 << 20);
    ASSERT_TRUE(records) << records.error().message;
    std::vector<content::ShownRecord> shown;
    for (const auto& entry : *records)
        if (const auto* record = std::get_if<content::ShownRecord>(&entry.record.body))
            shown.push_back(*record);
    ASSERT_EQ(shown.size(), 1u) << "one shown record per join on screen";
    EXPECT_EQ(shown[0].seq, 1u);
    EXPECT_EQ(shown[0].campaign, "standalone");
    EXPECT_GE(shown[0].at, sent);
}

TEST(PlayerE2E, TellsTheAgentHowItPlaysForTheHealthRecords) {
    TempDir dir;
    EventServer server(dir / "events.sock");
    const auto playlist = dir.write("playlist.yaml", backdrop_playlist(""));
    Player player(dir, RunSetup{playlist}.duration("30s").extra({"--events-socket", server.path().string()}));
    ASSERT_TRUE(server.accept(15s)) << "the player never connected; stderr:\n" << player.stderr_text();
    // A status a second after the start, then every 10 s, each over the frames since the last.
    std::vector<content::PlayerStatus> statuses;
    while (statuses.size() < 2) {
        const auto line = server.read_line(15s);
        ASSERT_TRUE(line) << "no status from the player; stderr:\n" << player.stderr_text();
        auto status = content::parse_player_status(*line);
        ASSERT_TRUE(status) << *line << ": " << status.error().message;
        statuses.push_back(std::move(*status));
    }
    EXPECT_GT(statuses[1].fps, 0.0) << "frames were presented";
    EXPECT_THAT(statuses[1].version, ::testing::MatchesRegex("[0-9]+\\.[0-9]+\\.[0-9]+"));
    EXPECT_FALSE(statuses[1].current_item) << "a playlist's own file is no cached asset";
    player.process().signal(SIGTERM);
    expect_clean_exit(player, player.wait(15s));
}

TEST(PlayerE2E, TakeoverPreemptsEverythingUntilItEnds) {
    TempDir dir;
    EventServer server(dir / "events.sock");
    const auto playlist = dir.write("playlist.yaml", backdrop_playlist(join_block()));
    Player player(dir, RunSetup{playlist}.duration("30s").snapshot_every("200ms").extra(
                           {"--events-socket", server.path().string()}));
    ASSERT_TRUE(server.accept(15s)) << "the player never connected; stderr:\n" << player.stderr_text();
    ASSERT_TRUE(wait_until([&] { return player.snapshots().size() >= 2; })) << player.stderr_text();

    const auto started = wall_now();
    ASSERT_TRUE(
        server.send({.seq = 1,
                     .at = started,
                     .body = content::TakeoverEvent{
                         .id = "t1", .text = "열차 운행 중단 · Service suspended", .until = std::nullopt}}));
    const auto shows = [&](std::string_view content, std::int64_t after_ms) {
        for (const auto& snapshot : player.snapshots())
            if (snapshot.content == content && snapshot.at_ms > after_ms) return true;
        return false;
    };
    ASSERT_TRUE(wait_until([&] { return shows("takeover", unix_ms(started)); })) << player.stderr_text();
    // A few frames of the takeover, then its end.
    std::this_thread::sleep_for(600ms);
    const auto ended = wall_now();
    ASSERT_TRUE(server.send({.seq = 2, .at = ended, .body = content::TakeoverEndEvent{.id = "t1"}}));
    ASSERT_TRUE(wait_until([&] { return shows("item", unix_ms(ended)); })) << player.stderr_text();
    player.process().signal(SIGTERM);
    expect_clean_exit(player, player.wait(15s));

    const Color red{0xb0, 0x00, 0x20, 255};
    int takeover_frames = 0;
    bool seen_takeover = false;
    for (const auto& snapshot : player.snapshots()) {
        const RgbaImage image = load_png(snapshot.png);
        const double red_share = fraction_near(image, whole, red, 30);
        if (snapshot.at_ms < unix_ms(started)) {
            EXPECT_EQ(snapshot.content, "item") << snapshot.png.filename();
            EXPECT_LT(red_share, 0.05) << snapshot.png.filename();
        } else if (snapshot.content == "takeover") {
            seen_takeover = true;
            ++takeover_frames;
            // Red everywhere except the white text; nothing of the item or the overlay is left.
            EXPECT_GT(red_share, 0.8) << snapshot.png.filename();
            EXPECT_GT(white_pixels(image, whole), 200)
                << "no text on the takeover: " << snapshot.png.filename();
            EXPECT_EQ(count_where(image, whole, is_black), 0)
                << "the QR code shows through: " << snapshot.png.filename();
        } else if (seen_takeover && snapshot.at_ms < unix_ms(ended)) {
            ADD_FAILURE() << "the takeover went away before its end: " << snapshot.png.filename() << " is "
                          << snapshot.content;
        } else if (snapshot.at_ms > unix_ms(ended) && snapshot.content == "item") {
            // Back to the item with its overlay.
            EXPECT_LT(red_share, 0.05) << snapshot.png.filename();
            EXPECT_GT(fraction_near(image, {0, 0, width / 2, height / 2}, backdrop, 12), 0.9)
                << snapshot.png.filename();
        }
    }
    EXPECT_GE(takeover_frames, 2);
}

}  // namespace
}  // namespace dwell::test::e2e
