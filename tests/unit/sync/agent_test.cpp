// The sync agent's small parts: the device token file and the reconnect backoff.
#include "sync/agent/agent.hpp"

#include <sys/stat.h>

#include <fstream>
#include <set>

#include <gtest/gtest.h>

#include "tests/support/temp_dir.hpp"

namespace dwell::sync::agent {
namespace {

using namespace std::chrono_literals;

TEST(DeviceTokenTest, ASavedTokenReadsBackAndOnlyItsOwnerMayReadIt) {
    test::TempDir folder;
    const auto file = folder / "state" / "device.token";
    ASSERT_TRUE(save_device_token(file, "abc123"));
    EXPECT_EQ(read_device_token(file).value(), "abc123");
    struct stat info {};
    ASSERT_EQ(::stat(file.c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 0777, 0600U);
    EXPECT_FALSE(std::filesystem::exists(folder / "state" / "device.token.new"))
        << "no temporary file is left";

    ASSERT_TRUE(save_device_token(file, "def456")) << "a new enrollment replaces the token";
    EXPECT_EQ(read_device_token(file).value(), "def456");
}

TEST(DeviceTokenTest, AMissingOrDamagedTokenFileSaysSoAndNamesTheFile) {
    test::TempDir folder;
    const auto missing = read_device_token(folder / "device.token");
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().code, Errc::not_found);

    const auto file = folder / "two-lines.token";
    std::ofstream{file} << "abc\ndef\n";
    const auto damaged = read_device_token(file);
    ASSERT_FALSE(damaged);
    EXPECT_EQ(damaged.error().code, Errc::invalid_input);
    EXPECT_NE(damaged.error().message.find(file.string()), std::string::npos) << damaged.error().message;

    std::ofstream{folder / "empty.token"} << "";
    EXPECT_EQ(read_device_token(folder / "empty.token").error().code, Errc::invalid_input);
}

TEST(DeviceTokenTest, ATokenThatCannotBeWrittenIsAnErrorNamingThePlace) {
    test::TempDir folder;
    std::ofstream{folder / "not-a-folder"} << "x";
    const auto file = folder / "not-a-folder" / "device.token";
    const auto saved = save_device_token(file, "abc");
    ASSERT_FALSE(saved);
    EXPECT_EQ(saved.error().code, Errc::io);
    EXPECT_NE(saved.error().message.find("not-a-folder"), std::string::npos) << saved.error().message;
}

TEST(BackoffTest, DoublesFromOneSecondToAMinuteWithJitterBelowEachStep) {
    for (int round = 0; round < 200; ++round) {
        const auto first = backoff(0);
        EXPECT_GE(first, 500ms);
        EXPECT_LE(first, 1s);
        const auto third = backoff(2);
        EXPECT_GE(third, 2s);
        EXPECT_LE(third, 4s);
        for (const unsigned late : {6U, 7U, 100U, 4'000'000'000U}) {
            const auto delay = backoff(late);
            EXPECT_GE(delay, 30s);
            EXPECT_LE(delay, 60s);
        }
    }
    // Jitter: screens that lost the hub together do not all come back at the same moment.
    std::set<config::Duration::rep> distinct;
    for (int i = 0; i < 50; ++i) distinct.insert(backoff(5).count());
    EXPECT_GT(distinct.size(), 10U);
}

}  // namespace
}  // namespace dwell::sync::agent
