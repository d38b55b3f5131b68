#include "tests/support/event_server.hpp"

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>
#include <system_error>

#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

namespace dwell::test {
namespace {

std::runtime_error socket_error(const std::string& what, const std::filesystem::path& path) {
    return std::runtime_error(what + " " + path.string() + ": " + std::strerror(errno));
}

}  // namespace

EventServer::EventServer(std::filesystem::path socket) : m_path(std::move(socket)) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    const std::string text = m_path.string();
    if (text.size() >= sizeof(address.sun_path))
        throw std::runtime_error("socket path too long for AF_UNIX (" + std::to_string(text.size()) +
                                 " bytes, at most " + std::to_string(sizeof(address.sun_path) - 1) +
                                 "): " + text);
    std::memcpy(address.sun_path, text.c_str(), text.size() + 1);
    std::error_code ignored;
    std::filesystem::remove(m_path, ignored);

    m_listen_fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (m_listen_fd < 0) throw socket_error("cannot create a socket for", m_path);
    // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): the sockets API takes sockaddr*
    if (::bind(m_listen_fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0 ||
        ::listen(m_listen_fd, 4) != 0) {
        auto error = socket_error("cannot listen at", m_path);
        ::close(m_listen_fd);
        m_listen_fd = -1;
        throw error;
    }
}

EventServer::~EventServer() {
    disconnect();
    if (m_listen_fd >= 0) ::close(m_listen_fd);
    std::error_code ignored;
    std::filesystem::remove(m_path, ignored);
}

bool EventServer::accept(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        pollfd listener{m_listen_fd, POLLIN, 0};
        const int ready = ::poll(&listener, 1, static_cast<int>(std::max<std::int64_t>(left.count(), 0)));
        if (ready < 0 && errno == EINTR) continue;
        if (ready <= 0) return false;
        const int client = ::accept4(m_listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
        if (client < 0) {
            if (errno == EINTR || errno == EAGAIN || errno == ECONNABORTED) continue;
            return false;
        }
        // A player that stops reading must fail a test, not hang it.
        timeval send_timeout{5, 0};
        ::setsockopt(client, SOL_SOCKET, SO_SNDTIMEO, &send_timeout, sizeof(send_timeout));
        disconnect();
        m_client_fd = client;
        return true;
    }
}

bool EventServer::send(const content::LiveEvent& event) {
    return send_raw(content::to_json_line(event));
}

bool EventServer::send_raw(std::string_view bytes) {
    if (m_client_fd < 0) return false;
    while (!bytes.empty()) {
        const ssize_t written = ::send(m_client_fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (written < 0) {
            if (errno == EINTR) continue;
            disconnect();
            return false;
        }
        bytes.remove_prefix(static_cast<std::size_t>(written));
    }
    return true;
}

std::optional<std::string> EventServer::read_line(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        const auto newline = m_incoming.find('\n');
        if (newline != std::string::npos) {
            std::string line = m_incoming.substr(0, newline);
            m_incoming.erase(0, newline + 1);
            return line;
        }
        if (m_client_fd < 0) return std::nullopt;
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return std::nullopt;
        pollfd readable{m_client_fd, POLLIN, 0};
        const int ready = ::poll(&readable, 1, static_cast<int>(left.count()));
        if (ready < 0 && errno == EINTR) continue;
        if (ready <= 0) return std::nullopt;
        char buffer[4096];
        const ssize_t got = ::read(m_client_fd, buffer, sizeof buffer);
        if (got <= 0) {
            disconnect();
            return std::nullopt;
        }
        m_incoming.append(buffer, static_cast<std::size_t>(got));
    }
}

void EventServer::disconnect() {
    if (m_client_fd >= 0) ::close(m_client_fd);
    m_client_fd = -1;
    m_incoming.clear();
}

}  // namespace dwell::test
