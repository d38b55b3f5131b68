#include "player/playback/event_link.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <random>

#include "config/log.hpp"

namespace dwell::player {
namespace {

int connect_unix(const std::filesystem::path& path) {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    const std::string name = path.string();
    if (name.size() >= sizeof(address.sun_path)) {
        ::close(fd);
        errno = ENAMETOOLONG;
        return -1;
    }
    std::memcpy(address.sun_path, name.c_str(), name.size() + 1);
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0) {
        const int saved = errno;
        ::close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

}  // namespace

void EventInbox::push(content::LiveEvent event) {
    std::lock_guard lock(m_mutex);
    m_pending.last_seq = m_last_seq = std::max(m_last_seq, event.seq);
    if (const auto* join = std::get_if<content::JoinEvent>(&event.body)) {
        ++m_pending.joins_total;
        // A join carries the campaign's totals too, so the counter shows it even when its toast
        // is dropped from a burst.
        auto& counter = m_pending.counters[join->campaign];
        counter = content::CounterEvent{join->campaign, join->screen_count, join->campaign_count};
        if (m_pending.joins.size() == m_max_joins) m_pending.joins.erase(m_pending.joins.begin());
        m_pending.joins.push_back(std::move(event));
    } else if (const auto* counter = std::get_if<content::CounterEvent>(&event.body)) {
        m_pending.counters[counter->campaign] = *counter;
    } else {
        if (m_pending.control.size() == m_max_control) m_pending.control.erase(m_pending.control.begin());
        m_pending.control.push_back(std::move(event));
    }
}

EventBatch EventInbox::take() {
    std::lock_guard lock(m_mutex);
    EventBatch batch = std::move(m_pending);
    m_pending = EventBatch{};
    m_pending.last_seq = m_last_seq;
    return batch;
}

EventLink::EventLink(EventLinkOptions options, EventInbox& inbox, std::function<void()> wakeup)
    : m_options(std::move(options)),
      m_inbox(inbox),
      m_wakeup(std::move(wakeup)),
      m_stop_fd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)),
      m_thread([this](std::stop_token stop) { run(std::move(stop)); }) {}

EventLink::~EventLink() {
    m_thread.request_stop();
    const std::uint64_t one = 1;
    if (m_stop_fd >= 0) static_cast<void>(::write(m_stop_fd, &one, sizeof(one)));
    if (m_thread.joinable()) m_thread.join();
    if (m_stop_fd >= 0) ::close(m_stop_fd);
}

EventLinkCounters EventLink::counters() const {
    std::lock_guard lock(m_counters_mutex);
    return m_counters;
}

bool EventLink::report(std::string_view line) {
    std::lock_guard lock(m_write_mutex);
    if (m_fd < 0) return false;
    const ssize_t sent = ::send(m_fd, line.data(), line.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
    if (sent == static_cast<ssize_t>(line.size())) return true;
    // Half a line would garble the next one: end the connection instead; the reader reconnects.
    if (sent > 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) ::shutdown(m_fd, SHUT_RDWR);
    return false;
}

bool EventLink::pause(std::chrono::milliseconds delay, std::stop_token stop) {
    pollfd wake{m_stop_fd, POLLIN, 0};
    static_cast<void>(::poll(&wake, 1, static_cast<int>(delay.count())));
    return !stop.stop_requested();
}

void EventLink::run(std::stop_token stop) {
    const auto log = config::logger("player");
    std::minstd_rand jitter{std::random_device{}()};
    auto delay = m_options.reconnect_min;
    bool reported = false;
    while (!stop.stop_requested()) {
        const int fd = connect_unix(m_options.socket);
        if (fd < 0) {
            // One line per outage, not one per attempt.
            if (!reported)
                log->warn("cannot connect to the sync agent at {}: {}; retrying", m_options.socket.string(),
                          std::strerror(errno));
            reported = true;
            std::uniform_int_distribution<std::int64_t> spread(delay.count() / 2, delay.count());
            if (!pause(std::chrono::milliseconds{spread(jitter)}, stop)) break;
            delay = std::min(delay * 2, m_options.reconnect_max);
            continue;
        }
        log->info("connected to the sync agent at {}", m_options.socket.string());
        reported = false;
        delay = m_options.reconnect_min;
        {
            std::lock_guard lock(m_counters_mutex);
            ++m_counters.connects;
        }
        {
            std::lock_guard lock(m_write_mutex);
            m_fd = fd;
        }
        read_connection(fd, stop);
        {
            std::lock_guard lock(m_write_mutex);
            m_fd = -1;
        }
        ::close(fd);
        if (!stop.stop_requested())
            log->warn("the sync agent closed {}; reconnecting", m_options.socket.string());
    }
}

void EventLink::read_connection(int fd, std::stop_token stop) {
    std::string buffer;
    bool skipping = false;  // inside a line that grew past max_line
    char chunk[16 * 1024];
    while (!stop.stop_requested()) {
        pollfd fds[2] = {{fd, POLLIN, 0}, {m_stop_fd, POLLIN, 0}};
        if (::poll(fds, 2, -1) < 0) {
            if (errno == EINTR) continue;
            return;
        }
        if (fds[1].revents != 0) return;
        const auto got = ::read(fd, chunk, sizeof(chunk));
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) return;
        buffer.append(chunk, static_cast<std::size_t>(got));
        bool delivered = false;
        std::size_t start = 0;
        for (auto end = buffer.find('\n', start); end != std::string::npos; end = buffer.find('\n', start)) {
            if (!skipping) {
                handle_line(std::string_view{buffer}.substr(start, end - start));
                delivered = true;
            }
            skipping = false;
            start = end + 1;
        }
        buffer.erase(0, start);
        if (buffer.size() > m_options.max_line) {
            if (!skipping) {
                std::lock_guard lock(m_counters_mutex);
                ++m_counters.bad_lines;
            }
            skipping = true;
            buffer.clear();
        }
        if (delivered && m_wakeup) m_wakeup();
    }
}

void EventLink::handle_line(std::string_view line) {
    if (line.empty()) return;
    auto event = content::parse_live_event(line);
    std::lock_guard lock(m_counters_mutex);
    if (!event) {
        ++m_counters.bad_lines;
        config::logger("player")->warn("ignored a bad event line from the sync agent: {}",
                                       event.error().message);
        return;
    }
    ++m_counters.events;
    m_inbox.push(std::move(*event));
}

}  // namespace dwell::player
