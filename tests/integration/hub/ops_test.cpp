// What operations and support staff read: /healthz, /metrics, join slots, and how the hub
// answers requests for routes or methods it does not have.
#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include <fmt/format.h>

#include "tests/integration/hub/hub_fixture.hpp"

namespace dwell::test {
namespace {

using namespace std::chrono_literals;
using config::ChannelKind;

class OpsTest : public HubTest {
  protected:
    void SetUp() override {
        HubTest::SetUp();
        stage();
    }
};

TEST_F(OpsTest, HealthzAnswersWithoutAToken) {
    const auto health = call(http::verb::get, "/healthz");
    ASSERT_EQ(health.status, 200) << health.text;
    EXPECT_EQ(health.body.at("status").as_string(), "ok");
    EXPECT_TRUE(health.body.as_object().contains("time"));
    EXPECT_EQ(health.body.at("writer_queue").to_number<int>(), 0);
    EXPECT_EQ(health.header("Server").substr(0, 10), "dwell-hub/");
}

TEST_F(OpsTest, ThreadsAreNamedForTopAndPs) {
    std::multiset<std::string> names;
    for (const auto& task : std::filesystem::directory_iterator(fmt::format("/proc/{}/task", m_hub.pid()))) {
        std::ifstream comm(task.path() / "comm");
        std::string name;
        std::getline(comm, name);
        names.insert(name);
    }
    EXPECT_EQ(names.count("hub-writer"), 1U);
    EXPECT_EQ(names.count("hub-flush"), 1U);
    EXPECT_EQ(names.count("hub-checkpoint"), 1U);
    EXPECT_EQ(names.count("net-io"), 2U) << "hub.yaml of the tests asks for 2 threads";
}

TEST_F(OpsTest, MetricsExposeTheCountersTheReadmeNames) {
    ASSERT_EQ(
        post_one(ChannelKind::line, message(1, 1, current_code("fest", "s1", ChannelKind::line))).status,
        200);
    ASSERT_EQ(post_one(ChannelKind::line, message(2, 2, "hi")).status, 200);
    (void)call(http::verb::get, "/v1/campaigns");  // a 401
    const auto response = call(http::verb::get, "/metrics");
    ASSERT_EQ(response.status, 200);
    EXPECT_EQ(response.header("Content-Type").substr(0, 10), "text/plain");
    const std::string& text = response.text;
    for (const std::string_view name :
         {"dwell_hub_http_responses_total", "dwell_hub_webhooks_total", "dwell_hub_webhook_messages_total",
          "dwell_hub_joins_total", "dwell_hub_connections", "dwell_hub_feed_connections",
          "dwell_hub_records_total", "dwell_hub_commit_batch_size", "dwell_hub_commit_seconds",
          "dwell_hub_commit_failures_total"})
        EXPECT_NE(text.find(fmt::format("# TYPE {} ", name)), std::string::npos) << name << " missing from:\n"
                                                                                 << text;
    EXPECT_EQ(metric(text, "dwell_hub_joins_total"), 1);
    EXPECT_EQ(metric(text, R"(dwell_hub_webhooks_total{channel="line-test",result="accepted"})"), 2);
    EXPECT_EQ(metric(text, R"(dwell_hub_webhook_messages_total{channel="line-test",outcome="joined"})"), 1);
    EXPECT_EQ(metric(text, R"(dwell_hub_webhook_messages_total{channel="line-test",outcome="not_a_join"})"),
              1);
    EXPECT_EQ(metric(text, R"(dwell_hub_http_responses_total{route="webhooks.line",status="200"})"), 2);
    EXPECT_EQ(metric(text, R"(dwell_hub_http_responses_total{route="campaigns.list",status="401"})"), 1);
    EXPECT_GE(metric(text, "dwell_hub_commit_batch_size_count"), 2);
    EXPECT_GE(metric(text, "dwell_hub_connections"), 1);
    EXPECT_EQ(metric(text, "dwell_hub_commit_failures_total"), 0);

    // A channel name from a URL cannot break the exposition format: it is not a label at all.
    (void)call_text(http::verb::post, "/v1/webhooks/line/a%22b%0Ac", {}, "{}", "application/json");
    const std::string after = metrics();
    EXPECT_EQ(metric(after, R"(dwell_hub_webhooks_total{channel="unknown",result="unknown_channel"})"), 1)
        << after;
    EXPECT_EQ(after.find("a\\\"b"), std::string::npos) << after;
    for (std::size_t start = 0; start < after.size();) {
        const auto end = after.find('\n', start);
        const std::string line = after.substr(start, end - start);
        if (!line.empty() && line[0] != '#') {
            EXPECT_NE(line.rfind(' '), std::string::npos) << "not a sample line: " << line;
        }
        if (end == std::string::npos) break;
        start = end + 1;
    }
}

TEST_F(OpsTest, JoinSlotsListAChannelsSecretAndSlots) {
    const auto slots = call(http::verb::get, "/v1/join-slots?channel=line-test", m_hub.operator_token());
    ASSERT_EQ(slots.status, 200) << slots.text;
    EXPECT_EQ(slots.body.at("channel").as_string(), "line-test");
    EXPECT_EQ(slots.body.at("kind").as_string(), "line");
    EXPECT_EQ(slots.body.at("account").as_string(), "@line-test");
    EXPECT_EQ(slots.body.at("secret").as_string().size(), 64U);
    const auto& list = slots.body.at("slots").as_array();
    ASSERT_EQ(list.size(), 2U) << slots.text;
    std::set<std::string> screens;
    std::set<std::uint64_t> indexes;
    for (const auto& slot : list) {
        EXPECT_EQ(slot.at("campaign").as_string(), "fest");
        EXPECT_EQ(slot.at("digits").to_number<int>(), 6);
        EXPECT_EQ(slot.at("period_s").to_number<int>(), 60);
        screens.insert(std::string{slot.at("screen").as_string()});
        indexes.insert(slot.at("slot").to_number<std::uint64_t>());
    }
    EXPECT_EQ(screens, (std::set<std::string>{"s1", "s2"}));
    EXPECT_EQ(indexes.size(), 2U) << "two screens never share a slot";
    // Each channel has its own secret.
    EXPECT_NE(
        call(http::verb::get, "/v1/join-slots?channel=kakao-test", m_hub.operator_token()).body.at("secret"),
        slots.body.at("secret"));

    EXPECT_EQ(call(http::verb::get, "/v1/join-slots", m_hub.operator_token()).status, 400);
    EXPECT_EQ(call(http::verb::get, "/v1/join-slots?channel=a&channel=b", m_hub.operator_token()).status,
              400);
    EXPECT_EQ(call(http::verb::get, "/v1/join-slots?channel=nope", m_hub.operator_token()).status, 404);
    EXPECT_EQ(call(http::verb::get, "/v1/join-slots?channel=line-test", m_hub.marketer_token()).status, 403);
}

TEST_F(OpsTest, UnknownRoutesAndMethodsGetJsonErrors) {
    const auto missing = call(http::verb::get, "/v2/anything");
    EXPECT_EQ(missing.status, 404);
    EXPECT_EQ(missing.error_code(), "not_found");
    const auto method = call(http::verb::patch, "/v1/campaigns/fest", m_hub.marketer_token());
    EXPECT_EQ(method.status, 405) << method.text;
    EXPECT_EQ(method.error_code(), "method_not_allowed");
    EXPECT_NE(method.header("Allow").find("PUT"), std::string::npos) << method.header("Allow");
    // Garbage instead of HTTP.
    RawConnection raw{m_hub.port()};
    ASSERT_TRUE(raw.send("HELLO THERE\r\n\r\n"));
    const auto response = raw.read_response(10s);
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 400U);
    EXPECT_TRUE(raw.wait_closed(10s));
    // And the hub is still fine.
    EXPECT_EQ(call(http::verb::get, "/healthz").status, 200);
}

}  // namespace
}  // namespace dwell::test
