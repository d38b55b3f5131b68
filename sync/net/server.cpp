#include "sync/net/server.hpp"

#include <deque>
#include <exception>
#include <type_traits>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <boost/beast/websocket/stream.hpp>

#include "config/log.hpp"
#include "config/service.hpp"
#include "sync/net/any_stream.hpp"
#include "sync/net/http_date.hpp"

namespace dwell::sync::net {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

namespace {

constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t max_queued_messages = 4096;   // per WebSocket, before the peer counts as stuck
constexpr std::chrono::seconds websocket_idle{30};  // a ping at half of it; no answer by then: dead
constexpr std::string_view stopping_reason = "the hub is stopping; reconnect shortly";

std::shared_ptr<spdlog::logger> log() {
    static const auto logger = config::logger("net");
    return logger;
}

}  // namespace

// A connection as the server's registry sees it: something to end when the server stops.
class Connection {
  public:
    virtual ~Connection() = default;
    // Ends the connection when it is idle, or once the exchange in progress is answered.
    virtual void shutdown() = 0;
};

namespace {

// The Date field of responses (clients with no clock of their own set theirs by it), formatted once
// a second per thread.
std::string_view date_now() {
    thread_local std::int64_t formatted_second = -1;
    thread_local std::string text;
    const auto now =
        std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
    const std::int64_t second = std::chrono::floor<std::chrono::seconds>(now).time_since_epoch().count();
    if (second != formatted_second) {
        text = http_date(now);
        formatted_second = second;
    }
    return text;
}

// ---- WebSocket -----------------------------------------------------------------------------

class WebSocketConnection final : public WebSocketChannel,
                                  public std::enable_shared_from_this<WebSocketConnection> {
  public:
    WebSocketConnection(AnyStream stream, std::shared_ptr<WebSocketHandler> handler, std::string server_name)
        : m_ws(std::move(stream)),
          m_executor(m_ws.get_executor()),
          m_handler(std::move(handler)),
          m_server_name(std::move(server_name)) {}

    // Accepts the upgrade and runs the conversation until either side ends it.
    asio::awaitable<void> run(Request& request, beast::flat_buffer& pending) {
        m_ws.next_layer().tcp().expires_never();
        websocket::stream_base::timeout timeout{};
        timeout.handshake_timeout = std::chrono::seconds{10};
        timeout.idle_timeout = websocket_idle;
        timeout.keep_alive_pings = true;
        m_ws.set_option(timeout);
        m_ws.set_option(
            websocket::stream_base::decorator([name = m_server_name](websocket::response_type& response) {
                response.set(http::field::server, name);
            }));
        m_ws.read_message_max(64 * 1024);
        // Bytes the HTTP reader took beyond the request belong to the WebSocket.
        if (pending.size() > 0) {
            // A client must wait for the handshake response before sending frames; anything
            // already here is a protocol error, so it is dropped with the connection below.
            pending.consume(pending.size());
        }
        auto [accept_error] = co_await m_ws.async_accept(request, nothrow);
        if (accept_error) {
            log()->debug("a WebSocket handshake failed: {}", accept_error.message());
            co_return;
        }
        m_open = true;
        // on_close() follows on_open() whatever happens, so a handler never stays registered.
        if (handled("opening", [&] { m_handler->on_open(this->shared_from_this()); })) {
            if (m_close_requested) begin_close(*m_close_requested);  // the server began to stop
            beast::flat_buffer buffer;
            for (;;) {
                auto [error, size] = co_await m_ws.async_read(buffer, nothrow);
                if (error) break;
                if (m_ws.got_text()) {
                    const auto data = buffer.cdata();
                    const std::string_view text{static_cast<const char*>(data.data()), data.size()};
                    if (!handled("reading", [&] { m_handler->on_text(text); })) break;
                }
                buffer.consume(buffer.size());
            }
        }
        m_open = false;
        drop_queued();
        handled("closing", [&] { m_handler->on_close(); });
    }

    void send(std::shared_ptr<const std::string> text) override {
        asio::post(m_executor, [self = this->shared_from_this(), text = std::move(text)]() mutable {
            if (!self->m_open || self->m_closing) return;
            if (self->m_queue.size() >= max_queued_messages) {
                log()->warn("a WebSocket peer fell {} messages behind; closing it so it resumes later",
                            self->m_queue.size());
                self->drop_queued();
                self->begin_close("too far behind; reconnect and resume");
                return;
            }
            self->m_queue.push_back(std::move(text));
            if (!self->m_writing) self->write_next();
        });
    }

    void close(std::string reason) override {
        asio::post(m_executor, [self = this->shared_from_this(), reason = std::move(reason)] {
            if (!self->m_open)  // still in the handshake: closed as soon as it is open
                self->m_close_requested = reason;
            else
                self->begin_close(reason);
        });
    }

    [[nodiscard]] asio::any_io_executor executor() const override { return m_executor; }

  private:
    // Runs a handler callback; an exception is logged and ends the conversation.
    template <class F>
    bool handled(std::string_view what, F&& call) {
        try {
            call();
            return true;
        } catch (const std::exception& error) {
            log()->error("a WebSocket handler failed while {}: {}", what, error.what());
            return false;
        }
    }

    // On the strand. The message being written stays: the write in flight still reads it.
    void drop_queued() { m_queue.erase(m_queue.begin() + (m_writing ? 1 : 0), m_queue.end()); }

    // On the strand.
    void write_next() {
        if (!m_open) {  // the conversation ended; nothing more goes out
            m_queue.clear();
            m_writing = false;
            return;
        }
        if (m_queue.empty()) {
            m_writing = false;
            if (m_closing) send_close();
            return;
        }
        m_writing = true;
        m_ws.text(true);
        m_ws.async_write(asio::buffer(*m_queue.front()),
                         [self = this->shared_from_this()](beast::error_code error, std::size_t) {
                             self->m_queue.pop_front();
                             if (error) {
                                 self->m_writing = false;
                                 self->m_queue.clear();
                                 return;
                             }
                             self->write_next();
                         });
    }

    // On the strand: queued messages go out first, then the close frame.
    void begin_close(std::string_view reason) {
        if (!m_open || m_closing) return;
        m_closing = true;
        m_close_reason = std::string{reason.substr(0, 120)};  // a close frame holds 123 bytes of reason
        if (!m_writing) send_close();
    }

    void send_close() {
        if (m_close_sent) return;
        m_close_sent = true;
        m_ws.async_close(websocket::close_reason{websocket::close_code::going_away, m_close_reason},
                         [self = this->shared_from_this()](beast::error_code) {});
    }

    websocket::stream<AnyStream> m_ws;
    asio::any_io_executor m_executor;
    std::shared_ptr<WebSocketHandler> m_handler;
    std::string m_server_name;
    // Fields below are used on the strand only.
    std::deque<std::shared_ptr<const std::string>> m_queue;
    bool m_open = false;
    bool m_writing = false;
    bool m_closing = false;
    bool m_close_sent = false;
    std::string m_close_reason;
    std::optional<std::string> m_close_requested;  // asked for during the handshake
};

// ---- HTTP ----------------------------------------------------------------------------------

class StreamedBody final : public BodyReader {
  public:
    StreamedBody(AnyStream& stream, beast::flat_buffer& buffer,
                 http::request_parser<http::buffer_body>& parser, std::chrono::milliseconds timeout)
        : m_stream(stream), m_buffer(buffer), m_parser(parser), m_timeout(timeout) {}

