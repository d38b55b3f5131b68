#include "player/media/media_source.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cassert>
#include <condition_variable>
#include <mutex>
#include <stop_token>
#include <string_view>
#include <utility>
#include <vector>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/channel_layout.h>
#include <libavutil/error.h>
#include <libavutil/frame.h>
#include <libavutil/hwcontext.h>
#include <libavutil/pixdesc.h>
#include <libavutil/samplefmt.h>
#include <libswresample/swresample.h>
#include <libswscale/swscale.h>
}

#include "config/log.hpp"
#include "content/ffmpeg.hpp"
#include "content/media_probe.hpp"
#include "player/media/frame_queue.hpp"
#include "player/media/scale_context.hpp"

namespace dwell::player {
namespace {

namespace fs = std::filesystem;
using SteadyClock = std::chrono::steady_clock;

using content::av::BufferRef;
using content::av::CodecContext;
using content::av::FormatContext;
using content::av::Frame;
using content::av::Packet;

constexpr std::string_view kind = "video";

// The one translation of AVERROR codes, naming what this file should have been.
Error translate(int code, const fs::path& file, std::string_view doing) {
    return content::av::translate(code, file, doing, kind);
}

std::int64_t steady_now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(SteadyClock::now().time_since_epoch())
        .count();
}

// Offers FFmpeg the hardware format chosen at open; software when the decoder refuses it for
// this stream (a profile the device cannot do), which FFmpeg then decodes on the CPU.
AVPixelFormat pick_hardware_format(AVCodecContext* context, const AVPixelFormat* formats) {
    const auto wanted = *static_cast<const AVPixelFormat*>(context->opaque);
    for (const AVPixelFormat* format = formats; *format != AV_PIX_FMT_NONE; ++format)
        if (*format == wanted) return wanted;
    return avcodec_default_get_format(context, formats);
}

// What a scaler was made for: frames that differ in any of these need a new one.
struct ScalerKey {
    int width = 0;
    int height = 0;
    AVPixelFormat format = AV_PIX_FMT_NONE;
    bool full_range = false;
    AVColorSpace colorspace = AVCOL_SPC_UNSPECIFIED;
    friend bool operator==(const ScalerKey&, const ScalerKey&) = default;
};

// swscale takes full-range ("JPEG") YUV as a flag; the yuvj formats that also say so are deprecated.
std::pair<AVPixelFormat, bool> scaler_input(const AVFrame& frame) {
    switch (frame.format) {
    case AV_PIX_FMT_YUVJ420P: return {AV_PIX_FMT_YUV420P, true};
    case AV_PIX_FMT_YUVJ422P: return {AV_PIX_FMT_YUV422P, true};
    case AV_PIX_FMT_YUVJ444P: return {AV_PIX_FMT_YUV444P, true};
    case AV_PIX_FMT_YUVJ440P: return {AV_PIX_FMT_YUV440P, true};
    case AV_PIX_FMT_YUVJ411P: return {AV_PIX_FMT_YUV411P, true};
    default: return {static_cast<AVPixelFormat>(frame.format), frame.color_range == AVCOL_RANGE_JPEG};
    }
}

struct ResamplerFreer {
    void operator()(SwrContext* context) const { swr_free(&context); }
};
using Resampler = std::unique_ptr<SwrContext, ResamplerFreer>;

// What a resampler was made for: decoded sound that differs in any of these needs a new one.
class ResamplerInput {
  public:
    ResamplerInput() = default;
    ResamplerInput(const ResamplerInput&) = delete;
    ResamplerInput& operator=(const ResamplerInput&) = delete;
    ~ResamplerInput() { av_channel_layout_uninit(&m_layout); }

    // The layout of `frame`, FFmpeg's default one for its channel count when the decoder gave
    // only the count.
    void set(const AVFrame& frame) {
        av_channel_layout_uninit(&m_layout);
        m_format = frame.format;
        m_sample_rate = frame.sample_rate;
        if (frame.ch_layout.order == AV_CHANNEL_ORDER_UNSPEC ||
            av_channel_layout_copy(&m_layout, &frame.ch_layout) < 0)
            av_channel_layout_default(&m_layout, frame.ch_layout.nb_channels);
    }
    [[nodiscard]] bool matches(const AVFrame& frame) const {
        if (frame.format != m_format || frame.sample_rate != m_sample_rate) return false;
        if (frame.ch_layout.order == AV_CHANNEL_ORDER_UNSPEC)
            return frame.ch_layout.nb_channels == m_layout.nb_channels;
        return av_channel_layout_compare(&frame.ch_layout, &m_layout) == 0;
    }
    [[nodiscard]] const AVChannelLayout& layout() const { return m_layout; }
    // swresample of FFmpeg 5.1 takes layouts by pointer to non-const.
    [[nodiscard]] AVChannelLayout* layout() { return &m_layout; }
    [[nodiscard]] AVSampleFormat format() const { return static_cast<AVSampleFormat>(m_format); }
    [[nodiscard]] int sample_rate() const { return m_sample_rate; }

