#include "sync/net/websocket_client.hpp"

#include <optional>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <boost/beast/websocket/stream.hpp>

#include "sync/net/any_stream.hpp"
#include "sync/net/connect.hpp"

namespace dwell::sync::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;

namespace {

constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);

}  // namespace

struct WebSocketClient::Impl {
    Impl(AnyStream stream, std::unique_ptr<asio::ssl::context> tls_, std::string where_,
         std::chrono::milliseconds idle_)
        : tls(std::move(tls_)), ws(std::move(stream)), where(std::move(where_)), idle(idle_) {}

    std::unique_ptr<asio::ssl::context> tls;  // outlives the stream that uses it
    websocket::stream<AnyStream> ws;
    beast::flat_buffer buffer;
    std::string where;  // host:port, for messages
    std::chrono::milliseconds idle;
    bool silent = false;
};

WebSocketClient::WebSocketClient(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}

WebSocketClient::~WebSocketClient() = default;

asio::awaitable<Result<std::unique_ptr<WebSocketClient>>> WebSocketClient::connect(
    asio::any_io_executor executor, config::Url base, ClientOptions client, std::string target, Fields fields,
    WebSocketOptions options) {
    auto tls = client_tls(base, client);
    if (!tls) co_return fail(std::move(tls.error()));
    auto stream = co_await open_stream(executor, base, client, tls->get());
    if (!stream) co_return fail(std::move(stream.error()));
    const std::string where = fmt::format("{}:{}", base.host, base.port);
    auto impl = std::make_unique<Impl>(std::move(*stream), std::move(*tls), where, options.idle_timeout);
    auto& ws = impl->ws;
    // The WebSocket's own timers take over from the TCP layer's.
    ws.next_layer().tcp().expires_never();
    websocket::stream_base::timeout timeout{};
    timeout.handshake_timeout = client.timeout;
    timeout.idle_timeout = options.idle_timeout;
    timeout.keep_alive_pings = true;
    ws.set_option(timeout);
    ws.read_message_max(options.max_message);
    ws.set_option(
        websocket::stream_base::decorator([fields = std::move(fields)](websocket::request_type& request) {
            request.set(http::field::user_agent, "dwell");
            for (const auto& [name, value] : fields) request.insert(name, value);
        }));
    const std::string path = base.path.empty() || base.path == "/" ? target : base.path + target;
    websocket::response_type response;
    const std::string host = base.host;
    auto [error] = co_await ws.async_handshake(response, host, path, nothrow);
    if (error) {
        const unsigned status = response.result_int();
        if (status != 0 && status != 101) {
            StringResponse answer{response.result(), response.version()};
            answer.body() = response.body();
            const Errc code = status == 401 || status == 403 ? Errc::unauthorized : Errc::io;
            co_return fail(code, "{} refused the WebSocket at {} ({}): {}", where, target, status,
                           error_message(answer));
        }
        co_return fail(Errc::io, "the WebSocket handshake with {} failed: {}", where, error.message());
    }
    co_return std::unique_ptr<WebSocketClient>{new WebSocketClient(std::move(impl))};
}

asio::awaitable<Result<std::string>> WebSocketClient::read() {
    auto& impl = *m_impl;
    impl.buffer.clear();
    auto [error, _] = co_await impl.ws.async_read(impl.buffer, nothrow);
    if (error == websocket::error::closed) {
        const auto& reason = impl.ws.reason();
        co_return fail(Errc::io, "{} closed the WebSocket ({}{}{})", impl.where,
                       static_cast<unsigned>(reason.code), reason.reason.empty() ? "" : ": ",
                       std::string_view{reason.reason});
    }
    impl.silent = error == beast::error::timeout;
    if (impl.silent)
        co_return fail(Errc::io, "nothing came from {} for {} s, not even a pong; the connection is dead",
                       impl.where, std::chrono::duration_cast<std::chrono::seconds>(impl.idle).count());
    if (error)
        co_return fail(Errc::io, "reading the WebSocket from {} failed: {}", impl.where, error.message());
    if (!impl.ws.got_text())
        co_return fail(Errc::invalid_input, "{} sent a binary WebSocket message; text was expected",
                       impl.where);
    co_return beast::buffers_to_string(impl.buffer.cdata());
}

bool WebSocketClient::went_silent() const {
    return m_impl->silent;
}

asio::awaitable<void> WebSocketClient::close(std::string reason) {
    auto& ws = m_impl->ws;
    if (!ws.is_open()) co_return;
    const websocket::close_reason why{websocket::close_code::going_away, reason.substr(0, 120)};
    auto [error] = co_await ws.async_close(why, nothrow);
    (void)error;  // the connection ends either way
}

}  // namespace dwell::sync::net
