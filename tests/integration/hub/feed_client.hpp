// A screen's live feed as a test sees it: a WebSocket to GET /v1/devices/{id}/feed, read with
// deadlines so a missing event fails the test instead of hanging it.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/value.hpp>

namespace dwell::test {

class FeedClient {
  public:
    // Connects and completes the handshake with the device token. `after` absent asks for a
    // snapshot. Throws when the connection cannot be made; a refused upgrade is not an error:
    // see refused_status().
    FeedClient(std::uint16_t port, std::string_view screen, std::string_view token,
               std::optional<std::uint64_t> after);
    ~FeedClient();
    FeedClient(const FeedClient&) = delete;
    FeedClient& operator=(const FeedClient&) = delete;

    // 0 when the upgrade was accepted, else the HTTP status the hub refused it with.
    [[nodiscard]] unsigned refused_status() const;
    [[nodiscard]] const std::string& refused_body() const;

    // The next event, or nullopt when none arrives within `timeout` or the connection ended.
    std::optional<boost::json::value> next(std::chrono::milliseconds timeout = std::chrono::seconds{10});
    // Events until one of `type` (included); nullopt when it does not come within `timeout`.
    std::optional<boost::json::value> next_of(std::string_view type, std::vector<boost::json::value>* skipped,
                                              std::chrono::milliseconds timeout = std::chrono::seconds{10});
    // Whatever arrives within `window` (which is waited out in full).
    std::vector<boost::json::value> drain(std::chrono::milliseconds window);
    // Whether the hub ended the connection (after reading what it sent).
    bool closed(std::chrono::milliseconds timeout);
    // Closes from this side.
    void close();

  private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

// An event's "type" and "seq".
std::string event_type(const boost::json::value& event);
std::uint64_t event_seq(const boost::json::value& event);

}  // namespace dwell::test
