// dwell-player end to end with sound: what SDL's disk audio driver writes (the mixed output, raw
// signed 16-bit 48 kHz stereo) holds the item's tone when sound is on and nothing when it is off,
// and a screen without a working audio device plays its pictures anyway.
#include <cstdint>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "content/device_state.hpp"
#include "tests/e2e/player/player_harness.hpp"
#include "tests/support/media.hpp"

namespace dwell::test::e2e {
namespace {

constexpr int width = 640;
constexpr int height = 360;
constexpr std::string_view no_device_warning = "audio is enabled but no audio device could be opened";

// 2 s of a 440 Hz tone (44.1 kHz mono AAC) under 30 fps video.
fs::path tone_clip(const TempDir& dir) {
    const fs::path clip = dir / "tone.mp4";
    const std::string error = ffmpeg(
        "-f lavfi -i testsrc=size=320x240:rate=30 -f lavfi -i sine=frequency=440:sample_rate=44100 -t 2 "
        "-c:v libx264 -pix_fmt yuv420p -c:a aac " +
        clip.string());
    if (!error.empty()) throw std::runtime_error(error);
    return clip;
}

fs::path tone_playlist(const TempDir& dir) {
    return dir.write("playlist.yaml",
                     "loop: false\nitems:\n  - { file: \"" + tone_clip(dir).string() + "\" }\n");
}

// What a raw S16LE 48 kHz stereo file holds.
struct Sound {
    double seconds = 0;           // the whole file
    double sounding_seconds = 0;  // in 10 ms blocks that are not silent
    double hertz = 0;             // rising zero crossings a sounding second, left channel
    int peak = 0;
};

Sound analyse(const fs::path& raw) {
    const std::vector<char> bytes = read_bytes(raw);
    std::vector<std::int16_t> samples(bytes.size() / 2);
    for (std::size_t i = 0; i < samples.size(); ++i)
        samples[i] = static_cast<std::int16_t>(
            static_cast<unsigned>(static_cast<unsigned char>(bytes[2 * i])) |
            static_cast<unsigned>(static_cast<unsigned char>(bytes[2 * i + 1])) << 8U);
    constexpr std::size_t block = 480;  // frames: 10 ms
    const std::size_t frames = samples.size() / 2;
    Sound sound;
    sound.seconds = static_cast<double>(frames) / 48'000.0;
    int crossings = 0;
    std::size_t sounding_blocks = 0;
    bool low = false;
    for (std::size_t start = 0; start + block <= frames; start += block) {
        int block_peak = 0;
        for (std::size_t i = start; i < start + block; ++i)
            block_peak = std::max(block_peak, std::abs(static_cast<int>(samples[2 * i])));
        sound.peak = std::max(sound.peak, block_peak);
        if (block_peak < 1000) {
            low = false;
            continue;
        }
        ++sounding_blocks;
        for (std::size_t i = start; i < start + block; ++i) {
            const int value = samples[2 * i];
            if (value < -256) low = true;
            if (value > 256 && low) {
                ++crossings;
                low = false;
            }
        }
    }
    sound.sounding_seconds = static_cast<double>(sounding_blocks * block) / 48'000.0;
    if (sounding_blocks > 0) sound.hertz = crossings / sound.sounding_seconds;
    return sound;
}

TEST(PlayerAudioE2E, TheItemsSoundReachesTheAudioDevice) {
    TempDir dir;
    const fs::path raw = dir / "out.raw";
    Player player(dir, RunSetup{tone_playlist(dir)}
                           .duration("4s")
                           .extra({"--audio", "on"})
                           .environment("SDL_AUDIODRIVER", "disk")
                           .environment("SDL_DISKAUDIOFILE", raw.string()));
    expect_clean_exit(player);
    EXPECT_THAT(player.stderr_text(), ::testing::HasSubstr("audio on disk"));
    EXPECT_THAT(player.stderr_text(), ::testing::Not(::testing::HasSubstr(no_device_warning)));

    ASSERT_TRUE(fs::exists(raw)) << "the disk driver wrote nothing; stderr:\n" << player.stderr_text();
    const Sound sound = analyse(raw);
    EXPECT_GT(sound.seconds, 2.0) << "the device ran for the whole run";
    EXPECT_GT(sound.peak, 1000) << "only silence reached the device";
    // The 2 s tone, less what a busy machine may have had to drop to keep it in step.
    EXPECT_GE(sound.sounding_seconds, 1.2);
    EXPECT_LE(sound.sounding_seconds, 2.3) << "more sound than the clip holds";
    EXPECT_NEAR(sound.hertz, 440.0, 25.0) << "not the clip's 440 Hz tone";
}

TEST(PlayerAudioE2E, SoundIsOffUnlessEnabled) {
    TempDir dir;
    const fs::path raw = dir / "out.raw";
    Player player(dir, RunSetup{tone_playlist(dir)}
                           .duration("3s")
                           .snapshot_at("1s")
                           .environment("SDL_AUDIODRIVER", "disk")
                           .environment("SDL_DISKAUDIOFILE", raw.string()));
    expect_clean_exit(player);
    if (fs::exists(raw)) {
        EXPECT_EQ(analyse(raw).peak, 0) << "sound was played without --audio on";
    }
    const auto snapshots = player.snapshots();
    ASSERT_FALSE(snapshots.empty());
    EXPECT_TRUE(snapshots.front().shows("tone.mp4")) << "the video plays as always";
}

TEST(PlayerAudioE2E, WithoutAnAudioDeviceThePicturePlaysOn) {
    TempDir dir;
    Player player(dir, RunSetup{tone_playlist(dir)}
                           .duration("3s")
                           .snapshot_at("1s")
                           .extra({"--audio", "on"})
                           .environment("SDL_AUDIODRIVER", "nonexistent"));
    expect_clean_exit(player);
    const std::string log = player.stderr_text();
    const auto warnings = lines_with(log, no_device_warning);
    ASSERT_EQ(warnings.size(), 1U) << log;
    EXPECT_TRUE(is_warning_line(warnings[0])) << warnings[0];
    EXPECT_THAT(warnings[0], ::testing::HasSubstr("nonexistent")) << "says why, in SDL's words";
    EXPECT_THAT(warnings[0], ::testing::HasSubstr("playing without sound"));

    const auto snapshots = player.snapshots();
    ASSERT_EQ(snapshots.size(), 1U) << log;
    EXPECT_EQ(snapshots[0].content, "item");
    EXPECT_TRUE(snapshots[0].shows("tone.mp4"));
    const RgbaImage image = load_png(snapshots[0].png);
    EXPECT_FALSE(player::is_blank(image, {0, 0, width, height}));
}

TEST(PlayerAudioE2E, RefusesAnAudioFlagThatIsNeitherOnNorOff) {
    TempDir dir;
    const auto result = run_player_raw(dir, {"--playlist", tone_playlist(dir).string(), "--audio", "loud"});
    ASSERT_TRUE(result.exited);
    EXPECT_EQ(result.exit_code, 2);
    EXPECT_THAT(read_text(dir / "player.stderr"), ::testing::HasSubstr("on or off"));
}

// Normal mode: device.yaml's display.audio turns sound on; --audio off overrides it.
TEST(PlayerAudioE2E, DeviceYamlTurnsSoundOnAndTheFlagOverridesIt) {
    TempDir dir;
    fs::create_directories(dir / "state");
    ASSERT_TRUE(content::DeviceState::open(dir / "state/state.db"));
    const auto config = dir.write("device.yaml", R"(device: { id: s1-test-01, station: seoul, line: "1" }
hub: { url: "http://127.0.0.1:9", token_file: state/device.token }
state_dir: state
display: { audio: true }
)");
    const fs::path raw = dir / "out.raw";
    const auto run = [&](std::vector<std::string> extra) {
        std::vector<std::string> arguments{"--config", config.string(), "--video-driver", "offscreen",
                                           "--size",   "320x180",       "--duration",     "1500ms"};
        arguments.insert(arguments.end(), extra.begin(), extra.end());
        return run_process(fs::path{player_bin},
                           {.arguments = std::move(arguments),
                            .environment = {{"SDL_VIDEODRIVER", "offscreen"},
                                            {"SDL_AUDIODRIVER", "disk"},
                                            {"SDL_DISKAUDIOFILE", raw.string()}},
                            .working_directory = dir.path(),
                            .stdout_file = dir / "player.stdout",
                            .stderr_file = dir / "player.stderr"},
                           run_timeout);
    };

    auto result = run({});
    ASSERT_TRUE(result.exited && result.exit_code == 0) << read_text(dir / "player.stderr");
    EXPECT_TRUE(fs::exists(raw)) << "display.audio: true opens the device";
    EXPECT_THAT(read_text(dir / "player.stderr"), ::testing::HasSubstr("audio on disk"));

    fs::remove(raw);
    result = run({"--audio", "off"});
    ASSERT_TRUE(result.exited && result.exit_code == 0) << read_text(dir / "player.stderr");
    EXPECT_FALSE(fs::exists(raw)) << "--audio off wins over device.yaml";
    EXPECT_THAT(read_text(dir / "player.stderr"), ::testing::Not(::testing::HasSubstr("audio on")));
}

}  // namespace
}  // namespace dwell::test::e2e
