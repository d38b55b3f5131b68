#include "content/media_probe.hpp"

#include <array>
#include <cmath>
#include <cstdint>
#include <memory>
#include <string_view>
#include <system_error>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/display.h>
#include <libavutil/error.h>
#include <libavutil/pixdesc.h>
}

#include "content/ffmpeg.hpp"

namespace dwell::content {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kind = "media file";

// Still pictures come through the image2 demuxers ("image2", "png_pipe", "jpeg_pipe", "webp_pipe",
// ...) or the GIF demuxer.
bool is_image_demuxer(std::string_view name) {
    return name == "image2" || name == "gif" || name.ends_with("_pipe");
}

int clockwise_rotation(const AVStream& stream) {
    std::size_t size = 0;
    const std::uint8_t* data = av_stream_get_side_data(&stream, AV_PKT_DATA_DISPLAYMATRIX, &size);
    if (data == nullptr || size < 9 * sizeof(std::int32_t)) return 0;
    // av_display_rotation_get answers counterclockwise; players turn clockwise.
    const double counterclockwise = av_display_rotation_get(reinterpret_cast<const std::int32_t*>(data));
    if (std::isnan(counterclockwise)) return 0;
    const long quarter_turns = std::lround(-counterclockwise / 90.0);
    return static_cast<int>(((quarter_turns % 4) + 4) % 4) * 90;
}

std::optional<config::Duration> video_duration(const AVFormatContext& context, const AVStream& stream) {
    constexpr AVRational milliseconds{1, 1000};
    if (stream.duration != AV_NOPTS_VALUE && stream.duration > 0)
        return config::Duration{av_rescale_q(stream.duration, stream.time_base, milliseconds)};
    if (context.duration != AV_NOPTS_VALUE && context.duration > 0)
        return config::Duration{av_rescale_q(context.duration, AV_TIME_BASE_Q, milliseconds)};
    return std::nullopt;
}

}  // namespace

Result<MediaInfo> probe_media(const fs::path& file) {
    auto opened = av::open_input(file, kind);
    if (!opened) return fail(std::move(opened.error()));
    const av::FormatContext context = std::move(*opened);
    const std::string_view demuxer = context->iformat->name;

    int code = avformat_find_stream_info(context.get(), nullptr);
    if (code < 0) return fail(av::translate(code, file, "reading its streams", kind));

    const bool has_audio = av_find_best_stream(context.get(), AVMEDIA_TYPE_AUDIO, -1, -1, nullptr, 0) >= 0;
    const int index = av_find_best_stream(context.get(), AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
    if (index == AVERROR_STREAM_NOT_FOUND)
        return fail(Errc::unsupported, "{} has no video stream{}", file.string(),
                    has_audio ? " (audio only)" : "");
    if (index < 0) return fail(av::translate(index, file, "choosing its video stream", kind));
    const AVStream& stream = *context->streams[index];
    if ((stream.disposition & AV_DISPOSITION_ATTACHED_PIC) != 0)
        return fail(Errc::unsupported, "{} has no video stream (only cover art)", file.string());

    const AVCodecParameters& parameters = *stream.codecpar;
    if (parameters.codec_id == AV_CODEC_ID_NONE)
        return fail(Errc::unsupported, "{} has a video stream in a codec FFmpeg does not know",
                    file.string());
    if (parameters.width <= 0 || parameters.height <= 0)
        return fail(Errc::unsupported, "{} has no frame size in its video stream (is the file cut short?)",
                    file.string());

    MediaInfo info;
    info.kind = is_image_demuxer(demuxer) ? MediaKind::image : MediaKind::video;
    if (info.kind == MediaKind::video) info.duration = video_duration(*context, stream);
    info.codec = avcodec_get_name(parameters.codec_id);
    info.width = parameters.width;
    info.height = parameters.height;
    if (const char* name = av_get_pix_fmt_name(static_cast<AVPixelFormat>(parameters.format)))
        info.pixel_format = name;
    info.rotation = clockwise_rotation(stream);
    info.container = demuxer;
    info.has_audio = has_audio;
    return info;
}

}  // namespace dwell::content
