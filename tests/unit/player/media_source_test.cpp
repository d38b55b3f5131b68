#include "player/media/media_source.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <spdlog/sinks/ringbuffer_sink.h>

#include "config/log.hpp"
#include "content/media_probe.hpp"
#include "tests/support/media.hpp"
#include "tests/support/temp_dir.hpp"

namespace dwell::player {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// Long enough never to expire on a loaded machine: a wait that runs out means a hang.
constexpr config::Duration patience = 10s;

// Test media, each file made with the ffmpeg CLI the first time a test asks for it (ctest runs
// every test in its own process, so making everything up front would repeat for each one).
class MediaSourceTest : public ::testing::Test {
  protected:
    static void SetUpTestSuite() { s_dir = std::make_unique<test::TempDir>(); }
    static void TearDownTestSuite() { s_dir.reset(); }

    // The path of test file `name`, made if there is a recipe for it (a name without one stays
    // missing, for the tests of missing files).
    static fs::path file(std::string_view name) {
        const fs::path path = *s_dir / name;
        if (!fs::exists(path)) {
            if (auto error = make(name, path); !error.empty())
                ADD_FAILURE() << "cannot make " << name << ": " << error;
        }
        return path;
    }

  private:
    static std::string make(std::string_view name, const fs::path& path) {
        const std::string testsrc = "-f lavfi -i testsrc2=size=320x240:rate=25 ";
        // 20 frames: ten 40 ms apart, then ten 100 ms apart; millisecond time bases keep them exact.
        const std::string vfr =
            "-frames:v 20 -vf \"settb=1/1000,setpts='if(lt(N,10),N*0.04,0.4+(N-10)*0.1)/TB'\" -fps_mode vfr "
            "-enc_time_base 1/1000 ";
        const std::map<std::string_view, std::string> recipes{
            {"clip.mp4", testsrc + "-t 1 -c:v libx264 -pix_fmt yuv420p "},
            {"long.mp4", testsrc + "-t 2 -c:v libx264 -pix_fmt yuv420p -movflags +faststart "},
            {"yuv444.mp4", testsrc + "-t 1 -c:v libx264 -pix_fmt yuv444p "},
            {"high10.mp4", testsrc + "-t 1 -c:v libx264 -pix_fmt yuv420p10le "},
            {"ffv1.mkv", testsrc + "-t 1 -c:v ffv1 -pix_fmt yuv420p10le "},
            {"nv12.nut", testsrc + "-t 1 -c:v rawvideo -pix_fmt nv12 "},
            {"vfr.mp4", testsrc + vfr + "-c:v libx264 -pix_fmt yuv420p "},
            {"with_audio.mp4",
             testsrc + "-f lavfi -i sine=duration=1 -t 1 -c:v libx264 -pix_fmt yuv420p -c:a aac -shortest "},
            {"audio.m4a", "-f lavfi -i sine=duration=1 -c:a aac "},
            // 2 s of a 440 Hz tone at 44.1 kHz (resampled to 48 kHz when played) under 30 fps video.
            {"tone.mp4",
             "-f lavfi -i testsrc=size=320x240:rate=30 -f lavfi -i sine=frequency=440:sample_rate=44100 -t 2 "
             "-c:v libx264 -pix_fmt yuv420p -c:a aac "},
        };
        if (const auto recipe = recipes.find(name); recipe != recipes.end())
            return test::ffmpeg(recipe->second + path.string());

        if (name == "tone.mkv")
            return test::ffmpeg("-i " + file("tone.mp4").string() + " -c copy " + path.string());
        // The sound's codec renamed to one FFmpeg does not know (same length, so the file stays valid).
        if (name == "unknown_sound.mkv") {
            std::vector<char> bytes = test::read_bytes(file("tone.mkv"));
            const std::string_view view(bytes.data(), bytes.size());
            const auto at = view.find("A_AAC");
            if (at == std::string_view::npos) return "no A_AAC codec id in tone.mkv";
            std::copy_n("A_QQQ", 5, bytes.begin() + static_cast<std::ptrdiff_t>(at));
            test::write_bytes(path, bytes);
        }
        // A phone held upright: turn 90° clockwise to show.
        if (name == "rotated.mp4") return test::write_rotated_copy(file("clip.mp4"), path, {0, 1, -1, 0});
        // Cut to the first 30 %: with the index at the end the file cannot be opened; with the
        // index first (faststart) it opens and its frames stop early.
        if (name == "truncated.mp4" || name == "truncated_faststart.mp4") {
            std::vector<char> bytes =
                test::read_bytes(file(name == "truncated.mp4" ? "clip.mp4" : "long.mp4"));
            bytes.resize(bytes.size() * 3 / 10);
            test::write_bytes(path, bytes);
        }
        // Garbage over a stretch in the middle of the frame data.
        if (name == "garbage.mp4") {
            std::vector<char> bytes = test::read_bytes(file("long.mp4"));
            std::uint32_t state = 12345;
            for (std::size_t i = bytes.size() / 2; i < bytes.size() / 2 + 4096 && i < bytes.size(); ++i) {
                state = state * 1664525U + 1013904223U;
                bytes[i] = static_cast<char>(state >> 24);
            }
            test::write_bytes(path, bytes);
        }
        if (name == "empty.mp4") s_dir->write(name, "");
        if (name == "notes.mp4") {
            std::string text;
            for (int i = 0; i < 40; ++i)
                text += "Line " + std::to_string(i) + ": notes about the spring campaign.\n";
            s_dir->write(name, text);
        }
        return {};
    }

