// What the webhook routes do with input that is wrong, forged, repeated or hostile: refuse it
// with a clear JSON error, or take it as plain data, and in either case store nothing it should not.
#include <thread>

#include <fmt/format.h>

#include "sync/messenger/names.hpp"
#include "tests/integration/hub/feed_client.hpp"
#include "tests/integration/hub/hub_fixture.hpp"

namespace dwell::test {
namespace {

using namespace std::chrono_literals;
using config::ChannelKind;
using sync::messenger::OutgoingText;

class BadInputTest : public HubTest {
  protected:
    void SetUp() override {
        HubTest::SetUp();
        stage();
    }

    // What must hold after input that changes nothing: no join, no remembered event.
    void expect_nothing_stored() {
        EXPECT_EQ(count_rows("SELECT count(*) FROM joins"), 0);
        EXPECT_EQ(count_rows("SELECT count(*) FROM webhook_events"), 0);
        const auto totals = report("campaign=fest&by=screen");
        ASSERT_EQ(totals.status, 200) << totals.text;
        EXPECT_EQ(totals.body.at("total").at("joins").as_int64(), 0) << totals.text;
    }

    static void expect_json_error(const JsonResponse& response, unsigned status, std::string_view code) {
        EXPECT_EQ(response.status, status) << response.text;
        EXPECT_EQ(response.header("Content-Type"), "application/json") << response.text;
        EXPECT_EQ(response.error_code(), code) << response.text;
        EXPECT_FALSE(response.error_message().empty()) << response.text;
    }

    // A code that is valid at no assigned slot of the channel at `at` (now and the step before);
    // a different one for each `nth`.
    std::string wrong_code(ChannelKind kind, config::WallTime at, std::uint64_t nth = 0) {
        const JoinSpace space = join_space(kind);
        auto codes = content::JoinCodeSpace::create(space.secret, 6, 60s);
        if (!codes) throw std::runtime_error(codes.error().message);
        for (std::uint64_t value = 123456 + nth * 104729;; value += 7919) {
            const std::string code = codes->format_code(value % 1'000'000);
            if (!decodes_to_assigned(*codes, space, code, at)) return code;
        }
    }

