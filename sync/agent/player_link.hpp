// The agent's end of the player's socket (DESIGN §5): a unix stream socket at
// state_dir/player.sock where the agent listens and the player connects, carrying live events as
// newline-delimited JSON in seq order. One player at a time: a new connection replaces the old.
//
// The screen's state (counters and the takeover) is folded from every event, so a player that
// connects, or reconnects after a crash, first gets a snapshot of it and then the live events: it
// never shows stale totals or misses a takeover that began while it was away. A player that stops
// reading is dropped once max_pending bytes wait for it; it reconnects to a fresh snapshot.
//
// The player writes its status back (content/player_status.hpp) every few seconds; the latest is
// kept for the screen's health records. It also says when a screenshot is in the screenshot folder.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/local/stream_protocol.hpp>

#include "config/error.hpp"
#include "content/player_status.hpp"
#include "content/records.hpp"
#include "sync/agent/metrics.hpp"

namespace dwell::sync::agent {

// Counters and takeover as the events so far leave them.
class ScreenState {
  public:
    void apply(const content::LiveEvent& event);
    // A snapshot event of the state, with the seq and time of the last event applied.
    [[nodiscard]] content::LiveEvent snapshot() const;
    [[nodiscard]] bool known() const { return m_known; }

  private:
    void set_counter(const std::string& campaign, std::uint64_t screen_count, std::uint64_t campaign_count);

    bool m_known = false;  // an event was applied
    std::uint64_t m_seq = 0;
    config::WallTime m_at{};
    content::SnapshotEvent m_state;
};

class PlayerLink {
  public:
    static constexpr std::size_t max_pending = 1 << 20;
    static constexpr std::size_t max_line = 64 * 1024;

    // Listens at `socket`, replacing a file left there by an earlier run. Errors name the path.
    static Result<std::unique_ptr<PlayerLink>> open(boost::asio::any_io_executor executor,
                                                    std::filesystem::path socket, AgentMetrics& metrics);
    PlayerLink(const PlayerLink&) = delete;
    PlayerLink& operator=(const PlayerLink&) = delete;
    ~PlayerLink();  // closes the player's connection and removes the socket file

    // Called with a screenshot request's id when its answer is in the screenshot folder, or with
    // the reason it cannot be taken (no player to forward the request to).
    using ScreenshotHandler = std::function<void(const std::string& id, std::optional<std::string> failure)>;
    void on_screenshot(ScreenshotHandler handler) { m_on_screenshot = std::move(handler); }

    // Accepts players until the executor stops.
    boost::asio::awaitable<void> accept_loop();
    // Folds the event into the screen's state and writes it to the player, when one is connected.
    void forward(const content::LiveEvent& event);
    [[nodiscard]] bool connected() const { return m_connection != nullptr; }
    // The player's latest status, when one came within `max_age`.
    [[nodiscard]] std::optional<content::PlayerStatus> player_status(
        std::chrono::steady_clock::duration max_age) const;

  private:
    struct Connection;
    PlayerLink(boost::asio::local::stream_protocol::acceptor acceptor, std::filesystem::path socket,
               AgentMetrics& metrics);
    void attach(boost::asio::local::stream_protocol::socket socket);
    void send(const std::shared_ptr<Connection>& connection, std::string line);
    void write_next(const std::shared_ptr<Connection>& connection);
    void watch(const std::shared_ptr<Connection>& connection);
    void drop(const std::shared_ptr<Connection>& connection, std::string_view why);
    void take_line(std::string_view line);

    boost::asio::local::stream_protocol::acceptor m_acceptor;
    std::filesystem::path m_socket;
    AgentMetrics& m_metrics;
    ScreenState m_state;
    std::shared_ptr<Connection> m_connection;
    std::optional<content::PlayerStatus> m_status;
    std::chrono::steady_clock::time_point m_status_at{};
    ScreenshotHandler m_on_screenshot;
};

}  // namespace dwell::sync::agent
