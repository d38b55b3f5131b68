#include "player/playback/record_sink.hpp"

#include <chrono>
#include <utility>

#include <boost/json/serialize.hpp>

#include "config/log.hpp"

namespace dwell::player {
namespace {

std::string describe(const content::Record& record) {
    return fmt::format("{} record {}", content::type_name(record.body), record.id.to_string());
}

}  // namespace

Result<std::unique_ptr<RecordSink>> RecordSink::open(const std::optional<std::filesystem::path>& state_db,
                                                     std::string screen_id) {
    std::unique_ptr<content::DeviceState> state;
    if (state_db) {
        auto opened = content::DeviceState::open(*state_db);
        if (!opened) return fail(std::move(opened.error()));
        state = std::move(*opened);
    }
    return std::unique_ptr<RecordSink>{new RecordSink{std::move(state), std::move(screen_id)}};
}

RecordSink::RecordSink(std::unique_ptr<content::DeviceState> state, std::string screen_id)
    : m_state(std::move(state)),
      m_screen_id(std::move(screen_id)),
      m_worker([this](std::stop_token stop) { run(stop); }) {}

RecordSink::~RecordSink() {
    m_worker.request_stop();
    m_changed.notify_all();
}

void RecordSink::add(content::RecordBody body) {
    content::Record record{content::uuid_v7(std::chrono::time_point_cast<std::chrono::milliseconds>(
                               std::chrono::system_clock::now())),
                           m_screen_id, std::move(body)};
    {
        const std::scoped_lock lock{m_mutex};
        ++m_added;
        if (m_queue.size() >= max_queued) {
            config::logger("player")->error("record queue full ({} waiting): {} dropped", m_queue.size(),
                                            describe(m_queue.front()));
            m_queue.erase(m_queue.begin());
            ++m_counters.lost;
            ++m_done;
        }
        m_queue.push_back(std::move(record));
    }
    m_changed.notify_all();
}

void RecordSink::flush() {
    std::unique_lock lock{m_mutex};
    const std::uint64_t target = m_added;
    m_changed.wait(lock, [&] { return m_done >= target; });
}

RecordSinkCounters RecordSink::counters() const {
    const std::scoped_lock lock{m_mutex};
    return m_counters;
}

void RecordSink::run(const std::stop_token& stop) {
    for (;;) {
        std::vector<content::Record> batch;
        {
            std::unique_lock lock{m_mutex};
            m_changed.wait(lock, stop, [&] { return !m_queue.empty(); });
            if (m_queue.empty()) return;  // stopped with nothing left to write
            batch.swap(m_queue);
        }
        write(batch);
        {
            const std::scoped_lock lock{m_mutex};
            m_done += batch.size();
        }
        m_changed.notify_all();
    }
}

void RecordSink::write(std::vector<content::Record>& batch) {
    auto log = config::logger("player");
    if (!m_state) {
        for (const content::Record& record : batch)
            log->debug("{}: {}", describe(record), boost::json::serialize(content::to_json(record)));
        return;
    }
    auto appended = m_state->append_records(batch);
    if (appended) {
        const std::scoped_lock lock{m_mutex};
        m_counters.written += batch.size();
        return;
    }
    log->error("cannot write {} record(s) to state.db, they are lost: {}", batch.size(),
               appended.error().message);
    const std::scoped_lock lock{m_mutex};
    m_counters.lost += batch.size();
}

}  // namespace dwell::player
