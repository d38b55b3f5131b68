// The scene is drawn on SDL's offscreen driver at 640x360 and checked on the pixels read back: what a
// commuter would see, and the QR code read by zbarimg the way a phone reads it.
#include "player/scene/scene.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "tests/support/temp_dir.hpp"

namespace dwell::player {
namespace {

using namespace std::chrono_literals;

constexpr config::PixelSize output{640, 360};
const config::WallTime wall0 =
    std::chrono::sys_days{std::chrono::year{2026} / 3 / 2} + std::chrono::hours{10};
const SteadyTime base = SteadyTime{} + std::chrono::hours{1};

constexpr Color fallback_blue{0x22, 0x55, 0x88, 255};
constexpr Color magenta{200, 60, 200, 255};  // the item in the main zone
constexpr Color takeover_red{0xb0, 0x00, 0x20, 255};
constexpr Color ticker_dark{0x10, 0x14, 0x18, 255};
constexpr Color toast_green{0x14, 0x78, 0x3c, 230};

bool near(Color actual, Color expected, int tolerance = 12) {
    const auto close = [tolerance](int a, int b) { return std::abs(a - b) <= tolerance; };
    return close(actual.r, expected.r) && close(actual.g, expected.g) && close(actual.b, expected.b);
}

std::string show(Color c) {
    return "(" + std::to_string(c.r) + "," + std::to_string(c.g) + "," + std::to_string(c.b) + ")";
}

// `top` with alpha `top.a` over the opaque `bottom`.
Color over(Color top, Color bottom) {
    const auto mix = [&](std::uint8_t t, std::uint8_t b) {
        return static_cast<std::uint8_t>((t * top.a + b * (255 - top.a)) / 255);
    };
    return {mix(top.r, bottom.r), mix(top.g, bottom.g), mix(top.b, bottom.b), 255};
}

bool white(Color c) {
    return c.r > 230 && c.g > 230 && c.b > 230;
}
bool black(Color c) {
    return c.r < 8 && c.g < 8 && c.b < 8;
}

// Pixels of `image` inside `area` for which `match` holds.
template <class Match>
int count(const RgbaImage& image, Rect area, Match match) {
    int n = 0;
    for (int y = std::max(0, area.y); y < std::min(image.height(), area.y + area.height); ++y)
        for (int x = std::max(0, area.x); x < std::min(image.width(), area.x + area.width); ++x)
            if (match(image.pixel(x, y))) ++n;
    return n;
}

// The smallest rectangle holding every pixel of `area` for which `match` holds; empty when none.
template <class Match>
Rect bounds(const RgbaImage& image, Rect area, Match match) {
    int left = image.width(), top = image.height(), right = -1, bottom = -1;
    for (int y = std::max(0, area.y); y < std::min(image.height(), area.y + area.height); ++y)
        for (int x = std::max(0, area.x); x < std::min(image.width(), area.x + area.width); ++x)
            if (match(image.pixel(x, y))) {
                left = std::min(left, x);
                right = std::max(right, x);
                top = std::min(top, y);
                bottom = std::max(bottom, y);
            }
    if (right < 0) return {};
    return {left, top, right - left + 1, bottom - top + 1};
}

// What zbarimg reads in `png`, or nullopt when it finds no code.
std::optional<std::string> scan(const std::filesystem::path& png) {
    const std::string command = "zbarimg --raw -q '" + png.string() + "' 2>/dev/null";
    FILE* pipe = ::popen(command.c_str(), "r");
    if (pipe == nullptr) return std::nullopt;
    std::string text;
    char buffer[4096];
    while (const std::size_t read = std::fread(buffer, 1, sizeof buffer, pipe)) text.append(buffer, read);
    if (::pclose(pipe) != 0) return std::nullopt;
    if (!text.empty() && text.back() == '\n') text.pop_back();
    return text;
}

bool have_zbarimg() {
    return std::system("command -v zbarimg > /dev/null 2>&1") == 0;
}

content::LiveEvent join_event(std::uint64_t seq, std::string name, std::uint64_t campaign_count) {
    content::JoinEvent join;
    join.campaign = "c1";
    join.name = std::move(name);
    join.channel = "line-main";
    join.screen_count = campaign_count / 2;
    join.campaign_count = campaign_count;
    return {seq, wall0 - 50ms, join};
}

content::LiveEvent control(std::uint64_t seq, content::LiveEventBody body) {
    return {seq, wall0 - 20ms, std::move(body)};
}

class SceneTest : public ::testing::Test {
  protected:
    void SetUp() override {
        ::setenv("SDL_VIDEODRIVER", "offscreen", 0);
        ::setenv("SDL_AUDIODRIVER", "dummy", 0);
        RendererOptions options;
        options.driver = config::VideoDriver::offscreen;
        options.size = output;
        options.vsync = VSync::off;
        auto renderer = Renderer::create(options);
        ASSERT_TRUE(renderer) << renderer.error().message;
        m_renderer = std::move(*renderer);
        auto scene = Scene::create(*m_renderer);
        ASSERT_TRUE(scene) << scene.error().message;
        m_scene = std::move(*scene);
        auto item = m_renderer->create_texture(RgbaImage{64, 36, magenta});
        ASSERT_TRUE(item) << item.error().message;
        m_item = std::move(*item);
    }

