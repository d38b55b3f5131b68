// The live feed: one WebSocket per screen (GET /v1/devices/{id}/feed?after=SEQ).
//
// History and state travel differently. History (join, takeover, takeover_end, manifest) is
// stored with a per-screen seq and reaches every connected session in seq order; a session that
// connects with after=SEQ first gets what it missed from the events table. State (counter,
// snapshot) is sent, not stored: a `counter` carries a campaign's totals at most once per
// interval to each connected screen showing it, and every connection starts with, or after its
// catch-up ends with, a `snapshot` of the screen's counters and takeover. State events carry the
// seq of the last history event before them, so seqs never go back and resuming stays exact; a
// screen that was away learns the totals from its snapshot instead of from every counter it missed.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "config/clock.hpp"
#include "sync/hub/catalog.hpp"
#include "sync/hub/store.hpp"
#include "sync/hub/writer.hpp"
#include "sync/net/router.hpp"

namespace dwell::sync::hub {

class Metrics;
class FeedSession;

struct FeedOptions {
    std::chrono::milliseconds counter_interval{250};  // at most one counter per screen this often
    // A screen further behind resumes from a snapshot instead: replaying hours of join toasts helps
    // no one, and a WebSocket holds at most 4,096 unsent messages.
    std::uint64_t max_catch_up = 1000;
};

class Feed final : public EventSink {
  public:
    Feed(StorePool& readers, CatalogHolder& catalog, JoinTotals& totals, const config::Clock& clock,
         Metrics* metrics, FeedOptions options = {});

    [[nodiscard]] const FeedOptions& options() const { return m_options; }

    // The last committed seq of every screen, before any session connects.
    void set_seqs(const std::map<std::string, std::uint64_t>& seqs);

    // EventSink: called by the writer after each commit.
    void publish(std::span<const EmittedEvent> events) override;
    void recounted(std::span<const std::string> campaigns) override;

    // Sends the counters that are due, one per connected screen at most: call it every
    // counter_interval. A screen showing several recounted campaigns gets them in turns.
    void send_counters();

    // The WebSocket handler for one connection of a screen; `after` absent asks for a snapshot.
    std::shared_ptr<net::WebSocketHandler> session(std::string screen, std::optional<std::uint64_t> after);

    [[nodiscard]] bool online(std::string_view screen) const;
    [[nodiscard]] std::uint64_t last_seq(std::string_view screen) const;

    // The snapshot event a screen gets when it cannot be caught up event by event.
    [[nodiscard]] content::LiveEvent snapshot(std::string_view screen, std::uint64_t seq) const;

  private:
    friend class FeedSession;
    // Registers a session and returns the screen's last committed seq: everything up to it is in
    // the events table, everything after reaches the session through deliver().
    std::uint64_t attach(const std::shared_ptr<FeedSession>& session);
    void detach(const FeedSession* session);

    StorePool& m_readers;
    CatalogHolder& m_catalog;
    JoinTotals& m_totals;
    const config::Clock& m_clock;
    Metrics* m_metrics;
    FeedOptions m_options;

    mutable std::mutex m_mutex;  // guards the fields below
    std::unordered_map<std::string, std::vector<std::shared_ptr<FeedSession>>> m_sessions;
    std::unordered_map<std::string, std::uint64_t> m_seqs;
    std::set<std::string> m_recounted;                            // since the last send_counters
    std::map<std::string, std::set<std::string>> m_counters_due;  // screen → campaigns
};

}  // namespace dwell::sync::hub
