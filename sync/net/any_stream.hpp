// One stream type for plain TCP and TLS. The HTTP and WebSocket code is written once against it
// and compiled once, instead of once per transport: Beast's composed operations over a TLS stream
// inside coroutines cost minutes of compile time per instantiation. The price is one virtual call
// per read or write, which the network dwarfs.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/role.hpp>
#include <boost/beast/core/tcp_stream.hpp>

namespace boost::asio::ssl {
class context;
}

namespace dwell::sync::net {

class AnyStream {
  public:
    using executor_type = boost::asio::any_io_executor;
    // Completions run on the stream's executor. Callers' handlers must belong there too (a
    // connection's strand, a client's io_context), since their own executor is not kept: Asio
    // 1.81's any_completion_handler cannot go through Beast's operations, which post with it.
    using ReadHandler = std::move_only_function<void(boost::beast::error_code, std::size_t)>;
    using DoneHandler = std::move_only_function<void(boost::beast::error_code)>;
    // At most this many buffers go into one read or write; the rest wait for the next call,
    // which read_some and write_some allow.
    static constexpr std::size_t max_buffers = 16;

    // A buffer sequence that owns its descriptors, so an operation may keep it by value after
    // the call that started it returned.
    template <class Buffer>
    struct Buffers {
        std::array<Buffer, max_buffers> items{};
        std::size_t count = 0;
        [[nodiscard]] const Buffer* begin() const { return items.data(); }
        [[nodiscard]] const Buffer* end() const { return items.data() + count; }
    };
    using MutableBuffers = Buffers<boost::asio::mutable_buffer>;
    using ConstBuffers = Buffers<boost::asio::const_buffer>;

    static AnyStream plain(boost::beast::tcp_stream stream);
    // TLS over the TCP stream; the handshake is async_handshake's job. `context` must outlive the stream.
    static AnyStream tls(boost::beast::tcp_stream stream, boost::asio::ssl::context& context);

    AnyStream(AnyStream&&) noexcept;
    AnyStream& operator=(AnyStream&&) noexcept;
    ~AnyStream();

    [[nodiscard]] executor_type get_executor() const;
    [[nodiscard]] bool is_tls() const;
    // The TCP layer, for timeouts (expires_after) and socket options.
    [[nodiscard]] boost::beast::tcp_stream& tcp();
    // The OpenSSL handle of a TLS stream (for SNI), nullptr for plain TCP.
    [[nodiscard]] void* native_tls_handle();
    // For a TLS client: check the server certificate against this host name.
    void verify_host(const std::string& host);

    template <class Sequence, class Token>
    auto async_read_some(const Sequence& buffers, Token&& token) {
        return boost::asio::async_initiate<Token, void(boost::beast::error_code, std::size_t)>(
            [this](auto handler, const MutableBuffers& pieces) {
                start_read(pieces, ReadHandler{std::move(handler)});
            },
            token, copy_buffers<MutableBuffers>(buffers));
    }

    template <class Sequence, class Token>
    auto async_write_some(const Sequence& buffers, Token&& token) {
        return boost::asio::async_initiate<Token, void(boost::beast::error_code, std::size_t)>(
            [this](auto handler, const ConstBuffers& pieces) {
                start_write(pieces, ReadHandler{std::move(handler)});
            },
            token, copy_buffers<ConstBuffers>(buffers));
    }

    // TLS handshake (nothing to do for plain TCP).
    template <class Token>
    auto async_handshake(boost::beast::role_type role, Token&& token) {
        return boost::asio::async_initiate<Token, void(boost::beast::error_code)>(
            [this](auto handler, boost::beast::role_type r) {
                start_handshake(r, DoneHandler{std::move(handler)});
            },
            token, role);
    }

    // TLS close_notify (nothing to do for plain TCP); the socket stays open.
    template <class Token>
    auto async_shutdown(Token&& token) {
        return boost::asio::async_initiate<Token, void(boost::beast::error_code)>(
            [this](auto handler) { start_shutdown(DoneHandler{std::move(handler)}); }, token);
    }

    // What a WebSocket does to end the connection (see teardown below).
    void start_teardown(boost::beast::role_type role, DoneHandler handler);

    struct Impl;

  private:
    explicit AnyStream(std::unique_ptr<Impl> impl);

    template <class Out, class Sequence>
    static Out copy_buffers(const Sequence& buffers) {
        Out out;
        for (auto it = boost::asio::buffer_sequence_begin(buffers);
             it != boost::asio::buffer_sequence_end(buffers) && out.count < out.items.size(); ++it) {
            if (boost::asio::buffer_size(*it) == 0) continue;
            out.items[out.count++] = *it;
        }
        return out;
    }

    void start_read(const MutableBuffers& buffers, ReadHandler handler);
    void start_write(const ConstBuffers& buffers, ReadHandler handler);
    void start_handshake(boost::beast::role_type role, DoneHandler handler);
    void start_shutdown(DoneHandler handler);

    std::unique_ptr<Impl> m_impl;
};

// Beast ends connections through these, found by argument-dependent lookup: a WebSocket's close
// handshake (teardown) and a timed-out operation (beast_close_socket).
void beast_close_socket(AnyStream& stream);

void teardown(boost::beast::role_type role, AnyStream& stream, boost::beast::error_code& ec);

template <class TeardownHandler>
void async_teardown(boost::beast::role_type role, AnyStream& stream, TeardownHandler&& handler) {
    stream.start_teardown(role, AnyStream::DoneHandler{std::forward<TeardownHandler>(handler)});
}

}  // namespace dwell::sync::net