    // A program of one campaign "c1" at station "seoul", interactive unless `join` is false.
    static Program program(bool join = true, content::Overlay overlay = {}) {
        Program program;
        program.screen.id = "s1";
        program.screen.station = "seoul";
        program.screen.timezone = "UTC";
        program.fallback_color = fallback_blue;
        if (join) {
            content::JoinSecret secret{};
            for (std::size_t i = 0; i < secret.size(); ++i) secret[i] = static_cast<std::uint8_t>(i);
            auto space = content::JoinCodeSpace::create(secret, 6, 60s);
            EXPECT_TRUE(space) << space.error().message;
            program.joins.emplace("c1",
                                  ProgramJoin{{"@dwell", "{account}에 {code} 보내고 참여하세요",
                                               "https://line.me/R/oaMessage/{account}/?{code}", *space, 7},
                                              overlay});
        }
        return program;
    }

    void use(Program program) {
        m_program = std::make_shared<const Program>(std::move(program));
        m_scene->set_program(m_program);
    }

    // The main zone showing campaign c1's item (magenta, filling the zone).
    MainView item_view() {
        MainView view;
        MainLayer layer;
        layer.image = &m_item;
        layer.draw.scaling = Scaling::fill;
        view.layers.push_back(layer);
        view.campaign = "c1";
        view.file = "magenta.png";
        return view;
    }

    RgbaImage draw(MainView view, config::WallTime wall = wall0, SteadyTime now = base,
                   ZoneContent expected = ZoneContent::item) {
        EXPECT_EQ(m_scene->draw(view, wall, now), expected);
        auto pixels = m_renderer->read_pixels();
        EXPECT_TRUE(pixels) << pixels.error().message;
        return pixels ? std::move(*pixels) : RgbaImage{output.width, output.height};
    }
    RgbaImage draw_fallback(config::WallTime wall = wall0, SteadyTime now = base) {
        return draw(MainView{}, wall, now, ZoneContent::fallback);
    }

    // The first row from the top where column `x` turns from the item to the overlay panel.
    static int panel_top(const RgbaImage& image, int x) {
        const Color panel = over(Color{0, 0, 0, 180}, magenta);
        for (int y = 0; y < image.height(); ++y)
            if (near(image.pixel(x, y), panel, 6)) return y;
        return -1;
    }

