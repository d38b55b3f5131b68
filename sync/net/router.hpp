// Routes of an HTTP server: path patterns with {param} segments, and the three ways a route takes
// a request: with its body read into memory, streaming its body, or upgrading to a WebSocket.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "config/error.hpp"
#include "sync/net/http.hpp"

namespace dwell::sync::net {

namespace asio = boost::asio;

// Query parameters, percent-decoded, in arrival order.
using Query = std::vector<std::pair<std::string, std::string>>;

// One request as a route sees it.
struct Exchange {
    Request& request;                 // a streamed route's body is empty: it reads the body itself
    std::vector<std::string> params;  // the pattern's {param} segments, percent-decoded, in order
    Query query;
    asio::ip::tcp::endpoint remote;

    // The value of a parameter given once; nullopt when absent. `repeated` is set when it appears
    // more than once, which callers refuse rather than guess which one was meant.
    [[nodiscard]] std::optional<std::string_view> query_value(std::string_view name,
                                                              bool* repeated = nullptr) const;
};

// The body of a streamed request, read piece by piece (an asset upload of gigabytes).
class BodyReader {
  public:
    virtual ~BodyReader() = default;
    // Up to buffer.size() bytes; 0 once the body is complete. Errors: the client went away, was
    // too slow, or sent more than the route's limit (Errc::quota).
    virtual asio::awaitable<Result<std::size_t>> read(std::span<char> buffer) = 0;
    [[nodiscard]] virtual std::optional<std::uint64_t> content_length() const = 0;
};

// The server's end of one WebSocket, for the handler that owns the conversation. Every method
// may be called from any thread.
class WebSocketChannel {
  public:
    virtual ~WebSocketChannel() = default;
    // Queues a text message. When the peer falls too far behind (the queue is bounded), the
    // connection is closed instead, so one slow screen cannot hold the hub's memory.
    virtual void send(std::shared_ptr<const std::string> text) = 0;
    // Sends a close frame with the reason and ends the connection.
    virtual void close(std::string reason) = 0;
    // The strand the handler's callbacks run on; post onto it to run beside them.
    [[nodiscard]] virtual asio::any_io_executor executor() const = 0;
};

// The route's side of an accepted WebSocket. Callbacks run one at a time on the channel's strand.
class WebSocketHandler {
  public:
    virtual ~WebSocketHandler() = default;
    virtual void on_open(std::shared_ptr<WebSocketChannel> channel) = 0;
    virtual void on_text(std::string_view message) = 0;
    // The connection ended, for whatever reason; the channel must not be used any more.
    virtual void on_close() = 0;
};

// An upgrade route answers with a handler (the WebSocket is accepted) or a refusal.
struct Upgrade {
    std::shared_ptr<WebSocketHandler> handler;
    std::optional<StringResponse> refusal;
};

using BufferedHandler = std::function<asio::awaitable<Reply>(Exchange&)>;
// A reply that is ready at once, for handlers that do not wait on anything.
inline asio::awaitable<Reply> ready(Reply reply) {
    co_return reply;
}
using StreamedHandler = std::function<asio::awaitable<Reply>(Exchange&, BodyReader&)>;
using UpgradeHandler = std::function<Upgrade(Exchange&)>;

struct Route {
    std::string name;  // for logs and metrics, e.g. "campaigns.put"
    std::variant<BufferedHandler, StreamedHandler, UpgradeHandler> handler;
    std::optional<std::uint64_t> body_limit;  // instead of the server's, e.g. for uploads
};

class Router {
  public:
    // `pattern` is a path of literal and {param} segments: "/v1/campaigns/{id}". A pattern with
    // a {param} never shadows a literal at the same place: "/v1/x/new" beats "/v1/x/{id}".
    void add(http::verb method, std::string_view pattern, Route route);

    struct Match {
        const Route* route = nullptr;     // null: no route
        std::vector<std::string> params;  // when route is set
        std::vector<http::verb> allowed;  // the path exists with these methods (405), when route is null
    };
    // `segments` are the request path's decoded segments ("/v1/a" → {"v1", "a"}).
    [[nodiscard]] Match find(http::verb method, std::span<const std::string> segments) const;

  private:
    struct Entry {
        http::verb method;
        std::vector<std::string> pattern;  // "{}" marks a parameter
        Route route;
    };
    std::vector<Entry> m_entries;
};

// The decoded path segments and query of a request target ("/v1/a%20b?x=1"); nullopt when the
// target is not an origin-form URL.
struct Target {
    std::vector<std::string> segments;
    Query query;
};
std::optional<Target> parse_target(std::string_view target);

}  // namespace dwell::sync::net
