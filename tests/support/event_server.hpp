// The agent's end of the player's event socket, for tests and benchmarks: listens on a unix
// socket, accepts the player and writes newline-delimited live events to it.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "content/records.hpp"

namespace dwell::test {

class EventServer {
  public:
    // Listens at `socket` (removed first if it exists); throws std::runtime_error on failure.
    explicit EventServer(std::filesystem::path socket);
    ~EventServer();
    EventServer(const EventServer&) = delete;
    EventServer& operator=(const EventServer&) = delete;

    [[nodiscard]] const std::filesystem::path& path() const { return m_path; }
    // Waits for the player to connect; false when it did not within `timeout`. A new connection
    // replaces the previous one.
    bool accept(std::chrono::milliseconds timeout);
    // Writes one event line (to_json_line) or raw text; false when no player is connected or the
    // write failed (the connection is then closed).
    bool send(const content::LiveEvent& event);
    bool send_raw(std::string_view bytes);
    // The next line the player wrote back (its status), without the newline; nullopt when none
    // came within `timeout` or no player is connected.
    std::optional<std::string> read_line(std::chrono::milliseconds timeout);
    // Drops the current connection (the player will reconnect).
    void disconnect();

  private:
    std::filesystem::path m_path;
    int m_listen_fd = -1;
    int m_client_fd = -1;
    std::string m_incoming;  // bytes read from the player, not yet a whole line
};

}  // namespace dwell::test