    std::unique_ptr<Renderer> m_renderer;
    std::unique_ptr<Scene> m_scene;  // after the renderer: gone before it
    std::shared_ptr<const Program> m_program;
    Texture m_item;
};

// ---- fallback slide -------------------------------------------------------------------------

TEST_F(SceneTest, FallbackSlideFillsTheScreenWithTheFallbackColourAndTheStationName) {
    use(program());
    const RgbaImage image = draw_fallback();
    for (const auto& [x, y] :
         std::vector<std::pair<int, int>>{{2, 2}, {637, 2}, {2, 357}, {637, 357}, {320, 180}})
        EXPECT_TRUE(near(image.pixel(x, y), fallback_blue))
            << x << "," << y << " is " << show(image.pixel(x, y));
    // The station name above the middle, the clock below it, both centred and never black.
    const Rect title = bounds(image, {0, 0, 640, 180}, white);
    const Rect clock = bounds(image, {0, 180, 640, 180}, white);
    ASSERT_FALSE(title.empty()) << "no station name";
    ASSERT_FALSE(clock.empty()) << "no clock";
    EXPECT_NEAR(title.x + title.width / 2, 320, 8);
    EXPECT_NEAR(clock.x + clock.width / 2, 320, 8);
    EXPECT_GT(title.width, title.height) << "a line of text";
    EXPECT_FALSE(is_blank(image, m_renderer->output_rect()));
    EXPECT_EQ(m_scene->current_code(), std::nullopt);
}

TEST_F(SceneTest, FallbackSlideNamesTheStation) {
    Program other = program();
    other.screen.station = "gangnam university hospital";
    use(program());
    const Rect seoul = bounds(draw_fallback(), {0, 0, 640, 180}, white);
    use(std::move(other));
    const Rect gangnam = bounds(draw_fallback(), {0, 0, 640, 180}, white);
    EXPECT_GT(gangnam.width, seoul.width * 2) << "the longer name takes more room";
}

TEST_F(SceneTest, FallbackSlideWithoutAProgramIsNeverBlack) {
    const RgbaImage image = draw_fallback();
    EXPECT_TRUE(near(image.pixel(5, 5), Program{}.fallback_color)) << show(image.pixel(5, 5));
    EXPECT_GT(count(image, {0, 0, 640, 180}, white), 50) << "a name is shown";
}

// ---- join overlay -------------------------------------------------------------------------------

TEST_F(SceneTest, JoinOverlayShowsAPanelWithAQrCodeAtTheBottomRight) {
    use(program());
    const RgbaImage image = draw(item_view());
    EXPECT_TRUE(near(image.pixel(10, 10), magenta)) << "the item itself is not covered";
    EXPECT_TRUE(near(image.pixel(10, 350), magenta));

    const Color panel = over(Color{0, 0, 0, 180}, magenta);
    const Rect panel_area =
        bounds(image, m_renderer->output_rect(), [&](Color c) { return near(c, panel, 6); });
    ASSERT_FALSE(panel_area.empty()) << "no overlay panel";
    EXPECT_GT(panel_area.x, 320) << "on the right";
    EXPECT_GT(panel_area.y, 60) << "at the bottom";
    EXPECT_GE(panel_area.x + panel_area.width, 620) << "against the right margin";
    EXPECT_GE(panel_area.y + panel_area.height, 340) << "against the bottom margin";

    // The QR code: black modules on white, inside the panel.
    const Rect qr = bounds(image, m_renderer->output_rect(), black);
    ASSERT_FALSE(qr.empty()) << "no dark QR modules";
    EXPECT_GE(qr.x, panel_area.x);
    EXPECT_GE(qr.y, panel_area.y);
    EXPECT_LE(qr.x + qr.width, panel_area.x + panel_area.width);
    EXPECT_LE(qr.y + qr.height, panel_area.y + panel_area.height);
    EXPECT_NEAR(qr.width, qr.height, 2) << "square";
    EXPECT_GE(qr.width, 21) << "at least a version-1 code";
    const int dark = count(image, qr, black);
    const int light = count(image, qr, white);
    EXPECT_GT(dark, qr.width * qr.height / 5);
    EXPECT_GT(light, qr.width * qr.height / 5);

    // Korean prompt text in white above the code.
    EXPECT_GT(count(image, {panel_area.x, panel_area.y, panel_area.width, qr.y - panel_area.y}, white), 40);
}

TEST_F(SceneTest, WarmingUpLeavesNoTraceOnTheFramesThatFollow) {
    // The overlay drawn ahead leaves the first frames exactly as they are without it: the item's
    // frame shows the panel where it belongs, the fallback no panel at all.
    use(program());
    const RgbaImage cold_item = draw(item_view());
    const RgbaImage cold_fallback = draw_fallback();

    // A fresh renderer and scene, warmed up this time.
    m_item = Texture{};
    m_scene.reset();
    m_renderer.reset();
    SetUp();
    use(program());
    m_scene->warm_up(wall0);
    EXPECT_EQ(draw_fallback(), cold_fallback);
    m_scene->warm_up(wall0);
    EXPECT_EQ(draw(item_view()), cold_item);
}

TEST_F(SceneTest, QrCodeOnScreenScansToTheDeepLinkWithTheCurrentCode) {
    if (!have_zbarimg()) GTEST_SKIP() << "zbarimg (zbar-tools) is not installed";
    Program interactive = program();
    const JoinPromptSource source = interactive.joins.at("c1").source;
    use(std::move(interactive));
    const RgbaImage image = draw(item_view());
    const auto prompt = join_prompt_at(source, wall0);
    ASSERT_TRUE(prompt) << prompt.error().message;
    EXPECT_EQ(m_scene->current_code(), prompt->code) << "the code of this screen's slot now";
    EXPECT_EQ(prompt->deep_link, "https://line.me/R/oaMessage/@dwell/?" + prompt->code);

    const test::TempDir dir;
    ASSERT_TRUE(write_png(image, dir / "frame.png"));
    EXPECT_EQ(scan(dir / "frame.png"), prompt->deep_link);
}

TEST_F(SceneTest, JoinCodeChangesWithThePeriod) {
    Program interactive = program();
    const JoinPromptSource source = interactive.joins.at("c1").source;
    use(std::move(interactive));
    (void)draw(item_view(), wall0, base);
    const auto now = join_prompt_at(source, wall0);
    ASSERT_TRUE(now);
    EXPECT_EQ(m_scene->current_code(), now->code);
    EXPECT_GT(m_scene->next_deadline(wall0, base), base);
    EXPECT_LE(m_scene->next_deadline(wall0, base), base + (now->changes_at - wall0))
        << "wakes for the next code";

    const auto later = join_prompt_at(source, now->changes_at);
    ASSERT_TRUE(later);
    (void)draw(item_view(), now->changes_at, base + (now->changes_at - wall0));
    EXPECT_EQ(m_scene->current_code(), later->code);
}

TEST_F(SceneTest, NoOverlayForACampaignWithoutJoin) {
    use(program(/*join=*/false));
    const RgbaImage image = draw(item_view());
    EXPECT_EQ(count(image, m_renderer->output_rect(), [](Color c) { return !near(c, magenta, 4); }), 0)
        << "only the item is on screen";
}

// ---- joins, counters, toasts ------------------------------------------------------------------

TEST_F(SceneTest, JoinShowsAToastAndTheCounterAndIsPresentedOnce) {
    use(program());
    const RgbaImage before = draw(item_view());
    const Rect top_right{320, 0, 320, 90};
    const Color toast = over(toast_green, magenta);
    const auto is_toast = [&](Color c) { return near(c, toast, 8); };
    EXPECT_EQ(count(before, top_right, is_toast), 0);
    const int top_before = panel_top(before, 630 - 204 + 3);
    ASSERT_GT(top_before, 0);
    EXPECT_TRUE(m_scene->take_presented().empty());

    EventBatch batch;
    batch.joins.push_back(join_event(7, "김*현", 42));
    batch.joins_total = 1;
    batch.last_seq = 7;
    m_scene->apply(batch, base + 100ms);
    const RgbaImage after = draw(item_view(), wall0 + 100ms, base + 100ms);

    // The toast: a box at the top right, with white text in it.
    const Rect box = bounds(after, m_renderer->output_rect(), is_toast);
    ASSERT_FALSE(box.empty()) << "no toast";
    EXPECT_GT(box.x, 320) << "right";
    EXPECT_LT(box.y + box.height, 120) << "top";
    EXPECT_GE(box.x + box.width, 620);
    EXPECT_GT(count(after, box, white), 30) << "the toast says who joined";

    // The counter makes the panel taller.
    const int top_after = panel_top(after, 630 - 204 + 3);
    EXPECT_LT(top_after, top_before - 10) << "a counter line was added to the overlay";

    const auto presented = m_scene->take_presented();
    ASSERT_EQ(presented.size(), 1u);
    EXPECT_EQ(presented[0].seq, 7u);
    EXPECT_EQ(presented[0].campaign, "c1");
    EXPECT_EQ(presented[0].at, wall0 - 50ms);
    EXPECT_TRUE(presented[0].join);
    EXPECT_TRUE(m_scene->take_presented().empty()) << "given once";
    (void)draw(item_view(), wall0 + 200ms, base + 200ms);
    EXPECT_TRUE(m_scene->take_presented().empty()) << "not again in the next frame";

    // The toast goes after its time; the counter stays.
    const RgbaImage later = draw(item_view(), wall0 + 5s, base + 100ms + 4s);
    EXPECT_EQ(count(later, m_renderer->output_rect(), is_toast), 0) << "the toast is gone after toast_time";
    EXPECT_EQ(panel_top(later, 630 - 204 + 3), top_after);
}

TEST_F(SceneTest, JoinIsNotPresentedBeforeItIsDrawn) {
    use(program());
    EventBatch batch;
    batch.joins.push_back(join_event(3, "J***n", 5));
    batch.joins_total = 1;
    m_scene->apply(batch, base);
    EXPECT_TRUE(m_scene->take_presented().empty()) << "applied, not yet on screen";
    EXPECT_EQ(m_scene->next_deadline(wall0, base), base) << "a frame is due at once";
    (void)draw(item_view());
    EXPECT_EQ(m_scene->take_presented().size(), 1u);
}

TEST_F(SceneTest, BurstOfJoinsShowsOnlyTheNewestToastsButCountsThemAll) {
    use(program());
    EventBatch batch;
    for (std::uint64_t seq = 1; seq <= 6; ++seq) batch.joins.push_back(join_event(seq, "", 100 + seq));
    batch.joins_total = 6;
    m_scene->apply(batch, base);
    (void)draw(item_view());
    const auto presented = m_scene->take_presented();
    ASSERT_EQ(presented.size(), 3u) << "max_toasts";
    std::vector<std::uint64_t> seqs;
    for (const auto& event : presented) seqs.push_back(event.seq);
    std::ranges::sort(seqs);
    EXPECT_EQ(seqs, (std::vector<std::uint64_t>{4, 5, 6})) << "the newest joins get the toasts";
}

TEST_F(SceneTest, NoToastWhenTheOverlayTurnsToastsOff) {
    content::Overlay overlay;
    overlay.toasts = false;
    use(program(true, overlay));
    EventBatch batch;
    batch.joins.push_back(join_event(9, "김*현", 42));
    batch.joins_total = 1;
    m_scene->apply(batch, base);
    const RgbaImage image = draw(item_view());
    const Color toast = over(toast_green, magenta);
    EXPECT_EQ(count(image, m_renderer->output_rect(), [&](Color c) { return near(c, toast, 8); }), 0)
        << "the campaign's overlay says toasts: false";
}

// PresentedEvent::join is "a join whose toast went up: it gets a shown record". A takeover covers
// the toasts, so a join that arrives under one has not been seen yet.
TEST_F(SceneTest, JoinUnderATakeoverIsNotReportedShownWhileItsToastIsCovered) {
    use(program());
    EventBatch start;
    start.control.push_back(control(1, content::TakeoverEvent{"t1", "운행 중단 안내", std::nullopt}));
    m_scene->apply(start, base);
    (void)draw(item_view(), wall0, base, ZoneContent::takeover);
    (void)m_scene->take_presented();

    EventBatch batch;
    batch.joins.push_back(join_event(2, "김*현", 42));
    batch.joins_total = 1;
    m_scene->apply(batch, base + 100ms);
    const RgbaImage image = draw(item_view(), wall0 + 100ms, base + 100ms, ZoneContent::takeover);
    EXPECT_EQ(count(image, m_renderer->output_rect(),
                    [](Color c) { return near(c, over(toast_green, takeover_red), 8); }),
              0)
        << "the takeover covers everything";
    for (const PresentedEvent& event : m_scene->take_presented())
        EXPECT_FALSE(event.join) << "join " << event.seq << " reported shown, but no toast was on screen";
}

// ---- takeover -------------------------------------------------------------------------------------

TEST_F(SceneTest, TakeoverFillsTheScreenUntilItsOwnEndArrives) {
    use(program());
    EventBatch start;
    start.control.push_back(control(11, content::TakeoverEvent{"t1", "운행 중단 안내", std::nullopt}));
    m_scene->apply(start, base);
    EXPECT_TRUE(m_scene->takeover_active(wall0));
    RgbaImage image = draw(item_view(), wall0, base, ZoneContent::takeover);
    for (const auto& [x, y] :
         std::vector<std::pair<int, int>>{{2, 2}, {637, 2}, {2, 357}, {637, 357}, {600, 300}})
        EXPECT_TRUE(near(image.pixel(x, y), takeover_red))
            << x << "," << y << " is " << show(image.pixel(x, y));
    EXPECT_EQ(count(image, m_renderer->output_rect(), black), 0) << "no QR code over the takeover";
    EXPECT_GT(count(image, {0, 90, 640, 180}, white), 100) << "the text in the middle";
    const auto presented = m_scene->take_presented();
    ASSERT_EQ(presented.size(), 1u);
    EXPECT_EQ(presented[0].seq, 11u);
    EXPECT_FALSE(presented[0].join);

    EventBatch other_end;
    other_end.control.push_back(control(12, content::TakeoverEndEvent{"t0"}));
    m_scene->apply(other_end, base);
    image = draw(item_view(), wall0 + 1s, base + 1s, ZoneContent::takeover);
    EXPECT_TRUE(near(image.pixel(10, 10), takeover_red)) << "another takeover's end does not end this one";

    EventBatch end;
    end.control.push_back(control(13, content::TakeoverEndEvent{"t1"}));
    m_scene->apply(end, base + 2s);
    EXPECT_FALSE(m_scene->takeover_active(wall0 + 2s));
    image = draw(item_view(), wall0 + 2s, base + 2s, ZoneContent::item);
    EXPECT_TRUE(near(image.pixel(10, 10), magenta)) << "the item is back";
}

TEST_F(SceneTest, TakeoverEndsWhenItsUntilPasses) {
    use(program());
    EventBatch start;
    start.control.push_back(control(1, content::TakeoverEvent{"t1", "점검 중", wall0 + 5s}));
    m_scene->apply(start, base);
    RgbaImage image = draw(MainView{}, wall0 + 4999ms, base, ZoneContent::takeover);
    EXPECT_TRUE(near(image.pixel(10, 10), takeover_red));
    EXPECT_LE(m_scene->next_deadline(wall0 + 4999ms, base), base + 1ms) << "wakes when it ends";
    image = draw(MainView{}, wall0 + 5s, base + 1ms, ZoneContent::fallback);
    EXPECT_TRUE(near(image.pixel(10, 10), fallback_blue));
}

TEST_F(SceneTest, TakeoverWhoseUntilHasPassedNeverShows) {
    use(program());
    EventBatch start;
    start.control.push_back(control(1, content::TakeoverEvent{"t1", "점검 중", wall0 - 1s}));
    m_scene->apply(start, base);
    EXPECT_FALSE(m_scene->takeover_active(wall0));
    const RgbaImage image = draw(MainView{}, wall0, base, ZoneContent::fallback);
    EXPECT_TRUE(near(image.pixel(10, 10), fallback_blue));
}

TEST_F(SceneTest, SnapshotRestoresTheTakeoverAndClearsIt) {
    use(program());
    content::SnapshotEvent with;
    with.takeover = content::TakeoverEvent{"t5", "안내", std::nullopt};
    with.counters.push_back({"c1", 3, 30});
    EventBatch batch;
    batch.control.push_back(control(20, with));
    m_scene->apply(batch, base);
    (void)draw(item_view(), wall0, base, ZoneContent::takeover);

    EventBatch clear;
    clear.control.push_back(control(21, content::SnapshotEvent{}));
    m_scene->apply(clear, base);
    const RgbaImage image = draw(item_view(), wall0, base, ZoneContent::item);
    EXPECT_TRUE(near(image.pixel(10, 10), magenta));
}

// ---- layouts and orientation ----------------------------------------------------------------------

TEST_F(SceneTest, LandscapeTickerLayoutPutsTheTickerStripAtTheBottom) {
    Program ticker = program();
    ticker.screen.layout = "landscape-ticker";
    use(std::move(ticker));
    const RgbaImage image = draw_fallback();
    // main is the top 90 %, the ticker the bottom 10 % (324..359).
    EXPECT_TRUE(near(image.pixel(5, 320), fallback_blue)) << show(image.pixel(5, 320));
    EXPECT_TRUE(near(image.pixel(5, 330), ticker_dark)) << show(image.pixel(5, 330));
    EXPECT_TRUE(near(image.pixel(635, 358), ticker_dark)) << show(image.pixel(635, 358));
    EXPECT_TRUE(near(image.pixel(635, 5), fallback_blue));
}

TEST_F(SceneTest, PortraitScreenIsDrawnTurned) {
    Program portrait = program();
    portrait.screen.layout = "portrait";
    portrait.screen.orientation = content::Orientation::portrait;
    portrait.screen.station = "seoul station";
    use(std::move(portrait));
    const RgbaImage image = draw_fallback();

    // The side strip (the bottom 20 % of the upright picture) runs along the left or the right
    // edge of the panel, the whole height of the output; never along the panel's bottom.
    const auto strip_at = [&](int x0) {
        for (int y = 0; y < output.height; y += 8)
            for (int x = x0; x < x0 + 120; x += 8)
                if (!near(image.pixel(x, y), ticker_dark)) return false;
        return true;
    };
    const bool left = strip_at(4);
    const bool right = strip_at(output.width - 124);
    EXPECT_TRUE(left != right) << "the strip is along exactly one short edge (left " << left << ", right "
                               << right << ")";
    EXPECT_TRUE(near(image.pixel(320, 355), fallback_blue))
        << "the bottom edge is the main zone's, not the strip's";
    EXPECT_TRUE(near(image.pixel(320, 4), fallback_blue));

    // The station name and clock are turned: their text runs down the panel, not across it.
    const Rect main_zone = left ? Rect{128, 0, 512, 360} : Rect{0, 0, 512, 360};
    const Rect text = bounds(image, main_zone, white);
    ASSERT_FALSE(text.empty());
    EXPECT_GT(text.height, text.width * 3 / 2) << "text " << text.width << "x" << text.height;
}

TEST_F(SceneTest, PortraitOverlayStaysInsideTheMainZone) {
    Program portrait = program();
    portrait.screen.layout = "portrait";
    portrait.screen.orientation = content::Orientation::portrait;
    use(std::move(portrait));
    const RgbaImage image = draw(item_view());
    const Rect qr = bounds(image, m_renderer->output_rect(), black);
    ASSERT_FALSE(qr.empty()) << "no QR code";
    const bool strip_left = near(image.pixel(4, 180), ticker_dark);
    if (strip_left) {
        EXPECT_GE(qr.x, 128) << "not over the side strip";
    } else {
        EXPECT_LE(qr.x + qr.width, 512) << "not over the side strip";
    }
    EXPECT_NEAR(qr.width, qr.height, 2);
}

}  // namespace
}  // namespace dwell::player
