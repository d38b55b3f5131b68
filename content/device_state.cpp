#include "content/device_state.hpp"

#include <algorithm>
#include <limits>
#include <utility>

#include <fmt/format.h>
#include <boost/json/serialize.hpp>

#include "config/units.hpp"
#include "content/campaign_codec.hpp"

namespace dwell::content {
namespace {

// outbox_totals is kept by triggers so the quota check on every append reads one row instead of
// summing an outbox that may hold weeks of records. Outbox rows are ordered by their rowid
// (`position`), which SQLite always makes larger than every row present.
constexpr Migration migrations[] = {
    {1, R"sql(
CREATE TABLE manifest (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    json TEXT NOT NULL,
    etag TEXT NOT NULL,
    generation INTEGER NOT NULL,
    stored_at_ms INTEGER NOT NULL
);
CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE outbox (
    position INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL,
    json TEXT NOT NULL,
    bytes INTEGER NOT NULL CHECK (bytes >= 0)
);
CREATE TABLE outbox_totals (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    records INTEGER NOT NULL,
    bytes INTEGER NOT NULL
);
INSERT INTO outbox_totals (id, records, bytes) VALUES (1, 0, 0);
CREATE TRIGGER outbox_added AFTER INSERT ON outbox BEGIN
    UPDATE outbox_totals SET records = records + 1, bytes = bytes + new.bytes WHERE id = 1;
END;
CREATE TRIGGER outbox_removed AFTER DELETE ON outbox BEGIN
    UPDATE outbox_totals SET records = records - 1, bytes = bytes - old.bytes WHERE id = 1;
END;
)sql"},
};

constexpr std::string_view clock_offset_key = "clock_offset_ms";
constexpr std::string_view last_seq_key = "last_seq";

constexpr std::string_view select_totals = "SELECT records, bytes FROM outbox_totals WHERE id = 1";

Error in_file(Error error, const Store& store, std::string_view what) {
    return std::move(error).with_context(fmt::format("{} in {}", what, store.path().string()));
}

struct EncodedRecord {
    std::string id;
    std::string_view type;
    std::string json;
};

}  // namespace

DeviceState::DeviceState(std::unique_ptr<Store> store, OutboxLimits limits)
    : m_store(std::move(store)), m_limits(limits) {}

Result<std::unique_ptr<DeviceState>> DeviceState::open(const std::filesystem::path& file,
                                                       StoreOptions options, OutboxLimits limits) {
    auto store = Store::open(file, options);
    if (!store) return fail(std::move(store.error()));
    if (auto migrated = (*store)->migrate(migrations); !migrated) return fail(std::move(migrated.error()));
    return std::unique_ptr<DeviceState>(new DeviceState(std::move(*store), limits));
}

// ---- manifest ----

Result<void> DeviceState::store_manifest(const Manifest& manifest, std::string_view etag,
                                         config::WallTime now) {
    const std::string text = manifest_to_json_text(manifest);
    // One statement, so the replacement and the generation step commit together.
    auto upsert = m_store->cached(
        "INSERT INTO manifest (id, json, etag, generation, stored_at_ms) VALUES (1, ?1, ?2, 1, ?3) "
        "ON CONFLICT (id) DO UPDATE SET json = excluded.json, etag = excluded.etag, "
        "generation = manifest.generation + 1, stored_at_ms = excluded.stored_at_ms");
    if (!upsert) return fail(in_file(std::move(upsert.error()), *m_store, "storing the manifest"));
    if (auto done = (*upsert)->run(std::string_view{text}, etag, now.time_since_epoch().count()); !done)
        return fail(in_file(std::move(done.error()), *m_store, "storing the manifest"));
    return {};
}

Result<std::optional<StoredManifest>> DeviceState::manifest() {
    auto select = m_store->cached("SELECT json, etag, generation, stored_at_ms FROM manifest WHERE id = 1");
    if (!select) return fail(in_file(std::move(select.error()), *m_store, "reading the manifest"));
    Statement& statement = **select;
    auto row = statement.step();
    if (!row) return fail(in_file(std::move(row.error()), *m_store, "reading the manifest"));
    if (!*row) return std::optional<StoredManifest>{};
    const std::string text{statement.column_text(0)};
    StoredManifest stored;
    stored.etag = std::string{statement.column_text(1)};
    stored.generation = statement.column_int64(2);
    stored.stored_at = config::WallTime{std::chrono::milliseconds{statement.column_int64(3)}};
    // Ends the read now, so this connection does not keep an old snapshot while the caller works.
    statement.reset();
    auto decoded = manifest_from_json_text(text);
    if (!decoded)
        return fail(Errc::storage, "the manifest stored in {} (generation {}) no longer decodes: {}",
                    m_store->path().string(), stored.generation, decoded.error().message);
    stored.manifest = std::move(*decoded);
    return std::optional<StoredManifest>{std::move(stored)};
}

Result<std::int64_t> DeviceState::manifest_generation() {
    auto select = m_store->cached("SELECT generation FROM manifest WHERE id = 1");
    if (!select) return fail(in_file(std::move(select.error()), *m_store, "reading the manifest generation"));
    auto row = (*select)->step();
    if (!row) return fail(in_file(std::move(row.error()), *m_store, "reading the manifest generation"));
    if (!*row) return std::int64_t{0};
    const std::int64_t generation = (*select)->column_int64(0);
    (*select)->reset();
    return generation;
}

// ---- settings ----

namespace {

Result<void> write_setting(Store& store, std::string_view key, std::int64_t value) {
    auto upsert = store.cached(
        "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = "
        "excluded.value");
    if (!upsert)
        return fail(in_file(std::move(upsert.error()), store, fmt::format("writing setting {}", key)));
    if (auto done = (*upsert)->run(key, value); !done)
        return fail(in_file(std::move(done.error()), store, fmt::format("writing setting {}", key)));
    return {};
}

Result<std::optional<std::int64_t>> read_setting(Store& store, std::string_view key) {
    auto select = store.cached("SELECT value FROM settings WHERE key = ?1");
    if (!select)
        return fail(in_file(std::move(select.error()), store, fmt::format("reading setting {}", key)));
    Statement& statement = **select;
    if (auto bound = statement.bind(1, key); !bound)
        return fail(in_file(std::move(bound.error()), store, fmt::format("reading setting {}", key)));
    auto row = statement.step();
    if (!row) return fail(in_file(std::move(row.error()), store, fmt::format("reading setting {}", key)));
    if (!*row) return std::optional<std::int64_t>{};
    const std::int64_t value = statement.column_int64(0);
    statement.reset();
    return std::optional<std::int64_t>{value};
}

}  // namespace

Result<void> DeviceState::set_clock_offset(config::Duration offset) {
    return write_setting(*m_store, clock_offset_key, offset.count());
}

Result<config::Duration> DeviceState::clock_offset() {
    auto value = read_setting(*m_store, clock_offset_key);
    if (!value) return fail(std::move(value.error()));
    return config::Duration{value->value_or(0)};
}

Result<void> DeviceState::set_last_seq(std::uint64_t seq) {
    if (seq > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
        return fail(Errc::invalid_input, "live event seq {} is too large to store (at most {})", seq,
                    std::numeric_limits<std::int64_t>::max());
    return write_setting(*m_store, last_seq_key, static_cast<std::int64_t>(seq));
}

Result<std::uint64_t> DeviceState::last_seq() {
    auto value = read_setting(*m_store, last_seq_key);
    if (!value) return fail(std::move(value.error()));
    const std::int64_t seq = value->value_or(0);
    if (seq < 0)
        return fail(Errc::storage, "setting {} in {} holds {}, expected a seq of 0 or more", last_seq_key,
                    m_store->path().string(), seq);
    return static_cast<std::uint64_t>(seq);
}

// ---- outbox ----

namespace {

Result<OutboxUsage> read_totals(Store& store) {
    auto select = store.cached(select_totals);
    if (!select) return fail(in_file(std::move(select.error()), store, "reading the outbox size"));
    auto row = (*select)->step();
    if (!row) return fail(in_file(std::move(row.error()), store, "reading the outbox size"));
    if (!*row) return fail(Errc::storage, "the outbox totals row is missing in {}", store.path().string());
    const std::int64_t records = (*select)->column_int64(0);
    const std::int64_t bytes = (*select)->column_int64(1);
    (*select)->reset();
    if (records < 0 || bytes < 0)
        return fail(Errc::storage, "the outbox totals in {} are negative ({} records, {} bytes)",
                    store.path().string(), records, bytes);
    return OutboxUsage{static_cast<std::uint64_t>(records), static_cast<std::uint64_t>(bytes)};
}

}  // namespace

Result<void> DeviceState::append_records(std::span<const Record> records) {
    if (records.empty()) return {};
    std::vector<EncodedRecord> encoded;
    encoded.reserve(records.size());
    for (const Record& record : records)
        encoded.push_back(
            {record.id.to_string(), type_name(record.body), boost::json::serialize(to_json(record))});

    const auto context = [&](Error error) {
        return in_file(std::move(error), *m_store, "appending to the outbox");
    };
    auto transaction = m_store->begin(TransactionKind::immediate);
    if (!transaction) return fail(context(std::move(transaction.error())));
    auto before = read_totals(*m_store);
    if (!before) return fail(std::move(before.error()));
    auto insert = m_store->cached(
        "INSERT INTO outbox (id, type, json, bytes) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (id) DO NOTHING");
    if (!insert) return fail(context(std::move(insert.error())));
    for (const EncodedRecord& record : encoded) {
        if (auto done =
                (*insert)->run(std::string_view{record.id}, record.type, std::string_view{record.json},
                               static_cast<std::int64_t>(record.json.size()));
            !done)
            return fail(context(std::move(done.error())));
    }
    auto after = read_totals(*m_store);
    if (!after) return fail(std::move(after.error()));
    if (after->bytes > m_limits.max_bytes) {
        // Returning drops the transaction, which rolls every insert back.
        return fail(
            Errc::quota,
            "the outbox in {} is full: {} waiting records take {}; {} more records ({}) would pass the "
            "limit of {}; nothing was appended",
            m_store->path().string(), before->records, config::format_size(before->bytes),
            after->records - before->records, config::format_size(after->bytes - before->bytes),
            config::format_size(m_limits.max_bytes));
    }
    if (auto committed = transaction->commit(); !committed)
        return fail(context(std::move(committed.error())));
    return {};
}

Result<std::vector<OutboxEntry>> DeviceState::oldest_records(std::size_t max_records, std::size_t max_bytes) {
    std::vector<OutboxEntry> out;
    if (max_records == 0) return out;
    const auto context = [&](Error error) {
        return in_file(std::move(error), *m_store, "reading the outbox");
    };
    auto select = m_store->cached("SELECT id, json, bytes FROM outbox ORDER BY position LIMIT ?1");
    if (!select) return fail(context(std::move(select.error())));
    Statement& statement = **select;
    const auto limit = static_cast<std::int64_t>(std::min<std::uint64_t>(
        max_records, static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())));
    if (auto bound = statement.bind(1, limit); !bound) return fail(context(std::move(bound.error())));
    std::uint64_t total = 0;
    for (;;) {
        auto row = statement.step();
        if (!row) return fail(context(std::move(row.error())));
        if (!*row) break;
        const auto bytes = static_cast<std::uint64_t>(std::max<std::int64_t>(statement.column_int64(2), 0));
        if (!out.empty() && total + bytes > max_bytes) {
            statement.reset();
            break;
        }
        const std::string id{statement.column_text(0)};
        auto json = parse_json_text(statement.column_text(1), "outbox record");
        auto record =
            json ? record_from_json(*json) : Result<Record>{std::unexpected(std::move(json.error()))};
        if (!record) {
            statement.reset();
            return fail(Errc::storage, "outbox record {} in {} no longer decodes: {}", id,
                        m_store->path().string(), record.error().message);
        }
        out.push_back(OutboxEntry{std::move(*record), static_cast<std::size_t>(bytes)});
        total += bytes;
    }
    return out;
}

Result<void> DeviceState::remove_records(std::span<const Uuid> ids) {
    if (ids.empty()) return {};
    const auto context = [&](Error error) {
        return in_file(std::move(error), *m_store, "removing outbox records");
    };
    auto transaction = m_store->begin(TransactionKind::immediate);
    if (!transaction) return fail(context(std::move(transaction.error())));
    auto remove = m_store->cached("DELETE FROM outbox WHERE id = ?1");
    if (!remove) return fail(context(std::move(remove.error())));
    for (const Uuid& id : ids)
        if (auto done = (*remove)->run(std::string_view{id.to_string()}); !done)
            return fail(context(std::move(done.error())));
    if (auto committed = transaction->commit(); !committed)
        return fail(context(std::move(committed.error())));
    return {};
}

Result<OutboxUsage> DeviceState::outbox_usage() {
    return read_totals(*m_store);
}

}  // namespace dwell::content