  private:
    int m_format = AV_SAMPLE_FMT_NONE;
    int m_sample_rate = 0;
    AVChannelLayout m_layout{};
};

constexpr AVRational microsecond_base{1, 1'000'000};

// Keeps the source's matrix and turns full range into the limited range SDL's YUV textures assume.
void describe_colours(SwsContext& scaler, const AVFrame& frame, bool full_range) {
    const int* matrix =
        sws_getCoefficients(frame.colorspace == AVCOL_SPC_BT709 ? SWS_CS_ITU709 : SWS_CS_DEFAULT);
    sws_setColorspaceDetails(&scaler, matrix, full_range ? 1 : 0, matrix, 0, 0, 1 << 16, 1 << 16);
}

}  // namespace

// ---------------------------------------------------------------------------------------------------------------
// VideoFrame

void VideoFrame::FrameDeleter::operator()(AVFrame* frame) const {
    av_frame_free(&frame);
}

VideoFrame::VideoFrame(AVFrame* frame, config::Duration pts, config::Duration duration)
    : m_frame(frame), m_pts(pts), m_duration(duration) {
    assert(frame != nullptr);
    switch (frame->format) {
    case AV_PIX_FMT_YUV420P: m_format = PixelFormat::yuv420p; break;
    case AV_PIX_FMT_NV12: m_format = PixelFormat::nv12; break;
    default: m_format = PixelFormat::other; break;
    }
}

int VideoFrame::width() const {
    return m_frame ? m_frame->width : 0;
}

int VideoFrame::height() const {
    return m_frame ? m_frame->height : 0;
}

const std::uint8_t* VideoFrame::plane(std::size_t index) const {
    if (!m_frame) return nullptr;
    const std::size_t planes = m_format == PixelFormat::yuv420p ? 3
                               : m_format == PixelFormat::nv12  ? 2
                                                                : AV_NUM_DATA_POINTERS;
    if (index >= planes) return nullptr;
    return m_frame->data[index];
}

int VideoFrame::pitch(std::size_t index) const {
    if (plane(index) == nullptr) return 0;
    return m_frame->linesize[index];
}

std::string_view to_string(PixelFormat format) {
    switch (format) {
    case PixelFormat::yuv420p: return "yuv420p";
    case PixelFormat::nv12: return "nv12";
    case PixelFormat::other: return "other";
    }
    return "other";
}

// ---------------------------------------------------------------------------------------------------------------
// The state both threads and the owner share. The threads hold it by shared_ptr, so a thread
// abandoned in FFmpeg keeps everything it touches alive until it returns.

struct MediaSource::Shared {
    Shared(fs::path file_, MediaSourceOptions options_)
        : file(std::move(file_)),
          options(std::move(options_)),
          packets(options.packet_queue_capacity),
          frames(options.frame_queue_capacity) {}

    // Set by open() before the threads start, then only read.
    fs::path file;
    MediaSourceOptions options;
    FormatContext format;
    CodecContext codec;
    BufferRef hardware_device;
    AVPixelFormat hardware_format = AV_PIX_FMT_NONE;  // codec->opaque points here
    int stream_index = -1;
    AVRational time_base{1, 1000};
    AVRational frame_rate{0, 1};

    BoundedQueue<Packet> packets;
    BoundedQueue<VideoFrame> frames;
    std::stop_source stop;
    // Steady-clock nanoseconds after which FFmpeg's blocking calls give up (interrupt()).
    std::atomic<std::int64_t> deadline_ns{0};

    std::atomic<std::int64_t> skipped{0};
    std::atomic<std::int64_t> damaged{0};
    std::atomic<std::int64_t> decoded{0};
    std::atomic<bool> first_frame{false};

    // mutex guards failure and running; thread_exited signals running going down.
    mutable std::mutex mutex;
    std::condition_variable thread_exited;
    std::optional<Error> failure;
    int running = 0;

    // Sound, when options.audio is on and the file has a decodable audio stream; set by open().
    int audio_index = -1;
    CodecContext audio_codec;
    AVRational audio_time_base{1, 1000};
    std::int64_t origin_us = 0;  // the video's zero on the file's timeline, in microseconds
    std::optional<BoundedQueue<Packet>> audio_packets;
    std::shared_ptr<AudioFeed> audio_feed;
    std::atomic<std::int64_t> audio_dropped{0};
    std::atomic<bool> audio_broken{false};

    // Audio decode thread only.
    Frame audio_frame;
    Resampler resampler;
    ResamplerInput resampler_input;  // what `resampler` was made for
    std::vector<std::int16_t> pcm;
    std::int64_t audio_next_us = AV_NOPTS_VALUE;  // where a frame without timestamp goes
    int audio_consecutive_errors = 0;

    // Decode thread only.
    ScaleContext scaler;
    ScalerKey scaler_key;                    // what `scaler` was made for
    std::int64_t start_ts = AV_NOPTS_VALUE;  // in time_base: the stream's zero
    std::int64_t next_ts = AV_NOPTS_VALUE;   // where a frame without timestamp goes
    int consecutive_errors = 0;

