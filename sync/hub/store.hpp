// What the hub keeps, behind an interface in the hub's own terms: no SQL crosses it, so a
// PostgreSQL backend can sit beside the SQLite one (sqlite_store.cpp) without touching callers.
//
// A HubStore is one connection, used by one thread at a time. The writer thread owns one and runs
// every change through it in batched transactions (group commit); request threads borrow others
// from a StorePool for reads.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "config/clock.hpp"
#include "config/error.hpp"
#include "content/campaign.hpp"
#include "content/join_code.hpp"
#include "content/records.hpp"
#include "content/screen.hpp"
#include "content/store.hpp"

namespace dwell::sync::hub {

using config::WallTime;

enum class Role { marketer, operator_ };
std::string_view to_string(Role role);
Result<Role> parse_role(std::string_view text);

struct AssetRow {
    std::string sha256;
    std::string name;  // the file name it was last uploaded under, stored verbatim
    std::uint64_t size = 0;
    content::MediaKind kind = content::MediaKind::video;
    std::string codec;
    int width = 0;
    int height = 0;
    std::optional<config::Duration> duration;
    WallTime created_at{};
    friend bool operator==(const AssetRow&, const AssetRow&) = default;
};

// A (campaign, screen) pair's index in a channel's join space (DESIGN §4).
struct SlotRow {
    std::string channel;
    std::uint64_t slot = 0;
    std::string campaign;
    std::string screen;
    friend bool operator==(const SlotRow&, const SlotRow&) = default;
};

struct Takeover {
    std::string id;
    std::string text;
    content::Targets targets;
    WallTime created_at{};
    std::optional<WallTime> until;
    friend bool operator==(const Takeover&, const Takeover&) = default;
};

// A picture of a screen an operator asked for. It is pending until the screen sends the PNG or
// says why it could not take one.
struct ScreenshotRow {
    std::string id;
    std::string screen;
    WallTime requested_at{};
    std::optional<WallTime> answered_at;
    std::string error;  // why the screen could not take it; empty otherwise
    std::uint64_t bytes = 0;
    std::uint32_t width = 0;
    std::uint32_t height = 0;
    friend bool operator==(const ScreenshotRow&, const ScreenshotRow&) = default;
};

struct JoinRow {
    std::string campaign;
    std::string person;  // pseudonymous id
    std::string screen;
    std::string channel;
    std::string event_id;
    WallTime at{};
};

struct JoinCount {
    std::string campaign;
    std::string screen;
    std::uint64_t joins = 0;
};

struct ScreenStatus {
    std::optional<WallTime> last_seen;
    std::optional<std::string> health;  // the newest health record's JSON
};

enum class ReportGrouping { screen, station, line, hour };

struct ReportQuery {
    std::optional<std::string> campaign;  // all campaigns when absent
    WallTime from{};                      // inclusive
    WallTime to{};                        // exclusive
    ReportGrouping by = ReportGrouping::screen;
    // For hour grouping: the UTC offset in effect from each instant on (sorted), so hours are the
    // local hours of a time zone; one entry {epoch, 0} for UTC.
    std::vector<std::pair<WallTime, std::chrono::minutes>> offsets;
};

struct ReportCounts {
    std::uint64_t joins = 0;
    std::uint64_t unique_people = 0;
    std::uint64_t plays = 0;
};

// Keyed by the group: screen id, station, line, or the local hour's start as unix milliseconds
// of local wall time (a count the caller formats).
using ReportRows = std::map<std::string, ReportCounts>;

struct Report {
    ReportRows rows;
    ReportCounts total;  // the whole span: a person in several rows is one unique person here
};

// Makes every commit that returned before flush() was called durable. May be called from a thread
// other than the one committing.
class CommitFlusher {
  public:
    virtual ~CommitFlusher() = default;
    virtual Result<void> flush() = 0;
};

class HubStore {
  public:
    virtual ~HubStore() = default;

