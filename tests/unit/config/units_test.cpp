#include "config/units.hpp"

#include <gtest/gtest.h>

namespace dwell::config {
namespace {

using namespace std::chrono_literals;

TEST(ParseDuration, ReadsSingleAndCompoundTerms) {
    EXPECT_EQ(parse_duration("250ms").value(), 250ms);
    EXPECT_EQ(parse_duration("8s").value(), 8s);
    EXPECT_EQ(parse_duration("1h30m").value(), 90min);
    EXPECT_EQ(parse_duration("2d").value(), 48h);
    EXPECT_EQ(parse_duration(" 1m30s ").value(), 90s);
}

TEST(ParseDuration, ZeroIsAValidDuration) {
    EXPECT_EQ(parse_duration("0s").value(), 0ms);
    EXPECT_EQ(parse_duration("0ms").value(), 0ms);
}

TEST(ParseDuration, AcceptsFractionsThatAreWholeMilliseconds) {
    EXPECT_EQ(parse_duration("1.5h").value(), 90min);
    EXPECT_EQ(parse_duration("0.25s").value(), 250ms);
    const auto too_fine = parse_duration("0.0005s");
    ASSERT_FALSE(too_fine);
    EXPECT_NE(too_fine.error().message.find("whole number of milliseconds"), std::string::npos);
}

TEST(ParseDuration, RejectsMissingUnit) {
    const auto result = parse_duration("30");
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().code, Errc::invalid_input);
    EXPECT_NE(result.error().message.find("no unit"), std::string::npos) << result.error().message;
    EXPECT_FALSE(parse_duration("1h30"));
}

TEST(ParseDuration, RejectsNegative) {
    const auto result = parse_duration("-5s");
    ASSERT_FALSE(result);
    EXPECT_NE(result.error().message.find("negative"), std::string::npos) << result.error().message;
}

TEST(ParseDuration, RejectsOverflow) {
    const auto huge = parse_duration("99999999999999999999s");
    ASSERT_FALSE(huge);
    EXPECT_NE(huge.error().message.find("too large"), std::string::npos) << huge.error().message;
    EXPECT_FALSE(parse_duration("9223372036854775807d"));
    EXPECT_FALSE(parse_duration("9223372036854775s9223372036854775s"));
}

TEST(ParseDuration, RejectsGarbageWithTheExpectedForm) {
    for (const char* text : {"", "s", "fast", "1x", "1.s", ".5s", "1 s", "1s-", "1h 30m", "5 seconds"}) {
        const auto result = parse_duration(text);
        ASSERT_FALSE(result) << text;
        EXPECT_EQ(result.error().code, Errc::invalid_input) << text;
        EXPECT_FALSE(result.error().message.empty()) << text;
    }
    const auto unknown = parse_duration("5y");
    ASSERT_FALSE(unknown);
    EXPECT_NE(unknown.error().message.find("unknown unit \"y\""), std::string::npos)
        << unknown.error().message;
}

TEST(FormatDuration, RoundTrips) {
    for (const char* text : {"0s", "250ms", "8s", "1h30m", "2d1h1m1s1ms"}) {
        const auto parsed = parse_duration(text).value();
        EXPECT_EQ(format_duration(parsed), text);
        EXPECT_EQ(parse_duration(format_duration(parsed)).value(), parsed);
    }
}

TEST(ParseSize, ReadsBinaryAndDecimalUnits) {
    EXPECT_EQ(parse_size("512MiB").value(), 512ULL << 20);
    EXPECT_EQ(parse_size("8GiB").value(), 8ULL << 30);
    EXPECT_EQ(parse_size("1GB").value(), 1'000'000'000ULL);
    EXPECT_EQ(parse_size("1kB").value(), 1000ULL);
    EXPECT_EQ(parse_size("0B").value(), 0ULL);
    EXPECT_EQ(parse_size("1.5GiB").value(), 3ULL << 29);
}

TEST(ParseSize, RejectsGarbage) {
    for (const char* text : {"", "512", "8gb", "1.5B", "-1GiB", "1GiB2MiB", "MiB", "20000000TiB", "1 GiB"}) {
        const auto result = parse_size(text);
        ASSERT_FALSE(result) << text;
        EXPECT_EQ(result.error().code, Errc::invalid_input) << text;
    }
    EXPECT_NE(parse_size("512").error().message.find("no unit"), std::string::npos);
    EXPECT_NE(parse_size("20000000TiB").error().message.find("too large"), std::string::npos);
}

TEST(FormatSize, PicksTheLargestExactUnit) {
    EXPECT_EQ(format_size(8ULL << 30), "8GiB");
    EXPECT_EQ(format_size(1536ULL << 20), "1536MiB");
    EXPECT_EQ(format_size(1000), "1000B");
    EXPECT_EQ(parse_size(format_size(12345)).value(), 12345ULL);
}

}  // namespace
}  // namespace dwell::config
