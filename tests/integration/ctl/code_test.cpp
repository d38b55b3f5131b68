// code show|decode: offline join codes agree with each other and with what the hub says a screen shows.
#include <regex>

#include <fmt/format.h>

#include "content/rfc3339.hpp"
#include "tests/integration/ctl/ctl_fixture.hpp"

namespace dwell::test {
namespace {

using ::testing::HasSubstr;

constexpr std::string_view at_text = "2030-01-01T00:00:30Z";
constexpr std::string_view at_unix = "@1893456030";  // the same instant

class CodeTest : public CtlTest {
  protected:
    void SetUp() override {
        CtlTest::SetUp();
        add_screen("s1", "seoul", "1");
        add_screen("s2", "city-hall", "2");
        const auto folder = m_work / "fest";
        make_media(folder);
        apply(write_campaign(folder, "fest"));
        const auto slots = call(http::verb::get, "/v1/join-slots?channel=line-test");
        ASSERT_EQ(slots.status, 200) << slots.text;
        m_secret = std::string{slots.body.at("secret").as_string()};
        for (const auto& slot : slots.body.at("slots").as_array())
            m_slots[std::string{slot.at("screen").as_string()}] = slot.at("slot").to_number<std::uint64_t>();
        ASSERT_EQ(m_slots.size(), 2U) << slots.text;
    }

    std::string preview_code(std::string_view screen, std::string_view at) {
        const auto preview =
            call(http::verb::get, fmt::format("/v1/campaigns/fest/preview?screen={}&at={}", screen, at),
                 Role::marketer);
        if (preview.status != 200) throw std::runtime_error(preview.text);
        for (const auto& join : preview.body.at("join").as_array())
            if (join.at("channel").as_string() == "line-test")
                return std::string{join.at("code").as_string()};
        throw std::runtime_error("no line-test code in " + preview.text);
    }

    CtlRun code(std::vector<std::string> arguments) {
        arguments.insert(arguments.begin(), "code");
        return run_ctl(std::move(arguments));  // offline: no --hub, no token
    }