    // Tries the hardware paths `options.hwaccel` asks for, recording why each one failed.
    bool open_hardware_decoder(const AVCodec& decoder, const AVStream& stream,
                               std::vector<std::string>& failures);
    // Opens the best audio stream's decoder and the feed; without them the item plays silently.
    void open_audio(const AVStream& video);

    // FFmpeg polls this during blocking I/O: non-zero aborts the call with AVERROR_EXIT.
    static int interrupt(void* opaque) {
        const auto* shared = static_cast<const Shared*>(opaque);
        return shared->stop.stop_requested() || steady_now_ns() > shared->deadline_ns.load() ? 1 : 0;
    }

    void arm_deadline(config::Duration timeout) {
        deadline_ns = steady_now_ns() + std::chrono::duration_cast<std::chrono::nanoseconds>(timeout).count();
    }

    void fail_with(Error error) {
        config::logger("player")->warn("{}", error.message);
        std::lock_guard lock(mutex);
        if (!failure) failure = std::move(error);
    }

    void thread_done() {
        {
            std::lock_guard lock(mutex);
            --running;
        }
        thread_exited.notify_all();
    }

    void demux() {
        const std::stop_token token = stop.get_token();
        Packet packet(av_packet_alloc());
        int consecutive = 0;
        while (packet && !token.stop_requested()) {
            arm_deadline(options.read_timeout);
            const int code = av_read_frame(format.get(), packet.get());
            if (code == AVERROR_EOF) break;
            if (code < 0) {
                if (token.stop_requested()) break;
                if (code == AVERROR_EXIT) {
                    fail_with(Error{Errc::io,
                                    fmt::format("reading {} took longer than {}; giving up", file.string(),
                                                config::format_duration(options.read_timeout))});
                    break;
                }
                // A short file ends with an I/O error on some demuxers; that is its end.
                if (format->pb != nullptr && avio_feof(format->pb) != 0) break;
                if (++consecutive >= options.max_consecutive_errors) {
                    Error error = translate(code, file, "reading packets");
                    error.message += fmt::format("; gave up after {} failed reads in a row", consecutive);
                    fail_with(std::move(error));
                    break;
                }
                continue;
            }
            consecutive = 0;
            if (packet->stream_index == audio_index && audio_packets) {
                queue_audio(*packet);
                continue;
            }
            if (packet->stream_index != stream_index) {
                av_packet_unref(packet.get());
                continue;
            }
            Packet queued(av_packet_alloc());
            if (!queued) {
                fail_with(Error{Errc::internal, fmt::format("out of memory reading {}", file.string())});
                break;
            }
            av_packet_move_ref(queued.get(), packet.get());
            if (packets.push(std::move(queued), token) != PushResult::pushed) break;
        }
        if (!packet) fail_with(Error{Errc::internal, fmt::format("out of memory reading {}", file.string())});
        packets.close();
        if (audio_packets) audio_packets->close();
    }

    // Video never waits for sound: when the audio decode thread is behind (nobody reads the feed),
    // the oldest audio packet makes room.
    void queue_audio(AVPacket& packet) {
        Packet queued(av_packet_alloc());
        if (!queued) {
            av_packet_unref(&packet);
            disable_audio("out of memory");
            return;
        }
        av_packet_move_ref(queued.get(), &packet);
        while (audio_packets->try_push(std::move(queued)) == PushResult::full) {
            if (audio_packets->try_pop()) ++audio_dropped;
        }
    }

    // Counts a packet or frame the decoder refused; false once too many came in a row.
    bool skip_bad(int code) {
        ++skipped;
        if (++consecutive_errors < options.max_consecutive_errors) return true;
        fail_with(Error{Errc::unsupported,
                        fmt::format("{} is too damaged to play: {} bad packets in a row ({})", file.string(),
                                    consecutive_errors, content::av::error_text(code))});
        return false;
    }

    // Hardware frames come back to memory here, still NV12 when the device decodes 8-bit 4:2:0.
    Result<Frame> to_memory(Frame frame) {
        if (hardware_format == AV_PIX_FMT_NONE || frame->format != hardware_format) return frame;
        Frame copy(av_frame_alloc());
        if (!copy) return fail(Errc::internal, "out of memory decoding {}", file.string());
        int code = av_hwframe_transfer_data(copy.get(), frame.get(), 0);
        if (code >= 0) code = av_frame_copy_props(copy.get(), frame.get());
        if (code < 0) return fail(translate(code, file, "copying a frame from the hardware decoder"));
        return copy;
    }

