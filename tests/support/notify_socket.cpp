#include "tests/support/notify_socket.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>

namespace dwell::test {

NotifySocket::NotifySocket(std::filesystem::path path)
    : m_path(std::move(path)), m_fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, m_path.c_str(), sizeof(address.sun_path) - 1);
    if (m_fd < 0 || ::bind(m_fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0)
        throw std::runtime_error("cannot bind a notification socket at " + m_path.string());
}

NotifySocket::~NotifySocket() {
    if (m_fd >= 0) ::close(m_fd);
    std::error_code ignored;
    std::filesystem::remove(m_path, ignored);
}

std::string NotifySocket::receive(std::chrono::milliseconds timeout) const {
    pollfd readable{m_fd, POLLIN, 0};
    if (::poll(&readable, 1, static_cast<int>(timeout.count())) <= 0) return {};
    char buffer[256];
    const auto size = ::recv(m_fd, buffer, sizeof(buffer), 0);
    return size > 0 ? std::string(buffer, static_cast<std::size_t>(size)) : std::string{};
}

}  // namespace dwell::test