    static inline std::unique_ptr<test::TempDir> s_dir;
};

MediaSourceOptions with_queues(std::size_t frames, std::size_t packets = 64) {
    MediaSourceOptions options;
    options.frame_queue_capacity = frames;
    options.packet_queue_capacity = packets;
    return options;
}

std::unique_ptr<MediaSource> open_or_fail(const fs::path& path, MediaSourceOptions options = {}) {
    auto source = MediaSource::open(path, options);
    if (!source) {
        ADD_FAILURE() << "cannot open " << path << ": " << source.error().message;
        return nullptr;
    }
    return std::move(*source);
}

// Pops every frame until the source says it is at its end.
std::vector<VideoFrame> pop_all(MediaSource& source) {
    std::vector<VideoFrame> frames;
    while (!source.at_end()) {
        auto frame = source.pop_frame(patience);
        if (!frame) {
            if (!source.at_end()) ADD_FAILURE() << "no frame within 10 s, and the source is not at its end";
            break;
        }
        frames.push_back(std::move(*frame));
    }
    return frames;
}

std::vector<config::Duration> timestamps(const std::vector<VideoFrame>& frames) {
    std::vector<config::Duration> result;
    for (const auto& frame : frames) result.push_back(frame.pts());
    return result;
}

// Mean absolute difference of the luma planes of two frames of the same size.
double luma_difference(const VideoFrame& a, const VideoFrame& b) {
    double total = 0;
    for (int y = 0; y < a.height(); ++y)
        for (int x = 0; x < a.width(); ++x) {
            const int left = a.plane(0)[y * a.pitch(0) + x];
            const int right = b.plane(0)[y * b.pitch(0) + x];
            total += std::abs(left - right);
        }
    return total / (a.width() * a.height());
}

void expect_open_error(const fs::path& path, Errc code, std::string_view expected) {
    const auto source = MediaSource::open(path);
    ASSERT_FALSE(source) << path << " was opened";
    EXPECT_EQ(source.error().code, code) << source.error().message;
    EXPECT_NE(source.error().message.find(path.string()), std::string::npos)
        << "the message should name the file: " << source.error().message;
    EXPECT_NE(source.error().message.find(expected), std::string::npos)
        << "message: " << source.error().message << "\nexpected to contain: " << expected;
}

TEST_F(MediaSourceTest, DecodesAnH264ClipFrameByFrameInPresentationOrder) {
    const auto source = open_or_fail(file("clip.mp4"));
    ASSERT_TRUE(source);
    const SourceInfo& info = source->info();
    EXPECT_EQ(info.file, file("clip.mp4"));
    EXPECT_EQ(info.codec, "h264");
    EXPECT_EQ(info.width, 320);
    EXPECT_EQ(info.height, 240);
    EXPECT_EQ(info.rotation, 0);
    EXPECT_DOUBLE_EQ(info.frame_rate, 25.0);
    ASSERT_TRUE(info.duration);
    EXPECT_EQ(*info.duration, 1000ms);
    EXPECT_EQ(info.decoding, DecodingPath::software);

    const auto frames = pop_all(*source);
    ASSERT_EQ(frames.size(), 25U);
    for (std::size_t i = 0; i < frames.size(); ++i) {
        const VideoFrame& frame = frames[i];
        EXPECT_EQ(frame.pts(), config::Duration{40 * static_cast<long>(i)}) << "frame " << i;
        EXPECT_EQ(frame.duration(), 40ms) << "frame " << i;
        EXPECT_EQ(frame.pixel_format(), PixelFormat::yuv420p);
        EXPECT_EQ(frame.width(), 320);
        EXPECT_EQ(frame.height(), 240);
        ASSERT_NE(frame.plane(0), nullptr);
        ASSERT_NE(frame.plane(1), nullptr);
        ASSERT_NE(frame.plane(2), nullptr);
        EXPECT_EQ(frame.plane(3), nullptr);
        EXPECT_GE(frame.pitch(0), 320);
        EXPECT_GE(frame.pitch(1), 160);
        EXPECT_GE(frame.pitch(2), 160);
    }
    // testsrc2 draws coloured bars and moving shapes, so a working decoder gives varied luma.
    const VideoFrame& first = frames.front();
    const std::uint8_t* luma = first.plane(0);
    const auto [darkest, brightest] = std::minmax_element(luma, luma + first.pitch(0) * 239 + 320);
    EXPECT_GT(*brightest - *darkest, 100) << "the first frame is flat";
    EXPECT_GT(luma_difference(frames[0], frames[12]), 0.5) << "the picture does not move";

    EXPECT_TRUE(source->at_end());
    EXPECT_FALSE(source->error()) << source->error()->message;
    EXPECT_TRUE(source->first_frame_ready());
    EXPECT_EQ(source->frames_decoded(), 25);
    EXPECT_EQ(source->skipped_packets(), 0);
    EXPECT_EQ(source->damaged_frames(), 0);
    EXPECT_FALSE(source->try_pop_frame());
    EXPECT_FALSE(source->pop_frame(patience)) << "a source at its end must not wait";
}

TEST_F(MediaSourceTest, PrerollsTheFirstFrameWithoutAnyonePopping) {
    const auto source = open_or_fail(file("long.mp4"), with_queues(4));
    ASSERT_TRUE(source);
    ASSERT_TRUE(source->wait_first_frame(patience));
    EXPECT_TRUE(source->first_frame_ready());
    EXPECT_GE(source->queued_frames(), 1U);
    EXPECT_LE(source->queued_frames(), 4U) << "the frame queue is bounded";
    auto frame = source->try_pop_frame();
    ASSERT_TRUE(frame);
    EXPECT_EQ(frame->pts(), 0ms);
}

TEST_F(MediaSourceTest, ASmallFrameQueueStillDeliversEveryFrame) {
    const auto source = open_or_fail(file("long.mp4"), with_queues(2, 3));
    ASSERT_TRUE(source);
    const auto frames = pop_all(*source);
    ASSERT_EQ(frames.size(), 50U);
    EXPECT_EQ(frames.back().pts(), 1960ms);
}

TEST_F(MediaSourceTest, ConvertsYuv444ToYuv420pInTheDecodeThread) {
    const auto reference = open_or_fail(file("clip.mp4"));
    const auto source = open_or_fail(file("yuv444.mp4"));
    ASSERT_TRUE(reference && source);
    const auto expected = pop_all(*reference);
    const auto frames = pop_all(*source);
    ASSERT_EQ(frames.size(), 25U);
    for (const auto& frame : frames) {
        EXPECT_EQ(frame.pixel_format(), PixelFormat::yuv420p);
        EXPECT_EQ(frame.width(), 320);
        EXPECT_EQ(frame.height(), 240);
    }
    // Same picture as the 4:2:0 encode of the same source, up to compression noise.
    EXPECT_LT(luma_difference(frames[0], expected[0]), 4.0);
    EXPECT_LT(luma_difference(frames[24], expected[24]), 4.0);
}

TEST_F(MediaSourceTest, ConvertsTenBitVideoToYuv420p) {
    const auto reference = open_or_fail(file("clip.mp4"));
    ASSERT_TRUE(reference);
    const auto expected = pop_all(*reference);
    for (const char* name : {"high10.mp4", "ffv1.mkv"}) {
        SCOPED_TRACE(name);
        const auto source = open_or_fail(file(name));
        ASSERT_TRUE(source);
        const auto frames = pop_all(*source);
        ASSERT_EQ(frames.size(), 25U);
        for (std::size_t i = 0; i < frames.size(); ++i) {
            EXPECT_EQ(frames[i].pixel_format(), PixelFormat::yuv420p);
            EXPECT_EQ(frames[i].pts(), config::Duration{40 * static_cast<long>(i)});
        }
        EXPECT_LT(luma_difference(frames[0], expected[0]), 4.0);
        EXPECT_FALSE(source->error());
    }
}

TEST_F(MediaSourceTest, PassesNv12ThroughWithoutConverting) {
    const auto source = open_or_fail(file("nv12.nut"));
    ASSERT_TRUE(source);
    const auto frames = pop_all(*source);
    ASSERT_EQ(frames.size(), 25U);
    const VideoFrame& frame = frames.front();
    EXPECT_EQ(frame.pixel_format(), PixelFormat::nv12);
    EXPECT_NE(frame.plane(0), nullptr);
    EXPECT_NE(frame.plane(1), nullptr);
    EXPECT_EQ(frame.plane(2), nullptr) << "NV12 has two planes";
    EXPECT_GE(frame.pitch(1), 320) << "the interleaved UV plane is as wide as the luma";
    EXPECT_EQ(frames.back().pts(), 960ms);
}

TEST_F(MediaSourceTest, KeepsEveryFrameOfAVariableFrameRateClipInOrder) {
    const auto source = open_or_fail(file("vfr.mp4"));
    ASSERT_TRUE(source);
    std::vector<config::Duration> expected;
    for (int i = 0; i < 10; ++i) expected.emplace_back(40 * i);
    for (int i = 0; i < 10; ++i) expected.emplace_back(400 + 100 * i);
    EXPECT_EQ(timestamps(pop_all(*source)), expected);
    EXPECT_FALSE(source->error());
}

TEST_F(MediaSourceTest, ReportsTheRotationTheProbeReads) {
    const auto probed = content::probe_media(file("rotated.mp4"));
    ASSERT_TRUE(probed) << probed.error().message;
    ASSERT_EQ(probed->rotation, 90);
    const auto source = open_or_fail(file("rotated.mp4"));
    ASSERT_TRUE(source);
    EXPECT_EQ(source->info().rotation, probed->rotation);
    // Frames are not turned here: the renderer does that.
    const auto frame = source->pop_frame(patience);
    ASSERT_TRUE(frame);
    EXPECT_EQ(frame->width(), 320);
    EXPECT_EQ(frame->height(), 240);
}

TEST_F(MediaSourceTest, IgnoresTheAudioStream) {
    const auto source = open_or_fail(file("with_audio.mp4"));
    ASSERT_TRUE(source);
    EXPECT_EQ(pop_all(*source).size(), 25U);
    EXPECT_FALSE(source->error());
}

TEST_F(MediaSourceTest, HardwareDecodingFallsBackToSoftware) {
    for (const auto hwaccel : {config::HwAccel::vaapi, config::HwAccel::automatic, config::HwAccel::drm,
                               config::HwAccel::v4l2m2m}) {
        SCOPED_TRACE(config::to_string(hwaccel));
        const auto source = open_or_fail(file("clip.mp4"), MediaSourceOptions{.hwaccel = hwaccel});
        ASSERT_TRUE(source);
        const auto frames = pop_all(*source);
        EXPECT_EQ(frames.size(), 25U);
        // No GPU on the test machines; where one exists, decoding may really be in hardware.
        if (source->info().decoding == DecodingPath::software) {
            ASSERT_FALSE(frames.empty());
            EXPECT_EQ(frames.front().pixel_format(), PixelFormat::yuv420p);
        } else {
            ASSERT_FALSE(frames.empty());
            EXPECT_NE(frames.front().pixel_format(), PixelFormat::other);
        }
    }
}

TEST_F(MediaSourceTest, RefusesAMissingFile) {
    expect_open_error(file("nowhere.mp4"), Errc::not_found, "no such file");
}

TEST_F(MediaSourceTest, RefusesAnEmptyFile) {
    expect_open_error(file("empty.mp4"), Errc::invalid_input, "empty");
}

TEST_F(MediaSourceTest, RefusesATextFile) {
    expect_open_error(file("notes.mp4"), Errc::unsupported, "not a media file");
}

TEST_F(MediaSourceTest, RefusesAnAudioOnlyFile) {
    expect_open_error(file("audio.m4a"), Errc::unsupported, "no video stream");
}

TEST_F(MediaSourceTest, RefusesAClipCutBeforeItsIndex) {
    expect_open_error(file("truncated.mp4"), Errc::unsupported, "not a media file");
}

TEST_F(MediaSourceTest, EndsEarlyOnAClipCutShort) {
    const auto source = open_or_fail(file("truncated_faststart.mp4"));
    ASSERT_TRUE(source);
    const auto frames = pop_all(*source);
    EXPECT_TRUE(source->at_end() || source->error());
    EXPECT_GT(frames.size(), 0U) << "the first 30 % holds frames";
    EXPECT_LT(frames.size(), 50U);
    const auto pts = timestamps(frames);
    EXPECT_TRUE(std::is_sorted(pts.begin(), pts.end()));
}

TEST_F(MediaSourceTest, PlaysThroughGarbageInTheMiddle) {
    const auto source = open_or_fail(file("garbage.mp4"));
    ASSERT_TRUE(source);
    const auto frames = pop_all(*source);
    EXPECT_TRUE(source->at_end());
    EXPECT_FALSE(source->error()) << "4 KiB of garbage must not stop playback: " << source->error()->message;
    EXPECT_GE(frames.size(), 40U) << "most of the 50 frames survive";
    EXPECT_GT(source->skipped_packets() + source->damaged_frames(), 0) << "the damage went unnoticed";
    EXPECT_EQ(frames.back().pts(), 1960ms) << "the frames after the damage play";
}

TEST_F(MediaSourceTest, DestroyingWhileTheFrameQueueIsFullReturns) {
    auto source = open_or_fail(file("long.mp4"), with_queues(4));
    ASSERT_TRUE(source);
    // Wait until the decode thread is blocked on the full queue.
    for (int i = 0; i < 2000 && source->queued_frames() < 4; ++i) std::this_thread::sleep_for(5ms);
    ASSERT_EQ(source->queued_frames(), 4U);
    EXPECT_FALSE(source->at_end());
    source.reset();  // a hang here fails the test by ctest's timeout
}

TEST_F(MediaSourceTest, DestroyingRightAfterOpeningReturns) {
    for (int i = 0; i < 5; ++i) {
        auto source = open_or_fail(file("long.mp4"), with_queues(2));
        ASSERT_TRUE(source);
        source.reset();
    }
}

TEST_F(MediaSourceTest, DecodesWithAnyNumberOfDecoderThreads) {
    for (const int threads : {0, 1, 3}) {
        SCOPED_TRACE(threads);
        MediaSourceOptions options;
        options.decoder_threads = threads;
        const auto source = open_or_fail(file("clip.mp4"), options);
        ASSERT_TRUE(source);
        EXPECT_EQ(pop_all(*source).size(), 25U);
    }
}

TEST_F(MediaSourceTest, AReadPastItsDeadlineEndsWithAnError) {
    MediaSourceOptions options;
    options.read_timeout = 0ms;  // every read that reaches the file is already late
    const auto source = open_or_fail(file("long.mp4"), options);
    ASSERT_TRUE(source);
    const auto frames = pop_all(*source);
    EXPECT_TRUE(source->at_end());
    ASSERT_TRUE(source->error()) << "the source ended without saying why";
    EXPECT_EQ(source->error()->code, Errc::io);
    EXPECT_NE(source->error()->message.find(file("long.mp4").string()), std::string::npos)
        << source->error()->message;
    EXPECT_NE(source->error()->message.find("took longer than 0s"), std::string::npos)
        << source->error()->message;
    EXPECT_LT(frames.size(), 50U);
}

TEST_F(MediaSourceTest, AnOpenPastItsDeadlineIsAnError) {
    MediaSourceOptions options;
    options.open_timeout = 0ms;
    const auto source = MediaSource::open(file("clip.mp4"), options);
    ASSERT_FALSE(source);
    EXPECT_EQ(source.error().code, Errc::io);
    EXPECT_NE(source.error().message.find("opening " + file("clip.mp4").string() + " took longer than 0s"),
              std::string::npos)
        << source.error().message;
}

TEST_F(MediaSourceTest, RefusesFramesLargerThanTheLimit) {
    MediaSourceOptions options;
    options.max_width = 300;
    options.max_height = 300;
    const auto source = MediaSource::open(file("clip.mp4"), options);
    ASSERT_FALSE(source);
    EXPECT_EQ(source.error().code, Errc::unsupported);
    EXPECT_NE(source.error().message.find("320x240"), std::string::npos) << source.error().message;
    EXPECT_NE(source.error().message.find("300x300"), std::string::npos) << source.error().message;
}

// ---- sound -------------------------------------------------------------------------------------

MediaSourceOptions with_audio() {
    MediaSourceOptions options;
    options.audio = AudioMode::on;
    return options;
}

struct Heard {
    std::vector<std::int16_t> samples;  // interleaved stereo
    std::optional<config::Duration> first_pts;
    std::size_t video_frames = 0;
};

// Takes every video frame on another thread while reading the whole feed as the device would,
// the playhead following the sound's own clock so that nothing is dropped or padded.
Heard listen(MediaSource& source) {
    Heard heard;
    std::jthread video([&] { heard.video_frames = pop_all(source).size(); });
    const auto feed = source.audio();
    std::vector<std::int16_t> out(2048);
    for (;;) {
        if (!feed->wait_readable(patience)) {
            if (!feed->ended()) ADD_FAILURE() << "no sound within 10 s, and the feed has not ended";
            break;
        }
        const auto next = feed->next_pts();
        if (!next) continue;
        if (!heard.first_pts) heard.first_pts = next;
        const FeedRead read = feed->read(out, *next);
        heard.samples.insert(heard.samples.end(), out.begin(),
                             out.begin() + static_cast<std::ptrdiff_t>(read.frames * 2));
    }
    video.join();
    return heard;
}

// Rising zero crossings of one channel, with a little hysteresis against noise around zero.
int rising_crossings(const std::vector<std::int16_t>& samples, std::size_t channel) {
    int crossings = 0;
    bool low = false;
    for (std::size_t i = channel; i < samples.size(); i += 2) {
        if (samples[i] < -256) low = true;
        if (samples[i] > 256 && low) {
            ++crossings;
            low = false;
        }
    }
    return crossings;
}

// Keeps the player's log lines while it lives.
class LogCapture {
  public:
    LogCapture() : m_sink(std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(256)) {
        config::logger("player")->sinks().push_back(m_sink);
    }
    ~LogCapture() {
        auto& sinks = config::logger("player")->sinks();
        sinks.erase(std::remove(sinks.begin(), sinks.end(), m_sink), sinks.end());
    }
    LogCapture(const LogCapture&) = delete;
    LogCapture& operator=(const LogCapture&) = delete;
    [[nodiscard]] std::vector<std::string> lines() const { return m_sink->last_formatted(); }