    static bool decodes_to_assigned(const content::JoinCodeSpace& codes, const JoinSpace& space,
                                    const std::string& code, config::WallTime at) {
        const auto candidates = codes.decode_at(code, at);
        if (!candidates) return false;
        for (const auto& candidate : *candidates)
            for (const auto& [owner, slot] : space.slots)
                if (slot == candidate.slot) return true;
        return false;
    }
};

// ---- authenticity ----------------------------------------------------------------------------

class SignatureTest : public BadInputTest, public ::testing::WithParamInterface<ChannelKind> {};

TEST_P(SignatureTest, AWrongOrMissingSignatureIs401AndStoresNothing) {
    const ChannelKind kind = GetParam();
    const std::string body =
        sync::messenger::compose_webhook(kind, std::vector{message(1, 1, current_code("fest", "s1", kind))});
    std::string content_type;
    const auto genuine = signed_fields(kind, body, &content_type);
    ASSERT_EQ(genuine.size(), 1U);
    const std::string header = genuine[0].first;

    // Signed with another secret.
    const auto forged_headers = sync::messenger::sign_webhook(kind, "not-the-channel-secret", body);
    sync::net::Fields forged;
    for (const auto& [name, value] : forged_headers)
        if (name != "Content-Type") forged.emplace_back(name, value);
    expect_json_error(call_text(http::verb::post, webhook_target(kind), {}, body, content_type, forged), 401,
                      "unauthorized");
    // No signature at all.
    expect_json_error(call_text(http::verb::post, webhook_target(kind), {}, body, content_type), 401,
                      "unauthorized");
    // The genuine signature over another body: the signature covers the raw bytes (Telegram's
    // secret token is a constant and signs nothing).
    int refused = 2;
    if (kind != ChannelKind::telegram) {
        std::string tampered = body;
        tampered.insert(tampered.size() - 1, " ");
        expect_json_error(
            call_text(http::verb::post, webhook_target(kind), {}, tampered, content_type, genuine), 401,
            "unauthorized");
        ++refused;
    }
    // The header twice, the genuine one among them.
    auto doubled = genuine;
    doubled.emplace_back(header, forged.empty() ? "x" : forged[0].second);
    expect_json_error(call_text(http::verb::post, webhook_target(kind), {}, body, content_type, doubled), 401,
                      "unauthorized");
    ++refused;

    expect_nothing_stored();
    const std::string text = metrics();
    EXPECT_EQ(metric(text, fmt::format(R"(dwell_hub_webhooks_total{{channel="{}",result="bad_signature"}})",
                                       test_channel(kind))),
              refused)
        << text;
    EXPECT_EQ(metric(text, R"(dwell_hub_joins_total)"), 0);

    // The genuine request still goes through afterwards.
    const auto good = call_text(http::verb::post, webhook_target(kind), {}, body, content_type, genuine);
    EXPECT_EQ(good.status, 200) << good.text;
    EXPECT_EQ(joins_of(report("campaign=fest&by=screen"), "s1"), 1);
}

INSTANTIATE_TEST_SUITE_P(SignedPlatforms, SignatureTest,
                         ::testing::Values(ChannelKind::line, ChannelKind::telegram, ChannelKind::whatsapp,
                                           ChannelKind::generic),
                         [](const auto& param_info) {
                             return std::string{config::to_string(param_info.param)};
                         });

TEST_F(BadInputTest, LinesSignatureHeaderNameIsCaseInsensitive) {
    const std::string body = sync::messenger::compose_webhook(
        ChannelKind::line, std::vector{message(1, 1, current_code("fest", "s1", ChannelKind::line))});
    std::string content_type;
    auto fields = signed_fields(ChannelKind::line, body, &content_type);
    fields[0].first = "X-Line-Signature";
    const auto reply =
        call_text(http::verb::post, webhook_target(ChannelKind::line), {}, body, content_type, fields);
    ASSERT_EQ(reply.status, 200) << reply.text;
    EXPECT_EQ(reply.body.at("results").at(0).at("outcome").as_string(), "joined");
}

TEST_F(BadInputTest, KakaoWithoutOrWithAWrongPathSecretIs401) {
    const std::string body = sync::messenger::compose_webhook(
        ChannelKind::kakao, std::vector{message(0, 5, current_code("fest", "s1", ChannelKind::kakao))});
    const std::string bare = "/v1/webhooks/kakao/kakao-test";
    expect_json_error(call_text(http::verb::post, bare, {}, body, "application/json"), 401, "unauthorized");
    std::string wrong = m_hub.secret(ChannelKind::kakao);
    wrong.back() = wrong.back() == 'x' ? 'y' : 'x';
    expect_json_error(call_text(http::verb::post, bare + "/" + wrong, {}, body, "application/json"), 401,
                      "unauthorized");
    expect_json_error(call_text(http::verb::post, bare + "/" + m_hub.secret(ChannelKind::kakao).substr(1), {},
                                body, "application/json"),
                      401, "unauthorized");
    expect_nothing_stored();
    EXPECT_EQ(metric(metrics(), R"(dwell_hub_webhooks_total{channel="kakao-test",result="bad_signature"})"),
              3);

    const auto good = call_text(http::verb::post, bare + "/" + m_hub.secret(ChannelKind::kakao), {}, body,
                                "application/json");
    ASSERT_EQ(good.status, 200) << good.text;
    EXPECT_EQ(good.body.at("template").at("outputs").at(0).at("simpleText").at("text").as_string(),
              "thanks fest");
}

// ---- repeats ---------------------------------------------------------------------------------

TEST_F(BadInputTest, AReplayedEventIsAcknowledgedAndCountedOnce) {
    const std::string body = sync::messenger::compose_webhook(
        ChannelKind::line, std::vector{message(77, 7, current_code("fest", "s1", ChannelKind::line))});
    const auto first = post_signed(ChannelKind::line, body);
    ASSERT_EQ(first.status, 200) << first.text;
    ASSERT_EQ(first.body.at("results").at(0).at("outcome").as_string(), "joined");
    // The platform redelivers the very same body (e.g. it missed our 200).
    for (int i = 0; i < 2; ++i) {
        const auto replay = post_signed(ChannelKind::line, body);
        ASSERT_EQ(replay.status, 200) << replay.text;
        EXPECT_EQ(replay.body.at("results").at(0).at("outcome").as_string(), "duplicate") << replay.text;
    }
    const auto totals = report("campaign=fest&by=screen");
    EXPECT_EQ(joins_of(totals, "s1"), 1) << totals.text;
    EXPECT_EQ(count_rows("SELECT count(*) FROM joins"), 1);
    const std::string text = metrics();
    EXPECT_EQ(metric(text, R"(dwell_hub_webhook_messages_total{channel="line-test",outcome="duplicate"})"),
              2);
    EXPECT_EQ(metric(text, R"(dwell_hub_webhook_messages_total{channel="line-test",outcome="joined"})"), 1);
    EXPECT_EQ(metric(text, "dwell_hub_joins_total"), 1);

    // A Telegram update_id seen before is the same retry, whatever the text says now.
    const std::string code = current_code("fest", "s2", ChannelKind::telegram);
    ASSERT_EQ(post_one(ChannelKind::telegram, message(500, 9, code)).status, 200);
    const auto retried = post_one(ChannelKind::telegram, message(500, 10, code));
    ASSERT_EQ(retried.status, 200) << retried.text;
    EXPECT_EQ(joins_of(report("campaign=fest&by=screen"), "s2"), 1);
    // One channel's event ids do not collide with another's.
    const auto other =
        post_one(ChannelKind::generic, message(77, 7, current_code("fest", "s2", ChannelKind::generic)));
    EXPECT_EQ(other.body.at("results").at(0).at("outcome").as_string(), "joined") << other.text;
}

// ---- malformed bodies ------------------------------------------------------------------------

TEST_F(BadInputTest, MalformedJsonIs400WithAJsonError) {
    for (const ChannelKind kind : {ChannelKind::line, ChannelKind::telegram, ChannelKind::kakao,
                                   ChannelKind::whatsapp, ChannelKind::generic}) {
        SCOPED_TRACE(std::string{config::to_string(kind)});
        expect_json_error(post_signed(kind, R"({"events":[{"type":"message",)"), 400, "invalid_input");
        expect_json_error(post_signed(kind, "not json at all"), 400, "invalid_input");
        expect_json_error(post_signed(kind, ""), 400, "invalid_input");
        expect_json_error(post_signed(kind, "[1,2,3]"), 400, "invalid_input");
        // Invalid UTF-8 inside a string.
        expect_json_error(post_signed(kind, "{\"events\":[\"\xff\xfe\"]}"), 400, "invalid_input");
    }
    // The right JSON in the wrong shape.
    expect_json_error(post_signed(ChannelKind::line, R"({"destination":"U0","events":{}})"), 400,
                      "invalid_input");
    expect_json_error(post_signed(ChannelKind::generic, R"({"messages":[]})"), 400, "invalid_input");
    expect_json_error(post_signed(ChannelKind::telegram, R"({"update_id":"12","message":{}})"), 400,
                      "invalid_input");
    expect_json_error(post_signed(ChannelKind::whatsapp, R"({"object":"page","entry":[]})"), 400,
                      "invalid_input");
    // Nested beyond reason.
    expect_json_error(post_signed(ChannelKind::line, std::string(5000, '[') + std::string(5000, ']')), 400,
                      "invalid_input");
    expect_nothing_stored();
    EXPECT_GE(metric(metrics(), R"(dwell_hub_webhooks_total{channel="line-test",result="malformed"})"), 7);
}

TEST_F(BadInputTest, ABrokenEventIsSkippedWhileTheRestOfTheBodyCounts) {
    const std::string code = current_code("fest", "s1", ChannelKind::generic);
    const std::string body = fmt::format(
        R"({{"events":[{{"id":"e1","user":"u1","text":42}},{{"id":"e2","user":"u2","text":"{}"}},{{"user":"u3","text":"x"}}]}})",
        code);
    const auto reply = post_signed(ChannelKind::generic, body);
    ASSERT_EQ(reply.status, 200) << reply.text;
    const auto& results = reply.body.at("results").as_array();
    ASSERT_EQ(results.size(), 1U) << reply.text;
    EXPECT_EQ(results[0].at("event_id").as_string(), "e2");
    EXPECT_EQ(results[0].at("outcome").as_string(), "joined");
}

TEST_F(BadInputTest, AWrongContentTypeIs415) {
    const std::string body = sync::messenger::compose_webhook(
        ChannelKind::line, std::vector{message(1, 1, current_code("fest", "s1", ChannelKind::line))});
    std::string content_type;
    const auto fields = signed_fields(ChannelKind::line, body, &content_type);
    // An empty type makes HttpClient leave the field out.
    for (const std::string_view type :
         {"text/plain", "application/x-www-form-urlencoded", "application/jsonp", ""}) {
        SCOPED_TRACE(std::string{type});
        expect_json_error(
            call_text(http::verb::post, webhook_target(ChannelKind::line), {}, body, type, fields), 415,
            "unsupported_media_type");
    }
    // Parameters and case do not matter.
    const auto charset = call_text(http::verb::post, webhook_target(ChannelKind::line), {}, body,
                                   "Application/JSON; charset=UTF-8", fields);
    EXPECT_EQ(charset.status, 200) << charset.text;
    EXPECT_EQ(count_rows("SELECT count(*) FROM joins"), 1);
}

TEST_F(BadInputTest, AnUnknownChannelOrAKindMismatchIs404) {
    const std::string line_body = sync::messenger::compose_webhook(
        ChannelKind::line, std::vector{message(1, 1, current_code("fest", "s1", ChannelKind::line))});
    std::string content_type;
    const auto fields = signed_fields(ChannelKind::line, line_body, &content_type);
    expect_json_error(
        call_text(http::verb::post, "/v1/webhooks/line/line-nowhere", {}, line_body, content_type, fields),
        404, "not_found");
    // A LINE body, signed with the LINE secret, sent to the Telegram channel's URL under either kind.
    expect_json_error(
        call_text(http::verb::post, "/v1/webhooks/line/telegram-test", {}, line_body, content_type, fields),
        404, "not_found");
    expect_json_error(
        call_text(http::verb::post, "/v1/webhooks/telegram/line-test", {}, line_body, content_type, fields),
        404, "not_found");
    expect_json_error(
        call_text(http::verb::post, "/v1/webhooks/kakao/line-test/" + m_hub.secret(ChannelKind::kakao), {},
                  line_body, "application/json"),
        404, "not_found");
    // A platform the hub does not speak.
    expect_json_error(
        call_text(http::verb::post, "/v1/webhooks/viber/line-test", {}, line_body, content_type, fields), 404,
        "not_found");
    expect_nothing_stored();
    // Four reached a webhook route (the made-up platform has none).
    EXPECT_EQ(metric_sum(metrics(), "dwell_hub_webhooks_total", R"(result="unknown_channel")"), 4);
}

TEST_F(BadInputTest, PostsToUnknownChannelsDoNotGrowTheMetricsWithoutBound) {
    const std::size_t before = metrics().size();
    for (int i = 0; i < 300; ++i) {
        const auto refused = call_text(http::verb::post, fmt::format("/v1/webhooks/line/probe-{:04}", i), {},
                                       "{}", "application/json");
        ASSERT_EQ(refused.status, 404) << refused.text;
    }
    const std::string text = metrics();
    std::size_t series = 0;
    for (std::size_t at = text.find("result=\"unknown_channel\""); at != std::string::npos;
         at = text.find("result=\"unknown_channel\"", at + 1))
        ++series;
    EXPECT_LE(series, 1U) << "each made-up channel name became its own time series (" << series
                          << "); /metrics grew from " << before << " to " << text.size() << " bytes";
}

// ---- codes -----------------------------------------------------------------------------------

TEST_F(BadInputTest, AnExpiredOrWrongCodeIsNoJoinAndIsCountedAsWrongCode) {
    const JoinSpace space = join_space(ChannelKind::line);
    ASSERT_EQ(space.slots.size(), 2U);
    auto codes = content::JoinCodeSpace::create(space.secret, 6, 60s);
    ASSERT_TRUE(codes) << codes.error().message;
    const std::uint64_t slot = space.slots.at({"fest", "s1"});

    const auto now = wall_now();
    // s1's code three periods ago: it was shown, but is no longer accepted.
    std::string expired;
    for (int back = 3;; ++back) {
        expired = *codes->code_for(slot, now - back * 60s);
        if (!decodes_to_assigned(*codes, space, expired, now)) break;
    }
    // What preview says s1 shows now agrees with what the screen computes from its slot.
    EXPECT_EQ(code_at("fest", "s1", ChannelKind::line, now), *codes->code_for(slot, now));

    const auto stale = post_one(ChannelKind::line, OutgoingText{1, 1, "", expired, now});
    ASSERT_EQ(stale.status, 200) << stale.text;
    EXPECT_EQ(stale.body.at("results").at(0).at("outcome").as_string(), "wrong_code") << stale.text;
    const auto wrong =
        post_one(ChannelKind::line, OutgoingText{2, 2, "", wrong_code(ChannelKind::line, now), now});
    ASSERT_EQ(wrong.status, 200) << wrong.text;
    EXPECT_EQ(wrong.body.at("results").at(0).at("outcome").as_string(), "wrong_code") << wrong.text;
    EXPECT_FALSE(wrong.body.at("results").at(0).as_object().contains("screen"));

    EXPECT_EQ(count_rows("SELECT count(*) FROM joins"), 0);
    EXPECT_EQ(report("campaign=fest&by=screen").body.at("total").at("joins").as_int64(), 0);
    EXPECT_EQ(
        metric(metrics(), R"(dwell_hub_webhook_messages_total{channel="line-test",outcome="wrong_code"})"),
        2);

    // The code of the step just before is still accepted (a person who read it as it changed).
    const auto previous = *codes->code_for(slot, now - 60s);
    const auto late = post_one(ChannelKind::line, OutgoingText{3, 3, "", previous, now});
    EXPECT_EQ(late.body.at("results").at(0).at("outcome").as_string(), "joined") << late.text;
}

TEST_F(BadInputTest, ACodeOfACampaignOutsideItsWindowIsNoJoin) {
    // Screens stop showing a campaign's code when its window ends (and show none before it starts).
    const auto instant = [](config::WallTime at) {
        const auto seconds = std::chrono::floor<std::chrono::seconds>(at);
        const auto day = std::chrono::floor<std::chrono::days>(seconds);
        const std::chrono::year_month_day ymd{day};
        const std::chrono::hh_mm_ss time{seconds - day};
        return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", static_cast<int>(ymd.year()),
                           static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                           time.hours().count(), time.minutes().count(), time.seconds().count());
    };
    const auto now = wall_now();
    const auto put = [&](std::string_view id, config::WallTime start, config::WallTime end) {
        return call_text(
            http::verb::put, fmt::format("/v1/campaigns/{}", id), m_hub.marketer_token(),
            fmt::format(
                R"({{"id":"{}","name":"{}","window":{{"start":"{}","end":"{}"}},"targets":{{"stations":["gangnam"]}},)"
                R"("items":[{{"asset":"poster.png","duration":"5s"}}],"join":{{"channels":["line-test"],"prompt":"{{code}}"}}}})",
                id, id, instant(start), instant(end)),
            "application/json");
    };
    ASSERT_EQ(put("ended", now - 48h, now - 1h).status, 201);
    ASSERT_EQ(put("upcoming", now + 24h, now + 48h).status, 201);
    const JoinSpace space = join_space(ChannelKind::line);
    auto codes = content::JoinCodeSpace::create(space.secret, 6, 60s);
    ASSERT_TRUE(codes);
    for (const std::string campaign : {"ended", "upcoming"}) {
        SCOPED_TRACE(campaign);
        ASSERT_TRUE(space.slots.contains({campaign, "s3"}));
        const std::string code = *codes->code_for(space.slots.at({campaign, "s3"}), now);
        const auto reply =
            post_one(ChannelKind::line, OutgoingText{campaign.size(), campaign.size(), "", code, now});
        ASSERT_EQ(reply.status, 200) << reply.text;
        EXPECT_EQ(reply.body.at("results").at(0).at("outcome").as_string(), "wrong_code") << reply.text;
        EXPECT_EQ(
            report(fmt::format("campaign={}&by=screen", campaign)).body.at("total").at("joins").as_int64(),
            0);
    }
}

TEST_F(BadInputTest, GuessesInOneBodyMeetTheRateLimitAsTheyWouldOneByOne) {
    const std::uint64_t guesser = 777;
    const auto now = wall_now();
    std::vector<OutgoingText> guesses;
    for (std::uint64_t i = 0; i < 7; ++i)
        guesses.push_back(OutgoingText{200 + i, guesser, "", wrong_code(ChannelKind::line, now, i), now});
    guesses.push_back(OutgoingText{207, guesser, "", current_code("fest", "s1", ChannelKind::line), now});
    const auto reply = post_webhook(ChannelKind::line, guesses);
    ASSERT_EQ(reply.status, 200) << reply.text;
    const auto& results = reply.body.at("results").as_array();
    ASSERT_EQ(results.size(), 8U) << reply.text;
    for (std::size_t i = 0; i < results.size(); ++i)
        EXPECT_EQ(results[i].at("outcome").as_string(), i < 5 ? "wrong_code" : "rate_limited")
            << "message " << i << ": " << reply.text;
    EXPECT_EQ(joins_of(report("campaign=fest&by=screen"), "s1"), 0) << "the right code came too late";

    // The same body again is a replay: the platform's retry counts nothing twice.
    const auto replay = post_webhook(ChannelKind::line, guesses);
    ASSERT_EQ(replay.status, 200) << replay.text;
    for (const auto& result : replay.body.at("results").as_array())
        EXPECT_EQ(result.at("outcome").as_string(), "duplicate") << replay.text;
}

TEST_F(BadInputTest, ASenderIsRateLimitedAfterFiveWrongCodes) {
    const std::uint64_t guesser = 666;
    for (std::uint64_t i = 0; i < 5; ++i) {
        const auto now = wall_now();
        const auto reply =
            post_one(ChannelKind::line,
                     OutgoingText{100 + i, guesser, "", wrong_code(ChannelKind::line, now, i), now});
        ASSERT_EQ(reply.status, 200) << reply.text;
        EXPECT_EQ(reply.body.at("results").at(0).at("outcome").as_string(), "wrong_code") << "guess " << i;
    }
    // The sixth message, even with the right code, is ignored.
    const auto blocked =
        post_one(ChannelKind::line, message(106, guesser, current_code("fest", "s1", ChannelKind::line)));
    ASSERT_EQ(blocked.status, 200) << blocked.text;
    EXPECT_EQ(blocked.body.at("results").at(0).at("outcome").as_string(), "rate_limited") << blocked.text;
    const auto chat = post_one(ChannelKind::line, message(107, guesser, "please"));
    EXPECT_EQ(chat.body.at("results").at(0).at("outcome").as_string(), "rate_limited") << chat.text;

    // Someone else is not affected, and neither is the same platform id on another channel.
    const auto other =
        post_one(ChannelKind::line, message(108, guesser + 1, current_code("fest", "s1", ChannelKind::line)));
    EXPECT_EQ(other.body.at("results").at(0).at("outcome").as_string(), "joined") << other.text;
    const auto elsewhere = post_one(ChannelKind::generic,
                                    message(109, guesser, current_code("fest", "s1", ChannelKind::generic)));
    EXPECT_EQ(elsewhere.body.at("results").at(0).at("outcome").as_string(), "joined") << elsewhere.text;

    const auto totals = report("campaign=fest&by=screen");
    EXPECT_EQ(joins_of(totals, "s1"), 2) << totals.text;
    const std::string text = metrics();
    EXPECT_EQ(metric(text, R"(dwell_hub_webhook_messages_total{channel="line-test",outcome="wrong_code"})"),
              5);
    EXPECT_EQ(metric(text, R"(dwell_hub_webhook_messages_total{channel="line-test",outcome="rate_limited"})"),
              2);

    // Kakao replies tell the blocked person to wait.
    for (std::uint64_t i = 0; i < 5; ++i) {
        const auto now = wall_now();
        const auto reply =
            post_one(ChannelKind::kakao, OutgoingText{0, 4, "", wrong_code(ChannelKind::kakao, now, i), now});
        ASSERT_EQ(reply.status, 200) << reply.text;
    }
    const auto kakao =
        post_one(ChannelKind::kakao, message(0, 4, current_code("fest", "s1", ChannelKind::kakao)));
    ASSERT_EQ(kakao.status, 200) << kakao.text;
    EXPECT_NE(kakao.body.at("template").at("outputs").at(0).at("simpleText").at("text").as_string(),
              "thanks fest");
    EXPECT_EQ(count_rows("SELECT count(*) FROM joins WHERE channel = 'kakao-test'"), 0);
}

// ---- hostile text is data ----------------------------------------------------------------------

TEST_F(BadInputTest, QuotesAndSqlInPlatformIdsAndNamesAreJustData) {
    const std::string code = current_code("fest", "s1", ChannelKind::line);
    const std::string user = R"(U'); DROP TABLE joins; --")";
    const std::int64_t ms = wall_now().time_since_epoch().count();
    const auto line_event = [&](std::string_view id, std::string_view text) {
        return boost::json::object{
            {"type", "message"},
            {"mode", "active"},
            {"timestamp", ms},
            {"source", boost::json::object{{"type", "user"}, {"userId", user}}},
            {"webhookEventId", id},
            {"deliveryContext", boost::json::object{{"isRedelivery", false}}},
            {"replyToken", "r"},
            {"message", boost::json::object{{"id", "1"}, {"type", "text"}, {"text", text}}}};
    };
    const std::string body = boost::json::serialize(
        boost::json::object{{"destination", "U0"},
                            {"events", boost::json::array{line_event("e1'; DELETE FROM joins; --", code),
                                                          line_event("e2\" OR \"1\"=\"1", code)}}});
    const auto reply = post_signed(ChannelKind::line, body);
    ASSERT_EQ(reply.status, 200) << reply.text;
    const auto& results = reply.body.at("results").as_array();
    ASSERT_EQ(results.size(), 2U) << reply.text;
    EXPECT_EQ(results[0].at("outcome").as_string(), "joined");
    EXPECT_EQ(results[0].at("event_id").as_string(), "e1'; DELETE FROM joins; --");
    EXPECT_EQ(results[1].at("outcome").as_string(), "repeat") << "the same user id is the same person";

