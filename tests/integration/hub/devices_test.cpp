// What a screen's sync agent does with the hub: enroll once, fetch its manifest (and only when it
// changed), and report records idempotently.
#include <map>

#include <fmt/format.h>

#include "content/records.hpp"
#include "content/uuid.hpp"
#include "tests/integration/hub/hub_fixture.hpp"

namespace dwell::test {
namespace {

using namespace std::chrono_literals;
using config::ChannelKind;

class DeviceTest : public HubTest {
  protected:
    JsonResponse enroll_raw(std::string_view code) {
        const boost::json::value body = boost::json::object{{"code", code}};
        return call(http::verb::post, "/v1/devices/enroll", {}, &body);
    }
    JsonResponse post_report(std::string_view screen, std::string_view token, const std::string& body) {
        return call_text(http::verb::post, fmt::format("/v1/devices/{}/reports", screen), token, body,
                         "application/json");
    }
    std::string any_sha256() {
        const auto assets = call(http::verb::get, "/v1/assets", m_hub.marketer_token());
        return std::string{assets.body.at("assets").at(0).at("sha256").as_string()};
    }
    std::vector<content::Record> plays(std::string_view screen, int count) {
        const std::string sha256 = any_sha256();
        std::vector<content::Record> records;
        const auto now = wall_now();
        for (int i = 0; i < count; ++i)
            records.push_back(
                content::Record{content::uuid_v7(now), std::string{screen},
                                content::PlayRecord{"fest", sha256, now - 10s, now - 5s, i % 2 == 0,
                                                    static_cast<std::uint64_t>(i)}});
        return records;
    }
};

TEST_F(DeviceTest, AnEnrollmentCodeIsGoodOnceInAnySpelling) {
    const std::string code = add_screen("s1", "seoul", "1");
    const auto first = enroll_raw(code);
    ASSERT_EQ(first.status, 200) << first.text;
    EXPECT_EQ(first.body.at("screen").as_string(), "s1");
    const std::string token{first.body.at("token").as_string()};
    EXPECT_EQ(token.size(), 64U);
    EXPECT_EQ(token.find_first_not_of("0123456789abcdef"), std::string::npos);
    const auto second = enroll_raw(code);
    EXPECT_EQ(second.status, 401) << second.text;
    EXPECT_EQ(second.error_code(), "unauthorized");
    EXPECT_EQ(call(http::verb::get, "/v1/devices/s1/manifest", token).status, 200)
        << "a refused retry changes nothing";

    // Typed in lower case, or without the dashes.
    std::string lower;
    for (const char c : add_screen("s2", "seoul", "1")) lower.push_back(static_cast<char>(std::tolower(c)));
    const auto typed = enroll_raw(lower);
    ASSERT_EQ(typed.status, 200) << typed.text;
    EXPECT_EQ(typed.body.at("screen").as_string(), "s2");
    std::string bare;
    for (const char c : add_screen("s3", "seoul", "1"))
        if (c != '-') bare.push_back(c);
    const auto joined = enroll_raw(bare);
    ASSERT_EQ(joined.status, 200) << joined.text;
    EXPECT_EQ(joined.body.at("screen").as_string(), "s3");
    std::string spaced;
    const std::string dashed = add_screen("s4", "seoul", "1");
    for (const char c : dashed) spaced.push_back(c == '-' ? ' ' : c);
    EXPECT_EQ(enroll_raw(spaced).status, 200);

    // Wrong, malformed and oversized requests.
    EXPECT_EQ(enroll_raw("0000-0000-0000-0000").status, 401);
    EXPECT_EQ(enroll_raw("").status, 400);
    EXPECT_EQ(enroll_raw(std::string(100, 'A')).status, 400);
    EXPECT_EQ(
        call_text(http::verb::post, "/v1/devices/enroll", {}, R"({"token":"x"})", "application/json").status,
        400);
    EXPECT_EQ(
        call_text(http::verb::post, "/v1/devices/enroll", {}, R"({"code":42})", "application/json").status,
        400);
    EXPECT_EQ(call_text(http::verb::post, "/v1/devices/enroll", {}, R"({"code":)", "application/json").status,
              400);
    EXPECT_EQ(
        call_text(http::verb::post, "/v1/devices/enroll", {}, "code=x", "application/x-www-form-urlencoded")
            .status,
        415);
    EXPECT_EQ(count_rows("SELECT count(*) FROM device_tokens"), 4);
}

TEST_F(DeviceTest, TheManifestHasAnETagAndChangesWhenItsContentDoes) {
    stage();
    const std::string& token = m_devices.at("s1");
    const auto manifest = call(http::verb::get, "/v1/devices/s1/manifest", token);
    ASSERT_EQ(manifest.status, 200) << manifest.text;
    const std::string etag = manifest.header("ETag");
    ASSERT_FALSE(etag.empty());
    const auto& body = manifest.body.as_object();
    EXPECT_EQ(body.at("screen").at("id").as_string(), "s1");
    EXPECT_TRUE(body.contains("server_time"));
    ASSERT_EQ(body.at("campaigns").as_array().size(), 1U);
    EXPECT_EQ(body.at("campaigns").at(0).at("id").as_string(), "fest");

    // Assets: exactly the uploads the campaign plays, with their hashes, sizes and kinds.
    const auto uploads =
        call(http::verb::get, "/v1/assets", m_hub.marketer_token()).body.at("assets").as_array();
    std::map<std::string, std::pair<std::uint64_t, std::string>> expected;
    for (const auto& asset : uploads)
        expected[std::string{asset.at("sha256").as_string()}] = {asset.at("size").to_number<std::uint64_t>(),
                                                                 std::string{asset.at("type").as_string()}};
    std::map<std::string, std::pair<std::uint64_t, std::string>> listed;
    for (const auto& asset : body.at("assets").as_array())
        listed[std::string{asset.at("sha256").as_string()}] = {asset.at("size").to_number<std::uint64_t>(),
                                                               std::string{asset.at("type").as_string()}};
    EXPECT_EQ(listed, expected);

    // Joins: one per channel, with what the screen needs to compute its codes offline.
    const auto& joins = body.at("joins").as_array();
    ASSERT_EQ(joins.size(), 5U);
    for (const auto& join : joins) {
        const std::string channel{join.at("channel").as_string()};
        EXPECT_EQ(join.at("campaign").as_string(), "fest");
        EXPECT_EQ(join.at("account").as_string(), "@" + channel);
        EXPECT_EQ(join.at("digits").to_number<int>(), 6);
        EXPECT_EQ(join.at("period_s").to_number<int>(), 60);
        const std::map<std::string, ChannelKind> kinds{{"line-test", ChannelKind::line},
                                                       {"telegram-test", ChannelKind::telegram},
                                                       {"kakao-test", ChannelKind::kakao},
                                                       {"whatsapp-test", ChannelKind::whatsapp},
                                                       {"generic-test", ChannelKind::generic}};
        EXPECT_EQ(join.at("deep_link").as_string(), config::default_deep_link(kinds.at(channel)));
        // The code the screen computes is the code the hub accepts.
        auto secret = content::parse_join_secret(join.at("secret").as_string());
        ASSERT_TRUE(secret) << channel;
        auto space = content::JoinCodeSpace::create(*secret, 6, 60s);
        const auto now = wall_now();
        const auto code = space->code_for(join.at("slot").to_number<std::uint64_t>(), now);
        ASSERT_TRUE(code);
        if (channel == "line-test") {
            const auto reply =
                post_one(ChannelKind::line, sync::messenger::OutgoingText{1, 1, "", *code, now});
            EXPECT_EQ(reply.body.at("results").at(0).at("screen").as_string(), "s1") << reply.text;
        }
    }

    // Unchanged (the join above is no manifest change): 304 with the same ETag and no body.
    const auto same =
        call(http::verb::get, "/v1/devices/s1/manifest", token, nullptr, {{"If-None-Match", etag}});
    EXPECT_EQ(same.status, 304) << same.text;
    EXPECT_EQ(same.header("ETag"), etag);
    EXPECT_TRUE(same.text.empty());
    const auto stale =
        call(http::verb::get, "/v1/devices/s1/manifest", token, nullptr, {{"If-None-Match", "\"other\""}});
    EXPECT_EQ(stale.status, 200);

    // A campaign change makes a new ETag and a full manifest.
    ASSERT_EQ(put_campaign("fest", R"(,"priority":"high")").status, 200);
    const auto changed =
        call(http::verb::get, "/v1/devices/s1/manifest", token, nullptr, {{"If-None-Match", etag}});
    ASSERT_EQ(changed.status, 200) << changed.text;
    EXPECT_NE(changed.header("ETag"), etag);
    EXPECT_EQ(changed.body.at("campaigns").at(0).at("priority").as_string(), "high");
    // So does a new campaign, and one that targets other screens does not touch this one.
    const std::string etag2 = changed.header("ETag");
    ASSERT_EQ(
        call_text(
            http::verb::put, "/v1/campaigns/gangnam-only", m_hub.marketer_token(),
            R"({"id":"gangnam-only","name":"G","window":{"start":"2020-01-01T00:00:00Z","end":"2099-01-01T00:00:00Z"},)"
            R"("targets":{"stations":["gangnam"]},"items":[{"asset":"poster.png","duration":"5s"}]})",
            "application/json")
            .status,
        201);
    EXPECT_EQ(
        call(http::verb::get, "/v1/devices/s1/manifest", token, nullptr, {{"If-None-Match", etag2}}).status,
        304);
    const auto s3 = call(http::verb::get, "/v1/devices/s3/manifest", m_devices.at("s3"));
    ASSERT_EQ(s3.status, 200);
    ASSERT_EQ(s3.body.at("campaigns").as_array().size(), 1U);
    EXPECT_EQ(s3.body.at("campaigns").at(0).at("id").as_string(), "gangnam-only");
    EXPECT_TRUE(s3.body.at("joins").as_array().empty());
    ASSERT_EQ(s3.body.at("assets").as_array().size(), 1U);
    // A screen change is a manifest change too.
    ASSERT_EQ(
        call_text(http::verb::put, "/v1/screens/s1", m_hub.operator_token(),
                  R"({"id":"s1","station":"seoul","line":"1","timezone":"Asia/Seoul","layout":"portrait"})",
                  "application/json")
            .status,
        200);
    EXPECT_EQ(
        call(http::verb::get, "/v1/devices/s1/manifest", token, nullptr, {{"If-None-Match", etag2}}).status,
        200);
}

TEST_F(DeviceTest, ReportsAreIdempotentByRecordId) {
    stage();
    const std::string& token = m_devices.at("s1");
    const auto records = plays("s1", 5);
    const std::string body = content::records_to_json_body(records);
    const auto first = post_report("s1", token, body);
    ASSERT_EQ(first.status, 200) << first.text;
    EXPECT_EQ(first.body.at("accepted").to_number<int>(), 5);
    EXPECT_EQ(first.body.at("duplicates").to_number<int>(), 0);
    const auto again = post_report("s1", token, body);
    ASSERT_EQ(again.status, 200) << again.text;
    EXPECT_EQ(again.body.at("accepted").to_number<int>(), 0);
    EXPECT_EQ(again.body.at("duplicates").to_number<int>(), 5);
    // A batch mixing old and new records.
    auto mixed = records;
    const auto more = plays("s1", 2);
    mixed.insert(mixed.end(), more.begin(), more.end());
    const auto partly = post_report("s1", token, content::records_to_json_body(mixed));
    EXPECT_EQ(partly.body.at("accepted").to_number<int>(), 2);
    EXPECT_EQ(partly.body.at("duplicates").to_number<int>(), 5);
    EXPECT_EQ(post_report("s1", token, R"({"records":[]})").body.at("accepted").to_number<int>(), 0);

    EXPECT_EQ(count_rows("SELECT count(*) FROM records"), 7);
    EXPECT_EQ(count_rows("SELECT count(*) FROM plays"), 7);
    EXPECT_EQ(report("campaign=fest&by=screen").body.at("total").at("plays").as_int64(), 7);
    const std::string text = metrics();
    EXPECT_EQ(metric(text, R"(dwell_hub_records_total{result="accepted"})"), 7);
    EXPECT_EQ(metric(text, R"(dwell_hub_records_total{result="duplicate"})"), 10);

    // Every kind of record is taken.
    const auto now = wall_now();
    content::ErrorRecord error;
    error.asset = any_sha256();
    error.reason = "decoder failed: invalid NAL unit";
    error.at = now;
    const std::vector<content::Record> kinds{
        content::Record{content::uuid_v7(now), "s1", content::ShownRecord{3, "fest", now}},
        content::Record{content::uuid_v7(now), "s1", error},
    };
    const auto other_kinds = post_report("s1", token, content::records_to_json_body(kinds));
    EXPECT_EQ(other_kinds.body.at("accepted").to_number<int>(), 2) << other_kinds.text;
}

TEST_F(DeviceTest, RecordsOfAnotherScreenOrMalformedRecordsAreRefusedWhole) {
    stage();
    const std::string& token = m_devices.at("s1");
    auto records = plays("s1", 2);
    records.push_back(plays("s2", 1).front());
    const auto foreign = post_report("s1", token, content::records_to_json_body(records));
    EXPECT_EQ(foreign.status, 400) << foreign.text;
    EXPECT_NE(foreign.error_message().find("records[2].screen"), std::string::npos) << foreign.text;

    // A record with a bad time, named by its path.
    auto json = boost::json::parse(content::records_to_json_body(plays("s1", 3))).as_object();
    json["records"].as_array()[1].as_object()["start"] = "yesterday";
    const auto bad_time = post_report("s1", token, boost::json::serialize(json));
    EXPECT_EQ(bad_time.status, 400) << bad_time.text;
    EXPECT_NE(bad_time.error_message().find("records[1].start"), std::string::npos) << bad_time.text;

    auto missing = boost::json::parse(content::records_to_json_body(plays("s1", 1))).as_object();
    missing["records"].as_array()[0].as_object().erase("id");
    const auto no_id = post_report("s1", token, boost::json::serialize(missing));
    EXPECT_EQ(no_id.status, 400) << no_id.text;
    EXPECT_NE(no_id.error_message().find("records[0].id"), std::string::npos) << no_id.text;

    auto unknown = boost::json::parse(content::records_to_json_body(plays("s1", 1))).as_object();
    unknown["records"].as_array()[0].as_object()["type"] = "dance";
    EXPECT_EQ(post_report("s1", token, boost::json::serialize(unknown)).status, 400);

    auto injected = boost::json::parse(content::records_to_json_body(plays("s1", 1))).as_object();
    injected["records"].as_array()[0].as_object()["campaign"] = "fest'); DROP TABLE plays;--";
    EXPECT_EQ(post_report("s1", token, boost::json::serialize(injected)).status, 400);

    for (const std::string_view body :
         {"", "[]", "{}", R"({"records":{}})", R"({"records":[1]})", R"({"records":[)"}) {
        SCOPED_TRACE(std::string{body});
        const auto refused = post_report("s1", token, std::string{body});
        EXPECT_EQ(refused.status, 400) << refused.text;
        EXPECT_EQ(refused.error_code(), "invalid_input") << refused.text;
    }
    EXPECT_EQ(call_text(http::verb::post, "/v1/devices/s1/reports", token,
                        content::records_to_json_body(plays("s1", 1)), "text/plain")
                  .status,
              415);
    EXPECT_EQ(count_rows("SELECT count(*) FROM records"), 0);
    EXPECT_EQ(count_rows("SELECT count(*) FROM sqlite_master WHERE name = 'plays'"), 1);
}

}  // namespace
}  // namespace dwell::test
