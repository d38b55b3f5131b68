// A stand-in for systemd's notification socket: a unix datagram socket at a path a test names in
// NOTIFY_SOCKET (its own environment, or a child's), receiving what sd_notify sends.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>

namespace dwell::test {

class NotifySocket {
  public:
    // Throws std::runtime_error when the socket cannot be bound.
    explicit NotifySocket(std::filesystem::path path);
    ~NotifySocket();
    NotifySocket(const NotifySocket&) = delete;
    NotifySocket& operator=(const NotifySocket&) = delete;

    [[nodiscard]] const std::filesystem::path& path() const { return m_path; }
    // The next message ("READY=1", "WATCHDOG=1", ...); "" when none came within `timeout`.
    [[nodiscard]] std::string receive(std::chrono::milliseconds timeout = std::chrono::seconds{5}) const;

  private:
    std::filesystem::path m_path;
    int m_fd = -1;
};

}  // namespace dwell::test
