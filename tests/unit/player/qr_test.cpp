// QR codes are checked the way a phone would: rendered to PNG and read back by zbarimg (zbar-tools).
#include "player/render/qr.hpp"

#include <cstdio>
#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "tests/support/temp_dir.hpp"

namespace dwell::player {
namespace {

// What zbarimg reads in `png`, or nullopt when it finds no code.
std::optional<std::string> scan(const std::filesystem::path& png) {
    const std::string command = "zbarimg --raw -q '" + png.string() + "'";
    FILE* pipe = ::popen(command.c_str(), "r");
    if (pipe == nullptr) return std::nullopt;
    std::string output;
    char buffer[4096];
    while (const std::size_t read = std::fread(buffer, 1, sizeof buffer, pipe)) output.append(buffer, read);
    const int status = ::pclose(pipe);
    if (status != 0) return std::nullopt;
    if (!output.empty() && output.back() == '\n') output.pop_back();  // zbarimg ends each code with one
    return output;
}

std::optional<std::string> round_trip(std::string_view text, int scale = 4) {
    const auto code = QrCode::encode(text);
    if (!code) {
        ADD_FAILURE() << code.error().message;
        return std::nullopt;
    }
    const test::TempDir dir;
    const auto png = dir / "code.png";
    if (const auto written = write_png(code->render(scale), png); !written) {
        ADD_FAILURE() << written.error().message;
        return std::nullopt;
    }
    return scan(png);
}

TEST(QrCode, DeepLinkRoundTripsThroughAScanner) {
    const std::string link = "https://line.me/R/oaMessage/@dwell/?482913";
    EXPECT_EQ(round_trip(link), link);
}

TEST(QrCode, KoreanUtf8RoundTrips) {
    const std::string text = "https://line.me/R/oaMessage/@dwell/?참여하세요 482913";
    EXPECT_EQ(round_trip(text), text);
}

TEST(QrCode, SmallestScaleStillScans) {
    const std::string link = "https://line.me/R/oaMessage/@dwell/?000001";
    EXPECT_EQ(round_trip(link, 2), link);
}

TEST(QrCode, TooLongTextIsRefused) {
    const std::string text(5000, 'x');
    const auto code = QrCode::encode(text);
    ASSERT_FALSE(code);
    EXPECT_EQ(code.error().code, Errc::quota);
    EXPECT_NE(code.error().message.find("5000 bytes"), std::string::npos) << code.error().message;

    // The largest version 40-M holds is fine.
    EXPECT_TRUE(QrCode::encode(std::string(2331, 'x')));
    EXPECT_FALSE(QrCode::encode(std::string(2332, 'x')));
}

TEST(QrCode, EmptyTextAndNulBytesAreRefused) {
    const auto empty = QrCode::encode("");
    ASSERT_FALSE(empty);
    EXPECT_EQ(empty.error().code, Errc::invalid_input);
    const auto nul = QrCode::encode(std::string_view{"abc\0def", 7});
    ASSERT_FALSE(nul);
    EXPECT_EQ(nul.error().code, Errc::invalid_input);
    EXPECT_NE(nul.error().message.find("at 3"), std::string::npos) << nul.error().message;
}

TEST(QrCode, RenderHasTheQuietZoneAndWholeModules) {
    const auto code = QrCode::encode("https://line.me/R/oaMessage/@dwell/?482913");
    ASSERT_TRUE(code);
    EXPECT_EQ(code->modules(), 17 + 4 * code->version());
    const int scale = 3;
    const RgbaImage image = code->render(scale);
    const int side = (code->modules() + 2 * QrCode::quiet_zone) * scale;
    ASSERT_EQ(image.size(), (config::PixelSize{side, side}));
    EXPECT_EQ(code->rendered_side(scale), side);

    const Color white{255, 255, 255, 255};
    const Color black{0, 0, 0, 255};
    const int margin = QrCode::quiet_zone * scale;
    for (int i = 0; i < side; ++i) {
        for (int band = 0; band < margin; ++band) {
            ASSERT_EQ(image.pixel(i, band), white);
            ASSERT_EQ(image.pixel(band, i), white);
            ASSERT_EQ(image.pixel(i, side - 1 - band), white);
            ASSERT_EQ(image.pixel(side - 1 - band, i), white);
        }
    }
    // Every module is a scale × scale square of its colour; the finder's corner is dark.
    EXPECT_TRUE(code->dark(0, 0));
    EXPECT_FALSE(code->dark(7, 7));  // the separator around the finder pattern
    for (int y = 0; y < code->modules(); ++y) {
        for (int x = 0; x < code->modules(); ++x) {
            const Color expected = code->dark(x, y) ? black : white;
            for (int dy = 0; dy < scale; ++dy) {
                for (int dx = 0; dx < scale; ++dx) {
                    ASSERT_EQ(image.pixel(margin + x * scale + dx, margin + y * scale + dy), expected);
                }
            }
        }
    }
}

TEST(QrCode, MoreCorrectionNeedsMoreModules) {
    const std::string link = "https://line.me/R/oaMessage/@dwell/?482913";
    const auto low = QrCode::encode(link, QrErrorCorrection::low);
    const auto high = QrCode::encode(link, QrErrorCorrection::high);
    ASSERT_TRUE(low && high);
    EXPECT_GT(high->modules(), low->modules());
}

TEST(QrCode, LargestScaleFitsTheSide) {
    const auto code = QrCode::encode("482913");
    ASSERT_TRUE(code);
    EXPECT_EQ(code->modules(), 21);  // version 1
    EXPECT_EQ(code->largest_scale(290), 10);
    EXPECT_EQ(code->rendered_side(10), 290);
    EXPECT_EQ(code->largest_scale(289), 9);
    EXPECT_EQ(code->largest_scale(28), 0);
}

}  // namespace
}  // namespace dwell::player
