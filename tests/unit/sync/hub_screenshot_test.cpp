// What the hub takes as a screenshot: a PNG whose header says how large it is.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "sync/hub/api.hpp"

namespace dwell::sync::hub {
namespace {

using ::testing::HasSubstr;

// The signature and an IHDR chunk of `width` x `height` (the CRC is not checked).
std::string png_head(std::uint32_t width, std::uint32_t height) {
    std::string bytes{"\x89PNG\r\n\x1a\n", 8};
    const auto put32 = [&bytes](std::uint32_t value) {
        for (int shift = 24; shift >= 0; shift -= 8)
            bytes.push_back(static_cast<char>((value >> shift) & 0xff));
    };
    put32(13);
    bytes += "IHDR";
    put32(width);
    put32(height);
    bytes += std::string{"\x08\x06\x00\x00\x00", 5};  // depth, colour type, compression, filter, interlace
    put32(0);                                         // CRC
    return bytes;
}

TEST(PngSize, ReadsTheSizeFromTheHeader) {
    const auto size = png_size(png_head(1920, 1080) + "IDAT…");
    ASSERT_TRUE(size) << size.error().message;
    EXPECT_EQ(size->first, 1920U);
    EXPECT_EQ(size->second, 1080U);
    const auto tall = png_size(png_head(1080, 1920));
    ASSERT_TRUE(tall);
    EXPECT_EQ(*tall, (std::pair<std::uint32_t, std::uint32_t>{1080, 1920}));
}

TEST(PngSize, RefusesWhatIsNotAPngSayingWhy) {
    const auto error_of = [](std::string_view bytes) {
        auto size = png_size(bytes);
        return size ? std::string{"accepted"} : size.error().message;
    };
    EXPECT_THAT(error_of(""), HasSubstr("does not start with the PNG signature"));
    EXPECT_THAT(error_of("\xff\xd8\xff\xe0 a JPEG"), HasSubstr("does not start with the PNG signature"));
    EXPECT_THAT(error_of(png_head(10, 10).substr(0, 8)), HasSubstr("not a whole IHDR"));
    EXPECT_THAT(error_of(png_head(10, 10).substr(0, 28)), HasSubstr("not a whole IHDR"));
    std::string renamed = png_head(10, 10);
    renamed.replace(12, 4, "IDAT");
    EXPECT_THAT(error_of(renamed), HasSubstr("not a whole IHDR"));
    EXPECT_THAT(error_of(png_head(0, 10)), HasSubstr("0x10 pixels"));
    EXPECT_THAT(error_of(png_head(10, 0)), HasSubstr("expected 1 to 16384"));
    EXPECT_THAT(error_of(png_head(16385, 10)), HasSubstr("16385x10"));
    EXPECT_EQ(error_of(png_head(16384, 16384)), "accepted");
}

}  // namespace
}  // namespace dwell::sync::hub
