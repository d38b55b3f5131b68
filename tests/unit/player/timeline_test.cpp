// The timeline is driven on a steady clock the test advances itself (with the wall clock kept in
// step), with scripted decoders standing in for FFmpeg where a decoder has to misbehave on cue,
// and with real clips and pictures where the real decoders matter.
#include "player/playback/timeline.hpp"

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <variant>
#include <vector>

#include <gtest/gtest.h>

extern "C" {
#include <libavutil/frame.h>
#include <libavutil/pixfmt.h>
}

#include "content/device_state.hpp"
#include "tests/support/media.hpp"
#include "tests/support/temp_dir.hpp"

namespace dwell::player {
namespace {

using namespace std::chrono_literals;
using std::chrono::milliseconds;

const config::WallTime wall0 =
    std::chrono::sys_days{std::chrono::year{2026} / 3 / 2} + std::chrono::hours{10};
const SteadyTime base = SteadyTime{} + std::chrono::hours{1};
constexpr auto patience = 10s;  // real time allowed for a decoding thread to answer

// ---- scripted decoders --------------------------------------------------------------------

// What a scripted decoder does: deliver `frames` frames `frame_time` apart, then end (or, when
// `ends` is false, go silent without ever ending, as a hung decoder does).
struct Script {
    int frames = 0;
    bool ends = true;
    milliseconds frame_time{40};
    bool declares_length = true;           // the container states the length, as MP4 files do
    std::optional<milliseconds> declared;  // a length other than the frames' (a clip that halts part-way)
    std::atomic<int> decoded{1 << 30};  // frames decoded so far (all of them unless a test holds some back)
    std::atomic<int> polls{0};          // how often the timeline asked whether the first frame is there
    std::atomic<int> opens{0};
    std::shared_ptr<AudioFeed> sound;  // the clip's sound; none for a silent clip
};

using Scripts = std::map<std::string, std::shared_ptr<Script>, std::less<>>;

std::shared_ptr<Script> script(int frames, bool ends = true) {
    auto made = std::make_shared<Script>();
    made->frames = frames;
    made->ends = ends;
    return made;
}

// The same clip with sound.
std::shared_ptr<Script> with_sound(std::shared_ptr<Script> silent) {
    silent->sound = std::make_shared<AudioFeed>();
    return silent;
}

constexpr std::size_t primed = 4;  // frames decoded ahead before a video starts

// A 10 s clip whose decoder delivers its first few frames (enough to start) and then hangs.
std::shared_ptr<Script> halting_clip() {
    auto made = script(static_cast<int>(primed), /*ends=*/false);
    made->declared = 10s;
    return made;
}

// A 64x48 yuv420p frame of one grey level.
VideoFrame grey_frame(milliseconds pts, milliseconds duration, std::uint8_t luma) {
    AVFrame* frame = av_frame_alloc();
    if (frame == nullptr) throw std::bad_alloc{};
    frame->format = AV_PIX_FMT_YUV420P;
    frame->width = 64;
    frame->height = 48;
    if (av_frame_get_buffer(frame, 0) < 0) {
        av_frame_free(&frame);
        throw std::bad_alloc{};
    }
    const int rows[3] = {48, 24, 24};
    const std::uint8_t values[3] = {luma, 128, 128};
    for (std::size_t plane = 0; plane < 3; ++plane) {
        std::memset(frame->data[plane], values[plane],
                    static_cast<std::size_t>(frame->linesize[plane]) * static_cast<std::size_t>(rows[plane]));
    }
    return VideoFrame{frame, pts, duration};
}

class FakeStream final : public VideoStream {
  public:
    FakeStream(const std::filesystem::path& file, std::shared_ptr<Script> script)
        : m_script(std::move(script)) {
        m_info.file = file;
        m_info.codec = "scripted";
        m_info.width = 64;
        m_info.height = 48;
        m_info.frame_rate = 25;
        if (m_script->declares_length)
            m_info.duration = m_script->declared.value_or(m_script->frame_time * m_script->frames);
    }
    [[nodiscard]] const SourceInfo& info() const override { return m_info; }
    std::optional<VideoFrame> try_pop_frame() override {
        if (m_popped >= available()) return std::nullopt;
        const auto pts = m_script->frame_time * m_popped;
        ++m_popped;
        return grey_frame(pts, m_script->frame_time, static_cast<std::uint8_t>(16 + 8 * (m_popped % 16)));
    }
    [[nodiscard]] bool first_frame_ready() const override {
        ++m_script->polls;
        return available() > 0;
    }
    [[nodiscard]] bool at_end() const override { return m_script->ends && m_popped >= m_script->frames; }
    [[nodiscard]] std::optional<Error> error() const override { return std::nullopt; }
    [[nodiscard]] std::size_t queued_frames() const override {
        return static_cast<std::size_t>(available() - m_popped);
    }
    [[nodiscard]] std::shared_ptr<AudioFeed> audio() const override { return m_script->sound; }

  private:
    [[nodiscard]] int available() const { return std::min(m_script->frames, m_script->decoded.load()); }

