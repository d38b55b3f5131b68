// Decoded sound on its way from an item's audio decode thread to the audio device, and the one
// place where sound is kept in step with the video clock (ffplay's "sync to an external clock"):
// samples later than the playhead by more than a tolerance are dropped, earlier ones wait behind
// silence, and within the tolerance they play as they are.
//
// Threads: one producer (the item's audio decode thread) pushes, blocking while the feed is full;
// one consumer (SDL's audio callback) reads, never blocking and never allocating. The storage is
// a ring allocated once, so a read only copies samples under a short lock.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <stop_token>
#include <string_view>
#include <vector>

#include "config/error.hpp"
#include "config/units.hpp"
#include "player/media/frame_queue.hpp"

namespace dwell::player {

using SteadyTime = std::chrono::steady_clock::time_point;

// Whether items play their sound.
enum class AudioMode { off, on };

Result<AudioMode> parse_audio_mode(std::string_view text);  // "on" or "off"
std::string_view to_string(AudioMode mode);

// Signed 16-bit samples, channels interleaved (one frame = one sample per channel).
struct AudioFormat {
    int sample_rate = 48000;
    int channels = 2;
    friend bool operator==(const AudioFormat&, const AudioFormat&) = default;
};

struct AudioFeedOptions {
    // How much sound may wait decoded: enough to cover the preroll of the next item.
    config::Duration capacity = std::chrono::seconds{2};
    // Sound this far off the playhead plays as it is; farther off it is dropped or waited for.
    // 40 ms is below what viewers notice as lips out of step.
    config::Duration tolerance = std::chrono::milliseconds{40};
    // Chunks that may wait at once (a feed of very small chunks is full before its capacity).
    std::size_t max_chunks = 1024;
};

// What a feed has done so far. Counted in frames.
struct AudioFeedStats {
    std::uint64_t frames_played = 0;   // read out as sound
    std::uint64_t frames_dropped = 0;  // late: behind the playhead by more than the tolerance
    std::uint64_t frames_padded = 0;   // silence played before early sound
    std::uint64_t underruns = 0;       // reads that ran out of sound while more was still to come
};

// What one read gave.
struct FeedRead {
    std::size_t frames = 0;  // frames of sound taken from the feed (the rest of the buffer is silence)
    bool underrun = false;   // the feed ran dry before the buffer was full, and it has not ended
};

class AudioFeed {
  public:
    explicit AudioFeed(AudioFormat format = {}, AudioFeedOptions options = {});
    AudioFeed(const AudioFeed&) = delete;
    AudioFeed& operator=(const AudioFeed&) = delete;

    [[nodiscard]] const AudioFormat& format() const { return m_format; }
    [[nodiscard]] const AudioFeedOptions& options() const { return m_options; }

    // Producer: queues `samples` (whole frames in the feed's format), the first one due at `pts`
    // on the item's clock (the first video frame is at 0). Waits while the feed is full; a chunk
    // longer than the whole feed goes in piece by piece as the reader makes room. Returns pushed,
    // stopped (`stop` was requested; part of the chunk may be queued) or closed. A chunk that is
    // not a whole number of frames, or pushed after end(), is refused with Errc::invalid_input and
    // nothing of it is queued.
    Result<PushResult> push(config::Duration pts, std::span<const std::int16_t> samples,
                            std::stop_token stop = {});
    // Producer: no more chunks will come; what is queued still plays.
    void end();

    // Consumer: fills all of `out` with the sound due from `playhead` on (the item's clock at the
    // first frame of `out`), dropping late sound and padding early sound with silence; silence
    // where there is nothing to play. A trailing part of `out` shorter than a frame is silence.
    // Never waits.
    FeedRead read(std::span<std::int16_t> out, config::Duration playhead);

    // Throws away what is queued; pushes return closed and reads give silence from now on.
    void close();

    // Waits until sound is queued or the feed has ended or closed; true when sound is queued.
    bool wait_readable(config::Duration timeout) const;
    // When the next queued frame is due; nullopt when none is queued.
    [[nodiscard]] std::optional<config::Duration> next_pts() const;
    // How much sound is queued.
    [[nodiscard]] config::Duration queued() const;
    // Ended (or closed) and everything queued was read: only silence from now on.
    [[nodiscard]] bool ended() const;
    [[nodiscard]] bool closed() const;
    [[nodiscard]] AudioFeedStats stats() const;

  private:
    // A run of consecutive frames in the ring, due from `pts` (in frames on the item's clock).
    struct Chunk {
        std::int64_t pts = 0;
        std::int64_t frames = 0;
    };

    [[nodiscard]] std::int64_t frames_at(config::Duration time) const;
    [[nodiscard]] config::Duration time_of(std::int64_t frames) const;
    [[nodiscard]] std::size_t free_frames() const;
    // Copies `frames` frames at the front of the ring to `out` (nullptr: skips them) and takes
    // them off the front chunk.
    void take_front(std::int16_t* out, std::int64_t frames);

    const AudioFormat m_format;
    const AudioFeedOptions m_options;
    const std::size_t m_channels;
    const std::size_t m_capacity_frames;
    const std::int64_t m_tolerance_frames;

    // m_mutex guards every member below; both condition variables wait on it.
    mutable std::mutex m_mutex;
    std::condition_variable_any m_room;              // the producer waits for space
    mutable std::condition_variable_any m_readable;  // wait_readable() waits for sound
    std::vector<std::int16_t> m_ring;                // m_capacity_frames frames
    std::size_t m_read_frame = 0;                    // ring position of the next frame to read
    std::size_t m_queued_frames = 0;
    std::vector<Chunk> m_chunks;  // a ring of max_chunks
    std::size_t m_first_chunk = 0;
    std::size_t m_chunk_count = 0;
    bool m_ended = false;
    bool m_closed = false;
    AudioFeedStats m_stats;
};

// Where the sound of the item on screen goes. The timeline drives it; AudioOutput is the real one.
class AudioSink {
  public:
    virtual ~AudioSink() = default;
    // From now on plays `feed`, whose pts 0 is shown at `item_start`; replaces what played.
    virtual void play(std::shared_ptr<AudioFeed> feed, SteadyTime item_start) = 0;
    // Plays silence.
    virtual void stop() = 0;
};

}  // namespace dwell::player
