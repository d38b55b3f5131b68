#include "content/uuid.hpp"

#include <algorithm>
#include <set>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace dwell::content {
namespace {

using namespace std::chrono_literals;

// 2026-12-01T06:00:00.000Z
constexpr config::WallTime december_first{std::chrono::milliseconds{1'796'104'800'000}};

TEST(Uuid, NilIsAllZero) {
    const Uuid nil;
    EXPECT_TRUE(nil.is_nil());
    EXPECT_EQ(nil.to_string(), "00000000-0000-0000-0000-000000000000");
    EXPECT_FALSE(nil.is_v7());
    EXPECT_EQ(nil.time(), std::nullopt);
}

TEST(Uuid, ParsesTheCanonicalFormAndWritesItBack) {
    const auto parsed = Uuid::parse("01890a5d-ac96-774b-bcce-b302099a8057");
    ASSERT_TRUE(parsed) << parsed.error().message;
    EXPECT_EQ(parsed->to_string(), "01890a5d-ac96-774b-bcce-b302099a8057");
    EXPECT_EQ(parsed->bytes()[0], 0x01);
    EXPECT_EQ(parsed->bytes()[15], 0x57);
    EXPECT_EQ(parsed->version(), 7U);
    EXPECT_EQ(parsed->variant(), 2U);
}

TEST(Uuid, ReadsTheTimeOfTheRfcExample) {
    // RFC 9562 appendix A.6: 017F22E2-79B0-7CC3-98C4-DC0C0C07398F made at 2022-02-22T19:22:22Z.
    const auto parsed = Uuid::parse("017f22e2-79b0-7cc3-98c4-dc0c0c07398f");
    ASSERT_TRUE(parsed);
    ASSERT_TRUE(parsed->time());
    EXPECT_EQ(parsed->time()->time_since_epoch(), std::chrono::milliseconds{1'645'557'742'000});
}

TEST(Uuid, AcceptsUpperCaseAndWritesLowerCase) {
    // RFC 9562 §4: hex digits are case-insensitive on input, lowercase on output.
    const auto upper = Uuid::parse("017F22E2-79B0-7CC3-98C4-DC0C0C07398F");
    const auto lower = Uuid::parse("017f22e2-79b0-7cc3-98c4-dc0c0c07398f");
    ASSERT_TRUE(upper);
    ASSERT_TRUE(lower);
    EXPECT_EQ(*upper, *lower);
    EXPECT_EQ(upper->to_string(), "017f22e2-79b0-7cc3-98c4-dc0c0c07398f");
}

TEST(Uuid, RefusesEveryOtherForm) {
    for (const char* text : {
             "",
             "017f22e2-79b0-7cc3-98c4-dc0c0c07398",     // one digit short
             "017f22e2-79b0-7cc3-98c4-dc0c0c07398f0",   // one digit long
             "017f22e279b07cc398c4dc0c0c07398f",        // no dashes
             "{017f22e2-79b0-7cc3-98c4-dc0c0c07398f}",  // braces
             "urn:uuid:017f22e2-79b0-7cc3-98c4-dc0c0c07398f",
             "017f22e2_79b0-7cc3-98c4-dc0c0c07398f",  // wrong separator
             "017f22e-279b0-7cc3-98c4-dc0c0c07398f",  // dash in the wrong place
             "017f22e2-79b0-7cc3-98c4-dc0c0c07398g",  // not hex
             "017f22e2-79b0-7cc3-98c4-dc0c0c07 98f",  // space
             " 017f22e2-79b0-7cc3-98c4-dc0c0c07398",  // leading space
             "017f22e2-79b0-7cc3-98c4-dc0c0c07398\xc3",
         }) {
        const auto parsed = Uuid::parse(text);
        ASSERT_FALSE(parsed) << text;
        EXPECT_EQ(parsed.error().code, Errc::invalid_input) << text;
        EXPECT_NE(parsed.error().message.find("8-4-4-4-12"), std::string::npos) << parsed.error().message;
    }
    const auto no_dashes = Uuid::parse("017f22e279b07cc398c4dc0c0c07398f");
    EXPECT_NE(no_dashes.error().message.find("32 characters, not 36"), std::string::npos)
        << no_dashes.error().message;
    const auto not_hex = Uuid::parse("017f22e2-79b0-7cc3-98c4-dc0c0c07398g");
    EXPECT_NE(not_hex.error().message.find("character 36 is not a hex digit"), std::string::npos)
        << not_hex.error().message;
    const auto misplaced = Uuid::parse("017f22e-279b0-7cc3-98c4-dc0c0c07398f");
    EXPECT_NE(misplaced.error().message.find("is not a hex digit"), std::string::npos)
        << misplaced.error().message;
}

TEST(UuidV7, HasVersionVariantAndTheGivenTime) {
    // A fresh generator: the process-wide one may already be past this time.
    UuidV7Generator generator;
    const Uuid id = generator.next(december_first);
    EXPECT_EQ(id.version(), 7U);
    EXPECT_EQ(id.variant(), 2U);
    EXPECT_TRUE(id.is_v7());
    EXPECT_EQ(id.time(), december_first);
    EXPECT_EQ(id.to_string().substr(0, 13), "01a23030-4700");
    EXPECT_EQ(id.to_string()[14], '7');
    EXPECT_NE(std::string_view("89ab").find(id.to_string()[19]), std::string_view::npos) << id.to_string();
}

TEST(UuidV7, RoundTripsThroughText) {
    const Uuid id = uuid_v7(december_first);
    const auto parsed = Uuid::parse(id.to_string());
    ASSERT_TRUE(parsed);
    EXPECT_EQ(*parsed, id);
}

TEST(UuidV7, TenThousandIdsInALoopAreUniqueAndStrictlyIncreasing) {
    std::vector<Uuid> ids;
    ids.reserve(10'000);
    const auto start = config::WallTime{std::chrono::milliseconds{1'800'000'000'000}};
    for (int i = 0; i < 10'000; ++i) ids.push_back(uuid_v7(start + std::chrono::milliseconds{i / 1000}));
    for (std::size_t i = 1; i < ids.size(); ++i)
        ASSERT_LT(ids[i - 1], ids[i])
            << "at " << i << ": " << ids[i - 1].to_string() << " " << ids[i].to_string();
    // Text sorts the same way, so a database ordering by the id string keeps creation order.
    for (std::size_t i = 1; i < ids.size(); ++i) ASSERT_LT(ids[i - 1].to_string(), ids[i].to_string());
    const std::set<std::string> unique = [&] {
        std::set<std::string> texts;
        for (const auto& id : ids) texts.insert(id.to_string());
        return texts;
    }();
    EXPECT_EQ(unique.size(), ids.size());
}

TEST(UuidV7, StaysOrderedWhenTheCounterRunsOutInOneMillisecond) {
    UuidV7Generator generator;
    std::vector<Uuid> ids;
    for (int i = 0; i < 10'000; ++i) ids.push_back(generator.next(december_first));
    for (std::size_t i = 1; i < ids.size(); ++i) ASSERT_LT(ids[i - 1], ids[i]) << "at " << i;
    // At least 2048 ids fit in a millisecond, so 10,000 borrow at most 5 milliseconds ahead.
    EXPECT_EQ(ids.front().time(), december_first);
    EXPECT_GE(*ids.back().time(), december_first + 1ms);
    EXPECT_LE(*ids.back().time(), december_first + 5ms);
}

TEST(UuidV7, StaysOrderedWhenTheClockStepsBack) {
    UuidV7Generator generator;
    const Uuid before = generator.next(december_first + 10s);
    const Uuid after = generator.next(december_first);  // e.g. NTP corrected a fast clock
    EXPECT_LT(before, after);
    EXPECT_EQ(after.time(), december_first + 10s);
    const Uuid later = generator.next(december_first + 11s);
    EXPECT_LT(after, later);
    EXPECT_EQ(later.time(), december_first + 11s);
}

TEST(UuidV7, RandomBitsDifferBetweenGenerators) {
    // Two screens making an id in the same millisecond must not collide.
    UuidV7Generator first;
    UuidV7Generator second;
    EXPECT_NE(first.next(december_first), second.next(december_first));
}

TEST(UuidV7, IsSafeAndOrderedAcrossThreads) {
    UuidV7Generator generator;
    constexpr int threads = 4;
    constexpr int per_thread = 2'500;
    std::vector<std::vector<Uuid>> made(threads);
    {
        std::vector<std::jthread> workers;
        for (int t = 0; t < threads; ++t) {
            workers.emplace_back([&generator, &ids = made[static_cast<std::size_t>(t)]] {
                for (int i = 0; i < per_thread; ++i) ids.push_back(generator.next(december_first));
            });
        }
    }
    std::vector<Uuid> all;
    for (const auto& ids : made) {
        for (std::size_t i = 1; i < ids.size(); ++i) ASSERT_LT(ids[i - 1], ids[i]);
        all.insert(all.end(), ids.begin(), ids.end());
    }
    std::sort(all.begin(), all.end());
    EXPECT_EQ(std::adjacent_find(all.begin(), all.end()), all.end()) << "duplicate ids";
    EXPECT_EQ(all.size(), static_cast<std::size_t>(threads * per_thread));
}

}  // namespace
}  // namespace dwell::content
