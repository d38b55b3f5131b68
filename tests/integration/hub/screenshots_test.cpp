// Screenshots at the hub: an operator's request reaches the screen's feed as a `screenshot` event,
// the screen answers with the PNG (or why it has none), and the operator reads it back. Requests
// and answers that do not belong together are refused and change nothing.
#include <thread>

#include <fmt/format.h>

#include "tests/integration/hub/feed_client.hpp"
#include "tests/integration/hub/hub_fixture.hpp"
#include "tests/support/process.hpp"

namespace dwell::test {
namespace {

using namespace std::chrono_literals;

class ScreenshotTest : public HubTest {
  protected:
    void SetUp() override {
        HubTest::SetUp();
        stage();
        m_png = read_text(m_media / "poster.png");
        ASSERT_GT(m_png.size(), 50U);
    }

    JsonResponse request(std::string_view screen, std::string_view token) {
        return call(http::verb::post, fmt::format("/v1/screens/{}/screenshots", screen), token);
    }
    JsonResponse answer(std::string_view screen, std::string_view id, std::string_view token,
                        std::string body, std::string_view type) {
        return call_text(http::verb::put, fmt::format("/v1/devices/{}/screenshots/{}", screen, id), token,
                         std::move(body), type);
    }
    JsonResponse state(std::string_view id) {
        return call(http::verb::get, fmt::format("/v1/screenshots/{}", id), m_hub.operator_token());
    }
    JsonResponse picture(std::string_view id) {
        return call(http::verb::get, fmt::format("/v1/screenshots/{}/png", id), m_hub.operator_token());
    }

