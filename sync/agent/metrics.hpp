// What the agent counts, served as Prometheus text on its loopback /metrics. The agent's thread
// updates the counters; the metrics server's thread reads them, so each is atomic on its own.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

namespace dwell::sync::agent {

struct AgentMetrics {
    using Counter = std::atomic<std::uint64_t>;
    using Gauge = std::atomic<std::int64_t>;

    // Content.
    Counter manifest_pulls_changed{0};
    Counter manifest_pulls_unchanged{0};
    Counter manifest_pulls_failed{0};
    Counter assets_downloaded{0};
    Counter download_bytes{0};
    Gauge manifest_generation{0};
    Gauge clock_offset_ms{0};

    // Live feed.
    Gauge feed_connected{0};
    Counter feed_connects{0};
    Counter feed_dead{0};  // connections that went silent and were given up
    Counter feed_events{0};
    Counter feed_bad_events{0};
    Counter feed_duplicates{0};
    Gauge last_seq{0};
    Gauge player_connected{0};
    Counter player_connects{0};
    Counter player_lines{0};
    Counter player_dropped{0};  // players dropped for not reading

    // Outbox.
    Counter records_shipped{0};
    Counter records_refused{0};
    Gauge outbox_records{0};
    Gauge outbox_bytes{0};
    Counter health_records{0};
    Counter screenshots_sent{0};

    [[nodiscard]] std::string prometheus_text() const;
};

}  // namespace dwell::sync::agent