    std::shared_ptr<Script> m_script;
    SourceInfo m_info;
    int m_popped = 0;
};

// Scripted decoders by file name; other files go to `others` (the real MediaSource when given).
VideoOpener scripted(Scripts scripts, VideoOpener others = {}) {
    return [scripts = std::move(scripts), others = std::move(others)](
               const std::filesystem::path& file,
               const MediaSourceOptions& options) -> Result<std::unique_ptr<VideoStream>> {
        const auto found = scripts.find(file.filename().string());
        if (found == scripts.end()) {
            if (others) return others(file, options);
            return fail(Errc::not_found, "{} has no script", file.string());
        }
        ++found->second->opens;
        return std::unique_ptr<VideoStream>{std::make_unique<FakeStream>(file, found->second)};
    };
}

// The real decoder, except that taking a frame waits for it: the test's clock then never outruns
// decoding on a busy machine, and what is checked is the timeline, not the machine's speed.
class DecoderPacedStream final : public VideoStream {
  public:
    explicit DecoderPacedStream(std::unique_ptr<MediaSource> source) : m_source(std::move(source)) {}
    [[nodiscard]] const SourceInfo& info() const override { return m_source->info(); }
    std::optional<VideoFrame> try_pop_frame() override { return m_source->pop_frame(patience); }
    [[nodiscard]] bool first_frame_ready() const override { return m_source->wait_first_frame(patience); }
    [[nodiscard]] bool at_end() const override { return m_source->at_end(); }
    [[nodiscard]] std::optional<Error> error() const override { return m_source->error(); }
    [[nodiscard]] std::size_t queued_frames() const override { return m_source->queued_frames(); }

  private:
    std::unique_ptr<MediaSource> m_source;
};

VideoOpener decoder_paced() {
    return [](const std::filesystem::path& file,
              const MediaSourceOptions& options) -> Result<std::unique_ptr<VideoStream>> {
        auto source = MediaSource::open(file, options);
        if (!source) return fail(std::move(source.error()));
        return std::unique_ptr<VideoStream>{std::make_unique<DecoderPacedStream>(std::move(*source))};
    };
}

// What the timeline told the audio sink: play a feed from a start, or stop (no feed).
struct AudioCall {
    std::shared_ptr<AudioFeed> feed;
    std::optional<SteadyTime> item_start;
    friend bool operator==(const AudioCall&, const AudioCall&) = default;
};

AudioCall played(const std::shared_ptr<Script>& clip, SteadyTime item_start) {
    return {clip->sound, item_start};
}
const AudioCall stopped{};

void PrintTo(const AudioCall& call, std::ostream* out) {
    if (!call.feed) {
        *out << "stop";
    } else {
        *out << "play(" << call.feed.get() << " from base + "
             << std::chrono::duration_cast<milliseconds>(*call.item_start - base).count() << " ms)";
    }
}

class FakeAudioSink final : public AudioSink {
  public:
    void play(std::shared_ptr<AudioFeed> feed, SteadyTime item_start) override {
        calls.push_back({std::move(feed), item_start});
    }
    void stop() override { calls.push_back(stopped); }
    std::vector<AudioCall> calls;
};

// ---- programs -------------------------------------------------------------------------------

struct Entry {
    // Implicit on purpose: a plain name is a video of its own length, in the cache.
    Entry(std::string name, content::MediaKind media = content::MediaKind::video,
          std::optional<config::Duration> length = std::nullopt, bool cached = true)
        : asset(std::move(name)), kind(media), duration(length), in_cache(cached) {}
    std::string asset;
    content::MediaKind kind;
    std::optional<config::Duration> duration;
    bool in_cache;
};

// A made-up but well-formed sha256 per item, so play and error records name their asset.
std::string sha_of(std::size_t index) {
    return std::string(64, "0123456789abcdef"[(index + 1) % 16]);
}

Program program_of(const test::TempDir& dir, const std::vector<Entry>& entries) {
    Program program;
    program.screen.id = "s1";
    program.screen.station = "seoul";
    program.screen.timezone = "UTC";
    content::Campaign campaign;
    campaign.id = "c1";
    campaign.name = "c1";
    campaign.window = {{std::chrono::sys_days{std::chrono::year{2020} / 1 / 1}, {}},
                       {std::chrono::sys_days{std::chrono::year{2100} / 1 / 1}, {}}};
    campaign.targets.all = true;
    for (std::size_t i = 0; i < entries.size(); ++i) {
        content::Item item;
        item.asset = entries[i].asset;
        item.sha256 = sha_of(i);
        item.kind = entries[i].kind;
        item.duration = entries[i].duration;
        if (entries[i].in_cache) program.files.emplace(item_key(item), dir / entries[i].asset);
        campaign.items.push_back(std::move(item));
    }
    program.campaigns.push_back(std::move(campaign));
    return program;
}

std::string name_of(const MainView& view) {
    return view.fallback() ? std::string{"<fallback>"} : view.file.filename().string();
}

// ---- the fixture ------------------------------------------------------------------------------

class TimelineTest : public ::testing::Test {
  protected:
    void SetUp() override {
        ::setenv("SDL_VIDEODRIVER", "offscreen", 0);
        ::setenv("SDL_AUDIODRIVER", "dummy", 0);
        RendererOptions options;
        options.driver = config::VideoDriver::offscreen;
        options.size = config::PixelSize{160, 90};
        options.vsync = VSync::off;
        auto renderer = Renderer::create(options);
        ASSERT_TRUE(renderer) << renderer.error().message;
        m_renderer = std::move(*renderer);
        auto sink = RecordSink::open(m_dir / "state.db", "s1");
        ASSERT_TRUE(sink) << sink.error().message;
        m_sink = std::move(*sink);
    }

    Timeline& make(Program program, TimelineOptions options, VideoOpener opener, AudioSink* audio = nullptr) {
        m_timeline = std::make_unique<Timeline>(*m_renderer, m_images, m_clock, *m_sink, m_stats,
                                                std::move(options), std::move(opener), audio);
        m_timeline->set_program(std::make_shared<const Program>(std::move(program)));
        return *m_timeline;
    }

