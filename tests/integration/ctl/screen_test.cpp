// screen add|list|new-code against a real hub.
#include <regex>
#include <thread>

#include "tests/integration/ctl/ctl_fixture.hpp"

namespace dwell::test {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string enrollment_code_in(const std::string& out) {
    std::smatch match;
    if (!std::regex_search(out, match, std::regex{R"(enrollment code:\s+(\S+))"})) return {};
    return match[1].str();
}

using ScreenTest = CtlTest;

TEST_F(ScreenTest, AddPrintsACodeThatEnrollsTheBoxOnce) {
    const CtlRun run = ctl({"screen", "add", "s1-seoul-03", "--station", "seoul", "--line", "1", "--timezone",
                            "Asia/Seoul", "--tag", "concourse", "--tag", "north", "--size", "1080x1920",
                            "--orientation", "portrait", "--layout", "portrait"},
                           Role::operator_);
    ASSERT_EQ(run.exit_code, 0) << run;
    EXPECT_THAT(run.out, HasSubstr("screen s1-seoul-03 added (station seoul, line 1, Asia/Seoul)"));
    const std::string code = enrollment_code_in(run.out);
    ASSERT_FALSE(code.empty()) << run;

    const boost::json::value body = boost::json::object{{"code", code}};
    const auto enrolled = call(http::verb::post, "/v1/devices/enroll", Role::none, &body);
    ASSERT_EQ(enrolled.status, 200) << enrolled.text;
    EXPECT_EQ(enrolled.body.at("screen").as_string(), "s1-seoul-03");
    EXPECT_EQ(call(http::verb::post, "/v1/devices/enroll", Role::none, &body).status, 401U) << "good once";

    const auto stored = call(http::verb::get, "/v1/screens/s1-seoul-03");
    ASSERT_EQ(stored.status, 200) << stored.text;
    const auto& screen = stored.body.at("screen");
    EXPECT_EQ(screen.at("station").as_string(), "seoul");
    EXPECT_EQ(screen.at("line").as_string(), "1");
    EXPECT_EQ(screen.at("timezone").as_string(), "Asia/Seoul");
    EXPECT_EQ(screen.at("tags"), (boost::json::array{"concourse", "north"}));
    EXPECT_EQ(screen.at("size").as_string(), "1080x1920");
    EXPECT_EQ(screen.at("orientation").as_string(), "portrait");
    EXPECT_EQ(screen.at("layout").as_string(), "portrait");
}

TEST_F(ScreenTest, AddingAgainUpdatesAndNewCodeReplacesTheCode) {
    ASSERT_EQ(ctl({"screen", "add", "s1", "--station", "seoul", "--line", "1", "--timezone", "Asia/Seoul"},
                  Role::operator_)
                  .exit_code,
              0);
    const CtlRun again =
        ctl({"screen", "add", "s1", "--station", "city-hall", "--line", "2", "--timezone", "Asia/Seoul"},
            Role::operator_);
    ASSERT_EQ(again.exit_code, 0) << again;
    EXPECT_THAT(again.out, HasSubstr("screen s1 updated"));
    EXPECT_TRUE(enrollment_code_in(again.out).empty());
    EXPECT_EQ(call(http::verb::get, "/v1/screens/s1").body.at("screen").at("station").as_string(),
              "city-hall");

    const CtlRun fresh = ctl({"screen", "new-code", "s1"}, Role::operator_);
    ASSERT_EQ(fresh.exit_code, 0) << fresh;
    const std::string code = enrollment_code_in(fresh.out);
    ASSERT_FALSE(code.empty()) << fresh;
    EXPECT_EQ(enroll(code).size(), 64U);
}

TEST_F(ScreenTest, ListShowsWhichScreensAreOnline) {
    const std::string code = add_screen("s1", "seoul", "1");
    add_screen("s2", "city-hall", "2");
    const std::string device = enroll(code);
    const DeviceFeed feed(m_hub.port(), "s1", device);

    std::optional<CtlRun> run;
    // The hub counts the feed once its session started; give it a moment.
    for (int attempt = 0; attempt < 50; ++attempt) {
        run = ctl({"screen", "list"}, Role::operator_);
        if (std::regex_search(run->out, std::regex{R"(s1\s+seoul\s+1\s+yes)"})) break;
        std::this_thread::sleep_for(std::chrono::milliseconds{100});
    }
    ASSERT_EQ(run->exit_code, 0) << *run;
    EXPECT_THAT(run->out, HasSubstr("ONLINE"));
    EXPECT_THAT(run->out, HasSubstr("LAST SEEN"));
    EXPECT_TRUE(std::regex_search(run->out, std::regex{R"(s1\s+seoul\s+1\s+yes)"})) << *run;
    EXPECT_TRUE(std::regex_search(run->out, std::regex{R"(s2\s+city-hall\s+2\s+no\s+never\s+0)"})) << *run;
    EXPECT_THAT(run->out, HasSubstr("1 of 2 online"));

    const CtlRun raw = ctl({"screen", "list", "--json"}, Role::operator_);
    ASSERT_EQ(raw.exit_code, 0) << raw;
    EXPECT_EQ(boost::json::parse(raw.out).at("screens").as_array().size(), 2U);
}

TEST_F(ScreenTest, BadValuesAreRefusedBeforeTheHubIsAsked) {
    const CtlRun zone =
        ctl({"screen", "add", "s1", "--station", "seoul", "--line", "1", "--timezone", "Mars/Olympus"},
            Role::operator_);
    EXPECT_EQ(zone.exit_code, 2) << zone;
    EXPECT_THAT(zone.err, HasSubstr("Mars/Olympus"));
    const CtlRun size = ctl(
        {"screen", "add", "s1", "--station", "seoul", "--line", "1", "--timezone", "UTC", "--size", "huge"},
        Role::operator_);
    EXPECT_EQ(size.exit_code, 2) << size;
    EXPECT_THAT(size.err, HasSubstr("--size"));
    const CtlRun id =
        ctl({"screen", "add", "Not An Id", "--station", "seoul", "--line", "1", "--timezone", "UTC"},
            Role::operator_);
    EXPECT_EQ(id.exit_code, 2) << id;
    const CtlRun missing = ctl({"screen", "add", "s1", "--line", "1", "--timezone", "UTC"}, Role::operator_);
    EXPECT_EQ(missing.exit_code, 2) << missing;
    EXPECT_THAT(missing.err, HasSubstr("--station"));
    EXPECT_EQ(call(http::verb::get, "/v1/screens").body.at("screens").as_array().size(), 0U);
}

TEST_F(ScreenTest, AMarketerTokenIsRefusedWithTheHubsReason) {
    const CtlRun run = ctl({"screen", "add", "s1", "--station", "seoul", "--line", "1", "--timezone", "UTC"},
                           Role::marketer);
    EXPECT_EQ(run.exit_code, 1) << run;
    EXPECT_THAT(run.err, HasSubstr("403"));
    EXPECT_THAT(run.err, HasSubstr("this route needs an operator token"));
    EXPECT_THAT(run.out, Not(HasSubstr("enrollment code")));
}

}  // namespace
}  // namespace dwell::test
