#include "sync/net/client.hpp"

#include "sync/net/any_stream.hpp"

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

struct HttpClient::Impl {
    asio::io_context context;
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

    asio::awaitable<Result<bool>> connect(const config::Url& base, const ClientOptions& options) {
        tcp::resolver resolver{context};
        auto [resolve_error, endpoints] =
            co_await resolver.async_resolve(base.host, std::to_string(base.port), nothrow);
        if (resolve_error)
            co_return fail(Errc::io, "cannot resolve {}: {}", base.host, resolve_error.message());
        beast::tcp_stream socket{context};
        socket.expires_after(options.timeout);
        auto [connect_error, _] = co_await socket.async_connect(endpoints, nothrow);
        if (connect_error)
            co_return fail(Errc::io, "cannot connect to {}:{}: {}", base.host, base.port,
                           connect_error.message());
        socket.socket().set_option(tcp::no_delay(true));
        if (!tls) {
            stream.emplace(AnyStream::plain(std::move(socket)));
            co_return true;
        }
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
        stream.emplace(std::move(secure));
        co_return true;
    }

    // One exchange on the open connection. `fresh` is false when the connection was reused, in
    // which case a connection the server closed meanwhile is reported as stale (retry once).
    template <class Body>
    asio::awaitable<Result<StringResponse>> exchange(http::request<Body>& request,
                                                     const ClientOptions& options, const Progress& progress,
                                                     bool& stale) {
        stale = false;
        AnyStream& s = *stream;
        {
            tcp().expires_after(options.timeout);
            http::request_serializer<Body> serializer{request};
            const std::uint64_t total = request.payload_size().value_or(0);
            std::uint64_t written = 0;
            bool header_done = false;
            while (!serializer.is_done()) {
                tcp().expires_after(options.timeout);
                auto [error, bytes] = co_await http::async_write_some(s, serializer, nothrow);
                if (error) {
                    stale = !header_done && is_stale_connection(error);
                    // A server that refuses a body (too large, not authorized) may answer and
                    // close before it has all of it: that answer is what the caller needs.
                    if (header_done) {
                        http::response_parser<http::string_body> early;
                        tcp().expires_after(std::min(options.timeout, std::chrono::milliseconds{2000}));
                        auto [read_error, _] = co_await http::async_read(s, buffer, early, nothrow);
                        if (!read_error) co_return early.release();
                    }
                    co_return fail(Errc::io, "sending the request failed: {}", error.message());
                }
                if (header_done) written += bytes;
                if (serializer.is_header_done()) {
                    if (!header_done)
                        written = 0;  // this write may hold part of the body too; counted next time
                    header_done = true;
                }
                if (progress && total > 0) progress(std::min(written, total), total);
            }
            if (progress && total > 0) progress(total, total);
            http::response_parser<http::string_body> parser;
            parser.body_limit(max_response_body);
            // A HEAD response announces the body's length but carries none.
            if (request.method() == http::verb::head) parser.skip(true);
            tcp().expires_after(options.timeout);
            auto [error, _] = co_await http::async_read(s, buffer, parser, nothrow);
            if (error) {
                stale = is_stale_connection(error);
                if (error == beast::error::timeout)
                    co_return fail(Errc::io, "no response within {} s", options.timeout.count() / 1000);
                co_return fail(Errc::io, "reading the response failed: {}", error.message());
            }
            co_return parser.release();
        }
    }

    // Connects when needed and runs one exchange; a kept-alive connection the server closed
    // meanwhile is reopened once when `may_retry`.
    template <class Body>
    Result<StringResponse> send(http::request<Body>& request, const config::Url& base,
                                const ClientOptions& options, const Progress& progress, bool may_retry) {
        for (int attempt = 0;; ++attempt) {
            const bool reused = connected();
            if (!reused) {
                auto opened = run(connect(base, options));
                if (!opened) return fail(std::move(opened.error()));
            }
            bool stale = false;
            auto response = run(exchange(request, options, progress, stale));
            if (!response) {
                disconnect();
                if (reused && stale && may_retry && attempt == 0) continue;
                return fail(
                    std::move(response.error()).with_context(fmt::format("{}:{}", base.host, base.port)));
            }
            if (!response->keep_alive()) disconnect();
            return response;
        }
    }
};

HttpClient::HttpClient(config::Url base, ClientOptions options, std::unique_ptr<Impl> impl)
    : m_base(std::move(base)), m_options(std::move(options)), m_impl(std::move(impl)) {}

HttpClient::~HttpClient() {
    if (m_impl) m_impl->disconnect();
}

Result<std::unique_ptr<HttpClient>> HttpClient::create(config::Url base, ClientOptions options) {
    auto impl = std::make_unique<Impl>();
    if (base.scheme == "https") {
        impl->tls = std::make_unique<ssl::context>(ssl::context::tls_client);
        beast::error_code error;
        if (options.ca_file) {
            impl->tls->load_verify_file(options.ca_file->string(), error);
            if (error)
                return fail(Errc::invalid_input, "cannot load the CA file {}: {}", options.ca_file->string(),
                            error.message());
        } else {
            impl->tls->set_default_verify_paths(error);
            if (error) return fail(Errc::io, "cannot load the system's CA certificates: {}", error.message());
        }
    } else if (base.scheme != "http") {
        return fail(Errc::invalid_input, "\"{}\" is not http or https", base.scheme);
    }
    return std::unique_ptr<HttpClient>{new HttpClient(std::move(base), std::move(options), std::move(impl))};
}

std::string HttpClient::authority() const {
    return fmt::format("{}:{}", m_base.host, m_base.port);
}

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

Result<StringResponse> HttpClient::request(http::verb method, std::string_view target, const Fields& fields,
                                           std::string body, std::string_view content_type) {
    Request request{method, target, 11};
    prepare(request, m_base, target, fields, content_type);
    request.body() = std::move(body);
    request.prepare_payload();
    return m_impl->send(request, m_base, m_options, {}, true);
}

Result<StringResponse> HttpClient::upload(http::verb method, std::string_view target,
                                          const std::filesystem::path& file, std::string_view content_type,
                                          const Fields& fields, const Progress& progress) {
    // The body is read from the file as it goes; a retry would need it reopened, so it opens per try.
    for (int attempt = 0; attempt < 2; ++attempt) {
        http::request<http::file_body> request{method, target, 11};
        prepare(request, m_base, target, fields, content_type);
        beast::error_code error;
        request.body().open(file.c_str(), beast::file_mode::scan, error);
        if (error) return fail(Errc::not_found, "cannot read {}: {}", file.string(), error.message());
        request.prepare_payload();
        const bool reused = m_impl->connected();
        auto response = m_impl->send(request, m_base, m_options, progress, false);
        if (response || !reused || attempt > 0) return response;
        // A kept-alive connection the server had closed: try once more on a fresh one.
        m_impl->disconnect();
    }
    return fail(Errc::internal, "unreachable");
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
