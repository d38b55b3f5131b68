#include "tests/integration/agent/player_end.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>
#include <thread>

namespace dwell::test {

PlayerEnd::PlayerEnd(const std::filesystem::path& socket, std::chrono::milliseconds timeout) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    const std::string path = socket.string();
    if (path.size() >= sizeof(address.sun_path)) throw std::runtime_error("socket path too long: " + path);
    std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        m_fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (m_fd < 0) throw std::runtime_error("cannot create a unix socket");
        if (::connect(m_fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) == 0) return;
        ::close(m_fd);
        m_fd = -1;
        if (std::chrono::steady_clock::now() >= deadline)
            throw std::runtime_error("nothing listens at " + path);
        std::this_thread::sleep_for(std::chrono::milliseconds{50});
    }
}

PlayerEnd::~PlayerEnd() {
    if (m_fd >= 0) ::close(m_fd);
}

std::optional<content::LiveEvent> PlayerEnd::next(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        const auto newline = m_pending.find('\n');
        if (newline != std::string::npos) {
            const std::string line = m_pending.substr(0, newline);
            m_pending.erase(0, newline + 1);
            auto event = content::parse_live_event(line);
            if (!event) throw std::runtime_error("the agent wrote a line that is not a live event: " + line);
            return std::move(*event);
        }
        if (m_ended) return std::nullopt;
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return std::nullopt;
        pollfd readable{m_fd, POLLIN, 0};
        if (::poll(&readable, 1, static_cast<int>(left.count())) <= 0) continue;
        char buffer[4096];
        const ssize_t got = ::read(m_fd, buffer, sizeof buffer);
        if (got <= 0) {
            m_ended = true;
            continue;
        }
        m_pending.append(buffer, static_cast<std::size_t>(got));
    }
}

void PlayerEnd::send(std::string_view text) {
    while (!text.empty()) {
        const ssize_t sent = ::send(m_fd, text.data(), text.size(), MSG_NOSIGNAL);
        if (sent <= 0) throw std::runtime_error("the agent's socket took no more bytes");
        text.remove_prefix(static_cast<std::size_t>(sent));
    }
}

std::optional<content::LiveEvent> PlayerEnd::next_of(std::string_view type,
                                                     std::vector<content::LiveEvent>* skipped,
                                                     std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return std::nullopt;
        auto event = next(left);
        if (!event) return std::nullopt;
        if (content::type_name(event->body) == type) return event;
        if (skipped) skipped->push_back(std::move(*event));
    }
}

std::vector<content::LiveEvent> PlayerEnd::settle(std::chrono::milliseconds quiet) {
    std::vector<content::LiveEvent> out;
    while (auto event = next(quiet)) out.push_back(std::move(*event));
    return out;
}

bool is_history(const content::LiveEvent& event) {
    return !std::holds_alternative<content::CounterEvent>(event.body) &&
           !std::holds_alternative<content::SnapshotEvent>(event.body);
}

}  // namespace dwell::test
