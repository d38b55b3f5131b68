// Text is rendered with the real Noto Sans CJK fonts from fonts-noto-cjk and inspected pixel by pixel.
#include "player/render/text.hpp"

#include <string>

#include <gtest/gtest.h>

#include "tests/support/temp_dir.hpp"

namespace dwell::player {
namespace {

constexpr Color white{255, 255, 255, 255};

TextStyle style(int pixel_size, FontWeight weight = FontWeight::regular, Color color = white,
                int wrap_width = 0) {
    TextStyle text_style;
    text_style.pixel_size = pixel_size;
    text_style.weight = weight;
    text_style.color = color;
    text_style.wrap_width = wrap_width;
    return text_style;
}

std::unique_ptr<TextRenderer> make(TextOptions options = {}) {
    auto created = TextRenderer::create(std::move(options));
    if (!created) ADD_FAILURE() << created.error().message;
    return created ? std::move(*created) : nullptr;
}

struct Ink {
    int solid = 0;        // pixels where the glyphs are
    int clear = 0;        // pixels with nothing on them
    long long total = 0;  // the sum of alpha: how much is drawn
};

Ink ink(const RgbaImage& image) {
    Ink counted;
    for (int y = 0; y < image.height(); ++y) {
        for (int x = 0; x < image.width(); ++x) {
            const std::uint8_t alpha = image.pixel(x, y).a;
            if (alpha >= 200) ++counted.solid;
            if (alpha == 0) ++counted.clear;
            counted.total += alpha;
        }
    }
    return counted;
}

TEST(TextRenderer, KoreanTextRendersWithInk) {
    auto text = make();
    ASSERT_TRUE(text);
    const auto image = text->render("참여 482913", style(32));
    ASSERT_TRUE(image) << image.error().message;
    EXPECT_GT(image->width(), image->height());
    EXPECT_GE(image->height(), 32);
    const Ink counted = ink(*image);
    EXPECT_GT(counted.solid, 100);
    EXPECT_GT(counted.clear, counted.solid);  // glyphs on an empty background, not a filled box
}

TEST(TextRenderer, EachHangulSyllableHasItsOwnGlyph) {
    // A font without Hangul draws the same replacement box for every syllable.
    auto text = make();
    ASSERT_TRUE(text);
    const auto cham = text->render("참", style(40));
    const auto yeo = text->render("여", style(40));
    const auto missing = text->render("\U000F0000", style(40));  // private use: no glyph
    ASSERT_TRUE(cham && yeo && missing);
    EXPECT_NE(*cham, *yeo);
    EXPECT_NE(*cham, *missing);
    EXPECT_NE(*yeo, *missing);
}

TEST(TextRenderer, TextTakesTheStyleColour) {
    auto text = make();
    ASSERT_TRUE(text);
    const Color amber{255, 191, 0, 255};
    const auto image = text->render("환승 Transfer", style(24, FontWeight::regular, amber));
    ASSERT_TRUE(image);
    int checked = 0;
    for (int y = 0; y < image->height(); ++y) {
        for (int x = 0; x < image->width(); ++x) {
            const Color pixel = image->pixel(x, y);
            if (pixel.a < 200) continue;  // edges and even glyph cores are a little translucent
            EXPECT_EQ((Color{pixel.r, pixel.g, pixel.b, 255}), amber);
            ++checked;
        }
    }
    EXPECT_GT(checked, 20);
}

TEST(TextRenderer, MeasureGrowsWithTheTextAndMatchesRender) {
    auto text = make();
    ASSERT_TRUE(text);
    const auto short_size = text->measure("참여", 32);
    const auto long_size = text->measure("참여 482913", 32);
    ASSERT_TRUE(short_size && long_size);
    EXPECT_GT(long_size->width, short_size->width);
    EXPECT_EQ(long_size->height, short_size->height);

    const auto rendered = text->render("참여 482913", style(32));
    ASSERT_TRUE(rendered);
    EXPECT_EQ(rendered->size(), *long_size);

    const auto large = text->measure("참여 482913", 64);
    ASSERT_TRUE(large);
    EXPECT_GT(large->height, long_size->height);
    EXPECT_GT(large->width, long_size->width);
}

TEST(TextRenderer, BoldDrawsMoreInk) {
    auto text = make();
    ASSERT_TRUE(text);
    const auto regular = text->render("참여하세요", style(32));
    const auto bold = text->render("참여하세요", style(32, FontWeight::bold));
    ASSERT_TRUE(regular && bold);
    EXPECT_GT(ink(*bold).total, ink(*regular).total);
}

TEST(TextRenderer, WrapsToTheMaximumWidth) {
    auto text = make();
    ASSERT_TRUE(text);
    const std::string prompt = "@dwell에 482913 보내고 참여하세요. 매 분마다 코드가 바뀝니다";
    const auto one_line = text->measure(prompt, 24);
    ASSERT_TRUE(one_line);
    ASSERT_GT(one_line->width, 200);
    const auto wrapped = text->render(prompt, style(24, FontWeight::regular, white, 200));
    ASSERT_TRUE(wrapped) << wrapped.error().message;
    EXPECT_LE(wrapped->width(), 200);
    EXPECT_GE(wrapped->height(), 2 * one_line->height - 4);

    const auto lines = text->render("첫 줄\n둘째 줄", style(24));
    ASSERT_TRUE(lines);
    EXPECT_GE(lines->height(), 2 * one_line->height - 4);
}

TEST(TextRenderer, EmptyTextIsAnEmptyImageOneLineHigh) {
    auto text = make();
    ASSERT_TRUE(text);
    const auto image = text->render("", style(32));
    ASSERT_TRUE(image) << image.error().message;
    EXPECT_TRUE(image->empty());
    EXPECT_EQ(image->width(), 0);
    EXPECT_GT(image->height(), 0);
    const auto measured = text->measure("", 32);
    ASSERT_TRUE(measured);
    EXPECT_EQ(measured->width, 0);
    EXPECT_EQ(measured->height, image->height());
}

TEST(TextRenderer, InvalidUtf8StillRenders) {
    auto text = make();
    ASSERT_TRUE(text);
    const auto image = text->render("\xff\xfe 482913 \xed\xa0", style(20));
    ASSERT_TRUE(image) << image.error().message;
    EXPECT_FALSE(image->empty());
    EXPECT_GT(ink(*image).solid, 10);
}

TEST(TextRenderer, OutOfRangeSizesAreRefused) {
    auto text = make();
    ASSERT_TRUE(text);
    for (const int size : {0, -12, TextRenderer::max_pixel_size + 1}) {
        const auto image = text->render("참여", style(size));
        ASSERT_FALSE(image) << size;
        EXPECT_EQ(image.error().code, Errc::invalid_input);
        EXPECT_NE(image.error().message.find(std::to_string(size)), std::string::npos)
            << image.error().message;
        EXPECT_FALSE(text->measure("참여", size));
        EXPECT_FALSE(text->line_height(size));
    }
    const auto negative_wrap = text->render("참여", style(20, FontWeight::regular, white, -1));
    ASSERT_FALSE(negative_wrap);
    EXPECT_EQ(negative_wrap.error().code, Errc::invalid_input);
}

TEST(TextRenderer, LineHeightGrowsWithSize) {
    auto text = make();
    ASSERT_TRUE(text);
    const auto small = text->line_height(16);
    const auto large = text->line_height(48);
    ASSERT_TRUE(small && large);
    EXPECT_GT(*small, 16);
    EXPECT_GT(*large, 2 * *small);
}

TEST(TextRenderer, MissingFontFileIsNamed) {
    TextOptions options;
    options.regular_font = "/nonexistent/fonts/NotoSansCJK-Regular.ttc";
    const auto created = TextRenderer::create(options);
    ASSERT_FALSE(created);
    EXPECT_EQ(created.error().code, Errc::not_found);
    EXPECT_NE(created.error().message.find("/nonexistent/fonts/NotoSansCJK-Regular.ttc"), std::string::npos)
        << created.error().message;

    options = {};
    options.bold_font = "/nonexistent/bold.ttc";
    const auto no_bold = TextRenderer::create(options);
    ASSERT_FALSE(no_bold);
    EXPECT_NE(no_bold.error().message.find("/nonexistent/bold.ttc"), std::string::npos);
}

TEST(TextRenderer, AFileThatIsNotAFontIsRefused) {
    const test::TempDir dir;
    TextOptions options;
    options.regular_font = dir.write("fake.ttc", "this is not a font");
    const auto created = TextRenderer::create(options);
    ASSERT_FALSE(created);
    EXPECT_EQ(created.error().code, Errc::invalid_input);
    EXPECT_NE(created.error().message.find(options.regular_font.string()), std::string::npos)
        << created.error().message;

    options = {};
    options.face_index = 99;  // the collection has ten faces
    const auto no_face = TextRenderer::create(options);
    ASSERT_FALSE(no_face);
    EXPECT_EQ(no_face.error().code, Errc::invalid_input);
    EXPECT_NE(no_face.error().message.find("face 99"), std::string::npos) << no_face.error().message;
}

TEST(TextRenderer, SeveralRenderersLiveSideBySide) {
    auto first = make();
    auto second = make();
    ASSERT_TRUE(first && second);
    first.reset();  // SDL_ttf stays up for the second one
    const auto image = second->render("참여", style(16));
    ASSERT_TRUE(image);
    EXPECT_GT(ink(*image).solid, 5);
}

TEST(TextRenderer, ManySizesDoNotExhaustTheCache) {
    auto text = make();
    ASSERT_TRUE(text);
    int previous_height = 0;
    for (int size = 8; size <= 72; size += 2) {
        const auto measured = text->measure("참여", size);
        ASSERT_TRUE(measured) << size;
        EXPECT_GE(measured->height, previous_height);
        previous_height = measured->height;
    }
}

}  // namespace
}  // namespace dwell::player
