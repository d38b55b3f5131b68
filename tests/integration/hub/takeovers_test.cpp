// Operator takeovers: emergency text that reaches the targeted screens only, is listed while
// active, ends with a takeover_end, and survives a restart of the hub.
#include <fmt/format.h>

#include "content/rfc3339.hpp"
#include "tests/integration/hub/feed_client.hpp"
#include "tests/integration/hub/hub_fixture.hpp"

namespace dwell::test {
namespace {

using namespace std::chrono_literals;
using config::ChannelKind;

class TakeoverTest : public HubTest {
  protected:
    void SetUp() override {
        HubTest::SetUp();
        stage();
    }

    std::unique_ptr<FeedClient> connect_current(std::string_view screen) {
        const auto status =
            call(http::verb::get, fmt::format("/v1/screens/{}", screen), m_hub.operator_token());
        auto feed = std::make_unique<FeedClient>(m_hub.port(), screen, m_devices.at(std::string{screen}),
                                                 status.body.at("last_seq").to_number<std::uint64_t>());
        if (feed->refused_status() != 0) throw std::runtime_error(feed->refused_body());
        // Every connection opens with the screen's current state.
        const auto opening = feed->next();
        if (!opening || event_type(*opening) != "snapshot")
            throw std::runtime_error("a connection did not open with a snapshot");
        return feed;
    }

    JsonResponse start(const std::string& json) {
        return call_text(http::verb::post, "/v1/takeovers", m_hub.operator_token(), json, "application/json");
    }

