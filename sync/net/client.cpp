#include "sync/net/client.hpp"

#include "sync/net/any_stream.hpp"
#include "sync/net/connect.hpp"

#include <array>
#include <exception>
#include <type_traits>
#include <variant>

#include <openssl/ssl.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/file_posix.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/file_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/parse.hpp>

namespace dwell::sync::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

namespace {

constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);
constexpr std::uint64_t max_response_body = 256ULL << 20;
constexpr std::size_t upload_piece = 256 * 1024;

bool is_stale_connection(const beast::error_code& error) {
    return error == http::error::end_of_stream || error == asio::error::connection_reset ||
           error == asio::error::broken_pipe || error == asio::error::eof;
}

}  // namespace

struct HttpConnection::Impl {
    explicit Impl(asio::any_io_executor executor_) : executor(std::move(executor_)) {}

    asio::any_io_executor executor;
    std::unique_ptr<ssl::context> tls;
    std::optional<AnyStream> stream;
    beast::flat_buffer buffer;

    bool connected() const { return stream.has_value(); }

    beast::tcp_stream& tcp() { return stream->tcp(); }

    void disconnect() {
        if (connected()) {
            beast::error_code ignored;
            tcp().socket().shutdown(tcp::socket::shutdown_both, ignored);
            tcp().close();
        }
        stream.reset();
        buffer.clear();
    }

    asio::awaitable<Result<void>> connect(const config::Url& base, const ClientOptions& options) {
        auto opened = co_await open_stream(executor, base, options, tls.get());
        if (!opened) co_return fail(std::move(opened.error()));
        stream.emplace(std::move(*opened));
        co_return Result<void>{};
    }

    // Writes the request. `stale` says the failure looks like a kept-alive connection the server
    // had closed meanwhile (worth one retry on a new connection).
    template <class Body>
    asio::awaitable<Result<void>> send_request(http::request<Body>& request, const ClientOptions& options,
                                               const Progress& progress, bool& stale,
                                               std::optional<StringResponse>& early_answer) {
        AnyStream& s = *stream;
        http::request_serializer<Body> serializer{request};
        const std::uint64_t total = request.payload_size().value_or(0);
        std::uint64_t written = 0;
        bool header_done = false;
        while (!serializer.is_done()) {
            tcp().expires_after(options.timeout);
            auto [error, bytes] = co_await http::async_write_some(s, serializer, nothrow);
            if (error) {
                stale = !header_done && is_stale_connection(error);
                // A server that refuses a body (too large, not authorized) may answer and close
                // before it has all of it: that answer is what the caller needs.
                if (header_done) {
                    http::response_parser<http::string_body> early;
                    tcp().expires_after(std::min(options.timeout, std::chrono::milliseconds{2000}));
                    auto [read_error, _] = co_await http::async_read(s, buffer, early, nothrow);
                    if (!read_error) {
                        early_answer = early.release();
                        co_return Result<void>{};
                    }
                }
                co_return fail(Errc::io, "sending the request failed: {}", error.message());
            }
            if (header_done) written += bytes;
            if (serializer.is_header_done()) {
                if (!header_done) written = 0;  // this write may hold part of the body too; counted next time
                header_done = true;
            }
            if (progress && total > 0) progress(std::min(written, total), total);
        }
        if (progress && total > 0) progress(total, total);
        co_return Result<void>{};
    }

    static Error read_failure(const beast::error_code& error, const ClientOptions& options) {
        if (error == beast::error::timeout)
            return Error{Errc::io, fmt::format("no response within {} s", options.timeout.count() / 1000)};
        return Error{Errc::io, fmt::format("reading the response failed: {}", error.message())};
    }

    // One exchange on the open connection.
    template <class Body>
    asio::awaitable<Result<StringResponse>> exchange(http::request<Body>& request,
                                                     const ClientOptions& options, const Progress& progress,
                                                     bool& stale) {
        stale = false;
        std::optional<StringResponse> early;
        if (auto sent = co_await send_request(request, options, progress, stale, early); !sent)
            co_return fail(std::move(sent.error()));
        if (early) co_return std::move(*early);
        http::response_parser<http::string_body> parser;
        parser.body_limit(max_response_body);
        // A HEAD response announces the body's length but carries none.
        if (request.method() == http::verb::head) parser.skip(true);
        tcp().expires_after(options.timeout);
        auto [error, _] = co_await http::async_read(*stream, buffer, parser, nothrow);
        if (error) {
            stale = is_stale_connection(error);
            co_return fail(read_failure(error, options));
        }
        co_return parser.release();
    }

