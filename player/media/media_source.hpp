// One playing video item: a demux thread and a decode thread over bounded queues, producing frames
// the render thread uploads as they are (IYUV or NV12), converted in the decode thread otherwise.
// With audio on, a third thread decodes the item's sound into an AudioFeed.
//
// Threads: open() runs on the caller's thread (a few milliseconds for a local file). The demux
// thread reads packets into a bounded packet queue; the decode thread turns them into VideoFrames
// in a bounded frame queue; the render thread pops frames. Audio packets go to a queue of their
// own, from which the audio decode thread resamples them into the feed the audio device reads.
// Video never waits for audio: when the audio queue is full the demux thread drops its oldest
// packet. Every wait takes the source's stop token and every FFmpeg read is cut short by an
// interrupt callback, so destroying a MediaSource returns promptly; a thread still stuck in FFmpeg
// after `stop_timeout` is abandoned (detached; it owns what it uses, and ends when FFmpeg returns).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "config/device_config.hpp"
#include "config/error.hpp"
#include "config/units.hpp"
#include "player/media/audio_feed.hpp"

struct AVFrame;

namespace dwell::player {

// How the planes of a frame are laid out, named after what SDL takes without conversion.
enum class PixelFormat {
    yuv420p,  // 3 planes: Y, U, V at half size each way → SDL_PIXELFORMAT_IYUV (SDL_UpdateYUVTexture)
    nv12,     // 2 planes: Y, then interleaved UV at half size → SDL_PIXELFORMAT_NV12 (SDL_UpdateNVTexture)
    other,    // not produced by MediaSource, which converts such frames to yuv420p
};

// A decoded picture. Holds a reference to FFmpeg's frame, so the planes are not copied.
class VideoFrame {
  public:
    VideoFrame() = default;
    // Takes ownership of `frame` (a filled AVFrame).
    VideoFrame(AVFrame* frame, config::Duration pts, config::Duration duration);

    [[nodiscard]] bool empty() const { return m_frame == nullptr; }
    [[nodiscard]] PixelFormat pixel_format() const { return m_format; }
    [[nodiscard]] int width() const;
    [[nodiscard]] int height() const;
    // Plane 0 is luma; yuv420p has planes 1 (U) and 2 (V), nv12 plane 1 (UV). nullptr past the last.
    [[nodiscard]] const std::uint8_t* plane(std::size_t index) const;
    // Bytes from one row of `plane(index)` to the next.
    [[nodiscard]] int pitch(std::size_t index) const;
    // When to show the frame, from the start of the stream (the first frame is at 0).
    [[nodiscard]] config::Duration pts() const { return m_pts; }
    // How long it stays until the next frame, as the stream says (or as its frame rate implies).
    [[nodiscard]] config::Duration duration() const { return m_duration; }
    [[nodiscard]] const AVFrame* av_frame() const { return m_frame.get(); }

