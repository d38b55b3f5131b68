// The timeline: which item plays now, which one is opened next, and which frame of it is on screen.
//
// Runs on the render thread, driven by update(now) once per loop turn. Items come from the
// ScheduleResolver on corrected wall time; each video is paced on the steady clock by its PTS
// (frame p is due at the item's start + p). The next item is opened and decoding at least
// `preroll` before its slot, so a switch is one frame to the next with no gap. An item that
// fails (missing, not media, no first frame, a decoder that stops delivering) is skipped with an
// error record while the last picture stays up; when nothing can play, the fallback slide shows.
// The screen never goes black. The video is the master clock: the sound of the item that started
// last plays on the audio sink, timed from that item's start; nothing plays while a picture,
// a silent video, the fallback or a takeover is up.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "config/clock.hpp"
#include "config/error.hpp"
#include "content/schedule.hpp"
#include "player/media/audio_feed.hpp"
#include "player/media/frame_queue.hpp"
#include "player/media/image_loader.hpp"
#include "player/media/media_source.hpp"
#include "player/playback/program.hpp"
#include "player/playback/record_sink.hpp"
#include "player/playback/stats.hpp"
#include "player/render/renderer.hpp"

namespace dwell::player {

struct TimelineOptions {
    // Open the next item this long before its slot: decoding has started and its first frame is
    // ready when it is due.
    config::Duration preroll = std::chrono::milliseconds{1500};
    // A video is ready to start once this many frames wait decoded (or prime_timeout passed since
    // it was opened): the decoder's threads are then warmed up and keep ahead of the clock.
    std::size_t primed_frames = 3;
    config::Duration prime_timeout = std::chrono::seconds{1};
    // A video that delivers no frame for this long (not at its end) is abandoned as stuck.
    config::Duration stall_timeout = std::chrono::seconds{4};
    // When this many items in a row failed, rest on the fallback slide this long before trying again.
    config::Duration failure_pause = std::chrono::seconds{5};
    MediaSourceOptions media;
    content::ScheduleOptions schedule;
};

// One picture in the main zone; the timeline owns the texture.
struct MainLayer {
    Texture* image = nullptr;       // a still picture
    VideoTexture* video = nullptr;  // or the current video frame
    DrawOptions draw;
    std::uint8_t alpha = 255;
};

// What the main zone shows now: no layers means the fallback slide.
struct MainView {
    std::vector<MainLayer> layers;  // bottom first (during a crossfade: outgoing, then incoming)
    std::string campaign;           // the item on top; empty for the fallback
    std::filesystem::path file;
    [[nodiscard]] bool fallback() const { return layers.empty(); }
};

using VideoOpener = std::function<Result<std::unique_ptr<VideoStream>>(const std::filesystem::path&,
                                                                       const MediaSourceOptions&)>;

// MediaSource::open.
VideoOpener default_video_opener();

class Timeline {
  public:
    // Everything passed by reference must outlive the timeline, and so must `audio` (nullptr: no
    // sound). `clock` is the corrected wall clock.
    Timeline(Renderer& renderer, ImageLoader& images, const config::Clock& clock, RecordSink& records,
             PlaybackStats& stats, TimelineOptions options = {}, VideoOpener opener = default_video_opener(),
             AudioSink* audio = nullptr);
    ~Timeline();
    Timeline(const Timeline&) = delete;
    Timeline& operator=(const Timeline&) = delete;

    // Items from now on come from `program`; the item playing finishes first. A transition from
    // the program applies to later switches.
    void set_program(std::shared_ptr<const Program> program);

    // Advances to `now`: opens, starts, ends and switches items, takes the frames that are due.
    void update(SteadyTime now);

    [[nodiscard]] MainView view(SteadyTime now);
    // When update() next has work: the next frame's due time, a switch, a preroll, a retry.
    [[nodiscard]] SteadyTime next_deadline(SteadyTime now) const;
    // The due time of a video frame uploaded since the last call, for presentation statistics.
    std::optional<SteadyTime> take_new_frame_due();

    // A takeover: the item playing ends now (its play record says it was cut short) and nothing
    // new starts until resume().
    void suspend(SteadyTime now);
    void resume();
    [[nodiscard]] bool suspended() const { return m_suspended; }

    // The campaign and file on screen, for health records and snapshots; empty for the fallback.
    [[nodiscard]] std::string current_campaign() const;

  private:
    struct Slot;
    enum class Outcome { completed, cut_short, failed };

    void plan_next(SteadyTime at, SteadyTime now);
    // Drops the next slot before it started, giving its pick back to the rotation.
    void discard_next();
    std::unique_ptr<Slot> open_slot(const content::Pick& pick, SteadyTime now);
    // Whether the slot's first picture is ready to show; fails it when it cannot be.
    bool poll_ready(Slot& slot, SteadyTime now);
    void start(Slot& slot, SteadyTime t0, SteadyTime now);
    void advance(Slot& slot, SteadyTime now);
    void finish(std::unique_ptr<Slot>& slot, SteadyTime now, Outcome outcome);
    void fail(std::unique_ptr<Slot>& slot, SteadyTime now, const Error& error);
    [[nodiscard]] config::WallTime wall_at(SteadyTime at, SteadyTime now) const;
    // Gives the audio sink the sound of the item that started last, or silence.
    void follow_audio();
    [[nodiscard]] config::Duration fade() const;

    Renderer& m_renderer;
    ImageLoader& m_images;
    const config::Clock& m_clock;
    RecordSink& m_records;
    PlaybackStats& m_stats;
    TimelineOptions m_options;
    VideoOpener m_opener;
    AudioSink* m_audio;
    std::shared_ptr<AudioFeed> m_audio_playing;  // what m_audio was last told to play

    // Videos of finished items are closed by this thread: joining a decoder's threads takes
    // milliseconds the render thread does not have at a switch. Declared before the slots, so it
    // outlives them; what is left in the queue at the end is closed with it.
    BoundedQueue<std::unique_ptr<VideoStream>> m_closing{8};
    std::jthread m_closer;

    std::shared_ptr<const Program> m_program;
    std::optional<content::ScreenContext> m_screen;
    content::ScheduleResolver m_resolver;
    content::Rotation m_rotation;
    std::size_t m_picks_made = 0;  // since the program was set, for playlists that play once
    struct Undo {
        content::Rotation rotation;
        std::size_t picks_made = 0;
    };
    Undo m_before_next;  // the state before m_next was picked

    std::unique_ptr<Slot> m_current;   // playing
    std::unique_ptr<Slot> m_incoming;  // crossfading in over m_current
    std::unique_ptr<Slot> m_next;      // opened, waiting for its slot
    std::unique_ptr<Slot> m_held;      // ended, its last picture kept up until the next one starts
    std::optional<SteadyTime> m_held_since;
    SteadyTime m_idle_until{};  // fallback until then (nothing scheduled, or a pause after failures)
    int m_failures_in_row = 0;
    bool m_suspended = false;
    std::optional<SteadyTime> m_new_frame_due;
};

}  // namespace dwell::player
