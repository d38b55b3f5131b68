#include "content/ffmpeg.hpp"

#include <array>
#include <system_error>

extern "C" {
#include <libavutil/error.h>
}

namespace dwell::content::av {

namespace fs = std::filesystem;

std::string error_text(int code) {
    std::array<char, AV_ERROR_MAX_STRING_SIZE> text{};
    if (av_strerror(code, text.data(), text.size()) < 0) return fmt::format("FFmpeg error {}", code);
    return text.data();
}

Error translate(int code, const fs::path& file, std::string_view doing, std::string_view kind) {
    const std::string reason = error_text(code);
    if (code == AVERROR(ENOENT))
        return Error{Errc::not_found, fmt::format("{}: no such file", file.string())};
    if (code == AVERROR(EACCES) || code == AVERROR(EPERM) || code == AVERROR(EIO))
        return Error{Errc::io, fmt::format("cannot read {}: {}", file.string(), reason)};
    if (code == AVERROR_INVALIDDATA || code == AVERROR_EOF || code == AVERROR_DEMUXER_NOT_FOUND ||
        code == AVERROR_DECODER_NOT_FOUND || code == AVERROR_PATCHWELCOME)
        return Error{Errc::unsupported, fmt::format("{} is not a {} FFmpeg can read ({} while {})",
                                                    file.string(), kind, reason, doing)};
    if (code == AVERROR(ENOMEM))
        return Error{Errc::internal, fmt::format("out of memory {} {}", doing, file.string())};
    return Error{Errc::io, fmt::format("cannot read {}: {} while {}", file.string(), reason, doing)};
}

Result<void> check_regular_file(const fs::path& file, std::string_view kind) {
    std::error_code ec;
    const auto status = fs::status(file, ec);
    if (status.type() == fs::file_type::not_found)
        return fail(Errc::not_found, "{}: no such file", file.string());
    if (ec) return fail(Errc::io, "cannot read {}: {}", file.string(), ec.message());
    if (fs::is_directory(status))
        return fail(Errc::invalid_input, "{} is a directory, not a {}", file.string(), kind);
    if (!fs::is_regular_file(status))
        return fail(Errc::invalid_input, "{} is not a regular file, so not a {}", file.string(), kind);
    const auto size = fs::file_size(file, ec);
    if (ec) return fail(Errc::io, "cannot read {}: {}", file.string(), ec.message());
    if (size == 0) return fail(Errc::invalid_input, "{} is empty (0 bytes), not a {}", file.string(), kind);
    return {};
}

Result<FormatContext> open_input(const fs::path& file, std::string_view kind,
                                 const AVIOInterruptCB* interrupt) {
    if (auto checked = check_regular_file(file, kind); !checked) return fail(std::move(checked.error()));
    AVFormatContext* raw = avformat_alloc_context();
    if (raw == nullptr) return fail(Errc::internal, "out of memory opening {}", file.string());
    if (interrupt != nullptr) raw->interrupt_callback = *interrupt;
    Dictionary options;
    if (av_dict_set(options.get(), "protocol_whitelist", "file", 0) < 0) {
        avformat_free_context(raw);
        return fail(Errc::internal, "out of memory opening {}", file.string());
    }
    const std::string url = "file:" + file.string();
    // On failure avformat_open_input frees the context itself.
    const int code = avformat_open_input(&raw, url.c_str(), nullptr, options.get());
    if (code < 0) return fail(translate(code, file, "opening it", kind));
    FormatContext context(raw);
    if (std::string_view(context->iformat->name) == "tty")
        return fail(Errc::unsupported, "{} is not a {} (FFmpeg reads it as text)", file.string(), kind);
    return context;
}

}  // namespace dwell::content::av