  private:
    struct FrameDeleter {
        void operator()(AVFrame* frame) const;
    };
    std::unique_ptr<AVFrame, FrameDeleter> m_frame;
    PixelFormat m_format = PixelFormat::other;
    config::Duration m_pts{0};
    config::Duration m_duration{0};
};

enum class DecodingPath { software, hardware };

struct MediaSourceOptions {
    config::HwAccel hwaccel = config::HwAccel::none;
    // Software decoder threads; 0 picks by frame size: one up to 1920x1080, two above. FFmpeg's
    // frame threads cost a tenth more CPU in hand-offs, and one core of a station box decodes
    // 1080p30 H.264 several times faster than real time (boards that cannot use hwaccel).
    int decoder_threads = 0;
    // Two items are open around a switch, so each keeps few frames: 4 of 1080p yuv420p are 12 MB.
    std::size_t frame_queue_capacity = 4;
    std::size_t packet_queue_capacity = 64;
    config::Duration open_timeout = std::chrono::seconds{5};  // opening and reading the header
    config::Duration read_timeout = std::chrono::seconds{5};  // each packet read
    config::Duration stop_timeout = std::chrono::seconds{2};  // then a stuck thread is abandoned
    // Bad packets are skipped; this many in a row means the file is broken, not damaged.
    int max_consecutive_errors = 32;
    int max_width = 8192;  // larger frames are refused at open, so memory stays bounded
    int max_height = 8192;
    // Off: audio streams are never read past the demuxer. On: the best audio stream, if any, is
    // decoded into audio() in `audio_format`.
    AudioMode audio = AudioMode::off;
    AudioFormat audio_format{};
    // Sound decoded ahead: covers the preroll, so the item's sound is there when it starts.
    config::Duration audio_buffer = std::chrono::seconds{2};
    // Audio packets waiting for the audio decode thread. Generous (about 10 s of AAC, a few hundred
    // KB), because the demux thread reads as far ahead as the video packet queue lets it, and a
    // clip of few frames a second is many seconds ahead; beyond it the oldest packets are dropped.
    std::size_t audio_packet_queue_capacity = 512;
};

struct SourceInfo {
    std::filesystem::path file;
    std::string codec;  // FFmpeg's name: "h264", "hevc", "vp9", ...
    int width = 0;      // decoded frame size, before rotation
    int height = 0;
    int rotation = 0;                          // degrees to turn clockwise for display: 0, 90, 180, 270
    double frame_rate = 0.0;                   // frames per second the stream declares; 0 when unknown
    std::optional<config::Duration> duration;  // nullopt when the file does not say
    DecodingPath decoding = DecodingPath::software;
};

// What playback needs from a playing video. MediaSource is the real one; tests put fakes here (a
// decoder that never delivers) to show what the timeline does about them.
class VideoStream {
  public:
    virtual ~VideoStream() = default;
    [[nodiscard]] virtual const SourceInfo& info() const = 0;
    virtual std::optional<VideoFrame> try_pop_frame() = 0;
    [[nodiscard]] virtual bool first_frame_ready() const = 0;
    [[nodiscard]] virtual bool at_end() const = 0;
    [[nodiscard]] virtual std::optional<Error> error() const = 0;
    [[nodiscard]] virtual std::size_t queued_frames() const = 0;
    // The item's sound; nullptr when it has none (no audio stream, audio off, or not decodable).
    [[nodiscard]] virtual std::shared_ptr<AudioFeed> audio() const { return nullptr; }
};

class MediaSource final : public VideoStream {
  public:
    // Opens `file`, picks its best video stream and starts decoding at once, so the first frame is
    // ready before the item is due (preroll). Errors name the file and the reason:
    // Errc::not_found (missing), Errc::invalid_input (empty, not a regular file),
    // Errc::unsupported (not media, no video stream, no decoder for the codec, too large),
    // Errc::io (unreadable, or opening took longer than open_timeout).
    static Result<std::unique_ptr<MediaSource>> open(const std::filesystem::path& file,
                                                     MediaSourceOptions options = {});

    ~MediaSource() override;
    MediaSource(const MediaSource&) = delete;
    MediaSource& operator=(const MediaSource&) = delete;

    [[nodiscard]] const SourceInfo& info() const override { return m_info; }

    // The next frame in presentation order; nullopt when none arrived within `timeout` or the
    // source is at its end (see at_end()).
    std::optional<VideoFrame> pop_frame(config::Duration timeout);
    std::optional<VideoFrame> try_pop_frame() override;

    // True once a frame has been decoded (it may since have been popped).
    [[nodiscard]] bool first_frame_ready() const override;
    // Waits until the first frame is decoded or the source ended without one; true when decoded.
    bool wait_first_frame(config::Duration timeout) const;

    // Decoding has stopped and every frame was popped: nothing more will come. Reached at the end
    // of the file, and also after a failure (then error() says what went wrong).
    [[nodiscard]] bool at_end() const override;
    // Why decoding gave up mid-way (a stream too corrupt to go on, a read that failed or timed out).
    [[nodiscard]] std::optional<Error> error() const override;

    // Packets the decoder refused and frames it had to patch up (damaged data) so far.
    [[nodiscard]] std::int64_t skipped_packets() const;
    [[nodiscard]] std::int64_t damaged_frames() const;
    [[nodiscard]] std::int64_t frames_decoded() const;
    // Frames waiting in the frame queue.
    [[nodiscard]] std::size_t queued_frames() const override;

    // The sound of the best audio stream, decoded as options.audio_format says, its pts on the
    // same clock as the frames'. nullptr when audio is off or the file has no audio stream, or no
    // decoder for it (logged). A stream that breaks while playing closes the feed (silence from
    // then on, logged); the video plays on.
    [[nodiscard]] std::shared_ptr<AudioFeed> audio() const override;
    // Audio packets dropped because the audio decode thread was behind (nobody read the feed).
    [[nodiscard]] std::int64_t dropped_audio_packets() const;

  private:
    struct Shared;  // what the threads share with the owner
    MediaSource(std::shared_ptr<Shared> shared, SourceInfo info);

    std::shared_ptr<Shared> m_shared;
    SourceInfo m_info;
    std::jthread m_demux_thread;
    std::jthread m_decode_thread;
    std::jthread m_audio_thread;  // only with sound
};

std::string_view to_string(PixelFormat format);

}  // namespace dwell::player
