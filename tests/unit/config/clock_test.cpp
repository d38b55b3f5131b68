#include "config/clock.hpp"

#include <gtest/gtest.h>

#include "config/log.hpp"

namespace dwell::config {
namespace {

using namespace std::chrono_literals;

TEST(FakeClock, MovesOnlyWhenTold) {
    FakeClock clock{WallTime{1'700'000'000'000ms}};
    const auto steady = clock.steady_now();
    EXPECT_EQ(clock.now(), WallTime{1'700'000'000'000ms});
    clock.advance(1500ms);
    EXPECT_EQ(clock.now(), WallTime{1'700'000'001'500ms});
    EXPECT_EQ(clock.steady_now() - steady, 1500ms);
}

TEST(FakeClock, SettingWallTimeBackDoesNotMoveMonotonicTime) {
    FakeClock clock{WallTime{10'000ms}};
    clock.advance(5s);
    const auto steady = clock.steady_now();
    clock.set(WallTime{1'000ms});
    EXPECT_EQ(clock.now(), WallTime{1'000ms});
    EXPECT_EQ(clock.steady_now(), steady);
}

TEST(OffsetClock, CorrectsTheBaseClockByTheMeasuredOffset) {
    FakeClock base{WallTime{1'000'000ms}};
    OffsetClock corrected{base};
    EXPECT_EQ(corrected.now(), base.now());
    corrected.set_offset(-2500ms);
    EXPECT_EQ(corrected.offset(), -2500ms);
    EXPECT_EQ(corrected.now(), WallTime{997'500ms});
    base.advance(1s);
    EXPECT_EQ(corrected.now(), WallTime{998'500ms});
    EXPECT_EQ(corrected.steady_now(), base.steady_now());
}

TEST(SystemClock, AgreesWithTheSystem) {
    SystemClock clock;
    const auto before = std::chrono::system_clock::now();
    const auto now = clock.now();
    const auto after = std::chrono::system_clock::now();
    EXPECT_LE(std::chrono::floor<std::chrono::milliseconds>(before), now);
    EXPECT_GE(after, now);
}

TEST(LogLevel, ParsesKnownLevelsOnly) {
    EXPECT_EQ(parse_log_level("debug").value(), LogLevel::debug);
    EXPECT_EQ(to_string(LogLevel::warn), "warn");
    const auto bad = parse_log_level("verbose");
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().message.find("expected trace, debug, info, warn, error or off"), std::string::npos);
    EXPECT_FALSE(parse_log_level("INFO"));
}

TEST(Logger, OneNamedLoggerPerModuleFollowingTheLevel) {
    const auto a = logger("config-test");
    EXPECT_EQ(a, logger("config-test"));
    EXPECT_EQ(a->name(), "config-test");
    set_log_level(LogLevel::warn);
    EXPECT_FALSE(a->should_log(spdlog::level::info));
    EXPECT_FALSE(logger("config-test-later")->should_log(spdlog::level::info));
    set_log_level(LogLevel::info);
    EXPECT_TRUE(a->should_log(spdlog::level::info));
}

}  // namespace
}  // namespace dwell::config