    // Frames SDL cannot take become yuv420p here, so the render thread never converts.
    Result<Frame> to_displayable(Frame frame) {
        if (frame->format == AV_PIX_FMT_YUV420P || frame->format == AV_PIX_FMT_NV12) return frame;
        const auto [source_format, full_range] = scaler_input(*frame);
        const ScalerKey key{frame->width, frame->height, source_format, full_range, frame->colorspace};
        if (!scaler || key != scaler_key) {
            scaler.reset(sws_getContext(frame->width, frame->height, source_format, frame->width,
                                        frame->height, AV_PIX_FMT_YUV420P, SWS_BILINEAR, nullptr, nullptr,
                                        nullptr));
            if (!scaler) {
                const char* name = av_get_pix_fmt_name(source_format);
                return fail(Errc::unsupported,
                            "{} has frames in pixel format {} that cannot be converted for display",
                            file.string(), name != nullptr ? name : "unknown");
            }
            describe_colours(*scaler, *frame, full_range);
            scaler_key = key;
        }
        Frame converted(av_frame_alloc());
        if (!converted) return fail(Errc::internal, "out of memory decoding {}", file.string());
        converted->format = AV_PIX_FMT_YUV420P;
        converted->width = frame->width;
        converted->height = frame->height;
        int code = av_frame_get_buffer(converted.get(), 0);
        if (code >= 0) code = av_frame_copy_props(converted.get(), frame.get());
        if (code < 0) return fail(translate(code, file, "converting a frame"));
        sws_scale(scaler.get(), frame->data, frame->linesize, 0, frame->height, converted->data,
                  converted->linesize);
        return converted;
    }

    // One frame's length in time_base: what the stream says, else what the frame rate implies.
    std::int64_t frame_duration_ts(const AVFrame& frame) const {
        if (frame.pkt_duration > 0) return frame.pkt_duration;
        const AVRational per_frame = frame_rate.num > 0 ? av_inv_q(frame_rate) : AVRational{1, 25};
        return std::max<std::int64_t>(1, av_rescale_q(1, per_frame, time_base));
    }

    // Stamps, converts and queues one decoded frame; false when the thread should stop.
    bool deliver(Frame frame, const std::stop_token& token) {
        if ((frame->flags & AV_FRAME_FLAG_CORRUPT) != 0 || frame->decode_error_flags != 0) ++damaged;
        std::int64_t ts = frame->best_effort_timestamp;
        if (ts == AV_NOPTS_VALUE) ts = next_ts != AV_NOPTS_VALUE ? next_ts : 0;
        if (start_ts == AV_NOPTS_VALUE) start_ts = ts;
        const std::int64_t duration_ts = frame_duration_ts(*frame);
        next_ts = ts + duration_ts;
        constexpr AVRational milliseconds{1, 1000};
        const config::Duration pts{
            av_rescale_q(std::max<std::int64_t>(0, ts - start_ts), time_base, milliseconds)};
        const config::Duration duration{av_rescale_q(duration_ts, time_base, milliseconds)};

        auto in_memory = to_memory(std::move(frame));
        if (!in_memory) {
            fail_with(std::move(in_memory.error()));
            return false;
        }
        auto displayable = to_displayable(std::move(*in_memory));
        if (!displayable) {
            fail_with(std::move(displayable.error()));
            return false;
        }
        ++decoded;
        // Set before the push: a waiter woken by the frame must already see the flag.
        first_frame = true;
        return frames.push(VideoFrame(displayable->release(), pts, duration), token) == PushResult::pushed;
    }

    // Takes every frame the decoder has ready; false when the thread should stop.
    bool receive_frames(const std::stop_token& token) {
        while (!token.stop_requested()) {
            Frame frame(av_frame_alloc());
            if (!frame) {
                fail_with(Error{Errc::internal, fmt::format("out of memory decoding {}", file.string())});
                return false;
            }
            const int code = avcodec_receive_frame(codec.get(), frame.get());
            if (code == AVERROR(EAGAIN) || code == AVERROR_EOF) return true;
            if (code < 0) return skip_bad(code);
            consecutive_errors = 0;
            if (!deliver(std::move(frame), token)) return false;
        }
        return false;
    }

    void decode() {
        const std::stop_token token = stop.get_token();
        bool going = true;
        while (going) {
            std::optional<Packet> packet = packets.pop(token);
            if (!packet || token.stop_requested()) break;
            int code = avcodec_send_packet(codec.get(), packet->get());
            if (code == AVERROR(EAGAIN)) {
                // The decoder wants its output taken first; then it accepts the packet.
                going = receive_frames(token);
                if (going) code = avcodec_send_packet(codec.get(), packet->get());
            }
            if (!going) break;
            if (code < 0 && code != AVERROR(EAGAIN)) {
                going = skip_bad(code);
                continue;
            }
            going = receive_frames(token);
        }
        // Draining: the frames the decoder still holds back (reordering, frame threads).
        if (going && !token.stop_requested() && avcodec_send_packet(codec.get(), nullptr) >= 0)
            receive_frames(token);
        frames.close();
        packets.close();
        config::logger("player")->debug("{}: decoded {} frames, skipped {} bad packets, {} damaged frames",
                                        file.string(), decoded.load(), skipped.load(), damaged.load());
    }

    // ---- sound ----

