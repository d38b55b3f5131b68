// takeover start|stop|list against a real hub, seen from a screen's live feed.
#include <regex>

#include "config/clock.hpp"
#include "content/rfc3339.hpp"
#include "tests/integration/ctl/ctl_fixture.hpp"

namespace dwell::test {
namespace {

using ::testing::HasSubstr;

class TakeoverTest : public CtlTest {
  protected:
    void SetUp() override {
        CtlTest::SetUp();
        m_s1_code = add_screen("s1", "seoul", "1");
        add_screen("s2", "city-hall", "2");
    }

    std::string m_s1_code;
};

std::string takeover_id_in(const std::string& out) {
    std::smatch match;
    if (!std::regex_search(out, match, std::regex{R"(takeover (takeover-\S+) started)"})) return {};
    return match[1].str();
}

TEST_F(TakeoverTest, StartReachesTheScreensAndStopEndsIt) {
    DeviceFeed feed(m_hub.port(), "s1", enroll(m_s1_code));
    const CtlRun start =
        ctl({"takeover", "start", "--text", "열차 지연: 2호선", "--line", "1"}, Role::operator_);
    ASSERT_EQ(start.exit_code, 0) << start;
    const std::string id = takeover_id_in(start.out);
    ASSERT_FALSE(id.empty()) << start;
    EXPECT_THAT(start.out, HasSubstr("started on 1 screen: s1"));

    const auto shown = feed.next_of("takeover");
    ASSERT_TRUE(shown) << "the screen got no takeover event";
    EXPECT_EQ(shown->at("text").as_string(), "열차 지연: 2호선");

    const auto active = call(http::verb::get, "/v1/takeovers");
    ASSERT_EQ(active.body.at("takeovers").as_array().size(), 1U) << active.text;
    EXPECT_EQ(active.body.at("takeovers").at(0).at("id").as_string(), id);

    const CtlRun list = ctl({"takeover", "list"}, Role::operator_);
    ASSERT_EQ(list.exit_code, 0) << list;
    EXPECT_THAT(list.out, HasSubstr(id));
    EXPECT_THAT(list.out, HasSubstr("lines 1"));

    const CtlRun stop = ctl({"takeover", "stop", id}, Role::operator_);
    ASSERT_EQ(stop.exit_code, 0) << stop;
    EXPECT_THAT(stop.out, HasSubstr("takeover " + id + " stopped on 1 screen"));
    EXPECT_TRUE(feed.next_of("takeover_end"));
    EXPECT_TRUE(call(http::verb::get, "/v1/takeovers").body.at("takeovers").as_array().empty());

    const CtlRun again = ctl({"takeover", "stop", id}, Role::operator_);
    EXPECT_EQ(again.exit_code, 1) << again;
    EXPECT_THAT(again.err, HasSubstr("404"));
    EXPECT_THAT(again.err, HasSubstr("no active takeover"));
}

TEST_F(TakeoverTest, UntilTakesBothTimeForms) {
    const auto in_an_hour =
        std::chrono::floor<std::chrono::seconds>(config::SystemClock{}.now()) + std::chrono::hours{1};
    const CtlRun unix_form = ctl({"takeover", "start", "--text", "a", "--all", "--until",
                                  fmt::format("@{}", in_an_hour.time_since_epoch().count())},
                                 Role::operator_);
    ASSERT_EQ(unix_form.exit_code, 0) << unix_form;
    EXPECT_THAT(unix_form.out, HasSubstr("started on 2 screens"));
    EXPECT_THAT(unix_form.out, HasSubstr("it ends by itself at " + content::format_rfc3339(in_an_hour)));

    const CtlRun offset_form = ctl({"takeover", "start", "--text", "b", "--station", "city-hall", "--until",
                                    "2098-12-31T09:00:00+09:00"},
                                   Role::operator_);
    ASSERT_EQ(offset_form.exit_code, 0) << offset_form;
    EXPECT_THAT(offset_form.out, HasSubstr("started on 1 screen: s2"));
    EXPECT_THAT(offset_form.out, HasSubstr("it ends by itself at 2098-12-31T00:00:00.000Z"));

    const CtlRun malformed =
        ctl({"takeover", "start", "--text", "c", "--all", "--until", "tomorrow"}, Role::operator_);
    EXPECT_EQ(malformed.exit_code, 2) << malformed;
    EXPECT_THAT(malformed.err, HasSubstr("\"tomorrow\" is not a time"));
    const CtlRun bad_unix =
        ctl({"takeover", "start", "--text", "c", "--all", "--until", "@12x"}, Role::operator_);
    EXPECT_EQ(bad_unix.exit_code, 2) << bad_unix;

    const CtlRun past =
        ctl({"takeover", "start", "--text", "c", "--all", "--until", "@1000"}, Role::operator_);
    EXPECT_EQ(past.exit_code, 1) << past;
    EXPECT_THAT(past.err, HasSubstr("the time has already passed"));
    EXPECT_EQ(call(http::verb::get, "/v1/takeovers").body.at("takeovers").as_array().size(), 2U);
}

TEST_F(TakeoverTest, ATakeoverNeedsTargetsAndText) {
    const CtlRun nowhere = ctl({"takeover", "start", "--text", "hello"}, Role::operator_);
    EXPECT_EQ(nowhere.exit_code, 2) << nowhere;
    EXPECT_THAT(nowhere.err, HasSubstr("--all, --line L"));
    const CtlRun silent = ctl({"takeover", "start", "--all"}, Role::operator_);
    EXPECT_EQ(silent.exit_code, 2) << silent;
    EXPECT_THAT(silent.err, HasSubstr("--text"));
    EXPECT_TRUE(call(http::verb::get, "/v1/takeovers").body.at("takeovers").as_array().empty());
}

}  // namespace
}  // namespace dwell::test
