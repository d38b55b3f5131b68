#include "content/media_probe.hpp"

#include <array>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <memory>
#include <vector>

#include <gtest/gtest.h>

#include "tests/support/media.hpp"
#include "tests/support/temp_dir.hpp"

namespace dwell::content {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// Test media made once for the suite with the ffmpeg CLI.
class MediaProbe : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        s_dir = std::make_unique<test::TempDir>();
        s_setup_error = make_media();
    }
    static void TearDownTestSuite() { s_dir.reset(); }

    void SetUp() override { ASSERT_EQ(s_setup_error, "") << "could not make the test media"; }

    static fs::path file(std::string_view name) { return *s_dir / name; }

  private:
    static std::string make_media() {
        const std::string dir = s_dir->path().string() + "/";
        const std::string testsrc = "-f lavfi -i testsrc2=size=320x240:rate=30 ";
        for (const std::string& arguments : {
                 testsrc + "-t 2 -c:v libx264 -pix_fmt yuv420p " + dir + "clip.mp4",
                 testsrc +
                     "-f lavfi -i sine=duration=2 -t 2 -c:v libx264 -pix_fmt yuv420p -c:a aac -shortest " +
                     dir + "with_audio.mp4",
                 testsrc + "-t 1 -c:v libvpx-vp9 -deadline realtime -cpu-used 8 -pix_fmt yuv420p " + dir +
                     "clip.webm",
                 testsrc + "-frames:v 1 " + dir + "poster.png",
                 testsrc + "-frames:v 1 " + dir + "poster.jpg",
                 "-f lavfi -i sine=duration=1 -c:a aac " + dir + "audio.m4a",
             }) {
            if (auto error = test::ffmpeg(arguments); !error.empty()) return error;
        }
        const fs::path clip = file("clip.mp4");
        std::vector<char> head = test::read_bytes(clip);
        head.resize(1024);
        test::write_bytes(file("truncated.mp4"), head);
        for (const auto& [name, matrix] : {std::pair{"rotated90.mp4", std::array{0, 1, -1, 0}},
                                           std::pair{"rotated180.mp4", std::array{-1, 0, 0, -1}},
                                           std::pair{"rotated270.mp4", std::array{0, -1, 1, 0}}}) {
            if (auto error = test::write_rotated_copy(clip, file(name), matrix); !error.empty()) return error;
        }
        s_dir->write("empty.mp4", "");
        std::string text;
        for (int i = 0; i < 40; ++i)
            text += "Line " + std::to_string(i) + ": notes about the spring campaign.\n";
        s_dir->write("notes.txt", text);
        s_dir->write("notes.mp4", text);
        return {};
    }

    static inline std::unique_ptr<test::TempDir> s_dir;
    static inline std::string s_setup_error;
};

void expect_error(const Result<MediaInfo>& result, Errc code, const fs::path& file,
                  std::string_view expected) {
    ASSERT_FALSE(result) << file << " was accepted";
    EXPECT_EQ(result.error().code, code) << result.error().message;
    EXPECT_NE(result.error().message.find(file.string()), std::string::npos)
        << "the message should name the file: " << result.error().message;
    EXPECT_NE(result.error().message.find(expected), std::string::npos)
        << "message: " << result.error().message << "\nexpected to contain: " << expected;
}

TEST_F(MediaProbe, ReadsAnH264Clip) {
    const auto info = probe_media(file("clip.mp4"));
    ASSERT_TRUE(info) << info.error().message;
    EXPECT_EQ(info->kind, MediaKind::video);
    ASSERT_TRUE(info->duration);
    EXPECT_NEAR(static_cast<double>(info->duration->count()), 2000.0, 34.0) << "within one frame of 2 s";
    EXPECT_EQ(info->codec, "h264");
    EXPECT_EQ(info->width, 320);
    EXPECT_EQ(info->height, 240);
    EXPECT_EQ(info->pixel_format, "yuv420p");
    EXPECT_EQ(info->rotation, 0);
    EXPECT_EQ(info->container, "mov,mp4,m4a,3gp,3g2,mj2");
    EXPECT_FALSE(info->has_audio);
}

