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

namespace dwell::content {
namespace {

namespace fs = std::filesystem;

struct FormatContextCloser {
    void operator()(AVFormatContext* context) const { avformat_close_input(&context); }
};
using FormatContext = std::unique_ptr<AVFormatContext, FormatContextCloser>;

// Owns an AVDictionary that FFmpeg calls may free and replace through `get()`.
class Dictionary {
  public:
    Dictionary() = default;
    Dictionary(const Dictionary&) = delete;
    Dictionary& operator=(const Dictionary&) = delete;
    ~Dictionary() { av_dict_free(&m_dictionary); }
    AVDictionary** get() { return &m_dictionary; }

  private:
    AVDictionary* m_dictionary = nullptr;
};

std::string av_error_text(int code) {
    std::array<char, AV_ERROR_MAX_STRING_SIZE> text{};
    if (av_strerror(code, text.data(), text.size()) < 0) return fmt::format("FFmpeg error {}", code);
    return text.data();
}

// The one place AVERROR codes become Errors.
Error translate(int code, const fs::path& file, std::string_view doing) {
    const std::string reason = av_error_text(code);
    if (code == AVERROR(ENOENT))
        return Error{Errc::not_found, fmt::format("{}: no such file", file.string())};
    if (code == AVERROR(EACCES) || code == AVERROR(EPERM))
        return Error{Errc::io, fmt::format("cannot read {}: {}", file.string(), reason)};
    if (code == AVERROR_INVALIDDATA || code == AVERROR_EOF || code == AVERROR_DEMUXER_NOT_FOUND)
        return Error{Errc::unsupported, fmt::format("{} is not a media file FFmpeg can read ({} while {})",
                                                    file.string(), reason, doing)};
    if (code == AVERROR(ENOMEM))
        return Error{Errc::internal, fmt::format("out of memory probing {}", file.string())};
    return Error{Errc::io, fmt::format("cannot probe {}: {} while {}", file.string(), reason, doing)};
}

// Still pictures come through the image2 demuxers ("image2", "png_pipe", "jpeg_pipe", "webp_pipe",
// ...) or the GIF demuxer.
bool is_image_demuxer(std::string_view name) {
    return name == "image2" || name == "gif" || name.ends_with("_pipe");
}

// FFmpeg reads plain text files as ANSI art ("tty" demuxer); for signage they are not media.
bool is_text_demuxer(std::string_view name) {
    return name == "tty";
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

Result<void> check_regular_file(const fs::path& file) {
    std::error_code ec;
    const auto status = fs::status(file, ec);
    if (status.type() == fs::file_type::not_found)
        return fail(Errc::not_found, "{}: no such file", file.string());
    if (ec) return fail(Errc::io, "cannot read {}: {}", file.string(), ec.message());
    if (fs::is_directory(status))
        return fail(Errc::invalid_input, "{} is a directory, not a media file", file.string());
    // A FIFO or device could block the probe forever.
    if (!fs::is_regular_file(status))
        return fail(Errc::invalid_input, "{} is not a regular file, so not a media file", file.string());
    const auto size = fs::file_size(file, ec);
    if (ec) return fail(Errc::io, "cannot read {}: {}", file.string(), ec.message());
    if (size == 0) return fail(Errc::invalid_input, "{} is empty (0 bytes), not a media file", file.string());
    return {};
}

}  // namespace

Result<MediaInfo> probe_media(const fs::path& file) {
    if (auto checked = check_regular_file(file); !checked) return fail(std::move(checked.error()));

    // Only the local file: a playlist (HLS, ...) must not make the prober fetch other URLs.
    Dictionary options;
    if (av_dict_set(options.get(), "protocol_whitelist", "file", 0) < 0)
        return fail(Errc::internal, "out of memory probing {}", file.string());

    // "file:" keeps a name like "clip:1.mp4" from being read as a protocol.
    const std::string url = "file:" + file.string();
    AVFormatContext* raw_context = nullptr;
    int code = avformat_open_input(&raw_context, url.c_str(), nullptr, options.get());
    if (code < 0) return fail(translate(code, file, "opening it"));
    const FormatContext context(raw_context);

    const std::string_view demuxer = context->iformat->name;
    if (is_text_demuxer(demuxer))
        return fail(Errc::unsupported, "{} is not a media file (FFmpeg reads it as text)", file.string());

    code = avformat_find_stream_info(context.get(), nullptr);
    if (code < 0) return fail(translate(code, file, "reading its streams"));

    const bool has_audio = av_find_best_stream(context.get(), AVMEDIA_TYPE_AUDIO, -1, -1, nullptr, 0) >= 0;
    const int index = av_find_best_stream(context.get(), AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
    if (index == AVERROR_STREAM_NOT_FOUND)
        return fail(Errc::unsupported, "{} has no video stream{}", file.string(),
                    has_audio ? " (audio only)" : "");
    if (index < 0) return fail(translate(index, file, "choosing its video stream"));
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
