#include "player/media/image_loader.hpp"
#include "content/ffmpeg.hpp"
#include "player/media/scale_context.hpp"

#include <algorithm>
#include <array>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/error.h>
#include <libavutil/frame.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>
}

namespace dwell::player {
namespace {

namespace fs = std::filesystem;

using content::av::CodecContext;
using content::av::FormatContext;
using content::av::Frame;
using content::av::Packet;

constexpr std::string_view kind = "picture";

// The one translation of AVERROR codes, naming what this file should have been.
Error translate(int code, const fs::path& file, std::string_view doing) {
    return content::av::translate(code, file, doing, kind);
}

// Sees the picture size when the decoder asks for its buffer, before any pixel is decoded.
struct SizeGuard {
    ImageLimits limits;
    std::optional<std::pair<int, int>> refused;

    [[nodiscard]] bool allows(int width, int height) const {
        return width <= limits.max_side && height <= limits.max_side &&
               static_cast<std::int64_t>(width) * height <= limits.max_pixels;
    }
};

int guarded_get_buffer(AVCodecContext* context, AVFrame* frame, int flags) {
    auto* guard = static_cast<SizeGuard*>(context->opaque);
    const int width = std::max(context->width, frame->width);
    const int height = std::max(context->height, frame->height);
    if (!guard->allows(width, height)) {
        guard->refused = std::pair{width, height};
        return AVERROR(ERANGE);
    }
    return avcodec_default_get_buffer2(context, frame, flags);
}

Error too_large(const fs::path& file, int width, int height, const ImageLimits& limits) {
    return Error{
        Errc::quota,
        fmt::format("{} is {}x{}; pictures larger than {} pixels on a side or {} megapixels "
                    "are refused",
                    file.string(), width, height, limits.max_side, limits.max_pixels / (1024 * 1024))};
}

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

Result<Image> to_rgba(const AVFrame& frame, const fs::path& file) {
    const auto [format, full_range] = scaler_input(frame);
    const ScaleContext scaler(
        sws_getContext(frame.width, frame.height, format, frame.width, frame.height, AV_PIX_FMT_RGBA,
                       SWS_BICUBIC | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT, nullptr, nullptr, nullptr));
    if (!scaler) {
        const char* name = av_get_pix_fmt_name(format);
        return fail(Errc::unsupported, "{} has pixels in format {}, which cannot be converted to RGBA",
                    file.string(), name != nullptr ? name : "unknown");
    }
    const int* matrix =
        sws_getCoefficients(frame.colorspace == AVCOL_SPC_BT709 ? SWS_CS_ITU709 : SWS_CS_DEFAULT);
    sws_setColorspaceDetails(scaler.get(), matrix, full_range ? 1 : 0, matrix, 1, 0, 1 << 16, 1 << 16);
    Image image;
    image.width = frame.width;
    image.height = frame.height;
    image.pitch = frame.width * 4;
    image.pixels.resize(static_cast<std::size_t>(image.pitch) * static_cast<std::size_t>(image.height));
    std::array<std::uint8_t*, 4> planes{image.pixels.data(), nullptr, nullptr, nullptr};
    const std::array<int, 4> pitches{image.pitch, 0, 0, 0};
    sws_scale(scaler.get(), frame.data, frame.linesize, 0, frame.height, planes.data(), pitches.data());
    return image;
}

}  // namespace

Result<Image> decode_image(const fs::path& file, const ImageLimits& limits) {
    auto opened = content::av::open_input(file, kind);
    if (!opened) return fail(std::move(opened.error()));
    const FormatContext format = std::move(*opened);

    // No avformat_find_stream_info: for still pictures it decodes the whole picture to learn its
    // size, which is exactly what the limit must prevent.
    const AVCodec* decoder = nullptr;
    const int index = av_find_best_stream(format.get(), AVMEDIA_TYPE_VIDEO, -1, -1, &decoder, 0);
    if (index == AVERROR_STREAM_NOT_FOUND)
        return fail(Errc::unsupported, "{} has no picture in it", file.string());
    if (index == AVERROR_DECODER_NOT_FOUND || (index >= 0 && decoder == nullptr))
        return fail(Errc::unsupported, "{} is not a picture FFmpeg can decode (no decoder for it)",
                    file.string());
    if (index < 0) return fail(translate(index, file, "finding its picture"));
    const AVStream& stream = *format->streams[index];

    SizeGuard guard{limits, std::nullopt};
    // Some demuxers (GIF) know the size from the header already.
    if (stream.codecpar->width > 0 && stream.codecpar->height > 0 &&
        !guard.allows(stream.codecpar->width, stream.codecpar->height))
        return fail(too_large(file, stream.codecpar->width, stream.codecpar->height, limits));

    const CodecContext codec(avcodec_alloc_context3(decoder));
    if (!codec) return fail(Errc::internal, "out of memory opening {}", file.string());
    int code = avcodec_parameters_to_context(codec.get(), stream.codecpar);
    if (code < 0) return fail(translate(code, file, "reading its codec parameters"));
    // One thread, and no frame threading: the buffer callback then runs on this thread only.
    codec->thread_count = 1;
    codec->thread_type = FF_THREAD_SLICE;
    codec->opaque = &guard;
    codec->get_buffer2 = guarded_get_buffer;
    code = avcodec_open2(codec.get(), decoder, nullptr);
    if (code < 0) return fail(translate(code, file, "opening its decoder"));

    const Packet packet(av_packet_alloc());
    const Frame frame(av_frame_alloc());
    if (!packet || !frame) return fail(Errc::internal, "out of memory decoding {}", file.string());
    const auto decode_failed = [&](int failure) {
        if (guard.refused) return too_large(file, guard.refused->first, guard.refused->second, limits);
        return translate(failure, file, "decoding it");
    };
    bool flushing = false;
    while (true) {
        code = avcodec_receive_frame(codec.get(), frame.get());
        if (code >= 0) return to_rgba(*frame, file);
        if (code == AVERROR_EOF) return fail(Errc::unsupported, "{} has no picture in it", file.string());
        if (code != AVERROR(EAGAIN)) return fail(decode_failed(code));
        if (flushing) return fail(Errc::unsupported, "{} has no picture in it", file.string());
        code = av_read_frame(format.get(), packet.get());
        if (code == AVERROR_EOF) {
            flushing = true;
            code = avcodec_send_packet(codec.get(), nullptr);
        } else if (code < 0) {
            return fail(translate(code, file, "reading it"));
        } else if (packet->stream_index != index) {
            av_packet_unref(packet.get());
            continue;
        } else {
            code = avcodec_send_packet(codec.get(), packet.get());
            av_packet_unref(packet.get());
        }
        if (code < 0 && code != AVERROR_EOF) return fail(decode_failed(code));
    }
}

// ---------------------------------------------------------------------------------------------------------------

ImageRequest::ImageRequest(fs::path file, std::future<Result<Image>> result)
    : m_file(std::move(file)), m_result(std::move(result)) {}

bool ImageRequest::ready() const {
    return wait(config::Duration{0});
}

bool ImageRequest::wait(config::Duration timeout) const {
    return m_result.valid() && m_result.wait_for(timeout) == std::future_status::ready;
}

Result<Image> ImageRequest::take() {
    if (!m_result.valid())
        return fail(Errc::conflict, "the result for {} was already taken", m_file.string());
    return m_result.get();
}

ImageLoader::ImageLoader(ImageLoaderOptions options)
    : m_options(options),
      m_jobs(options.queue_capacity),
      m_worker([this](std::stop_token stop) { run(stop); }) {}

ImageLoader::~ImageLoader() {
    m_worker.request_stop();
    m_jobs.close();
}

ImageRequest ImageLoader::load(fs::path file) {
    Job job{file, {}};
    auto result = job.result.get_future();
    const PushResult pushed = m_jobs.try_push(std::move(job));
    if (pushed != PushResult::pushed) {
        job.result.set_value(fail(Errc::quota, "cannot decode {} now: {} pictures are already waiting",
                                  file.string(), m_options.queue_capacity));
    }
    return ImageRequest(std::move(file), std::move(result));
}

void ImageLoader::run(const std::stop_token& stop) {
    // After a stop, pop() still hands out what is queued, so every waiting request is answered.
    while (auto job = m_jobs.pop(stop)) {
        if (stop.stop_requested()) {
            job->result.set_value(fail(Errc::conflict, "decoding {} was cancelled: the player is stopping",
                                       job->file.string()));
            continue;
        }
        job->result.set_value(decode_image(job->file, m_options.limits));
    }
}

}  // namespace dwell::player