TEST_F(MediaProbe, SeesAudioNextToVideo) {
    const auto info = probe_media(file("with_audio.mp4"));
    ASSERT_TRUE(info) << info.error().message;
    EXPECT_TRUE(info->has_audio);
    EXPECT_EQ(info->codec, "h264");
    EXPECT_EQ(info->kind, MediaKind::video);
}

TEST_F(MediaProbe, ReadsAVp9Webm) {
    const auto info = probe_media(file("clip.webm"));
    ASSERT_TRUE(info) << info.error().message;
    EXPECT_EQ(info->kind, MediaKind::video);
    EXPECT_EQ(info->codec, "vp9");
    EXPECT_EQ(info->container, "matroska,webm");
    ASSERT_TRUE(info->duration);
    EXPECT_NEAR(static_cast<double>(info->duration->count()), 1000.0, 34.0);
}

TEST_F(MediaProbe, ReadsTheRotationClockwiseAsPhonesWriteIt) {
    for (const auto& [name, degrees] : {std::pair{"rotated90.mp4", 90}, std::pair{"rotated180.mp4", 180},
                                        std::pair{"rotated270.mp4", 270}}) {
        const auto info = probe_media(file(name));
        ASSERT_TRUE(info) << name << ": " << info.error().message;
        EXPECT_EQ(info->rotation, degrees) << name;
        // The frame size stays the coded size; the player swaps it when it turns the picture.
        EXPECT_EQ(info->width, 320) << name;
        EXPECT_EQ(info->height, 240) << name;
    }
}

TEST_F(MediaProbe, ReadsImagesAsImagesWithoutDuration) {
    const auto png = probe_media(file("poster.png"));
    ASSERT_TRUE(png) << png.error().message;
    EXPECT_EQ(png->kind, MediaKind::image);
    EXPECT_EQ(png->duration, std::nullopt);
    EXPECT_EQ(png->codec, "png");
    EXPECT_EQ(png->width, 320);
    EXPECT_EQ(png->height, 240);
    EXPECT_EQ(png->container, "png_pipe");
    EXPECT_EQ(png->rotation, 0);

    const auto jpeg = probe_media(file("poster.jpg"));
    ASSERT_TRUE(jpeg) << jpeg.error().message;
    EXPECT_EQ(jpeg->kind, MediaKind::image);
    EXPECT_EQ(jpeg->duration, std::nullopt);
    EXPECT_EQ(jpeg->codec, "mjpeg");
    EXPECT_EQ(jpeg->width, 320);
    EXPECT_EQ(jpeg->height, 240);
}

TEST_F(MediaProbe, RefusesATextFileNamingIt) {
    // FFmpeg itself would read a .txt file as ANSI art.
    expect_error(probe_media(file("notes.txt")), Errc::unsupported, file("notes.txt"), "is not a media file");
    expect_error(probe_media(file("notes.mp4")), Errc::unsupported, file("notes.mp4"), "is not a media file");
}

TEST_F(MediaProbe, RefusesAnEmptyFile) {
    expect_error(probe_media(file("empty.mp4")), Errc::invalid_input, file("empty.mp4"),
                 "is empty (0 bytes)");
}

TEST_F(MediaProbe, RefusesATruncatedFile) {
    expect_error(probe_media(file("truncated.mp4")), Errc::unsupported, file("truncated.mp4"),
                 "is not a media file FFmpeg can read");
}

TEST_F(MediaProbe, RefusesAudioOnly) {
    expect_error(probe_media(file("audio.m4a")), Errc::unsupported, file("audio.m4a"),
                 "has no video stream (audio only)");
}

TEST_F(MediaProbe, ReportsAMissingFileAsNotFound) {
    expect_error(probe_media(file("missing.mp4")), Errc::not_found, file("missing.mp4"), "no such file");
}

TEST_F(MediaProbe, RefusesADirectory) {
    fs::create_directory(file("folder.mp4"));
    expect_error(probe_media(file("folder.mp4")), Errc::invalid_input, file("folder.mp4"), "is a directory");
}

}  // namespace
}  // namespace dwell::content
