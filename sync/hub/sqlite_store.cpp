// The hub's SQLite backend: content/store.hpp's wrapper, WAL, one schema migrated in place.
#include <array>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <thread>
#include <utility>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "config/log.hpp"
#include "config/service.hpp"
#include "content/campaign_codec.hpp"
#include "content/store.hpp"
#include "sync/hub/store.hpp"

namespace dwell::sync::hub {
namespace {

using content::Statement;

constexpr std::string_view schema_v1 = R"sql(
CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE api_tokens (hash TEXT PRIMARY KEY, role TEXT NOT NULL, name TEXT NOT NULL,
                         created_at INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE screens (id TEXT PRIMARY KEY, station TEXT NOT NULL, line TEXT NOT NULL, body TEXT NOT NULL,
                      created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
                      last_seen INTEGER, health TEXT, last_seq INTEGER NOT NULL DEFAULT 0);
CREATE TABLE device_tokens (hash TEXT PRIMARY KEY, screen TEXT NOT NULL REFERENCES screens(id) ON DELETE CASCADE,
                            created_at INTEGER NOT NULL) WITHOUT ROWID;
CREATE INDEX device_tokens_by_screen ON device_tokens(screen);
CREATE TABLE enrollment_codes (hash TEXT PRIMARY KEY,
                               screen TEXT NOT NULL REFERENCES screens(id) ON DELETE CASCADE,
                               expires_at INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE assets (sha256 TEXT PRIMARY KEY, name TEXT NOT NULL, size INTEGER NOT NULL, kind TEXT NOT NULL,
                     codec TEXT NOT NULL, width INTEGER NOT NULL, height INTEGER NOT NULL, duration_ms INTEGER,
                     created_at INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE asset_names (name TEXT PRIMARY KEY, sha256 TEXT NOT NULL, named_at INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE campaigns (id TEXT PRIMARY KEY, body TEXT NOT NULL, created_at INTEGER NOT NULL,
                        updated_at INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE join_secrets (channel TEXT PRIMARY KEY, secret BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE join_slots (channel TEXT NOT NULL, slot INTEGER NOT NULL, campaign TEXT NOT NULL,
                         screen TEXT NOT NULL, PRIMARY KEY (channel, slot),
                         UNIQUE (channel, campaign, screen)) WITHOUT ROWID;
CREATE TABLE takeovers (id TEXT PRIMARY KEY, text TEXT NOT NULL, targets TEXT NOT NULL,
                        created_at INTEGER NOT NULL, until INTEGER, ended_at INTEGER) WITHOUT ROWID;
CREATE TABLE webhook_events (channel TEXT NOT NULL, event_id TEXT NOT NULL, received_at INTEGER NOT NULL,
                             expires_at INTEGER NOT NULL, outcome TEXT NOT NULL,
                             PRIMARY KEY (channel, event_id)) WITHOUT ROWID;
CREATE INDEX webhook_events_by_expiry ON webhook_events(expires_at);
CREATE TABLE joins (campaign TEXT NOT NULL, person TEXT NOT NULL, screen TEXT NOT NULL, channel TEXT NOT NULL,
                    event_id TEXT NOT NULL, at INTEGER NOT NULL, PRIMARY KEY (campaign, person)) WITHOUT ROWID;
CREATE INDEX joins_by_time ON joins(at);
CREATE TABLE events (screen TEXT NOT NULL, seq INTEGER NOT NULL, at INTEGER NOT NULL, body TEXT NOT NULL,
                     PRIMARY KEY (screen, seq)) WITHOUT ROWID;
CREATE INDEX events_by_time ON events(at);
CREATE TABLE records (id BLOB PRIMARY KEY, screen TEXT NOT NULL, type TEXT NOT NULL, body TEXT NOT NULL)
  WITHOUT ROWID;
CREATE TABLE plays (id BLOB PRIMARY KEY, screen TEXT NOT NULL, campaign TEXT NOT NULL, start INTEGER NOT NULL)
  WITHOUT ROWID;
CREATE INDEX plays_by_time ON plays(start);
)sql";

// Counters stopped being stored events: a screen's seq is its newest event's, and is kept apart
// only when its events are pruned, instead of on the screen's row at every event.
constexpr std::string_view schema_v2 = R"sql(
CREATE TABLE feed_seqs (screen TEXT PRIMARY KEY, seq INTEGER NOT NULL) WITHOUT ROWID;
INSERT INTO feed_seqs (screen, seq) SELECT id, last_seq FROM screens WHERE last_seq > 0;
ALTER TABLE screens DROP COLUMN last_seq;
)sql";

// Screenshots operators asked for; the PNG is kept in the row, so it is durable with the answer.
constexpr std::string_view schema_v3 = R"sql(
CREATE TABLE screenshots (id TEXT PRIMARY KEY, screen TEXT NOT NULL, requested_at INTEGER NOT NULL,
                          answered_at INTEGER, error TEXT NOT NULL DEFAULT '', width INTEGER NOT NULL DEFAULT 0,
                          height INTEGER NOT NULL DEFAULT 0, png BLOB) WITHOUT ROWID;
CREATE INDEX screenshots_by_screen ON screenshots(screen, requested_at);
)sql";

constexpr std::array<content::Migration, 3> migrations{{{1, schema_v1}, {2, schema_v2}, {3, schema_v3}}};

std::int64_t ms(WallTime time) {
    return time.time_since_epoch().count();
}
WallTime wall(std::int64_t value) {
    return WallTime{config::Duration{value}};
}

template <class T>
Result<T> decode_error(std::string_view what, std::string_view id, const Error& error) {
    return fail(Errc::storage, "the stored {} {} no longer decodes: {}", what, id, error.message);
}

// Syncs the WAL, where a commit at synchronous=NORMAL has written its pages without syncing them.
// fdatasync flushes the file, not the descriptor, so a descriptor of its own will do.
class WalFlusher final : public CommitFlusher {
  public:
    explicit WalFlusher(std::filesystem::path wal) : m_wal(std::move(wal)) {}
    WalFlusher(const WalFlusher&) = delete;
    WalFlusher& operator=(const WalFlusher&) = delete;
    ~WalFlusher() override {
        if (m_fd >= 0) ::close(m_fd);
    }

    Result<void> flush() override {
        // SQLite keeps the WAL while a connection is open, but should it ever make a new one,
        // syncing the old file would sync nothing.
        struct stat now {};
        if (::stat(m_wal.c_str(), &now) != 0)
            return fail(Errc::storage, "cannot find the database's write-ahead log {}: {}", m_wal.string(),
                        std::strerror(errno));
        if (m_fd < 0 || now.st_ino != m_inode || now.st_dev != m_device) {
            const int fd = ::open(m_wal.c_str(), O_RDONLY | O_CLOEXEC);
            if (fd < 0)
                return fail(Errc::storage, "cannot open the database's write-ahead log {}: {}",
                            m_wal.string(), std::strerror(errno));
            if (m_fd >= 0) ::close(m_fd);
            m_fd = fd;
            m_inode = now.st_ino;
            m_device = now.st_dev;
        }
        if (::fdatasync(m_fd) != 0)
            return fail(Errc::storage, "cannot write the database's write-ahead log {} to disk: {}",
                        m_wal.string(), std::strerror(errno));
        return {};
    }

  private:
    std::filesystem::path m_wal;
    int m_fd = -1;
    ino_t m_inode = 0;
    dev_t m_device = 0;
};

class SqliteStore final : public HubStore {
  public:
    explicit SqliteStore(std::unique_ptr<content::Store> db) : m_db(std::move(db)) {}

    Result<void> begin() override {
        auto transaction = m_db->begin(content::TransactionKind::immediate);
        if (!transaction) return fail(std::move(transaction.error()));
        m_transaction.emplace(std::move(*transaction));
        return {};
    }
    Result<void> commit() override {
        if (!m_transaction) return {};
        auto done = m_transaction->commit();
        m_transaction.reset();  // after a failed commit this rolls back
        return done;
    }
    void rollback() override { m_transaction.reset(); }

    Result<std::optional<std::string>> setting(std::string_view key) override {
        auto statement = query("SELECT value FROM settings WHERE key = ?", key);
        if (!statement) return fail(std::move(statement.error()));
        return one_text(**statement);
    }
    Result<void> set_setting(std::string_view key, std::string_view value) override {
        return run(
            "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = "
            "excluded.value",
            key, value);
    }

    Result<void> insert_api_token(std::string_view hash, Role role, std::string_view name,
                                  WallTime now) override {
        return run("INSERT INTO api_tokens (hash, role, name, created_at) VALUES (?, ?, ?, ?)", hash,
                   to_string(role), name, ms(now));
    }
    Result<std::optional<Role>> api_token_role(std::string_view hash) override {
        auto statement = query("SELECT role FROM api_tokens WHERE hash = ?", hash);
        if (!statement) return fail(std::move(statement.error()));
        auto text = one_text(**statement);
        if (!text) return fail(std::move(text.error()));
        if (!*text) return std::optional<Role>{};
        auto role = parse_role(**text);
        if (!role) return fail(Errc::storage, "a stored API token has the unknown role \"{}\"", **text);
        return std::optional<Role>{*role};
    }
    Result<void> insert_device_token(std::string_view hash, std::string_view screen, WallTime now) override {
        return run("INSERT INTO device_tokens (hash, screen, created_at) VALUES (?, ?, ?)", hash, screen,
                   ms(now));
    }
    Result<std::optional<std::string>> device_token_screen(std::string_view hash) override {
        auto statement = query("SELECT screen FROM device_tokens WHERE hash = ?", hash);
        if (!statement) return fail(std::move(statement.error()));
        return one_text(**statement);
    }
    Result<void> delete_device_tokens(std::string_view screen) override {
        return run("DELETE FROM device_tokens WHERE screen = ?", screen);
    }
    Result<void> insert_enrollment_code(std::string_view hash, std::string_view screen,
                                        WallTime expires) override {
        return run("INSERT INTO enrollment_codes (hash, screen, expires_at) VALUES (?, ?, ?)", hash, screen,
                   ms(expires));
    }
    Result<std::optional<std::string>> take_enrollment_code(std::string_view hash, WallTime now) override {
        auto statement =
            query("SELECT screen FROM enrollment_codes WHERE hash = ? AND expires_at > ?", hash, ms(now));
        if (!statement) return fail(std::move(statement.error()));
        auto screen = one_text(**statement);
        if (!screen || !*screen) return screen;
        if (auto done = run("DELETE FROM enrollment_codes WHERE hash = ?", hash); !done)
            return fail(done.error());
        return screen;
    }
    Result<void> delete_enrollment_codes(std::string_view screen) override {
        return run("DELETE FROM enrollment_codes WHERE screen = ?", screen);
    }

    Result<std::vector<content::Screen>> screens() override {
        auto statement = query("SELECT id, body FROM screens ORDER BY id");
        if (!statement) return fail(std::move(statement.error()));
        std::vector<content::Screen> out;
        auto done = each(**statement, [&](Statement& row) -> Result<void> {
            auto screen = content::screen_from_json_text(row.column_text(1), "stored screen");
            if (!screen) return decode_error<void>("screen", row.column_text(0), screen.error());
            out.push_back(std::move(*screen));
            return {};
        });
        if (!done) return fail(std::move(done.error()));
        return out;
    }
    Result<void> put_screen(const content::Screen& screen, WallTime now) override {
        return run(
            "INSERT INTO screens (id, station, line, body, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT(id) DO UPDATE SET station = excluded.station, line = excluded.line, body = "
            "excluded.body, "
            "updated_at = excluded.updated_at",
            screen.id, screen.station, screen.line, boost::json::serialize(content::screen_to_json(screen)),
            ms(now), ms(now));
    }
    Result<std::map<std::string, ScreenStatus>> screen_statuses() override {
        auto statement = query("SELECT id, last_seen, health FROM screens");
        if (!statement) return fail(std::move(statement.error()));
        std::map<std::string, ScreenStatus> out;
        auto done = each(**statement, [&](Statement& row) -> Result<void> {
            ScreenStatus status;
            if (!row.column_is_null(1)) status.last_seen = wall(row.column_int64(1));
            if (!row.column_is_null(2)) status.health = std::string{row.column_text(2)};
            out.emplace(std::string{row.column_text(0)}, std::move(status));
            return {};
        });
        if (!done) return fail(std::move(done.error()));
        return out;
    }
    Result<void> set_screen_status(std::string_view screen, WallTime seen,
                                   std::optional<std::string_view> health) override {
        if (health)
            return run(
                "UPDATE screens SET last_seen = max(coalesce(last_seen, 0), ?), health = ? WHERE id = ?",
                ms(seen), *health, screen);
        return run("UPDATE screens SET last_seen = max(coalesce(last_seen, 0), ?) WHERE id = ?", ms(seen),
                   screen);
    }

    Result<std::vector<AssetRow>> assets() override {
        auto statement = query(
            "SELECT sha256, name, size, kind, codec, width, height, duration_ms, created_at FROM assets "
            "ORDER BY created_at");
        if (!statement) return fail(std::move(statement.error()));
        std::vector<AssetRow> out;
        auto done = each(**statement, [&](Statement& row) -> Result<void> {
            AssetRow asset;
            asset.sha256 = row.column_text(0);
            asset.name = row.column_text(1);
            asset.size = static_cast<std::uint64_t>(row.column_int64(2));
            auto kind = content::parse_media_kind(row.column_text(3));
            if (!kind) return decode_error<void>("asset", asset.sha256, kind.error());
            asset.kind = *kind;
            asset.codec = row.column_text(4);
            asset.width = static_cast<int>(row.column_int64(5));
            asset.height = static_cast<int>(row.column_int64(6));
            if (!row.column_is_null(7)) asset.duration = config::Duration{row.column_int64(7)};
            asset.created_at = wall(row.column_int64(8));
            out.push_back(std::move(asset));
            return {};
        });
        if (!done) return fail(std::move(done.error()));
        return out;
    }
    Result<void> put_asset(const AssetRow& asset, WallTime now) override {
        std::optional<std::int64_t> duration;
        if (asset.duration) duration = asset.duration->count();
        auto stored = run(
            "INSERT INTO assets (sha256, name, size, kind, codec, width, height, duration_ms, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(sha256) DO UPDATE SET name = excluded.name",
            asset.sha256, asset.name, asset.size, content::to_string(asset.kind), asset.codec, asset.width,
            asset.height, duration, ms(asset.created_at));
        if (!stored) return stored;
        return run(
            "INSERT INTO asset_names (name, sha256, named_at) VALUES (?, ?, ?) "
            "ON CONFLICT(name) DO UPDATE SET sha256 = excluded.sha256, named_at = excluded.named_at",
            asset.name, asset.sha256, ms(now));
    }
    Result<std::map<std::string, std::string>> asset_names() override {
        auto statement = query("SELECT name, sha256 FROM asset_names");
        if (!statement) return fail(std::move(statement.error()));
        std::map<std::string, std::string> out;
        auto done = each(**statement, [&](Statement& row) -> Result<void> {
            out.emplace(std::string{row.column_text(0)}, std::string{row.column_text(1)});
            return {};
        });
        if (!done) return fail(std::move(done.error()));
        return out;
    }

    Result<std::vector<content::Campaign>> campaigns() override {
        auto statement = query("SELECT id, body FROM campaigns ORDER BY id");
        if (!statement) return fail(std::move(statement.error()));
        std::vector<content::Campaign> out;
        auto done = each(**statement, [&](Statement& row) -> Result<void> {
            auto campaign = content::campaign_from_json_text(row.column_text(1), "stored campaign");
            if (!campaign) return decode_error<void>("campaign", row.column_text(0), campaign.error());
            out.push_back(std::move(*campaign));
            return {};
        });
        if (!done) return fail(std::move(done.error()));
        return out;
    }
    Result<void> put_campaign(const content::Campaign& campaign, WallTime now) override {
        return run(
            "INSERT INTO campaigns (id, body, created_at, updated_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at",
            campaign.id, boost::json::serialize(content::campaign_to_json(campaign)), ms(now), ms(now));
    }
    Result<void> delete_campaign(std::string_view id) override {
        if (auto done = run("DELETE FROM join_slots WHERE campaign = ?", id); !done) return done;
        return run("DELETE FROM campaigns WHERE id = ?", id);
    }

    Result<std::map<std::string, content::JoinSecret>> join_secrets() override {
        auto statement = query("SELECT channel, secret FROM join_secrets");
        if (!statement) return fail(std::move(statement.error()));
        std::map<std::string, content::JoinSecret> out;
        auto done = each(**statement, [&](Statement& row) -> Result<void> {
            const auto blob = row.column_blob(1);
            content::JoinSecret secret{};
            if (blob.size() != secret.size())
                return fail(Errc::storage, "the stored join secret of channel {} has {} bytes, expected {}",
                            row.column_text(0), blob.size(), secret.size());
            std::memcpy(secret.data(), blob.data(), secret.size());
            out.emplace(std::string{row.column_text(0)}, secret);
            return {};
        });
        if (!done) return fail(std::move(done.error()));
        return out;
    }
    Result<void> put_join_secret(std::string_view channel, const content::JoinSecret& secret) override {
        return run(
            "INSERT INTO join_secrets (channel, secret) VALUES (?, ?) "
            "ON CONFLICT(channel) DO UPDATE SET secret = excluded.secret",
            channel, std::span<const std::uint8_t>{secret});
    }
    Result<std::vector<SlotRow>> slots() override {
        auto statement =
            query("SELECT channel, slot, campaign, screen FROM join_slots ORDER BY channel, slot");
        if (!statement) return fail(std::move(statement.error()));
        std::vector<SlotRow> out;
        auto done = each(**statement, [&](Statement& row) -> Result<void> {
            out.push_back(SlotRow{std::string{row.column_text(0)},
                                  static_cast<std::uint64_t>(row.column_int64(1)),
                                  std::string{row.column_text(2)}, std::string{row.column_text(3)}});
            return {};
        });
        if (!done) return fail(std::move(done.error()));
        return out;
    }
    Result<void> insert_slot(const SlotRow& slot) override {
        return run("INSERT INTO join_slots (channel, slot, campaign, screen) VALUES (?, ?, ?, ?)",
                   slot.channel, slot.slot, slot.campaign, slot.screen);
    }
    Result<void> delete_slot(std::string_view channel, std::uint64_t slot) override {
        return run("DELETE FROM join_slots WHERE channel = ? AND slot = ?", channel, slot);
    }

    Result<std::vector<Takeover>> takeovers() override {
        auto statement = query(
            "SELECT id, text, targets, created_at, until FROM takeovers WHERE ended_at IS NULL "
            "ORDER BY created_at");
        if (!statement) return fail(std::move(statement.error()));
        std::vector<Takeover> out;
        auto done = each(**statement, [&](Statement& row) -> Result<void> {
            Takeover takeover;
            takeover.id = row.column_text(0);
            takeover.text = row.column_text(1);
            auto targets = targets_from_text(row.column_text(2));
            if (!targets) return decode_error<void>("takeover", takeover.id, targets.error());
            takeover.targets = std::move(*targets);
            takeover.created_at = wall(row.column_int64(3));
            if (!row.column_is_null(4)) takeover.until = wall(row.column_int64(4));
            out.push_back(std::move(takeover));
            return {};
        });
        if (!done) return fail(std::move(done.error()));
        return out;
    }
    Result<void> insert_takeover(const Takeover& takeover) override {
        std::optional<std::int64_t> until;
        if (takeover.until) until = ms(*takeover.until);
        return run("INSERT INTO takeovers (id, text, targets, created_at, until) VALUES (?, ?, ?, ?, ?)",
                   takeover.id, takeover.text, targets_to_text(takeover.targets), ms(takeover.created_at),
                   until);
    }
    Result<std::unique_ptr<CommitFlusher>> defer_durability() override {
        if (auto done = m_db->exec("PRAGMA synchronous = NORMAL"); !done)
            return fail(std::move(done.error()));
        std::filesystem::path wal = m_db->path();
        wal += "-wal";
        return std::unique_ptr<CommitFlusher>{std::make_unique<WalFlusher>(std::move(wal))};
    }
    Result<void> end_takeover(std::string_view id, WallTime now) override {
        return run("UPDATE takeovers SET ended_at = ? WHERE id = ? AND ended_at IS NULL", ms(now), id);
    }

    Result<bool> insert_webhook_event(std::string_view channel, std::string_view event_id, WallTime received,
                                      WallTime expires, std::string_view outcome) override {
        auto done =
            run("INSERT INTO webhook_events (channel, event_id, received_at, expires_at, outcome) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                channel, event_id, ms(received), ms(expires), outcome);
        if (!done) return fail(std::move(done.error()));
        return m_db->changes() > 0;
    }
    Result<std::int64_t> prune_webhook_events(WallTime now) override {
        auto done = run("DELETE FROM webhook_events WHERE expires_at <= ?", ms(now));
        if (!done) return fail(std::move(done.error()));
        return m_db->changes();
    }
    Result<bool> insert_join(const JoinRow& join) override {
        auto done = run(
            "INSERT INTO joins (campaign, person, screen, channel, event_id, at) VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT DO NOTHING",
            join.campaign, join.person, join.screen, join.channel, join.event_id, ms(join.at));
        if (!done) return fail(std::move(done.error()));
        return m_db->changes() > 0;
    }
    Result<std::vector<JoinCount>> join_counts() override {
        auto statement = query("SELECT campaign, screen, count(*) FROM joins GROUP BY campaign, screen");
        if (!statement) return fail(std::move(statement.error()));
        std::vector<JoinCount> out;
        auto done = each(**statement, [&](Statement& row) -> Result<void> {
            out.push_back(JoinCount{std::string{row.column_text(0)}, std::string{row.column_text(1)},
                                    static_cast<std::uint64_t>(row.column_int64(2))});
            return {};
        });
        if (!done) return fail(std::move(done.error()));
        return out;
    }

    Result<void> insert_event(std::string_view screen, std::uint64_t seq, WallTime at,
                              std::string_view json) override {
        return run("INSERT INTO events (screen, seq, at, body) VALUES (?, ?, ?, ?)", screen, seq, ms(at),
                   json);
    }
    Result<void> set_last_seq(std::string_view screen, std::uint64_t seq) override {
        return run(
            "INSERT INTO feed_seqs (screen, seq) VALUES (?, ?) "
            "ON CONFLICT(screen) DO UPDATE SET seq = max(seq, excluded.seq)",
            screen, seq);
    }
    Result<std::map<std::string, std::uint64_t>> last_seqs() override {
        // The newest stored event of each screen, or the seq kept when its events were pruned.
        auto statement = query(
            "SELECT s.id, max(coalesce((SELECT max(seq) FROM events WHERE screen = s.id), 0), "
            "coalesce((SELECT seq FROM feed_seqs WHERE screen = s.id), 0)) FROM screens s");
        if (!statement) return fail(std::move(statement.error()));
        std::map<std::string, std::uint64_t> out;
        auto done = each(**statement, [&](Statement& row) -> Result<void> {
            out.emplace(std::string{row.column_text(0)}, static_cast<std::uint64_t>(row.column_int64(1)));
            return {};
        });
        if (!done) return fail(std::move(done.error()));
        return out;
    }
    Result<std::vector<std::string>> events_between(std::string_view screen, std::uint64_t after,
                                                    std::uint64_t upto) override {
        auto statement =
            query("SELECT body FROM events WHERE screen = ? AND seq > ? AND seq <= ? ORDER BY seq", screen,
                  after, upto);
        if (!statement) return fail(std::move(statement.error()));
        std::vector<std::string> out;
        auto done = each(**statement, [&](Statement& row) -> Result<void> {
            out.emplace_back(row.column_text(0));
            return {};
        });
        if (!done) return fail(std::move(done.error()));
        return out;
    }
    Result<std::optional<std::uint64_t>> oldest_seq(std::string_view screen) override {
        auto statement = query("SELECT min(seq) FROM events WHERE screen = ?", screen);
        if (!statement) return fail(std::move(statement.error()));
        auto row = (*statement)->step();
        if (!row) return fail(std::move(row.error()));
        std::optional<std::uint64_t> out;
        if (*row && !(*statement)->column_is_null(0))
            out = static_cast<std::uint64_t>((*statement)->column_int64(0));
        (*statement)->reset();
        return out;
    }
    Result<std::int64_t> prune_events(WallTime before) override {
        auto done = run("DELETE FROM events WHERE at < ?", ms(before));
        if (!done) return fail(std::move(done.error()));
        return m_db->changes();
    }

    Result<void> insert_screenshot(const ScreenshotRow& request, std::size_t keep) override {
        if (auto done = run("INSERT INTO screenshots (id, screen, requested_at) VALUES (?, ?, ?)", request.id,
                            request.screen, ms(request.requested_at));
            !done)
            return done;
        return run(
            "DELETE FROM screenshots WHERE screen = ? AND id NOT IN (SELECT id FROM screenshots WHERE "
            "screen = ? ORDER BY requested_at DESC, id DESC LIMIT ?)",
            request.screen, request.screen, static_cast<std::int64_t>(keep));
    }
    Result<std::optional<ScreenshotRow>> screenshot(std::string_view id) override {
        auto statement = query(
            "SELECT id, screen, requested_at, answered_at, error, length(png), width, height FROM "
            "screenshots "
            "WHERE id = ?",
            id);
        if (!statement) return fail(std::move(statement.error()));
        std::optional<ScreenshotRow> out;
        auto done = each(**statement, [&](Statement& row) -> Result<void> {
            ScreenshotRow shot;
            shot.id = row.column_text(0);
            shot.screen = row.column_text(1);
            shot.requested_at = wall(row.column_int64(2));
            if (!row.column_is_null(3)) shot.answered_at = wall(row.column_int64(3));
            shot.error = row.column_text(4);
            if (!row.column_is_null(5)) shot.bytes = static_cast<std::uint64_t>(row.column_int64(5));
            shot.width = static_cast<std::uint32_t>(row.column_int64(6));
            shot.height = static_cast<std::uint32_t>(row.column_int64(7));
            out = std::move(shot);
            return {};
        });
        if (!done) return fail(std::move(done.error()));
        return out;
    }
    Result<std::vector<std::byte>> screenshot_png(std::string_view id) override {
        auto statement = query("SELECT png FROM screenshots WHERE id = ? AND png IS NOT NULL", id);
        if (!statement) return fail(std::move(statement.error()));
        std::vector<std::byte> out;
        auto done = each(**statement, [&](Statement& row) -> Result<void> {
            const auto blob = row.column_blob(0);
            out.assign(blob.begin(), blob.end());
            return {};
        });
        if (!done) return fail(std::move(done.error()));
        return out;
    }
    Result<bool> answer_screenshot(const ScreenshotRow& answer, std::span<const std::byte> png) override {
        const auto at = ms(answer.answered_at.value_or(WallTime{}));
        auto done =
            png.empty()
                ? run("UPDATE screenshots SET answered_at = ?, error = ? WHERE id = ? AND answered_at IS "
                      "NULL",
                      at, answer.error, answer.id)
                : run("UPDATE screenshots SET answered_at = ?, width = ?, height = ?, png = ? WHERE id = ? "
                      "AND answered_at IS NULL",
                      at, static_cast<std::int64_t>(answer.width), static_cast<std::int64_t>(answer.height),
                      png, answer.id);
        if (!done) return fail(std::move(done.error()));
        return m_db->changes() > 0;
    }

    Result<bool> insert_record(const content::Record& record, std::string_view json) override {
        const auto id = std::span<const std::uint8_t>{record.id.bytes()};
        auto done =
            run("INSERT INTO records (id, screen, type, body) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING", id,
                record.screen, content::type_name(record.body), json);
        if (!done) return fail(std::move(done.error()));
        if (m_db->changes() == 0) return false;
        if (const auto* play = std::get_if<content::PlayRecord>(&record.body)) {
            if (auto added = run("INSERT INTO plays (id, screen, campaign, start) VALUES (?, ?, ?, ?)", id,
                                 record.screen, play->campaign, ms(play->start));
                !added)
                return fail(std::move(added.error()));
        }
        return true;
    }
    Result<std::uint64_t> record_count() override {
        auto statement = query("SELECT count(*) FROM records");
        if (!statement) return fail(std::move(statement.error()));
        auto row = (*statement)->step();
        if (!row) return fail(std::move(row.error()));
        const auto count = *row ? static_cast<std::uint64_t>((*statement)->column_int64(0)) : 0;
        (*statement)->reset();
        return count;
    }

    Result<Report> participation(const ReportQuery& report) override;

  private:
    template <class... Args>
    Result<Statement*> query(std::string_view sql, const Args&... args) {
        auto statement = m_db->cached(sql);
        if (!statement) return fail(std::move(statement.error()));
        if (auto bound = (*statement)->bind_all(args...); !bound) return fail(std::move(bound.error()));
        return *statement;
    }

    template <class... Args>
    Result<void> run(std::string_view sql, const Args&... args) {
        auto statement = m_db->cached(sql);
        if (!statement) return fail(std::move(statement.error()));
        return (*statement)->run(args...);
    }

    static Result<std::optional<std::string>> one_text(Statement& statement) {
        auto row = statement.step();
        if (!row) return fail(std::move(row.error()));
        std::optional<std::string> out;
        if (*row) out = std::string{statement.column_text(0)};
        statement.reset();
        return out;
    }

    template <class Fn>
    static Result<void> each(Statement& statement, Fn&& fn) {
        for (;;) {
            auto row = statement.step();
            if (!row) return fail(std::move(row.error()));
            if (!*row) return {};
            if (auto done = fn(statement); !done) {
                statement.reset();
                return done;
            }
        }
    }

    static std::string targets_to_text(const content::Targets& targets) {
        boost::json::object out;
        if (targets.all) out["all"] = true;
        const auto list = [&](std::string_view key, const std::vector<std::string>& values) {
            if (values.empty()) return;
            boost::json::array array;
            for (const auto& value : values) array.emplace_back(value);
            out[key] = std::move(array);
        };
        list("lines", targets.lines);
        list("stations", targets.stations);
        list("screens", targets.screens);
        list("tags", targets.tags);
        return boost::json::serialize(out);
    }

    static Result<content::Targets> targets_from_text(std::string_view text) {
        boost::system::error_code error;
        const auto json = boost::json::parse(text, error);
        if (error || !json.is_object()) return fail(Errc::storage, "targets are not a JSON object");
        content::Targets targets;
        const auto& object = json.as_object();
        if (const auto* all = object.if_contains("all"); all && all->is_bool()) targets.all = all->as_bool();
        const auto list = [&](std::string_view key, std::vector<std::string>& values) {
            if (const auto* array = object.if_contains(key); array && array->is_array())
                for (const auto& value : array->as_array())
                    if (value.is_string()) values.emplace_back(value.as_string());
        };
        list("lines", targets.lines);
        list("stations", targets.stations);
        list("screens", targets.screens);
        list("tags", targets.tags);
        return targets;
    }

    std::unique_ptr<content::Store> m_db;
    std::optional<content::Transaction> m_transaction;
};

Result<Report> SqliteStore::participation(const ReportQuery& report) {
    // The group key as SQL over a row whose time column is `time` and screen column is `screen`.
    // Hours are local: the time plus the offset in effect, cut to whole hours.
    std::string hour_offset;
    if (report.by == ReportGrouping::hour) {
        // SQL's CASE needs at least one WHEN: a zone with one offset over the span is just that offset.
        if (report.offsets.size() <= 1) {
            hour_offset = "?";
        } else {
            hour_offset = "CASE";
            for (std::size_t i = 1; i < report.offsets.size(); ++i) hour_offset += " WHEN {time} < ? THEN ?";
            hour_offset += " ELSE ? END";
        }
    }
    const auto key_sql = [&](std::string_view time, std::string_view screen) -> std::string {
        switch (report.by) {
        case ReportGrouping::screen: return std::string{screen};
        case ReportGrouping::station: return "coalesce(s.station, '')";
        case ReportGrouping::line: return "coalesce(s.line, '')";
        case ReportGrouping::hour: {
            std::string offset = hour_offset;
            for (auto at = offset.find("{time}"); at != std::string::npos; at = offset.find("{time}"))
                offset.replace(at, 6, time);
            return fmt::format("CAST((({} + {}) / 3600000) * 3600000 AS TEXT)", time, offset);
        }
        }
        return std::string{screen};
    };
    const auto bind_offsets = [&](Statement& statement, int& index) -> Result<void> {
        if (report.by != ReportGrouping::hour) return {};
        for (std::size_t i = 1; i < report.offsets.size(); ++i) {
            if (auto done = statement.bind(++index, ms(report.offsets[i].first)); !done) return done;
            const auto before = std::chrono::duration_cast<config::Duration>(report.offsets[i - 1].second);
            if (auto done = statement.bind(++index, before.count()); !done) return done;
        }
        const auto last = report.offsets.empty()
                              ? config::Duration{0}
                              : std::chrono::duration_cast<config::Duration>(report.offsets.back().second);
        return statement.bind(++index, last.count());
    };
    const std::string campaign_filter = report.campaign ? " AND {alias}.campaign = ?" : "";

    Report out;
    // Grouped into rows, or (`whole`) one group for the total.
    const auto run_query = [&](bool whole, std::string_view table, std::string_view alias,
                               std::string_view time_column, std::string_view columns,
                               auto&& store_row) -> Result<void> {
        const std::string time = fmt::format("{}.{}", alias, time_column);
        std::string filter = campaign_filter;
        if (auto at = filter.find("{alias}"); at != std::string::npos) filter.replace(at, 7, alias);
        const std::string sql = fmt::format(
            "SELECT {key}, {columns} FROM {table} {alias} LEFT JOIN screens s ON s.id = {alias}.screen "
            "WHERE {time} >= ? AND {time} < ?{filter} GROUP BY 1",
            fmt::arg("key", whole ? std::string{"''"} : key_sql(time, fmt::format("{}.screen", alias))),
            fmt::arg("columns", columns), fmt::arg("table", table), fmt::arg("alias", alias),
            fmt::arg("time", time), fmt::arg("filter", filter));
        auto statement = m_db->prepare(sql);
        if (!statement) return fail(std::move(statement.error()));
        int index = 0;
        if (!whole)
            if (auto done = bind_offsets(*statement, index); !done) return done;
        if (auto done = statement->bind(++index, ms(report.from)); !done) return done;
        if (auto done = statement->bind(++index, ms(report.to)); !done) return done;
        if (report.campaign)
            if (auto done = statement->bind(++index, std::string_view{*report.campaign}); !done) return done;
        return each(*statement, [&](Statement& row) -> Result<void> {
            store_row(whole ? out.total : out.rows[std::string{row.column_text(0)}], row);
            return {};
        });
    };
    for (const bool whole : {false, true}) {
        if (auto done = run_query(whole, "joins", "j", "at", "count(*), count(DISTINCT j.person)",
                                  [](ReportCounts& counts, Statement& row) {
                                      counts.joins = static_cast<std::uint64_t>(row.column_int64(1));
                                      counts.unique_people = static_cast<std::uint64_t>(row.column_int64(2));
                                  });
            !done)
            return fail(std::move(done.error()));
        if (auto done = run_query(whole, "plays", "p", "start", "count(*)",
                                  [](ReportCounts& counts, Statement& row) {
                                      counts.plays = static_cast<std::uint64_t>(row.column_int64(1));
                                  });
            !done)
            return fail(std::move(done.error()));
    }
    return out;
}

class SqliteDatabase final : public HubDatabase {
  public:
    explicit SqliteDatabase(StoreOptions options) : m_options(std::move(options)) {}

    ~SqliteDatabase() override {
        {
            std::lock_guard lock(m_mutex);
            m_stopping = true;
        }
        m_wake.notify_all();
        if (m_checkpointer.joinable()) m_checkpointer.join();
    }

    Result<std::unique_ptr<HubStore>> connect() override {
        auto db = open();
        if (!db) return fail(std::move(db.error()));
        return std::unique_ptr<HubStore>{std::make_unique<SqliteStore>(std::move(*db))};
    }

    // The writer's commits only append to the WAL and sync it; copying the WAL back into the
    // database (a checkpoint, with two more syncs) would stall every request waiting on the
    // writer, so it runs on a thread of its own instead.
    Result<std::unique_ptr<HubStore>> connect_writer() override {
        auto db = open();
        if (!db) return fail(std::move(db.error()));
        if (auto done = (*db)->exec("PRAGMA wal_autocheckpoint = 0"); !done)
            return fail(std::move(done.error()));
        // Joins, events and webhook ids are keyed by values that land all over their B-trees; with
        // SQLite's default 2 MB cache most inserts would read their page back from the WAL first.
        if (auto done = (*db)->exec("PRAGMA cache_size = -65536"); !done)
            return fail(std::move(done.error()));
        auto checkpoints = open();
        if (!checkpoints) return fail(std::move(checkpoints.error()));
        // The WAL file is cut back to this size after a checkpoint, so a burst does not keep its disk.
        if (auto done = (*checkpoints)->exec("PRAGMA journal_size_limit = 67108864"); !done)
            return fail(std::move(done.error()));
        if (!m_checkpointer.joinable())
            m_checkpointer = std::thread([this, db = std::move(*checkpoints)]() mutable {
                config::name_this_thread("hub-checkpoint");
                checkpoint_loop(*db);
            });
        return std::unique_ptr<HubStore>{std::make_unique<SqliteStore>(std::move(*db))};
    }

    Result<void> migrate() {
        content::StoreOptions options;
        options.busy_timeout = m_options.busy_timeout;
        auto db = content::Store::open(m_options.database, options);
        if (!db) return fail(std::move(db.error()));
        return (*db)->migrate(migrations);
    }

  private:
    Result<std::unique_ptr<content::Store>> open() {
        content::StoreOptions options;
        options.busy_timeout = m_options.busy_timeout;
        options.synchronous = content::Synchronous::full;
        return content::Store::open(m_options.database, options);
    }

    void checkpoint_loop(content::Store& db) {
        std::unique_lock lock(m_mutex);
        while (!m_wake.wait_for(lock, m_options.checkpoint_every, [this] { return m_stopping; })) {
            lock.unlock();
            // PASSIVE never waits for the writer or readers; what it cannot copy now waits for the next
            // round.
            if (auto done = db.exec("PRAGMA wal_checkpoint(PASSIVE)"); !done)
                config::logger("hub")->warn("checkpointing the database failed: {}", done.error().message);
            lock.lock();
        }
    }

    StoreOptions m_options;
    std::thread m_checkpointer;
    std::mutex m_mutex;  // guards m_stopping
    std::condition_variable m_wake;
    bool m_stopping = false;
};

}  // namespace

std::string_view to_string(Role role) {
    return role == Role::marketer ? "marketer" : "operator";
}

Result<Role> parse_role(std::string_view text) {
    if (text == "marketer") return Role::marketer;
    if (text == "operator") return Role::operator_;
    return fail(Errc::invalid_input, "\"{}\" is not a role; expected marketer or operator", text);
}

std::span<const content::Migration> sqlite_migrations() {
    return migrations;
}

Result<std::unique_ptr<HubDatabase>> open_sqlite_database(const StoreOptions& options) {
    auto database = std::make_unique<SqliteDatabase>(options);
    if (auto done = database->migrate(); !done) return fail(std::move(done.error()));
    return std::unique_ptr<HubDatabase>{std::move(database)};
}

Result<StorePool::Lease> StorePool::lease() {
    {
        std::lock_guard lock(m_mutex);
        if (!m_idle.empty()) {
            auto store = std::move(m_idle.back());
            m_idle.pop_back();
            return Lease{*this, std::move(store)};
        }
    }
    auto store = m_database.connect();
    if (!store) return fail(std::move(store.error()));
    return Lease{*this, std::move(*store)};
}

void StorePool::give_back(std::unique_ptr<HubStore> store) {
    constexpr std::size_t max_idle = 8;
    std::lock_guard lock(m_mutex);
    if (m_idle.size() < max_idle) m_idle.push_back(std::move(store));
}

}  // namespace dwell::sync::hub
