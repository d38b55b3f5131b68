#include "content/store.hpp"

#include <array>
#include <barrier>
#include <cstdint>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "tests/support/temp_dir.hpp"

namespace dwell::content {
namespace {

using namespace std::chrono_literals;

std::unique_ptr<Store> open_store(const std::filesystem::path& path, StoreOptions options = {}) {
    auto store = Store::open(path, options);
    if (!store) ADD_FAILURE() << store.error().message;
    return store ? std::move(*store) : nullptr;
}

// The first column of the first row of `sql`, as text.
std::string query_text(Store& store, std::string_view sql) {
    auto statement = store.prepare(sql);
    EXPECT_TRUE(statement) << statement.error().message;
    if (!statement) return {};
    auto row = statement->step();
    EXPECT_TRUE(row && *row) << sql;
    if (!row || !*row) return {};
    return std::string{statement->column_text(0)};
}

std::int64_t query_int(Store& store, std::string_view sql) {
    auto statement = store.prepare(sql);
    EXPECT_TRUE(statement) << statement.error().message;
    if (!statement) return -1;
    auto row = statement->step();
    EXPECT_TRUE(row && *row) << sql;
    if (!row || !*row) return -1;
    return statement->column_int64(0);
}

bool table_exists(Store& store, std::string_view name) {
    auto statement = store.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?");
    EXPECT_TRUE(statement);
    EXPECT_TRUE(statement->bind(1, name));
    auto row = statement->step();
    EXPECT_TRUE(row);
    return row && *row;
}

TEST(Store, OpensAFileInWalModeWithForeignKeysOn) {
    test::TempDir dir;
    auto store = open_store(dir / "state.db");
    ASSERT_TRUE(store);
    EXPECT_EQ(query_text(*store, "PRAGMA journal_mode"), "wal");
    EXPECT_EQ(query_int(*store, "PRAGMA foreign_keys"), 1);
    EXPECT_EQ(query_int(*store, "PRAGMA synchronous"), 1);  // NORMAL
    EXPECT_TRUE(std::filesystem::exists(dir / "state.db"));

    ASSERT_TRUE(
        store->exec("CREATE TABLE parent (id INTEGER PRIMARY KEY);"
                    "CREATE TABLE child (parent INTEGER NOT NULL REFERENCES parent (id));"));
    auto orphan = store->exec("INSERT INTO child (parent) VALUES (42)");
    ASSERT_FALSE(orphan);
    EXPECT_EQ(orphan.error().code, Errc::storage);
    EXPECT_NE(orphan.error().message.find("FOREIGN KEY constraint failed"), std::string::npos)
        << orphan.error().message;
}

TEST(Store, SynchronousFullIsApplied) {
    test::TempDir dir;
    auto store = open_store(dir / "state.db", StoreOptions{.synchronous = Synchronous::full});
    ASSERT_TRUE(store);
    EXPECT_EQ(query_int(*store, "PRAGMA synchronous"), 2);  // FULL
}

TEST(Store, WalModeIsKeptForLaterConnections) {
    test::TempDir dir;
    ASSERT_TRUE(open_store(dir / "state.db"));
    auto reader = open_store(dir / "state.db", StoreOptions{.access = StoreAccess::read_only});
    ASSERT_TRUE(reader);
    EXPECT_EQ(query_text(*reader, "PRAGMA journal_mode"), "wal");
}

TEST(Store, RoundTripsEveryColumnType) {
    auto store = open_store(":memory:");
    ASSERT_TRUE(store);
    ASSERT_TRUE(store->exec("CREATE TABLE t (i INTEGER, d REAL, s TEXT, b BLOB, n TEXT)"));

    const std::string korean = "마이피플 스티커 페스티벌 — 참여 완료!";
    const std::array blob{std::byte{0x00}, std::byte{0xff}, std::byte{0x00}, std::byte{'a'}, std::byte{0x00}};
    const std::vector<std::uint8_t> bytes{0x00, 0x01, 0x00};
    struct Row {
        std::int64_t i;
        double d;
        std::string s;
    };
    const std::vector<Row> rows{{std::numeric_limits<std::int64_t>::min(), -0.5, korean},
                                {std::numeric_limits<std::int64_t>::max(), 1e300, ""},
                                {0, 3.25, std::string{"nul\0inside", 10}}};
    {
        auto insert = store->prepare("INSERT INTO t (i, d, s, b, n) VALUES (?, ?, ?, ?, ?)");
        ASSERT_TRUE(insert) << insert.error().message;
        for (const auto& row : rows) {
            ASSERT_TRUE(insert->bind(1, row.i));
            ASSERT_TRUE(insert->bind(2, row.d));
            ASSERT_TRUE(insert->bind(3, row.s));
            ASSERT_TRUE(insert->bind(4, std::span<const std::byte>{blob}));
            ASSERT_TRUE(insert->bind(5, std::nullopt));
            auto stepped = insert->step();
            ASSERT_TRUE(stepped) << stepped.error().message;
            EXPECT_FALSE(*stepped);
            EXPECT_EQ(store->changes(), 1);
        }
        // Empty blobs and texts are values, not NULL; uint8 blobs and optionals bind too.
        ASSERT_TRUE(
            insert->run(7, 0.0, std::string_view{}, std::span<const std::byte>{}, std::optional<int>{}));
        ASSERT_TRUE(insert->run(8, 0.0, "x", std::span<const std::uint8_t>{bytes},
                                std::optional<std::string>{"set"}));
        EXPECT_EQ(store->last_insert_rowid(), 5);
    }

    auto select = store->prepare("SELECT i, d, s, b, n FROM t ORDER BY rowid");
    ASSERT_TRUE(select);
    for (const auto& row : rows) {
        auto stepped = select->step();
        ASSERT_TRUE(stepped && *stepped);
        EXPECT_EQ(select->column_int64(0), row.i);
        EXPECT_EQ(select->column_double(1), row.d);
        EXPECT_EQ(select->column_text(2), row.s);
        const auto read = select->column_blob(3);
        ASSERT_EQ(read.size(), blob.size());
        EXPECT_TRUE(std::equal(read.begin(), read.end(), blob.begin()));
        EXPECT_TRUE(select->column_is_null(4));
        EXPECT_FALSE(select->column_is_null(3));
    }
    auto empty = select->step();
    ASSERT_TRUE(empty && *empty);
    EXPECT_EQ(select->column_int64(0), 7);
    EXPECT_FALSE(select->column_is_null(2));
    EXPECT_TRUE(select->column_text(2).empty());
    EXPECT_FALSE(select->column_is_null(3));
    EXPECT_TRUE(select->column_blob(3).empty());
    EXPECT_TRUE(select->column_is_null(4));

    auto last = select->step();
    ASSERT_TRUE(last && *last);
    const auto read = select->column_blob(3);
    ASSERT_EQ(read.size(), 3U);
    EXPECT_EQ(read[1], std::byte{0x01});
    EXPECT_EQ(select->column_text(4), "set");

    auto done = select->step();
    ASSERT_TRUE(done);
    EXPECT_FALSE(*done);
    EXPECT_EQ(select->column_count(), 5);
}

TEST(Store, BindsTextThatOutlivedItsSource) {
    auto store = open_store(":memory:");
    ASSERT_TRUE(store);
    auto select = store->prepare("SELECT ?");
    ASSERT_TRUE(select);
    {
        std::string temporary(100, 'k');
        ASSERT_TRUE(select->bind(1, temporary));
        temporary.assign(100, 'z');
    }
    auto row = select->step();
    ASSERT_TRUE(row && *row);
    EXPECT_EQ(select->column_text(0), std::string(100, 'k'));
}

TEST(Store, BindRejectsOutOfRangeValuesAndIndexes) {
    auto store = open_store(":memory:");
    ASSERT_TRUE(store);
    auto select = store->prepare("SELECT ?, ?");
    ASSERT_TRUE(select);

    auto too_big = select->bind(1, std::numeric_limits<std::uint64_t>::max());
    ASSERT_FALSE(too_big);
    EXPECT_EQ(too_big.error().code, Errc::invalid_input);
    EXPECT_TRUE(select->bind(1, std::uint64_t{std::numeric_limits<std::int64_t>::max()}));

    auto no_such_parameter = select->bind(3, 1);
    ASSERT_FALSE(no_such_parameter);
    EXPECT_EQ(no_such_parameter.error().code, Errc::storage);
    EXPECT_NE(no_such_parameter.error().message.find("SELECT ?, ?"), std::string::npos)
        << no_such_parameter.error().message;

    auto too_many = select->bind_all(1, 2, 3);
    ASSERT_FALSE(too_many);
    EXPECT_NE(too_many.error().message.find("parameter 3"), std::string::npos) << too_many.error().message;
}

TEST(Store, BindAllNumbersParametersFromOne) {
    auto store = open_store(":memory:");
    ASSERT_TRUE(store);
    auto select = store->prepare("SELECT ?1 || ':' || ?2 || ':' || ?3");
    ASSERT_TRUE(select);
    ASSERT_TRUE(select->bind_all("a", 2, 3.5));
    auto row = select->step();
    ASSERT_TRUE(row && *row);
    EXPECT_EQ(select->column_text(0), "a:2:3.5");
}

TEST(Store, StatementRunsAgainAfterFinishing) {
    auto store = open_store(":memory:");
    ASSERT_TRUE(store);
    auto select = store->prepare("SELECT ? * 2");
    ASSERT_TRUE(select);
    ASSERT_TRUE(select->bind(1, 21));
    for (int round = 0; round < 2; ++round) {
        auto row = select->step();
        ASSERT_TRUE(row && *row);
        EXPECT_EQ(select->column_int64(0), 42);
        auto done = select->step();
        ASSERT_TRUE(done);
        EXPECT_FALSE(*done);
    }
}

TEST(Store, CachedStatementIsPreparedOnceAndComesBackClean) {
    auto store = open_store(":memory:");
    ASSERT_TRUE(store);
    auto first = store->cached("SELECT ?");
    ASSERT_TRUE(first);
    ASSERT_TRUE((*first)->bind(1, 5));
    auto row = (*first)->step();
    ASSERT_TRUE(row && *row);  // left mid-result on purpose

    auto second = store->cached("SELECT ?");
    ASSERT_TRUE(second);
    EXPECT_EQ(*first, *second);
    row = (*second)->step();
    ASSERT_TRUE(row && *row);
    EXPECT_TRUE((*second)->column_is_null(0)) << "bindings must be cleared";

    auto other = store->cached("SELECT 1");
    ASSERT_TRUE(other);
    EXPECT_NE(*other, *first);
    EXPECT_FALSE(store->cached("SELEC 1"));
}

TEST(Store, TransactionCommitKeepsChanges) {
    test::TempDir dir;
    {
        auto store = open_store(dir / "state.db");
        ASSERT_TRUE(store);
        ASSERT_TRUE(store->exec("CREATE TABLE t (v INTEGER)"));
        auto transaction = store->begin(TransactionKind::immediate);
        ASSERT_TRUE(transaction) << transaction.error().message;
        ASSERT_TRUE(store->exec("INSERT INTO t VALUES (1); INSERT INTO t VALUES (2)"));
        ASSERT_TRUE(transaction->commit());
        EXPECT_EQ(query_int(*store, "SELECT count(*) FROM t"), 2);
        // A new transaction can start once the previous one committed.
        auto next = store->begin();
        ASSERT_TRUE(next);
        ASSERT_TRUE(next->commit());
    }
    auto reopened = open_store(dir / "state.db");
    ASSERT_TRUE(reopened);
    EXPECT_EQ(query_int(*reopened, "SELECT count(*) FROM t"), 2);
}

TEST(Store, TransactionRollsBackWhenDestroyedWithoutCommit) {
    test::TempDir dir;
    auto store = open_store(dir / "state.db");
    ASSERT_TRUE(store);
    ASSERT_TRUE(store->exec("CREATE TABLE t (v INTEGER); INSERT INTO t VALUES (1)"));
    {
        auto transaction = store->begin(TransactionKind::deferred);
        ASSERT_TRUE(transaction);
        ASSERT_TRUE(store->exec("INSERT INTO t VALUES (2); DELETE FROM t WHERE v = 1"));
        EXPECT_EQ(query_int(*store, "SELECT sum(v) FROM t"), 2);
        auto moved = std::move(*transaction);  // the moved-from one must not roll back twice
    }
    EXPECT_EQ(query_int(*store, "SELECT sum(v) FROM t"), 1);
    auto next = store->begin();
    ASSERT_TRUE(next) << "the rollback must end the transaction";
}

TEST(Store, BusyDatabaseFailsAfterTheBusyTimeout) {
    test::TempDir dir;
    auto writer = open_store(dir / "state.db");
    ASSERT_TRUE(writer);
    ASSERT_TRUE(writer->exec("CREATE TABLE t (v INTEGER)"));
    auto other = open_store(dir / "state.db", StoreOptions{.busy_timeout = 50ms});
    ASSERT_TRUE(other);

    auto holding = writer->begin(TransactionKind::immediate);
    ASSERT_TRUE(holding);
    auto blocked = other->begin(TransactionKind::immediate);
    ASSERT_FALSE(blocked);
    EXPECT_EQ(blocked.error().code, Errc::storage);
    EXPECT_NE(blocked.error().message.find("database is locked"), std::string::npos)
        << blocked.error().message;
    EXPECT_NE(blocked.error().message.find("BEGIN IMMEDIATE"), std::string::npos) << blocked.error().message;

    auto insert = other->exec("INSERT INTO t VALUES (1)");
    ASSERT_FALSE(insert);
    EXPECT_EQ(insert.error().code, Errc::storage);
    // WAL: the blocked connection still reads.
    EXPECT_EQ(query_int(*other, "SELECT count(*) FROM t"), 0);

    ASSERT_TRUE(holding->commit());
    EXPECT_TRUE(other->exec("INSERT INTO t VALUES (1)"));
}

constexpr std::array migrations{
    Migration{1, "CREATE TABLE screens (id TEXT PRIMARY KEY, station TEXT NOT NULL);"},
    Migration{2,
              "ALTER TABLE screens ADD COLUMN line TEXT;"
              "INSERT INTO screens (id, station) VALUES ('s1-seoul-03', 'seoul');"},
    Migration{5, "CREATE TABLE plays (id BLOB PRIMARY KEY, screen TEXT NOT NULL REFERENCES screens (id));"},
};

TEST(Store, MigratesAFreshDatabaseToTheLatestVersion) {
    test::TempDir dir;
    auto store = open_store(dir / "state.db");
    ASSERT_TRUE(store);
    EXPECT_EQ(store->schema_version().value(), 0);
    auto migrated = store->migrate(migrations);
    ASSERT_TRUE(migrated) << migrated.error().message;
    EXPECT_EQ(store->schema_version().value(), 5);
    EXPECT_TRUE(table_exists(*store, "plays"));
    EXPECT_EQ(query_int(*store, "SELECT count(*) FROM screens WHERE line IS NULL"), 1);
}

// The player and the agent open a new box's state.db at the same moment: each migration runs once,
// and neither fails on the other's tables.
TEST(Store, TwoConnectionsMigratingAFreshDatabaseAtOnceBothSucceed) {
    for (int round = 0; round < 20; ++round) {
        test::TempDir dir;
        auto first = open_store(dir / "state.db");
        auto second = open_store(dir / "state.db");
        ASSERT_TRUE(first && second);
        std::barrier start{2};
        Result<void> results[2];
        std::thread other{[&] {
            start.arrive_and_wait();
            results[1] = second->migrate(migrations);
        }};
        start.arrive_and_wait();
        results[0] = first->migrate(migrations);
        other.join();
        ASSERT_TRUE(results[0]) << "round " << round << ": " << results[0].error().message;
        ASSERT_TRUE(results[1]) << "round " << round << ": " << results[1].error().message;
        EXPECT_EQ(query_int(*first, "SELECT count(*) FROM screens"), 1) << "migration 2 ran twice";
    }
}

TEST(Store, RerunningMigrationsChangesNothing) {
    test::TempDir dir;
    {
        auto store = open_store(dir / "state.db");
        ASSERT_TRUE(store);
        ASSERT_TRUE(store->migrate(migrations));
    }
    auto store = open_store(dir / "state.db");
    ASSERT_TRUE(store);
    auto again = store->migrate(migrations);
    ASSERT_TRUE(again) << again.error().message;
    EXPECT_EQ(store->schema_version().value(), 5);
    EXPECT_EQ(query_int(*store, "SELECT count(*) FROM screens"), 1) << "migration 2 ran twice";
}

TEST(Store, MigratesOnlyTheStepsAboveTheCurrentVersion) {
    auto store = open_store(":memory:");
    ASSERT_TRUE(store);
    ASSERT_TRUE(store->migrate(std::span{migrations}.first(1)));
    EXPECT_EQ(store->schema_version().value(), 1);
    ASSERT_TRUE(store->migrate(migrations));
    EXPECT_EQ(store->schema_version().value(), 5);
    EXPECT_EQ(query_int(*store, "SELECT count(*) FROM screens"), 1);
}

TEST(Store, RefusesADatabaseNewerThanTheProgram) {
    test::TempDir dir;
    auto store = open_store(dir / "state.db");
    ASSERT_TRUE(store);
    ASSERT_TRUE(store->exec("PRAGMA user_version = 7"));
    auto refused = store->migrate(migrations);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, Errc::conflict);
    EXPECT_NE(refused.error().message.find(
                  "database schema version 7 is newer than this program (5); upgrade dwell"),
              std::string::npos)
        << refused.error().message;
    EXPECT_EQ(store->schema_version().value(), 7);
    EXPECT_FALSE(table_exists(*store, "screens"));
}

TEST(Store, FailingMigrationLeavesNoTraceAndKeepsTheVersion) {
    test::TempDir dir;
    auto store = open_store(dir / "state.db");
    ASSERT_TRUE(store);
    ASSERT_TRUE(store->migrate(std::span{migrations}.first(1)));

    const std::array broken{
        migrations[0],
        Migration{2, "CREATE TABLE half_done (v INTEGER); INSERT INTO screens (id) VALUES ('no-station');"},
        Migration{3, "CREATE TABLE never (v INTEGER);"},
    };
    auto failed = store->migrate(broken);
    ASSERT_FALSE(failed);
    EXPECT_EQ(failed.error().code, Errc::storage);
    EXPECT_NE(failed.error().message.find("schema version 2"), std::string::npos) << failed.error().message;
    EXPECT_NE(failed.error().message.find("NOT NULL constraint failed"), std::string::npos)
        << failed.error().message;

    EXPECT_EQ(store->schema_version().value(), 1);
    EXPECT_FALSE(table_exists(*store, "half_done"));
    EXPECT_FALSE(table_exists(*store, "never"));
    EXPECT_TRUE(store->begin()) << "the failed migration must not leave a transaction open";

    auto reopened = open_store(dir / "state.db");
    ASSERT_TRUE(reopened);
    EXPECT_EQ(reopened->schema_version().value(), 1);
    EXPECT_FALSE(table_exists(*reopened, "half_done"));
}

TEST(Store, BadSqlNamesSqlitesMessageAndTheSql) {
    auto store = open_store(":memory:");
    ASSERT_TRUE(store);
    auto prepared = store->prepare("SELEKT * FROM screens");
    ASSERT_FALSE(prepared);
    EXPECT_EQ(prepared.error().code, Errc::storage);
    EXPECT_NE(prepared.error().message.find("syntax error"), std::string::npos) << prepared.error().message;
    EXPECT_NE(prepared.error().message.find("SELEKT * FROM screens"), std::string::npos)
        << prepared.error().message;
    EXPECT_NE(prepared.error().message.find("code 1)"), std::string::npos) << prepared.error().message;

    auto missing = store->prepare("SELECT * FROM nowhere");
    ASSERT_FALSE(missing);
    EXPECT_NE(missing.error().message.find("no such table: nowhere"), std::string::npos)
        << missing.error().message;

    auto script = store->exec("CREATE TABLE a (v); CREATE TABLE a (v);");
    ASSERT_FALSE(script);
    EXPECT_NE(script.error().message.find("table a already exists"), std::string::npos)
        << script.error().message;
}

TEST(Store, StepFailureNamesTheConstraintAndTheSql) {
    auto store = open_store(":memory:");
    ASSERT_TRUE(store);
    ASSERT_TRUE(store->exec("CREATE TABLE t (id TEXT PRIMARY KEY)"));
    auto insert = store->prepare("INSERT INTO t (id) VALUES (?)");
    ASSERT_TRUE(insert);
    ASSERT_TRUE(insert->run("a"));
    auto duplicate = insert->run("a");
    ASSERT_FALSE(duplicate);
    EXPECT_EQ(duplicate.error().code, Errc::storage);
    EXPECT_NE(duplicate.error().message.find("UNIQUE constraint failed: t.id"), std::string::npos)
        << duplicate.error().message;
    EXPECT_NE(duplicate.error().message.find("INSERT INTO t (id) VALUES (?)"), std::string::npos)
        << duplicate.error().message;
    // The statement stays usable after the failure.
    EXPECT_TRUE(insert->run("b"));
}

TEST(Store, PrepareTakesExactlyOneStatement) {
    auto store = open_store(":memory:");
    ASSERT_TRUE(store);
    auto two = store->prepare("SELECT 1; SELECT 2");
    ASSERT_FALSE(two);
    EXPECT_NE(two.error().message.find("more than one statement"), std::string::npos) << two.error().message;
    EXPECT_FALSE(store->prepare(""));
    EXPECT_FALSE(store->prepare("  -- only a comment"));
    EXPECT_TRUE(store->prepare("SELECT 1;  -- trailing comment\n"));
}

TEST(Store, TextFileIsNotADatabase) {
    test::TempDir dir;
    const auto path = dir.write("notes.db", "these are not the pages you are looking for\n");
    for (const auto access : {StoreAccess::read_write_create, StoreAccess::read_only}) {
        auto store = Store::open(path, StoreOptions{.access = access});
        ASSERT_FALSE(store);
        EXPECT_EQ(store.error().code, Errc::storage);
        EXPECT_NE(store.error().message.find(path.string()), std::string::npos) << store.error().message;
        EXPECT_NE(store.error().message.find("file is not a database"), std::string::npos)
            << store.error().message;
    }
}

TEST(Store, ReadOnlyMissingFileIsNotFound) {
    test::TempDir dir;
    auto store = Store::open(dir / "absent.db", StoreOptions{.access = StoreAccess::read_only});
    ASSERT_FALSE(store);
    EXPECT_EQ(store.error().code, Errc::not_found);
    EXPECT_NE(store.error().message.find("absent.db"), std::string::npos) << store.error().message;
    EXPECT_FALSE(std::filesystem::exists(dir / "absent.db"));
}

TEST(Store, MissingFolderIsAStorageErrorNamingThePath) {
    test::TempDir dir;
    auto store = Store::open(dir / "no" / "such" / "state.db");
    ASSERT_FALSE(store);
    EXPECT_EQ(store.error().code, Errc::storage);
    EXPECT_NE(store.error().message.find("no/such/state.db"), std::string::npos) << store.error().message;
}

TEST(Store, ReadOnlyStoreRefusesWrites) {
    test::TempDir dir;
    {
        auto store = open_store(dir / "state.db");
        ASSERT_TRUE(store);
        ASSERT_TRUE(store->exec("CREATE TABLE t (v INTEGER); INSERT INTO t VALUES (1)"));
    }
    auto reader = open_store(dir / "state.db", StoreOptions{.access = StoreAccess::read_only});
    ASSERT_TRUE(reader);
    EXPECT_EQ(query_int(*reader, "SELECT v FROM t"), 1);
    auto write = reader->exec("INSERT INTO t VALUES (2)");
    ASSERT_FALSE(write);
    EXPECT_EQ(write.error().code, Errc::storage);
    EXPECT_NE(write.error().message.find("readonly"), std::string::npos) << write.error().message;
}

}  // namespace
}  // namespace dwell::content
