#include "player/playback/playlist.hpp"

#include <filesystem>
#include <source_location>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/temp_dir.hpp"

namespace dwell::player {
namespace {

using ::testing::HasSubstr;
using namespace std::chrono_literals;

class PlaylistTest : public ::testing::Test {
  protected:
    void SetUp() override {
        m_dir.write("media/clip.mp4", "not really a video, only its name matters here");
        m_dir.write("media/poster.png", "png");
        m_dir.write("media/blob", "?");
    }

    Result<Playlist> parse(std::string_view text) {
        return parse_playlist(text, "playlist.yaml", m_dir.path());
    }

    std::string error_of(std::string_view text) {
        auto result = parse(text);
        EXPECT_FALSE(result) << "expected an error for:\n" << text;
        return result ? std::string{} : result.error().message;
    }

    test::TempDir m_dir;
};

TEST_F(PlaylistTest, ReadsTheDocumentedForm) {
    auto playlist = parse(R"(loop: false
screen: { station: seoul, timezone: Asia/Seoul, layout: landscape-ticker }
items:
  - { file: media/clip.mp4 }
  - { file: media/poster.png, duration: 5s }
  - { file: media/blob, type: video, duration: 3s }
join:
  { account: "@dwell", prompt: "{account}에 {code} 보내고 참여하세요", deep_link: "https://line.me/R/oaMessage/@dwell/?{code}",
    secret: 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f, slot: 7, digits: 6, period: 60s }
)");
    ASSERT_TRUE(playlist) << playlist.error().message;
    EXPECT_FALSE(playlist->loop);
    EXPECT_EQ(playlist->screen.station, "seoul");
    EXPECT_EQ(playlist->screen.timezone, "Asia/Seoul");
    EXPECT_EQ(playlist->screen.layout, "landscape-ticker");
    ASSERT_EQ(playlist->items.size(), 3u);
    EXPECT_EQ(playlist->items[0].file, m_dir.path() / "media/clip.mp4");
    EXPECT_EQ(playlist->items[0].kind, content::MediaKind::video);
    EXPECT_FALSE(playlist->items[0].duration);
    EXPECT_EQ(playlist->items[1].kind, content::MediaKind::image);
    EXPECT_EQ(playlist->items[1].duration, 5s);
    EXPECT_EQ(playlist->items[2].kind, content::MediaKind::video);
    ASSERT_TRUE(playlist->join);
    EXPECT_EQ(playlist->join->slot, 7u);
    EXPECT_EQ(playlist->join->secret[31], 0x1f);
    EXPECT_EQ(playlist->join->period, 60s);
}

TEST_F(PlaylistTest, DefaultsLoopAndAStandaloneScreen) {
    auto playlist = parse("items: [{ file: media/clip.mp4, duration: auto }]\n");
    ASSERT_TRUE(playlist) << playlist.error().message;
    EXPECT_TRUE(playlist->loop);
    EXPECT_EQ(playlist->screen.id, "standalone");
    EXPECT_EQ(playlist->screen.timezone, "UTC");
    EXPECT_EQ(playlist->screen.layout, "fullscreen");
    EXPECT_FALSE(playlist->join);
}

TEST_F(PlaylistTest, ItemProblemsAreAllReported) {
    const auto message = error_of(R"(items:
  - { file: media/clip.mp4, fit: stretch }
  - { file: media/poster.png }
  - { file: media/blob }
  - { file: media/clip.mp4, duration: soon }
  - { file: media/clip.mp4, lenght: 3s }
)");
    EXPECT_THAT(message,
                HasSubstr("playlist.yaml:2:34: items[0].fit: expected fit or fill, got \"stretch\""));
    EXPECT_THAT(message, HasSubstr("playlist.yaml:3:5: items[1].duration: an image needs a duration"));
    EXPECT_THAT(
        message,
        HasSubstr("playlist.yaml:4:13: items[2].file: cannot tell whether blob is a video or an image"));
    EXPECT_THAT(message, HasSubstr("playlist.yaml:5:39: items[3].duration: \"soon\" is not a duration"));
    EXPECT_THAT(message, HasSubstr("playlist.yaml:6:29: items[4].lenght: unknown key"));
    EXPECT_THAT(message, HasSubstr("5 problems"));
}

// A missing file is what a screen meets when an asset went away: it is skipped when its turn comes,
// with an error record, rather than refusing the whole playlist.
TEST_F(PlaylistTest, AMissingFileIsAcceptedAndPlayedAsAFailure) {
    auto playlist = parse("items: [{ file: media/missing.mp4 }, { file: media/clip.mp4 }]\n");
    ASSERT_TRUE(playlist) << playlist.error().message;
    ASSERT_EQ(playlist->items.size(), 2u);
    EXPECT_EQ(playlist->items[0].file, m_dir.path() / "media/missing.mp4");
}

TEST_F(PlaylistTest, ReadsTransitionTickerFallbackAndFit) {
    auto playlist = parse(R"(transition: { type: crossfade, duration: 800ms }
ticker: "다음 열차 3분"
fallback: { color: "#204080" }
items: [{ file: media/poster.png, duration: 5s, fit: fill }, { file: media/clip.mp4 }]
)");
    ASSERT_TRUE(playlist) << playlist.error().message;
    EXPECT_EQ(playlist->transition, (Transition{TransitionKind::crossfade, 800ms}));
    EXPECT_EQ(playlist->ticker, "다음 열차 3분");
    EXPECT_EQ(playlist->fallback_color, (Color{0x20, 0x40, 0x80, 255}));
    EXPECT_EQ(playlist->items[0].scaling, Scaling::fill);
    EXPECT_EQ(playlist->items[1].scaling, Scaling::fit);

    const auto message = error_of(R"(transition: { type: wipe, duration: 0s }
fallback: { color: blue }
items: [{ file: media/clip.mp4 }]
)");
    EXPECT_THAT(message, HasSubstr("transition.type: expected cut or crossfade, got \"wipe\""));
    EXPECT_THAT(message, HasSubstr("transition.duration:"));
    EXPECT_THAT(message, HasSubstr("fallback.color: expected a colour like #1f3a5f"));
}

TEST(TransitionText, ParsesTheCommandLineForm) {
    EXPECT_EQ(parse_transition("cut"), (Transition{TransitionKind::cut, 500ms}));
    EXPECT_EQ(parse_transition("crossfade"), (Transition{TransitionKind::crossfade, 500ms}));
    EXPECT_EQ(parse_transition("crossfade:1s"), (Transition{TransitionKind::crossfade, 1000ms}));
    for (const auto* bad : {"", "wipe", "cut:1s", "crossfade:", "crossfade:-1s", "crossfade:fast"}) {
        auto transition = parse_transition(bad);
        ASSERT_FALSE(transition) << bad;
        EXPECT_EQ(transition.error().code, Errc::invalid_input);
        EXPECT_THAT(transition.error().message, HasSubstr(bad));
    }
}

TEST(ColorText, ParsesHexWithOptionalAlpha) {
    EXPECT_EQ(parse_color("#1f3a5f"), (Color{0x1f, 0x3a, 0x5f, 255}));
    EXPECT_EQ(parse_color("#1F3A5F80"), (Color{0x1f, 0x3a, 0x5f, 0x80}));
    for (const auto* bad : {"", "1f3a5f", "#1f3a5", "#1f3a5fz0", "#gggggg", "#1f3a5f8"}) {
        EXPECT_FALSE(parse_color(bad)) << bad;
    }
}

TEST_F(PlaylistTest, EmptyOrMissingItemsAreRefused) {
    EXPECT_THAT(error_of("items: []\n"), HasSubstr("items: needs at least one item"));
    EXPECT_THAT(error_of("loop: true\n"), HasSubstr("items: missing required key"));
    EXPECT_THAT(error_of("items: media/clip.mp4\n"), HasSubstr("items: expected a list"));
}

TEST_F(PlaylistTest, ScreenProblems) {
    const auto message = error_of(R"(screen: { station: Seoul, timezone: Asia/Seol, layout: split }
items: [{ file: media/clip.mp4 }]
)");
    EXPECT_THAT(message, HasSubstr("screen.station: \"Seoul\" is not an id"));
    EXPECT_THAT(message, HasSubstr("screen.timezone: unknown time zone \"Asia/Seol\""));
    EXPECT_THAT(message, HasSubstr("screen.layout: \"split\" is not a layout"));
}

TEST_F(PlaylistTest, JoinProblems) {
    const auto message = error_of(R"(items: [{ file: media/clip.mp4 }]
join: { account: "", prompt: "join now", deep_link: "https://x", secret: 00ff, digits: 3 }
)");
    EXPECT_THAT(message, HasSubstr("join.account: must not be empty"));
    EXPECT_THAT(message, HasSubstr("join.prompt: \"join now\" has no {code}"));
    EXPECT_THAT(message, HasSubstr("join.deep_link: \"https://x\" has no {code}"));
    EXPECT_THAT(message, HasSubstr("join.secret:"));
    EXPECT_THAT(message, HasSubstr("join.digits:"));
    const auto slot = error_of(R"(items: [{ file: media/clip.mp4 }]
join: { account: a, prompt: "{code}", deep_link: "{code}", slot: 10000, digits: 4,
        secret: 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f }
)");
    EXPECT_THAT(slot, HasSubstr("join.slot: slot 10000 is out of range; expected 0 to 9999"));
}

TEST_F(PlaylistTest, LoadsFromAFileRelativeToItsFolder) {
    const auto file =
        m_dir.write("lists/demo.yaml", "items: [{ file: ../media/poster.png, duration: 2s }]\n");
    auto playlist = load_playlist(file);
    ASSERT_TRUE(playlist) << playlist.error().message;
    EXPECT_EQ(playlist->items[0].file, (m_dir.path() / "media/poster.png").lexically_normal());
    auto missing = load_playlist(m_dir / "nope.yaml");
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().code, Errc::not_found);
}

// The example the README points newcomers at must stay a valid playlist.
TEST(ExamplePlaylist, Loads) {
    const auto root =
        std::filesystem::path{std::source_location::current().file_name()}.parent_path() / "../../..";
    auto playlist = load_playlist(root / "deploy/examples/playlist.yaml");
    ASSERT_TRUE(playlist) << playlist.error().message;
    EXPECT_EQ(playlist->items.size(), 3u);
    EXPECT_EQ(playlist->screen.layout, "landscape-ticker");
    EXPECT_EQ(playlist->transition.kind, TransitionKind::crossfade);
    ASSERT_TRUE(playlist->join);
    EXPECT_EQ(playlist->join->account, "@dwell");
}

}  // namespace
}  // namespace dwell::player
