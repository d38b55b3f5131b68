#include "sync/agent/metrics.hpp"

#include <utility>

#include <fmt/format.h>

namespace dwell::sync::agent {
namespace {

template <class Value>
void series(std::string& out, std::string_view name, std::string_view type, std::string_view help,
            const std::atomic<Value>& value) {
    out += fmt::format("# HELP {0} {1}\n# TYPE {0} {2}\n{0} {3}\n", name, help, type,
                       value.load(std::memory_order_relaxed));
}

}  // namespace

std::string AgentMetrics::prometheus_text() const {
    std::string out;
    out +=
        "# HELP dwell_agent_manifest_pulls_total Manifest pulls by result.\n"
        "# TYPE dwell_agent_manifest_pulls_total counter\n";
    for (const auto& [result, count] :
         {std::pair{"changed", &manifest_pulls_changed}, std::pair{"unchanged", &manifest_pulls_unchanged},
          std::pair{"failed", &manifest_pulls_failed}})
        out += fmt::format("dwell_agent_manifest_pulls_total{{result=\"{}\"}} {}\n", result, count->load());
    series(out, "dwell_agent_assets_downloaded_total", "counter", "Assets downloaded and installed.",
           assets_downloaded);
    series(out, "dwell_agent_download_bytes_total", "counter", "Asset bytes received.", download_bytes);
    series(out, "dwell_agent_manifest_generation", "gauge", "Generation of the manifest in state.db.",
           manifest_generation);
    series(out, "dwell_agent_clock_offset_milliseconds", "gauge", "Hub time minus this box's time.",
           clock_offset_ms);
    series(out, "dwell_agent_feed_connected", "gauge", "1 while the live feed is connected.", feed_connected);
    series(out, "dwell_agent_feed_connects_total", "counter", "Live feed connections opened.", feed_connects);
    series(out, "dwell_agent_feed_dead_total", "counter", "Live feed connections that went silent.",
           feed_dead);
    series(out, "dwell_agent_feed_events_total", "counter", "Live events received.", feed_events);
    series(out, "dwell_agent_feed_bad_events_total", "counter", "Live feed messages that were not events.",
           feed_bad_events);
    series(out, "dwell_agent_feed_duplicates_total", "counter", "Live events already forwarded, skipped.",
           feed_duplicates);
    series(out, "dwell_agent_last_seq", "gauge", "Seq of the last live event forwarded.", last_seq);
    series(out, "dwell_agent_player_connected", "gauge", "1 while the player is connected.",
           player_connected);
    series(out, "dwell_agent_player_connects_total", "counter", "Player connections accepted.",
           player_connects);
    series(out, "dwell_agent_player_lines_total", "counter", "Event lines written to the player.",
           player_lines);
    series(out, "dwell_agent_player_dropped_total", "counter", "Players dropped for not reading.",
           player_dropped);
    series(out, "dwell_agent_records_shipped_total", "counter", "Records the hub acknowledged.",
           records_shipped);
    series(out, "dwell_agent_records_refused_total", "counter", "Records the hub refused as malformed.",
           records_refused);
    series(out, "dwell_agent_outbox_records", "gauge", "Records waiting in the outbox.", outbox_records);
    series(out, "dwell_agent_outbox_bytes", "gauge", "Bytes of records waiting in the outbox.", outbox_bytes);
    series(out, "dwell_agent_health_records_total", "counter", "Health records added to the outbox.",
           health_records);
    series(out, "dwell_agent_screenshots_sent_total", "counter",
           "Screenshots (or why one could not be taken) the hub took.", screenshots_sent);
    return out;
}

}  // namespace dwell::sync::agent