    // Connects when needed and runs one exchange; a kept-alive connection the server closed
    // meanwhile is reopened once when `may_retry`.
    template <class Body>
    asio::awaitable<Result<StringResponse>> send(http::request<Body>& request, const config::Url& base,
                                                 const ClientOptions& options, const Progress& progress,
                                                 bool may_retry) {
        for (int attempt = 0;; ++attempt) {
            const bool reused = connected();
            if (!reused) {
                auto opened = co_await connect(base, options);
                if (!opened) co_return fail(std::move(opened.error()));
            }
            bool stale = false;
            auto response = co_await exchange(request, options, progress, stale);
            if (!response) {
                disconnect();
                if (reused && stale && may_retry && attempt == 0) continue;
                co_return fail(
                    std::move(response.error()).with_context(fmt::format("{}:{}", base.host, base.port)));
            }
            if (!response->keep_alive()) disconnect();
            co_return response;
        }
    }

    // A GET whose body goes to `sink`. Not retried on a stale connection: the sink has taken bytes.
    asio::awaitable<Result<Download>> fetch(Request& request, const config::Url& base,
                                            const ClientOptions& options, const DownloadHead& on_head,
                                            const DownloadSink& sink) {
        if (!connected()) {
            auto opened = co_await connect(base, options);
            if (!opened) co_return fail(std::move(opened.error()));
        }
        const auto where = fmt::format("{}:{}", base.host, base.port);
        bool stale = false;
        std::optional<StringResponse> early;
        const Progress none;
        if (auto sent = co_await send_request(request, options, none, stale, early); !sent || early) {
            disconnect();
            if (!sent) co_return fail(std::move(sent.error()).with_context(where));
            co_return fail(Errc::io, "{} answered before the request was sent", where);
        }
        http::response_parser<http::buffer_body> parser;
        parser.body_limit(boost::none);
        tcp().expires_after(options.timeout);
        auto [head_error, head_bytes] = co_await http::async_read_header(*stream, buffer, parser, nothrow);
        if (head_error) {
            disconnect();
            co_return fail(read_failure(head_error, options).with_context(where));
        }
        Download out;
        out.head = parser.get().base();
        const unsigned status = parser.get().result_int();
        const bool streamed = status == 200 || status == 206;
        if (streamed && on_head)
            if (auto taken = on_head(out.head); !taken) {
                disconnect();
                co_return fail(std::move(taken.error()));
            }
        std::array<std::byte, 64 * 1024> piece{};
        while (!parser.is_done()) {
            parser.get().body().data = piece.data();
            parser.get().body().size = piece.size();
            tcp().expires_after(options.timeout);
            auto [error, _] = co_await http::async_read(*stream, buffer, parser, nothrow);
            // What arrived before a failure is still the body's next bytes: a resumed download
            // goes on after them.
            const std::size_t got = piece.size() - parser.get().body().size;
            if (got > 0 && !streamed && out.error_body.size() < 4096)
                out.error_body.append(reinterpret_cast<const char*>(piece.data()), got);
            if (got > 0 && streamed) {
                if (auto taken = sink(std::span<const std::byte>{piece.data(), got}); !taken) {
                    disconnect();
                    co_return fail(std::move(taken.error()));
                }
                out.received += got;
            }
            if (error && error != http::error::need_buffer) {
                disconnect();
                co_return fail(read_failure(error, options).with_context(where));
            }
        }
        if (!parser.keep_alive()) disconnect();
        co_return out;
    }
};

namespace {

template <class Body>
void prepare(http::request<Body>& request, const config::Url& base, std::string_view target,
             const Fields& fields, std::string_view content_type) {
    request.target(base.path.empty() || base.path == "/" ? std::string{target}
                                                         : base.path + std::string{target});
    request.set(http::field::host, base.host);
    request.set(http::field::user_agent, "dwell");
    if (!content_type.empty()) request.set(http::field::content_type, content_type);
    for (const auto& [name, value] : fields) request.insert(name, value);
    request.keep_alive(true);
}

}  // namespace