    const auto stored = column("SELECT event_id FROM joins");
    ASSERT_EQ(stored.size(), 1U);
    EXPECT_EQ(stored[0], "e1'; DELETE FROM joins; --");
    // People are kept pseudonymously: the platform id never reaches the database.
    const auto people = column("SELECT person FROM joins");
    ASSERT_EQ(people.size(), 1U);
    EXPECT_EQ(people[0].size(), 64U);
    EXPECT_EQ(people[0].find_first_not_of("0123456789abcdef"), std::string::npos) << people[0];
    EXPECT_EQ(count_rows("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'joins'"), 1);

    // A display name full of SQL only gets masked on the screen; the join goes through.
    const auto status = call(http::verb::get, "/v1/screens/s2", m_hub.operator_token());
    FeedClient s2{m_hub.port(), "s2", m_devices.at("s2"),
                  status.body.at("last_seq").to_number<std::uint64_t>()};
    const std::string name = "Robert'); DROP TABLE joins;--";
    const auto generic =
        post_one(ChannelKind::generic, message(5, 5, current_code("fest", "s2", ChannelKind::generic), name));
    ASSERT_EQ(generic.status, 200) << generic.text;
    EXPECT_EQ(generic.body.at("results").at(0).at("outcome").as_string(), "joined") << generic.text;
    const auto shown = s2.next_of("join", nullptr);
    ASSERT_TRUE(shown) << "s2 got no join event";
    EXPECT_EQ(shown->at("name").as_string(), sync::messenger::mask_display_name(name));
    EXPECT_EQ(shown->at("name").as_string().size(), name.size())
        << "first and last character, the rest hidden";
    EXPECT_EQ(shown->at("name").as_string().front(), 'R');
    EXPECT_EQ(count_rows("SELECT count(*) FROM joins"), 2);
    const auto totals = report("campaign=fest&by=screen");
    EXPECT_EQ(joins_of(totals, "s1"), 1) << totals.text;
    EXPECT_EQ(joins_of(totals, "s2"), 1) << totals.text;
}

