// state.db, the screen's local database shared by the sync agent and the player (SQLite, WAL):
//
//   manifest  the current manifest (one row): its JSON text, ETag, when it was stored and a
//             generation number that grows with every store, so the player sees a change with one
//             cheap query.
//   settings  small values by key: the clock offset to the hub, the last live-event seq forwarded.
//   outbox    records waiting to be shipped to the hub (play, shown, health, error), oldest first,
//             removed only once the hub acknowledged them.
//
// The agent writes the manifest and settings and ships the outbox; the player reads the manifest
// and the clock offset and appends records. Each process opens its own DeviceState (its own SQLite
// connection); one DeviceState must be used by one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "config/clock.hpp"
#include "config/error.hpp"
#include "content/manifest.hpp"
#include "content/records.hpp"
#include "content/store.hpp"

namespace dwell::content {

struct StoredManifest {
    Manifest manifest;
    std::string etag;             // as the hub sent it; empty when it sent none
    std::int64_t generation = 0;  // grows by one with every store_manifest
    config::WallTime stored_at{};
};

struct OutboxLimits {
    // Appending refuses (Errc::quota) once the waiting records take this many bytes of JSON, so a
    // screen offline for weeks cannot fill its disk; the caller logs it and the record is lost
    // loudly rather than silently.
    std::uint64_t max_bytes = 64ULL * 1024 * 1024;
};

struct OutboxEntry {
    Record record;
    std::size_t bytes = 0;  // size of the record's JSON text
};

struct OutboxUsage {
    std::uint64_t records = 0;
    std::uint64_t bytes = 0;
};

class DeviceState {
  public:
    // Opens (creating when allowed) and migrates the database. Errors name the file.
    static Result<std::unique_ptr<DeviceState>> open(const std::filesystem::path& file,
                                                     StoreOptions options = {}, OutboxLimits limits = {});

    // ---- manifest ----
    // Replaces the manifest in one transaction. The caller has validated it (it comes out of
    // manifest_from_json) and installed its assets first.
    Result<void> store_manifest(const Manifest& manifest, std::string_view etag, config::WallTime now);
    // The current manifest; nullopt when none was stored yet. A stored text that no longer decodes
    // is an Errc::storage error naming the problem.
    Result<std::optional<StoredManifest>> manifest();
    // The generation of the current manifest, 0 when none: one small query, for polling.
    Result<std::int64_t> manifest_generation();

    // ---- settings ----
    // The device clock's offset to the hub's: hub time = device time + offset. Zero when unknown.
    Result<void> set_clock_offset(config::Duration offset);
    Result<config::Duration> clock_offset();
    // The seq of the last live event forwarded to the player; 0 when none.
    Result<void> set_last_seq(std::uint64_t seq);
    Result<std::uint64_t> last_seq();

    // ---- outbox ----
    // Appends records in one transaction; a record whose id is already waiting is not added twice.
    // Errc::quota (and nothing appended) when the records would pass OutboxLimits::max_bytes.
    Result<void> append_records(std::span<const Record> records);
    // The oldest waiting records, at most `max_records` and `max_bytes` of JSON together (but
    // always at least one when any waits and max_records > 0, whatever its size). A stored record
    // that no longer decodes is an Errc::storage error naming its id.
    Result<std::vector<OutboxEntry>> oldest_records(std::size_t max_records, std::size_t max_bytes);
    // Removes acknowledged records; ids not waiting are ignored.
    Result<void> remove_records(std::span<const Uuid> ids);
    Result<OutboxUsage> outbox_usage();

    [[nodiscard]] Store& store() { return *m_store; }

  private:
    DeviceState(std::unique_ptr<Store> store, OutboxLimits limits);

    std::unique_ptr<Store> m_store;
    OutboxLimits m_limits;
};

}  // namespace dwell::content
