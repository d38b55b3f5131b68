#include "tests/integration/hub/feed_client.hpp"

#include <stdexcept>

#include <fmt/format.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/websocket/error.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <boost/json/parse.hpp>

namespace dwell::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

struct FeedClient::Impl {
    asio::io_context context;
    websocket::stream<tcp::socket> ws{context};
    beast::flat_buffer buffer;
    std::deque<boost::json::value> events;
    bool ended = false;
    bool reading = false;
    unsigned refused = 0;
    std::string refused_body;

    // One read in flight at all times, so nothing sent is missed and no read is ever cancelled.
    void arm() {
        reading = true;
        ws.async_read(buffer, [this](beast::error_code error, std::size_t) {
            reading = false;
            if (error) {
                ended = true;
                return;
            }
            const std::string text = beast::buffers_to_string(buffer.cdata());
            buffer.consume(buffer.size());
            boost::system::error_code parse_error;
            auto json = boost::json::parse(text, parse_error);
            events.push_back(parse_error ? boost::json::value(text) : std::move(json));
            arm();
        });
    }

    // Runs handlers until an event is queued, the connection ends, or the deadline passes.
    void pump(std::chrono::steady_clock::time_point deadline) {
        while (events.empty() && !ended) {
            if (context.stopped()) context.restart();
            const auto ran = context.run_one_until(deadline);
            if (ran == 0 && std::chrono::steady_clock::now() >= deadline) return;
        }
    }
};

FeedClient::FeedClient(std::uint16_t port, std::string_view screen, std::string_view token,
                       std::optional<std::uint64_t> after)
    : m_impl(std::make_unique<Impl>()) {
    const tcp::endpoint endpoint{asio::ip::make_address("127.0.0.1"), port};
    m_impl->ws.next_layer().connect(endpoint);
    m_impl->ws.set_option(websocket::stream_base::decorator(
        [authorization = fmt::format("Bearer {}", token)](websocket::request_type& request) {
            request.set(beast::http::field::authorization, authorization);
        }));
    const std::string target = after ? fmt::format("/v1/devices/{}/feed?after={}", screen, *after)
                                     : fmt::format("/v1/devices/{}/feed", screen);
    websocket::response_type response;
    beast::error_code error;
    // The handshake is bounded by a receive timeout on the socket; the reads after it are async.
    struct timeval limit {
        10, 0
    };
    ::setsockopt(m_impl->ws.next_layer().native_handle(), SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
    m_impl->ws.handshake(response, fmt::format("127.0.0.1:{}", port), target, error);
    struct timeval none {
        0, 0
    };
    ::setsockopt(m_impl->ws.next_layer().native_handle(), SOL_SOCKET, SO_RCVTIMEO, &none, sizeof none);
    if (error) {
        m_impl->refused = response.result_int();
        m_impl->refused_body = response.body();
        if (m_impl->refused == 0 || m_impl->refused == 101)
            throw std::runtime_error("the feed handshake failed: " + error.message());
        m_impl->ended = true;
        return;
    }
    m_impl->arm();
}

FeedClient::~FeedClient() {
    close();
}

unsigned FeedClient::refused_status() const {
    return m_impl->refused;
}

const std::string& FeedClient::refused_body() const {
    return m_impl->refused_body;
}

std::optional<boost::json::value> FeedClient::next(std::chrono::milliseconds timeout) {
    m_impl->pump(std::chrono::steady_clock::now() + timeout);
    if (m_impl->events.empty()) return std::nullopt;
    auto event = std::move(m_impl->events.front());
    m_impl->events.pop_front();
    return event;
}

std::optional<boost::json::value> FeedClient::next_of(std::string_view type,
                                                      std::vector<boost::json::value>* skipped,
                                                      std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return std::nullopt;
        auto event = next(left);
        if (!event) return std::nullopt;
        if (event_type(*event) == type) return event;
        if (skipped) skipped->push_back(std::move(*event));
    }
}

std::vector<boost::json::value> FeedClient::drain(std::chrono::milliseconds window) {
    const auto deadline = std::chrono::steady_clock::now() + window;
    std::vector<boost::json::value> out;
    for (;;) {
        m_impl->pump(deadline);
        while (!m_impl->events.empty()) {
            out.push_back(std::move(m_impl->events.front()));
            m_impl->events.pop_front();
        }
        if (m_impl->ended || std::chrono::steady_clock::now() >= deadline) return out;
    }
}

bool FeedClient::closed(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!m_impl->ended && std::chrono::steady_clock::now() < deadline) {
        m_impl->pump(deadline);
        m_impl->events.clear();
    }
    return m_impl->ended;
}

void FeedClient::close() {
    if (!m_impl || m_impl->ended) return;
    beast::error_code ignored;
    m_impl->ws.next_layer().shutdown(tcp::socket::shutdown_both, ignored);
    m_impl->ws.next_layer().close(ignored);
    // Let the pending read finish with its error before the stream goes away.
    m_impl->context.restart();
    m_impl->context.run_for(std::chrono::seconds{2});
    m_impl->ended = true;
}

std::string event_type(const boost::json::value& event) {
    if (!event.is_object()) return {};
    const auto* type = event.as_object().if_contains("type");
    return type && type->is_string() ? std::string{type->as_string()} : std::string{};
}

std::uint64_t event_seq(const boost::json::value& event) {
    if (!event.is_object()) return 0;
    const auto* seq = event.as_object().if_contains("seq");
    return seq ? seq->to_number<std::uint64_t>() : 0;
}

}  // namespace dwell::test
