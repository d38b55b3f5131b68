// The feed's sync rules with exact sample counts (no SDL), then the SDL device around it on SDL's
// dummy audio driver.
#include "player/media/audio_feed.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <future>
#include <memory>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include <SDL.h>
#include <gtest/gtest.h>

#include "player/media/audio_output.hpp"

namespace dwell::player {
namespace {

using namespace std::chrono_literals;
using std::chrono::milliseconds;

constexpr std::size_t per_ms = 48;  // frames per millisecond at 48 kHz
constexpr auto patience = 10s;      // a wait that runs out means a hang, not a slow machine

// `frames` stereo frames whose value (the same in both channels) says which frame it is: 1, 2, ...
std::vector<std::int16_t> numbered(std::size_t frames, int first = 1) {
    std::vector<std::int16_t> samples;
    samples.reserve(frames * 2);
    for (std::size_t i = 0; i < frames; ++i) {
        const auto value = static_cast<std::int16_t>((first + static_cast<int>(i)) % 30000);
        samples.push_back(value);
        samples.push_back(value);
    }
    return samples;
}

std::vector<std::int16_t> silence(std::size_t frames) {
    return std::vector<std::int16_t>(frames * 2, 0);
}

// A buffer of `frames` stereo frames, filled with a marker so untouched samples show.
std::vector<std::int16_t> buffer(std::size_t frames) {
    return std::vector<std::int16_t>(frames * 2, std::int16_t{-7});
}

std::vector<std::int16_t> slice(const std::vector<std::int16_t>& samples, std::size_t first_frame,
                                std::size_t frames) {
    return {samples.begin() + static_cast<std::ptrdiff_t>(first_frame * 2),
            samples.begin() + static_cast<std::ptrdiff_t>((first_frame + frames) * 2)};
}

void push_or_fail(AudioFeed& feed, milliseconds pts, const std::vector<std::int16_t>& samples) {
    auto pushed = feed.push(pts, samples);
    ASSERT_TRUE(pushed) << pushed.error().message;
    EXPECT_EQ(*pushed, PushResult::pushed);
}

TEST(AudioFeed, EarlySoundIsPrecededBySilence) {
    AudioFeed feed;
    const auto chunk = numbered(100 * per_ms);  // 100 ms due at 100 ms
    push_or_fail(feed, 100ms, chunk);
    feed.end();
    auto out = buffer(300 * per_ms);
    const FeedRead read = feed.read(out, 0ms);
    EXPECT_EQ(read.frames, 100 * per_ms);
    EXPECT_FALSE(read.underrun) << "the feed ended: the silence after it is not a shortage";
    EXPECT_EQ(slice(out, 0, 100 * per_ms), silence(100 * per_ms)) << "100 ms of silence first";
    EXPECT_EQ(slice(out, 100 * per_ms, 100 * per_ms), chunk) << "then the chunk, every sample in order";
    EXPECT_EQ(slice(out, 200 * per_ms, 100 * per_ms), silence(100 * per_ms));
    const AudioFeedStats stats = feed.stats();
    EXPECT_EQ(stats.frames_padded, 100 * per_ms);
    EXPECT_EQ(stats.frames_played, 100 * per_ms);
    EXPECT_EQ(stats.frames_dropped, 0U);
    EXPECT_EQ(stats.underruns, 0U);
    EXPECT_TRUE(feed.ended());
}

TEST(AudioFeed, LateSoundIsDroppedUpToThePlayhead) {
    AudioFeed feed;
    const auto chunk = numbered(400 * per_ms);
    push_or_fail(feed, 0ms, chunk);
    auto out = buffer(100 * per_ms);
    const FeedRead read = feed.read(out, 200ms);
    EXPECT_EQ(read.frames, 100 * per_ms);
    EXPECT_FALSE(read.underrun);
    EXPECT_EQ(out, slice(chunk, 200 * per_ms, 100 * per_ms)) << "the sound due at 200 ms comes first";
    EXPECT_EQ(feed.stats().frames_dropped, 200 * per_ms);
    EXPECT_EQ(feed.stats().frames_padded, 0U);
    EXPECT_EQ(feed.next_pts(), 300ms);
    EXPECT_EQ(feed.queued(), 100ms);
}

TEST(AudioFeed, SoundWithinTheTolerancePlaysAsItIs) {
    AudioFeed feed;  // 40 ms
    const auto early = numbered(10 * per_ms);
    push_or_fail(feed, 40ms, early);  // exactly the tolerance early
    auto out = buffer(10 * per_ms);
    EXPECT_EQ(feed.read(out, 0ms).frames, 10 * per_ms);
    EXPECT_EQ(out, early) << "40 ms early is within the tolerance: no silence first";

    const auto late = numbered(10 * per_ms, 500);
    push_or_fail(feed, 100ms, late);
    EXPECT_EQ(feed.read(out, 140ms).frames, 10 * per_ms);
    EXPECT_EQ(out, late) << "40 ms late is within the tolerance: nothing dropped";
    EXPECT_EQ(feed.stats().frames_padded, 0U);
    EXPECT_EQ(feed.stats().frames_dropped, 0U);

    // One millisecond beyond it either way is corrected.
    AudioFeed early_feed;
    push_or_fail(early_feed, 41ms, numbered(100 * per_ms));
    auto wide = buffer(100 * per_ms);
    early_feed.read(wide, 0ms);
    EXPECT_EQ(early_feed.stats().frames_padded, 41 * per_ms);
    EXPECT_EQ(slice(wide, 41 * per_ms, 59 * per_ms), numbered(59 * per_ms));
    AudioFeed late_feed;
    push_or_fail(late_feed, 0ms, numbered(100 * per_ms));
    late_feed.read(wide, 41ms);
    EXPECT_EQ(late_feed.stats().frames_dropped, 41 * per_ms);
    EXPECT_EQ(slice(wide, 0, 59 * per_ms), numbered(59 * per_ms, static_cast<int>(41 * per_ms) + 1));
}

TEST(AudioFeed, AnEmptyFeedGivesSilenceAndCountsAnUnderrun) {
    AudioFeed feed;
    auto out = buffer(1024);
    FeedRead read = feed.read(out, 0ms);
    EXPECT_EQ(read.frames, 0U);
    EXPECT_TRUE(read.underrun);
    EXPECT_EQ(out, silence(1024));
    EXPECT_EQ(feed.stats().underruns, 1U);

    // A read that runs dry part-way is an underrun too.
    push_or_fail(feed, 0ms, numbered(100));
    out = buffer(1024);
    read = feed.read(out, 0ms);
    EXPECT_EQ(read.frames, 100U);
    EXPECT_TRUE(read.underrun);
    EXPECT_EQ(slice(out, 0, 100), numbered(100));
    EXPECT_EQ(slice(out, 100, 924), silence(924));
    EXPECT_EQ(feed.stats().underruns, 2U);

    // Once the feed has ended, silence is expected: no more underruns.
    feed.end();
    read = feed.read(out, 30ms);
    EXPECT_FALSE(read.underrun);
    EXPECT_EQ(out, silence(1024));
    EXPECT_EQ(feed.stats().underruns, 2U);
    EXPECT_TRUE(feed.ended());
}

TEST(AudioFeed, ReadsThatFollowThePlayheadPlayEverySampleInOrder) {
    AudioFeed feed;
    // Three chunks back to back, as a decoder delivers them (2 ms, 20 ms, 37 ms).
    const auto all = numbered((2 + 20 + 37) * per_ms);
    push_or_fail(feed, 0ms, slice(all, 0, 2 * per_ms));
    push_or_fail(feed, 2ms, slice(all, 2 * per_ms, 20 * per_ms));
    push_or_fail(feed, 22ms, slice(all, 22 * per_ms, 37 * per_ms));
    feed.end();
    std::vector<std::int16_t> heard;
    std::size_t frames = 0;
    while (!feed.ended()) {
        auto out = buffer(480);  // 10 ms per device buffer
        const FeedRead read = feed.read(out, milliseconds{static_cast<long>(frames / per_ms)});
        ASSERT_FALSE(read.underrun);
        heard.insert(heard.end(), out.begin(), out.begin() + static_cast<std::ptrdiff_t>(read.frames * 2));
        frames += 480;
    }
    EXPECT_EQ(heard, all);
    EXPECT_EQ(feed.stats().frames_played, all.size() / 2);
    EXPECT_EQ(feed.stats().frames_padded, 0U);
    EXPECT_EQ(feed.stats().frames_dropped, 0U);
}

TEST(AudioFeed, AGapBetweenChunksIsSilence) {
    AudioFeed feed;
    const auto first = numbered(10 * per_ms);
    const auto second = numbered(10 * per_ms, 1000);
    push_or_fail(feed, 0ms, first);
    push_or_fail(feed, 100ms, second);  // 90 ms after the first one ends
    feed.end();
    auto out = buffer(200 * per_ms);
    EXPECT_EQ(feed.read(out, 0ms).frames, 20 * per_ms);
    EXPECT_EQ(slice(out, 0, 10 * per_ms), first);
    EXPECT_EQ(slice(out, 10 * per_ms, 90 * per_ms), silence(90 * per_ms));
    EXPECT_EQ(slice(out, 100 * per_ms, 10 * per_ms), second);
    EXPECT_EQ(slice(out, 110 * per_ms, 90 * per_ms), silence(90 * per_ms));
}

TEST(AudioFeed, SoundBeforeTheItemStartsWaitsForIt) {
    // Before the item's first frame is shown the playhead is negative.
    AudioFeed feed;
    const auto chunk = numbered(10 * per_ms);
    push_or_fail(feed, 0ms, chunk);
    auto out = buffer(110 * per_ms);
    EXPECT_EQ(feed.read(out, -100ms).frames, 10 * per_ms);
    EXPECT_EQ(slice(out, 0, 100 * per_ms), silence(100 * per_ms));
    EXPECT_EQ(slice(out, 100 * per_ms, 10 * per_ms), chunk);
}

TEST(AudioFeed, PushWaitsWhileFullAndReturnsWhenStopped) {
    AudioFeed feed(AudioFormat{}, AudioFeedOptions{.capacity = 100ms});
    push_or_fail(feed, 0ms, numbered(100 * per_ms));
    EXPECT_EQ(feed.queued(), 100ms);

    std::stop_source stop;
    std::atomic<bool> returned{false};
    auto pushing = std::async(std::launch::async, [&] {
        auto result = feed.push(100ms, numbered(10 * per_ms), stop.get_token());
        returned = true;
        return result;
    });
    std::this_thread::sleep_for(50ms);
    EXPECT_FALSE(returned) << "a push into a full feed must wait for room";
    stop.request_stop();
    ASSERT_EQ(pushing.wait_for(patience), std::future_status::ready) << "the stop did not wake the push";
    const auto result = pushing.get();
    ASSERT_TRUE(result);
    EXPECT_EQ(*result, PushResult::stopped);
    EXPECT_EQ(feed.queued(), 100ms) << "nothing of the stopped chunk went in";
}

TEST(AudioFeed, APushWaitingForRoomGoesOnOnceTheReaderTakesSome) {
    AudioFeed feed(AudioFormat{}, AudioFeedOptions{.capacity = 100ms});
    const auto all = numbered(150 * per_ms);
    push_or_fail(feed, 0ms, slice(all, 0, 100 * per_ms));
    auto pushing = std::async(std::launch::async,
                              [&] { return feed.push(100ms, slice(all, 100 * per_ms, 50 * per_ms)); });
    auto out = buffer(50 * per_ms);
    EXPECT_EQ(feed.read(out, 0ms).frames, 50 * per_ms);
    ASSERT_EQ(pushing.wait_for(patience), std::future_status::ready) << "the push never got the room";
    const auto result = pushing.get();
    ASSERT_TRUE(result);
    EXPECT_EQ(*result, PushResult::pushed);
    auto rest = buffer(100 * per_ms);
    EXPECT_EQ(feed.read(rest, 50ms).frames, 100 * per_ms);
    EXPECT_EQ(rest, slice(all, 50 * per_ms, 100 * per_ms));
}

TEST(AudioFeed, AChunkLongerThanTheFeedGoesInPieceByPiece) {
    AudioFeed feed(AudioFormat{}, AudioFeedOptions{.capacity = 100ms});
    const auto chunk = numbered(250 * per_ms);
    auto pushing = std::async(std::launch::async, [&] {
        auto result = feed.push(0ms, chunk);
        feed.end();
        return result;
    });
    std::vector<std::int16_t> heard;
    std::size_t frames = 0;
    while (!feed.ended()) {
        ASSERT_TRUE(feed.wait_readable(patience) || feed.ended()) << "nothing came";
        // Reads follow the sound's own clock, so nothing is late or early.
        auto out = buffer(1000);
        const FeedRead read = feed.read(out, milliseconds{static_cast<long>(frames / per_ms)});
        heard.insert(heard.end(), out.begin(), out.begin() + static_cast<std::ptrdiff_t>(read.frames * 2));
        frames += read.frames;
    }
    const auto result = pushing.get();
    ASSERT_TRUE(result);
    EXPECT_EQ(*result, PushResult::pushed);
    EXPECT_EQ(heard, chunk);
    EXPECT_EQ(feed.stats().frames_dropped, 0U);
}

TEST(AudioFeed, CloseWakesAWaitingPushAndLeavesSilence) {
    AudioFeed feed(AudioFormat{}, AudioFeedOptions{.capacity = 100ms});
    push_or_fail(feed, 0ms, numbered(100 * per_ms));
    auto pushing = std::async(std::launch::async, [&] { return feed.push(100ms, numbered(10 * per_ms)); });
    feed.close();
    ASSERT_EQ(pushing.wait_for(patience), std::future_status::ready) << "close did not wake the push";
    const auto result = pushing.get();
    ASSERT_TRUE(result);
    EXPECT_EQ(*result, PushResult::closed);

    auto out = buffer(1024);
    const FeedRead read = feed.read(out, 0ms);
    EXPECT_EQ(read.frames, 0U);
    EXPECT_FALSE(read.underrun) << "a closed feed is silent on purpose";
    EXPECT_EQ(out, silence(1024));
    EXPECT_TRUE(feed.ended());
    EXPECT_TRUE(feed.closed());
    EXPECT_FALSE(feed.wait_readable(patience)) << "must not wait on a closed feed";
    const auto again = feed.push(200ms, numbered(10));
    ASSERT_TRUE(again);
    EXPECT_EQ(*again, PushResult::closed);
}

TEST(AudioFeed, RefusesChunksThatAreNotWholeFrames) {
    AudioFeed stereo;
    const std::vector<std::int16_t> three{1, 2, 3};
    const auto refused = stereo.push(0ms, three);
    ASSERT_FALSE(refused) << "3 samples are one and a half stereo frames";
    EXPECT_EQ(refused.error().code, Errc::invalid_input);
    EXPECT_NE(refused.error().message.find("3 samples"), std::string::npos) << refused.error().message;
    EXPECT_NE(refused.error().message.find("2-channel"), std::string::npos) << refused.error().message;
    EXPECT_EQ(stereo.queued(), 0ms) << "nothing of a refused chunk is queued";
    EXPECT_FALSE(stereo.next_pts());

    AudioFeed mono(AudioFormat{48000, 1});
    const auto accepted = mono.push(0ms, three);
    ASSERT_TRUE(accepted) << accepted.error().message;
    std::vector<std::int16_t> out(3);
    EXPECT_EQ(mono.read(out, 0ms).frames, 3U);
    EXPECT_EQ(out, three);
}

TEST(AudioFeed, RefusesChunksAfterTheEnd) {
    AudioFeed feed;
    push_or_fail(feed, 0ms, numbered(10));
    feed.end();
    const auto refused = feed.push(1ms, numbered(10));
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, Errc::invalid_input);
    EXPECT_FALSE(feed.ended()) << "what came before the end still plays";
    auto out = buffer(10);
    EXPECT_EQ(feed.read(out, 0ms).frames, 10U);
    EXPECT_TRUE(feed.ended());
}

TEST(AudioFeed, APartialFrameAtTheEndOfTheBufferIsSilence) {
    AudioFeed feed;
    push_or_fail(feed, 0ms, numbered(10));
    std::vector<std::int16_t> out(5, std::int16_t{-7});  // two stereo frames and half of one
    EXPECT_EQ(feed.read(out, 0ms).frames, 2U);
    EXPECT_EQ(out, (std::vector<std::int16_t>{1, 1, 2, 2, 0}));
    EXPECT_EQ(feed.next_pts(), 0ms) << "frame 3 of 48 kHz is still in the first millisecond";
    EXPECT_EQ(feed.queued(), 0ms);
}

TEST(AudioFeed, EmptyChunksAreAccepted) {
    AudioFeed feed;
    push_or_fail(feed, 0ms, {});
    EXPECT_FALSE(feed.next_pts());
    EXPECT_EQ(feed.queued(), 0ms);
}

TEST(AudioMode, ParsesOnAndOff) {
    EXPECT_EQ(parse_audio_mode("on"), AudioMode::on);
    EXPECT_EQ(parse_audio_mode("off"), AudioMode::off);
    for (const char* bad : {"", "ON", "yes", "true", "on "}) {
        const auto parsed = parse_audio_mode(bad);
        ASSERT_FALSE(parsed) << bad;
        EXPECT_EQ(parsed.error().code, Errc::invalid_input);
        EXPECT_NE(parsed.error().message.find("on or off"), std::string::npos) << parsed.error().message;
    }
    EXPECT_EQ(to_string(AudioMode::on), "on");
    EXPECT_EQ(to_string(AudioMode::off), "off");
}

// ---- the SDL device, on the dummy driver (it calls back in real time and plays nothing) ---------

class AudioOutputTest : public ::testing::Test {
  protected:
    void SetUp() override { ::setenv("SDL_AUDIODRIVER", "dummy", 0); }

