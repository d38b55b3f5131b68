// Live events from the sync agent: a reader thread on the agent's unix socket feeding a coalescing
// inbox that the render thread empties once per frame. A burst of thousands of joins a second
// becomes one small batch per frame, so the screen never falls behind the crowd.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <stop_token>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "content/records.hpp"

namespace dwell::player {

// What the render thread takes each frame.
struct EventBatch {
    std::vector<content::LiveEvent> joins;  // the most recent joins, oldest first, for toasts
    std::uint64_t joins_total = 0;          // every join since the last take, shown or not
    std::map<std::string, content::CounterEvent, std::less<>> counters;  // latest totals by campaign
    std::vector<content::LiveEvent> control;  // takeover, takeover_end, manifest, snapshot, in order
    std::uint64_t last_seq = 0;               // highest seq seen so far (0: none)
    [[nodiscard]] bool empty() const { return joins_total == 0 && counters.empty() && control.empty(); }
};

// Thread-safe. Memory is bounded whatever arrives: joins beyond `max_joins` drop the oldest (they
// are still counted), counters keep one entry per campaign, control events are few by nature but
// bounded too.
class EventInbox {
  public:
    explicit EventInbox(std::size_t max_joins = 8, std::size_t max_control = 64)
        : m_max_joins(max_joins), m_max_control(max_control) {}

    void push(content::LiveEvent event);
    [[nodiscard]] EventBatch take();

  private:
    const std::size_t m_max_joins;
    const std::size_t m_max_control;
    std::mutex m_mutex;  // guards m_pending and m_last_seq
    EventBatch m_pending;
    std::uint64_t m_last_seq = 0;
};

struct EventLinkOptions {
    std::filesystem::path socket;
    // The agent is on the same box and restarts within a second under systemd, so the backoff is
    // shorter than the network's 1 s to 60 s.
    std::chrono::milliseconds reconnect_min{100};
    std::chrono::milliseconds reconnect_max{2000};
    std::size_t max_line = 64 * 1024;  // a longer line is dropped, not buffered without end
};

struct EventLinkCounters {
    std::uint64_t connects = 0;
    std::uint64_t events = 0;
    std::uint64_t bad_lines = 0;
};

// Connects to the agent's socket and keeps reconnecting forever; each good line goes to the inbox,
// then `wakeup` runs (on the link's thread) so the render loop stops waiting.
class EventLink {
  public:
    EventLink(EventLinkOptions options, EventInbox& inbox, std::function<void()> wakeup);
    ~EventLink();
    EventLink(const EventLink&) = delete;
    EventLink& operator=(const EventLink&) = delete;

    [[nodiscard]] EventLinkCounters counters() const;

    // Writes one line back to the agent (the player's status), from any thread, never blocking:
    // false when no agent is connected or its socket is full, and the line is dropped.
    bool report(std::string_view line);

  private:
    void run(std::stop_token stop);
    // Reads one connection until it closes or stop is requested.
    void read_connection(int fd, std::stop_token stop);
    void handle_line(std::string_view line);
    // Sleeps up to `delay` unless stopped first; returns false when stopped.
    bool pause(std::chrono::milliseconds delay, std::stop_token stop);

    EventLinkOptions m_options;
    EventInbox& m_inbox;
    std::function<void()> m_wakeup;
    int m_stop_fd = -1;                   // an eventfd that wakes poll() when the link stops
    mutable std::mutex m_counters_mutex;  // guards m_counters
    EventLinkCounters m_counters;
    std::mutex m_write_mutex;  // guards m_fd
    int m_fd = -1;             // the connection to the agent, -1 between connections
    std::jthread m_thread;     // last: it starts after everything above exists and stops first
};

}  // namespace dwell::player