TEST_F(BadInputTest, AnOverlongTextOrIdSkipsOnlyThatEvent) {
    const std::string code = current_code("fest", "s1", ChannelKind::generic);
    const std::string body = boost::json::serialize(boost::json::object{
        {"events", boost::json::array{
                       boost::json::object{{"id", std::string(300, 'i')}, {"user", "u1"}, {"text", code}},
                       boost::json::object{{"id", "ok"}, {"user", std::string(300, 'u')}, {"text", code}},
                       boost::json::object{{"id", "big"}, {"user", "u3"}, {"text", std::string(5000, '1')}},
                       boost::json::object{{"id", "fine"}, {"user", "u4"}, {"text", code}},
                   }}});
    const auto reply = post_signed(ChannelKind::generic, body);
    ASSERT_EQ(reply.status, 200) << reply.text;
    const auto& results = reply.body.at("results").as_array();
    ASSERT_EQ(results.size(), 1U) << reply.text;
    EXPECT_EQ(results[0].at("event_id").as_string(), "fine");
    EXPECT_EQ(count_rows("SELECT count(*) FROM joins"), 1);
}

// ---- limits ----------------------------------------------------------------------------------

class SmallBodyTest : public HubTest {
  protected:
    SmallBodyTest() : HubTest(HubSetup{"limits: { body: 64KiB, upload: 1MiB, request_timeout: 2s }"}) {}
    void SetUp() override {
        HubTest::SetUp();
        stage();
    }
};