    // The item plays on without sound: the device hears silence from its feed.
    void disable_audio(std::string_view reason) {
        if (audio_broken.exchange(true)) return;
        config::logger("player")->warn("{}: its sound cannot be played ({}); playing on without sound",
                                       file.string(), reason);
        audio_feed->close();
        audio_packets->close();
    }

    // Counts an audio packet or frame the decoder refused; false once too many came in a row.
    bool skip_bad_audio(int code) {
        if (++audio_consecutive_errors < options.max_consecutive_errors) return true;
        disable_audio(fmt::format("{} bad audio packets in a row, the last: {}", audio_consecutive_errors,
                                  content::av::error_text(code)));
        return false;
    }

    Result<void> prepare_resampler(const AVFrame& frame) {
        if (resampler && resampler_input.matches(frame)) return {};
        resampler.reset();
        resampler_input.set(frame);
        AVChannelLayout output_layout{};
        av_channel_layout_default(&output_layout, options.audio_format.channels);
        SwrContext* context = nullptr;
        int code = swr_alloc_set_opts2(&context, &output_layout, AV_SAMPLE_FMT_S16,
                                       options.audio_format.sample_rate, resampler_input.layout(),
                                       resampler_input.format(), resampler_input.sample_rate(), 0, nullptr);
        av_channel_layout_uninit(&output_layout);
        Resampler owned(context);
        if (code >= 0) code = swr_init(owned.get());
        if (code < 0) {
            const char* format_name = av_get_sample_fmt_name(resampler_input.format());
            return fail(Errc::unsupported, "cannot convert {} Hz {} sound in {} channels: {}",
                        resampler_input.sample_rate(), format_name != nullptr ? format_name : "unknown",
                        resampler_input.layout()->nb_channels, content::av::error_text(code));
        }
        resampler = std::move(owned);
        return {};
    }

    // Converts `count` decoded frames (none: what the resampler still holds) and queues them, the
    // first due at `pts_us`; false when the thread should stop.
    bool resample(const std::uint8_t* const* input, int count, std::int64_t pts_us,
                  const std::stop_token& token) {
        // What the resampler holds from earlier frames comes out first.
        const std::int64_t first_us = pts_us - swr_get_delay(resampler.get(), 1'000'000);
        const int room = swr_get_out_samples(resampler.get(), count);
        if (room < 0) {
            disable_audio(content::av::error_text(room));
            return false;
        }
        const auto channels = static_cast<std::size_t>(options.audio_format.channels);
        pcm.resize(static_cast<std::size_t>(room) * channels);
        auto* output = reinterpret_cast<std::uint8_t*>(pcm.data());
        const int converted =
            swr_convert(resampler.get(), &output, room, const_cast<const std::uint8_t**>(input), count);
        if (converted < 0) {
            disable_audio(fmt::format("converting it failed: {}", content::av::error_text(converted)));
            return false;
        }
        if (converted == 0) return true;
        auto pushed = audio_feed->push(
            std::chrono::duration_cast<config::Duration>(std::chrono::microseconds{first_us}),
            std::span<const std::int16_t>{pcm.data(), static_cast<std::size_t>(converted) * channels}, token);
        if (!pushed) {
            disable_audio(pushed.error().message);
            return false;
        }
        return *pushed == PushResult::pushed;
    }

    // Stamps one decoded frame on the video's clock and queues it; false when the thread should stop.
    bool deliver_audio(const AVFrame& frame, const std::stop_token& token) {
        if (auto ready = prepare_resampler(frame); !ready) {
            disable_audio(ready.error().message);
            return false;
        }
        std::int64_t pts_us = audio_next_us != AV_NOPTS_VALUE ? audio_next_us : 0;
        if (frame.best_effort_timestamp != AV_NOPTS_VALUE)
            pts_us = av_rescale_q(frame.best_effort_timestamp, audio_time_base, microsecond_base) - origin_us;
        audio_next_us = pts_us + av_rescale(frame.nb_samples, 1'000'000, std::max(1, frame.sample_rate));
        return resample(frame.extended_data, frame.nb_samples, pts_us, token);
    }

    // Takes every frame the audio decoder has ready; false when the thread should stop.
    bool receive_audio(const std::stop_token& token) {
        while (!token.stop_requested()) {
            const int code = avcodec_receive_frame(audio_codec.get(), audio_frame.get());
            if (code == AVERROR(EAGAIN) || code == AVERROR_EOF) return true;
            if (code < 0) return skip_bad_audio(code);
            audio_consecutive_errors = 0;
            const bool going = deliver_audio(*audio_frame, token);
            av_frame_unref(audio_frame.get());
            if (!going) return false;
        }
        return false;
    }

    // Feeds one packet (nullptr: the end of the stream) to the audio decoder.
    bool send_audio(const AVPacket* packet, const std::stop_token& token) {
        int code = avcodec_send_packet(audio_codec.get(), packet);
        if (code == AVERROR(EAGAIN)) {
            if (!receive_audio(token)) return false;
            code = avcodec_send_packet(audio_codec.get(), packet);
        }
        if (code < 0 && code != AVERROR(EAGAIN) && code != AVERROR_EOF) return skip_bad_audio(code);
        return receive_audio(token);
    }