Result<std::unique_ptr<ssl::context>> client_tls(const config::Url& base, const ClientOptions& options) {
    if (base.scheme == "http") return std::unique_ptr<ssl::context>{};
    if (base.scheme != "https") return fail(Errc::invalid_input, "\"{}\" is not http or https", base.scheme);
    auto tls = std::make_unique<ssl::context>(ssl::context::tls_client);
    beast::error_code error;
    if (options.ca_file) {
        tls->load_verify_file(options.ca_file->string(), error);
        if (error)
            return fail(Errc::invalid_input, "cannot load the CA file {}: {}", options.ca_file->string(),
                        error.message());
    } else {
        tls->set_default_verify_paths(error);
        if (error) return fail(Errc::io, "cannot load the system's CA certificates: {}", error.message());
    }
    return tls;
}

asio::awaitable<Result<AnyStream>> open_stream(asio::any_io_executor executor, const config::Url& base,
                                               const ClientOptions& options, ssl::context* tls) {
    tcp::resolver resolver{executor};
    auto [resolve_error, endpoints] =
        co_await resolver.async_resolve(base.host, std::to_string(base.port), nothrow);
    if (resolve_error) co_return fail(Errc::io, "cannot resolve {}: {}", base.host, resolve_error.message());
    beast::tcp_stream socket{executor};
    socket.expires_after(options.timeout);
    auto [connect_error, _] = co_await socket.async_connect(endpoints, nothrow);
    if (connect_error)
        co_return fail(Errc::io, "cannot connect to {}:{}: {}", base.host, base.port,
                       connect_error.message());
    socket.socket().set_option(tcp::no_delay(true));
    if (!tls) co_return AnyStream::plain(std::move(socket));
    AnyStream secure = AnyStream::tls(std::move(socket), *tls);
    // SSL_set_tlsext_host_name without the macro's C cast.
    if (SSL_ctrl(static_cast<SSL*>(secure.native_tls_handle()), SSL_CTRL_SET_TLSEXT_HOSTNAME,
                 TLSEXT_NAMETYPE_host_name, const_cast<char*>(base.host.c_str())) != 1)
        co_return fail(Errc::io, "cannot set the TLS server name {}", base.host);
    secure.verify_host(base.host);
    secure.tcp().expires_after(options.timeout);
    auto [handshake_error] = co_await secure.async_handshake(beast::role_type::client, nothrow);
    if (handshake_error)
        co_return fail(Errc::io, "TLS with {}:{} failed: {}", base.host, base.port,
                       handshake_error.message());
    co_return secure;
}

HttpConnection::HttpConnection(config::Url base, ClientOptions options, std::unique_ptr<Impl> impl)
    : m_base(std::move(base)), m_options(std::move(options)), m_impl(std::move(impl)) {}

HttpConnection::~HttpConnection() {
    if (m_impl) m_impl->disconnect();
}

Result<std::unique_ptr<HttpConnection>> HttpConnection::create(asio::any_io_executor executor,
                                                               config::Url base, ClientOptions options) {
    auto tls = client_tls(base, options);
    if (!tls) return fail(std::move(tls.error()));
    auto impl = std::make_unique<Impl>(std::move(executor));
    impl->tls = std::move(*tls);
    return std::unique_ptr<HttpConnection>{
        new HttpConnection(std::move(base), std::move(options), std::move(impl))};
}

std::string HttpConnection::authority() const {
    return fmt::format("{}:{}", m_base.host, m_base.port);
}

void HttpConnection::close() {
    m_impl->disconnect();
}

asio::awaitable<Result<StringResponse>> HttpConnection::request(http::verb method, std::string target,
                                                                Fields fields, std::string body,
                                                                std::string content_type) {
    Request request{method, target, 11};
    prepare(request, m_base, target, fields, content_type);
    request.body() = std::move(body);
    request.prepare_payload();
    const Progress none;
    co_return co_await m_impl->send(request, m_base, m_options, none, true);
}