    // Waits until `condition` holds, giving SDL's audio thread real time.
    static bool eventually(const std::function<bool()>& condition) {
        const auto give_up = std::chrono::steady_clock::now() + patience;
        while (!condition()) {
            if (std::chrono::steady_clock::now() > give_up) return false;
            std::this_thread::sleep_for(2ms);
        }
        return true;
    }
};

TEST_F(AudioOutputTest, PlaysTheFeedItIsGivenAndSilenceAfterStop) {
    auto output = AudioOutput::open();
    ASSERT_TRUE(output) << output.error().message;
    EXPECT_EQ((*output)->driver(), "dummy");
    EXPECT_EQ((*output)->format(), AudioFormat{});
    EXPECT_GT((*output)->latency(), 0us);

    auto feed = std::make_shared<AudioFeed>();
    const auto chunk = numbered(300 * per_ms);
    push_or_fail(*feed, 0ms, chunk);
    feed->end();
    (*output)->play(feed, std::chrono::steady_clock::now());
    ASSERT_TRUE(eventually([&] { return feed->ended(); })) << "the device did not take the feed's sound";
    const AudioFeedStats stats = feed->stats();
    EXPECT_GT(stats.frames_played, 0U);
    EXPECT_EQ(stats.frames_played + stats.frames_dropped, 300 * per_ms) << "every frame played or dropped";

    // After stop() the device reads nothing more from a feed.
    auto second = std::make_shared<AudioFeed>();
    push_or_fail(*second, 0ms, numbered(100 * per_ms));
    (*output)->play(second, std::chrono::steady_clock::now() + 1h);  // an hour early: all padding
    ASSERT_TRUE(eventually([&] { return second->stats().frames_padded > 0; }));
    (*output)->stop();
    const auto buffers = (*output)->buffers();
    ASSERT_TRUE(eventually([&] { return (*output)->buffers() >= buffers + 3; }));
    const auto padded = second->stats().frames_padded;
    ASSERT_TRUE(eventually([&] { return (*output)->buffers() >= buffers + 6; }));
    EXPECT_EQ(second->stats().frames_padded, padded) << "a stopped output still reads the feed";
    EXPECT_EQ(second->queued(), 100ms);
}

TEST_F(AudioOutputTest, CountsBuffersAFeedCouldNotFill) {
    auto output = AudioOutput::open();
    ASSERT_TRUE(output) << output.error().message;
    auto feed = std::make_shared<AudioFeed>();  // never gets any sound, never ends
    (*output)->play(feed, std::chrono::steady_clock::now());
    ASSERT_TRUE(eventually([&] { return (*output)->underruns() >= 2; }));
    EXPECT_GE(feed->stats().underruns, 2U);
    (*output)->stop();
}

TEST_F(AudioOutputTest, RefusesAFeedInAnotherFormat) {
    auto output = AudioOutput::open();
    ASSERT_TRUE(output) << output.error().message;
    auto mono = std::make_shared<AudioFeed>(AudioFormat{48000, 1});
    push_or_fail(*mono, 0ms, std::vector<std::int16_t>(4800, 100));
    (*output)->play(mono, std::chrono::steady_clock::now());
    const auto buffers = (*output)->buffers();
    ASSERT_TRUE(eventually([&] { return (*output)->buffers() >= buffers + 3; }));
    EXPECT_EQ(mono->stats().frames_played, 0U);
    EXPECT_EQ(mono->queued(), 100ms);
}

TEST_F(AudioOutputTest, AnUnknownDriverIsAnErrorWithSdlsMessage) {
    SDL_SetHintWithPriority(SDL_HINT_AUDIODRIVER, "nonexistent", SDL_HINT_OVERRIDE);
    auto output = AudioOutput::open();
    SDL_ResetHint(SDL_HINT_AUDIODRIVER);
    ASSERT_FALSE(output) << "opened on the " << (*output)->driver() << " driver";
    EXPECT_EQ(output.error().code, Errc::unsupported);
    EXPECT_NE(output.error().message.find("nonexistent"), std::string::npos) << output.error().message;

    // The subsystem was left as it was: the next open works.
    auto again = AudioOutput::open();
    EXPECT_TRUE(again) << again.error().message;
}

TEST_F(AudioOutputTest, RefusesAFormatNoDeviceCanPlay) {
    const auto output = AudioOutput::open(AudioFormat{0, 2});
    ASSERT_FALSE(output);
    EXPECT_EQ(output.error().code, Errc::invalid_input);
}

}  // namespace
}  // namespace dwell::player