    // One turn of the render loop at `t`, the wall clock kept in step with the steady one.
    void at(SteadyTime t) {
        m_clock.set(wall0 + std::chrono::duration_cast<milliseconds>(t - base));
        m_timeline->update(t);
        m_trace_last = name_of(m_timeline->view(t));
        if (m_trace.empty() || m_trace.back() != m_trace_last) m_trace.push_back(m_trace_last);
    }

    MainView view(SteadyTime t) { return m_timeline->view(t); }
    std::string shown(SteadyTime t) { return name_of(view(t)); }

    // Turns at a fixed `t` until `done` holds of the view, while decoding threads get real time.
    bool settle(SteadyTime t, const std::function<bool(const MainView&)>& done) {
        const auto give_up = std::chrono::steady_clock::now() + patience;
        while (std::chrono::steady_clock::now() < give_up) {
            at(t);
            if (done(view(t))) return true;
            std::this_thread::sleep_for(1ms);
        }
        return false;
    }
    bool settle_on(SteadyTime t, const std::string& file) {
        return settle(t, [&](const MainView& v) { return name_of(v) == file; });
    }

    // Turns from `from` to `to` in `step`s, with a little real time between for decoding threads.
    void run(SteadyTime from, SteadyTime to, milliseconds step = 10ms) {
        for (SteadyTime t = from; t <= to; t += step) {
            at(t);
            std::this_thread::sleep_for(500us);
        }
    }

    // Turns from `from` in `step`s until `file` is on screen: when it first was, or nullopt.
    std::optional<SteadyTime> run_until(SteadyTime from, const std::string& file, milliseconds limit = 5s,
                                        milliseconds step = 10ms) {
        for (SteadyTime t = from; t <= from + limit; t += step) {
            at(t);
            if (m_trace_last == file) return t;
            std::this_thread::sleep_for(500us);
        }
        return std::nullopt;
    }

    // The distinct things the main zone showed, in order, since the last call.
    std::vector<std::string> trace() { return std::exchange(m_trace, {}); }