    asio::awaitable<Result<std::size_t>> read(std::span<char> out) override {
        while (!m_parser.is_done()) {
            auto& body = m_parser.get().body();
            body.data = out.data();
            body.size = out.size();
            m_stream.tcp().expires_after(m_timeout);
            auto [error, transferred] = co_await http::async_read_some(m_stream, m_buffer, m_parser, nothrow);
            if (error == http::error::need_buffer) error = {};
            if (error == http::error::body_limit)
                co_return fail(Errc::quota, "the request body is larger than this route accepts");
            if (error == beast::error::timeout)
                co_return fail(Errc::io, "the client sent nothing for {} s", m_timeout.count() / 1000);
            if (error) co_return fail(Errc::io, "the request body could not be read: {}", error.message());
            const std::size_t filled = out.size() - m_parser.get().body().size;
            if (filled > 0) co_return filled;
        }
        co_return std::size_t{0};
    }

    [[nodiscard]] std::optional<std::uint64_t> content_length() const override {
        const auto length = m_parser.content_length();
        return length ? std::optional<std::uint64_t>{*length} : std::nullopt;
    }

  private:
    AnyStream& m_stream;
    beast::flat_buffer& m_buffer;
    http::request_parser<http::buffer_body>& m_parser;
    std::chrono::milliseconds m_timeout;
};

class HttpConnection final : public Connection, public std::enable_shared_from_this<HttpConnection> {
  public:
    HttpConnection(Server& server, const Router& router, const ServerOptions& options,
                   ServerObserver* observer, AnyStream stream, tcp::endpoint remote)
        : m_server(server),
          m_router(router),
          m_options(options),
          m_observer(observer),
          m_stream(std::move(stream)),
          m_executor(m_stream.get_executor()),
          m_remote(std::move(remote)) {}

