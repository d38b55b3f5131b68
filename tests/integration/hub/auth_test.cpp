// Who may call what: API tokens by role, device tokens by screen, and nothing changes when a
// request is refused.
#include <fmt/format.h>

#include "tests/integration/hub/feed_client.hpp"
#include "tests/integration/hub/hub_fixture.hpp"

namespace dwell::test {
namespace {

using namespace std::chrono_literals;

class AuthTest : public HubTest {
  protected:
    void SetUp() override {
        HubTest::SetUp();
        stage();
        const auto assets = call(http::verb::get, "/v1/assets", m_hub.marketer_token());
        m_sha256 = std::string{assets.body.at("assets").at(0).at("sha256").as_string()};
    }

    struct Route {
        http::verb method;
        std::string target;
    };
    std::vector<Route> marketer_routes() const {
        return {{http::verb::get, "/v1/campaigns"},
                {http::verb::get, "/v1/campaigns/fest"},
                {http::verb::put, "/v1/campaigns/other"},
                {http::verb::delete_, "/v1/campaigns/fest"},
                {http::verb::get, "/v1/campaigns/fest/preview?screen=s1"},
                {http::verb::post, "/v1/assets?name=x.png"},
                {http::verb::get, "/v1/assets"},
                {http::verb::get, "/v1/reports/participation?by=screen"}};
    }
    std::vector<Route> operator_routes() const {
        return {{http::verb::get, "/v1/screens"},
                {http::verb::get, "/v1/screens/s1"},
                {http::verb::put, "/v1/screens/s9"},
                {http::verb::post, "/v1/screens/s1/enrollment"},
                {http::verb::post, "/v1/takeovers"},
                {http::verb::get, "/v1/takeovers"},
                {http::verb::delete_, "/v1/takeovers/takeover-x"},
                {http::verb::get, "/v1/join-slots?channel=line-test"}};
    }
    std::vector<Route> device_routes() const {
        return {{http::verb::get, "/v1/devices/s1/manifest"},
                {http::verb::post, "/v1/devices/s1/reports"},
                {http::verb::get, "/v1/assets/" + m_sha256}};
    }

    JsonResponse send(const Route& route, std::string_view token, sync::net::Fields fields = {}) {
        return call_text(route.method, route.target, token, "{}", "application/json", std::move(fields));
    }

    // Nothing a refused request could have changed did change.
    void expect_unchanged() {
        EXPECT_EQ(count_rows("SELECT count(*) FROM campaigns"), 1);
        EXPECT_EQ(count_rows("SELECT count(*) FROM screens"), 3);
        EXPECT_EQ(count_rows("SELECT count(*) FROM takeovers"), 0);
        EXPECT_EQ(count_rows("SELECT count(*) FROM records"), 0);
        EXPECT_EQ(count_rows("SELECT count(*) FROM enrollment_codes"), 0);
    }