    // ---- the writer's unit of work ----
    virtual Result<void> begin() = 0;
    virtual Result<void> commit() = 0;
    virtual void rollback() = 0;
    // From now on commit() returns once the change is visible, before it is on disk, and the
    // flusher returned makes it durable. One thread can then write the next batch while another
    // waits for the disk, instead of the disk's wait stalling every change behind it.
    virtual Result<std::unique_ptr<CommitFlusher>> defer_durability() = 0;

    // ---- settings (the person-id pepper, ...) ----
    virtual Result<std::optional<std::string>> setting(std::string_view key) = 0;
    virtual Result<void> set_setting(std::string_view key, std::string_view value) = 0;

    // ---- credentials: tokens and enrollment codes are stored as hashes only ----
    virtual Result<void> insert_api_token(std::string_view hash, Role role, std::string_view name,
                                          WallTime now) = 0;
    virtual Result<std::optional<Role>> api_token_role(std::string_view hash) = 0;
    virtual Result<void> insert_device_token(std::string_view hash, std::string_view screen,
                                             WallTime now) = 0;
    virtual Result<std::optional<std::string>> device_token_screen(std::string_view hash) = 0;
    virtual Result<void> delete_device_tokens(std::string_view screen) = 0;
    virtual Result<void> insert_enrollment_code(std::string_view hash, std::string_view screen,
                                                WallTime expires) = 0;
    // The screen of a code still valid at `now`, removing the code (it is good once); nullopt otherwise.
    virtual Result<std::optional<std::string>> take_enrollment_code(std::string_view hash, WallTime now) = 0;
    virtual Result<void> delete_enrollment_codes(std::string_view screen) = 0;

    // ---- catalog ----
    virtual Result<std::vector<content::Screen>> screens() = 0;
    virtual Result<void> put_screen(const content::Screen& screen, WallTime now) = 0;
    virtual Result<std::map<std::string, ScreenStatus>> screen_statuses() = 0;
    virtual Result<void> set_screen_status(std::string_view screen, WallTime seen,
                                           std::optional<std::string_view> health) = 0;

    virtual Result<std::vector<AssetRow>> assets() = 0;
    // Stores the asset (once per sha256) and points its file name at it: every name an asset was
    // uploaded under keeps naming it, the newest upload of a name wins.
    virtual Result<void> put_asset(const AssetRow& asset, WallTime now) = 0;
    virtual Result<std::map<std::string, std::string>> asset_names() = 0;  // name → sha256

    virtual Result<std::vector<content::Campaign>> campaigns() = 0;
    virtual Result<void> put_campaign(const content::Campaign& campaign, WallTime now) = 0;
    virtual Result<void> delete_campaign(std::string_view id) = 0;

    virtual Result<std::map<std::string, content::JoinSecret>> join_secrets() = 0;
    virtual Result<void> put_join_secret(std::string_view channel, const content::JoinSecret& secret) = 0;
    virtual Result<std::vector<SlotRow>> slots() = 0;
    virtual Result<void> insert_slot(const SlotRow& slot) = 0;
    virtual Result<void> delete_slot(std::string_view channel, std::uint64_t slot) = 0;

    virtual Result<std::vector<Takeover>> takeovers() = 0;  // not yet ended
    virtual Result<void> insert_takeover(const Takeover& takeover) = 0;
    virtual Result<void> end_takeover(std::string_view id, WallTime now) = 0;

    // ---- messenger traffic ----
    // False when (channel, event_id) was seen before: a platform retry.
    virtual Result<bool> insert_webhook_event(std::string_view channel, std::string_view event_id,
                                              WallTime received, WallTime expires,
                                              std::string_view outcome) = 0;
    virtual Result<std::int64_t> prune_webhook_events(WallTime now) = 0;
    // False when the person already joined the campaign.
    virtual Result<bool> insert_join(const JoinRow& join) = 0;
    virtual Result<std::vector<JoinCount>> join_counts() = 0;

