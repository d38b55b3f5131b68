#include "player/media/image_loader.hpp"

#include <array>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/support/media.hpp"
#include "tests/support/temp_dir.hpp"

namespace dwell::player {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr config::Duration patience = 10s;

std::uint32_t crc32(const char* data, std::size_t size) {
    std::uint32_t crc = 0xffffffffU;
    for (std::size_t i = 0; i < size; ++i) {
        crc ^= static_cast<unsigned char>(data[i]);
        for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ (0xedb88320U & (0U - (crc & 1U)));
    }
    return ~crc;
}

void put_be32(std::vector<char>& bytes, std::size_t at, std::uint32_t value) {
    for (std::size_t i = 0; i < 4; ++i) bytes[at + i] = static_cast<char>((value >> (8 * (3 - i))) & 0xff);
}

// A copy of a PNG whose header (IHDR, with a correct CRC) claims another size; the pixel data
// stays that of the small picture, so only a decoder that stops at the header refuses it cleanly.
std::string write_png_claiming(const fs::path& from, const fs::path& to, std::uint32_t width,
                               std::uint32_t height) {
    std::vector<char> bytes = test::read_bytes(from);
    // signature (8), IHDR length (4), "IHDR" (4), width, height, 5 more bytes, CRC
    if (bytes.size() < 33 || std::string_view(bytes.data() + 12, 4) != "IHDR")
        return "no IHDR in " + from.string();
    put_be32(bytes, 16, width);
    put_be32(bytes, 20, height);
    put_be32(bytes, 29, crc32(bytes.data() + 12, 17));
    test::write_bytes(to, bytes);
    return {};
}

// A copy of a GIF whose logical screen claims another size (little-endian, bytes 6 to 9).
std::string write_gif_claiming(const fs::path& from, const fs::path& to, std::uint16_t width,
                               std::uint16_t height) {
    std::vector<char> bytes = test::read_bytes(from);
    if (bytes.size() < 13 || std::string_view(bytes.data(), 3) != "GIF") return "not a GIF: " + from.string();
    bytes[6] = static_cast<char>(width & 0xff);
    bytes[7] = static_cast<char>(width >> 8);
    bytes[8] = static_cast<char>(height & 0xff);
    bytes[9] = static_cast<char>(height >> 8);
    test::write_bytes(to, bytes);
    return {};
}

// Test pictures, each made with the ffmpeg CLI the first time a test asks for it.
class ImageLoaderTest : public ::testing::Test {
  protected:
    static void SetUpTestSuite() { s_dir = std::make_unique<test::TempDir>(); }
    static void TearDownTestSuite() { s_dir.reset(); }

    // The path of test file `name`, made if there is a recipe for it.
    static fs::path file(std::string_view name) {
        const fs::path path = *s_dir / name;
        if (!fs::exists(path)) {
            if (auto error = make(name, path); !error.empty())
                ADD_FAILURE() << "cannot make " << name << ": " << error;
        }
        return path;
    }
    static const fs::path& dir() { return s_dir->path(); }

  private:
    static std::string make(std::string_view name, const fs::path& path) {
        // Red on the left, blue on the right: the size, the colours and which side is which. Drawn
        // in RGB so lossless files hold exactly 255,0,0 and 0,0,255; GIFs get a palette of those.
        const std::string red = "color=c=red:s=64x48:d=0.1,format=rgb24";
        const std::string halves = red + ",drawbox=x=32:y=0:w=32:h=48:color=blue:t=fill";
        const std::string to_gif = ",split[a][b];[a]palettegen[p];[b][p]paletteuse";
        const std::map<std::string_view, std::string> recipes{
            {"halves.png", "-f lavfi -i " + halves + " -frames:v 1 "},
            {"halves.jpg", "-f lavfi -i " + halves + " -frames:v 1 "},
            {"halves.webp", "-f lavfi -i " + halves + " -frames:v 1 -c:v libwebp "},
            {"halves.gif", "-f lavfi -i \"" + halves + to_gif + "\" -frames:v 1 "},
            {"red.png", "-f lavfi -i " + red + " -frames:v 1 "},
            {"red.jpg", "-f lavfi -i " + red + " -frames:v 1 "},
            {"red.webp", "-f lavfi -i " + red + " -frames:v 1 -c:v libwebp "},
            {"red.gif", "-f lavfi -i \"" + red + to_gif + "\" -frames:v 1 "},
            // Half-transparent red keeps its alpha.
            {"translucent.png", "-f lavfi -i color=c=red@0.5:s=16x16,format=rgba -frames:v 1 "},
            // An animation: red for 2 frames, then blue for 2; only the first frame is shown.
            {"animated.gif",
             "-filter_complex \"color=c=red:s=64x48:r=10:d=0.2[r];color=c=blue:s=64x48:r=10:d=0.2[b];"
             "[r][b]concat=n=2,format=rgb24" +
                 to_gif + "\" "},
            {"busy.png", "-f lavfi -i testsrc2=s=640x480 -frames:v 1 "},
        };
        if (const auto recipe = recipes.find(name); recipe != recipes.end())
            return test::ffmpeg(recipe->second + path.string());
        if (name == "huge.png") return write_png_claiming(file("red.png"), path, 16000, 16000);
        if (name == "huge.gif") return write_gif_claiming(file("red.gif"), path, 16000, 16000);
        if (name == "truncated.png") {
            std::vector<char> busy = test::read_bytes(file("busy.png"));
            busy.resize(busy.size() / 2);
            test::write_bytes(path, busy);
        }
        if (name == "notes.png") {
            std::string text;
            for (int i = 0; i < 40; ++i)
                text += "Line " + std::to_string(i) + ": notes about the spring campaign.\n";
            s_dir->write(name, text);
        }
        if (name == "empty.png") s_dir->write(name, "");
        return {};
    }

