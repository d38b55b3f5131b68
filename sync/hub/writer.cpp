#include "sync/hub/writer.hpp"

#include <boost/json/serialize.hpp>

#include "config/log.hpp"
#include "config/service.hpp"
#include "sync/hub/metrics.hpp"

namespace dwell::sync::hub {
namespace {

std::shared_ptr<spdlog::logger> log() {
    static const auto logger = config::logger("hub");
    return logger;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Errors that say the database itself failed, which no job can be blamed for.
bool fails_the_batch(const Error& error) {
    return error.code == Errc::storage || error.code == Errc::io || error.code == Errc::internal;
}

}  // namespace

JoinTotals::Counts JoinTotals::get(std::string_view campaign, std::string_view screen) const {
    std::lock_guard lock(m_mutex);
    const auto found = m_campaigns.find(campaign);
    if (found == m_campaigns.end()) return {};
    const auto at_screen = found->second.screens.find(screen);
    return Counts{at_screen == found->second.screens.end() ? 0 : at_screen->second, found->second.total};
}

void JoinTotals::set(const std::string& campaign, std::uint64_t total,
                     const std::map<std::string, std::uint64_t>& screens) {
    std::lock_guard lock(m_mutex);
    Campaign& entry = m_campaigns[campaign];
    entry.total = total;
    for (const auto& [screen, count] : screens) entry.screens[screen] = count;
}

Catalog& Batch::edit_catalog() {
    if (!m_edited) {
        m_edited = std::make_shared<Catalog>(*m_catalog);
        m_catalog = m_edited;
    }
    return *m_edited;
}

Result<std::uint64_t> Batch::emit(const std::string& screen, content::LiveEventBody body) {
    auto& last = m_writer.m_seqs[screen];
    const content::LiveEvent event{last + 1, m_now, std::move(body)};
    auto json = std::make_shared<const std::string>(boost::json::serialize(content::to_json(event)));
    if (auto done = m_store.insert_event(screen, event.seq, m_now, *json); !done)
        return fail(std::move(done.error()));
    last = event.seq;
    m_sequenced.insert(screen);
    m_events.push_back(EmittedEvent{screen, event.seq, std::move(json)});
    return event.seq;
}

std::pair<std::uint64_t, std::uint64_t> Batch::count_join(const std::string& campaign,
                                                          const std::string& screen) {
    auto& counts = m_writer.m_counts[campaign];
    const std::uint64_t at_screen = ++counts.screens[screen];
    ++counts.total;
    m_counted[campaign].insert(screen);
    return {at_screen, counts.total};
}

Writer::Writer(std::unique_ptr<HubStore> store, CatalogHolder& catalog, EventSink& sink, JoinTotals& totals,
               const config::Clock& clock, Metrics* metrics, WriterOptions options)
    : m_store(std::move(store)),
      m_catalog(catalog),
      m_sink(sink),
      m_totals(totals),
      m_clock(clock),
      m_metrics(metrics),
      m_options(options) {}

Result<std::unique_ptr<Writer>> Writer::create(std::unique_ptr<HubStore> store, CatalogHolder& catalog,
                                               EventSink& sink, JoinTotals& totals,
                                               const config::Clock& clock, Metrics* metrics,
                                               WriterOptions options,
                                               std::unique_ptr<CommitFlusher> flusher) {
    auto own = store->defer_durability();
    if (!own) return fail(std::move(own.error()));
    std::unique_ptr<Writer> writer{
        new Writer(std::move(store), catalog, sink, totals, clock, metrics, options)};
    writer->m_flusher = flusher ? std::move(flusher) : std::move(*own);
    writer->m_written_catalog = catalog.get();
    if (auto loaded = writer->load_state(); !loaded) return fail(std::move(loaded.error()));
    return writer;
}

Result<void> Writer::load_state() {
    auto seqs = m_store->last_seqs();
    if (!seqs) return fail(std::move(seqs.error()));
    m_seqs.clear();
    for (auto& [screen, seq] : *seqs) m_seqs.emplace(screen, seq);
    auto counts = m_store->join_counts();
    if (!counts) return fail(std::move(counts.error()));
    m_counts.clear();
    for (const JoinCount& count : *counts) {
        auto& entry = m_counts[count.campaign];
        entry.screens[count.screen] = count.joins;
        entry.total += count.joins;
    }
    for (const auto& [campaign, entry] : m_counts) m_totals.set(campaign, entry.total, entry.screens);
    return {};
}

Writer::~Writer() {
    stop();
}

void Writer::start() {
    if (m_thread.joinable()) return;
    m_last_prune = std::chrono::steady_clock::now();
    m_flush_thread = std::thread([this] {
        config::name_this_thread("hub-flush");
        flush_loop();
    });
    m_thread = std::thread([this] {
        config::name_this_thread("hub-writer");
        run();
        {
            std::lock_guard lock(m_flush_mutex);
            m_written_all = true;
        }
        m_flush_wake.notify_all();
    });
}

void Writer::stop() {
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_wake.notify_all();
    if (m_thread.joinable()) m_thread.join();
    if (m_flush_thread.joinable()) m_flush_thread.join();
    // Jobs never run (the writer was not started) are dropped, which completes them with an error.
    std::lock_guard lock(m_mutex);
    m_queue.clear();
}

bool Writer::submit(std::unique_ptr<Job> job) {
    {
        std::lock_guard lock(m_mutex);
        if (m_stopping || m_broken || m_queue.size() >= m_options.queue_limit) return false;
        m_queue.push_back(std::move(job));
    }
    m_wake.notify_one();
    return true;
}

std::size_t Writer::queued() const {
    std::lock_guard lock(m_mutex);
    return m_queue.size();
}

std::optional<Error> Writer::broken() const {
    std::lock_guard lock(m_mutex);
    return m_broken;
}

void Writer::break_down(const Error& error) {
    std::lock_guard lock(m_mutex);
    if (m_broken) return;
    m_broken = error;
    log()->critical(
        "{}; the hub takes no more changes, since what reached the disk is unknown: restart it once "
        "the disk is fixed, and the database recovers what was acknowledged",
        error.message);
}

void Writer::run() {
    for (;;) {
        std::vector<std::unique_ptr<Job>> jobs;
        {
            std::unique_lock lock(m_mutex);
            // A prune that is due wakes the writer even when no job comes.
            const auto deadline = m_last_prune + m_options.prune_interval;
            m_wake.wait_until(lock, deadline, [this] { return m_stopping || !m_queue.empty(); });
            if (m_stopping && m_queue.empty()) break;
            const std::size_t take = std::min(m_queue.size(), m_options.max_batch);
            jobs.reserve(take);
            for (std::size_t i = 0; i < take; ++i) {
                jobs.push_back(std::move(m_queue.front()));
                m_queue.pop_front();
            }
        }
        run_batch(std::move(jobs));
    }
}

void Writer::run_batch(std::vector<std::unique_ptr<Job>> jobs) {
    const auto started = std::chrono::steady_clock::now();
    const bool prune_due = started - m_last_prune >= m_options.prune_interval;
    if (jobs.empty() && !prune_due) return;
    if (auto broken = this->broken()) {
        for (auto& job : jobs) job->finish(&*broken);
        return;
    }

    Batch batch{*this, *m_store, m_clock.now(), m_written_catalog};
    std::vector<std::optional<Error>> refused(jobs.size());
    std::optional<Error> failure;
    if (auto begun = m_store->begin(); !begun) failure = std::move(begun.error());
    for (std::size_t i = 0; i < jobs.size() && !failure; ++i) {
        auto applied = jobs[i]->apply(batch);
        if (applied) continue;
        if (fails_the_batch(applied.error()))
            failure = std::move(applied.error());
        else
            refused[i] = std::move(applied.error());
    }
    // Kept across a failed batch as well: a seq written twice does no harm, one never written does.
    m_unpersisted_seqs.insert(batch.m_sequenced.begin(), batch.m_sequenced.end());
    if (!failure && prune_due) {
        if (auto done = prune(batch); !done) failure = std::move(done.error());
        m_last_prune = started;
    }
    if (!failure)
        if (auto committed = m_store->commit(); !committed) failure = std::move(committed.error());

    if (failure) {
        m_store->rollback();
        if (m_metrics) m_metrics->batch(jobs.size(), seconds_since(started), false);
        log()->error("a batch of {} changes was rolled back: {}", jobs.size(), failure->message);
        // Seqs and counts were advanced in memory for the lost batch; the database has the truth.
        if (auto reloaded = load_state(); !reloaded)
            log()->error("reloading the writer's state failed: {}", reloaded.error().message);
        for (auto& job : jobs) job->finish(&*failure);
        return;
    }

    if (prune_due) m_unpersisted_seqs.clear();  // the prune wrote them all, this batch's included
    Committed committed{std::move(jobs), std::move(refused), std::move(batch.m_events), nullptr, {}, started};
    if (batch.m_edited) committed.catalog = m_written_catalog = std::move(batch.m_edited);
    for (const auto& [campaign, screens] : batch.m_counted) {
        const auto& counts = m_counts[campaign];
        auto& totals = committed.totals.emplace_back(Committed::Totals{campaign, counts.total, {}});
        for (const std::string& screen : screens) totals.screens.emplace(screen, counts.screens.at(screen));
    }
    {
        std::lock_guard lock(m_flush_mutex);
        m_committed.push_back(std::move(committed));
    }
    m_flush_wake.notify_one();
}

void Writer::flush_loop() {
    for (;;) {
        std::deque<Committed> ready;
        {
            std::unique_lock lock(m_flush_mutex);
            m_flush_wake.wait(lock, [this] { return m_written_all || !m_committed.empty(); });
            if (m_committed.empty()) break;
            ready.swap(m_committed);
        }
        // One sync covers every batch committed before it started.
        std::optional<Error> failure = broken();
        if (!failure)
            if (auto flushed = m_flusher->flush(); !flushed) {
                break_down(flushed.error());
                failure = std::move(flushed.error());
            }
        for (Committed& batch : ready) {
            if (failure) {
                if (m_metrics) m_metrics->batch(batch.jobs.size(), seconds_since(batch.started), false);
                for (auto& job : batch.jobs) job->finish(&*failure);
            } else {
                publish(batch);
            }
        }
    }
}

void Writer::publish(Committed& batch) {
    if (batch.catalog) m_catalog.set(std::move(batch.catalog));
    for (const auto& totals : batch.totals) m_totals.set(totals.campaign, totals.total, totals.screens);
    m_sink.publish(batch.events);
    if (!batch.totals.empty()) {
        std::vector<std::string> counted;
        for (const auto& totals : batch.totals) counted.push_back(totals.campaign);
        m_sink.recounted(counted);
    }
    if (m_metrics) m_metrics->batch(batch.jobs.size(), seconds_since(batch.started), true);
    for (std::size_t i = 0; i < batch.jobs.size(); ++i)
        batch.jobs[i]->finish(batch.refused[i] ? &*batch.refused[i] : nullptr);
}

Result<void> Writer::prune(Batch& batch) {
    // A screen's seq lives in its newest stored event; before events go, the seqs are kept apart,
    // so numbering continues after a screen was quiet for longer than the retention.
    for (const std::string& screen : m_unpersisted_seqs)
        if (auto done = batch.store().set_last_seq(screen, m_seqs[screen]); !done)
            return fail(std::move(done.error()));
    auto events = batch.store().prune_events(batch.now() - m_options.event_retention);
    if (!events) return fail(std::move(events.error()));
    auto webhooks = batch.store().prune_webhook_events(batch.now());
    if (!webhooks) return fail(std::move(webhooks.error()));
    if (*events > 0 || *webhooks > 0)
        log()->debug("pruned {} old live events and {} expired webhook ids", *events, *webhooks);
    return {};
}

}  // namespace dwell::sync::hub