    // ---- live events, per screen in seq order ----
    virtual Result<void> insert_event(std::string_view screen, std::uint64_t seq, WallTime at,
                                      std::string_view json) = 0;
    // A screen's seq is its newest stored event's; this keeps it apart for when events are pruned.
    virtual Result<void> set_last_seq(std::string_view screen, std::uint64_t seq) = 0;
    virtual Result<std::map<std::string, std::uint64_t>> last_seqs() = 0;
    // The JSON of the events with after < seq <= upto, in seq order.
    virtual Result<std::vector<std::string>> events_between(std::string_view screen, std::uint64_t after,
                                                            std::uint64_t upto) = 0;
    // The smallest seq still kept for the screen; nullopt when none is.
    virtual Result<std::optional<std::uint64_t>> oldest_seq(std::string_view screen) = 0;
    virtual Result<std::int64_t> prune_events(WallTime before) = 0;

    // ---- screenshots ----
    // Adds a pending request, and forgets the screen's oldest ones beyond the newest `keep`.
    virtual Result<void> insert_screenshot(const ScreenshotRow& request, std::size_t keep) = 0;
    virtual Result<std::optional<ScreenshotRow>> screenshot(std::string_view id) = 0;
    // The PNG of an answered request; empty when it has none.
    virtual Result<std::vector<std::byte>> screenshot_png(std::string_view id) = 0;
    // Answers a pending request with `png` (its size in `answer`) or `answer.error`; false when it
    // was answered before, which leaves it as it was.
    virtual Result<bool> answer_screenshot(const ScreenshotRow& answer, std::span<const std::byte> png) = 0;

    // ---- records from screens ----
    // False when a record with this id was stored before.
    virtual Result<bool> insert_record(const content::Record& record, std::string_view json) = 0;
    virtual Result<std::uint64_t> record_count() = 0;

    virtual Result<Report> participation(const ReportQuery& query) = 0;
};

struct StoreOptions {
    std::filesystem::path database;
    std::chrono::milliseconds busy_timeout{5000};
    std::chrono::milliseconds checkpoint_every{200};  // SQLite: how often the WAL is copied back
};

// Opens connections to one database, whose schema open_*_database created or migrated.
class HubDatabase {
  public:
    virtual ~HubDatabase() = default;
    // A connection for reads (and for tools that write once, like token creation).
    virtual Result<std::unique_ptr<HubStore>> connect() = 0;
    // The connection of the one writer, tuned for many small transactions.
    virtual Result<std::unique_ptr<HubStore>> connect_writer() = 0;
};

// SQLite (WAL, synchronous=FULL: a commit is on disk before it returns, unless its connection
// deferred durability, when the flusher syncs the WAL).
Result<std::unique_ptr<HubDatabase>> open_sqlite_database(const StoreOptions& options);

// The SQLite schema's migrations in order, which open_sqlite_database applies; for tests that
// start from an older version.
std::span<const content::Migration> sqlite_migrations();

// Connections for request threads: borrowed for one read and handed back.
class StorePool {
  public:
    explicit StorePool(HubDatabase& database) : m_database(database) {}

    class Lease {
      public:
        Lease(StorePool& pool, std::unique_ptr<HubStore> store) : m_pool(&pool), m_store(std::move(store)) {}
        Lease(Lease&&) noexcept = default;
        Lease& operator=(Lease&&) = delete;
        Lease(const Lease&) = delete;
        Lease& operator=(const Lease&) = delete;
        ~Lease() {
            if (m_store) m_pool->give_back(std::move(m_store));
        }
        HubStore* operator->() { return m_store.get(); }
        HubStore& operator*() { return *m_store; }

      private:
        StorePool* m_pool;
        std::unique_ptr<HubStore> m_store;
    };

    Result<Lease> lease();

  private:
    void give_back(std::unique_ptr<HubStore> store);

    HubDatabase& m_database;
    std::mutex m_mutex;  // guards m_idle
    std::vector<std::unique_ptr<HubStore>> m_idle;
};

}  // namespace dwell::sync::hub