    void decode_audio() {
        const std::stop_token token = stop.get_token();
        bool going = true;
        while (going) {
            std::optional<Packet> packet = audio_packets->pop(token);
            if (!packet || token.stop_requested() || audio_broken) break;
            going = send_audio(packet->get(), token);
        }
        // The end of the file: what the decoder and the resampler still hold.
        if (going && !token.stop_requested() && !audio_broken && send_audio(nullptr, token) && resampler &&
            audio_next_us != AV_NOPTS_VALUE)
            resample(nullptr, 0, audio_next_us, token);
        audio_feed->end();
        audio_packets->close();
    }
};

// ---------------------------------------------------------------------------------------------------------------
// Opening

namespace {

Result<CodecContext> make_codec_context(const AVCodec& decoder, const AVStream& stream, const fs::path& file,
                                        int threads) {
    CodecContext context(avcodec_alloc_context3(&decoder));
    if (!context) return fail(Errc::internal, "out of memory opening {}", file.string());
    const int code = avcodec_parameters_to_context(context.get(), stream.codecpar);
    if (code < 0) return fail(translate(code, file, "reading its codec parameters"));
    context->pkt_timebase = stream.time_base;
    context->thread_count = threads;
    context->thread_type = FF_THREAD_FRAME | FF_THREAD_SLICE;
    return context;
}

AVPixelFormat hardware_pixel_format(const AVCodec& decoder, AVHWDeviceType type) {
    for (int i = 0;; ++i) {
        const AVCodecHWConfig* hw_config = avcodec_get_hw_config(&decoder, i);
        if (hw_config == nullptr) return AV_PIX_FMT_NONE;
        if ((hw_config->methods & AV_CODEC_HW_CONFIG_METHOD_HW_DEVICE_CTX) != 0 &&
            hw_config->device_type == type)
            return hw_config->pix_fmt;
    }
}

}  // namespace

Result<std::unique_ptr<MediaSource>> MediaSource::open(const fs::path& file, MediaSourceOptions options) {
    // The probe says, with the same words as the hub's, why a file is not a playable video, and
    // reads the rotation from the display matrix.
    auto probed = content::probe_media(file);
    if (!probed) return fail(std::move(probed.error()));
    if (probed->width > options.max_width || probed->height > options.max_height)
        return fail(Errc::unsupported, "{} is {}x{}, larger than the {}x{} this player decodes",
                    file.string(), probed->width, probed->height, options.max_width, options.max_height);

    auto shared = std::make_shared<Shared>(file, options);

    const auto timed_out = [&] {
        return fail(Errc::io, "opening {} took longer than {}", file.string(),
                    config::format_duration(options.open_timeout));
    };
    shared->arm_deadline(options.open_timeout);
    const AVIOInterruptCB interrupt{&Shared::interrupt, shared.get()};
    auto opened = content::av::open_input(file, kind, &interrupt);
    // The interrupt callback gives up once the deadline passes; whatever FFmpeg then reports, the
    // cause is the time.
    if (!opened && steady_now_ns() > shared->deadline_ns.load()) return timed_out();
    if (!opened) return fail(std::move(opened.error()));
    shared->format = std::move(*opened);

    int code = 0;

    code = avformat_find_stream_info(shared->format.get(), nullptr);
    if (code == AVERROR_EXIT) return timed_out();
    if (code < 0) return fail(translate(code, file, "reading its streams"));

    const AVCodec* decoder = nullptr;
    code = av_find_best_stream(shared->format.get(), AVMEDIA_TYPE_VIDEO, -1, -1, &decoder, 0);
    if (code == AVERROR_STREAM_NOT_FOUND)
        return fail(Errc::unsupported, "{} has no video stream", file.string());
    if (code == AVERROR_DECODER_NOT_FOUND || (code >= 0 && decoder == nullptr))
        return fail(Errc::unsupported, "{} is in {}, which this FFmpeg has no decoder for", file.string(),
                    probed->codec);
    if (code < 0) return fail(translate(code, file, "choosing its video stream"));
    shared->stream_index = code;
    AVStream& stream = *shared->format->streams[code];
    // Audio, subtitles and other video streams are never read past the demuxer.
    for (unsigned i = 0; i < shared->format->nb_streams; ++i)
        if (static_cast<int>(i) != shared->stream_index) shared->format->streams[i]->discard = AVDISCARD_ALL;
    shared->time_base = stream.time_base;
    shared->frame_rate = av_guess_frame_rate(shared->format.get(), &stream, nullptr);
    if (stream.start_time != AV_NOPTS_VALUE) shared->start_ts = stream.start_time;

    SourceInfo info;
    info.file = file;
    info.codec = probed->codec;
    info.width = stream.codecpar->width;
    info.height = stream.codecpar->height;
    info.rotation = probed->rotation;
    info.frame_rate = shared->frame_rate.num > 0 ? av_q2d(shared->frame_rate) : 0.0;
    info.duration = probed->duration;

    std::vector<std::string> failures;
    if (options.hwaccel != config::HwAccel::none &&
        shared->open_hardware_decoder(*decoder, stream, failures)) {
        info.decoding = DecodingPath::hardware;
    } else {
        if (options.hwaccel != config::HwAccel::none)
            config::logger("player")->info(
                "hardware decoding ({}) is not available for {}: {}; decoding in software",
                config::to_string(options.hwaccel), file.string(), fmt::join(failures, "; "));
        const bool above_full_hd =
            static_cast<std::int64_t>(stream.codecpar->width) * stream.codecpar->height > 1920 * 1080;
        const int threads = options.decoder_threads > 0 ? options.decoder_threads : above_full_hd ? 2 : 1;
        auto context = make_codec_context(*decoder, stream, file, threads);
        if (!context) return fail(std::move(context.error()));
        code = avcodec_open2(context->get(), decoder, nullptr);
        if (code < 0)
            return fail(Errc::unsupported, "cannot open the {} decoder for {}: {}", probed->codec,
                        file.string(), content::av::error_text(code));
        shared->codec = std::move(*context);
    }

    if (options.audio == AudioMode::on) shared->open_audio(stream);

    shared->running = shared->audio_feed ? 3 : 2;
    auto source = std::unique_ptr<MediaSource>(new MediaSource(shared, std::move(info)));
    return source;
}

