// Presentation statistics: what `--stats-json` reports and what the benchmarks read. Memory stays
// bounded however long the player runs (jitter goes into a fixed histogram, not a list).
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include <boost/json/object.hpp>

#include "config/error.hpp"

namespace dwell::player {

using SteadyTime = std::chrono::steady_clock::time_point;

// What the main zone showed in a presented frame.
enum class ZoneContent { item, fallback, takeover, blank };

struct StatsOptions {
    // A frame presented later than this after its due time counts as late.
    std::chrono::microseconds late_after{std::chrono::milliseconds{8}};
};

struct StatsSummary {
    std::uint64_t frames_presented = 0;
    std::uint64_t frames_dropped = 0;
    std::uint64_t late_frames = 0;
    std::uint64_t blank_frames = 0;
    std::uint64_t items_played = 0;
    std::uint64_t items_failed = 0;
    double jitter_p99_ms = 0;
    double max_switch_gap_ms = 0;
    double rss_max_mb = 0;
    std::uint64_t events_shown = 0;  // live events whose effect was presented
    double event_to_pixel_p50_ms = 0;
    double event_to_pixel_p99_ms = 0;
    double cpu_seconds = 0;  // filled in by the caller, which knows whose CPU time counts
};

// Durations counted in 0.1 ms bins up to 1 s (the last bin holds everything longer): quantiles
// with fixed memory however long the player runs.
class LatencyHistogram {
  public:
    void add(std::chrono::microseconds value);
    [[nodiscard]] std::uint64_t count() const { return m_count; }
    // Reported at the bin's upper edge, so the figure never flatters; 0 when empty.
    [[nodiscard]] double quantile_ms(double quantile) const;

  private:
    static constexpr std::size_t bins = 10'001;
    std::array<std::uint64_t, bins> m_bins{};
    std::uint64_t m_count = 0;
};

class PlaybackStats {
  public:
    explicit PlaybackStats(StatsOptions options = {}) : m_options(options) {}

    // A frame that was due at `due` on the PTS schedule and reached the screen at `presented`.
    void frame_presented(SteadyTime due, SteadyTime presented, ZoneContent content);
    // A decoded frame skipped because its time had passed.
    void frame_dropped() { ++m_summary.frames_dropped; }
    void item_played() { ++m_summary.items_played; }
    void item_failed() { ++m_summary.items_failed; }
    // Time from the last frame of one item to the first frame of the next.
    void switch_gap(std::chrono::microseconds gap);
    // From when the hub made a live event to when a frame showing it was presented.
    void event_presented(std::chrono::microseconds latency) { m_events.add(latency); }

    // Figures so far; rss_max_mb is the process's peak resident set (VmHWM).
    [[nodiscard]] StatsSummary summary() const;
    // The plain counts so far (frames, items), without the quantiles and the peak resident set
    // summary() works out: cheap enough for the render loop.
    [[nodiscard]] const StatsSummary& counts() const { return m_summary; }

  private:
    StatsOptions m_options;
    StatsSummary m_summary;
    LatencyHistogram m_jitter;  // |presented - due|
    LatencyHistogram m_events;
};

// Peak resident set size of this process in MiB (VmHWM in /proc/self/status); 0 when unknown.
double peak_rss_mb();

boost::json::object to_json(const StatsSummary& summary);

// Appends one JSON object per line; each line is flushed so a reader sees it at once.
class StatsWriter {
  public:
    static Result<StatsWriter> open(const std::filesystem::path& file);
    Result<void> write(const StatsSummary& summary, bool final);

  private:
    explicit StatsWriter(std::ofstream out, std::filesystem::path file)
        : m_out(std::move(out)), m_file(std::move(file)) {}
    std::ofstream m_out;
    std::filesystem::path m_file;
};

}  // namespace dwell::player