  private:
    std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> m_sink;
};

TEST_F(MediaSourceTest, DecodesTheSoundOnTheVideosClock) {
    const auto source = open_or_fail(file("tone.mp4"), with_audio());
    ASSERT_TRUE(source);
    const auto feed = source->audio();
    ASSERT_NE(feed, nullptr) << "the clip has an AAC stream";
    EXPECT_EQ(feed->format(), AudioFormat{});
    const Heard heard = listen(*source);
    EXPECT_EQ(heard.video_frames, 60U) << "the video plays as without sound";
    EXPECT_FALSE(source->error());

    // 2 s at 48 kHz, give or take the encoder's last frame.
    const std::size_t frames = heard.samples.size() / 2;
    EXPECT_GE(frames, 96'000U - 2'400U);
    EXPECT_LE(frames, 96'000U + 2'400U);
    ASSERT_TRUE(heard.first_pts);
    EXPECT_LE(heard.first_pts->count(), 30) << "the sound starts with the first frame";
    EXPECT_GE(heard.first_pts->count(), -30) << "the sound starts with the first frame";

    const auto [quietest, loudest] = std::minmax_element(heard.samples.begin(), heard.samples.end());
    EXPECT_GT(*loudest, 1000) << "silent";
    EXPECT_LT(*quietest, -1000) << "silent";
    // A 440 Hz tone: 440 rising zero crossings a second, in both channels of the mono source.
    const double seconds = static_cast<double>(frames) / 48'000.0;
    for (const std::size_t channel : {0U, 1U}) {
        const double hertz = rising_crossings(heard.samples, channel) / seconds;
        EXPECT_NEAR(hertz, 440.0, 8.0) << "channel " << channel;
    }
    const AudioFeedStats stats = feed->stats();
    EXPECT_EQ(stats.frames_dropped, 0U);
    EXPECT_EQ(stats.frames_padded, 0U) << "no gap in the sound";
    EXPECT_EQ(source->dropped_audio_packets(), 0) << "the feed was read all along";
    EXPECT_TRUE(feed->ended());
}

TEST_F(MediaSourceTest, WithAudioOffThereIsNoFeed) {
    const auto source = open_or_fail(file("tone.mp4"));
    ASSERT_TRUE(source);
    EXPECT_EQ(source->audio(), nullptr);
    EXPECT_EQ(pop_all(*source).size(), 60U);
}

TEST_F(MediaSourceTest, ASilentClipHasNoFeed) {
    const LogCapture log;
    const auto source = open_or_fail(file("clip.mp4"), with_audio());
    ASSERT_TRUE(source);
    EXPECT_EQ(source->audio(), nullptr);
    EXPECT_EQ(pop_all(*source).size(), 25U);
    EXPECT_TRUE(log.lines().empty()) << "a clip without sound is normal: " << log.lines().front();
}

TEST_F(MediaSourceTest, SoundWithoutADecoderLeavesTheVideoPlaying) {
    const LogCapture log;
    const auto source = open_or_fail(file("unknown_sound.mkv"), with_audio());
    ASSERT_TRUE(source) << "the video is fine";
    EXPECT_EQ(source->audio(), nullptr);
    EXPECT_EQ(pop_all(*source).size(), 60U);
    EXPECT_FALSE(source->error());
    const auto lines = log.lines();
    ASSERT_EQ(lines.size(), 1U) << "one warning";
    EXPECT_NE(lines[0].find("warning"), std::string::npos) << lines[0];
    EXPECT_NE(lines[0].find(file("unknown_sound.mkv").string()), std::string::npos) << lines[0];
    EXPECT_NE(lines[0].find("without sound"), std::string::npos) << lines[0];
}

// Nobody reads the feed (a device that stopped, an item whose sound is not wanted): the demux
// thread drops the oldest audio packets instead of waiting, so every video frame still comes.
TEST_F(MediaSourceTest, VideoKeepsComingWhenNobodyReadsTheSound) {
    MediaSourceOptions options = with_audio();
    options.audio_buffer = 100ms;
    options.audio_packet_queue_capacity = 4;
    const auto source = open_or_fail(file("tone.mp4"), options);
    ASSERT_TRUE(source);
    ASSERT_NE(source->audio(), nullptr);
    EXPECT_EQ(pop_all(*source).size(), 60U);
    EXPECT_FALSE(source->error());
    EXPECT_GT(source->dropped_audio_packets(), 0) << "2 s of sound cannot fit in 100 ms and 4 packets";
    EXPECT_LE(source->audio()->queued(), 100ms);
}

TEST_F(MediaSourceTest, DestroyingWhileTheFeedIsFullReturns) {
    MediaSourceOptions options = with_audio();
    options.audio_buffer = 200ms;
    auto source = open_or_fail(file("tone.mp4"), options);
    ASSERT_TRUE(source);
    const auto feed = source->audio();
    ASSERT_NE(feed, nullptr);
    // Wait until the audio decode thread is blocked on the full feed.
    for (int i = 0; i < 2000 && feed->queued() < 150ms; ++i) std::this_thread::sleep_for(5ms);
    ASSERT_GE(feed->queued(), 150ms);
    source.reset();  // a hang here fails the test by ctest's timeout
    EXPECT_TRUE(feed->closed()) << "whoever still holds the feed hears silence";
    std::vector<std::int16_t> out(64, 5);
    EXPECT_EQ(feed->read(out, 0ms).frames, 0U);
}

TEST(VideoFrame, AnEmptyFrameHasNoPlanes) {
    const VideoFrame frame;
    EXPECT_TRUE(frame.empty());
    EXPECT_EQ(frame.width(), 0);
    EXPECT_EQ(frame.plane(0), nullptr);
    EXPECT_EQ(frame.pitch(0), 0);
    EXPECT_EQ(frame.pixel_format(), PixelFormat::other);
}

}  // namespace
}  // namespace dwell::player
