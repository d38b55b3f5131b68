#include "sync/net/any_stream.hpp"

#include <span>

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/beast/websocket/teardown.hpp>

namespace dwell::sync::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace ssl = asio::ssl;

struct AnyStream::Impl {
    virtual ~Impl() = default;
    virtual beast::tcp_stream& tcp() = 0;
    virtual void* native_tls_handle() = 0;
    virtual void verify_host(const std::string& host) = 0;
    virtual void read(const MutableBuffers& buffers, ReadHandler handler) = 0;
    virtual void write(const ConstBuffers& buffers, ReadHandler handler) = 0;
    virtual void handshake(beast::role_type role, DoneHandler handler) = 0;
    virtual void shutdown(DoneHandler handler) = 0;
    virtual void teardown(beast::role_type role, DoneHandler handler) = 0;
};

namespace {

// The one concrete handler type each operation is instantiated with: the erased handler, bound
// to the stream's executor so the completion runs there.
auto on_strand(beast::tcp_stream& stream, AnyStream::DoneHandler handler) {
    return asio::bind_executor(stream.get_executor(),
                               [handler = std::move(handler)](beast::error_code ec) mutable { handler(ec); });
}

auto on_strand(beast::tcp_stream& stream, AnyStream::ReadHandler handler) {
    return asio::bind_executor(
        stream.get_executor(),
        [handler = std::move(handler)](beast::error_code ec, std::size_t n) mutable { handler(ec, n); });
}

class PlainImpl final : public AnyStream::Impl {
  public:
    explicit PlainImpl(beast::tcp_stream stream) : m_stream(std::move(stream)) {}
    beast::tcp_stream& tcp() override { return m_stream; }
    void* native_tls_handle() override { return nullptr; }
    void verify_host(const std::string&) override {}
    void read(const AnyStream::MutableBuffers& buffers, AnyStream::ReadHandler handler) override {
        m_stream.async_read_some(buffers, on_strand(m_stream, std::move(handler)));
    }
    void write(const AnyStream::ConstBuffers& buffers, AnyStream::ReadHandler handler) override {
        m_stream.async_write_some(buffers, on_strand(m_stream, std::move(handler)));
    }
    void handshake(beast::role_type, AnyStream::DoneHandler handler) override {
        asio::post(m_stream.get_executor(),
                   [handler = std::move(handler)]() mutable { handler(beast::error_code{}); });
    }
    void shutdown(AnyStream::DoneHandler handler) override {
        handshake(beast::role_type::server, std::move(handler));
    }
    void teardown(beast::role_type role, AnyStream::DoneHandler handler) override {
        beast::websocket::async_teardown(role, m_stream.socket(), on_strand(m_stream, std::move(handler)));
    }

  private:
    beast::tcp_stream m_stream;
};

class TlsImpl final : public AnyStream::Impl {
  public:
    TlsImpl(beast::tcp_stream stream, ssl::context& context) : m_stream(std::move(stream), context) {}
    beast::tcp_stream& tcp() override { return beast::get_lowest_layer(m_stream); }
    void* native_tls_handle() override { return m_stream.native_handle(); }
    void verify_host(const std::string& host) override {
        m_stream.set_verify_mode(ssl::verify_peer);
        m_stream.set_verify_callback(ssl::host_name_verification(host));
    }
    void read(const AnyStream::MutableBuffers& buffers, AnyStream::ReadHandler handler) override {
        m_stream.async_read_some(buffers, on_strand(tcp(), std::move(handler)));
    }
    void write(const AnyStream::ConstBuffers& buffers, AnyStream::ReadHandler handler) override {
        m_stream.async_write_some(buffers, on_strand(tcp(), std::move(handler)));
    }
    void handshake(beast::role_type role, AnyStream::DoneHandler handler) override {
        m_stream.async_handshake(
            role == beast::role_type::server ? ssl::stream_base::server : ssl::stream_base::client,
            on_strand(tcp(), std::move(handler)));
    }
    void shutdown(AnyStream::DoneHandler handler) override {
        m_stream.async_shutdown(on_strand(tcp(), std::move(handler)));
    }
    void teardown(beast::role_type role, AnyStream::DoneHandler handler) override {
        beast::async_teardown(role, m_stream, on_strand(tcp(), std::move(handler)));
    }

  private:
    beast::ssl_stream<beast::tcp_stream> m_stream;
};

}  // namespace

AnyStream::AnyStream(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
AnyStream::AnyStream(AnyStream&&) noexcept = default;
AnyStream& AnyStream::operator=(AnyStream&&) noexcept = default;
AnyStream::~AnyStream() = default;

AnyStream AnyStream::plain(beast::tcp_stream stream) {
    return AnyStream{std::make_unique<PlainImpl>(std::move(stream))};
}

AnyStream AnyStream::tls(beast::tcp_stream stream, ssl::context& context) {
    return AnyStream{std::make_unique<TlsImpl>(std::move(stream), context)};
}

AnyStream::executor_type AnyStream::get_executor() const {
    return m_impl->tcp().get_executor();
}

bool AnyStream::is_tls() const {
    return m_impl->native_tls_handle() != nullptr;
}

beast::tcp_stream& AnyStream::tcp() {
    return m_impl->tcp();
}

void* AnyStream::native_tls_handle() {
    return m_impl->native_tls_handle();
}

void AnyStream::verify_host(const std::string& host) {
    m_impl->verify_host(host);
}

void AnyStream::start_read(const MutableBuffers& buffers, ReadHandler handler) {
    m_impl->read(buffers, std::move(handler));
}

void AnyStream::start_write(const ConstBuffers& buffers, ReadHandler handler) {
    m_impl->write(buffers, std::move(handler));
}

void AnyStream::start_handshake(beast::role_type role, DoneHandler handler) {
    m_impl->handshake(role, std::move(handler));
}

void AnyStream::start_shutdown(DoneHandler handler) {
    m_impl->shutdown(std::move(handler));
}

void AnyStream::start_teardown(beast::role_type role, DoneHandler handler) {
    m_impl->teardown(role, std::move(handler));
}

void beast_close_socket(AnyStream& stream) {
    stream.tcp().close();
}

void teardown(beast::role_type role, AnyStream& stream, beast::error_code& ec) {
    // Only the asynchronous form is used; the blocking one ends the TCP connection directly.
    (void)role;
    stream.tcp().socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
    stream.tcp().close();
}

}  // namespace dwell::sync::net
