#include "sync/ctl/upload.hpp"

#include <array>
#include <cstdio>
#include <system_error>

#include "sync/ctl/arguments.hpp"
#include "sync/ctl/json_fields.hpp"

namespace dwell::sync::ctl {
namespace {

namespace json = boost::json;

constexpr int bar_width = 30;
constexpr auto redraw_every = std::chrono::milliseconds{100};

// "12.3/27.0 MiB": both in the unit that suits the whole.
std::string fraction_text(std::uint64_t sent, std::uint64_t total) {
    static constexpr std::array<std::string_view, 4> units{"KiB", "MiB", "GiB", "TiB"};
    if (total < 1024) return fmt::format("{}/{} B", sent, total);
    double divisor = 1024.0;
    std::size_t unit = 0;
    while (static_cast<double>(total) / divisor >= 1024.0 && unit + 1 < units.size()) {
        divisor *= 1024.0;
        ++unit;
    }
    return fmt::format("{:.1f}/{:.1f} {}", static_cast<double>(sent) / divisor,
                       static_cast<double>(total) / divisor, units[unit]);
}

}  // namespace

UploadProgress::UploadProgress(std::string name, std::uint64_t size, bool terminal)
    : m_name(std::move(name)), m_terminal(terminal) {
    if (!m_terminal) std::fprintf(stderr, "uploading %s (%s)\n", m_name.c_str(), human_size(size).c_str());
}

UploadProgress::~UploadProgress() {
    if (m_terminal && m_drawn) std::fputs("\r\033[2K", stderr);  // erase the bar
}

void UploadProgress::update(std::uint64_t sent, std::uint64_t total) {
    if (!m_terminal || total == 0) return;
    const int percent = static_cast<int>(sent * 100 / total);
    const auto now = std::chrono::steady_clock::now();
    if (percent == m_last_percent && now - m_last_draw < redraw_every) return;
    m_last_percent = percent;
    m_last_draw = now;
    const int filled = percent * bar_width / 100;
    const std::string bar = std::string(static_cast<std::size_t>(filled), '#') +
                            std::string(static_cast<std::size_t>(bar_width - filled), ' ');
    std::fprintf(stderr, "\r\033[2K%s [%s] %3d%% %s", m_name.c_str(), bar.c_str(), percent,
                 fraction_text(sent, total).c_str());
    std::fflush(stderr);
    m_drawn = true;
}

Outcome<UploadedAsset> upload_asset(HubClient& hub, const std::filesystem::path& file,
                                    const std::string& name) {
    std::error_code error;
    const auto size = std::filesystem::file_size(file, error);
    if (error) return usage_error("cannot read {}: {}; check the path", file.string(), error.message());
    std::optional<UploadProgress> progress;
    progress.emplace(name, size, stderr_is_terminal());
    auto answer =
        hub.upload("/v1/assets?name=" + url_encode(name), file, fmt::format("uploading {}", file.string()),
                   [&progress](std::uint64_t sent, std::uint64_t total) { progress->update(sent, total); });
    progress.reset();
    if (!answer) return std::unexpected(std::move(answer.error()));
    const json::value& object = answer->second;
    UploadedAsset asset;
    asset.created = answer->first == 201;
    asset.sha256 = text_of(object, "sha256");
    if (asset.sha256.empty())
        return refused_error("uploading {}: the hub's answer has no sha256", file.string());
    asset.name = text_of(object, "name");
    asset.size = count_of(object, "size");
    asset.type = text_of(object, "type");
    asset.codec = text_of(object, "codec");
    asset.width = count_of(object, "width");
    asset.height = count_of(object, "height");
    if (field_of(object, "duration_ms")) asset.duration_ms = count_of(object, "duration_ms");
    return asset;
}

std::string describe_media(const UploadedAsset& asset) {
    std::string out = asset.type;
    if (!asset.codec.empty()) out += " " + asset.codec;
    if (asset.width > 0 && asset.height > 0) out += fmt::format(" {}x{}", asset.width, asset.height);
    if (asset.duration_ms) out += fmt::format(" {:.1f} s", static_cast<double>(*asset.duration_ms) / 1000.0);
    return out;
}

}  // namespace dwell::sync::ctl