    std::string m_sha256;
};

TEST_F(AuthTest, AMissingOrUnknownTokenIs401OnEveryProtectedRoute) {
    std::vector<Route> all = marketer_routes();
    for (const auto& list : {operator_routes(), device_routes()})
        all.insert(all.end(), list.begin(), list.end());
    const std::string unknown(64, 'a');
    for (const Route& route : all) {
        SCOPED_TRACE(fmt::format("{} {}", std::string{http::to_string(route.method)}, route.target));
        for (const auto& fields :
             {sync::net::Fields{}, bearer(unknown), sync::net::Fields{{"Authorization", "Bearer"}},
              sync::net::Fields{{"Authorization", "Basic " + m_hub.marketer_token()}},
              sync::net::Fields{{"Authorization", m_hub.operator_token()}}}) {
            const auto refused = send(route, {}, fields);
            EXPECT_EQ(refused.status, 401) << refused.text;
            EXPECT_EQ(refused.error_code(), "unauthorized") << refused.text;
            EXPECT_EQ(refused.header("WWW-Authenticate"), "Bearer");
        }
    }
    // The scheme is case-insensitive, as HTTP says.
    EXPECT_EQ(call(http::verb::get, "/v1/campaigns", {}, nullptr,
                   {{"Authorization", "bearer " + m_hub.marketer_token()}})
                  .status,
              200);
    expect_unchanged();
}

TEST_F(AuthTest, AMarketerOnAnOperatorRouteIs403AndAnOperatorMayDoWhatMarketersDo) {
    for (const Route& route : operator_routes()) {
        SCOPED_TRACE(fmt::format("{} {}", std::string{http::to_string(route.method)}, route.target));
        const auto refused = send(route, m_hub.marketer_token());
        EXPECT_EQ(refused.status, 403) << refused.text;
        EXPECT_EQ(refused.error_code(), "forbidden") << refused.text;
    }
    expect_unchanged();
    EXPECT_EQ(call(http::verb::get, "/v1/campaigns", m_hub.operator_token()).status, 200);
    EXPECT_EQ(call(http::verb::get, "/v1/reports/participation?by=station", m_hub.operator_token()).status,
              200);
    EXPECT_EQ(call(http::verb::get, "/v1/campaigns/fest/preview?screen=s1", m_hub.operator_token()).status,
              200);
    // A second marketer token made later works too; tokens are independent.
    const std::string another = m_hub.create_token("marketer");
    EXPECT_EQ(call(http::verb::get, "/v1/campaigns", another).status, 200);
    EXPECT_EQ(call(http::verb::get, "/v1/screens", another).status, 403);
}

TEST_F(AuthTest, ADeviceTokenOnAMarketerOrOperatorRouteIs403) {
    const std::string& device = m_devices.at("s1");
    for (const auto& list : {marketer_routes(), operator_routes()}) {
        for (const Route& route : list) {
            SCOPED_TRACE(fmt::format("{} {}", std::string{http::to_string(route.method)}, route.target));
            const auto refused = send(route, device);
            EXPECT_EQ(refused.status, 403) << refused.text;
            EXPECT_EQ(refused.error_code(), "forbidden") << refused.text;
        }
    }
    expect_unchanged();
    // What a device may do: its own manifest and the assets.
    EXPECT_EQ(call(http::verb::get, "/v1/devices/s1/manifest", device).status, 200);
    EXPECT_EQ(call(http::verb::get, "/v1/assets/" + m_sha256, device).status, 200);
}

TEST_F(AuthTest, ADeviceTokenOfOneScreenCannotActForAnother) {
    const std::string& a = m_devices.at("s1");
    const auto manifest = call(http::verb::get, "/v1/devices/s2/manifest", a);
    EXPECT_EQ(manifest.status, 403) << manifest.text;
    EXPECT_EQ(manifest.error_code(), "forbidden");
    EXPECT_EQ(manifest.text.find("secret"), std::string::npos) << "no part of s2's manifest leaks";
    const auto reports =
        call_text(http::verb::post, "/v1/devices/s2/reports", a, R"({"records":[]})", "application/json");
    EXPECT_EQ(reports.status, 403) << reports.text;

    FeedClient feed{m_hub.port(), "s2", a, std::nullopt};
    EXPECT_EQ(feed.refused_status(), 403U) << feed.refused_body();
    FeedClient anonymous{m_hub.port(), "s2", "", std::nullopt};
    EXPECT_EQ(anonymous.refused_status(), 401U) << anonymous.refused_body();
    FeedClient api{m_hub.port(), "s2", m_hub.operator_token(), std::nullopt};
    EXPECT_EQ(api.refused_status(), 403U) << api.refused_body();

    // API tokens are not device tokens either.
    EXPECT_EQ(call(http::verb::get, "/v1/devices/s1/manifest", m_hub.operator_token()).status, 403);
    expect_unchanged();
    EXPECT_EQ(call(http::verb::get, "/v1/screens/s2", m_hub.operator_token()).body.at("online").as_bool(),
              false);
}

TEST_F(AuthTest, TokensAreStoredOnlyAsHashes) {
    const auto hashes = column("SELECT hash FROM api_tokens");
    ASSERT_EQ(hashes.size(), 2U);
    for (const auto& hash : hashes) {
        EXPECT_NE(hash, m_hub.marketer_token());
        EXPECT_NE(hash, m_hub.operator_token());
    }
    for (const auto& [screen, token] : m_devices)
        EXPECT_EQ(count_rows(fmt::format("SELECT count(*) FROM device_tokens WHERE hash = '{}'", token)), 0)
            << screen;
}

}  // namespace
}  // namespace dwell::test
