// A thin RAII wrapper over the SQLite C API: connection, prepared statements, transactions and
// schema migrations, with every SQLite failure translated into an Error.
//
// Thread model: a Store is one SQLite connection opened with SQLITE_OPEN_NOMUTEX, so a Store and
// the Statements and Transactions it hands out belong to one thread at a time. Threads that need
// the database each open their own Store on the same file; WAL mode lets readers run while one
// writer writes, and the busy timeout makes a second writer wait for the first.
#pragma once

#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "config/error.hpp"
#include "config/units.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace dwell::content {

enum class StoreAccess {
    read_write_create,  // creates the file when missing
    read_only,          // a missing file is Errc::not_found
};

// How hard a commit waits for the disk: `normal` may lose the last transactions on power loss
// but never corrupts the database (WAL); `full` makes every commit durable before it returns.
enum class Synchronous { normal, full };

struct StoreOptions {
    StoreAccess access{StoreAccess::read_write_create};
    // How long a statement waits for another connection's lock before failing with Errc::storage.
    config::Duration busy_timeout{std::chrono::seconds{5}};
    Synchronous synchronous{Synchronous::normal};
};

// One prepared statement. Move-only; finalized when destroyed. Parameters are numbered from 1
// and columns from 0, as in SQLite. Bound text and blobs are copied, so the arguments may die
// right after bind(). A Statement must not be used after its Store is destroyed.
class Statement {
  public:
    Statement(Statement&& other) noexcept;
    Statement& operator=(Statement&& other) noexcept;
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;
    ~Statement();

    [[nodiscard]] Result<void> bind(int index, std::int64_t value);
    [[nodiscard]] Result<void> bind(int index, double value);
    [[nodiscard]] Result<void> bind(int index, std::string_view text);
    [[nodiscard]] Result<void> bind(int index, std::span<const std::byte> blob);
    [[nodiscard]] Result<void> bind(int index, std::span<const std::uint8_t> blob);
    [[nodiscard]] Result<void> bind(int index, std::nullopt_t);

    // Any other integer type; an unsigned value above INT64_MAX is Errc::invalid_input, because
    // SQLite stores only signed 64-bit integers.
    template <std::integral T>
    requires(!std::same_as<T, std::int64_t> && !std::same_as<T, char> && !std::same_as<T, char8_t>)
        [[nodiscard]] Result<void> bind(int index, T value) {
        if constexpr (std::unsigned_integral<T> && sizeof(T) >= sizeof(std::int64_t)) {
            if (value > static_cast<T>(std::numeric_limits<std::int64_t>::max())) {
                return fail(Errc::invalid_input,
                            "integer {} for parameter {} is too large for SQLite (max {}): {}", value, index,
                            std::numeric_limits<std::int64_t>::max(), sql());
            }
        }
        return bind(index, static_cast<std::int64_t>(value));
    }

    // A missing value binds NULL.
    template <class T>
    [[nodiscard]] Result<void> bind(int index, const std::optional<T>& value) {
        if (!value) return bind(index, std::nullopt);
        return bind(index, *value);
    }

    // Binds the arguments to parameters 1..N; stops at the first failure.
    template <class... Args>
    [[nodiscard]] Result<void> bind_all(const Args&... args) {
        Result<void> result;
        int index = 0;
        ((result = result ? bind(++index, args) : result), ...);
        return result;
    }

    void clear_bindings();

    // true: a row is ready for the column getters; false: the statement has finished (and is
    // reset, so it holds no lock and may run again with the same bindings). SQLITE_BUSY after
    // the busy timeout and every other failure are Errc::storage naming the SQL.
    [[nodiscard]] Result<bool> step();

    // Resets, binds the arguments to parameters 1..N and steps to completion, ignoring rows.
    // For INSERT, UPDATE, DELETE and DDL.
    template <class... Args>
    [[nodiscard]] Result<void> run(const Args&... args) {
        reset();
        clear_bindings();
        if (auto bound = bind_all(args...); !bound) return bound;
        for (;;) {
            auto stepped = step();
            if (!stepped) return fail(std::move(stepped.error()));
            if (!*stepped) return {};
        }
    }