    boost::json::array active() {
        const auto list = call(http::verb::get, "/v1/takeovers", m_hub.operator_token());
        if (list.status != 200) throw std::runtime_error(list.text);
        return list.body.at("takeovers").as_array();
    }
};

TEST_F(TakeoverTest, ATakeoverReachesTheTargetedScreensOnlyAndEndsWithTakeoverEnd) {
    auto s1 = connect_current("s1");
    auto s2 = connect_current("s2");

    const auto started = start(R"({"text":"Platform closed. Use exit 3.","targets":{"stations":["seoul"]}})");
    ASSERT_EQ(started.status, 201) << started.text;
    const std::string id{started.body.at("id").as_string()};
    EXPECT_EQ(started.body.at("text").as_string(), "Platform closed. Use exit 3.");
    EXPECT_EQ(started.body.at("screens"), (boost::json::array{"s1"}));
    EXPECT_EQ(started.body.at("targets"), (boost::json::object{{"stations", boost::json::array{"seoul"}}}));
    EXPECT_TRUE(started.body.as_object().contains("created_at"));

    const auto shown = s1->next();
    ASSERT_TRUE(shown) << "s1 got no takeover";
    EXPECT_EQ(event_type(*shown), "takeover") << boost::json::serialize(*shown);
    EXPECT_EQ(shown->at("id").as_string(), id);
    EXPECT_EQ(shown->at("text").as_string(), "Platform closed. Use exit 3.");

    const auto list = active();
    ASSERT_EQ(list.size(), 1U);
    EXPECT_EQ(list[0].at("id").as_string(), id);

    const auto ended = call(http::verb::delete_, "/v1/takeovers/" + id, m_hub.operator_token());
    ASSERT_EQ(ended.status, 200) << ended.text;
    EXPECT_EQ(ended.body.at("ended").as_string(), id);
    EXPECT_EQ(ended.body.at("screens"), (boost::json::array{"s1"}));
    const auto end = s1->next();
    ASSERT_TRUE(end);
    EXPECT_EQ(event_type(*end), "takeover_end") << boost::json::serialize(*end);
    EXPECT_EQ(end->at("id").as_string(), id);
    EXPECT_EQ(event_seq(*end), event_seq(*shown) + 1);
    EXPECT_TRUE(active().empty());
    const auto again = call(http::verb::delete_, "/v1/takeovers/" + id, m_hub.operator_token());
    EXPECT_EQ(again.status, 404) << again.text;

    // s2 heard nothing of it: the next thing it hears is a join of its own.
    ASSERT_EQ(
        post_one(ChannelKind::line, message(1, 1, current_code("fest", "s2", ChannelKind::line))).status,
        200);
    const auto first = s2->next();
    ASSERT_TRUE(first);
    EXPECT_EQ(event_type(*first), "join") << boost::json::serialize(*first);

    // After it ended, a screen that connects fresh gets no takeover in its snapshot.
    FeedClient fresh{m_hub.port(), "s1", m_devices.at("s1"), std::nullopt};
    const auto snapshot = fresh.next();
    ASSERT_TRUE(snapshot);
    EXPECT_FALSE(snapshot->as_object().contains("takeover")) << boost::json::serialize(*snapshot);
}

TEST_F(TakeoverTest, TargetsSelectByLineStationScreenTagOrAll) {
    EXPECT_EQ(start(R"({"text":"a","targets":{"lines":["2"]}})").body.at("screens"),
              (boost::json::array{"s2"}));
    EXPECT_EQ(start(R"({"text":"b","targets":{"screens":["s3","s1"]}})").body.at("screens"),
              (boost::json::array{"s1", "s3"}));
    EXPECT_EQ(start(R"({"text":"c","targets":{"all":true}})").body.at("screens"),
              (boost::json::array{"s1", "s2", "s3"}));
    // A mistyped target in an emergency must not look like success.
    const auto nowhere = start(R"({"text":"d","targets":{"tags":["none"], "lines":["22"]}})");
    EXPECT_EQ(nowhere.status, 400U) << nowhere.text;
    EXPECT_EQ(nowhere.error_code(), "invalid_input");
    EXPECT_NE(nowhere.error_message().find("no screen matches"), std::string::npos) << nowhere.text;
    EXPECT_EQ(active().size(), 3U);
    EXPECT_EQ(count_rows("SELECT count(*) FROM takeovers"), 3);
}

TEST_F(TakeoverTest, AnUntilInTheFutureIsKeptAndBadRequestsAreRefused) {
    const auto until = content::format_rfc3339(wall_now() + 1h);
    const auto started =
        start(fmt::format(R"({{"text":"until","targets":{{"all":true}},"until":"{}"}})", until));
    ASSERT_EQ(started.status, 201) << started.text;
    EXPECT_EQ(started.body.at("until").as_string(), until);
    EXPECT_EQ(active().at(0).at("until").as_string(), until);

    const std::string long_text(501, 'x');
    for (const std::string& bad :
         {std::string{R"({"targets":{"all":true}})"}, std::string{R"({"text":"","targets":{"all":true}})"},
          fmt::format(R"({{"text":"{}","targets":{{"all":true}}}})", long_text),
          std::string{R"({"text":"x"})"}, std::string{R"({"text":"x","targets":{}})"},
          std::string{R"({"text":"x","targets":{"planets":["mars"]}})"},
          std::string{R"({"text":"x","targets":{"lines":"2"}})"},
          std::string{R"({"text":"x","targets":{"all":"yes"}})"},
          std::string{R"({"text":"x","targets":{"all":true},"until":"2001-01-01T00:00:00Z"})"},
          std::string{R"({"text":"x","targets":{"all":true},"until":"soon"})"}, std::string{R"(["x"])"},
          std::string{R"({"text":"x",)"}}) {
        SCOPED_TRACE(bad);
        const auto refused = start(bad);
        EXPECT_EQ(refused.status, 400) << refused.text;
        EXPECT_EQ(refused.error_code(), "invalid_input") << refused.text;
    }
    EXPECT_EQ(
        call_text(http::verb::post, "/v1/takeovers", m_hub.operator_token(), "text=x", "text/plain").status,
        415);
    EXPECT_EQ(active().size(), 1U);
    EXPECT_EQ(count_rows("SELECT count(*) FROM takeovers"), 1);
}

TEST_F(TakeoverTest, AnActiveTakeoverSurvivesARestart) {
    const auto started = start(R"({"text":"Evacuate","targets":{"stations":["city-hall"]}})");
    ASSERT_EQ(started.status, 201) << started.text;
    const auto stopped = m_hub.stop();
    ASSERT_TRUE(stopped.exited && stopped.exit_code == 0) << m_hub.log();
    m_hub.start();
    reconnect();
    ASSERT_EQ(active().size(), 1U);
    FeedClient s2{m_hub.port(), "s2", m_devices.at("s2"), std::nullopt};
    const auto snapshot = s2.next();
    ASSERT_TRUE(snapshot);
    ASSERT_TRUE(snapshot->as_object().contains("takeover")) << boost::json::serialize(*snapshot);
    EXPECT_EQ(snapshot->at("takeover").at("text").as_string(), "Evacuate");
    const auto ended =
        call(http::verb::delete_, fmt::format("/v1/takeovers/{}", started.body.at("id").as_string()),
             m_hub.operator_token());
    EXPECT_EQ(ended.status, 200) << ended.text;
    const auto end = s2.next();
    ASSERT_TRUE(end);
    EXPECT_EQ(event_type(*end), "takeover_end");
}

}  // namespace
}  // namespace dwell::test
