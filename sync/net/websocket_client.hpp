// A WebSocket client on Beast for coroutines on the caller's executor: ws:// or wss:// after the
// hub URL's scheme, text messages in, a bounded handshake, and a connection that goes silent
// detected by pings: after idle_timeout / 2 without a frame a ping goes out, and when nothing at
// all arrived by idle_timeout the read fails. A stalled network is noticed, not waited on forever.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "config/config_file.hpp"
#include "config/error.hpp"
#include "sync/net/client.hpp"

namespace dwell::sync::net {

struct WebSocketOptions {
    std::chrono::milliseconds idle_timeout{20'000};
    std::size_t max_message = 1 << 20;  // a longer message ends the connection
};

class WebSocketClient {
  public:
    // Connects to `target` on the hub at `base` and upgrades. A refused upgrade is an error that
    // carries the HTTP status and the server's message (Errc::unauthorized for 401 and 403).
    static boost::asio::awaitable<Result<std::unique_ptr<WebSocketClient>>> connect(
        boost::asio::any_io_executor executor, config::Url base, ClientOptions client, std::string target,
        Fields fields, WebSocketOptions options = {});
    WebSocketClient(const WebSocketClient&) = delete;
    WebSocketClient& operator=(const WebSocketClient&) = delete;
    ~WebSocketClient();

    // The next text message. Errors (Errc::io) say why the connection ended: the server closed it
    // (with its reason), it failed, or it went silent for idle_timeout.
    [[nodiscard]] boost::asio::awaitable<Result<std::string>> read();
    // Whether the last read() failed because nothing came for idle_timeout.
    [[nodiscard]] bool went_silent() const;
    // Sends a close frame and waits briefly for the server's; the connection is unusable after.
    [[nodiscard]] boost::asio::awaitable<void> close(std::string reason);

  private:
    struct Impl;
    explicit WebSocketClient(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m_impl;
};

}  // namespace dwell::sync::net
