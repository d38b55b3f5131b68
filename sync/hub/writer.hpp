// The hub's one writer: every change to the database runs here, on one thread, in batched
// transactions (group commit). A request waits for its change to be committed and on disk before
// it is answered, so whatever the hub acknowledged survives a crash or a power cut; batching makes
// that cheap, since one sync covers every change that arrived while the previous one was written.
//
// Writing and syncing are a pipeline: the writer thread commits a batch and hands it to the flush
// thread, which syncs the database's log and only then publishes the batch's events and answers
// its jobs, while the writer thread already writes the next batch. A sync that fails leaves the
// disk's state unknown (the kernel may have dropped the pages it could not write), so the writer
// then takes no more changes until the hub is restarted and the database recovers from its log.
//
// The writer also numbers live events (a strict per-screen seq, stored with the event in the same
// transaction) and keeps join counts, telling the feed which campaigns' totals moved.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>

#include "config/clock.hpp"
#include "config/error.hpp"
#include "content/records.hpp"
#include "sync/hub/catalog.hpp"
#include "sync/hub/store.hpp"

namespace dwell::sync::hub {

class Metrics;

struct WriterOptions {
    std::size_t max_batch = 4096;       // jobs in one transaction
    std::size_t queue_limit = 200'000;  // jobs waiting; more are refused (the caller answers 503)
    std::chrono::milliseconds prune_interval{60'000};
    config::Duration event_retention = std::chrono::hours{24};
};

// A live event as committed: its screen, seq and wire text.
struct EmittedEvent {
    std::string screen;
    std::uint64_t seq = 0;
    std::shared_ptr<const std::string> json;
};

// Where committed events go (the feed), in commit order.
class EventSink {
  public:
    virtual ~EventSink() = default;
    virtual void publish(std::span<const EmittedEvent> events) = 0;
    // The join totals of these campaigns changed in the last commit (JoinTotals has the new ones).
    virtual void recounted(std::span<const std::string> campaigns) = 0;
};

// Join totals as last committed, readable from any thread (for snapshots).
class JoinTotals {
  public:
    struct Counts {
        std::uint64_t screen = 0;
        std::uint64_t campaign = 0;
    };
    [[nodiscard]] Counts get(std::string_view campaign, std::string_view screen) const;
    void set(const std::string& campaign, std::uint64_t total,
             const std::map<std::string, std::uint64_t>& screens);

  private:
    struct Campaign {
        std::uint64_t total = 0;
        std::map<std::string, std::uint64_t, std::less<>> screens;
    };
    mutable std::mutex m_mutex;  // guards m_campaigns
    std::map<std::string, Campaign, std::less<>> m_campaigns;
};

class Writer;

// One transaction's worth of jobs, as a job sees it.
class Batch {
  public:
    [[nodiscard]] HubStore& store() { return m_store; }
    [[nodiscard]] config::WallTime now() const { return m_now; }
    // The catalog with this batch's changes so far.
    [[nodiscard]] const Catalog& catalog() const { return *m_catalog; }
    // A copy to change; published only when the batch commits. Call index() after editing.
    Catalog& edit_catalog();

    // Numbers, stores and (after the commit) publishes an event for a screen.
    Result<std::uint64_t> emit(const std::string& screen, content::LiveEventBody body);
    // Counts a new join; returns the totals including it.
    std::pair<std::uint64_t, std::uint64_t> count_join(const std::string& campaign,
                                                       const std::string& screen);

  private:
    friend class Writer;
    Batch(Writer& writer, HubStore& store, config::WallTime now, std::shared_ptr<const Catalog> catalog)
        : m_writer(writer), m_store(store), m_now(now), m_catalog(std::move(catalog)) {}

    Writer& m_writer;
    HubStore& m_store;
    config::WallTime m_now;
    std::shared_ptr<const Catalog> m_catalog;
    std::shared_ptr<Catalog> m_edited;  // == m_catalog once edited
    std::vector<EmittedEvent> m_events;
    std::map<std::string, std::set<std::string>> m_counted;  // campaign → screens whose joins grew
    std::set<std::string> m_sequenced;                       // screens that got events
};

class Job {
  public:
    virtual ~Job() = default;
    // Runs on the writer thread inside the batch's transaction. An error of kind storage, io or
    // internal fails the whole batch; any other error refuses this job alone, which must then
    // not have written anything (check first, write after).
    virtual Result<void> apply(Batch& batch) = 0;
    // After the batch is durable (error null) or failed. Runs on a writer thread: must not block.
    virtual void finish(const Error* error) = 0;
};

class Writer {
  public:
    // Loads seqs and join totals from the store, which it keeps for its thread.
    // `flusher` replaces the store's own (store.defer_durability()), for tests.
    static Result<std::unique_ptr<Writer>> create(std::unique_ptr<HubStore> store, CatalogHolder& catalog,
                                                  EventSink& sink, JoinTotals& totals,
                                                  const config::Clock& clock, Metrics* metrics,
                                                  WriterOptions options = {},
                                                  std::unique_ptr<CommitFlusher> flusher = nullptr);
    Writer(const Writer&) = delete;
    Writer& operator=(const Writer&) = delete;
    ~Writer();

    void start();
    // Runs what is queued, commits and syncs it, and ends the threads. Later submits are refused.
    void stop();

