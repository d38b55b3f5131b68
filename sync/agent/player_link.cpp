#include "sync/agent/player_link.hpp"

#include <algorithm>
#include <array>
#include <system_error>
#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "sync/agent/log.hpp"

namespace dwell::sync::agent {

namespace asio = boost::asio;
using local = asio::local::stream_protocol;

// ---- ScreenState ----------------------------------------------------------------------------

void ScreenState::set_counter(const std::string& campaign, std::uint64_t screen_count,
                              std::uint64_t campaign_count) {
    auto& counters = m_state.counters;
    const auto found =
        std::find_if(counters.begin(), counters.end(),
                     [&](const content::CounterEvent& counter) { return counter.campaign == campaign; });
    if (found == counters.end())
        counters.push_back(content::CounterEvent{campaign, screen_count, campaign_count});
    else
        *found = content::CounterEvent{campaign, screen_count, campaign_count};
}

void ScreenState::apply(const content::LiveEvent& event) {
    m_known = true;
    m_seq = std::max(m_seq, event.seq);
    m_at = event.at;
    std::visit(
        [&](const auto& body) {
            using Body = std::decay_t<decltype(body)>;
            if constexpr (std::is_same_v<Body, content::JoinEvent>)
                set_counter(body.campaign, body.screen_count, body.campaign_count);
            else if constexpr (std::is_same_v<Body, content::CounterEvent>)
                set_counter(body.campaign, body.screen_count, body.campaign_count);
            else if constexpr (std::is_same_v<Body, content::TakeoverEvent>)
                m_state.takeover = body;
            else if constexpr (std::is_same_v<Body, content::TakeoverEndEvent>) {
                if (m_state.takeover && m_state.takeover->id == body.id) m_state.takeover.reset();
            } else if constexpr (std::is_same_v<Body, content::SnapshotEvent>)
                m_state = body;
        },
        event.body);
}

content::LiveEvent ScreenState::snapshot() const {
    return content::LiveEvent{m_seq, m_at, m_state};
}

// ---- PlayerLink -----------------------------------------------------------------------------

struct PlayerLink::Connection {
    explicit Connection(local::socket socket_) : socket(std::move(socket_)) {}
    local::socket socket;
    std::deque<std::string> queue;
    std::size_t pending = 0;  // bytes in queue
    bool writing = false;
    bool closed = false;
    std::array<char, 4096> incoming{};
    std::string partial;  // the start of a line from the player
};

PlayerLink::PlayerLink(local::acceptor acceptor, std::filesystem::path socket, AgentMetrics& metrics)
    : m_acceptor(std::move(acceptor)), m_socket(std::move(socket)), m_metrics(metrics) {}

PlayerLink::~PlayerLink() {
    if (m_connection) drop(m_connection, "the agent is stopping");
    boost::system::error_code ignored;
    m_acceptor.close(ignored);
    std::error_code removed;
    std::filesystem::remove(m_socket, removed);
}

Result<std::unique_ptr<PlayerLink>> PlayerLink::open(asio::any_io_executor executor,
                                                     std::filesystem::path socket, AgentMetrics& metrics) {
    if (socket.native().size() >= sizeof(sockaddr_un{}.sun_path))
        return fail(Errc::invalid_input,
                    "the player socket path {} is longer than a unix socket allows ({} bytes)",
                    socket.string(), sizeof(sockaddr_un{}.sun_path) - 1);
    // A file left by an earlier run (killed, or power lost) would make bind fail.
    std::error_code removed;
    if (std::filesystem::is_socket(socket, removed)) std::filesystem::remove(socket, removed);
    local::acceptor acceptor{executor};
    boost::system::error_code error;
    acceptor.open(local{}, error);
    if (!error) acceptor.bind(local::endpoint{socket.string()}, error);
    if (!error) acceptor.listen(4, error);
    if (error)
        return fail(Errc::io, "cannot listen for the player at {}: {}", socket.string(), error.message());
    return std::unique_ptr<PlayerLink>{new PlayerLink(std::move(acceptor), std::move(socket), metrics)};
}

asio::awaitable<void> PlayerLink::accept_loop() {
    for (;;) {
        auto [error, socket] = co_await m_acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
        if (error == asio::error::operation_aborted || !m_acceptor.is_open()) co_return;
        if (error) {
            // Out of file descriptors, say: wait a little rather than spin on the error.
            log()->warn("accepting the player at {} failed: {}", m_socket.string(), error.message());
            asio::steady_timer pause{m_acceptor.get_executor(), std::chrono::milliseconds{500}};
            co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
            continue;
        }
        attach(std::move(socket));
    }
}

void PlayerLink::attach(local::socket socket) {
    if (m_connection) drop(m_connection, "a new player connected");
    auto connection = std::make_shared<Connection>(std::move(socket));
    m_connection = connection;
    m_metrics.player_connected = 1;
    ++m_metrics.player_connects;
    log()->info("the player connected to {}", m_socket.string());
    if (m_state.known()) send(connection, content::to_json_line(m_state.snapshot()));
    watch(connection);
}

void PlayerLink::forward(const content::LiveEvent& event) {
    m_state.apply(event);
    if (m_connection) {
        send(m_connection, content::to_json_line(event));
    } else if (const auto* screenshot = std::get_if<content::ScreenshotEvent>(&event.body);
               screenshot && m_on_screenshot) {
        m_on_screenshot(screenshot->id, "no player is running on this screen to take it");
    }
}

void PlayerLink::send(const std::shared_ptr<Connection>& connection, std::string line) {
    if (connection->pending + line.size() > max_pending) {
        ++m_metrics.player_dropped;
        drop(connection, "it stopped reading its events");
        return;
    }
    connection->pending += line.size();
    connection->queue.push_back(std::move(line));
    if (!connection->writing) write_next(connection);
}

void PlayerLink::write_next(const std::shared_ptr<Connection>& connection) {
    if (connection->closed || connection->queue.empty()) {
        connection->writing = false;
        return;
    }
    connection->writing = true;
    asio::async_write(connection->socket, asio::buffer(connection->queue.front()),
                      [this, connection](const boost::system::error_code& error, std::size_t) {
                          if (connection->closed) return;
                          if (error) {
                              drop(connection, error.message());
                              return;
                          }
                          connection->pending -= connection->queue.front().size();
                          connection->queue.pop_front();
                          ++m_metrics.player_lines;
                          write_next(connection);
                      });
}

// Lines from the player; a read that ends also tells the connection is gone when no event is
// being written.
void PlayerLink::watch(const std::shared_ptr<Connection>& connection) {
    connection->socket.async_read_some(
        asio::buffer(connection->incoming),
        [this, connection](const boost::system::error_code& error, std::size_t got) {
            if (connection->closed) return;
            if (error) {
                drop(connection, error == asio::error::eof ? "it disconnected" : error.message());
                return;
            }
            auto& partial = connection->partial;
            partial.append(connection->incoming.data(), got);
            std::size_t start = 0;
            for (auto end = partial.find('\n'); end != std::string::npos; end = partial.find('\n', start)) {
                take_line(std::string_view{partial}.substr(start, end - start));
                start = end + 1;
            }
            partial.erase(0, start);
            if (partial.size() > max_line) {
                drop(connection, "it sent a line longer than 64 KiB");
                return;
            }
            watch(connection);
        });
}

void PlayerLink::take_line(std::string_view line) {
    if (line.empty()) return;
    auto report = content::parse_player_report(line);
    if (!report) {
        log()->warn("ignoring a line from the player: {}", report.error().message);
        return;
    }
    if (auto* status = std::get_if<content::PlayerStatus>(&*report)) {
        m_status = std::move(*status);
        m_status_at = std::chrono::steady_clock::now();
    } else if (const auto* screenshot = std::get_if<content::ScreenshotReady>(&*report); m_on_screenshot) {
        m_on_screenshot(screenshot->id, std::nullopt);
    }
}

std::optional<content::PlayerStatus> PlayerLink::player_status(
    std::chrono::steady_clock::duration max_age) const {
    if (!m_status || std::chrono::steady_clock::now() - m_status_at > max_age) return std::nullopt;
    return m_status;
}

void PlayerLink::drop(const std::shared_ptr<Connection>& connection, std::string_view why) {
    if (connection->closed) return;
    connection->closed = true;
    boost::system::error_code ignored;
    connection->socket.shutdown(local::socket::shutdown_both, ignored);
    connection->socket.close(ignored);
    connection->queue.clear();
    if (m_connection == connection) {
        m_connection.reset();
        m_metrics.player_connected = 0;
    }
    log()->info("the player's connection ended: {}", why);
}

}  // namespace dwell::sync::agent