TEST_F(SmallBodyTest, AnOversizedWebhookBodyIs413WithAJsonError) {
    // A genuine LINE body of 200 events, about 100 KiB, each event a join attempt.
    const std::string code = current_code("fest", "s1", ChannelKind::line);
    std::vector<OutgoingText> messages;
    for (std::uint64_t i = 0; i < 300; ++i) messages.push_back(message(i + 1, i + 1, code));
    const std::string body = sync::messenger::compose_webhook(ChannelKind::line, messages);
    ASSERT_GT(body.size(), 64U * 1024U);
    std::string content_type;
    const auto fields = signed_fields(ChannelKind::line, body, &content_type);

    // A client that waits for an early answer gets it before sending the body.
    {
        RawConnection raw{m_hub.port()};
        std::string head =
            fmt::format("POST {} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {}\r\nContent-Length: {}\r\n",
                        webhook_target(ChannelKind::line), content_type, body.size());
        for (const auto& [name, value] : fields) head += fmt::format("{}: {}\r\n", name, value);
        ASSERT_TRUE(raw.send(head + "\r\n"));
        const auto response = raw.read_response(10s);
        ASSERT_TRUE(response) << "no response to an oversized Content-Length";
        EXPECT_EQ(response->status, 413U) << response->body;
        EXPECT_EQ(response->field("content-type"), "application/json");
        ASSERT_TRUE(response->json.is_object()) << response->body;
        EXPECT_EQ(response->json.at("error").at("code").as_string(), "payload_too_large");
    }
    // A platform that sends everything at once reads the same answer.
    const auto whole =
        call_text(http::verb::post, webhook_target(ChannelKind::line), {}, body, content_type, fields);
    EXPECT_EQ(whole.status, 413) << whole.text;
    EXPECT_EQ(whole.error_code(), "payload_too_large") << whole.text;

    EXPECT_EQ(count_rows("SELECT count(*) FROM joins"), 0);
    EXPECT_EQ(count_rows("SELECT count(*) FROM webhook_events"), 0);
    // The hub is fine afterwards.
    reconnect();
    const auto small = post_one(ChannelKind::line, message(1000, 1000, code));
    EXPECT_EQ(small.status, 200) << small.text;
}

