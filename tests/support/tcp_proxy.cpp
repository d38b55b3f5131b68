#include "tests/support/tcp_proxy.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <limits>
#include <stdexcept>
#include <string>

namespace dwell::test {
namespace {

sockaddr_in loopback(std::uint16_t port) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return address;
}

}  // namespace

TcpProxy::TcpProxy(std::uint16_t target_port) : m_target(target_port) {
    m_listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address = loopback(0);
    if (m_listener < 0 || ::bind(m_listener, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::listen(m_listener, 64) != 0)
        throw std::runtime_error("the test proxy cannot listen on 127.0.0.1");
    socklen_t length = sizeof address;
    ::getsockname(m_listener, reinterpret_cast<sockaddr*>(&address), &length);
    m_port = ntohs(address.sin_port);
    m_acceptor = std::thread([this] { accept_loop(); });
}

TcpProxy::~TcpProxy() {
    m_stopping = true;
    ::shutdown(m_listener, SHUT_RDWR);
    m_acceptor.join();
    ::close(m_listener);
    std::lock_guard lock(m_mutex);
    for (auto& thread : m_threads) thread.join();
}

void TcpProxy::cut_after(std::uint64_t bytes, int connections) {
    std::lock_guard lock(m_mutex);
    m_cut_bytes = bytes;
    m_cuts_left = connections;
}

void TcpProxy::accept_loop() {
    while (!m_stopping) {
        const int client = ::accept4(m_listener, nullptr, nullptr, SOCK_CLOEXEC);
        if (client < 0) {
            if (m_stopping) return;
            continue;
        }
        ++m_connections;
        std::lock_guard lock(m_mutex);
        std::uint64_t cut_at = std::numeric_limits<std::uint64_t>::max();
        if (m_cuts_left > 0) {
            --m_cuts_left;
            cut_at = m_cut_bytes;
        }
        m_threads.emplace_back([this, client, cut_at] { relay(client, cut_at); });
    }
}

void TcpProxy::relay(int client, std::uint64_t cut_at) {
    const int upstream = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address = loopback(m_target);
    if (upstream < 0 || ::connect(upstream, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
        ::close(client);
        if (upstream >= 0) ::close(upstream);
        return;
    }
    std::uint64_t downstream = 0;
    std::array<char, 16 * 1024> buffer{};
    bool open = true;
    while (open && !m_stopping) {
        std::array<pollfd, 2> fds{{{client, POLLIN, 0}, {upstream, POLLIN, 0}}};
        if (::poll(fds.data(), fds.size(), 50) < 0) break;
        if (m_stalled) continue;
        for (std::size_t i = 0; i < fds.size() && open; ++i) {
            if ((fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
            const int from = fds[i].fd;
            const int to = from == client ? upstream : client;
            std::size_t want = buffer.size();
            if (from == upstream)
                want = static_cast<std::size_t>(std::min<std::uint64_t>(want, cut_at - downstream));
            const ssize_t got = want == 0 ? 0 : ::read(from, buffer.data(), want);
            if (got <= 0) {
                if (want == 0) ++m_cuts;
                open = false;
                break;
            }
            if (::write(to, buffer.data(), static_cast<std::size_t>(got)) != got) open = false;
            if (from == upstream) downstream += static_cast<std::uint64_t>(got);
        }
    }
    ::close(client);
    ::close(upstream);
}

}  // namespace dwell::test