void MediaSource::Shared::open_audio(const AVStream& video) {
    const AVCodec* decoder = nullptr;
    const int found = av_find_best_stream(format.get(), AVMEDIA_TYPE_AUDIO, -1, stream_index, &decoder, 0);
    if (found == AVERROR_STREAM_NOT_FOUND) return;  // a silent clip
    const auto without_sound = [&](std::string_view reason) {
        config::logger("player")->warn("{}: {}; playing it without sound", file.string(), reason);
    };
    if (found == AVERROR_DECODER_NOT_FOUND || (found >= 0 && decoder == nullptr)) {
        AVCodecID codec_id = AV_CODEC_ID_NONE;
        for (unsigned i = 0; i < format->nb_streams; ++i)
            if (format->streams[i]->codecpar->codec_type == AVMEDIA_TYPE_AUDIO) {
                codec_id = format->streams[i]->codecpar->codec_id;
                break;
            }
        without_sound(codec_id == AV_CODEC_ID_NONE
                          ? std::string{"its sound is in a codec this FFmpeg does not know"}
                          : fmt::format("its sound is in {}, which this FFmpeg has no decoder for",
                                        avcodec_get_name(codec_id)));
        return;
    }
    if (found < 0) {
        without_sound(translate(found, file, "choosing its audio stream").message);
        return;
    }
    AVStream& audio = *format->streams[found];
    auto context = make_codec_context(*decoder, audio, file, 1);
    if (!context) {
        without_sound(context.error().message);
        return;
    }
    const int code = avcodec_open2(context->get(), decoder, nullptr);
    if (code < 0) {
        without_sound(fmt::format("cannot open the {} decoder for its sound: {}", decoder->name,
                                  content::av::error_text(code)));
        return;
    }
    audio_frame.reset(av_frame_alloc());
    if (!audio_frame) {
        without_sound("out of memory");
        return;
    }
    audio_codec = std::move(*context);
    audio_index = found;
    audio_time_base = audio.time_base;
    audio.discard = AVDISCARD_DEFAULT;
    // Frames count from the video's first timestamp; sound counts from the same point.
    if (video.start_time != AV_NOPTS_VALUE)
        origin_us = av_rescale_q(video.start_time, video.time_base, microsecond_base);
    else if (format->start_time != AV_NOPTS_VALUE)
        origin_us = format->start_time;  // already in microseconds (AV_TIME_BASE)
    audio_packets.emplace(std::max<std::size_t>(1, options.audio_packet_queue_capacity));
    audio_feed =
        std::make_shared<AudioFeed>(options.audio_format, AudioFeedOptions{.capacity = options.audio_buffer});
}

