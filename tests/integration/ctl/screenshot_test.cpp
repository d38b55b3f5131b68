// screen screenshot against a real hub: the request reaches the screen's feed, the PNG the screen
// sends back is saved where asked, and a screen that cannot answer (or does not) says so.
#include <future>

#include "tests/integration/ctl/ctl_fixture.hpp"
#include "tests/support/process.hpp"

namespace dwell::test {
namespace {

using ::testing::HasSubstr;

class ScreenshotTest : public CtlTest {
  protected:
    void SetUp() override {
        CtlTest::SetUp();
        m_token = enroll(add_screen("s1", "seoul", "1"));
        make_media(m_work.path());
        m_png = read_text(m_work / "poster.png");
    }

    // What the screen's agent does: answers request `id` with a PNG or a reason.
    unsigned answer(const std::string& id, const std::string& body, std::string_view type) {
        auto client = m_hub.client();
        const sync::net::Fields fields{{"Authorization", "Bearer " + m_token}};
        auto response =
            client->request(http::verb::put, "/v1/devices/s1/screenshots/" + id, fields, body, type);
        return response ? response->result_int() : 0;
    }

    // dwellctl screen screenshot ARGS..., run while the test plays the screen.
    std::future<CtlRun> start_ctl(std::vector<std::string> arguments) {
        arguments.insert(arguments.begin(), {"screen", "screenshot"});
        return std::async(std::launch::async, [this, arguments = std::move(arguments)] {
            return ctl(arguments, Role::operator_);
        });
    }

    std::string m_token;
    std::string m_png;
};

TEST_F(ScreenshotTest, ThePictureTheScreenSendsIsSavedWhereAsked) {
    DeviceFeed feed(m_hub.port(), "s1", m_token);
    const auto out = m_work / "s1-now.png";
    auto run = start_ctl({"s1", "--out", out.string()});
    const auto event = feed.next_of("screenshot");
    ASSERT_TRUE(event) << "the screen got no screenshot event";
    const std::string id{event->at("id").as_string()};
    EXPECT_EQ(answer(id, m_png, "image/png"), 200U);

    const CtlRun done = run.get();
    ASSERT_EQ(done.exit_code, 0) << done;
    EXPECT_THAT(done.out, HasSubstr("screenshot of s1 saved to " + out.string() + " (160x90, "));
    EXPECT_TRUE(read_text(out) == m_png) << "the saved file differs from what the screen sent";
}

TEST_F(ScreenshotTest, AScreenThatCannotTakeItOrDoesNotAnswerSaysSo) {
    DeviceFeed feed(m_hub.port(), "s1", m_token);
    auto run = start_ctl({"s1", "--out", (m_work / "x.png").string()});
    const auto event = feed.next_of("screenshot");
    ASSERT_TRUE(event);
    EXPECT_EQ(answer(std::string{event->at("id").as_string()}, R"({"error":"no player is running"})",
                     "application/json"),
              200U);
    const CtlRun failed = run.get();
    EXPECT_EQ(failed.exit_code, 1) << failed;
    EXPECT_THAT(failed.err, HasSubstr("screen s1 could not take screenshot shot-"));
    EXPECT_THAT(failed.err, HasSubstr("no player is running"));
    EXPECT_FALSE(std::filesystem::exists(m_work / "x.png"));

    // Nobody answers: after --wait seconds it says how to look again, and that later works.
    const CtlRun silent = ctl({"screen", "screenshot", "s1", "--wait", "1"}, Role::operator_);
    EXPECT_EQ(silent.exit_code, 1) << silent;
    EXPECT_THAT(silent.err, HasSubstr("has not sent screenshot"));
    const auto at = silent.err.find("--id ");
    ASSERT_NE(at, std::string::npos) << silent;
    std::string id = silent.err.substr(at + 5);
    id = id.substr(0, id.find_first_of(" \n"));
    EXPECT_EQ(answer(id, m_png, "image/png"), 200U);
    const auto later = m_work / "later.png";
    const CtlRun fetched =
        ctl({"screen", "screenshot", "s1", "--id", id, "-o", later.string()}, Role::operator_);
    EXPECT_EQ(fetched.exit_code, 0) << fetched;
    EXPECT_TRUE(std::filesystem::exists(later));
}

TEST_F(ScreenshotTest, BadArgumentsAndUnknownScreensAreRefused) {
    const CtlRun unknown = ctl({"screen", "screenshot", "s9"}, Role::operator_);
    EXPECT_EQ(unknown.exit_code, 1) << unknown;
    EXPECT_THAT(unknown.err, HasSubstr("no screen s9"));
    const CtlRun marketer = ctl({"screen", "screenshot", "s1"}, Role::marketer);
    EXPECT_EQ(marketer.exit_code, 1) << marketer;
    EXPECT_THAT(marketer.err, HasSubstr("403"));
    const CtlRun no_wait = ctl({"screen", "screenshot", "s1", "--wait", "0"}, Role::operator_);
    EXPECT_EQ(no_wait.exit_code, 2) << no_wait;
    const CtlRun no_screen = ctl({"screen", "screenshot"}, Role::operator_);
    EXPECT_EQ(no_screen.exit_code, 2) << no_screen;
    const CtlRun other = ctl({"screen", "screenshot", "s1", "--id", "shot-nope"}, Role::operator_);
    EXPECT_EQ(other.exit_code, 1) << other;
    EXPECT_THAT(other.err, HasSubstr("no screenshot shot-nope"));
}

}  // namespace
}  // namespace dwell::test