    ~HttpConnection() override { m_server.forget(this); }

    [[nodiscard]] asio::any_io_executor executor() const { return m_executor; }

    void shutdown() override {
        asio::post(m_executor, [self = this->shared_from_this()] {
            if (self->m_websocket) self->m_websocket->close(std::string{stopping_reason});
            if (self->m_idle) self->m_stream.tcp().cancel();
        });
    }

    asio::awaitable<void> run() {
        auto self = this->shared_from_this();
        if (m_stream.is_tls()) {
            m_stream.tcp().expires_after(m_options.request_timeout);
            auto [error] = co_await m_stream.async_handshake(beast::role_type::server, nothrow);
            if (error) co_return;
        }
        for (;;) {
            if (m_server.draining()) break;
            const bool keep_going = co_await exchange();
            if (!keep_going) break;
        }
        co_await close();
    }

  private:
    // One request and its response; false when the connection must end.
    asio::awaitable<bool> exchange() {
        http::request_parser<http::empty_body> head;
        head.header_limit(static_cast<std::uint32_t>(m_options.header_limit));
        // The route decides how large a body may be, once the header says which route it is.
        head.body_limit(boost::none);
        m_stream.tcp().expires_after(m_options.request_timeout);
        m_idle = true;
        auto [read_error, header_bytes] = co_await http::async_read_header(m_stream, m_buffer, head, nothrow);
        m_idle = false;
        if (read_error) {
            log()->debug("reading a request header failed after {} bytes: {}", header_bytes,
                         read_error.message());
            // A client that went away or went quiet gets no answer; one that sent garbage does.
            if (read_error == http::error::end_of_stream || read_error == beast::error::timeout ||
                read_error == asio::error::operation_aborted || read_error == asio::error::connection_reset ||
                read_error == asio::error::eof)
                co_return false;
            co_await respond(error_reply(http::status::bad_request, "bad_request",
                                         "the request is not valid HTTP/1.1: " + read_error.message()),
                             "", false, false);
            co_return false;
        }

        Request request;
        request.base() = head.get().base();
        const auto target = parse_target(request.target());
        if (!target) {
            co_await respond(error_reply(http::status::bad_request, "bad_request",
                                         "the request target is not a path with an optional query"),
                             "", false, false);
            co_return false;
        }
        const Router::Match match = m_router.find(request.method(), target->segments);
        const bool has_body = head.content_length().value_or(0) > 0 || head.chunked();
        if (match.route == nullptr) {
            StringResponse reply =
                match.allowed.empty()
                    ? error_reply(
                          http::status::not_found, "not_found",
                          "no such route: " + std::string{request.target().substr(
                                                  0, std::min<std::size_t>(request.target().size(), 200))})
                    : error_reply(http::status::method_not_allowed, "method_not_allowed",
                                  "this route does not take " + std::string{request.method_string()});
            if (!match.allowed.empty()) {
                std::string allow;
                for (const http::verb verb : match.allowed)
                    allow += (allow.empty() ? "" : ", ") + std::string{http::to_string(verb)};
                reply.set(http::field::allow, allow);
            }
            const bool keep = request.keep_alive() && !has_body;
            m_body_unread = has_body;
            co_await respond(std::move(reply), "", keep, request.method() == http::verb::head);
            co_return keep;
        }

        Exchange exchange{request, match.params, target->query, m_remote};
        const Route& route = *match.route;
        const std::uint64_t limit = route.body_limit.value_or(m_options.body_limit);
        const bool head_only = request.method() == http::verb::head;

        if (const auto* upgrade = std::get_if<UpgradeHandler>(&route.handler)) {
            if (!websocket::is_upgrade(head.get())) {
                co_await respond(error_reply(http::status::upgrade_required, "upgrade_required",
                                             "this route is a WebSocket; connect with an Upgrade request"),
                                 route.name, false, head_only);
                co_return false;
            }
            Upgrade decision = invoke_upgrade(*upgrade, exchange, route.name);
            if (!decision.handler) {
                co_await respond(std::move(decision.refusal)
                                     .value_or(error_reply(http::status::forbidden, "forbidden",
                                                           "the upgrade was refused")),
                                 route.name, false, head_only);
                co_return false;
            }
            if (m_observer) m_observer->on_response(route.name, 101);
            co_await run_websocket(request, std::move(decision.handler));
            co_return false;
        }

        if (head.content_length() && *head.content_length() > limit) {
            m_body_unread = true;
            co_await respond(too_large(limit), route.name, false, head_only);
            co_return false;
        }
        if (has_body && beast::iequals(request[http::field::expect], "100-continue")) {
            http::response<http::empty_body> proceed{http::status::continue_, 11};
            auto [error, _] = co_await http::async_write(m_stream, proceed, nothrow);
            if (error) co_return false;
        }

        Reply reply;
        bool body_complete = true;
        if (const auto* streamed = std::get_if<StreamedHandler>(&route.handler)) {
            http::request_parser<http::buffer_body> body_parser{std::move(head)};
            body_parser.body_limit(limit);
            StreamedBody body{m_stream, m_buffer, body_parser, m_options.request_timeout};
            reply = co_await invoke(*streamed, exchange, &body, route.name);
            body_complete = body_parser.is_done();
            m_body_unread = !body_complete;
        } else {
            http::request_parser<http::string_body> body_parser{std::move(head)};
            body_parser.body_limit(limit);
            m_stream.tcp().expires_after(m_options.request_timeout);
            auto [error, _] = co_await http::async_read(m_stream, m_buffer, body_parser, nothrow);
            if (error == http::error::body_limit) {
                m_body_unread = true;
                co_await respond(too_large(limit), route.name, false, head_only);
                co_return false;
            }
            if (error) {
                if (error != beast::error::timeout && error != http::error::end_of_stream)
                    co_await respond(error_reply(http::status::bad_request, "bad_request",
                                                 "the request body could not be read: " + error.message()),
                                     route.name, false, head_only);
                co_return false;
            }
            request.body() = std::move(body_parser.get().body());
            reply = co_await invoke(std::get<BufferedHandler>(route.handler), exchange, nullptr, route.name);
        }
        const bool keep = request.keep_alive() && body_complete && !m_server.draining();
        const bool sent = co_await std::visit(
            [&](auto& response) { return respond(std::move(response), route.name, keep, head_only); }, reply);
        co_return keep&& sent;
    }

