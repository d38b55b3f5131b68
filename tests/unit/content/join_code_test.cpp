#include "content/join_code.hpp"

#include <algorithm>
#include <set>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace dwell::content {
namespace {

using namespace std::chrono_literals;

// Known-answer vectors from tests/unit/content/join_code_vectors.py, an independent implementation
// of the formula in DESIGN.md §4 in Python's hmac/hashlib. Screens and the hub must agree on every
// code, including screens still running an older release: these vectors must never change without
// a join code format version bump.
constexpr std::string_view secret_a = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
constexpr std::string_view secret_b = "db867caffaecec056c8983a5ab20900d037f36852c5d11457bd43842b5aa9dee";

struct CodeVector {
    std::string_view secret;
    unsigned digits;
    std::int64_t period_s;
    std::int64_t unix_time;
    std::uint64_t slot;
    std::string_view code;
};

constexpr CodeVector code_vectors[] = {
    {secret_a, 6, 60, 0, 0, "940111"},
    {secret_a, 6, 60, 0, 1, "952318"},
    {secret_a, 6, 60, 0, 999999, "697413"},
    {secret_a, 6, 60, 0, 123456, "014104"},
    {secret_a, 6, 60, 59, 0, "940111"},
    {secret_a, 6, 60, 59, 1, "952318"},
    {secret_a, 6, 60, 59, 999999, "697413"},
    {secret_a, 6, 60, 59, 123456, "014104"},
    {secret_a, 6, 60, 60, 0, "952311"},
    {secret_a, 6, 60, 60, 1, "437021"},
    {secret_a, 6, 60, 60, 999999, "727121"},
    {secret_a, 6, 60, 60, 123456, "351683"},
    {secret_a, 6, 60, 1700000000, 0, "820265"},
    {secret_a, 6, 60, 1700000000, 1, "351167"},
    {secret_a, 6, 60, 1700000000, 999999, "249224"},
    {secret_a, 6, 60, 1700000000, 123456, "410887"},
    {secret_a, 6, 60, 1767225599, 0, "166405"},
    {secret_a, 6, 60, 1767225599, 1, "654144"},
    {secret_a, 6, 60, 1767225599, 999999, "775292"},
    {secret_a, 6, 60, 1767225599, 123456, "685672"},
    {secret_a, 6, 60, 4102444800, 0, "938196"},
    {secret_a, 6, 60, 4102444800, 1, "471167"},
    {secret_a, 6, 60, 4102444800, 999999, "372525"},
    {secret_a, 6, 60, 4102444800, 123456, "838642"},
    {secret_a, 4, 60, 0, 0, "2114"},
    {secret_a, 4, 60, 0, 1, "8130"},
    {secret_a, 4, 60, 0, 9999, "3018"},
    {secret_a, 4, 60, 0, 1234, "7106"},
    {secret_a, 4, 60, 1700000000, 0, "8024"},
    {secret_a, 4, 60, 1700000000, 1, "0805"},
    {secret_a, 4, 60, 1700000000, 9999, "5013"},
    {secret_a, 4, 60, 1700000000, 1234, "6721"},
    {secret_a, 8, 30, 0, 0, "97947326"},
    {secret_a, 8, 30, 0, 1, "74601578"},
    {secret_a, 8, 30, 0, 99999999, "91719170"},
    {secret_a, 8, 30, 0, 12345678, "49701797"},
    {secret_a, 8, 30, 1700000000, 0, "93902728"},
    {secret_a, 8, 30, 1700000000, 1, "75961195"},
    {secret_a, 8, 30, 1700000000, 99999999, "44627894"},
    {secret_a, 8, 30, 1700000000, 12345678, "08330999"},
    {secret_a, 6, 60, -1, 0, "596763"},
    {secret_a, 6, 60, -1, 123456, "081219"},
    {secret_a, 6, 60, -61, 0, "797483"},
    {secret_a, 6, 60, -61, 123456, "346282"},
    {secret_a, 12, 300, 1700000000, 0, "494679112845"},
    {secret_a, 12, 300, 1700000000, 999999999999, "042573634328"},
    {secret_a, 12, 300, 1700000000, 271828182845, "434190664374"},
    {secret_b, 6, 60, 0, 0, "949403"},
    {secret_b, 6, 60, 0, 1, "375086"},
    {secret_b, 6, 60, 0, 999999, "307465"},
    {secret_b, 6, 60, 0, 123456, "141173"},
    {secret_b, 6, 60, 1700000000, 0, "452439"},
    {secret_b, 6, 60, 1700000000, 1, "064146"},
    {secret_b, 6, 60, 1700000000, 999999, "333042"},
    {secret_b, 6, 60, 1700000000, 123456, "661997"},
    {secret_b, 6, 15, 1700000000, 0, "765615"},
    {secret_b, 6, 15, 1700000000, 42, "182692"},
};

struct KeyVector {
    std::string_view secret;
    std::uint64_t step;
    std::string_view key;
};

constexpr KeyVector key_vectors[] = {
    {secret_a, 0u, "ac8240b5c5e6637a9870532bae40ec1c079c95359ef92b122b1a548bc27ab2ab"},
    {secret_a, 28333333u, "d173cca914fa882107fd5c110579796db96e7eb73055448109842ea260489abf"},
    {secret_b, 1u, "5279b8ef750413c6b349066922b552293a1c9171566f0561600c19c85b273fff"},
    {secret_a, 18446744073709551615u, "82f57d881a94a31fad32cabc990adc1695772b964e3f1cb2f71e86df793817fd"},
};

struct RoundVector {
    std::string_view secret;
    std::uint64_t step;
    unsigned digits;
    std::uint8_t round;
    std::uint32_t half;
    std::uint32_t value;
};

constexpr RoundVector round_vectors[] = {
    {secret_a, 0u, 6, 0, 0u, 143u},
    {secret_a, 0u, 6, 7, 1023u, 448u},
    {secret_a, 28333333u, 4, 3, 100u, 122u},
    {secret_b, 1u, 12, 5, 1000000u, 1008224u},
};

JoinSecret secret_from(std::string_view hex) {
    auto secret = parse_join_secret(hex);
    EXPECT_TRUE(secret) << secret.error().message;
    return secret.value_or(JoinSecret{});
}

JoinCodeSpace space_of(std::string_view secret_hex, unsigned digits, config::Duration period = 60s) {
    auto space = JoinCodeSpace::create(secret_from(secret_hex), digits, period);
    EXPECT_TRUE(space) << space.error().message;
    return std::move(space).value();
}

config::WallTime at_unix(std::int64_t seconds) {
    return config::WallTime{std::chrono::seconds{seconds}};
}

TEST(JoinCodeVectors, CodesMatchTheIndependentImplementation) {
    for (const CodeVector& v : code_vectors) {
        SCOPED_TRACE(testing::Message() << v.secret.substr(0, 8) << " D=" << v.digits << " P=" << v.period_s
                                        << " t=" << v.unix_time << " slot=" << v.slot);
        const JoinCodeSpace space = space_of(v.secret, v.digits, std::chrono::seconds{v.period_s});
        const auto code = space.code_for(v.slot, at_unix(v.unix_time));
        ASSERT_TRUE(code) << code.error().message;
        EXPECT_EQ(*code, v.code);

        const auto candidates = space.decode_at(v.code, at_unix(v.unix_time));
        ASSERT_TRUE(candidates) << candidates.error().message;
        EXPECT_EQ((*candidates)[0].slot, v.slot);
        EXPECT_EQ((*candidates)[0].step, space.step_at(at_unix(v.unix_time)));
    }
}

TEST(JoinCodeVectors, StepKeysMatchTheIndependentImplementation) {
    for (const KeyVector& v : key_vectors) {
        const JoinCodeSpace space = space_of(v.secret, 6);
        const auto step = space.step(v.step);
        ASSERT_TRUE(step) << step.error().message;
        EXPECT_EQ(step->number(), v.step);
        EXPECT_EQ(to_hex(step->key()), v.key) << "step " << v.step;
    }
}

TEST(JoinCodeVectors, RoundFunctionMatchesTheIndependentImplementation) {
    for (const RoundVector& v : round_vectors) {
        const JoinCodeSpace space = space_of(v.secret, v.digits);
        const auto step = space.step(v.step);
        ASSERT_TRUE(step) << step.error().message;
        const auto value = step->round_value(v.round, v.half);
        ASSERT_TRUE(value) << value.error().message;
        EXPECT_EQ(*value, v.value) << "step " << v.step << " round " << int{v.round} << " x " << v.half;
    }
}

// Every slot gets its own code and the code leads back to it, in each of several steps.
TEST(JoinCodeSpace, FourDigitCodesArePermutationsOfAllSlots) {
    const JoinCodeSpace space = space_of(secret_a, 4);
    for (const std::uint64_t n :
         {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{28'333'333}, ~std::uint64_t{0}}) {
        SCOPED_TRACE(testing::Message() << "step " << n);
        const auto step = space.step(n);
        ASSERT_TRUE(step);
        std::vector<bool> taken(space.capacity(), false);
        for (std::uint64_t slot = 0; slot < space.capacity(); ++slot) {
            const auto code = step->encode(slot);
            ASSERT_TRUE(code) << code.error().message;
            ASSERT_LT(*code, space.capacity());
            ASSERT_FALSE(taken[*code]) << "slot " << slot << " shares code " << *code;
            taken[*code] = true;
            const auto back = step->decode(*code);
            ASSERT_TRUE(back);
            ASSERT_EQ(*back, slot) << "code " << *code;
        }
    }
}

TEST(JoinCodeSpace, SixDigitCodesOfASampleAreDistinctAndDecode) {
    const JoinCodeSpace space = space_of(secret_b, 6);
    const auto step = space.step(space.step_at(at_unix(1'700'000'000)));
    ASSERT_TRUE(step);
    std::vector<bool> taken(space.capacity(), false);
    std::uint64_t sampled = 0;
    // 7919 is coprime to 10^6, so i * 7919 mod 10^6 visits 100,000 distinct slots spread over the range.
    for (std::uint64_t i = 0; i < 100'000; ++i) {
        const std::uint64_t slot = (i * 7919 + 13) % space.capacity();
        const auto code = step->encode(slot);
        ASSERT_TRUE(code) << code.error().message;
        ASSERT_LT(*code, space.capacity());
        ASSERT_FALSE(taken[*code]) << "slot " << slot << " shares code " << *code;
        taken[*code] = true;
        const auto back = step->decode(*code);
        ASSERT_TRUE(back);
        ASSERT_EQ(*back, slot) << "code " << *code;
        ++sampled;
    }
    EXPECT_EQ(sampled, 100'000u);
}

TEST(JoinCodeSpace, EightAndTwelveDigitCodesDecodeAtTheEdges) {
    for (const unsigned digits : {8u, 12u}) {
        const JoinCodeSpace space = space_of(secret_a, digits);
        const auto step = space.step(7);
        ASSERT_TRUE(step);
        for (const std::uint64_t slot :
             {std::uint64_t{0}, std::uint64_t{1}, space.capacity() / 2, space.capacity() - 1}) {
            const auto code = step->encode(slot);
            ASSERT_TRUE(code);
            EXPECT_LT(*code, space.capacity());
            EXPECT_EQ(step->decode(*code).value(), slot) << digits << " digits, slot " << slot;
            EXPECT_EQ(space.format_code(*code).size(), digits);
        }
    }
}

TEST(JoinCodeSpace, CodesRotateEveryStep) {
    const JoinCodeSpace space = space_of(secret_a, 6);
    const std::uint64_t n = space.step_at(at_unix(1'700'000'000));
    const auto now = space.step(n);
    const auto next = space.step(n + 1);
    ASSERT_TRUE(now && next);
    int changed = 0;
    constexpr int slots = 3000;
    for (std::uint64_t slot = 0; slot < slots; ++slot)
        if (now->encode(slot).value() != next->encode(slot).value()) ++changed;
    EXPECT_GE(changed, slots * 99 / 100);

    std::set<std::string> codes;
    for (std::uint64_t k = 0; k < 10; ++k) {
        const auto code = space.code_for(123'456, space.step_start(n + k));
        ASSERT_TRUE(code);
        codes.insert(*code);
    }
    EXPECT_GE(codes.size(), 9u) << "the code of one slot barely changes over 10 steps";
}

TEST(JoinCodeSpace, DifferentSecretsGiveDifferentCodes) {
    const JoinCodeSpace a = space_of(secret_a, 6);
    const JoinCodeSpace b = space_of(secret_b, 6);
    int same = 0;
    for (std::uint64_t slot = 0; slot < 1000; ++slot)
        if (a.encode(slot, 5).value() == b.encode(slot, 5).value()) ++same;
    EXPECT_LE(same, 5);
}

TEST(JoinCodeSpace, StepAtFloorsOnBothSidesOfTheEpoch) {
    const JoinCodeSpace space = space_of(secret_a, 6, 60s);
    const config::WallTime epoch{};
    EXPECT_EQ(space.step_at(epoch), 0u);
    EXPECT_EQ(space.step_at(epoch + 59'999ms), 0u);
    EXPECT_EQ(space.step_at(epoch + 60s), 1u);
    EXPECT_EQ(space.step_at(at_unix(1'700'000'000)), 28'333'333u);
    EXPECT_EQ(space.step_at(epoch - 1ms), ~std::uint64_t{0});
    EXPECT_EQ(space.step_at(epoch - 60s), ~std::uint64_t{0});
    EXPECT_EQ(space.step_at(epoch - 60'001ms), ~std::uint64_t{1});
    EXPECT_EQ(space.step_start(28'333'333), at_unix(1'699'999'980));
    EXPECT_EQ(space.step_start(~std::uint64_t{0}), epoch - 60s);

    const JoinCodeSpace slow = space_of(secret_a, 6, 1h);
    EXPECT_EQ(slow.step_at(at_unix(7199)), 1u);
    EXPECT_EQ(slow.step_at(at_unix(7200)), 2u);
}

// The hub accepts codes of the current and the previous step, so a code shown near the end of a
// step still works while the person types it; anything older is a wrong code.
TEST(JoinCodeSpace, AcceptsCurrentAndPreviousStepAndRefusesOlder) {
    const JoinCodeSpace space = space_of(secret_a, 6, 60s);
    const std::uint64_t n = space.step_at(at_unix(1'700'000'000));
    const config::WallTime last_ms_of_n = space.step_start(n + 1) - 1ms;
    const config::WallTime first_ms_of_next = space.step_start(n + 1);
    ASSERT_EQ(space.step_at(last_ms_of_n), n);
    ASSERT_EQ(space.step_at(first_ms_of_next), n + 1);

    for (std::uint64_t slot = 0; slot < 1'000'000; slot += 4999) {
        SCOPED_TRACE(testing::Message() << "slot " << slot);
        const auto only_this_slot = [slot](std::uint64_t s) { return s == slot; };
        const auto code_in = [&](std::uint64_t step) {
            return space.format_code(space.encode(slot, step).value());
        };

        EXPECT_EQ(space.resolve(code_in(n), last_ms_of_n, only_this_slot), (JoinCandidate{slot, n}));
        EXPECT_EQ(space.resolve(code_in(n - 1), last_ms_of_n, only_this_slot), (JoinCandidate{slot, n - 1}));
        EXPECT_EQ(space.resolve(code_in(n - 2), last_ms_of_n, only_this_slot), std::nullopt);

        // One millisecond later step n is the previous step and n - 1 has expired.
        EXPECT_EQ(space.resolve(code_in(n + 1), first_ms_of_next, only_this_slot),
                  (JoinCandidate{slot, n + 1}));
        EXPECT_EQ(space.resolve(code_in(n), first_ms_of_next, only_this_slot), (JoinCandidate{slot, n}));
        EXPECT_EQ(space.resolve(code_in(n - 1), first_ms_of_next, only_this_slot), std::nullopt);

        const auto candidates = space.decode_at(code_in(n), last_ms_of_n);
        ASSERT_TRUE(candidates);
        EXPECT_EQ((*candidates)[0], (JoinCandidate{slot, n}));
        EXPECT_EQ((*candidates)[1].step, n - 1);
    }
}

TEST(JoinCodeSpace, UnassignedSlotsAreWrongCodes) {
    const JoinCodeSpace space = space_of(secret_a, 6);
    const config::WallTime t = at_unix(1'700'000'000);
    const auto code = space.code_for(42, t);
    ASSERT_TRUE(code);
    EXPECT_EQ(space.resolve(*code, t, [](std::uint64_t) { return false; }), std::nullopt);
    EXPECT_EQ(space.resolve(*code, t, [](std::uint64_t s) { return s == 43; }), std::nullopt);
    // When both candidates happen to be assigned, the current step wins.
    EXPECT_EQ(space.resolve(*code, t, [](std::uint64_t) { return true; }),
              (JoinCandidate{42, space.step_at(t)}));
}

TEST(JoinCodeSpace, IsSafeToShareBetweenThreads) {
    const JoinCodeSpace space = space_of(secret_b, 6);
    const auto step = space.step(99);
    ASSERT_TRUE(step);
    std::vector<std::uint64_t> expected;
    for (std::uint64_t slot = 0; slot < 500; ++slot) expected.push_back(step->encode(slot).value());

    std::vector<int> mismatches(4, 0);
    {
        std::vector<std::jthread> threads;
        for (std::size_t t = 0; t < mismatches.size(); ++t)
            threads.emplace_back([&, t] {
                for (std::uint64_t slot = 0; slot < expected.size(); ++slot) {
                    const std::uint64_t via_step = step->encode(slot).value_or(~0u);
                    const std::uint64_t via_space = space.encode(slot, 99).value_or(~0u);
                    if (via_step != expected[slot] || via_space != expected[slot] ||
                        step->decode(expected[slot]).value_or(~0u) != slot)
                        ++mismatches[t];
                }
            });
    }
    for (const int count : mismatches) EXPECT_EQ(count, 0);
}

TEST(JoinCodeSpace, CodesAreZeroPadded) {
    const JoinCodeSpace space = space_of(secret_a, 6);
    EXPECT_EQ(space.format_code(14'104), "014104");
    EXPECT_EQ(space.format_code(0), "000000");
    EXPECT_EQ(space.parse_code("014104").value(), 14'104u);
    EXPECT_EQ(space.parse_code("000000").value(), 0u);
    EXPECT_EQ(space.parse_code("999999").value(), 999'999u);
}

TEST(JoinSecret, ParsesHexInEitherCaseAndPrintsLowerCase) {
    const auto secret = parse_join_secret(secret_a);
    ASSERT_TRUE(secret);
    for (std::size_t i = 0; i < secret->size(); ++i) EXPECT_EQ((*secret)[i], i);
    EXPECT_EQ(to_hex(*secret), secret_a);

    std::string upper{secret_b};
    std::transform(upper.begin(), upper.end(), upper.begin(), [](char c) { return c >= 'a' ? c - 32 : c; });
    const auto from_upper = parse_join_secret(upper);
    ASSERT_TRUE(from_upper);
    EXPECT_EQ(to_hex(*from_upper), secret_b);
}

TEST(JoinSecret, RejectsWrongLengthAndNonHexWithoutEchoingIt) {
    const std::string secret{secret_b};
    const std::vector<std::string> bad{
        "",
        secret.substr(0, 63),
        secret + "0",
        secret.substr(0, 62),
        secret + secret,
        "0x" + secret.substr(2),
        "g" + secret.substr(1),
        secret.substr(0, 63) + "z",
        secret.substr(0, 31) + " " + secret.substr(32),
        " " + secret.substr(1),
        secret.substr(0, 10) + "\xc3\xa9" + secret.substr(12),
        std::string(64, '-'),
    };
    for (const std::string& text : bad) {
        const auto result = parse_join_secret(text);
        ASSERT_FALSE(result) << text;
        EXPECT_EQ(result.error().code, Errc::invalid_input) << text;
        EXPECT_NE(result.error().message.find("64 hex digits"), std::string::npos) << result.error().message;
        EXPECT_EQ(result.error().message.find(secret.substr(2, 16)), std::string::npos)
            << result.error().message;
    }
    EXPECT_NE(parse_join_secret(secret.substr(0, 63)).error().message.find("63 characters"),
              std::string::npos);
    EXPECT_NE(parse_join_secret("g" + secret.substr(1)).error().message.find("character 1 "),
              std::string::npos);
    EXPECT_NE(parse_join_secret(secret.substr(0, 63) + "z").error().message.find("character 64 "),
              std::string::npos);
}

TEST(JoinCodeSpace, RejectsDigitsOutOfRange) {
    const JoinSecret secret = secret_from(secret_a);
    for (const unsigned digits : {0u, 1u, 3u, 13u, 20u, 100u}) {
        const auto space = JoinCodeSpace::create(secret, digits, 60s);
        ASSERT_FALSE(space) << digits;
        EXPECT_EQ(space.error().code, Errc::invalid_input);
        EXPECT_NE(space.error().message.find("4 to 12 digits"), std::string::npos) << space.error().message;
    }
    for (const unsigned digits : {4u, 12u}) EXPECT_TRUE(JoinCodeSpace::create(secret, digits, 60s)) << digits;
}

TEST(JoinCodeSpace, RejectsPeriodsThatAreNotWholePositiveSeconds) {
    const JoinSecret secret = secret_from(secret_a);
    for (const config::Duration period :
         {config::Duration{0}, config::Duration{-60'000}, config::Duration{999}, config::Duration{1500},
          config::Duration{60'001}}) {
        const auto space = JoinCodeSpace::create(secret, 6, period);
        ASSERT_FALSE(space) << period.count();
        EXPECT_EQ(space.error().code, Errc::invalid_input);
        EXPECT_NE(space.error().message.find("whole number of seconds"), std::string::npos)
            << space.error().message;
    }
    EXPECT_NE(JoinCodeSpace::create(secret, 6, 1500ms).error().message.find("1s500ms"), std::string::npos);
    EXPECT_NE(JoinCodeSpace::create(secret, 6, -5s).error().message.find("-5000ms"), std::string::npos);
    const auto one_second = JoinCodeSpace::create(secret, 6, 1s);
    ASSERT_TRUE(one_second);
    EXPECT_EQ(one_second->period(), 1s);
    EXPECT_EQ(one_second->digits(), 6u);
    EXPECT_EQ(one_second->capacity(), 1'000'000u);
}

TEST(JoinCodeSpace, RejectsSlotsAndCodesOutOfRange) {
    const JoinCodeSpace space = space_of(secret_a, 4);
    const auto step = space.step(1);
    ASSERT_TRUE(step);
    for (const std::uint64_t value :
         {std::uint64_t{10'000}, std::uint64_t{16'383}, std::uint64_t{16'384}, ~std::uint64_t{0}}) {
        const auto by_time = space.code_for(value, at_unix(0));
        ASSERT_FALSE(by_time) << value;
        EXPECT_EQ(by_time.error().code, Errc::invalid_input);
        EXPECT_NE(by_time.error().message.find("slots 0 to 9999"), std::string::npos)
            << by_time.error().message;
        EXPECT_FALSE(space.encode(value, 1)) << value;
        EXPECT_FALSE(space.decode(value, 1)) << value;
        EXPECT_FALSE(step->encode(value)) << value;
        const auto decoded = step->decode(value);
        ASSERT_FALSE(decoded) << value;
        EXPECT_NE(decoded.error().message.find("codes 0 to 9999"), std::string::npos)
            << decoded.error().message;
    }
    EXPECT_FALSE(step->round_value(0, 128));  // h = 7 bits for 4 digits
    EXPECT_TRUE(step->round_value(0, 127));
}

TEST(JoinCodeSpace, RejectsCodesThatAreNotExactlyTheDigits) {
    const JoinCodeSpace space = space_of(secret_a, 6);
    const config::WallTime t = at_unix(1'700'000'000);
    for (const std::string_view code :
         {"", "12345", "1234567", "12345a", "+12345", "-12345", " 12345", "12345 ", "123 45", "12-345",
          "0x1234", "\xef\xbc\x91\xef\xbc\x92", "12345\n", "1e5000", "000000000000000000001"}) {
        const auto parsed = space.parse_code(code);
        ASSERT_FALSE(parsed) << code;
        EXPECT_EQ(parsed.error().code, Errc::invalid_input);
        EXPECT_NE(parsed.error().message.find("6 digits"), std::string::npos) << parsed.error().message;
        EXPECT_FALSE(space.decode_at(code, t)) << code;
        EXPECT_EQ(space.resolve(code, t, [](std::uint64_t) { return true; }), std::nullopt) << code;
    }
}

}  // namespace
}  // namespace dwell::content