TEST_F(SmallBodyTest, ASlowClientTimesOutWithoutStarvingOthers) {
    // Connections that send half a request header and stall, more than the hub has threads.
    std::vector<std::unique_ptr<RawConnection>> stalled;
    for (int i = 0; i < 8; ++i) {
        stalled.push_back(std::make_unique<RawConnection>(m_hub.port()));
        ASSERT_TRUE(
            stalled.back()->send("POST /v1/webhooks/line/line-test HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Line-"));
    }
    // Meanwhile everyone else is served: joins, reads and health checks on fresh connections.
    const std::string code = current_code("fest", "s1", ChannelKind::line);
    for (std::uint64_t i = 0; i < 5; ++i) {
        auto client = m_hub.client();
        auto health = client->request(http::verb::get, "/healthz");
        ASSERT_TRUE(health) << health.error().message;
        EXPECT_EQ(health->result_int(), 200U);
    }
    for (std::uint64_t i = 0; i < 5; ++i) {
        const auto reply = post_one(ChannelKind::line, message(i + 1, i + 1, code));
        ASSERT_EQ(reply.status, 200) << reply.text;
    }
    // All of that happened while the stalled connections were still open...
    std::size_t still_open = 0;
    for (auto& connection : stalled) still_open += connection->closed_by_peer() ? 0U : 1U;
    EXPECT_GT(still_open, 0U) << "the stalled connections were closed before the others were served, so this "
                                 "proves nothing about starvation";
    // ...and the hub then closes every one of them on its request timeout (2 s here, 30 s by default).
    for (auto& connection : stalled)
        EXPECT_TRUE(connection->wait_closed(15s)) << "a stalled connection stayed open";
    EXPECT_EQ(joins_of(report("campaign=fest&by=screen"), "s1"), 5);

    // A client that sends a whole header but stalls in the body is cut off the same way.
    RawConnection body_staller{m_hub.port()};
    ASSERT_TRUE(body_staller.send(
        "POST /v1/webhooks/generic/generic-test HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
        "application/json\r\nContent-Length: 1000\r\n\r\n{\"events\":["));
    EXPECT_TRUE(body_staller.wait_closed(15s));
    EXPECT_EQ(count_rows("SELECT count(*) FROM webhook_events WHERE channel = 'generic-test'"), 0);
}

}  // namespace
}  // namespace dwell::test
