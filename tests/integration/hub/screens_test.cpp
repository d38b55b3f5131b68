// The screen registry: adding and changing screens, their live status, and enrollment codes for
// boxes that are installed or replaced.
#include <regex>
#include <thread>

#include <fmt/format.h>

#include "content/records.hpp"
#include "content/uuid.hpp"
#include "tests/integration/hub/feed_client.hpp"
#include "tests/integration/hub/hub_fixture.hpp"

namespace dwell::test {
namespace {

using namespace std::chrono_literals;

class ScreenTest : public HubTest {
  protected:
    JsonResponse put_screen(std::string_view id, const std::string& json) {
        return call_text(http::verb::put, fmt::format("/v1/screens/{}", id), m_hub.operator_token(), json,
                         "application/json");
    }
    JsonResponse get_screen(std::string_view id) {
        return call(http::verb::get, fmt::format("/v1/screens/{}", id), m_hub.operator_token());
    }
    // Polls GET /v1/screens/{id} until `online` is `wanted`; false at the deadline.
    bool wait_online(std::string_view id, bool wanted) {
        const auto deadline = std::chrono::steady_clock::now() + 10s;
        while (std::chrono::steady_clock::now() < deadline) {
            if (get_screen(id).body.at("online").as_bool() == wanted) return true;
            std::this_thread::sleep_for(20ms);
        }
        return false;
    }
    // Polls /metrics until the hub counts `count` feed connections; false at the deadline.
    bool wait_feeds(double count) {
        const auto deadline = std::chrono::steady_clock::now() + 10s;
        while (std::chrono::steady_clock::now() < deadline) {
            if (metric(metrics(), "dwell_hub_feed_connections") == count) return true;
            std::this_thread::sleep_for(20ms);
        }
        return false;
    }
};

TEST_F(ScreenTest, PutCreatesWithAnEnrollmentCodeThenUpdatesWithout) {
    const auto created = put_screen(
        "s1-seoul-03",
        R"({"id":"s1-seoul-03","station":"seoul","line":"1","timezone":"Asia/Seoul","tags":["concourse"],)"
        R"("size":"1920x1080","orientation":"landscape","layout":"landscape-ticker"})");
    ASSERT_EQ(created.status, 201) << created.text;
    const std::string code{created.body.at("enrollment_code").as_string()};
    EXPECT_TRUE(std::regex_match(code, std::regex{"[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}"}))
        << code;
    EXPECT_TRUE(created.body.as_object().contains("enrollment_expires"));
    EXPECT_EQ(created.body.at("screen").at("station").as_string(), "seoul");
    EXPECT_EQ(created.body.at("screen").at("layout").as_string(), "landscape-ticker");
    EXPECT_EQ(count_rows("SELECT count(*) FROM enrollment_codes"), 1);
    EXPECT_EQ(count_rows(fmt::format("SELECT count(*) FROM enrollment_codes WHERE hash = '{}'", code)), 0)
        << "enrollment codes are stored hashed";

    const auto updated = put_screen(
        "s1-seoul-03", R"({"id":"s1-seoul-03","station":"city-hall","line":"2","timezone":"Asia/Seoul"})");
    ASSERT_EQ(updated.status, 200) << updated.text;
    EXPECT_FALSE(updated.body.as_object().contains("enrollment_code"));
    EXPECT_EQ(updated.body.at("screen").at("station").as_string(), "city-hall");

    const auto one = get_screen("s1-seoul-03");
    ASSERT_EQ(one.status, 200) << one.text;
    EXPECT_EQ(one.body.at("screen").at("id").as_string(), "s1-seoul-03");
    EXPECT_EQ(one.body.at("screen").at("line").as_string(), "2");
    EXPECT_EQ(one.body.at("screen").at("timezone").as_string(), "Asia/Seoul");
    EXPECT_FALSE(one.body.at("online").as_bool());
    EXPECT_TRUE(one.body.at("last_seen").is_null());
    EXPECT_TRUE(one.body.at("health").is_null());
    EXPECT_TRUE(one.body.as_object().contains("last_seq"));
    // The first code still enrolls the box: an update does not replace it.
    EXPECT_EQ(enroll(code).size(), 64U);

    ASSERT_EQ(put_screen("s2", R"({"id":"s2","station":"seoul","line":"1","timezone":"UTC"})").status, 201);
    const auto list = call(http::verb::get, "/v1/screens", m_hub.operator_token());
    ASSERT_EQ(list.status, 200) << list.text;
    const auto& screens = list.body.at("screens").as_array();
    ASSERT_EQ(screens.size(), 2U);
    EXPECT_EQ(screens[0].at("screen").at("id").as_string(), "s1-seoul-03");
    EXPECT_EQ(screens[1].at("screen").at("id").as_string(), "s2");
    EXPECT_EQ(get_screen("nowhere").status, 404);

    // YAML works as JSON does.
    const auto yaml =
        call_text(http::verb::put, "/v1/screens/s3", m_hub.operator_token(),
                  "id: s3\nstation: gangnam\nline: \"2\"\ntimezone: Asia/Seoul\n", "application/yaml");
    EXPECT_EQ(yaml.status, 201) << yaml.text;
}

TEST_F(ScreenTest, InvalidScreensAreRefusedWithTheProblem) {
    const struct {
        std::string_view url_id;
        std::string_view json;
        std::string_view mentions;
    } cases[] = {
        {"s1", R"({"id":"s1","station":"seoul","line":"1","timezone":"Mars/Olympus"})", "timezone"},
        {"s1", R"({"id":"s1","line":"1","timezone":"UTC"})", "station"},
        {"s1", R"({"id":"s2","station":"seoul","line":"1","timezone":"UTC"})", "s2"},
        {"a..b", R"({"id":"a..b","station":"seoul","line":"1","timezone":"UTC"})", "id"},
        {"%2E%2E", R"({"id":"..","station":"seoul","line":"1","timezone":"UTC"})", "id"},
        {"..%2F..%2Fetc", R"({"id":"../../etc","station":"seoul","line":"1","timezone":"UTC"})", "id"},
        {"s1", R"({"id":"s1","station":"seoul","line":"1","timezone":"UTC","layout":"nope"})", "layout"},
        {"s1", R"({"id":"s1","station":"seoul","line":"1","timezone":"UTC","size":"huge"})", "size"},
        {"s1", R"({"id":"s1","station":"seoul","line":"1",)", ""},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(std::string{c.json});
        const auto refused = put_screen(c.url_id, std::string{c.json});
        EXPECT_EQ(refused.status, 400) << refused.text;
        EXPECT_EQ(refused.error_code(), "invalid_input") << refused.text;
        EXPECT_NE(refused.error_message().find(c.mentions), std::string::npos) << refused.text;
    }
    const auto type =
        call_text(http::verb::put, "/v1/screens/s1", m_hub.operator_token(), "id=s1", "text/plain");
    EXPECT_EQ(type.status, 415) << type.text;
    EXPECT_EQ(count_rows("SELECT count(*) FROM screens"), 0);
    EXPECT_TRUE(
        call(http::verb::get, "/v1/screens", m_hub.operator_token()).body.at("screens").as_array().empty());
}

TEST_F(ScreenTest, LiveStatusFollowsTheFeedAndTheReports) {
    const std::string token = enroll(add_screen("s1", "seoul", "1"));
    EXPECT_FALSE(get_screen("s1").body.at("online").as_bool());
    {
        FeedClient feed{m_hub.port(), "s1", token, std::nullopt};
        ASSERT_EQ(feed.refused_status(), 0U);
        ASSERT_TRUE(feed.next()) << "a connection without after= starts with a snapshot";
        EXPECT_TRUE(wait_online("s1", true));
        EXPECT_TRUE(wait_feeds(1));
        // Two boxes of one screen (a replacement overlapping the old one) keep it online until both go.
        FeedClient second{m_hub.port(), "s1", token, std::nullopt};
        ASSERT_TRUE(second.next());
        EXPECT_TRUE(wait_feeds(2));
        second.close();
        EXPECT_TRUE(wait_feeds(1));
        EXPECT_TRUE(get_screen("s1").body.at("online").as_bool());
    }
    EXPECT_TRUE(wait_online("s1", false)) << "the screen stays online after its feed closed";
    EXPECT_TRUE(wait_feeds(0));

    // A report makes it seen, a health record is its last health.
    const auto now = wall_now();
    content::HealthRecord health;
    health.uptime = std::chrono::seconds{3600};
    health.fps = 29.97;
    health.disk_free_bytes = 123456789;
    health.temperature_c = 51.5;
    health.versions = {{"player", "0.1.0"}};
    const std::vector<content::Record> records{content::Record{content::uuid_v7(now), "s1", health}};
    const auto reported = call_text(http::verb::post, "/v1/devices/s1/reports", token,
                                    content::records_to_json_body(records), "application/json");
    ASSERT_EQ(reported.status, 200) << reported.text;
    const auto seen = get_screen("s1");
    ASSERT_FALSE(seen.body.at("last_seen").is_null()) << seen.text;
    ASSERT_TRUE(seen.body.at("health").is_object()) << seen.text;
    EXPECT_EQ(seen.body.at("health").at("uptime_s").to_number<int>(), 3600);
    EXPECT_EQ(seen.body.at("health").at("disk_free_bytes").to_number<std::uint64_t>(), 123456789U);
    EXPECT_DOUBLE_EQ(seen.body.at("health").at("temperature_c").to_number<double>(), 51.5);
    EXPECT_EQ(seen.body.at("health").at("versions").at("player").as_string(), "0.1.0");
}

TEST_F(ScreenTest, ANewEnrollmentCodeReplacesTheOldOneAndTheOldBox) {
    const std::string first = add_screen("s1", "seoul", "1");
    const std::string old_token = enroll(first);
    EXPECT_EQ(call(http::verb::get, "/v1/devices/s1/manifest", old_token).status, 200);

    // An unused code is replaced by a newer one.
    const auto issued = call(http::verb::post, "/v1/screens/s1/enrollment", m_hub.operator_token());
    ASSERT_EQ(issued.status, 201) << issued.text;
    EXPECT_EQ(issued.body.at("screen").as_string(), "s1");
    const std::string second{issued.body.at("enrollment_code").as_string()};
    EXPECT_NE(second, first);
    const auto newer = call(http::verb::post, "/v1/screens/s1/enrollment", m_hub.operator_token());
    ASSERT_EQ(newer.status, 201) << newer.text;
    const std::string third{newer.body.at("enrollment_code").as_string()};
    const boost::json::value stale = boost::json::object{{"code", second}};
    EXPECT_EQ(call(http::verb::post, "/v1/devices/enroll", {}, &stale).status, 401)
        << "the newer code replaced it";

    // The replacement box enrolls; the old box's token stops working.
    const std::string new_token = enroll(third);
    EXPECT_NE(new_token, old_token);
    EXPECT_EQ(call(http::verb::get, "/v1/devices/s1/manifest", new_token).status, 200);
    const auto old = call(http::verb::get, "/v1/devices/s1/manifest", old_token);
    EXPECT_EQ(old.status, 401) << old.text;

    EXPECT_EQ(call(http::verb::post, "/v1/screens/nowhere/enrollment", m_hub.operator_token()).status, 404);
}

}  // namespace
}  // namespace dwell::test
