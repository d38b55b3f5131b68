// What one join costs the hub in CPU, without the network or the disk's sync: the request
// threads' part (verify the LINE signature, read the body, decode the code, derive the person id)
// against a bare HMAC-SHA256 of the same body, and the writer's part (dedupe, participation,
// counts, the stored join event) against the same three inserts in a bare SQLite loop, both as
// the CPU time of the whole process (the writer has a thread of its own). The database lives in
// /dev/shm so the figures are CPU, not fsync latency.
#include <benchmark/benchmark.h>

#include <sqlite3.h>

#include <cstdlib>
#include <future>

#include <fmt/format.h>

#include "content/crypto.hpp"
#include "sync/hub/catalog.hpp"
#include "sync/hub/writer.hpp"
#include "sync/messenger/compose.hpp"
#include "sync/messenger/names.hpp"
#include "sync/messenger/signature.hpp"
#include "sync/messenger/webhook.hpp"
#include "tests/bench/peer_ratio.hpp"

namespace dwell::sync::hub {
namespace {

using namespace std::chrono_literals;
using config::ChannelKind;

const config::WallTime bench_time{std::chrono::seconds{1'800'000'000}};
constexpr std::string_view line_secret = "bench-channel-secret";
constexpr int joins_per_batch = 100;

void check(bool ok, std::string_view what) {
    if (!ok) {
        std::fprintf(stderr, "hub_join_bench: %.*s\n", static_cast<int>(what.size()), what.data());
        std::abort();
    }
}

// A catalog with one interactive campaign on 100 screens of one LINE channel.
Catalog make_catalog() {
    Catalog catalog;
    content::Campaign campaign;
    campaign.id = "bench";
    campaign.window = {{std::chrono::sys_seconds{0s}, {}}, {std::chrono::sys_seconds{4'000'000'000s}, {}}};
    campaign.targets.all = true;
    content::JoinOptions join;
    join.channels = {"line-bench"};
    campaign.join = join;
    catalog.campaigns.emplace("bench", campaign);
    ChannelSlots& slots = catalog.slots["line-bench"];
    slots.secret.fill(3);
    for (std::uint64_t slot = 0; slot < 100; ++slot) {
        const std::string screen = fmt::format("s{:03}", slot);
        content::Screen entry;
        entry.id = screen;
        entry.station = "seoul";
        catalog.screens.emplace(screen, entry);
        slots.by_slot.emplace(slot, SlotOwner{"bench", screen});
        slots.by_owner.emplace(std::pair{std::string{"bench"}, screen}, slot);
    }
    catalog.index();
    return catalog;
}

struct SignedWebhook {
    std::string body;
    messenger::Headers headers;
};

std::vector<SignedWebhook> make_webhooks(const Catalog& catalog, std::size_t count) {
    auto space = content::JoinCodeSpace::create(catalog.slots.at("line-bench").secret, 6, 60s).value();
    std::vector<SignedWebhook> out;
    for (std::size_t i = 0; i < count; ++i) {
        const messenger::OutgoingText text{i + 1, 1'000'000 + i, "Kim Minhyun",
                                           space.code_for(i % 100, bench_time).value(), bench_time};
        SignedWebhook webhook;
        webhook.body = messenger::compose_webhook(ChannelKind::line, {&text, 1});
        webhook.headers = messenger::sign_webhook(ChannelKind::line, line_secret, webhook.body);
        out.push_back(std::move(webhook));
    }
    return out;
}

void BM_HmacOfTheBody(benchmark::State& state) {
    const Catalog catalog = make_catalog();
    const auto webhooks = make_webhooks(catalog, 256);
    const auto key = content::HmacKey::create(line_secret).value();
    std::size_t i = 0;
    for (auto _ : state) benchmark::DoNotOptimize(key.sign({webhooks[i++ % webhooks.size()].body}));
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_HmacOfTheBody);

// What a request thread does for one LINE join before handing it to the writer.
void BM_VerifyReadAttribute(benchmark::State& state) {
    const Catalog catalog = make_catalog();
    const auto webhooks = make_webhooks(catalog, 256);
    const auto verifier =
        messenger::WebhookVerifier::create(ChannelKind::line, std::string{line_secret}).value();
    const auto people = messenger::PersonIds::create("pepper").value();
    const ChannelCodes& codes = *catalog.codes.at("line-bench");
    std::size_t i = 0;
    for (auto _ : state) {
        const SignedWebhook& webhook = webhooks[i++ % webhooks.size()];
        check(verifier.verify(webhook.headers, webhook.body).has_value(), "a signature did not verify");
        const auto batch = messenger::parse_webhook(ChannelKind::line, webhook.body).value();
        const auto& message = batch.messages.front();
        benchmark::DoNotOptimize(people.id("line-bench", message.user_id));
        benchmark::DoNotOptimize(messenger::mask_display_name(*message.display_name));
        check(codes.resolve(message.text, bench_time).has_value(), "a code did not resolve");
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_VerifyReadAttribute);

class NullSink final : public EventSink {
  public:
    void publish(std::span<const EmittedEvent>) override {}
    void recounted(std::span<const std::string>) override {}
};

std::filesystem::path scratch_database(std::string_view name) {
    const std::filesystem::path folder = std::filesystem::exists("/dev/shm") ? "/dev/shm" : "/tmp";
    const auto file = folder / fmt::format("dwell-hub-join-bench-{}-{}.db", name, ::getpid());
    for (const auto* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(file.string() + suffix);
    return file;
}

// The writer's part of 100 joins, in one batch as group commit makes them.
void BM_WriterJoins(benchmark::State& state) {
    const auto file = scratch_database("writer");
    auto database = open_sqlite_database(StoreOptions{file}).value();
    CatalogHolder catalog{std::make_shared<Catalog>(make_catalog())};
    NullSink sink;
    JoinTotals totals;
    const config::FakeClock clock{bench_time};
    auto writer =
        Writer::create(database->connect_writer().value(), catalog, sink, totals, clock, nullptr).value();
    writer->start();
    std::uint64_t person = 0;
    for (auto _ : state) {
        std::function<Result<int>(Batch&)> work = [&person](Batch& batch) -> Result<int> {
            for (int j = 0; j < joins_per_batch; ++j) {
                const std::string id = fmt::format("{:016x}", ++person);
                const std::string screen = fmt::format("s{:03}", person % 100);
                auto fresh = batch.store().insert_webhook_event("line-bench", id, batch.now(),
                                                                batch.now() + 24h, "joined");
                if (!fresh || !*fresh) return fail(Errc::storage, "dedupe insert");
                auto added = batch.store().insert_join(
                    JoinRow{"bench", id + id, screen, "line-bench", id, batch.now()});
                if (!added || !*added) return fail(Errc::storage, "join insert");
                const auto [at_screen, total] = batch.count_join("bench", screen);
                auto seq =
                    batch.emit(screen, content::JoinEvent{"bench", "K*m", "line-bench", at_screen, total});
                if (!seq) return fail(seq.error());
            }
            return 0;
        };
        std::promise<Result<int>> done;
        writer->perform<int>(work, [&done](Result<int> result) { done.set_value(std::move(result)); });
        check(done.get_future().get().has_value(), "a batch failed");
    }
    writer->stop();
    state.SetItemsProcessed(state.iterations() * joins_per_batch);
    for (const auto* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(file.string() + suffix);
}
BENCHMARK(BM_WriterJoins)->MeasureProcessCPUTime();

// The same rows through bare prepared statements in one transaction per 100.
void BM_BareSqliteJoins(benchmark::State& state) {
    const auto file = scratch_database("bare");
    {
        auto made = open_sqlite_database(StoreOptions{file});
        check(made.has_value(), "schema");
    }
    sqlite3* db = nullptr;
    check(sqlite3_open(file.c_str(), &db) == SQLITE_OK, "open");
    sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL", nullptr, nullptr, nullptr);
    sqlite3_stmt* dedupe = nullptr;
    sqlite3_stmt* join = nullptr;
    sqlite3_stmt* event = nullptr;
    sqlite3_prepare_v2(db, "INSERT INTO webhook_events VALUES (?, ?, 1, 2, 'joined') ON CONFLICT DO NOTHING",
                       -1, &dedupe, nullptr);
    sqlite3_prepare_v2(db,
                       "INSERT INTO joins VALUES ('bench', ?, ?, 'line-bench', ?, 1) ON CONFLICT DO NOTHING",
                       -1, &join, nullptr);
    sqlite3_prepare_v2(db, "INSERT INTO events VALUES (?, ?, 1, ?)", -1, &event, nullptr);
    std::uint64_t person = 0;
    std::map<std::string, std::int64_t> seqs;
    const auto run = [](sqlite3_stmt* statement) {
        check(sqlite3_step(statement) == SQLITE_DONE, "step");
        sqlite3_reset(statement);
    };
    for (auto _ : state) {
        sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
        for (int j = 0; j < joins_per_batch; ++j) {
            const std::string id = fmt::format("{:016x}", ++person);
            const std::string screen = fmt::format("s{:03}", person % 100);
            const std::string body = fmt::format(
                R"({{"seq":{},"at":1,"type":"join","campaign":"bench","name":"K*m","channel":"line-bench"}})",
                person);
            sqlite3_bind_text(dedupe, 1, "line-bench", -1, SQLITE_STATIC);
            sqlite3_bind_text(dedupe, 2, id.c_str(), -1, SQLITE_TRANSIENT);
            run(dedupe);
            const std::string person_id = id + id;
            sqlite3_bind_text(join, 1, person_id.c_str(), -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(join, 2, screen.c_str(), -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(join, 3, id.c_str(), -1, SQLITE_TRANSIENT);
            run(join);
            sqlite3_bind_text(event, 1, screen.c_str(), -1, SQLITE_TRANSIENT);
            sqlite3_bind_int64(event, 2, ++seqs[screen]);
            sqlite3_bind_text(event, 3, body.c_str(), -1, SQLITE_TRANSIENT);
            run(event);
        }
        check(sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr) == SQLITE_OK, "commit");
    }
    sqlite3_finalize(dedupe);
    sqlite3_finalize(join);
    sqlite3_finalize(event);
    sqlite3_close(db);
    state.SetItemsProcessed(state.iterations() * joins_per_batch);
    for (const auto* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(file.string() + suffix);
}
BENCHMARK(BM_BareSqliteJoins)->MeasureProcessCPUTime();

}  // namespace
}  // namespace dwell::sync::hub

int main(int argc, char** argv) {
    return dwell::bench::run_with_ratios(
        argc, argv,
        {{"BM_VerifyReadAttribute", "BM_HmacOfTheBody", 1, "a request thread's work per join, in bare HMACs"},
         {"BM_WriterJoins/process_time", "BM_BareSqliteJoins/process_time", 1,
          "the writer's work per 100 joins against the bare inserts"}});
}
