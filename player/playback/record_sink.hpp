// Where the player's records go: play, shown and error records are stamped with a UUIDv7 and the
// screen id where they are born, then written to state.db's outbox by a worker thread, so SQLite
// never stalls a frame. Without a database (a standalone playlist without --state-db) records are
// only logged.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "config/error.hpp"
#include "content/device_state.hpp"
#include "content/records.hpp"

namespace dwell::player {

struct RecordSinkCounters {
    std::uint64_t written = 0;  // committed to state.db
    std::uint64_t lost = 0;     // refused by the database (outbox full, disk error), each one logged
};

class RecordSink {
  public:
    // Opens `state_db` (creating it when missing); nullopt keeps records in the log only.
    static Result<std::unique_ptr<RecordSink>> open(const std::optional<std::filesystem::path>& state_db,
                                                    std::string screen_id);
    ~RecordSink();  // writes what is queued, then stops
    RecordSink(const RecordSink&) = delete;
    RecordSink& operator=(const RecordSink&) = delete;

    // Never blocks the caller on the database. The queue is bounded: past `max_queued` records the
    // oldest waiting one is dropped and counted as lost, with a log line.
    void add(content::RecordBody body);
    // Waits until every record added so far was written (or refused).
    void flush();
    [[nodiscard]] RecordSinkCounters counters() const;

    static constexpr std::size_t max_queued = 10'000;

  private:
    RecordSink(std::unique_ptr<content::DeviceState> state, std::string screen_id);
    void run(const std::stop_token& stop);
    void write(std::vector<content::Record>& batch);

    std::unique_ptr<content::DeviceState> m_state;  // used by the worker only
    std::string m_screen_id;
    mutable std::mutex m_mutex;  // guards m_queue, m_counters, m_added, m_done
    std::condition_variable_any m_changed;
    std::vector<content::Record> m_queue;
    RecordSinkCounters m_counters;
    std::uint64_t m_added = 0;  // records handed to add()
    std::uint64_t m_done = 0;   // records written, refused or dropped
    std::jthread m_worker;      // last: stops and joins first
};

}  // namespace dwell::player