    static StringResponse too_large(std::uint64_t limit) {
        return error_reply(
            http::status::payload_too_large, "payload_too_large",
            fmt::format("the request body is larger than the {} bytes this route accepts", limit));
    }

    // A failing handler is logged by its route's name: a target can hold a secret (Kakao's path).
    Upgrade invoke_upgrade(const UpgradeHandler& handler, Exchange& exchange, std::string_view route) {
        try {
            return handler(exchange);
        } catch (const std::exception& error) {
            log()->error("{} {} failed: {}", std::string{exchange.request.method_string()}, route,
                         error.what());
            return Upgrade{nullptr, error_reply(Error{Errc::internal, ""})};
        }
    }

    template <class Handler>
    asio::awaitable<Reply> invoke(const Handler& handler, Exchange& exchange, BodyReader* body,
                                  std::string_view route) {
        try {
            if constexpr (std::is_same_v<Handler, StreamedHandler>)
                co_return co_await handler(exchange, *body);
            else
                co_return co_await handler(exchange);
        } catch (const std::exception& error) {
            log()->error("{} {} failed: {}", std::string{exchange.request.method_string()}, route,
                         error.what());
        }
        co_return Reply{error_reply(Error{Errc::internal, ""})};
    }

    template <class Body>
    asio::awaitable<bool> respond(http::response<Body> response, std::string_view route, bool keep_alive,
                                  bool head_only) {
        response.version(11);
        response.keep_alive(keep_alive);
        response.set(http::field::server, m_options.server_name);
        response.set(http::field::date, date_now());
        const unsigned status = response.result_int();
        http::response_serializer<Body> serializer{response};
        bool ok = false;
        if (head_only) {
            m_stream.tcp().expires_after(m_options.request_timeout);
            auto [error, _] = co_await http::async_write_header(m_stream, serializer, nothrow);
            ok = !error;
        } else {
            // The timeout is for a stalled peer, not for a large body: each piece gets its own.
            do {
                m_stream.tcp().expires_after(m_options.request_timeout);
                auto [error, _] = co_await http::async_write_some(m_stream, serializer, nothrow);
                ok = !error;
            } while (ok && !serializer.is_done());
        }
        if (m_observer) m_observer->on_response(route, status);
        co_return ok;
    }