asio::awaitable<Result<StringResponse>> HttpConnection::upload(http::verb method, std::string target,
                                                               std::filesystem::path file,
                                                               std::string content_type, Fields fields,
                                                               Progress progress) {
    // The body is read from the file as it goes; a retry would need it reopened, so it opens per try.
    for (int attempt = 0; attempt < 2; ++attempt) {
        http::request<http::file_body> request{method, target, 11};
        prepare(request, m_base, target, fields, content_type);
        beast::error_code error;
        request.body().open(file.c_str(), beast::file_mode::scan, error);
        if (error) co_return fail(Errc::not_found, "cannot read {}: {}", file.string(), error.message());
        request.prepare_payload();
        const bool reused = m_impl->connected();
        auto response = co_await m_impl->send(request, m_base, m_options, progress, false);
        if (response || !reused || attempt > 0) co_return response;
        // A kept-alive connection the server had closed: try once more on a fresh one.
        m_impl->disconnect();
    }
    co_return fail(Errc::internal, "unreachable");
}

asio::awaitable<Result<Download>> HttpConnection::download(std::string target, Fields fields,
                                                           DownloadHead on_head, DownloadSink sink) {
    Request request{http::verb::get, target, 11};
    prepare(request, m_base, target, fields, {});
    request.prepare_payload();
    co_return co_await m_impl->fetch(request, m_base, m_options, on_head, sink);
}

// ---- HttpClient: the same on a private io_context ----

struct HttpClient::Impl {
    asio::io_context context;
    std::unique_ptr<HttpConnection> connection;

    // Runs a coroutine on the private io_context to its end.
    template <class T>
    Result<T> run(asio::awaitable<Result<T>> task) {
        std::optional<Result<T>> out;
        context.restart();
        asio::co_spawn(context, std::move(task), [&out](std::exception_ptr failure, Result<T> result) {
            if (failure) {
                try {
                    std::rethrow_exception(failure);
                } catch (const std::exception& error) {
                    out = fail(Errc::internal, "the HTTP client failed: {}", error.what());
                }
            } else {
                out = std::move(result);
            }
        });
        context.run();
        if (!out) return fail(Errc::internal, "the HTTP client stopped before finishing");
        return std::move(*out);
    }
};

HttpClient::HttpClient(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}

HttpClient::~HttpClient() {
    // The connection's sockets belong to the io_context: they go first.
    if (m_impl) m_impl->connection.reset();
}

Result<std::unique_ptr<HttpClient>> HttpClient::create(config::Url base, ClientOptions options) {
    auto impl = std::make_unique<Impl>();
    auto connection =
        HttpConnection::create(impl->context.get_executor(), std::move(base), std::move(options));
    if (!connection) return fail(std::move(connection.error()));
    impl->connection = std::move(*connection);
    return std::unique_ptr<HttpClient>{new HttpClient(std::move(impl))};
}

std::string HttpClient::authority() const {
    return m_impl->connection->authority();
}

const config::Url& HttpClient::base() const {
    return m_impl->connection->base();
}

Result<StringResponse> HttpClient::request(http::verb method, std::string_view target, const Fields& fields,
                                           std::string body, std::string_view content_type) {
    return m_impl->run(m_impl->connection->request(method, std::string{target}, fields, std::move(body),
                                                   std::string{content_type}));
}

Result<StringResponse> HttpClient::upload(http::verb method, std::string_view target,
                                          const std::filesystem::path& file, std::string_view content_type,
                                          const Fields& fields, const Progress& progress) {
    return m_impl->run(m_impl->connection->upload(method, std::string{target}, file,
                                                  std::string{content_type}, fields, progress));
}

std::string error_message(const StringResponse& response) {
    boost::system::error_code error;
    const auto json = boost::json::parse(response.body(), error);
    if (!error && json.is_object()) {
        if (const auto* inner = json.as_object().if_contains("error"); inner && inner->is_object()) {
            if (const auto* message = inner->as_object().if_contains("message");
                message && message->is_string())
                return std::string{message->as_string()};
        }
    }
    std::string text = response.body().substr(0, 300);
    if (text.empty()) text = std::string{response.reason()};
    return text;
}

}  // namespace dwell::sync::net
