// The live feed: the hub's WebSocket for this screen (GET /v1/devices/{id}/feed?after=SEQ),
// relayed to the player in seq order.
//
// Join, takeover, takeover_end and manifest events are history: each has the next seq, is
// forwarded once, and its seq is stored in state.db after it went to the player, so a restart or a
// reconnect resumes right after it, with nothing missed and nothing repeated. Counter and snapshot
// events are state: they carry the seq of the history before them and are always forwarded. A
// snapshot with a newer seq than the last forwarded means the hub skipped history this screen was
// too far behind for; the manifest is pulled then, as one of the skipped events may have been a
// `manifest`.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "config/error.hpp"
#include "content/device_state.hpp"
#include "sync/agent/content_sync.hpp"
#include "sync/agent/metrics.hpp"
#include "sync/agent/player_link.hpp"
#include "sync/net/websocket_client.hpp"

namespace dwell::sync::agent {

class FeedRelay {
  public:
    // `state`, `player` and `metrics` must outlive this. `pull_manifest` is called for a
    // `manifest` event and after a gap.
    FeedRelay(HubAccess access, content::DeviceState& state, PlayerLink& player, AgentMetrics& metrics,
              std::function<void()> pull_manifest, net::WebSocketOptions options = {});

    // One connection: connects after the stored seq and relays until the connection ends, which
    // it always does with an error saying why. `received` is set once an event arrived.
    boost::asio::awaitable<Result<void>> session(bool& received);

    // Handles one message of the feed; public for tests.
    void handle(std::string_view message);

  private:
    void remember(std::uint64_t seq);

    HubAccess m_access;
    content::DeviceState& m_state;
    PlayerLink& m_player;
    AgentMetrics& m_metrics;
    std::function<void()> m_pull_manifest;
    net::WebSocketOptions m_options;
    std::uint64_t m_last = 0;  // the last history seq forwarded (stored in state.db)
};

}  // namespace dwell::sync::agent