    // Queues a job; false when the queue is full or the writer stopped, and the job is then
    // destroyed without apply() or finish().
    [[nodiscard]] bool submit(std::unique_ptr<Job> job);

    // Runs `work` (a callable Result<T>(Batch&)) in a batch and completes with its result once
    // committed, or with the batch's error; Errc::storage at once when the writer cannot take more
    // work. The handler runs on its associated executor (for a coroutine: the one awaiting).
    //
    // `work` is taken by lvalue reference and moved from: GCC 12 destroys a lambda with captures
    // twice when it is a temporary inside a co_await expression, so callers name it first.
    template <class T, class Work, class Token>
    auto perform(Work& work, Token&& token) {
        std::function<Result<T>(Batch&)> apply{std::move(work)};
        return boost::asio::async_initiate<Token, void(Result<T>)>(
            [this](auto handler, std::function<Result<T>(Batch&)> body) {
                using Handler = decltype(handler);
                // A refused job is destroyed unrun, which completes the handler with the refusal.
                [[maybe_unused]] const bool queued =
                    submit(std::make_unique<FunctionJob<T, Handler>>(std::move(body), std::move(handler)));
            },
            token, std::move(apply));
    }

    [[nodiscard]] std::size_t queued() const;
    // Why the writer takes no more changes (a failed sync), if it does not.
    [[nodiscard]] std::optional<Error> broken() const;

  private:
    friend class Batch;

    template <class T, class Handler>
    class FunctionJob final : public Job {
      public:
        FunctionJob(std::function<Result<T>(Batch&)> work, Handler handler)
            : m_work(std::move(work)), m_handler(std::move(handler)) {}
        ~FunctionJob() override {
            // Dropped without running (the queue was full or the writer stopped).
            if (m_pending)
                complete(fail(Errc::storage, "the hub is not taking changes right now; try again"));
        }
        Result<void> apply(Batch& batch) override {
            m_result = m_work(batch);
            if (m_result) return {};
            return fail(m_result.error());
        }
        void finish(const Error* error) override {
            if (error != nullptr)
                complete(fail(*error));
            else
                complete(std::move(m_result));
        }

      private:
        void complete(Result<T> result) {
            m_pending = false;
            const auto executor = boost::asio::get_associated_executor(m_handler);
            boost::asio::post(executor,
                              [handler = std::move(m_handler), result = std::move(result)]() mutable {
                                  std::move(handler)(std::move(result));
                              });
        }
        std::function<Result<T>(Batch&)> m_work;
        Handler m_handler;
        Result<T> m_result = fail(Errc::internal, "not run");
        bool m_pending = true;
    };

    Writer(std::unique_ptr<HubStore> store, CatalogHolder& catalog, EventSink& sink, JoinTotals& totals,
           const config::Clock& clock, Metrics* metrics, WriterOptions options);
    // A batch committed but perhaps not yet on disk, and what to publish once it is.
    struct Committed {
        std::vector<std::unique_ptr<Job>> jobs;
        std::vector<std::optional<Error>> refused;
        std::vector<EmittedEvent> events;
        std::shared_ptr<const Catalog> catalog;  // when the batch changed it
        struct Totals {
            std::string campaign;
            std::uint64_t total = 0;
            std::map<std::string, std::uint64_t> screens;  // the ones that changed
        };
        std::vector<Totals> totals;
        std::chrono::steady_clock::time_point started;
    };

    Result<void> load_state();
    void run();
    void run_batch(std::vector<std::unique_ptr<Job>> jobs);
    Result<void> prune(Batch& batch);
    void flush_loop();
    void publish(Committed& batch);
    // Fails jobs with `error`, and with it every later submit.
    void break_down(const Error& error);

    std::unique_ptr<HubStore> m_store;
    CatalogHolder& m_catalog;
    EventSink& m_sink;
    JoinTotals& m_totals;
    const config::Clock& m_clock;
    Metrics* m_metrics;
    WriterOptions m_options;

    // m_mutex guards m_queue, m_stopping and m_broken; m_wake signals new work.
    mutable std::mutex m_mutex;
    std::condition_variable m_wake;
    std::deque<std::unique_ptr<Job>> m_queue;
    bool m_stopping = false;
    std::optional<Error> m_broken;
    std::thread m_thread;

    // m_flush_mutex guards m_committed and m_written_all; m_flush_wake signals either.
    std::unique_ptr<CommitFlusher> m_flusher;
    std::mutex m_flush_mutex;
    std::condition_variable m_flush_wake;
    std::deque<Committed> m_committed;
    bool m_written_all = false;  // the writer thread ended
    std::thread m_flush_thread;

    // Writer thread only.
    struct CampaignCount {
        std::uint64_t total = 0;
        std::map<std::string, std::uint64_t> screens;
    };
    std::map<std::string, std::uint64_t, std::less<>> m_seqs;    // last seq per screen
    std::map<std::string, CampaignCount, std::less<>> m_counts;  // joins per campaign and screen
    std::set<std::string> m_unpersisted_seqs;          // screens whose seq is only in their newest event
    std::shared_ptr<const Catalog> m_written_catalog;  // with every committed batch's changes
    std::chrono::steady_clock::time_point m_last_prune{};
};

}  // namespace dwell::sync::hub