bool MediaSource::Shared::open_hardware_decoder(const AVCodec& decoder, const AVStream& stream,
                                                std::vector<std::string>& failures) {
    const auto try_device = [&](AVHWDeviceType type) {
        const char* type_name = av_hwdevice_get_type_name(type);
        const AVPixelFormat pixel_format = hardware_pixel_format(decoder, type);
        if (pixel_format == AV_PIX_FMT_NONE) {
            failures.push_back(fmt::format("the {} decoder cannot use {}", decoder.name, type_name));
            return false;
        }
        AVBufferRef* device = nullptr;
        int code = av_hwdevice_ctx_create(&device, type, nullptr, nullptr, 0);
        if (code < 0) {
            failures.push_back(fmt::format("no {} device ({})", type_name, content::av::error_text(code)));
            return false;
        }
        BufferRef owned_device(device);
        auto context = make_codec_context(decoder, stream, file, 1);
        if (!context) {
            failures.push_back(context.error().message);
            return false;
        }
        (*context)->hw_device_ctx = av_buffer_ref(owned_device.get());
        hardware_format = pixel_format;
        (*context)->opaque = &hardware_format;
        (*context)->get_format = pick_hardware_format;
        code = (*context)->hw_device_ctx == nullptr ? AVERROR(ENOMEM)
                                                    : avcodec_open2(context->get(), &decoder, nullptr);
        if (code < 0) {
            hardware_format = AV_PIX_FMT_NONE;
            failures.push_back(
                fmt::format("{} decoder did not open ({})", type_name, content::av::error_text(code)));
            return false;
        }
        hardware_device = std::move(owned_device);
        codec = std::move(*context);
        return true;
    };
    // Memory-to-memory decoders (Raspberry Pi and other SoCs) are separate FFmpeg decoders.
    const auto try_v4l2m2m = [&] {
        const std::string name = fmt::format("{}_v4l2m2m", avcodec_get_name(decoder.id));
        const AVCodec* v4l2 = avcodec_find_decoder_by_name(name.c_str());
        if (v4l2 == nullptr) {
            failures.push_back(fmt::format("no {} decoder in this FFmpeg", name));
            return false;
        }
        auto context = make_codec_context(*v4l2, stream, file, 1);
        if (!context) {
            failures.push_back(context.error().message);
            return false;
        }
        const int code = avcodec_open2(context->get(), v4l2, nullptr);
        if (code < 0) {
            failures.push_back(fmt::format("{} did not open ({})", name, content::av::error_text(code)));
            return false;
        }
        codec = std::move(*context);
        return true;
    };

    switch (options.hwaccel) {
    case config::HwAccel::none: return false;
    case config::HwAccel::automatic: return try_device(AV_HWDEVICE_TYPE_VAAPI) || try_v4l2m2m();
    case config::HwAccel::vaapi: return try_device(AV_HWDEVICE_TYPE_VAAPI);
    case config::HwAccel::drm: return try_device(AV_HWDEVICE_TYPE_DRM);
    case config::HwAccel::v4l2m2m: return try_v4l2m2m();
    }
    return false;
}

MediaSource::MediaSource(std::shared_ptr<Shared> shared, SourceInfo info)
    : m_shared(std::move(shared)), m_info(std::move(info)) {
    m_demux_thread = std::jthread([shared = m_shared] {
        shared->demux();
        shared->thread_done();
    });
    m_decode_thread = std::jthread([shared = m_shared] {
        shared->decode();
        shared->thread_done();
    });
    if (m_shared->audio_feed) {
        m_audio_thread = std::jthread([shared = m_shared] {
            shared->decode_audio();
            shared->thread_done();
        });
    }
}

MediaSource::~MediaSource() {
    m_shared->stop.request_stop();
    // Whoever still holds the feed (the audio device) hears silence from now on.
    if (m_shared->audio_feed) m_shared->audio_feed->close();
    std::unique_lock lock(m_shared->mutex);
    const bool exited = m_shared->thread_exited.wait_for(lock, m_shared->options.stop_timeout,
                                                         [&] { return m_shared->running == 0; });
    lock.unlock();
    if (!exited) {
        config::logger("player")->warn("{}: decoding did not stop within {}; abandoning it",
                                       m_shared->file.string(),
                                       config::format_duration(m_shared->options.stop_timeout));
        m_demux_thread.detach();
        m_decode_thread.detach();
        if (m_audio_thread.joinable()) m_audio_thread.detach();
    }
}

std::optional<VideoFrame> MediaSource::pop_frame(config::Duration timeout) {
    return m_shared->frames.pop_for(timeout);
}

std::optional<VideoFrame> MediaSource::try_pop_frame() {
    return m_shared->frames.try_pop();
}

bool MediaSource::first_frame_ready() const {
    return m_shared->first_frame.load();
}

bool MediaSource::wait_first_frame(config::Duration timeout) const {
    if (first_frame_ready()) return true;
    // Wakes on the first frame or on the end of a source that had none.
    static_cast<void>(m_shared->frames.wait_for_item(timeout));
    return first_frame_ready();
}

bool MediaSource::at_end() const {
    return m_shared->frames.drained();
}

std::optional<Error> MediaSource::error() const {
    std::lock_guard lock(m_shared->mutex);
    return m_shared->failure;
}

std::int64_t MediaSource::skipped_packets() const {
    return m_shared->skipped.load();
}

std::int64_t MediaSource::damaged_frames() const {
    return m_shared->damaged.load();
}

std::int64_t MediaSource::frames_decoded() const {
    return m_shared->decoded.load();
}

std::size_t MediaSource::queued_frames() const {
    return m_shared->frames.size();
}

std::shared_ptr<AudioFeed> MediaSource::audio() const {
    return m_shared->audio_feed;
}

std::int64_t MediaSource::dropped_audio_packets() const {
    return m_shared->audio_dropped.load();
}

}  // namespace dwell::player
