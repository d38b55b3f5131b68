// An HTTP/1.1 and WebSocket server on Boost.Beast: N threads on one io_context, one strand per
// connection, optional TLS, a timeout on every read, a body limit on every request, TCP_NODELAY on
// every socket, and a graceful stop that lets requests in progress finish.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "config/config_file.hpp"
#include "config/error.hpp"
#include "config/hub_config.hpp"
#include "sync/net/router.hpp"

namespace boost::asio::ssl {
class context;
}

namespace dwell::sync::net {

struct ServerOptions {
    config::Endpoint listen{"127.0.0.1", 0};
    unsigned threads = 2;
    std::optional<config::TlsOptions> tls;  // plain HTTP when absent
    std::uint64_t body_limit = 1ULL << 20;  // for routes without a limit of their own
    std::size_t header_limit = 16 * 1024;
    // The longest wait for a request's header, a buffered body, one piece of a streamed body, the
    // next request on a kept-alive connection, or a response to be taken by the client.
    std::chrono::milliseconds request_timeout{30'000};
    std::size_t max_connections = 20'000;  // more are closed right after accepting
    std::chrono::milliseconds drain_timeout{10'000};
    std::string server_name = "dwell";
};

// What the server tells about its traffic, for metrics. Called from the server's threads.
class ServerObserver {
  public:
    virtual ~ServerObserver() = default;
    // A response was sent; `route` is the route's name, or "" when no route matched.
    virtual void on_response(std::string_view route, unsigned status) = 0;
    // The number of open connections changed by +1 or -1; `websocket` for upgraded ones.
    virtual void on_connection(int delta, bool websocket) = 0;
};

class Connection;

class Server {
  public:
    // Binds the listening socket, so local_endpoint() is known (also for port 0), but accepts
    // nothing until start(). Errors: the address is in use or not local, the TLS files do not load.
    static Result<std::unique_ptr<Server>> create(ServerOptions options, std::shared_ptr<const Router> router,
                                                  ServerObserver* observer = nullptr);
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;
    ~Server();

    [[nodiscard]] config::Endpoint local_endpoint() const;
    [[nodiscard]] bool uses_tls() const { return m_tls != nullptr; }
    // For the owner's timers; its threads are the server's.
    [[nodiscard]] asio::io_context& context() { return m_context; }

    // Starts the threads and accepting.
    void start();
    // Stops accepting, ends idle connections and WebSockets, lets requests in progress finish for
    // up to drain_timeout, then stops the threads. Idempotent; not from a server thread.
    void stop();

    // Used by connections.
    [[nodiscard]] bool draining() const { return m_draining.load(std::memory_order_acquire); }
    void forget(Connection* connection);

  private:
    Server(ServerOptions options, std::shared_ptr<const Router> router, ServerObserver* observer);
    asio::awaitable<void> accept_loop();

    // Declared before m_context: connections that the context destroys still reach them.
    ServerOptions m_options;
    std::shared_ptr<const Router> m_router;
    ServerObserver* m_observer;
    std::unique_ptr<asio::ssl::context> m_tls;
    // m_mutex guards m_connections and m_stopped; m_drained is signalled when m_connections empties.
    std::mutex m_mutex;
    std::condition_variable m_drained;
    std::unordered_map<Connection*, std::weak_ptr<Connection>> m_connections;
    bool m_stopped = false;

    asio::io_context m_context;
    asio::ip::tcp::acceptor m_acceptor;
    std::vector<std::thread> m_threads;
    std::atomic<bool> m_draining{false};
    bool m_started = false;
};

}  // namespace dwell::sync::net