    asio::awaitable<void> run_websocket(Request& request, std::shared_ptr<WebSocketHandler> handler) {
        auto connection = std::make_shared<WebSocketConnection>(std::move(m_stream), std::move(handler),
                                                                m_options.server_name);
        m_websocket = connection;
        if (m_server.draining())
            connection->close(std::string{stopping_reason});  // shutdown() came too early to see it
        if (m_observer) m_observer->on_connection(+1, true);
        co_await connection->run(request, m_buffer);
        if (m_observer) m_observer->on_connection(-1, true);
        m_websocket.reset();
        m_moved = true;
    }

    asio::awaitable<void> close() {
        if (m_moved) co_return;
        beast::error_code ignored;
        if (m_stream.is_tls()) {
            m_stream.tcp().expires_after(std::chrono::seconds{2});
            co_await m_stream.async_shutdown(nothrow);
        }
        m_stream.tcp().socket().shutdown(tcp::socket::shutdown_send, ignored);
        if (m_body_unread && !m_stream.is_tls()) co_await drain();
        m_stream.tcp().close();
    }

    // A refusal sent before the body was read (413, 404, 401 on an upload) reaches a client that
    // writes its whole body before reading only if the connection is not reset under it: closing
    // with unread bytes does that. So the rest of the body is read and dropped first, for a
    // bounded time and size.
    asio::awaitable<void> drain() {
        constexpr std::uint64_t max_drained = 64ULL << 20;
        const auto until = std::chrono::steady_clock::now() + std::chrono::seconds{2};
        std::array<char, 16 * 1024> scratch{};
        std::uint64_t drained = 0;
        while (drained < max_drained && std::chrono::steady_clock::now() < until) {
            m_stream.tcp().expires_at(until);
            auto [error, read] = co_await m_stream.tcp().async_read_some(asio::buffer(scratch), nothrow);
            if (error) break;
            drained += read;
        }
    }

