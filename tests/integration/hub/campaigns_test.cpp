// The campaign routes: create, replace, read, delete, validation that lists every problem,
// preview, and the 1% rule that keeps guessed codes hopeless.
#include <map>

#include <fmt/format.h>

#include "tests/integration/hub/hub_fixture.hpp"

namespace dwell::test {
namespace {

using config::ChannelKind;

class CampaignTest : public HubTest {
  protected:
    void SetUp() override {
        HubTest::SetUp();
        m_devices["s1"] = enroll(add_screen("s1", "seoul", "1"));
        m_devices["s2"] = enroll(add_screen("s2", "city-hall", "2"));
        add_screen("s3", "gangnam", "3");
        upload_media();
    }

    JsonResponse put_json(std::string_view id, const std::string& json) {
        return call_text(http::verb::put, fmt::format("/v1/campaigns/{}", id), m_hub.marketer_token(), json,
                         "application/json");
    }

    static std::string campaign_json(std::string_view id, std::string_view targets,
                                     std::string_view join = {}) {
        return fmt::format(
            R"({{"id":"{}","name":"{}","window":{{"start":"2020-01-01T00:00:00Z","end":"2099-01-01T00:00:00Z"}},)"
            R"("targets":{},"items":[{{"asset":"poster.png","duration":"5s"}}]{}}})",
            id, id, targets, join.empty() ? "" : fmt::format(R"(,"join":{})", join));
    }
};

TEST_F(CampaignTest, PutCreatesThenReplacesAndGetListsAndShowsIt) {
    const auto created = put_campaign("fest");
    ASSERT_EQ(created.status, 201) << created.text;
    EXPECT_TRUE(created.body.at("created").as_bool());
    EXPECT_EQ(created.body.at("screens"), (boost::json::array{"s1", "s2"}));
    const auto& campaign = created.body.at("campaign").as_object();
    EXPECT_EQ(campaign.at("id").as_string(), "fest");
    const auto& items = campaign.at("items").as_array();
    ASSERT_EQ(items.size(), 2U);
    const auto assets = call(http::verb::get, "/v1/assets", m_hub.marketer_token());
    std::map<std::string, std::string> by_name;
    for (const auto& asset : assets.body.at("assets").as_array())
        by_name[std::string{asset.at("name").as_string()}] = asset.at("sha256").as_string();
    EXPECT_EQ(items[0].at("sha256").as_string(), by_name.at("clip.mp4"))
        << "items are tied to the uploaded bytes";
    EXPECT_EQ(items[1].at("sha256").as_string(), by_name.at("poster.png"));
    EXPECT_EQ(items[0].at("type").as_string(), "video");
    EXPECT_EQ(items[1].at("type").as_string(), "image");

    // Replaced: another name and only line 1.
    const auto replaced = put_json(
        "fest",
        fmt::format(R"({{"id":"fest","name":"Fest II","priority":"high",)"
                    R"("window":{{"start":"2020-01-01T09:00:00+09:00","end":"2099-01-01T00:00:00Z"}},)"
                    R"("targets":{{"lines":["1"]}},"items":[{{"asset":"clip.mp4"}}],)"
                    R"("join":{{"channels":["line-test"],"prompt":"{{code}}","reply":"ok"}}}})"));
    ASSERT_EQ(replaced.status, 200) << replaced.text;
    EXPECT_FALSE(replaced.body.at("created").as_bool());
    EXPECT_EQ(replaced.body.at("screens"), (boost::json::array{"s1"}));

    const auto list = call(http::verb::get, "/v1/campaigns", m_hub.marketer_token());
    ASSERT_EQ(list.status, 200) << list.text;
    const auto& campaigns = list.body.at("campaigns").as_array();
    ASSERT_EQ(campaigns.size(), 1U) << list.text;
    const auto& entry = campaigns[0].as_object();
    EXPECT_EQ(entry.at("id").as_string(), "fest");
    EXPECT_EQ(entry.at("name").as_string(), "Fest II");
    EXPECT_EQ(entry.at("priority").as_string(), "high");
    EXPECT_EQ(entry.at("start").as_string(), "2020-01-01T09:00:00+09:00")
        << "written back as the marketer wrote it";
    EXPECT_EQ(entry.at("end").as_string(), "2099-01-01T00:00:00Z");
    EXPECT_TRUE(entry.at("interactive").as_bool());
    EXPECT_EQ(entry.at("screens").to_number<int>(), 1);
    EXPECT_EQ(entry.at("joins").to_number<int>(), 0);

    // A join shows in both views.
    ASSERT_EQ(
        post_one(ChannelKind::line, message(1, 1, current_code("fest", "s1", ChannelKind::line))).status,
        200);
    const auto one = call(http::verb::get, "/v1/campaigns/fest", m_hub.marketer_token());
    ASSERT_EQ(one.status, 200) << one.text;
    EXPECT_EQ(one.body.at("campaign").at("name").as_string(), "Fest II");
    EXPECT_EQ(one.body.at("screens"), (boost::json::array{"s1"}));
    EXPECT_EQ(one.body.at("joins").to_number<int>(), 1);
    EXPECT_EQ(call(http::verb::get, "/v1/campaigns", m_hub.marketer_token())
                  .body.at("campaigns")
                  .at(0)
                  .at("joins")
                  .to_number<int>(),
              1);
    // The channel it no longer offers lost its slots; the one it keeps kept them.
    EXPECT_EQ(join_space(ChannelKind::telegram).slots.size(), 0U);
    EXPECT_EQ(join_space(ChannelKind::line).slots.size(), 1U);
}

TEST_F(CampaignTest, YamlIsAcceptedLikeJson) {
    const std::string yaml =
        "id: spring\n"
        "name: 마이피플 스티커 페스티벌\n"
        "window: { start: 2020-01-01T06:00:00+09:00, end: 2099-12-31T23:59:59+09:00 }\n"
        "targets: { stations: [seoul] }\n"
        "items:\n"
        "  - { asset: poster.png, duration: 8s }\n"
        "join:\n"
        "  channels: [kakao-test]\n"
        "  prompt: \"{account}에 {code} 보내고 참여하세요\"\n"
        "  reply: \"참여 완료!\"\n";
    const auto created =
        call_text(http::verb::put, "/v1/campaigns/spring", m_hub.marketer_token(), yaml, "application/yaml");
    ASSERT_EQ(created.status, 201) << created.text;
    EXPECT_EQ(created.body.at("campaign").at("name").as_string(), "마이피플 스티커 페스티벌");
    EXPECT_EQ(created.body.at("screens"), (boost::json::array{"s1"}));
    const auto reply =
        post_one(ChannelKind::kakao, message(0, 1, current_code("spring", "s1", ChannelKind::kakao)));
    EXPECT_EQ(reply.body.at("template").at("outputs").at(0).at("simpleText").at("text").as_string(),
              "참여 완료!");
}

TEST_F(CampaignTest, DeleteRemovesTheCampaignItsSlotsAndItsCodes) {
    ASSERT_EQ(put_campaign("fest").status, 201);
    const std::string code = current_code("fest", "s1", ChannelKind::line);
    const auto deleted = call(http::verb::delete_, "/v1/campaigns/fest", m_hub.marketer_token());
    ASSERT_EQ(deleted.status, 200) << deleted.text;
    EXPECT_EQ(deleted.body.at("deleted").as_string(), "fest");
    const auto gone = call(http::verb::get, "/v1/campaigns/fest", m_hub.marketer_token());
    EXPECT_EQ(gone.status, 404) << gone.text;
    EXPECT_EQ(gone.error_code(), "not_found");
    EXPECT_TRUE(call(http::verb::get, "/v1/campaigns", m_hub.marketer_token())
                    .body.at("campaigns")
                    .as_array()
                    .empty());
    const auto again = call(http::verb::delete_, "/v1/campaigns/fest", m_hub.marketer_token());
    EXPECT_EQ(again.status, 404) << again.text;
    EXPECT_EQ(call(http::verb::get, "/v1/campaigns/fest/preview?screen=s1", m_hub.marketer_token()).status,
              404);
    EXPECT_TRUE(join_space(ChannelKind::line).slots.empty());
    EXPECT_EQ(count_rows("SELECT count(*) FROM join_slots"), 0);
    EXPECT_EQ(count_rows("SELECT count(*) FROM campaigns"), 0);
    // The screen's manifest no longer has it, and a code it showed is no join.
    const auto manifest = call(http::verb::get, "/v1/devices/s1/manifest", m_devices.at("s1"));
    EXPECT_TRUE(manifest.body.at("campaigns").as_array().empty()) << manifest.text;
    EXPECT_TRUE(manifest.body.at("joins").as_array().empty()) << manifest.text;
    const auto late = post_one(ChannelKind::line, message(1, 1, code));
    EXPECT_NE(late.body.at("results").at(0).at("outcome").as_string(), "joined") << late.text;
    EXPECT_EQ(count_rows("SELECT count(*) FROM joins"), 0);
}

TEST_F(CampaignTest, ValidationListsEveryProblemWithItsPathAndStoresNothing) {
    const std::string bad =
        R"({"id":"broken","name":"Broken","priority":"urgent","share":0,)"
        R"("window":{"start":"2026-12-31T00:00:00Z","end":"2026-12-01T00:00:00Z"},)"
        R"("targets":{"lines":["1"]},"items":[{"asset":"poster.png","duration":"forever"}],)"
        R"("join":{"channels":["nope"],"prompt":"{code}","code":{"digits":3}}})";
    const auto refused = put_json("broken", bad);
    ASSERT_EQ(refused.status, 400) << refused.text;
    EXPECT_EQ(refused.error_code(), "invalid_input");
    const std::string message = refused.error_message();
    for (const std::string_view path :
         {"priority", "share", "window", "items[0].duration", "join.channels", "join.code.digits"})
        EXPECT_NE(message.find(path), std::string::npos) << "no problem at " << path << " in:\n" << message;
    EXPECT_EQ(call(http::verb::get, "/v1/campaigns/broken", m_hub.marketer_token()).status, 404);
    EXPECT_EQ(count_rows("SELECT count(*) FROM campaigns"), 0);
    EXPECT_EQ(count_rows("SELECT count(*) FROM join_slots"), 0);

    // Unknown keys and missing required ones are problems too.
    const auto unknown =
        put_json("x", R"({"id":"x","nmae":"typo","window":{"start":"2020-01-01T00:00:00Z"}})");
    ASSERT_EQ(unknown.status, 400) << unknown.text;
    for (const std::string_view path : {"nmae", "name", "window.end", "items"})
        EXPECT_NE(unknown.error_message().find(path), std::string::npos) << path << " in:\n"
                                                                         << unknown.error_message();

    // Not JSON at all: the syntax error's position.
    const auto syntax = put_json("x", "{\"id\": \"x\",\n  \"name\": }");
    EXPECT_EQ(syntax.status, 400) << syntax.text;
    EXPECT_NE(syntax.error_message().find(":2:"), std::string::npos) << syntax.error_message();
    // Neither JSON nor YAML.
    const auto type =
        call_text(http::verb::put, "/v1/campaigns/x", m_hub.marketer_token(), "id: x", "text/plain");
    EXPECT_EQ(type.status, 415) << type.text;
}

TEST_F(CampaignTest, AnItemWhoseAssetTheHubLacksIs400NamingTheItem) {
    const std::string json =
        R"({"id":"promo","name":"Promo","window":{"start":"2020-01-01T00:00:00Z","end":"2099-01-01T00:00:00Z"},)"
        R"("targets":{"all":true},"items":[{"asset":"clip.mp4"},{"asset":"missing.png","duration":"5s"},)"
        R"({"asset":"also-missing.mp4"}]})";
    const auto refused = put_json("promo", json);
    ASSERT_EQ(refused.status, 400) << refused.text;
    const std::string message = refused.error_message();
    EXPECT_NE(message.find("items[1]"), std::string::npos) << message;
    EXPECT_NE(message.find("missing.png"), std::string::npos) << message;
    EXPECT_NE(message.find("items[2]"), std::string::npos) << message;
    EXPECT_NE(message.find("also-missing.mp4"), std::string::npos) << message;
    EXPECT_EQ(message.find("items[0]"), std::string::npos) << message;
    EXPECT_EQ(call(http::verb::get, "/v1/campaigns/promo", m_hub.marketer_token()).status, 404);

    // Naming an image's bytes as a video item.
    const auto assets = call(http::verb::get, "/v1/assets", m_hub.marketer_token());
    std::string poster;
    for (const auto& asset : assets.body.at("assets").as_array())
        if (asset.at("name").as_string() == "poster.png") poster = asset.at("sha256").as_string();
    const auto kind = put_json(
        "promo",
        fmt::format(
            R"({{"id":"promo","name":"Promo","window":{{"start":"2020-01-01T00:00:00Z",)"
            R"("end":"2099-01-01T00:00:00Z"}},"targets":{{"all":true}},"items":[{{"asset":"poster.mp4","sha256":"{}"}}]}})",
            poster));
    EXPECT_EQ(kind.status, 400) << kind.text;
    EXPECT_NE(kind.error_message().find("items[0]"), std::string::npos) << kind.text;
    // An unknown sha256.
    const auto sha = put_json(
        "promo",
        fmt::format(
            R"({{"id":"promo","name":"Promo","window":{{"start":"2020-01-01T00:00:00Z",)"
            R"("end":"2099-01-01T00:00:00Z"}},"targets":{{"all":true}},"items":[{{"asset":"a.mp4","sha256":"{}"}}]}})",
            std::string(64, 'e')));
    EXPECT_EQ(sha.status, 400) << sha.text;
    EXPECT_NE(sha.error_message().find("items[0].sha256"), std::string::npos) << sha.text;
    EXPECT_EQ(count_rows("SELECT count(*) FROM campaigns"), 0);
}

TEST_F(CampaignTest, AnIdThatDiffersFromTheUrlOrIsNotAnIdIs400) {
    const auto mismatch = put_json("fest", campaign_json("other", R"({"all":true})"));
    EXPECT_EQ(mismatch.status, 400) << mismatch.text;
    EXPECT_NE(mismatch.error_message().find("other"), std::string::npos) << mismatch.text;
    const std::string_view bad_ids[] = {"a;drop",
                                        "a%3Bdrop",
                                        "Fest",
                                        "-fest",
                                        "x%27)%3B%20DROP%20TABLE%20campaigns%3B--",
                                        "..",
                                        "%2E%2E%2Fscreens",
                                        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"};
    for (const std::string_view id : bad_ids) {
        SCOPED_TRACE(std::string{id});
        const auto refused = put_json(id, campaign_json("a", R"({"all":true})"));
        EXPECT_EQ(refused.status, 400) << refused.text;
        EXPECT_EQ(refused.error_code(), "invalid_input") << refused.text;
    }
    const auto semicolon = call(http::verb::get, "/v1/campaigns/a;drop", m_hub.marketer_token());
    EXPECT_EQ(semicolon.status, 404) << semicolon.text;
    EXPECT_EQ(count_rows("SELECT count(*) FROM campaigns"), 0);
    EXPECT_EQ(count_rows("SELECT count(*) FROM sqlite_master WHERE name = 'campaigns'"), 1);
}

TEST_F(CampaignTest, PreviewShowsPicksWhetherShownAndTheJoinCodes) {
    ASSERT_EQ(put_campaign("fest").status, 201);
    const auto preview =
        call(http::verb::get, "/v1/campaigns/fest/preview?screen=s1&count=3", m_hub.marketer_token());
    ASSERT_EQ(preview.status, 200) << preview.text;
    EXPECT_EQ(preview.body.at("campaign").as_string(), "fest");
    EXPECT_EQ(preview.body.at("screen").as_string(), "s1");
    EXPECT_TRUE(preview.body.at("shown").as_bool());
    EXPECT_EQ(preview.body.at("eligible"), (boost::json::array{"fest"}));
    const auto& picks = preview.body.at("picks").as_array();
    ASSERT_EQ(picks.size(), 3U) << preview.text;
    EXPECT_EQ(picks[0].at("campaign").as_string(), "fest");
    for (const auto& pick : picks) EXPECT_TRUE(pick.as_object().contains("start"));
    EXPECT_EQ(picks[1].at("asset").as_string(), "poster.png");
    EXPECT_EQ(picks[1].at("duration_ms").to_number<int>(), 5000);
    const auto& joins = preview.body.at("join").as_array();
    ASSERT_EQ(joins.size(), 5U) << preview.text;
    for (const auto& join : joins) {
        EXPECT_EQ(join.at("code").as_string().size(), 6U);
        EXPECT_TRUE(join.as_object().contains("valid_until"));
    }
    EXPECT_EQ(call(http::verb::get, "/v1/campaigns/fest/preview?screen=s1", m_hub.marketer_token())
                  .body.at("picks")
                  .as_array()
                  .size(),
              10U)
        << "ten picks by default";

    // Before the window: the screen shows its fallback.
    const auto early =
        call(http::verb::get, "/v1/campaigns/fest/preview?screen=s1&at=2019-06-01T00:00:00Z&count=1",
             m_hub.marketer_token());
    ASSERT_EQ(early.status, 200) << early.text;
    EXPECT_FALSE(early.body.at("shown").as_bool());
    EXPECT_TRUE(early.body.at("picks").at(0).at("campaign").is_null()) << early.text;
    EXPECT_EQ(early.body.at("at").as_string(), "2019-06-01T00:00:00.000Z");
    // A screen it does not target shows no code for it.
    const auto other = call(http::verb::get, "/v1/campaigns/fest/preview?screen=s3", m_hub.marketer_token());
    ASSERT_EQ(other.status, 200) << other.text;
    EXPECT_FALSE(other.body.at("shown").as_bool());
    EXPECT_TRUE(other.body.at("join").as_array().empty());
    // Codes differ per screen.
    EXPECT_NE(current_code("fest", "s1", ChannelKind::line), current_code("fest", "s2", ChannelKind::line));

    for (const std::string_view query :
         {"", "screen=", "screen=s1&screen=s2", "screen=s1&at=yesterday", "screen=s1&at=2026-13-01T00:00:00Z",
          "screen=s1&count=0", "screen=s1&count=101", "screen=s1&count=ten",
          "screen=s1&at=2026-01-01T00:00:00Z&at=2026-01-02T00:00:00Z"}) {
        SCOPED_TRACE(std::string{query});
        const auto bad = call(http::verb::get, fmt::format("/v1/campaigns/fest/preview?{}", query),
                              m_hub.marketer_token());
        EXPECT_TRUE(bad.status == 400 || bad.status == 404) << bad.text;
        EXPECT_FALSE(bad.error_code().empty()) << bad.text;
        EXPECT_EQ(bad.status, query == "screen=" ? 404U : 400U) << bad.text;
    }
    EXPECT_EQ(
        call(http::verb::get, "/v1/campaigns/fest/preview?screen=nowhere", m_hub.marketer_token()).status,
        404);
    EXPECT_EQ(call(http::verb::get, "/v1/campaigns/none/preview?screen=s1", m_hub.marketer_token()).status,
              404);
}

TEST_F(CampaignTest, TheOnePercentRuleRefusesTooManyFourDigitSlotsAndStoresNothing) {
    // 101 screens: 100 tagged "big", all of them tagged "huge".
    for (int i = 0; i < 101; ++i) {
        const std::string id = fmt::format("b{:03}", i);
        const std::string tags = i < 100 ? R"(["big","huge"])" : R"(["huge"])";
        const auto put = call_text(
            http::verb::put, "/v1/screens/" + id, m_hub.operator_token(),
            fmt::format(R"({{"id":"{}","station":"st{}","line":"9","timezone":"Asia/Seoul","tags":{}}})", id,
                        i, tags),
            "application/json");
        ASSERT_EQ(put.status, 201) << put.text;
    }
    const std::string four =
        R"({"channels":["line-test","generic-test"],"prompt":"{code}","code":{"digits":4}})";
    const auto refused = put_json("crowd", campaign_json("crowd", R"({"tags":["huge"]})", four));
    ASSERT_EQ(refused.status, 409) << refused.text;
    EXPECT_EQ(refused.error_code(), "conflict");
    EXPECT_NE(refused.error_message().find("1%"), std::string::npos) << refused.text;
    EXPECT_EQ(call(http::verb::get, "/v1/campaigns/crowd", m_hub.marketer_token()).status, 404);
    EXPECT_EQ(count_rows("SELECT count(*) FROM campaigns"), 0);
    EXPECT_EQ(count_rows("SELECT count(*) FROM join_slots"), 0);
    EXPECT_TRUE(join_space(ChannelKind::line).slots.empty());

    // Exactly 1% is allowed.
    const auto allowed = put_json("crowd", campaign_json("crowd", R"({"tags":["big"]})", four));
    ASSERT_EQ(allowed.status, 201) << allowed.text;
    EXPECT_EQ(join_space(ChannelKind::line).slots.size(), 100U);
    // A screen whose tags would push it past 1% is refused and not stored either.
    const auto screen =
        call_text(http::verb::put, "/v1/screens/b100", m_hub.operator_token(),
                  R"({"id":"b100","station":"st100","line":"9","timezone":"Asia/Seoul","tags":["big"]})",
                  "application/json");
    EXPECT_EQ(screen.status, 409) << screen.text;
    EXPECT_EQ(call(http::verb::get, "/v1/screens/b100", m_hub.operator_token())
                  .body.at("screen")
                  .at("tags")
                  .as_array()
                  .size(),
              1U)
        << "b100 keeps its old tags";
    EXPECT_EQ(join_space(ChannelKind::line).slots.size(), 100U);
    // Six digits make room for all of them.
    const std::string six = R"({"channels":["line-test"],"prompt":"{code}"})";
    const auto wide = put_json("crowd", campaign_json("crowd", R"({"tags":["huge"]})", six));
    EXPECT_EQ(wide.status, 200) << wide.text;
    EXPECT_EQ(join_space(ChannelKind::line).slots.size(), 101U);
}

}  // namespace
}  // namespace dwell::test
