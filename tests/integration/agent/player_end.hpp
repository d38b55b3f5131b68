// The player's end of the agent's event socket, for tests: connects to player.sock (waiting until
// the agent listens) and reads the newline-delimited live events the agent writes.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "content/records.hpp"

namespace dwell::test {

class PlayerEnd {
  public:
    // Throws std::runtime_error when nothing listens at `socket` within `timeout`.
    explicit PlayerEnd(const std::filesystem::path& socket,
                       std::chrono::milliseconds timeout = std::chrono::seconds{20});
    ~PlayerEnd();
    PlayerEnd(const PlayerEnd&) = delete;
    PlayerEnd& operator=(const PlayerEnd&) = delete;

    // The next event; nullopt when none came within `timeout` or the agent closed the socket.
    // A line that is not a live event throws, naming it.
    std::optional<content::LiveEvent> next(std::chrono::milliseconds timeout = std::chrono::seconds{10});
    // The next event of a type ("join", "manifest", ...); the others are kept in `skipped` if given.
    std::optional<content::LiveEvent> next_of(std::string_view type,
                                              std::vector<content::LiveEvent>* skipped = nullptr,
                                              std::chrono::milliseconds timeout = std::chrono::seconds{10});
    // Events until none came for `quiet`.
    std::vector<content::LiveEvent> settle(std::chrono::milliseconds quiet = std::chrono::milliseconds{800});
    // Writes raw text to the agent, as the player does with its status lines.
    void send(std::string_view text);
    // Whether the agent closed the connection.
    [[nodiscard]] bool ended() const { return m_ended; }

  private:
    int m_fd = -1;
    std::string m_pending;
    bool m_ended = false;
};

// Join, takeover, takeover_end and manifest events: those with a seq of their own.
bool is_history(const content::LiveEvent& event);

}  // namespace dwell::test