    Server& m_server;
    const Router& m_router;
    const ServerOptions& m_options;
    ServerObserver* m_observer;
    AnyStream m_stream;
    asio::any_io_executor m_executor;  // the strand; kept apart because m_stream may move to a WebSocket
    tcp::endpoint m_remote;
    beast::flat_buffer m_buffer;
    // Used on the strand only.
    bool m_idle = false;
    bool m_moved = false;        // the stream went to a WebSocket
    bool m_body_unread = false;  // answered before the request's body was read
    std::shared_ptr<WebSocketChannel> m_websocket;
};

}  // namespace

Server::Server(ServerOptions options, std::shared_ptr<const Router> router, ServerObserver* observer)
    : m_options(std::move(options)),
      m_router(std::move(router)),
      m_observer(observer),
      m_context(static_cast<int>(std::max(1U, m_options.threads))),
      m_acceptor(asio::make_strand(m_context)) {}  // the accept loop and stop() share its strand

Result<std::unique_ptr<Server>> Server::create(ServerOptions options, std::shared_ptr<const Router> router,
                                               ServerObserver* observer) {
    std::unique_ptr<Server> server{new Server(std::move(options), std::move(router), observer)};
    const ServerOptions& opts = server->m_options;
    beast::error_code error;
    const auto address =
        asio::ip::make_address(opts.listen.host == "localhost" ? "127.0.0.1" : opts.listen.host, error);
    if (error)
        return fail(Errc::invalid_input, "cannot listen on {}: \"{}\" is not an IP address",
                    config::to_string(opts.listen), opts.listen.host);
    const tcp::endpoint endpoint{address, opts.listen.port};
    auto& acceptor = server->m_acceptor;
    if (acceptor.open(endpoint.protocol(), error); !error)
        if (acceptor.set_option(asio::socket_base::reuse_address(true), error); !error)
            if (acceptor.bind(endpoint, error); !error)
                acceptor.listen(asio::socket_base::max_listen_connections, error);
    if (error)
        return fail(Errc::io, "cannot listen on {}: {}", config::to_string(opts.listen), error.message());

    if (opts.tls) {
        auto context = std::make_unique<ssl::context>(ssl::context::tls_server);
        context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                             ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
        if (context->use_certificate_chain_file(opts.tls->cert.string(), error); error)
            return fail(Errc::invalid_input, "cannot load the TLS certificate {}: {}",
                        opts.tls->cert.string(), error.message());
        if (context->use_private_key_file(opts.tls->key.string(), ssl::context::pem, error); error)
            return fail(Errc::invalid_input, "cannot load the TLS key {}: {}", opts.tls->key.string(),
                        error.message());
        server->m_tls = std::move(context);
    }
    return server;
}

Server::~Server() {
    stop();
}

config::Endpoint Server::local_endpoint() const {
    beast::error_code error;
    const auto endpoint = m_acceptor.local_endpoint(error);
    if (error) return m_options.listen;
    return config::Endpoint{endpoint.address().to_string(), endpoint.port()};
}

void Server::start() {
    if (m_started) return;
    m_started = true;
    asio::co_spawn(m_acceptor.get_executor(), accept_loop(), asio::detached);
    for (unsigned i = 0; i < std::max(1U, m_options.threads); ++i)
        m_threads.emplace_back([this] {
            config::name_this_thread("net-io");
            m_context.run();
        });
}

asio::awaitable<void> Server::accept_loop() {
    for (;;) {
        auto [error, socket] = co_await m_acceptor.async_accept(asio::make_strand(m_context), nothrow);
        if (error) {
            if (error == asio::error::operation_aborted || !m_acceptor.is_open()) co_return;
            // EMFILE and friends: the process is out of descriptors; wait instead of spinning.
            log()->warn("accepting a connection failed: {}", error.message());
            asio::steady_timer pause{m_context, std::chrono::milliseconds{100}};
            co_await pause.async_wait(nothrow);
            continue;
        }
        beast::error_code ignored;
        socket.set_option(tcp::no_delay(true), ignored);
        const tcp::endpoint remote = socket.remote_endpoint(ignored);

        // Registered before it runs, so a connection that ends at once is forgotten after it was known.
        const auto launch = [&](auto http) {
            {
                std::lock_guard lock(m_mutex);
                if (m_stopped || m_connections.size() >= m_options.max_connections) {
                    if (!m_stopped)
                        log()->warn("{} connections are open; refusing another", m_connections.size());
                    return;
                }
                m_connections.emplace(http.get(), http);
            }
            if (m_observer) m_observer->on_connection(+1, false);
            const auto executor = http->executor();
            asio::co_spawn(
                executor, [http]() { return http->run(); }, asio::detached);
        };
        beast::tcp_stream stream{std::move(socket)};
        launch(std::make_shared<HttpConnection>(
            *this, *m_router, m_options, m_observer,
            m_tls ? AnyStream::tls(std::move(stream), *m_tls) : AnyStream::plain(std::move(stream)), remote));
    }
}

void Server::forget(Connection* connection) {
    std::lock_guard lock(m_mutex);
    if (m_connections.erase(connection) == 0) return;
    if (m_observer) m_observer->on_connection(-1, false);
    if (m_connections.empty()) m_drained.notify_all();
}

void Server::stop() {
    {
        std::lock_guard lock(m_mutex);
        if (m_stopped) return;
        m_stopped = true;
    }
    m_draining.store(true, std::memory_order_release);
    if (m_started) {
        asio::post(m_acceptor.get_executor(), [this] {
            beast::error_code ignored;
            m_acceptor.close(ignored);
        });
        std::vector<std::shared_ptr<Connection>> live;
        {
            std::unique_lock lock(m_mutex);
            for (auto& [_, weak] : m_connections)
                if (auto connection = weak.lock()) live.push_back(std::move(connection));
        }
        for (const auto& connection : live) connection->shutdown();
        live.clear();
        std::unique_lock lock(m_mutex);
        if (!m_drained.wait_for(lock, m_options.drain_timeout, [this] { return m_connections.empty(); }))
            log()->warn("{} connections were still busy after {} ms; closing them", m_connections.size(),
                        m_options.drain_timeout.count());
    }
    m_context.stop();
    for (auto& thread : m_threads)
        if (thread.joinable()) thread.join();
    m_threads.clear();
}

}  // namespace dwell::sync::net
