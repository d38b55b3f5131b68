// The hub's one writer: batched commits, per-screen sequence numbers, refusals that touch
// nothing, failures that lose nothing committed, and counter events at most once per interval.
#include "sync/hub/writer.hpp"

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <future>
#include <mutex>
#include <optional>
#include <thread>

#include <gtest/gtest.h>
#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>

#include "tests/support/temp_dir.hpp"
#include "tests/unit/sync/hub_test_data.hpp"

namespace dwell::sync::hub {
namespace {

using namespace std::chrono_literals;

class RecordingSink final : public EventSink {
  public:
    void publish(std::span<const EmittedEvent> events) override {
        std::lock_guard lock(m_mutex);
        for (const auto& event : events) m_events.push_back(event);
    }
    void recounted(std::span<const std::string> campaigns) override {
        std::lock_guard lock(m_mutex);
        m_recounts.insert(m_recounts.end(), campaigns.begin(), campaigns.end());
    }
    std::vector<EmittedEvent> events() {
        std::lock_guard lock(m_mutex);
        return m_events;
    }
    std::vector<std::string> recounts() {
        std::lock_guard lock(m_mutex);
        return m_recounts;
    }

  private:
    std::mutex m_mutex;
    std::vector<EmittedEvent> m_events;
    std::vector<std::string> m_recounts;
};

// Holds every sync until the test lets it go, or fails it; shared with the flusher the writer owns.
struct SyncGate {
    std::mutex mutex;
    std::condition_variable changed;
    int entered = 0;
    bool open = false;
    std::optional<Error> failure;

    void release(std::optional<Error> fail_with = std::nullopt) {
        {
            std::lock_guard lock(mutex);
            open = true;
            failure = std::move(fail_with);
        }
        changed.notify_all();
    }
    int syncs() {
        std::lock_guard lock(mutex);
        return entered;
    }
    bool wait_entered(int count) {
        std::unique_lock lock(mutex);
        return changed.wait_for(lock, 10s, [&] { return entered >= count; });
    }
};

class GatedFlusher final : public CommitFlusher {
  public:
    GatedFlusher(std::unique_ptr<CommitFlusher> disk, std::shared_ptr<SyncGate> gate)
        : m_disk(std::move(disk)), m_gate(std::move(gate)) {}
    Result<void> flush() override {
        std::unique_lock lock(m_gate->mutex);
        ++m_gate->entered;
        m_gate->changed.notify_all();
        m_gate->changed.wait(lock, [&] { return m_gate->open; });
        if (m_gate->failure) return fail(*m_gate->failure);
        return m_disk->flush();
    }

  private:
    std::unique_ptr<CommitFlusher> m_disk;
    std::shared_ptr<SyncGate> m_gate;
};

class WriterTest : public ::testing::Test {
  protected:
    void SetUp() override { open(); }
    void TearDown() override {
        if (m_gate) m_gate->release();  // a writer cannot stop while a sync is held
    }

    void open(WriterOptions options = {}, std::shared_ptr<SyncGate> gate = nullptr) {
        m_writer.reset();
        m_database.reset();
        auto database = open_sqlite_database(StoreOptions{m_folder / "hub.db"});
        ASSERT_TRUE(database) << database.error().message;
        m_database = std::move(*database);
        auto store = m_database->connect_writer();
        ASSERT_TRUE(store);
        // Screens must exist for their last seq to be kept.
        ASSERT_TRUE((*store)->begin());
        for (const char* id : {"a", "b"}) ASSERT_TRUE((*store)->put_screen(seoul_screen(id), m_clock.now()));
        ASSERT_TRUE((*store)->commit());
        auto catalog = std::make_shared<Catalog>();
        for (const char* id : {"a", "b"}) catalog->screens.emplace(id, seoul_screen(id));
        m_catalog = std::make_unique<CatalogHolder>(std::move(catalog));
        std::unique_ptr<CommitFlusher> flusher;
        m_gate = std::move(gate);
        if (m_gate) flusher = std::make_unique<GatedFlusher>((*store)->defer_durability().value(), m_gate);
        auto writer = Writer::create(std::move(*store), *m_catalog, m_sink, m_totals, m_clock, nullptr,
                                     options, std::move(flusher));
        ASSERT_TRUE(writer) << writer.error().message;
        m_writer = std::move(*writer);
        m_writer->start();
    }

    // Runs `work` through the writer and waits for its result.
    template <class T>
    Result<T> run(std::function<Result<T>(Batch&)> work) {
        std::promise<Result<T>> done;
        auto future = done.get_future();
        m_writer->perform<T>(work, [&done](Result<T> result) { done.set_value(std::move(result)); });
        return future.get();
    }