    std::string m_secret;
    std::map<std::string, std::uint64_t> m_slots;
};

std::string shown_code(const CtlRun& run) {
    std::smatch match;
    if (!std::regex_search(run.out, match, std::regex{R"(^code\s+(\d+)$)", std::regex::multiline})) return {};
    return match[1].str();
}

TEST_F(CodeTest, ShowMatchesTheHubsPreviewInBothTimeForms) {
    for (const auto& [screen, slot] : m_slots) {
        const std::string expected = preview_code(screen, at_text);
        const CtlRun rfc = code(
            {"show", "--secret", m_secret, "--slot", std::to_string(slot), "--at", std::string{at_text}});
        ASSERT_EQ(rfc.exit_code, 0) << rfc;
        EXPECT_EQ(shown_code(rfc), expected) << rfc;
        EXPECT_THAT(rfc.out, HasSubstr("shown     2030-01-01T00:00:00.000Z to 2030-01-01T00:01:00.000Z"));
        EXPECT_THAT(rfc.out, HasSubstr("accepted  until 2030-01-01T00:02:00.000Z"));
        const CtlRun unix_form = code(
            {"show", "--secret", m_secret, "--slot", std::to_string(slot), "--at", std::string{at_unix}});
        ASSERT_EQ(unix_form.exit_code, 0) << unix_form;
        EXPECT_EQ(unix_form.out, rfc.out);
    }
    // A minute later the code has moved on, in both places.
    const std::uint64_t slot = m_slots.at("s1");
    const std::string later = preview_code("s1", "2030-01-01T00:01:30Z");
    const CtlRun next =
        code({"show", "--secret", m_secret, "--slot", std::to_string(slot), "--at", "@1893456090"});
    EXPECT_EQ(shown_code(next), later);
    EXPECT_NE(later, preview_code("s1", at_text));
}

TEST_F(CodeTest, DecodeFindsTheSlotInTheCurrentAndThePreviousStep) {
    const std::uint64_t s1 = m_slots.at("s1");
    const std::uint64_t s2 = m_slots.at("s2");
    const std::string code1 = preview_code("s1", at_text);
    const std::string code2 = preview_code("s2", at_text);
    // Typed as a person might: with a dash in the middle.
    const std::string typed = code1.substr(0, 3) + "-" + code1.substr(3);

    const CtlRun now = code({"decode", typed, code2, "--secret", m_secret, "--at", std::string{at_text}});
    ASSERT_EQ(now.exit_code, 0) << now;
    EXPECT_THAT(now.out, HasSubstr(fmt::format("{}\n  step 31557600 (current, 2030-01-01T00:00:00.000Z to "
                                               "2030-01-01T00:01:00.000Z): slot {}\n",
                                               code1, s1)));
    EXPECT_THAT(now.out, HasSubstr(fmt::format("{}\n  step 31557600 (current, 2030-01-01T00:00:00.000Z to "
                                               "2030-01-01T00:01:00.000Z): slot {}\n",
                                               code2, s2)));

    // A minute on, the hub still takes the code: it is the previous step's.
    const CtlRun later = code({"decode", code1, "--secret", m_secret, "--at", "2030-01-01T09:01:10+09:00"});
    ASSERT_EQ(later.exit_code, 0) << later;
    EXPECT_THAT(later.out, HasSubstr(fmt::format("  step 31557600 (previous, 2030-01-01T00:00:00.000Z to "
                                                 "2030-01-01T00:01:00.000Z): slot {}\n",
                                                 s1)));
    EXPECT_THAT(later.out, HasSubstr("  step 31557601 (current"));

    // show and decode agree with each other on any slot and time.
    const CtlRun shown = code({"show", "--secret", m_secret, "--slot", "4242", "--digits", "8", "--period",
                               "30s", "--at", "@1700000000"});
    ASSERT_EQ(shown.exit_code, 0) << shown;
    const CtlRun decoded = code({"decode", shown_code(shown), "--secret", m_secret, "--digits", "8",
                                 "--period", "30s", "--at", "@1700000000"});
    ASSERT_EQ(decoded.exit_code, 0) << decoded;
    EXPECT_THAT(decoded.out,
                HasSubstr("(current, 2023-11-14T22:13:00.000Z to 2023-11-14T22:13:30.000Z): slot 4242\n"));
}

TEST_F(CodeTest, BadInputIsExitTwo) {
    const std::string slot = "--slot=1";
    const CtlRun time = code({"show", "--secret", m_secret, slot, "--at", "2030-01-01 00:00"});
    EXPECT_EQ(time.exit_code, 2) << time;
    EXPECT_THAT(time.err, HasSubstr("\"2030-01-01 00:00\" is not a time"));
    const CtlRun unix_time = code({"show", "--secret", m_secret, slot, "--at", "@-5"});
    EXPECT_EQ(unix_time.exit_code, 2) << unix_time;
    const CtlRun secret = code({"show", "--secret", "abcd", slot});
    EXPECT_EQ(secret.exit_code, 2) << secret;
    EXPECT_THAT(secret.err, HasSubstr("--secret"));
    const CtlRun no_secret = code({"show", slot});
    EXPECT_EQ(no_secret.exit_code, 2) << no_secret;
    const CtlRun big = code({"show", "--secret", m_secret, "--slot", "1000000"});
    EXPECT_EQ(big.exit_code, 2) << big;
    EXPECT_THAT(big.err, HasSubstr("slots go from 0 to 999999"));
    // Numbers are decimal: "010" is slot 10, not octal 8; "0x10" is no number at all.
    const CtlRun padded = code({"show", "--secret", m_secret, "--slot", "010", "--at", "@1700000000"});
    ASSERT_EQ(padded.exit_code, 0) << padded;
    EXPECT_THAT(padded.out, HasSubstr("slot      10 ("));
    const CtlRun hex = code({"show", "--secret", m_secret, "--slot", "0x10"});
    EXPECT_EQ(hex.exit_code, 2) << hex;
    const CtlRun digits = code({"show", "--secret", m_secret, slot, "--digits", "3"});
    EXPECT_EQ(digits.exit_code, 2) << digits;
    const CtlRun period = code({"show", "--secret", m_secret, slot, "--period", "1.5s"});
    EXPECT_EQ(period.exit_code, 2) << period;
    const CtlRun malformed = code({"decode", "12345", "--secret", m_secret});
    EXPECT_EQ(malformed.exit_code, 2) << malformed;
    EXPECT_THAT(malformed.err, HasSubstr("\"12345\" is not a code; a code is exactly 6 digits"));
}

TEST_F(CodeTest, TheSecretMayComeFromTheEnvironment) {
    const CtlRun run =
        run_ctl({"code", "show", "--slot", std::to_string(m_slots.at("s1")), "--at", std::string{at_text}},
                {{"DWELL_JOIN_SECRET", m_secret}});
    ASSERT_EQ(run.exit_code, 0) << run;
    EXPECT_EQ(shown_code(run), preview_code("s1", at_text));
}

}  // namespace
}  // namespace dwell::test
