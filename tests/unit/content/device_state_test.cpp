#include "content/device_state.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <boost/json/serialize.hpp>

#include "tests/support/temp_dir.hpp"

namespace dwell::content {
namespace {

using namespace std::chrono_literals;
using std::chrono::milliseconds;
using ::testing::HasSubstr;

// 2026-12-01T06:00:00.000Z
constexpr config::WallTime december_first{milliseconds{1'796'104'800'000}};
const std::string poster_sha = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

Manifest sample_manifest(std::string campaign_id = "winter-sale") {
    Manifest manifest;
    manifest.screen = Screen{"s1-seoul-03",          "seoul",     "1", {"concourse"}, "Asia/Seoul", {},
                             Orientation::landscape, "fullscreen"};
    Campaign campaign;
    campaign.id = std::move(campaign_id);
    campaign.name = "Winter sale";
    campaign.window = {parse_instant("2026-12-01T00:00:00Z").value(),
                       parse_instant("2027-01-01T00:00:00Z").value()};
    campaign.targets.all = true;
    campaign.items = {Item{"poster.png", poster_sha, MediaKind::image, 10s}};
    campaign.join = JoinOptions{{"line-main"}, "{account}: {code}", "", {6, 60s}, {}};
    manifest.campaigns = {campaign};
    JoinSecret secret{};
    secret.fill(0x5a);
    manifest.joins = {ManifestJoin{campaign.id, "line-main", "@dwell",
                                   "https://line.me/R/oaMessage/{account}/?{code}", secret, 17, 6, 60s}};
    manifest.assets = {ManifestAsset{poster_sha, 45'678, MediaKind::image}};
    manifest.server_time = december_first;
    return manifest;
}

// A record whose JSON text is about `reason_bytes` long, ids growing with `n`.
Record error_record(std::uint64_t n, std::size_t reason_bytes = 10) {
    const auto id = Uuid::parse(fmt::format("019ad897-a800-7123-8abc-{:012x}", n)).value();
    return Record{id, "s1-seoul-03",
                  ErrorRecord{std::nullopt, std::nullopt, std::nullopt, std::string(reason_bytes, 'r'),
                              december_first + milliseconds{n}}};
}

std::vector<Uuid> ids_of(const std::vector<OutboxEntry>& entries) {
    std::vector<Uuid> ids;
    for (const auto& entry : entries) ids.push_back(entry.record.id);
    return ids;
}

class DeviceStateTest : public ::testing::Test {
  protected:
    std::unique_ptr<DeviceState> open(OutboxLimits limits = {}) {
        auto state = DeviceState::open(m_dir / "state.db", {}, limits);
        EXPECT_TRUE(state) << state.error().message;
        return state ? std::move(*state) : nullptr;
    }

    test::TempDir m_dir;
};

TEST_F(DeviceStateTest, StartsEmpty) {
    auto state = open();
    ASSERT_TRUE(state);
    EXPECT_EQ(state->manifest().value(), std::nullopt);
    EXPECT_EQ(state->manifest_generation().value(), 0);
    EXPECT_EQ(state->clock_offset().value(), 0ms);
    EXPECT_EQ(state->last_seq().value(), 0U);
    EXPECT_TRUE(state->oldest_records(10, 1000).value().empty());
    const OutboxUsage usage = state->outbox_usage().value();
    EXPECT_EQ(usage.records, 0U);
    EXPECT_EQ(usage.bytes, 0U);
}

TEST_F(DeviceStateTest, StoresTheManifestWithItsEtagAndTime) {
    auto state = open();
    ASSERT_TRUE(state);
    ASSERT_TRUE(state->store_manifest(sample_manifest(), "\"v1\"", december_first));
    const auto stored = state->manifest();
    ASSERT_TRUE(stored) << stored.error().message;
    ASSERT_TRUE(stored->has_value());
    EXPECT_EQ((*stored)->manifest, sample_manifest());
    EXPECT_EQ((*stored)->etag, "\"v1\"");
    EXPECT_EQ((*stored)->generation, 1);
    EXPECT_EQ((*stored)->stored_at, december_first);
}

TEST_F(DeviceStateTest, GenerationGrowsByOneWithEveryStore) {
    auto state = open();
    ASSERT_TRUE(state);
    for (std::int64_t generation = 1; generation <= 3; ++generation) {
        const std::string id = fmt::format("campaign-{}", generation);
        ASSERT_TRUE(state->store_manifest(sample_manifest(id), "",
                                          december_first + std::chrono::minutes{generation}));
        EXPECT_EQ(state->manifest_generation().value(), generation);
        const auto stored = state->manifest().value();
        ASSERT_TRUE(stored);
        EXPECT_EQ(stored->generation, generation);
        EXPECT_EQ(stored->manifest.campaigns.at(0).id, id);
        EXPECT_EQ(stored->etag, "");
        EXPECT_EQ(stored->stored_at, december_first + std::chrono::minutes{generation});
    }
    // Storing the same manifest again is still a store.
    ASSERT_TRUE(state->store_manifest(sample_manifest("campaign-3"), "\"same\"", december_first));
    EXPECT_EQ(state->manifest_generation().value(), 4);
}

TEST_F(DeviceStateTest, AStoredManifestThatNoLongerDecodesIsAStorageError) {
    auto state = open();
    ASSERT_TRUE(state);
    ASSERT_TRUE(state->store_manifest(sample_manifest(), "\"v1\"", december_first));
    ASSERT_TRUE(state->store().exec(R"(UPDATE manifest SET json = '{"screen": {"id": "s1"}}')"));
    const auto stored = state->manifest();
    ASSERT_FALSE(stored);
    EXPECT_EQ(stored.error().code, Errc::storage);
    EXPECT_THAT(stored.error().message, HasSubstr("state.db"));
    EXPECT_THAT(stored.error().message, HasSubstr("no longer decodes"));
    EXPECT_THAT(stored.error().message, HasSubstr("server_time: missing required field"));
    // The generation stays readable, and a new store repairs it.
    EXPECT_EQ(state->manifest_generation().value(), 1);
    ASSERT_TRUE(state->store_manifest(sample_manifest(), "\"v2\"", december_first));
    EXPECT_TRUE(state->manifest());

    ASSERT_TRUE(state->store().exec("UPDATE manifest SET json = 'not json'"));
    const auto garbled = state->manifest();
    ASSERT_FALSE(garbled);
    EXPECT_EQ(garbled.error().code, Errc::storage);
    EXPECT_THAT(garbled.error().message, HasSubstr("not valid JSON"));
}

TEST_F(DeviceStateTest, KeepsClockOffsetAndLastSeq) {
    auto state = open();
    ASSERT_TRUE(state);
    ASSERT_TRUE(state->set_clock_offset(-1500ms));
    EXPECT_EQ(state->clock_offset().value(), -1500ms);
    ASSERT_TRUE(state->set_clock_offset(42'000ms));
    EXPECT_EQ(state->clock_offset().value(), 42'000ms);

    ASSERT_TRUE(state->set_last_seq(7));
    EXPECT_EQ(state->last_seq().value(), 7U);
    const std::uint64_t largest = std::numeric_limits<std::int64_t>::max();
    ASSERT_TRUE(state->set_last_seq(largest));
    EXPECT_EQ(state->last_seq().value(), largest);

    const auto too_large = state->set_last_seq(largest + 1);
    ASSERT_FALSE(too_large);
    EXPECT_EQ(too_large.error().code, Errc::invalid_input);
    EXPECT_EQ(state->last_seq().value(), largest);
    // The two settings do not overwrite each other.
    EXPECT_EQ(state->clock_offset().value(), 42'000ms);
}

TEST_F(DeviceStateTest, AppendsAndReturnsOldestFirst) {
    auto state = open();
    ASSERT_TRUE(state);
    const std::vector<Record> first = {error_record(3), error_record(1)};
    const std::vector<Record> second = {error_record(2)};
    ASSERT_TRUE(state->append_records(first));
    ASSERT_TRUE(state->append_records(second));

    const auto entries = state->oldest_records(10, 1'000'000);
    ASSERT_TRUE(entries) << entries.error().message;
    ASSERT_EQ(entries->size(), 3U);
    // Insertion order, not id order.
    EXPECT_EQ((*entries)[0].record, first[0]);
    EXPECT_EQ((*entries)[1].record, first[1]);
    EXPECT_EQ((*entries)[2].record, second[0]);
    std::uint64_t bytes = 0;
    for (const auto& entry : *entries) {
        EXPECT_EQ(entry.bytes, boost::json::serialize(to_json(entry.record)).size());
        bytes += entry.bytes;
    }
    const OutboxUsage usage = state->outbox_usage().value();
    EXPECT_EQ(usage.records, 3U);
    EXPECT_EQ(usage.bytes, bytes);
}

TEST_F(DeviceStateTest, KeepsEveryKindOfRecordIntact) {
    auto state = open();
    ASSERT_TRUE(state);
    HealthRecord health;
    health.uptime = 3600s;
    health.fps = 29.97;
    health.temperature_c = 48.5;
    health.versions = {{"player", "0.1.0"}};
    health.current_item = PlayingItem{"winter-sale", poster_sha};
    const std::vector<Record> records = {
        Record{uuid_v7(december_first), "s1-seoul-03",
               PlayRecord{"winter-sale", poster_sha, december_first, december_first + 10s, true, 3}},
        Record{uuid_v7(december_first), "s1-seoul-03", ShownRecord{12, "winter-sale", december_first + 1s}},
        Record{uuid_v7(december_first), "s1-seoul-03", health},
        error_record(9),
    };
    ASSERT_TRUE(state->append_records(records));
    const auto entries = state->oldest_records(10, 1'000'000).value();
    ASSERT_EQ(entries.size(), records.size());
    for (std::size_t i = 0; i < records.size(); ++i) EXPECT_EQ(entries[i].record, records[i]) << i;
}

TEST_F(DeviceStateTest, DoesNotAddADuplicateIdTwice) {
    auto state = open();
    ASSERT_TRUE(state);
    const std::vector<Record> batch = {error_record(1), error_record(2), error_record(1)};
    ASSERT_TRUE(state->append_records(batch));
    EXPECT_EQ(state->outbox_usage().value().records, 2U);
    // A retry of a record already waiting keeps the first copy and its place.
    Record changed = error_record(1, 50);
    const std::vector<Record> retry = {error_record(3), changed};
    ASSERT_TRUE(state->append_records(retry));
    const auto entries = state->oldest_records(10, 1'000'000).value();
    ASSERT_EQ(entries.size(), 3U);
    EXPECT_EQ(entries[0].record, error_record(1));
    EXPECT_EQ(ids_of(entries),
              (std::vector<Uuid>{error_record(1).id, error_record(2).id, error_record(3).id}));
}

TEST_F(DeviceStateTest, RefusesRecordsPastTheQuotaAndAppendsNothing) {
    const std::size_t one = boost::json::serialize(to_json(error_record(1))).size();
    auto state = open(OutboxLimits{3 * one});
    ASSERT_TRUE(state);
    const std::vector<Record> two = {error_record(1), error_record(2)};
    ASSERT_TRUE(state->append_records(two));

    const std::vector<Record> batch = {error_record(3), error_record(4)};
    const auto refused = state->append_records(batch);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, Errc::quota);
    EXPECT_THAT(refused.error().message, HasSubstr("state.db"));
    EXPECT_THAT(refused.error().message, HasSubstr("nothing was appended"));
    const OutboxUsage usage = state->outbox_usage().value();
    EXPECT_EQ(usage.records, 2U);
    EXPECT_EQ(usage.bytes, 2 * one);
    EXPECT_EQ(ids_of(state->oldest_records(10, 1'000'000).value()),
              (std::vector<Uuid>{error_record(1).id, error_record(2).id}));

    // Exactly reaching the limit is allowed; a duplicate takes no room.
    const std::vector<Record> fits = {error_record(1), error_record(3)};
    ASSERT_TRUE(state->append_records(fits));
    EXPECT_EQ(state->outbox_usage().value().bytes, 3 * one);
    const std::vector<Record> more = {error_record(4)};
    EXPECT_EQ(state->append_records(more).error().code, Errc::quota);

    // Removing acknowledged records makes room again.
    const std::vector<Uuid> acked = {error_record(1).id};
    ASSERT_TRUE(state->remove_records(acked));
    EXPECT_TRUE(state->append_records(more));
}

TEST_F(DeviceStateTest, LimitsBatchesByCountAndBytes) {
    auto state = open();
    ASSERT_TRUE(state);
    const std::vector<Record> records = {error_record(1, 10), error_record(2, 10), error_record(3, 500),
                                         error_record(4, 10)};
    ASSERT_TRUE(state->append_records(records));
    const std::size_t small = boost::json::serialize(to_json(records[0])).size();
    const std::size_t large = boost::json::serialize(to_json(records[2])).size();

    EXPECT_EQ(ids_of(state->oldest_records(2, 1'000'000).value()),
              (std::vector<Uuid>{records[0].id, records[1].id}));
    EXPECT_EQ(ids_of(state->oldest_records(1, 1'000'000).value()), (std::vector<Uuid>{records[0].id}));
    EXPECT_TRUE(state->oldest_records(0, 1'000'000).value().empty());
    // Stops before the record that would pass max_bytes, even if a later one would fit.
    EXPECT_EQ(ids_of(state->oldest_records(10, 2 * small + large - 1).value()),
              (std::vector<Uuid>{records[0].id, records[1].id}));
    EXPECT_EQ(ids_of(state->oldest_records(10, 2 * small + large).value()),
              (std::vector<Uuid>{records[0].id, records[1].id, records[2].id}));
    EXPECT_EQ(ids_of(state->oldest_records(10, small).value()), (std::vector<Uuid>{records[0].id}));

    // The oldest record comes out even when it alone is larger than max_bytes.
    const std::vector<Uuid> first_two = {records[0].id, records[1].id};
    ASSERT_TRUE(state->remove_records(first_two));
    const auto oversized = state->oldest_records(10, 1).value();
    ASSERT_EQ(oversized.size(), 1U);
    EXPECT_EQ(oversized[0].record, records[2]);
    EXPECT_EQ(oversized[0].bytes, large);
}

TEST_F(DeviceStateTest, RemovesOnlyTheGivenRecords) {
    auto state = open();
    ASSERT_TRUE(state);
    const std::vector<Record> records = {error_record(1), error_record(2), error_record(3)};
    ASSERT_TRUE(state->append_records(records));
    const std::vector<Uuid> acked = {records[1].id, error_record(99).id};
    ASSERT_TRUE(state->remove_records(acked));
    EXPECT_EQ(ids_of(state->oldest_records(10, 1'000'000).value()),
              (std::vector<Uuid>{records[0].id, records[2].id}));
    const OutboxUsage usage = state->outbox_usage().value();
    EXPECT_EQ(usage.records, 2U);
    EXPECT_EQ(usage.bytes, 2 * boost::json::serialize(to_json(records[0])).size());
    // Removing again, or nothing, changes nothing.
    ASSERT_TRUE(state->remove_records(acked));
    ASSERT_TRUE(state->remove_records({}));
    EXPECT_EQ(state->outbox_usage().value().records, 2U);

    // A removed id may be appended again (the hub never acknowledged it twice).
    const std::vector<Record> again = {records[1]};
    ASSERT_TRUE(state->append_records(again));
    EXPECT_EQ(ids_of(state->oldest_records(10, 1'000'000).value()),
              (std::vector<Uuid>{records[0].id, records[2].id, records[1].id}));
}

TEST_F(DeviceStateTest, ACorruptOutboxRecordIsAStorageErrorNamingIt) {
    auto state = open();
    ASSERT_TRUE(state);
    const std::vector<Record> records = {error_record(1)};
    ASSERT_TRUE(state->append_records(records));
    ASSERT_TRUE(state->store().exec(R"(UPDATE outbox SET json = '{"type": "play"}')"));
    const auto entries = state->oldest_records(10, 1000);
    ASSERT_FALSE(entries);
    EXPECT_EQ(entries.error().code, Errc::storage);
    EXPECT_THAT(entries.error().message, HasSubstr(records[0].id.to_string()));
}

TEST_F(DeviceStateTest, ReopeningKeepsEverything) {
    const std::vector<Record> records = {error_record(1), error_record(2)};
    {
        auto state = open(OutboxLimits{1'000'000});
        ASSERT_TRUE(state);
        ASSERT_TRUE(state->store_manifest(sample_manifest(), "\"v1\"", december_first));
        ASSERT_TRUE(state->store_manifest(sample_manifest("spring"), "\"v2\"", december_first + 1h));
        ASSERT_TRUE(state->set_clock_offset(250ms));
        ASSERT_TRUE(state->set_last_seq(99));
        ASSERT_TRUE(state->append_records(records));
    }
    auto state = open();
    ASSERT_TRUE(state);
    const auto stored = state->manifest().value();
    ASSERT_TRUE(stored);
    EXPECT_EQ(stored->manifest, sample_manifest("spring"));
    EXPECT_EQ(stored->etag, "\"v2\"");
    EXPECT_EQ(stored->generation, 2);
    EXPECT_EQ(stored->stored_at, december_first + 1h);
    EXPECT_EQ(state->clock_offset().value(), 250ms);
    EXPECT_EQ(state->last_seq().value(), 99U);
    EXPECT_EQ(ids_of(state->oldest_records(10, 1'000'000).value()),
              (std::vector<Uuid>{records[0].id, records[1].id}));
    EXPECT_EQ(state->store().schema_version().value(), 1);
}

TEST_F(DeviceStateTest, AReaderOnTheSameFileSeesEveryCommittedManifest) {
    auto agent = open();
    auto player = open();
    ASSERT_TRUE(agent);
    ASSERT_TRUE(player);
    EXPECT_EQ(player->manifest_generation().value(), 0);

    ASSERT_TRUE(agent->store_manifest(sample_manifest("first"), "\"a\"", december_first));
    EXPECT_EQ(player->manifest_generation().value(), 1);
    auto seen = player->manifest().value();
    ASSERT_TRUE(seen);
    EXPECT_EQ(seen->manifest.campaigns.at(0).id, "first");

    // The player's earlier reads hold no snapshot: the next store is visible at once.
    ASSERT_TRUE(agent->store_manifest(sample_manifest("second"), "\"b\"", december_first + 1min));
    EXPECT_EQ(player->manifest_generation().value(), 2);
    seen = player->manifest().value();
    ASSERT_TRUE(seen);
    EXPECT_EQ(seen->manifest.campaigns.at(0).id, "second");
    EXPECT_EQ(seen->etag, "\"b\"");

    // And the other way: the player appends, the agent ships; settings flow too.
    const std::vector<Record> records = {error_record(1)};
    ASSERT_TRUE(player->append_records(records));
    EXPECT_EQ(ids_of(agent->oldest_records(10, 1'000'000).value()), (std::vector<Uuid>{records[0].id}));
    ASSERT_TRUE(agent->set_clock_offset(-3s));
    EXPECT_EQ(player->clock_offset().value(), -3s);
    const std::vector<Uuid> acked = {records[0].id};
    ASSERT_TRUE(agent->remove_records(acked));
    EXPECT_EQ(player->outbox_usage().value().records, 0U);

    // The file is in WAL mode, which is what lets the player read while the agent writes.
    auto mode = player->store().prepare("PRAGMA journal_mode");
    ASSERT_TRUE(mode);
    ASSERT_TRUE(mode->step().value());
    EXPECT_EQ(mode->column_text(0), "wal");
}

TEST_F(DeviceStateTest, OpenErrorsNameTheFile) {
    const auto missing =
        DeviceState::open(m_dir / "absent.db", StoreOptions{.access = StoreAccess::read_only});
    ASSERT_FALSE(missing);
    EXPECT_THAT(missing.error().message, HasSubstr("absent.db"));

    const auto not_a_database = DeviceState::open(m_dir.write("junk.db", std::string(4096, 'x')));
    ASSERT_FALSE(not_a_database);
    EXPECT_EQ(not_a_database.error().code, Errc::storage);
    EXPECT_THAT(not_a_database.error().message, HasSubstr("junk.db"));
}

}  // namespace
}  // namespace dwell::content