    std::vector<content::RecordBody> records() {
        m_sink->flush();
        auto state = content::DeviceState::open(m_dir / "state.db");
        EXPECT_TRUE(state) << state.error().message;
        if (!state) return {};
        auto entries = (*state)->oldest_records(10'000, 64 * 1024 * 1024);
        EXPECT_TRUE(entries) << entries.error().message;
        if (!entries) return {};
        std::vector<content::RecordBody> bodies;
        for (auto& entry : *entries) bodies.push_back(std::move(entry.record.body));
        return bodies;
    }
    template <class T>
    std::vector<T> records_of() {
        std::vector<T> out;
        for (auto& body : records())
            if (auto* record = std::get_if<T>(&body)) out.push_back(std::move(*record));
        return out;
    }

    test::TempDir m_dir;
    config::FakeClock m_clock{wall0};
    PlaybackStats m_stats;
    ImageLoader m_images;
    std::unique_ptr<Renderer> m_renderer;
    std::unique_ptr<RecordSink> m_sink;
    FakeAudioSink m_audio;
    std::unique_ptr<Timeline> m_timeline;  // last: gone before what it refers to
    std::vector<std::string> m_trace;
    std::string m_trace_last;
};

TimelineOptions quick(milliseconds stall = 300ms) {
    TimelineOptions options;
    options.stall_timeout = stall;
    options.failure_pause = 800ms;
    options.primed_frames = primed;
    return options;
}

// ---- pacing ---------------------------------------------------------------------------------

TEST_F(TimelineTest, VideoFramesAreShownWhenTheirPtsIsDue) {
    make(program_of(m_dir, {{"a.mp4"}}), quick(), scripted({{"a.mp4", script(10)}}));
    EXPECT_TRUE(view(base).fallback()) << "nothing is decoded yet";
    ASSERT_TRUE(settle_on(base, "a.mp4"));
    const MainView first = view(base);
    ASSERT_EQ(first.layers.size(), 1u);
    ASSERT_NE(first.layers[0].video, nullptr);
    EXPECT_EQ(first.layers[0].video->size(), (config::PixelSize{64, 48}));
    EXPECT_EQ(first.layers[0].alpha, 255);
    EXPECT_EQ(first.campaign, "c1");
    EXPECT_EQ(m_timeline->current_campaign(), "c1");
    EXPECT_EQ(m_timeline->take_new_frame_due(), base) << "frame 0 is due when the item starts";
    EXPECT_EQ(m_timeline->take_new_frame_due(), std::nullopt) << "each frame is reported once";

    at(base + 39ms);
    EXPECT_EQ(m_timeline->take_new_frame_due(), std::nullopt) << "frame 1 (pts 40 ms) is not due yet";
    EXPECT_LE(m_timeline->next_deadline(base + 39ms), base + 40ms) << "the loop must wake for frame 1";
    at(base + 40ms);
    EXPECT_EQ(m_timeline->take_new_frame_due(), base + 40ms);

    // A late turn shows the latest due frame and drops the one it skipped.
    at(base + 125ms);
    EXPECT_EQ(m_timeline->take_new_frame_due(), base + 120ms);
    EXPECT_EQ(m_stats.summary().frames_dropped, 1u);
}

TEST_F(TimelineTest, VideoStartsOnceEnoughFramesAreDecodedAhead) {
    auto slow = script(10);
    slow->decoded = 2;
    make(program_of(m_dir, {{"a.mp4"}}), quick(), scripted({{"a.mp4", slow}}));
    ASSERT_TRUE(settle(base, [&](const MainView&) { return slow->polls > 0; }));
    for (int i = 0; i < 20; ++i) at(base + 10ms);
    EXPECT_TRUE(view(base + 10ms).fallback()) << "2 of " << primed << " frames decoded: not started yet";
    slow->decoded = static_cast<int>(primed);
    at(base + 20ms);
    EXPECT_EQ(shown(base + 20ms), "a.mp4");
    EXPECT_EQ(m_timeline->take_new_frame_due(), base + 20ms) << "its first frame is due when it starts";
}

TEST_F(TimelineTest, SlowVideoStartsAnywayAfterThePrimeTimeout) {
    auto slow = script(10);
    slow->decoded = 1;
    TimelineOptions options = quick(5s);
    make(program_of(m_dir, {{"a.mp4"}}), options, scripted({{"a.mp4", slow}}));
    ASSERT_TRUE(settle(base, [&](const MainView&) { return slow->polls > 0; }));
    at(base + options.prime_timeout - 1ms);
    EXPECT_TRUE(view(base + options.prime_timeout - 1ms).fallback());
    at(base + options.prime_timeout);
    EXPECT_EQ(shown(base + options.prime_timeout), "a.mp4");
}

TEST_F(TimelineTest, CompletedVideoGivesACompletedPlayRecord) {
    make(program_of(m_dir, {{"a.mp4"}, {"b.mp4"}}), quick(),
         scripted({{"a.mp4", script(5)}, {"b.mp4", script(5)}}));
    ASSERT_TRUE(settle_on(base, "a.mp4"));
    run(base, base + 200ms);
    ASSERT_TRUE(settle_on(base + 200ms, "b.mp4"));
    const auto plays = records_of<content::PlayRecord>();
    ASSERT_EQ(plays.size(), 1u);
    EXPECT_EQ(plays[0].campaign, "c1");
    EXPECT_EQ(plays[0].asset, sha_of(0));
    EXPECT_TRUE(plays[0].completed);
    EXPECT_EQ(plays[0].start, wall0);
    EXPECT_EQ(plays[0].end, wall0 + 200ms) << "five frames of 40 ms";
    EXPECT_EQ(plays[0].frames_dropped, 0u);
    EXPECT_EQ(m_stats.summary().items_played, 1u);
    EXPECT_EQ(m_stats.summary().items_failed, 0u);
}

// ---- stuck decoders -------------------------------------------------------------------------

TEST_F(TimelineTest, DecoderWithoutAFirstFrameIsAbandonedAfterTheStallTimeout) {
    auto stuck = script(0, /*ends=*/false);
    make(program_of(m_dir, {{"stuck.mp4"}, {"good.mp4"}}), quick(),
         scripted({{"stuck.mp4", stuck}, {"good.mp4", script(10)}}));
    // Opened and asked about its first frame, which never comes.
    ASSERT_TRUE(settle(base, [&](const MainView&) { return stuck->polls > 0; }));
    at(base + 300ms);
    EXPECT_EQ(m_stats.summary().items_failed, 0u) << "not abandoned before stall_timeout";
    EXPECT_TRUE(view(base + 300ms).fallback());

    at(base + 301ms);
    EXPECT_EQ(m_stats.summary().items_failed, 1u);
    ASSERT_TRUE(settle_on(base + 301ms, "good.mp4")) << "the next item plays";

    const auto errors = records_of<content::ErrorRecord>();
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(errors[0].file, "stuck.mp4");
    EXPECT_EQ(errors[0].campaign, "c1");
    EXPECT_EQ(errors[0].asset, sha_of(0));
    EXPECT_NE(errors[0].reason.find("stuck"), std::string::npos) << errors[0].reason;
    EXPECT_NE(errors[0].reason.find("stuck.mp4"), std::string::npos)
        << "names the file: " << errors[0].reason;
    EXPECT_EQ(errors[0].at, wall0 + 301ms);
    EXPECT_TRUE(records_of<content::PlayRecord>().empty()) << "it never played";
}

TEST_F(TimelineTest, DecoderThatStopsDeliveringIsAbandonedAfterTheStallTimeout) {
    make(program_of(m_dir, {{"halts.mp4"}, {"good.mp4"}}), quick(),
         scripted({{"halts.mp4", halting_clip()}, {"good.mp4", script(10)}}));
    ASSERT_TRUE(settle_on(base, "halts.mp4"));
    // Its last frame (pts 120 ms) came at base + 120 ms; nothing after it.
    run(base, base + 420ms);
    EXPECT_EQ(m_stats.summary().items_failed, 0u) << "not abandoned before stall_timeout";
    at(base + 430ms);
    EXPECT_EQ(m_stats.summary().items_failed, 1u);
    ASSERT_TRUE(settle_on(base + 430ms, "good.mp4")) << "the next item plays";

    const auto errors = records_of<content::ErrorRecord>();
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(errors[0].file, "halts.mp4");
    EXPECT_NE(errors[0].reason.find("stuck"), std::string::npos) << errors[0].reason;
    EXPECT_NE(errors[0].reason.find("halts.mp4"), std::string::npos) << errors[0].reason;
    // It was on screen, so its play record says it did not complete.
    const auto plays = records_of<content::PlayRecord>();
    ASSERT_EQ(plays.size(), 1u);
    EXPECT_EQ(plays[0].asset, sha_of(0));
    EXPECT_FALSE(plays[0].completed);
}

// The header: a failing item "is skipped with an error record while the last picture stays up",
// also in the turn that abandons it, before the item after it is planned.
TEST_F(TimelineTest, LastPictureStaysUpWhenThePlayingDecoderStalls) {
    make(program_of(m_dir, {{"halts.mp4"}, {"good.mp4"}}), quick(),
         scripted({{"halts.mp4", halting_clip()}, {"good.mp4", script(10)}}));
    ASSERT_TRUE(settle_on(base, "halts.mp4"));
    trace();
    ASSERT_TRUE(run_until(base, "good.mp4"));
    EXPECT_EQ(trace(), (std::vector<std::string>{"halts.mp4", "good.mp4"}))
        << "the fallback slide flashed between the stalled item and the next one";
}

// As above, when the item that fails is the prerolled next one, after a.mp4 ended.
TEST_F(TimelineTest, LastPictureStaysUpWhenTheNextDecoderNeverDeliversAFirstFrame) {
    make(program_of(m_dir, {{"a.mp4"}, {"stuck.mp4"}, {"b.mp4"}}), quick(),
         scripted({{"a.mp4", script(5)}, {"stuck.mp4", script(0, false)}, {"b.mp4", script(5)}}));
    ASSERT_TRUE(settle_on(base, "a.mp4"));
    trace();
    ASSERT_TRUE(run_until(base, "b.mp4"));
    EXPECT_EQ(m_stats.summary().items_failed, 1u);
    EXPECT_EQ(trace(), (std::vector<std::string>{"a.mp4", "b.mp4"}))
        << "the fallback slide flashed between a.mp4 and b.mp4 while stuck.mp4 was skipped";
}

// ---- failing items --------------------------------------------------------------------------

TEST_F(TimelineTest, FailingItemsAreSkippedWithErrorRecordsAndTheNextPlays) {
    m_dir.write("not-media.mp4", "this is a text file, not a video\n");
    m_dir.write("not-a-picture.png", "neither is this a picture\n");
    make(program_of(m_dir, {{"missing.mp4"},
                            {"not-media.mp4"},
                            {"missing.png", content::MediaKind::image, 2s},
                            {"not-a-picture.png", content::MediaKind::image, 2s},
                            {"uncached.mp4", content::MediaKind::video, std::nullopt, /*in_cache=*/false},
                            {"good.mp4"}}),
         quick(), scripted({{"good.mp4", script(10)}}, default_video_opener()));
    ASSERT_TRUE(settle_on(base, "good.mp4"));
    EXPECT_EQ(m_stats.summary().items_failed, 5u);

    const auto errors = records_of<content::ErrorRecord>();
    ASSERT_EQ(errors.size(), 5u);
    const std::vector<std::string> files{"missing.mp4", "not-media.mp4", "missing.png", "not-a-picture.png",
                                         "uncached.mp4"};
    for (std::size_t i = 0; i < errors.size(); ++i) {
        SCOPED_TRACE(files[i]);
        EXPECT_EQ(errors[i].file, files[i]);
        EXPECT_EQ(errors[i].campaign, "c1");
        EXPECT_EQ(errors[i].asset, sha_of(i));
        EXPECT_FALSE(errors[i].reason.empty());
    }
    EXPECT_NE(errors[4].reason.find("not in the cache"), std::string::npos) << errors[4].reason;
    EXPECT_TRUE(records_of<content::PlayRecord>().empty());
}

TEST_F(TimelineTest, WhenEveryItemFailsTheFallbackShowsAndRetriesWaitForTheFailurePause) {
    make(program_of(m_dir, {{"gone-1.mp4"}, {"gone-2.mp4"}}), quick(), default_video_opener());
    // Three failures in a row (at least three, or every item) rest on the fallback slide.
    ASSERT_TRUE(settle(base, [&](const MainView&) { return m_stats.summary().items_failed >= 3; }));
    EXPECT_TRUE(view(base).fallback());
    EXPECT_EQ(m_timeline->current_campaign(), "");
    EXPECT_EQ(m_timeline->next_deadline(base), base + 800ms)
        << "no busy loop: the next try is after failure_pause";

    // Turning the loop meanwhile tries nothing.
    for (int i = 0; i < 50; ++i) {
        at(base);
        std::this_thread::sleep_for(1ms);
    }
    at(base + 799ms);
    EXPECT_EQ(m_stats.summary().items_failed, 3u);
    EXPECT_TRUE(view(base + 799ms).fallback());
    EXPECT_EQ(records_of<content::ErrorRecord>().size(), 3u);

    // Then it tries again.
    ASSERT_TRUE(settle(base + 800ms, [&](const MainView&) { return m_stats.summary().items_failed >= 4; }));
    EXPECT_TRUE(view(base + 800ms).fallback());
}

// ---- switching --------------------------------------------------------------------------------

TEST_F(TimelineTest, PlaylistThatDoesNotLoopEndsOnTheFallback) {
    Program program = program_of(m_dir, {{"a.mp4"}, {"b.mp4"}});
    program.loop = false;
    make(std::move(program), quick(), scripted({{"a.mp4", script(5)}, {"b.mp4", script(5)}}));
    ASSERT_TRUE(settle_on(base, "a.mp4"));
    trace();
    run(base, base + 3s);
    EXPECT_EQ(trace(), (std::vector<std::string>{"a.mp4", "b.mp4", "<fallback>"}));
    run(base + 3s, base + 20s, 100ms);
    EXPECT_EQ(trace(), (std::vector<std::string>{"<fallback>"})) << "nothing starts again";
    EXPECT_EQ(m_stats.summary().items_played, 2u);
    EXPECT_EQ(records_of<content::PlayRecord>().size(), 2u);
}

TEST_F(TimelineTest, LoopingPlaylistStartsOver) {
    make(program_of(m_dir, {{"a.mp4"}, {"b.mp4"}}), quick(),
         scripted({{"a.mp4", script(5)}, {"b.mp4", script(5)}}));
    ASSERT_TRUE(settle_on(base, "a.mp4"));
    trace();
    run(base, base + 1s);
    const auto seen = trace();
    ASSERT_GE(seen.size(), 3u);
    EXPECT_EQ(seen[0], "a.mp4");
    EXPECT_EQ(seen[1], "b.mp4");
    EXPECT_EQ(seen[2], "a.mp4");
    for (const auto& name : seen) EXPECT_NE(name, "<fallback>");
}

TEST_F(TimelineTest, TwoRealClipsPlayBackToBackWithoutAGap) {
    ASSERT_EQ(test::ffmpeg("-f lavfi -i testsrc=size=160x120:rate=25 -t 1 -c:v libx264 -pix_fmt yuv420p " +
                           (m_dir / "first.mp4").string()),
              "");
    ASSERT_EQ(test::ffmpeg("-f lavfi -i testsrc2=size=128x96:rate=25 -t 1 -c:v libx264 -pix_fmt yuv420p " +
                           (m_dir / "second.mp4").string()),
              "");
    TimelineOptions options;  // the real preroll and stall timeout
    make(program_of(m_dir, {{"first.mp4"}, {"second.mp4"}}), options, decoder_paced());
    ASSERT_TRUE(settle_on(base, "first.mp4"));
    trace();
    SteadyTime t = base;
    while (shown(t) != "second.mp4" && t < base + 5s) {
        t += 5ms;
        at(t);
        std::this_thread::sleep_for(1ms);
    }
    EXPECT_EQ(trace(), (std::vector<std::string>{"first.mp4", "second.mp4"}))
        << "no turn between the two clips showed the fallback";
    const MainView second = view(t);
    ASSERT_EQ(second.layers.size(), 1u);
    ASSERT_NE(second.layers[0].video, nullptr);
    EXPECT_EQ(second.layers[0].video->size(), (config::PixelSize{128, 96}))
        << "the picture is the second clip's";
    EXPECT_GE(t, base + 960ms) << "the first clip played all its 25 frames";
    EXPECT_LE(t, base + 1100ms);
    EXPECT_LT(m_stats.summary().max_switch_gap_ms, 50.0) << "the second clip was prerolled";
    EXPECT_EQ(m_stats.summary().items_played, 1u);
    EXPECT_EQ(m_stats.summary().items_failed, 0u);
}

TEST_F(TimelineTest, NewProgramTakesOverOnceThePlayingItemFinishes) {
    make(program_of(m_dir, {{"a.mp4"}, {"b.mp4"}}), quick(),
         scripted({{"a.mp4", script(25)}, {"b.mp4", script(5)}, {"x.mp4", script(5)}}));
    ASSERT_TRUE(settle_on(base, "a.mp4"));
    run(base, base + 600ms);  // b.mp4 is prerolled by now
    m_timeline->set_program(std::make_shared<const Program>(program_of(m_dir, {{"x.mp4"}})));
    trace();
    const auto switched = run_until(base + 610ms, "x.mp4");
    ASSERT_TRUE(switched);
    EXPECT_EQ(trace(), (std::vector<std::string>{"a.mp4", "x.mp4"})) << "b.mp4 belonged to the old program";
    EXPECT_GE(*switched, base + 1s) << "a.mp4 played to its end (25 frames of 40 ms)";
    EXPECT_LE(*switched, base + 1s + 20ms);
    const auto plays = records_of<content::PlayRecord>();
    ASSERT_EQ(plays.size(), 1u);
    EXPECT_TRUE(plays[0].completed);
}

// ---- takeovers --------------------------------------------------------------------------------

TEST_F(TimelineTest, SuspendCutsTheItemShortAndNothingStartsUntilResume) {
    auto long_clip = script(50);  // 2 s
    make(program_of(m_dir, {{"a.mp4"}, {"b.mp4"}}), quick(),
         scripted({{"a.mp4", long_clip}, {"b.mp4", script(50)}}));
    ASSERT_TRUE(settle_on(base, "a.mp4"));
    run(base, base + 500ms);
    m_clock.set(wall0 + 500ms);
    m_timeline->suspend(base + 500ms);
    EXPECT_TRUE(m_timeline->suspended());

    const auto plays = records_of<content::PlayRecord>();
    ASSERT_EQ(plays.size(), 1u);
    EXPECT_EQ(plays[0].asset, sha_of(0));
    EXPECT_FALSE(plays[0].completed) << "cut short by the takeover";
    EXPECT_EQ(plays[0].start, wall0);
    EXPECT_EQ(plays[0].end, wall0 + 500ms);

    trace();
    run(base + 500ms, base + 10s, 50ms);
    EXPECT_EQ(trace(), (std::vector<std::string>{"<fallback>"})) << "nothing new starts while suspended";
    EXPECT_EQ(m_timeline->current_campaign(), "");
    EXPECT_EQ(records_of<content::PlayRecord>().size(), 1u);

    m_timeline->resume();
    EXPECT_FALSE(m_timeline->suspended());
    ASSERT_TRUE(settle(base + 10s, [](const MainView& v) { return !v.fallback(); }))
        << "plays again after resume";
    EXPECT_EQ(m_timeline->current_campaign(), "c1");
}

// The next item was opened (its turn taken) when the takeover came: it plays first after it.
TEST_F(TimelineTest, ATakeoverDoesNotCostThePrerolledItemItsTurn) {
    make(program_of(m_dir, {{"a.mp4"}, {"b.mp4"}}), quick(),
         scripted({{"a.mp4", script(25)}, {"b.mp4", script(25)}}));
    ASSERT_TRUE(settle_on(base, "a.mp4"));
    run(base, base + 600ms);  // a.mp4 ends at 1 s: b.mp4 is prerolled by now
    m_timeline->suspend(base + 600ms);
    run(base + 600ms, base + 2s, 50ms);
    m_timeline->resume();
    trace();
    ASSERT_TRUE(settle(base + 2s, [](const MainView& v) { return !v.fallback(); }));
    EXPECT_EQ(name_of(view(base + 2s)), "b.mp4") << "b.mp4's turn came before the takeover";
}

// ---- sound ------------------------------------------------------------------------------------

TEST_F(TimelineTest, SoundPlaysFromTheItemsStartAndStopsWhenItEnds) {
    auto a = with_sound(script(5));
    Program program = program_of(m_dir, {{"a.mp4"}, {"b.mp4"}});
    program.loop = false;
    make(std::move(program), quick(), scripted({{"a.mp4", a}, {"b.mp4", script(5)}}), &m_audio);
    ASSERT_TRUE(settle_on(base, "a.mp4"));
    EXPECT_EQ(m_audio.calls, (std::vector<AudioCall>{played(a, base)}))
        << "timed from the item's first frame";
    run(base, base + 190ms);
    EXPECT_EQ(m_audio.calls.size(), 1U) << "nothing changes while the item plays";
    ASSERT_TRUE(run_until(base + 190ms, "b.mp4"));
    EXPECT_EQ(m_audio.calls, (std::vector<AudioCall>{played(a, base), stopped})) << "b.mp4 is silent";
    run(base + 200ms, base + 2s);
    EXPECT_EQ(m_audio.calls.size(), 2U) << "silent already: nothing more to say";
}

TEST_F(TimelineTest, TheNextItemsSoundTakesOverAtTheSwitch) {
    auto a = with_sound(script(5));
    auto b = with_sound(script(5));
    Program program = program_of(m_dir, {{"a.mp4"}, {"b.mp4"}});
    program.loop = false;
    make(std::move(program), quick(), scripted({{"a.mp4", a}, {"b.mp4", b}}), &m_audio);
    ASSERT_TRUE(settle_on(base, "a.mp4"));
    run(base, base + 600ms);
    EXPECT_EQ(m_audio.calls, (std::vector<AudioCall>{played(a, base), played(b, base + 200ms), stopped}))
        << "b.mp4's sound follows a.mp4's with no stop between; the fallback is silent";
}

TEST_F(TimelineTest, AFailingItemsSoundStops) {
    auto halts = with_sound(halting_clip());
    make(program_of(m_dir, {{"halts.mp4"}, {"good.mp4"}}), quick(),
         scripted({{"halts.mp4", halts}, {"good.mp4", script(10)}}), &m_audio);
    ASSERT_TRUE(settle_on(base, "halts.mp4"));
    ASSERT_TRUE(run_until(base, "good.mp4"));
    EXPECT_EQ(m_stats.summary().items_failed, 1U);
    EXPECT_EQ(m_audio.calls, (std::vector<AudioCall>{played(halts, base), stopped}));
}

TEST_F(TimelineTest, ATakeoverSilencesTheSoundUntilTheNextItemStarts) {
    auto a = with_sound(script(50));
    auto b = with_sound(script(50));
    make(program_of(m_dir, {{"a.mp4"}, {"b.mp4"}}), quick(), scripted({{"a.mp4", a}, {"b.mp4", b}}),
         &m_audio);
    ASSERT_TRUE(settle_on(base, "a.mp4"));
    run(base, base + 500ms);
    m_timeline->suspend(base + 500ms);
    EXPECT_EQ(m_audio.calls, (std::vector<AudioCall>{played(a, base), stopped}));
    run(base + 500ms, base + 5s, 50ms);
    EXPECT_EQ(m_audio.calls.size(), 2U) << "silent while suspended";
    m_timeline->resume();
    ASSERT_TRUE(settle(base + 5s, [](const MainView& v) { return !v.fallback(); }));
    EXPECT_EQ(m_audio.calls, (std::vector<AudioCall>{played(a, base), stopped, played(b, base + 5s)}));
}

TEST_F(TimelineTest, NoSinkMeansNoSound) {
    // The default: a timeline without a sink plays clips with sound silently, and nothing breaks.
    auto a = with_sound(script(5));
    make(program_of(m_dir, {{"a.mp4"}}), quick(), scripted({{"a.mp4", a}}));
    ASSERT_TRUE(settle_on(base, "a.mp4"));
    run(base, base + 500ms);
    EXPECT_EQ(a->sound->stats().frames_played, 0U);
    EXPECT_TRUE(m_audio.calls.empty());
}

// ---- pictures and crossfades -------------------------------------------------------------------

class TimelinePictureTest : public TimelineTest {
  protected:
    void SetUp() override {
        TimelineTest::SetUp();
        ASSERT_TRUE(write_png(RgbaImage{48, 32, Color{200, 30, 30, 255}}, m_dir / "red.png"));
        ASSERT_TRUE(write_png(RgbaImage{32, 48, Color{30, 30, 200, 255}}, m_dir / "blue.png"));
    }
};

TEST_F(TimelinePictureTest, PictureShowsForItsDuration) {
    make(program_of(m_dir, {{"red.png", content::MediaKind::image, 2s},
                            {"blue.png", content::MediaKind::image, 2s}}),
         quick(), scripted({}));
    ASSERT_TRUE(settle_on(base, "red.png"));
    const MainView red = view(base);
    ASSERT_EQ(red.layers.size(), 1u);
    ASSERT_NE(red.layers[0].image, nullptr);
    EXPECT_EQ(red.layers[0].image->size(), (config::PixelSize{48, 32}));
    trace();
    run(base, base + 1990ms);
    at(base + 1999ms);
    EXPECT_EQ(trace(), (std::vector<std::string>{"red.png"})) << "on screen for its whole duration";

    ASSERT_TRUE(settle_on(base + 2s, "blue.png"));
    EXPECT_EQ(trace(), (std::vector<std::string>{"blue.png"}));
    const auto plays = records_of<content::PlayRecord>();
    ASSERT_EQ(plays.size(), 1u);
    EXPECT_TRUE(plays[0].completed);
    EXPECT_EQ(plays[0].end - plays[0].start, 2s);
}

TEST_F(TimelinePictureTest, CrossfadeBlendsTheIncomingItemOverTheOutgoingOne) {
    Program program = program_of(
        m_dir, {{"red.png", content::MediaKind::image, 3s}, {"blue.png", content::MediaKind::image, 3s}});
    program.transition = {TransitionKind::crossfade, 1000ms};
    make(std::move(program), quick(), scripted({}));
    ASSERT_TRUE(settle_on(base, "red.png"));
    run(base, base + 1990ms);
    EXPECT_EQ(view(base + 1990ms).layers.size(), 1u) << "the fade starts `duration` before the end";

    ASSERT_TRUE(settle(base + 2s, [](const MainView& v) { return v.layers.size() == 2; }));
    const MainView start = view(base + 2s);
    EXPECT_EQ(start.layers[0].alpha, 255);
    EXPECT_EQ(start.layers[1].alpha, 0);

    at(base + 2500ms);
    const MainView middle = view(base + 2500ms);
    ASSERT_EQ(middle.layers.size(), 2u);
    ASSERT_NE(middle.layers[0].image, nullptr);
    ASSERT_NE(middle.layers[1].image, nullptr);
    EXPECT_EQ(middle.layers[0].image->size(), (config::PixelSize{48, 32})) << "outgoing (red) at the bottom";
    EXPECT_EQ(middle.layers[1].image->size(), (config::PixelSize{32, 48})) << "incoming (blue) on top";
    EXPECT_EQ(middle.layers[0].alpha, 255);
    EXPECT_GT(middle.layers[1].alpha, 0);
    EXPECT_LT(middle.layers[1].alpha, 255);
    EXPECT_NEAR(middle.layers[1].alpha, 127, 3);
    EXPECT_EQ(name_of(middle), "blue.png") << "the item on top";

    at(base + 3s);
    const MainView after = view(base + 3s);
    ASSERT_EQ(after.layers.size(), 1u);
    EXPECT_EQ(name_of(after), "blue.png");
    EXPECT_EQ(after.layers[0].alpha, 255);
    const auto plays = records_of<content::PlayRecord>();
    ASSERT_EQ(plays.size(), 1u);
    EXPECT_TRUE(plays[0].completed);
    EXPECT_EQ(plays[0].asset, sha_of(0));
}

TEST_F(TimelinePictureTest, PicturesAndSilentVideosPlayNoSound) {
    Program program = program_of(m_dir, {{"red.png", content::MediaKind::image, 1s},
                                         {"silent.mp4"},
                                         {"blue.png", content::MediaKind::image, 1s}});
    program.transition = {TransitionKind::crossfade, 300ms};
    make(std::move(program), quick(), scripted({{"silent.mp4", script(10)}}), &m_audio);
    ASSERT_TRUE(settle_on(base, "red.png"));
    trace();
    run(base, base + 5s);
    EXPECT_GE(trace().size(), 3U) << "the pictures and the video played";
    EXPECT_TRUE(m_audio.calls.empty());
}

TEST_F(TimelinePictureTest, APictureAfterASoundItemSilencesIt) {
    auto a = with_sound(script(5));
    Program program = program_of(m_dir, {{"a.mp4"}, {"red.png", content::MediaKind::image, 1s}});
    program.loop = false;
    make(std::move(program), quick(), scripted({{"a.mp4", a}}), &m_audio);
    ASSERT_TRUE(settle_on(base, "a.mp4"));
    ASSERT_TRUE(run_until(base, "red.png"));
    EXPECT_EQ(m_audio.calls, (std::vector<AudioCall>{played(a, base), stopped}));
}

// The incoming item's sound takes over when it starts to fade in, not when the outgoing one ends.
TEST_F(TimelinePictureTest, DuringACrossfadeTheIncomingItemsSoundTakesOver) {
    auto a = with_sound(script(10));  // 400 ms
    auto b = with_sound(script(10));
    Program program = program_of(m_dir, {{"a.mp4"}, {"b.mp4"}});
    program.loop = false;
    program.transition = {TransitionKind::crossfade, 100ms};
    make(std::move(program), quick(), scripted({{"a.mp4", a}, {"b.mp4", b}}), &m_audio);
    ASSERT_TRUE(settle_on(base, "a.mp4"));
    run(base, base + 290ms);
    EXPECT_EQ(m_audio.calls, (std::vector<AudioCall>{played(a, base)}));
    ASSERT_TRUE(settle(base + 300ms, [](const MainView& v) { return v.layers.size() == 2; }));
    EXPECT_EQ(m_audio.calls, (std::vector<AudioCall>{played(a, base), played(b, base + 300ms)}));
    run(base + 300ms, base + 600ms);
    EXPECT_EQ(m_audio.calls.size(), 2U) << "a.mp4 ending under b.mp4 changes nothing";
}

}  // namespace
}  // namespace dwell::player