    std::string m_png;  // a 160x90 PNG
};

TEST_F(ScreenshotTest, ARequestReachesTheScreenAndItsPictureReachesTheOperator) {
    FeedClient feed{m_hub.port(), "s1", m_devices.at("s1"), std::nullopt};
    ASSERT_EQ(feed.refused_status(), 0U) << feed.refused_body();
    ASSERT_TRUE(feed.next_of("snapshot", nullptr));

    const auto requested = request("s1", m_hub.operator_token());
    ASSERT_EQ(requested.status, 202) << requested.text;
    const std::string id{requested.body.at("id").as_string()};
    EXPECT_TRUE(id.starts_with("shot-")) << id;
    EXPECT_EQ(requested.body.at("screen").as_string(), "s1");
    EXPECT_EQ(requested.body.at("status").as_string(), "pending");

    const auto event = feed.next_of("screenshot", nullptr);
    ASSERT_TRUE(event) << "the screen's feed got no screenshot event";
    EXPECT_EQ(event->at("id").as_string(), id);

    // Until the screen answers, it is pending and there is no picture.
    EXPECT_EQ(state(id).body.at("status").as_string(), "pending");
    const auto early = picture(id);
    EXPECT_EQ(early.status, 409) << early.text;
    EXPECT_THAT(early.error_message(), testing::HasSubstr("has not sent it yet"));

    const auto answered = answer("s1", id, m_devices.at("s1"), m_png, "image/png");
    ASSERT_EQ(answered.status, 200) << answered.text;
    EXPECT_TRUE(answered.body.at("stored").as_bool());

    const auto taken = state(id);
    ASSERT_EQ(taken.status, 200) << taken.text;
    EXPECT_EQ(taken.body.at("status").as_string(), "taken");
    EXPECT_EQ(taken.body.at("width").to_number<int>(), 160);
    EXPECT_EQ(taken.body.at("height").to_number<int>(), 90);
    EXPECT_EQ(taken.body.at("bytes").to_number<std::size_t>(), m_png.size());
    EXPECT_TRUE(taken.body.as_object().contains("answered_at"));
    const auto png = picture(id);
    ASSERT_EQ(png.status, 200) << png.text;
    EXPECT_EQ(png.header("Content-Type"), "image/png");
    EXPECT_TRUE(png.text == m_png) << "the picture came back changed";

    // An answer sent again (its acknowledgement was lost) is taken and changes nothing; so is a
    // later failure.
    const auto again = answer("s1", id, m_devices.at("s1"), m_png, "image/png");
    EXPECT_EQ(again.status, 200) << again.text;
    EXPECT_FALSE(again.body.at("stored").as_bool());
    const auto late = answer("s1", id, m_devices.at("s1"), R"({"error":"too late"})", "application/json");
    EXPECT_EQ(late.status, 200) << late.text;
    EXPECT_EQ(state(id).body.at("status").as_string(), "taken");
    EXPECT_EQ(picture(id).text, m_png);
}

TEST_F(ScreenshotTest, AScreenThatCannotTakeItSaysWhyAndTheOperatorSeesIt) {
    const auto requested = request("s2", m_hub.operator_token());
    ASSERT_EQ(requested.status, 202) << requested.text;
    const std::string id{requested.body.at("id").as_string()};
    const auto answered =
        answer("s2", id, m_devices.at("s2"), R"({"error":"no player is running"})", "application/json");
    ASSERT_EQ(answered.status, 200) << answered.text;
    const auto failed = state(id);
    EXPECT_EQ(failed.body.at("status").as_string(), "failed");
    EXPECT_EQ(failed.body.at("error").as_string(), "no player is running");
    EXPECT_FALSE(failed.body.as_object().contains("bytes"));
    const auto png = picture(id);
    EXPECT_EQ(png.status, 409) << png.text;
    EXPECT_THAT(png.error_message(), testing::HasSubstr("could not take it: no player is running"));
}

TEST_F(ScreenshotTest, BadRequestsAndAnswersAreRefusedAndChangeNothing) {
    // Only operators ask, for screens that exist.
    EXPECT_EQ(request("s1", m_hub.marketer_token()).status, 403);
    EXPECT_EQ(request("s1", m_devices.at("s1")).status, 403);
    EXPECT_EQ(request("s1", "").status, 401);
    const auto unknown = request("s9", m_hub.operator_token());
    EXPECT_EQ(unknown.status, 404) << unknown.text;
    EXPECT_THAT(unknown.error_message(), testing::HasSubstr("no screen s9"));
    EXPECT_EQ(count_rows("SELECT count(*) FROM screenshots"), 0);

    const auto requested = request("s1", m_hub.operator_token());
    ASSERT_EQ(requested.status, 202) << requested.text;
    const std::string id{requested.body.at("id").as_string()};

    // Only the screen asked answers, and only with a PNG or a reason.
    EXPECT_EQ(answer("s1", id, m_devices.at("s2"), m_png, "image/png").status, 403);
    EXPECT_EQ(answer("s1", id, m_hub.operator_token(), m_png, "image/png").status, 403);
    EXPECT_EQ(answer("s1", id, "", m_png, "image/png").status, 401);
    const auto other = answer("s2", id, m_devices.at("s2"), m_png, "image/png");
    EXPECT_EQ(other.status, 404) << other.text;
    EXPECT_THAT(other.error_message(), testing::HasSubstr("was not asked for"));
    const auto missing = answer("s1", "shot-nope", m_devices.at("s1"), m_png, "image/png");
    EXPECT_EQ(missing.status, 404) << missing.text;

    const std::vector<std::pair<std::string, std::string>> bad_pngs{
        {"GIF89a not a png at all", "does not start with the PNG signature"},
        {m_png.substr(0, 20), "not a whole IHDR"},
        {std::string{m_png}.replace(16, 4, std::string(4, '\0')), "expected 1 to 16384"},
        {"", "does not start with the PNG signature"},
    };
    for (const auto& [body, message] : bad_pngs) {
        const auto refused = answer("s1", id, m_devices.at("s1"), body, "image/png");
        EXPECT_EQ(refused.status, 400) << refused.text;
        EXPECT_THAT(refused.error_message(), testing::HasSubstr(message));
    }
    for (const std::string body : {R"({})", R"({"error":""})", R"({"error":7})", R"([1])", "{"}) {
        const auto refused = answer("s1", id, m_devices.at("s1"), body, "application/json");
        EXPECT_EQ(refused.status, 400) << body << ": " << refused.text;
    }
    const auto long_error =
        answer("s1", id, m_devices.at("s1"), fmt::format(R"({{"error":"{}"}})", std::string(501, 'x')),
               "application/json");
    EXPECT_EQ(long_error.status, 400) << long_error.text;
    const auto wrong_type = answer("s1", id, m_devices.at("s1"), m_png, "image/jpeg");
    EXPECT_EQ(wrong_type.status, 415) << wrong_type.text;
    const auto huge = answer("s1", id, m_devices.at("s1"), m_png + std::string(16U << 20, '\0'), "image/png");
    EXPECT_EQ(huge.status, 413) << huge.text;

    // None of that answered it.
    EXPECT_EQ(state(id).body.at("status").as_string(), "pending");
    EXPECT_EQ(state("shot-nope").status, 404);
    EXPECT_EQ(call(http::verb::get, fmt::format("/v1/screenshots/{}", id), m_hub.marketer_token()).status,
              403);
}

TEST_F(ScreenshotTest, AnAnsweredScreenshotSurvivesARestartAndOnlyTheNewestAreKept) {
    std::vector<std::string> ids;
    for (int i = 0; i < 22; ++i) {
        const auto requested = request("s1", m_hub.operator_token());
        ASSERT_EQ(requested.status, 202) << requested.text;
        ids.emplace_back(requested.body.at("id").as_string());
        std::this_thread::sleep_for(2ms);  // each its own millisecond, so "oldest" is well defined
    }
    ASSERT_EQ(answer("s1", ids.back(), m_devices.at("s1"), m_png, "image/png").status, 200);
    EXPECT_EQ(count_rows("SELECT count(*) FROM screenshots WHERE screen = 's1'"), 20);
    EXPECT_EQ(state(ids[0]).status, 404);
    EXPECT_EQ(state(ids[1]).status, 404);
    EXPECT_EQ(state(ids[2]).status, 200);

    ASSERT_EQ(m_hub.stop().exit_code, 0);
    m_hub.start();
    reconnect();
    const auto taken = state(ids.back());
    ASSERT_EQ(taken.status, 200) << taken.text;
    EXPECT_EQ(taken.body.at("status").as_string(), "taken");
    EXPECT_EQ(picture(ids.back()).text, m_png);
}

}  // namespace
}  // namespace dwell::test