    static inline std::unique_ptr<test::TempDir> s_dir;
};

std::array<int, 4> pixel(const Image& image, int x, int y) {
    const std::size_t at = static_cast<std::size_t>(y * image.pitch + x * 4);
    return {image.pixels[at], image.pixels[at + 1], image.pixels[at + 2], image.pixels[at + 3]};
}

void expect_colour(const Image& image, int x, int y, std::array<int, 4> expected, int tolerance) {
    const auto actual = pixel(image, x, y);
    for (std::size_t c = 0; c < 4; ++c)
        EXPECT_NEAR(actual[c], expected[c], tolerance)
            << "channel "
            << "RGBA"[c] << " of pixel (" << x << ", " << y << "): got " << actual[0] << "," << actual[1]
            << "," << actual[2] << "," << actual[3];
}

void expect_error(const Result<Image>& result, Errc code, const fs::path& file, std::string_view expected) {
    ASSERT_FALSE(result) << file << " was decoded";
    EXPECT_EQ(result.error().code, code) << result.error().message;
    EXPECT_NE(result.error().message.find(file.string()), std::string::npos)
        << "the message should name the file: " << result.error().message;
    EXPECT_NE(result.error().message.find(expected), std::string::npos)
        << "message: " << result.error().message << "\nexpected to contain: " << expected;
}

constexpr std::array<int, 4> red{255, 0, 0, 255};
constexpr std::array<int, 4> blue{0, 0, 255, 255};

TEST_F(ImageLoaderTest, DecodesEachFormatToRgbaOfTheRightSize) {
    // Lossless formats come out exact; JPEG and lossy WebP within their compression error.
    for (const auto& [name, tolerance] : {std::pair{"red.png", 0}, std::pair{"red.gif", 0},
                                          std::pair{"red.jpg", 12}, std::pair{"red.webp", 12}}) {
        SCOPED_TRACE(name);
        const auto image = decode_image(file(name));
        ASSERT_TRUE(image) << image.error().message;
        EXPECT_EQ(image->width, 64);
        EXPECT_EQ(image->height, 48);
        EXPECT_EQ(image->pitch, 64 * 4);
        EXPECT_EQ(image->pixels.size(), 64U * 48U * 4U);
        expect_colour(*image, 32, 24, red, tolerance);
        expect_colour(*image, 0, 0, red, tolerance);
        expect_colour(*image, 63, 47, red, tolerance);
    }
}

TEST_F(ImageLoaderTest, KeepsLeftAndRightAndTheColourOrder) {
    for (const auto& [name, tolerance] : {std::pair{"halves.png", 0}, std::pair{"halves.gif", 0},
                                          std::pair{"halves.jpg", 16}, std::pair{"halves.webp", 16}}) {
        SCOPED_TRACE(name);
        const auto image = decode_image(file(name));
        ASSERT_TRUE(image) << image.error().message;
        EXPECT_EQ(image->width, 64);
        EXPECT_EQ(image->height, 48);
        expect_colour(*image, 8, 24, red, tolerance);
        expect_colour(*image, 56, 24, blue, tolerance);
    }
}

TEST_F(ImageLoaderTest, KeepsTransparency) {
    const auto image = decode_image(file("translucent.png"));
    ASSERT_TRUE(image) << image.error().message;
    EXPECT_EQ(image->width, 16);
    EXPECT_NEAR(pixel(*image, 8, 8)[3], 128, 1);
    EXPECT_EQ(pixel(*image, 8, 8)[0], 255);
}

TEST_F(ImageLoaderTest, ShowsTheFirstFrameOfAnAnimatedGif) {
    const auto image = decode_image(file("animated.gif"));
    ASSERT_TRUE(image) << image.error().message;
    EXPECT_EQ(image->width, 64);
    EXPECT_EQ(image->height, 48);
    expect_colour(*image, 32, 24, red, 0);
}

TEST_F(ImageLoaderTest, RefusesA16000By16000PngFromItsHeader) {
    const auto image = decode_image(file("huge.png"));
    expect_error(image, Errc::quota, file("huge.png"), "16000x16000");
    ASSERT_FALSE(image);
    EXPECT_NE(image.error().message.find("8192"), std::string::npos)
        << "the message should give the limit: " << image.error().message;
}

TEST_F(ImageLoaderTest, RefusesAGifWhoseScreenIsTooLarge) {
    expect_error(decode_image(file("huge.gif")), Errc::quota, file("huge.gif"), "16000x16000");
}

TEST_F(ImageLoaderTest, AppliesTheConfiguredLimits) {
    expect_error(decode_image(file("red.png"), {.max_side = 60}), Errc::quota, file("red.png"), "64x48");
    expect_error(decode_image(file("red.jpg"), {.max_pixels = 64 * 48 - 1}), Errc::quota, file("red.jpg"),
                 "64x48");
    EXPECT_TRUE(decode_image(file("red.png"), {.max_side = 64, .max_pixels = 64 * 48}));
}

TEST_F(ImageLoaderTest, RefusesATextFileNamedPng) {
    expect_error(decode_image(file("notes.png")), Errc::unsupported, file("notes.png"), "not a picture");
}

TEST_F(ImageLoaderTest, RefusesAnEmptyOrMissingFile) {
    expect_error(decode_image(file("empty.png")), Errc::invalid_input, file("empty.png"), "empty");
    expect_error(decode_image(file("nowhere.png")), Errc::not_found, file("nowhere.png"), "no such file");
    expect_error(decode_image(dir()), Errc::invalid_input, dir(), "is a directory");
}

TEST_F(ImageLoaderTest, ATruncatedPngFailsOrDecodesAtItsSize) {
    const auto image = decode_image(file("truncated.png"));
    if (image) {
        EXPECT_EQ(image->width, 640);
        EXPECT_EQ(image->height, 480);
    } else {
        EXPECT_NE(image.error().message.find(file("truncated.png").string()), std::string::npos)
            << image.error().message;
    }
}

TEST_F(ImageLoaderTest, LoadsInTheBackground) {
    ImageLoader loader;
    ImageRequest png = loader.load(file("halves.png"));
    ImageRequest missing = loader.load(file("nowhere.png"));
    ImageRequest huge = loader.load(file("huge.png"));
    EXPECT_EQ(png.file(), file("halves.png"));
    ASSERT_TRUE(png.wait(patience));
    ASSERT_TRUE(missing.wait(patience));
    ASSERT_TRUE(huge.wait(patience));
    EXPECT_TRUE(png.ready());
    auto image = png.take();
    ASSERT_TRUE(image) << image.error().message;
    expect_colour(*image, 56, 24, blue, 0);
    EXPECT_EQ(missing.take().error().code, Errc::not_found);
    EXPECT_EQ(huge.take().error().code, Errc::quota);
    EXPECT_EQ(png.take().error().code, Errc::conflict) << "a result is taken once";
}

TEST_F(ImageLoaderTest, RefusesRequestsBeyondTheQueueWithoutBlocking) {
    ImageLoaderOptions options;
    options.queue_capacity = 1;
    ImageLoader loader(options);
    std::vector<ImageRequest> requests;
    for (int i = 0; i < 20; ++i) requests.push_back(loader.load(file("busy.png")));
    int decoded = 0;
    int refused = 0;
    for (auto& request : requests) {
        ASSERT_TRUE(request.wait(patience));
        auto result = request.take();
        if (result) {
            ++decoded;
            EXPECT_EQ(result->width, 640);
        } else {
            ++refused;
            EXPECT_EQ(result.error().code, Errc::quota) << result.error().message;
        }
    }
    EXPECT_GE(decoded, 1);
    EXPECT_GE(refused, 1) << "20 requests at once cannot all fit a queue of one";
}

TEST_F(ImageLoaderTest, DestroyingTheLoaderAnswersEveryRequest) {
    std::vector<ImageRequest> requests;
    {
        ImageLoaderOptions options;
        options.queue_capacity = 4;
        ImageLoader loader(options);
        for (int i = 0; i < 4; ++i) requests.push_back(loader.load(file("busy.png")));
    }
    for (auto& request : requests) {
        ASSERT_TRUE(request.ready()) << "a request was left without an answer";
        auto result = request.take();
        if (!result) {
            EXPECT_EQ(result.error().code, Errc::conflict) << result.error().message;
        }
    }
}

}  // namespace
}  // namespace dwell::player
