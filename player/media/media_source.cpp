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
#include <libavutil/error.h>
#include <libavutil/frame.h>
#include <libavutil/hwcontext.h>
#include <libavutil/pixdesc.h>
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

    // Decode thread only.
    ScaleContext scaler;
    ScalerKey scaler_key;                    // what `scaler` was made for
    std::int64_t start_ts = AV_NOPTS_VALUE;  // in time_base: the stream's zero
    std::int64_t next_ts = AV_NOPTS_VALUE;   // where a frame without timestamp goes
    int consecutive_errors = 0;

    // Tries the hardware paths `options.hwaccel` asks for, recording why each one failed.
    bool open_hardware_decoder(const AVCodec& decoder, const AVStream& stream,
                               std::vector<std::string>& failures);

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
        auto context = make_codec_context(*decoder, stream, file, options.decoder_threads);
        if (!context) return fail(std::move(context.error()));
        code = avcodec_open2(context->get(), decoder, nullptr);
        if (code < 0)
            return fail(Errc::unsupported, "cannot open the {} decoder for {}: {}", probed->codec,
                        file.string(), content::av::error_text(code));
        shared->codec = std::move(*context);
    }

    shared->running = 2;
    auto source = std::unique_ptr<MediaSource>(new MediaSource(shared, std::move(info)));
    return source;
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
}

MediaSource::~MediaSource() {
    m_shared->stop.request_stop();
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

}  // namespace dwell::player