    // Makes the statement run again from the start; bindings are kept. Call it when leaving
    // a SELECT before its last row, so the read snapshot is released.
    void reset();

    [[nodiscard]] int column_count() const;
    [[nodiscard]] bool column_is_null(int index) const;
    [[nodiscard]] std::int64_t column_int64(int index) const;
    [[nodiscard]] double column_double(int index) const;
    // Valid until the next step(), reset() or destruction.
    [[nodiscard]] std::string_view column_text(int index) const;
    // Valid until the next step(), reset() or destruction.
    [[nodiscard]] std::span<const std::byte> column_blob(int index) const;

    // The SQL text the statement was prepared from.
    [[nodiscard]] std::string_view sql() const;

  private:
    friend class Store;
    explicit Statement(sqlite3_stmt* statement) : m_statement(statement) {}
    Result<void> check_bind(int code, int index);

    sqlite3_stmt* m_statement = nullptr;
};

enum class TransactionKind {
    deferred,   // takes the write lock at the first write
    immediate,  // takes the write lock now, so later writes in it never wait
};

class Store;

// An open transaction. Destroying it without a successful commit() rolls it back. It must not
// outlive its Store.
class Transaction {
  public:
    Transaction(Transaction&& other) noexcept;
    Transaction& operator=(Transaction&&) = delete;
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    ~Transaction();

    // After a failed commit the transaction is still open and is rolled back on destruction.
    [[nodiscard]] Result<void> commit();

  private:
    friend class Store;
    explicit Transaction(Store& store) : m_store(&store) {}

    Store* m_store;  // null once committed or moved from
};

// A schema step: `sql` (a script without BEGIN/COMMIT) takes the database to `version`.
struct Migration {
    int version;
    std::string_view sql;
};

class Store {
  public:
    // Opens (or creates) the database at `path` in WAL mode with foreign keys on. The path
    // ":memory:" opens a private in-memory database (no WAL there), which tests use.
    static Result<std::unique_ptr<Store>> open(const std::filesystem::path& path, StoreOptions options = {});

    Store(const Store&) = delete;
    Store& operator=(const Store&) = delete;
    ~Store();

    // Runs a script of one or more statements, ignoring any rows.
    [[nodiscard]] Result<void> exec(std::string_view sql);

    // Prepares exactly one statement; more than one is an error (use exec for scripts).
    [[nodiscard]] Result<Statement> prepare(std::string_view sql);

    // The prepared statement for `sql`, prepared on first use and kept until the Store closes,
    // reset and with its bindings cleared. The pointer stays valid for the Store's lifetime;
    // asking again for the same SQL while the statement is still in use resets it under you.
    [[nodiscard]] Result<Statement*> cached(std::string_view sql);

    // Starting a transaction while one is open on this Store is a programming error (asserts):
    // SQLite has no nested BEGIN. Use one transaction per unit of work.
    [[nodiscard]] Result<Transaction> begin(TransactionKind kind = TransactionKind::deferred);

    // Applies, in order and each in its own transaction, the migrations whose version is above
    // PRAGMA user_version, and sets user_version to each one's version as it commits. `migrations`
    // must be sorted by strictly increasing version (asserts). A database whose version is above
    // the last migration is Errc::conflict; a failing migration is rolled back entirely.
    [[nodiscard]] Result<void> migrate(std::span<const Migration> migrations);

    // PRAGMA user_version.
    [[nodiscard]] Result<int> schema_version();

    // Rows changed by the last INSERT, UPDATE or DELETE on this connection.
    [[nodiscard]] std::int64_t changes() const;
    [[nodiscard]] std::int64_t last_insert_rowid() const;

    [[nodiscard]] const std::filesystem::path& path() const { return m_path; }

  private:
    friend class Transaction;
    Store(sqlite3* db, std::filesystem::path path) : m_db(db), m_path(std::move(path)) {}
    Result<void> configure(const StoreOptions& options);
    bool in_transaction() const;
    void roll_back();

    sqlite3* m_db;
    std::filesystem::path m_path;
    std::map<std::string, Statement, std::less<>> m_cache;
};

}  // namespace dwell::content
