// The live feed: one WebSocket per screen (GET /v1/devices/{id}/feed?after=SEQ). Committed events
// reach every connected session of their screen in seq order; a session that connects with
// after=SEQ first gets what it missed from the events table, and one that cannot be caught up
// (no after, events already pruned, or a seq the hub never issued) gets a `snapshot` instead.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
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

class Feed final : public EventSink {
  public:
    Feed(StorePool& readers, CatalogHolder& catalog, JoinTotals& totals, const config::Clock& clock,
         Metrics* metrics);

    // The last committed seq of every screen, before any session connects.
    void set_seqs(const std::map<std::string, std::uint64_t>& seqs);

    // EventSink: called by the writer after each commit.
    void publish(std::span<const EmittedEvent> events) override;

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

    mutable std::mutex m_mutex;  // guards m_sessions and m_seqs
    std::unordered_map<std::string, std::vector<std::shared_ptr<FeedSession>>> m_sessions;
    std::unordered_map<std::string, std::uint64_t> m_seqs;
};

}  // namespace dwell::sync::hub