    test::TempDir m_folder;
    config::FakeClock m_clock{config::WallTime{std::chrono::seconds{1'800'000'000}}};
    RecordingSink m_sink;
    JoinTotals m_totals;
    std::unique_ptr<HubDatabase> m_database;
    std::unique_ptr<CatalogHolder> m_catalog;
    std::unique_ptr<Writer> m_writer;
    std::shared_ptr<SyncGate> m_gate;
};

// Starts `work` on the writer; its result arrives in the returned future.
template <class T>
std::future<Result<T>> start(Writer& writer, std::function<Result<T>(Batch&)> work) {
    auto done = std::make_shared<std::promise<Result<T>>>();
    auto future = done->get_future();
    writer.perform<T>(work, [done](Result<T> result) { done->set_value(std::move(result)); });
    return future;
}

TEST_F(WriterTest, EventsAreNumberedPerScreenAndPublishedAfterTheyAreStored) {
    auto seqs = run<std::vector<std::uint64_t>>([](Batch& batch) -> Result<std::vector<std::uint64_t>> {
        std::vector<std::uint64_t> out;
        for (const char* screen : {"a", "a", "b", "a"}) {
            auto seq = batch.emit(screen, content::ManifestEvent{});
            if (!seq) return fail(seq.error());
            out.push_back(*seq);
        }
        return out;
    });
    ASSERT_TRUE(seqs) << seqs.error().message;
    EXPECT_EQ(*seqs, (std::vector<std::uint64_t>{1, 2, 1, 3})) << "each screen counts from 1 on its own";
    const auto events = m_sink.events();
    ASSERT_EQ(events.size(), 4U);
    EXPECT_EQ(boost::json::parse(*events[3].json).at("seq").as_int64(), 3);

    // What the sink got is in the database, and a restart continues the numbering.
    auto reader = m_database->connect().value();
    EXPECT_EQ(reader->events_between("a", 0, 10).value().size(), 3U);
    EXPECT_EQ(reader->last_seqs().value().at("a"), 3U);
    m_writer->stop();
    open();
    auto next = run<std::uint64_t>([](Batch& batch) { return batch.emit("a", content::ManifestEvent{}); });
    EXPECT_EQ(next.value(), 4U);
}

TEST_F(WriterTest, NumberingContinuesAfterAScreensEventsWerePrunedAndTheHubRestarted) {
    WriterOptions options;
    options.prune_interval = 100ms;
    options.event_retention = 1h;
    open(options);
    const auto emit_to = [this](const char* screen) {
        return run<std::uint64_t>(
                   [screen](Batch& batch) { return batch.emit(screen, content::ManifestEvent{}); })
            .value();
    };
    ASSERT_EQ(emit_to("a"), 1U);
    // A prune falls due while the writer is held in a job, so the batch after it both prunes and
    // adds b's first event: that seq must be kept as well.
    std::promise<void> release, holding;
    std::promise<Result<int>> held;
    std::function<Result<int>(Batch&)> hold = [&holding,
                                               gate = release.get_future().share()](Batch&) -> Result<int> {
        holding.set_value();
        gate.wait();
        return 0;
    };
    m_writer->perform<int>(hold, [&held](Result<int> result) { held.set_value(std::move(result)); });
    holding.get_future().wait();  // b's job must come in a batch of its own
    std::promise<Result<std::uint64_t>> first_b;
    std::function<Result<std::uint64_t>(Batch&)> emit_b = [](Batch& batch) {
        return batch.emit("b", content::ManifestEvent{});
    };
    m_writer->perform<std::uint64_t>(
        emit_b, [&first_b](Result<std::uint64_t> result) { first_b.set_value(std::move(result)); });
    std::this_thread::sleep_for(150ms);
    release.set_value();
    ASSERT_TRUE(held.get_future().get());
    ASSERT_EQ(first_b.get_future().get().value(), 1U);

    // More than an hour later, every event goes at the next prune.
    m_clock.advance(2h);
    auto reader = m_database->connect().value();
    const auto stored = [&] {
        return reader->events_between("a", 0, 10).value().size() +
               reader->events_between("b", 0, 10).value().size();
    };
    for (int i = 0; i < 100 && stored() > 0; ++i) std::this_thread::sleep_for(50ms);
    ASSERT_EQ(stored(), 0U) << "the old events were not pruned";

    m_writer->stop();
    open();
    EXPECT_EQ(emit_to("a"), 2U) << "a screen's seq never goes back";
    EXPECT_EQ(emit_to("b"), 2U) << "a screen's seq never goes back";
}

TEST(HubSchemaTest, AVersionOneDatabaseKeepsItsScreensSeqsWhenMigrated) {
    test::TempDir folder;
    const auto file = folder / "hub.db";
    {
        auto db = content::Store::open(file).value();
        ASSERT_TRUE(db->migrate(sqlite_migrations().first(1)));
        ASSERT_TRUE(
            db->exec("INSERT INTO screens (id, station, line, body, created_at, updated_at, last_seq) "
                     "VALUES ('a', 'seoul', '1', '{}', 0, 0, 7), ('b', 'seoul', '1', '{}', 0, 0, 0)"));
    }
    auto database = open_sqlite_database(StoreOptions{file});
    ASSERT_TRUE(database) << database.error().message;
    const auto seqs = (*database)->connect().value()->last_seqs().value();
    EXPECT_EQ(seqs, (std::map<std::string, std::uint64_t>{{"a", 7}, {"b", 0}}));
    auto check = content::Store::open(file).value();
    auto version = check->prepare("PRAGMA user_version").value();
    ASSERT_TRUE(version.step().value());
    EXPECT_EQ(version.column_int64(0), static_cast<std::int64_t>(sqlite_migrations().size()));
}

TEST_F(WriterTest, ARefusedJobChangesNothingAndItsBatchMatesCommit) {
    // Both jobs go into one batch: the writer is busy while they are queued.
    std::promise<void> release;
    auto gate = release.get_future().share();
    std::promise<Result<int>> first, refused, second;
    std::function<Result<int>(Batch&)> blocking = [gate](Batch&) -> Result<int> {
        gate.wait();
        return 0;
    };
    m_writer->perform<int>(blocking, [&first](Result<int> result) { first.set_value(std::move(result)); });
    std::function<Result<int>(Batch&)> refusing = [](Batch&) -> Result<int> {
        return fail(Errc::invalid_input, "no such campaign");
    };
    std::function<Result<int>(Batch&)> writing = [](Batch& batch) -> Result<int> {
        auto seq = batch.emit("b", content::ManifestEvent{});
        if (!seq) return fail(seq.error());
        return static_cast<int>(*seq);
    };
    m_writer->perform<int>(refusing,
                           [&refused](Result<int> result) { refused.set_value(std::move(result)); });
    m_writer->perform<int>(writing, [&second](Result<int> result) { second.set_value(std::move(result)); });
    release.set_value();
    EXPECT_TRUE(first.get_future().get());
    const auto refusal = refused.get_future().get();
    ASSERT_FALSE(refusal);
    EXPECT_EQ(refusal.error().code, Errc::invalid_input);
    EXPECT_EQ(refusal.error().message, "no such campaign");
    EXPECT_EQ(second.get_future().get().value(), 1);
}

TEST_F(WriterTest, AFailedBatchRollsBackAndNumbersAreNotSkippedOrReused) {
    ASSERT_EQ(
        run<std::uint64_t>([](Batch& batch) { return batch.emit("a", content::ManifestEvent{}); }).value(),
        1U);
    auto failed = run<std::uint64_t>([](Batch& batch) -> Result<std::uint64_t> {
        auto seq = batch.emit("a", content::ManifestEvent{});
        if (!seq) return fail(seq.error());
        return fail(Errc::storage, "the disk is full");
    });
    ASSERT_FALSE(failed);
    EXPECT_EQ(failed.error().code, Errc::storage);
    EXPECT_EQ(m_sink.events().size(), 1U) << "nothing of the failed batch was published";
    auto next = run<std::uint64_t>([](Batch& batch) { return batch.emit("a", content::ManifestEvent{}); });
    EXPECT_EQ(next.value(), 2U) << "the seq the failed batch took is given again, not skipped";
    EXPECT_EQ(m_database->connect().value()->events_between("a", 0, 10).value().size(), 2U);
}

TEST_F(WriterTest, CountedJoinsUpdateTheTotalsAndTellTheSinkOncePerBatch) {
    for (int i = 0; i < 3; ++i) {
        auto counted = run<std::uint64_t>([](Batch& batch) -> Result<std::uint64_t> {
            batch.count_join("fest", "a");
            return batch.count_join("fest", "b").second;
        });
        ASSERT_EQ(counted.value(), static_cast<std::uint64_t>(2 * (i + 1)));
    }
    EXPECT_EQ(m_totals.get("fest", "a").screen, 3U);
    EXPECT_EQ(m_totals.get("fest", "b").screen, 3U);
    EXPECT_EQ(m_totals.get("fest", "b").campaign, 6U);
    EXPECT_EQ(m_totals.get("fest", "c").screen, 0U);
    EXPECT_EQ(m_totals.get("other", "a").campaign, 0U);
    EXPECT_EQ(m_sink.recounts(), (std::vector<std::string>{"fest", "fest", "fest"}));
    EXPECT_TRUE(m_sink.events().empty()) << "totals are state, not stored events";
}

TEST_F(WriterTest, AStoppedWriterRefusesWorkWithAnError) {
    m_writer->stop();
    auto refused = run<int>([](Batch&) -> Result<int> { return 1; });
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, Errc::storage);
}

TEST_F(WriterTest, AChangeIsAnsweredOnlyOnceOnDiskWhileTheNextBatchIsAlreadyWritten) {
    auto gate = std::make_shared<SyncGate>();
    open({}, gate);
    std::function<Result<std::uint64_t>(Batch&)> emit_a = [](Batch& batch) {
        return batch.emit("a", content::ManifestEvent{});
    };
    auto first = start(*m_writer, emit_a);
    ASSERT_TRUE(gate->wait_entered(1)) << "the first batch was committed and its sync began";

    // The sync is held: the change is committed, but not answered or published yet.
    EXPECT_EQ(first.wait_for(50ms), std::future_status::timeout);
    EXPECT_TRUE(m_sink.events().empty());
    EXPECT_EQ(m_database->connect().value()->events_between("a", 0, 10).value().size(), 1U);

    // Meanwhile the writer takes and commits the next batch.
    std::promise<void> applied;
    std::function<Result<std::uint64_t>(Batch&)> emit_b = [&applied](Batch& batch) {
        auto seq = batch.emit("b", content::ManifestEvent{});
        applied.set_value();
        return seq;
    };
    auto second = start(*m_writer, emit_b);
    EXPECT_EQ(applied.get_future().wait_for(10s), std::future_status::ready)
        << "the second batch ran while the first one's sync was held";
    EXPECT_EQ(second.wait_for(50ms), std::future_status::timeout);

    gate->release();
    EXPECT_EQ(first.get().value(), 1U);
    EXPECT_EQ(second.get().value(), 1U);
    const auto events = m_sink.events();
    ASSERT_EQ(events.size(), 2U);
    EXPECT_EQ(events[0].screen, "a") << "published in commit order";
    EXPECT_EQ(events[1].screen, "b");
}

TEST_F(WriterTest, AFailedSyncFailsItsChangesAndTheWriterTakesNoMoreUntilRestarted) {
    auto gate = std::make_shared<SyncGate>();
    open({}, gate);
    ASSERT_FALSE(m_writer->broken());
    std::function<Result<std::uint64_t>(Batch&)> emit_a = [](Batch& batch) {
        return batch.emit("a", content::ManifestEvent{});
    };
    auto first = start(*m_writer, emit_a);
    ASSERT_TRUE(gate->wait_entered(1));
    gate->release(Error{Errc::storage, "cannot write the database's write-ahead log to disk: I/O error"});

    const auto lost = first.get();
    ASSERT_FALSE(lost) << "a change whose sync failed is never acknowledged";
    EXPECT_EQ(lost.error().code, Errc::storage);
    EXPECT_NE(lost.error().message.find("I/O error"), std::string::npos) << lost.error().message;
    EXPECT_TRUE(m_sink.events().empty()) << "nothing unsynced reaches the screens";

    const auto broken = m_writer->broken();
    ASSERT_TRUE(broken);
    EXPECT_NE(broken->message.find("I/O error"), std::string::npos);
    auto refused = run<std::uint64_t>(emit_a);
    ASSERT_FALSE(refused) << "after a failed sync the writer refuses changes instead of retrying it";
    EXPECT_EQ(refused.error().code, Errc::storage);
    EXPECT_EQ(gate->syncs(), 1) << "no second sync was tried";

    // A restart starts afresh from what the database holds.
    m_writer->stop();
    open();
    EXPECT_FALSE(m_writer->broken());
    EXPECT_TRUE(run<std::uint64_t>(emit_a));
}

TEST_F(WriterTest, TheDatabaseLogSyncSaysWhichFileItCouldNotFind) {
    auto store = m_database->connect_writer().value();
    auto flusher = store->defer_durability().value();
    ASSERT_TRUE(store->begin());
    ASSERT_TRUE(store->set_setting("probe", "1"));
    ASSERT_TRUE(store->commit());
    ASSERT_TRUE(flusher->flush()) << "a committed change syncs";

    const auto wal = m_folder / "hub.db-wal";
    ASSERT_TRUE(std::filesystem::remove(wal));
    const auto missing = flusher->flush();
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().code, Errc::storage);
    EXPECT_NE(missing.error().message.find(wal.string()), std::string::npos) << missing.error().message;
}

}  // namespace
}  // namespace dwell::sync::hub
