#include "player/playback/stats.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <sstream>

#include <boost/json/serialize.hpp>

namespace dwell::player {

void PlaybackStats::frame_presented(SteadyTime due, SteadyTime presented, ZoneContent content) {
    ++m_summary.frames_presented;
    if (content == ZoneContent::blank) ++m_summary.blank_frames;
    const auto offset = std::chrono::duration_cast<std::chrono::microseconds>(presented - due);
    if (offset > m_options.late_after) ++m_summary.late_frames;
    m_jitter.add(offset.count() < 0 ? -offset : offset);
}

void LatencyHistogram::add(std::chrono::microseconds value) {
    const auto us = static_cast<std::uint64_t>(std::max<std::int64_t>(value.count(), 0));
    ++m_bins[std::min<std::uint64_t>(us / 100, bins - 1)];
    ++m_count;
}

void PlaybackStats::switch_gap(std::chrono::microseconds gap) {
    m_summary.max_switch_gap_ms =
        std::max(m_summary.max_switch_gap_ms, static_cast<double>(gap.count()) / 1000.0);
}

double LatencyHistogram::quantile_ms(double quantile) const {
    if (m_count == 0) return 0;
    // The smallest bin whose cumulative count reaches the quantile.
    const auto wanted = static_cast<std::uint64_t>(quantile * static_cast<double>(m_count) + 0.5);
    std::uint64_t seen = 0;
    for (std::size_t bin = 0; bin < bins; ++bin) {
        seen += m_bins[bin];
        if (seen >= std::max<std::uint64_t>(wanted, 1)) return static_cast<double>(bin + 1) / 10.0;
    }
    return static_cast<double>(bins) / 10.0;
}

StatsSummary PlaybackStats::summary() const {
    StatsSummary out = m_summary;
    out.jitter_p99_ms = m_jitter.quantile_ms(0.99);
    out.events_shown = m_events.count();
    out.event_to_pixel_p50_ms = m_events.quantile_ms(0.50);
    out.event_to_pixel_p99_ms = m_events.quantile_ms(0.99);
    out.rss_max_mb = peak_rss_mb();
    return out;
}

double peak_rss_mb() {
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line)) {
        if (!line.starts_with("VmHWM:")) continue;
        std::istringstream fields(line.substr(6));
        double kib = 0;
        fields >> kib;
        return kib / 1024.0;
    }
    return 0;
}

boost::json::object to_json(const StatsSummary& summary) {
    boost::json::object out;
    out["frames_presented"] = summary.frames_presented;
    out["frames_dropped"] = summary.frames_dropped;
    out["late_frames"] = summary.late_frames;
    out["jitter_p99_ms"] = summary.jitter_p99_ms;
    out["max_switch_gap_ms"] = summary.max_switch_gap_ms;
    out["blank_frames"] = summary.blank_frames;
    out["items_played"] = summary.items_played;
    out["items_failed"] = summary.items_failed;
    out["rss_max_mb"] = summary.rss_max_mb;
    out["events_shown"] = summary.events_shown;
    out["event_to_pixel_p50_ms"] = summary.event_to_pixel_p50_ms;
    out["event_to_pixel_p99_ms"] = summary.event_to_pixel_p99_ms;
    out["cpu_seconds"] = summary.cpu_seconds;
    return out;
}

Result<StatsWriter> StatsWriter::open(const std::filesystem::path& file) {
    std::ofstream out(file, std::ios::app);
    if (!out) return fail(Errc::io, "cannot open stats file {}: {}", file.string(), std::strerror(errno));
    return StatsWriter{std::move(out), file};
}

Result<void> StatsWriter::write(const StatsSummary& summary, bool final) {
    auto json = to_json(summary);
    json["final"] = final;
    m_out << boost::json::serialize(json) << '\n';
    m_out.flush();
    if (!m_out) return fail(Errc::io, "cannot write stats file {}", m_file.string());
    return {};
}

}  // namespace dwell::player
