#include "content/store.hpp"

#include <algorithm>
#include <cassert>
#include <climits>
#include <cstdint>
#include <system_error>
#include <utility>

#include <sqlite3.h>

#include "config/log.hpp"

namespace dwell::content {
namespace {

constexpr std::string_view in_memory_path = ":memory:";

// SQLITE_TRANSIENT spelled without the C cast of the macro: SQLite copies the bound value.
const sqlite3_destructor_type copy_value =
    reinterpret_cast<sqlite3_destructor_type>(static_cast<std::intptr_t>(-1));

// The one place SQLite result codes become Errors: "<what> (<sqlite message>, code N): <where>".
Error sqlite_error(sqlite3* db, int code, std::string_view what, std::string_view where) {
    // The connection's message is more specific ("no such table: x") but only describes `code`
    // when it is the connection's latest error.
    const char* message =
        db != nullptr && sqlite3_errcode(db) == code ? sqlite3_errmsg(db) : sqlite3_errstr(code);
    return Error{Errc::storage, fmt::format("{} ({}, code {}): {}", what, message, code, where)};
}

}  // namespace

// ---- Statement ---------------------------------------------------------------------------------

Statement::Statement(Statement&& other) noexcept : m_statement(std::exchange(other.m_statement, nullptr)) {}

Statement& Statement::operator=(Statement&& other) noexcept {
    if (this != &other) {
        sqlite3_finalize(m_statement);
        m_statement = std::exchange(other.m_statement, nullptr);
    }
    return *this;
}

Statement::~Statement() {
    sqlite3_finalize(m_statement);
}

Result<void> Statement::check_bind(int code, int index) {
    if (code == SQLITE_OK) return {};
    return fail(sqlite_error(sqlite3_db_handle(m_statement), code,
                             fmt::format("cannot bind parameter {}", index), sql()));
}

Result<void> Statement::bind(int index, std::int64_t value) {
    return check_bind(sqlite3_bind_int64(m_statement, index, value), index);
}

Result<void> Statement::bind(int index, double value) {
    return check_bind(sqlite3_bind_double(m_statement, index, value), index);
}

Result<void> Statement::bind(int index, std::string_view text) {
    // A null pointer would bind NULL; an empty text must stay an empty text.
    const char* data = text.data() != nullptr ? text.data() : "";
    return check_bind(sqlite3_bind_text64(m_statement, index, data, text.size(), copy_value, SQLITE_UTF8),
                      index);
}

Result<void> Statement::bind(int index, std::span<const std::byte> blob) {
    // sqlite3_bind_blob with a null pointer binds NULL; an empty blob must stay an empty blob.
    if (blob.empty()) return check_bind(sqlite3_bind_zeroblob(m_statement, index, 0), index);
    return check_bind(sqlite3_bind_blob64(m_statement, index, blob.data(), blob.size(), copy_value), index);
}

Result<void> Statement::bind(int index, std::span<const std::uint8_t> blob) {
    return bind(index, std::as_bytes(blob));
}

Result<void> Statement::bind(int index, std::nullopt_t) {
    return check_bind(sqlite3_bind_null(m_statement, index), index);
}

void Statement::clear_bindings() {
    sqlite3_clear_bindings(m_statement);
}

Result<bool> Statement::step() {
    const int code = sqlite3_step(m_statement);
    if (code == SQLITE_ROW) return true;
    if (code == SQLITE_DONE) {
        sqlite3_reset(m_statement);
        return false;
    }
    auto error = sqlite_error(sqlite3_db_handle(m_statement), code, "statement failed", sql());
    sqlite3_reset(m_statement);
    return fail(std::move(error));
}

void Statement::reset() {
    sqlite3_reset(m_statement);
}

int Statement::column_count() const {
    return sqlite3_column_count(m_statement);
}

bool Statement::column_is_null(int index) const {
    assert(index >= 0 && index < column_count());
    return sqlite3_column_type(m_statement, index) == SQLITE_NULL;
}

std::int64_t Statement::column_int64(int index) const {
    assert(index >= 0 && index < column_count());
    return sqlite3_column_int64(m_statement, index);
}

double Statement::column_double(int index) const {
    assert(index >= 0 && index < column_count());
    return sqlite3_column_double(m_statement, index);
}

std::string_view Statement::column_text(int index) const {
    assert(index >= 0 && index < column_count());
    // _text before _bytes: the byte count is of the UTF-8 form _text just produced.
    const auto* text = sqlite3_column_text(m_statement, index);
    const auto size = static_cast<std::size_t>(sqlite3_column_bytes(m_statement, index));
    if (text == nullptr) return {};
    return {reinterpret_cast<const char*>(text), size};
}

std::span<const std::byte> Statement::column_blob(int index) const {
    assert(index >= 0 && index < column_count());
    const void* blob = sqlite3_column_blob(m_statement, index);
    const auto size = static_cast<std::size_t>(sqlite3_column_bytes(m_statement, index));
    if (blob == nullptr) return {};
    return {static_cast<const std::byte*>(blob), size};
}

std::string_view Statement::sql() const {
    const char* text = sqlite3_sql(m_statement);
    return text != nullptr ? std::string_view{text} : std::string_view{};
}

// ---- Transaction -------------------------------------------------------------------------------

Transaction::Transaction(Transaction&& other) noexcept : m_store(std::exchange(other.m_store, nullptr)) {}

Transaction::~Transaction() {
    if (m_store != nullptr) m_store->roll_back();
}

Result<void> Transaction::commit() {
    assert(m_store != nullptr && "commit() on a finished transaction");
    auto statement = m_store->cached("COMMIT");
    if (!statement) return fail(std::move(statement.error()));
    if (auto done = (*statement)->run(); !done) return done;
    m_store = nullptr;
    return {};
}

// ---- Store -------------------------------------------------------------------------------------

Result<std::unique_ptr<Store>> Store::open(const std::filesystem::path& path, StoreOptions options) {
    if (path.empty()) return fail(Errc::invalid_input, "cannot open database: the path is empty");
    const bool in_memory = path.native() == in_memory_path;
    if (options.access == StoreAccess::read_only && !in_memory) {
        std::error_code error;
        if (!std::filesystem::exists(path, error)) {
            return fail(Errc::not_found, "cannot open database {} read-only: no such file", path.string());
        }
    }

    int flags = SQLITE_OPEN_NOMUTEX;
    flags |= options.access == StoreAccess::read_only ? SQLITE_OPEN_READONLY
                                                      : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    sqlite3* db = nullptr;
    const int code = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
    // The Store owns the handle from here on, also when opening failed (SQLite still allocates it).
    std::unique_ptr<Store> store{new Store(db, path)};
    if (code != SQLITE_OK) return fail(sqlite_error(db, code, "cannot open database", path.string()));
    if (auto configured = store->configure(options); !configured) return fail(std::move(configured.error()));
    return store;
}

Result<void> Store::configure(const StoreOptions& options) {
    const auto timeout_ms = std::clamp<std::int64_t>(options.busy_timeout.count(), 0, INT_MAX);
    sqlite3_busy_timeout(m_db, static_cast<int>(timeout_ms));

    const auto setup_error = [this](const Error& error) {
        return Error{error.code,
                     fmt::format("cannot set up database {}: {}", m_path.string(), error.message)};
    };

    // Reads the schema, so a file that is not a database fails here rather than at first use.
    auto probe = prepare("SELECT count(*) FROM sqlite_schema");
    auto read = probe ? probe->step() : Result<bool>{false};
    if (!probe || !read) {
        return fail(sqlite_error(m_db, sqlite3_errcode(m_db), "cannot open database", m_path.string()));
    }
    probe->reset();

    if (sqlite3_db_readonly(m_db, "main") == 0 && m_path.native() != in_memory_path) {
        auto journal = prepare("PRAGMA journal_mode = WAL");
        if (!journal) return fail(setup_error(journal.error()));
        auto stepped = journal->step();
        if (!stepped) return fail(setup_error(stepped.error()));
        const std::string mode{*stepped ? journal->column_text(0) : std::string_view{}};
        journal->reset();
        if (mode != "wal") {
            return fail(Errc::storage, "cannot set up database {}: journal mode is \"{}\", expected \"wal\"",
                        m_path.string(), mode);
        }
    }

    const auto* synchronous = options.synchronous == Synchronous::full ? "PRAGMA synchronous = FULL"
                                                                       : "PRAGMA synchronous = NORMAL";
    for (const auto* pragma : {"PRAGMA foreign_keys = ON", synchronous}) {
        if (auto done = exec(pragma); !done) return fail(setup_error(done.error()));
    }
    return {};
}

Store::~Store() {
    // Statements first: a connection with live statements cannot close.
    m_cache.clear();
    const int code = sqlite3_close_v2(m_db);
    if (code != SQLITE_OK) {
        config::logger("content")->warn("closing database {} failed: {}", m_path.string(),
                                        sqlite3_errstr(code));
    }
}

Result<void> Store::exec(std::string_view sql) {
    const std::string script{sql};
    const int code = sqlite3_exec(m_db, script.c_str(), nullptr, nullptr, nullptr);
    if (code != SQLITE_OK) return fail(sqlite_error(m_db, code, "script failed", sql));
    return {};
}

Result<Statement> Store::prepare(std::string_view sql) {
    if (sql.size() > static_cast<std::size_t>(INT_MAX)) {
        return fail(Errc::invalid_input, "SQL text of {} bytes is too long to prepare", sql.size());
    }
    sqlite3_stmt* raw = nullptr;
    const char* tail = nullptr;
    const int code = sqlite3_prepare_v3(m_db, sql.data(), static_cast<int>(sql.size()), 0, &raw, &tail);
    Statement statement{raw};
    if (code != SQLITE_OK) return fail(sqlite_error(m_db, code, "cannot prepare statement", sql));
    if (raw == nullptr)
        return fail(Errc::storage, "cannot prepare statement (no SQL statement in the text): {}", sql);

    // Anything after the first statement other than blanks and comments would be silently ignored.
    const auto rest_size = static_cast<std::size_t>(sql.data() + sql.size() - tail);
    sqlite3_stmt* second = nullptr;
    const int rest_code = sqlite3_prepare_v3(m_db, tail, static_cast<int>(rest_size), 0, &second, nullptr);
    const bool more = second != nullptr || rest_code != SQLITE_OK;
    sqlite3_finalize(second);
    if (more) {
        return fail(Errc::storage,
                    "cannot prepare statement (the text holds more than one statement; use exec): {}", sql);
    }
    return statement;
}

Result<Statement*> Store::cached(std::string_view sql) {
    if (auto found = m_cache.find(sql); found != m_cache.end()) {
        found->second.reset();
        found->second.clear_bindings();
        return &found->second;
    }
    auto statement = prepare(sql);
    if (!statement) return fail(std::move(statement.error()));
    auto [inserted, _] = m_cache.emplace(std::string{sql}, std::move(*statement));
    return &inserted->second;
}

bool Store::in_transaction() const {
    return sqlite3_get_autocommit(m_db) == 0;
}

Result<Transaction> Store::begin(TransactionKind kind) {
    assert(!in_transaction() && "SQLite has no nested transactions");
    auto statement = cached(kind == TransactionKind::immediate ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED");
    if (!statement) return fail(std::move(statement.error()));
    if (auto done = (*statement)->run(); !done) return fail(std::move(done.error()));
    return Transaction{*this};
}

void Store::roll_back() {
    // SQLite may already have rolled back by itself (after SQLITE_FULL, SQLITE_IOERR, ...).
    if (!in_transaction()) return;
    auto statement = cached("ROLLBACK");
    auto done = statement ? (*statement)->run() : Result<void>{fail(std::move(statement.error()))};
    if (done) return;
    config::logger("content")->error("rolling back a transaction on {} failed: {}", m_path.string(),
                                     done.error().message);
}

Result<int> Store::schema_version() {
    auto statement = prepare("PRAGMA user_version");
    if (!statement) return fail(std::move(statement.error()));
    auto stepped = statement->step();
    if (!stepped) return fail(std::move(stepped.error()));
    const auto version = *stepped ? statement->column_int64(0) : 0;
    statement->reset();
    return static_cast<int>(version);
}

Result<void> Store::migrate(std::span<const Migration> migrations) {
    assert(std::ranges::adjacent_find(
               migrations, [](const Migration& a, const Migration& b) { return a.version >= b.version; }) ==
               migrations.end() &&
           "migrations must be sorted by strictly increasing version");
    if (migrations.empty()) return {};

    auto current = schema_version();
    if (!current) return fail(std::move(current.error()));
    const int latest = migrations.back().version;
    if (*current > latest) {
        return fail(Errc::conflict,
                    "database schema version {} is newer than this program ({}); upgrade dwell: {}", *current,
                    latest, m_path.string());
    }

    for (const auto& migration : migrations) {
        if (migration.version <= *current) continue;
        const auto context =
            fmt::format("migrating {} to schema version {}", m_path.string(), migration.version);
        auto transaction = begin(TransactionKind::immediate);
        if (!transaction) return fail(std::move(transaction.error()).with_context(context));
        // Another process (the player and the agent start together) may have migrated since the
        // version was read; inside the write transaction the version is settled.
        auto settled = schema_version();
        if (!settled) return fail(std::move(settled.error()).with_context(context));
        if (*settled >= migration.version) continue;
        if (auto done = exec(migration.sql); !done)
            return fail(std::move(done.error()).with_context(context));
        if (auto done = exec(fmt::format("PRAGMA user_version = {}", migration.version)); !done) {
            return fail(std::move(done.error()).with_context(context));
        }
        if (auto done = transaction->commit(); !done)
            return fail(std::move(done.error()).with_context(context));
    }
    return {};
}

std::int64_t Store::changes() const {
    return sqlite3_changes64(m_db);
}

std::int64_t Store::last_insert_rowid() const {
    return sqlite3_last_insert_rowid(m_db);
}

}  // namespace dwell::content
