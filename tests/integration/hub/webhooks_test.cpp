// Every messenger adapter on loopback with the platforms' documented payload shapes: a code shown
// at a screen becomes a join attributed to that screen, and each platform gets the reply it
// expects (LINE/WhatsApp/generic results, Telegram's sendMessage, Kakao's skill response).
#include <optional>

#include <fmt/format.h>

#include "tests/integration/hub/hub_fixture.hpp"

namespace dwell::test {
namespace {

using config::ChannelKind;
using sync::messenger::OutgoingText;

class WebhookTest : public HubTest {
  protected:
    void SetUp() override {
        HubTest::SetUp();
        stage();
    }
};

// ---- a correct code joins, per platform ------------------------------------------------------

class PlatformJoinTest : public WebhookTest, public ::testing::WithParamInterface<ChannelKind> {};

TEST_P(PlatformJoinTest, ACorrectCodeJoinsAndIsCountedUnderTheScreenAndStationThatShowedIt) {
    const ChannelKind kind = GetParam();
    const std::string code = current_code("fest", "s2", kind);
    const auto reply = post_one(kind, message(41, 4242, code, "Kim Minhyun"));
    ASSERT_EQ(reply.status, 200) << reply.text;
    ASSERT_TRUE(reply.body.is_object()) << reply.text;
    EXPECT_EQ(reply.header("Content-Type"), "application/json");
    const auto& body = reply.body.as_object();
    switch (kind) {
    case ChannelKind::telegram:
        // Telegram takes a method call in the webhook response: the reply goes straight back.
        EXPECT_EQ(body.at("method").as_string(), "sendMessage") << reply.text;
        EXPECT_EQ(body.at("chat_id").to_number<std::int64_t>(), 4242) << reply.text;
        EXPECT_EQ(body.at("text").as_string(), "thanks fest") << reply.text;
        break;
    case ChannelKind::kakao:
        EXPECT_EQ(body.at("version").as_string(), "2.0") << reply.text;
        EXPECT_EQ(body.at("template").at("outputs").at(0).at("simpleText").at("text").as_string(),
                  "thanks fest")
            << reply.text;
        break;
    default: {
        EXPECT_EQ(body.at("received").to_number<int>(), 1) << reply.text;
        const auto& result = body.at("results").at(0).as_object();
        EXPECT_EQ(result.at("event_id").as_string(),
                  sync::messenger::composed_event_id(kind, message(41, 4242, code)));
        EXPECT_EQ(result.at("outcome").as_string(), "joined") << reply.text;
        EXPECT_EQ(result.at("campaign").as_string(), "fest");
        EXPECT_EQ(result.at("screen").as_string(), "s2");
    }
    }

    const auto by_screen = report("campaign=fest&by=screen");
    ASSERT_EQ(by_screen.status, 200) << by_screen.text;
    const auto& rows = by_screen.body.at("rows").as_array();
    ASSERT_EQ(rows.size(), 1U) << by_screen.text;
    EXPECT_EQ(rows[0].at("key").as_string(), "s2");
    EXPECT_EQ(rows[0].at("station").as_string(), "city-hall");
    EXPECT_EQ(rows[0].at("line").as_string(), "2");
    EXPECT_EQ(rows[0].at("joins").as_int64(), 1);
    EXPECT_EQ(rows[0].at("unique_people").as_int64(), 1);
    EXPECT_EQ(by_screen.body.at("total").at("joins").as_int64(), 1);

    const auto by_station = report("campaign=fest&by=station");
    ASSERT_EQ(by_station.status, 200) << by_station.text;
    EXPECT_EQ(joins_of(by_station, "city-hall"), 1) << by_station.text;
    EXPECT_EQ(joins_of(by_station, "seoul"), 0) << by_station.text;

    // Stored under the channel it came through, attributed to s2.
    EXPECT_EQ(count_rows(fmt::format("SELECT count(*) FROM joins WHERE channel = '{}' AND screen = 's2' AND "
                                     "campaign = 'fest'",
                                     test_channel(kind))),
              1);
    EXPECT_EQ(
        metric(metrics(), fmt::format("dwell_hub_webhook_messages_total{{channel=\"{}\",outcome=\"joined\"}}",
                                      test_channel(kind))),
        1);
}

INSTANTIATE_TEST_SUITE_P(Platforms, PlatformJoinTest,
                         ::testing::Values(ChannelKind::line, ChannelKind::telegram, ChannelKind::kakao,
                                           ChannelKind::whatsapp, ChannelKind::generic),
                         [](const auto& param_info) {
                             return std::string{config::to_string(param_info.param)};
                         });

// ---- LINE ----------------------------------------------------------------------------------------

TEST_F(WebhookTest, LinesEmptyEventsProbeGets200AndStoresNothing) {
    const auto reply =
        post_signed(ChannelKind::line, R"({"destination":"U0123456789abcdef0123456789abcdef","events":[]})");
    ASSERT_EQ(reply.status, 200) << reply.text;
    EXPECT_EQ(reply.body.at("received").to_number<int>(), 0);
    EXPECT_TRUE(reply.body.at("results").as_array().empty()) << reply.text;
    EXPECT_EQ(count_rows("SELECT count(*) FROM webhook_events"), 0);
    EXPECT_EQ(count_rows("SELECT count(*) FROM joins"), 0);
    const auto totals = report("by=screen");
    ASSERT_EQ(totals.status, 200) << totals.text;
    EXPECT_EQ(totals.body.at("total").at("joins").as_int64(), 0);
    EXPECT_EQ(metric(metrics(), R"(dwell_hub_webhooks_total{channel="line-test",result="accepted"})"), 1);
}

TEST_F(WebhookTest, SeveralLineEventsInOneBodyEachGetTheirOwnOutcome) {
    const std::string code = current_code("fest", "s1", ChannelKind::line);
    const std::vector<OutgoingText> messages{
        message(1, 7, code),           // joins
        message(2, 7, code),           // the same person again, a new event: acknowledged, not counted
        message(3, 8, "hello there"),  // not a join
    };
    const auto reply = post_webhook(ChannelKind::line, messages);
    ASSERT_EQ(reply.status, 200) << reply.text;
    EXPECT_EQ(reply.body.at("received").to_number<int>(), 3);
    const auto& results = reply.body.at("results").as_array();
    ASSERT_EQ(results.size(), 3U) << reply.text;
    EXPECT_EQ(results[0].at("outcome").as_string(), "joined");
    EXPECT_EQ(results[0].at("screen").as_string(), "s1");
    EXPECT_EQ(results[1].at("outcome").as_string(), "repeat");
    EXPECT_EQ(results[1].at("screen").as_string(), "s1");
    EXPECT_EQ(results[2].at("outcome").as_string(), "not_a_join");
    EXPECT_FALSE(results[2].as_object().contains("screen"));
    for (std::size_t i = 0; i < 3; ++i)
        EXPECT_EQ(results[i].at("event_id").as_string(),
                  sync::messenger::composed_event_id(ChannelKind::line, messages[i]));

    const auto by_screen = report("campaign=fest&by=screen");
    EXPECT_EQ(joins_of(by_screen, "s1"), 1) << by_screen.text;
    EXPECT_EQ(by_screen.body.at("total").at("joins").as_int64(), 1);
    EXPECT_EQ(count_rows("SELECT count(*) FROM joins"), 1);
    // Every event id is remembered, so a redelivery of any of them is recognised.
    EXPECT_EQ(count_rows("SELECT count(*) FROM webhook_events WHERE channel = 'line-test'"), 3);

    // The same person later, with a fresh code from the other screen: still one participation.
    const auto again =
        post_one(ChannelKind::line, message(4, 7, current_code("fest", "s2", ChannelKind::line)));
    ASSERT_EQ(again.status, 200) << again.text;
    EXPECT_EQ(again.body.at("results").at(0).at("outcome").as_string(), "repeat") << again.text;
    EXPECT_EQ(report("campaign=fest&by=screen").body.at("total").at("joins").as_int64(), 1);
}

TEST_F(WebhookTest, LineEventsThatAreNotTextMessagesAreAcknowledgedAndIgnored) {
    const std::string code = current_code("fest", "s1", ChannelKind::line);
    const std::int64_t ms = wall_now().time_since_epoch().count();
    const std::string body = fmt::format(
        R"({{"destination":"U0","events":[)"
        R"({{"type":"follow","mode":"active","timestamp":{0},"source":{{"type":"user","userId":"U1"}},)"
        R"("webhookEventId":"01FOLLOW00000000000000000","deliveryContext":{{"isRedelivery":false}},"replyToken":"r1"}},)"
        R"({{"type":"message","mode":"active","timestamp":{0},"source":{{"type":"user","userId":"U2"}},)"
        R"("webhookEventId":"01STICKER0000000000000000","deliveryContext":{{"isRedelivery":false}},"replyToken":"r2",)"
        R"("message":{{"id":"1","type":"sticker","packageId":"1","stickerId":"1"}}}},)"
        R"({{"type":"message","mode":"active","timestamp":{0},"source":{{"type":"user","userId":"U3"}},)"
        R"("webhookEventId":"01TEXT0000000000000000000","deliveryContext":{{"isRedelivery":false}},"replyToken":"r3",)"
        R"("message":{{"id":"2","type":"text","quoteToken":"q","text":"{1}"}}}}]}})",
        ms, code);
    const auto reply = post_signed(ChannelKind::line, body);
    ASSERT_EQ(reply.status, 200) << reply.text;
    const auto& results = reply.body.at("results").as_array();
    ASSERT_EQ(results.size(), 1U) << reply.text;
    EXPECT_EQ(results[0].at("event_id").as_string(), "01TEXT0000000000000000000");
    EXPECT_EQ(results[0].at("outcome").as_string(), "joined");
    EXPECT_EQ(metric(metrics(), R"(dwell_hub_webhook_messages_total{channel="line-test",outcome="ignored"})"),
              2);
}

TEST_F(WebhookTest, EveryDocumentedFormOfAJoinMessageJoins) {
    const std::string code = current_code("fest", "s1", ChannelKind::line);
    const std::string dashed = code.substr(0, 3) + "-" + code.substr(3);
    const std::vector<OutgoingText> messages{
        message(1, 1, "  " + code + "  "), message(2, 2, code.substr(0, 3) + " " + code.substr(3)),
        message(3, 3, "join " + dashed),   message(4, 4, "JOIN " + code),
        message(5, 5, "참여 " + code),
    };
    const auto reply = post_webhook(ChannelKind::line, messages);
    ASSERT_EQ(reply.status, 200) << reply.text;
    for (const auto& result : reply.body.at("results").as_array())
        EXPECT_EQ(result.at("outcome").as_string(), "joined") << reply.text;

    // Telegram's deep link arrives as "/start j<code>".
    const auto telegram = post_one(
        ChannelKind::telegram, message(6, 6, "/start j" + current_code("fest", "s1", ChannelKind::telegram)));
    ASSERT_EQ(telegram.status, 200) << telegram.text;
    EXPECT_EQ(telegram.body.at("text").as_string(), "thanks fest") << telegram.text;
    EXPECT_EQ(joins_of(report("campaign=fest&by=screen"), "s1"), 6);
}

// ---- Kakao ----------------------------------------------------------------------------------------

TEST_F(WebhookTest, KakaoGetsTheSkillResponseForEveryOutcome) {
    const auto joined =
        post_one(ChannelKind::kakao, message(0, 9, current_code("fest", "s1", ChannelKind::kakao)));
    ASSERT_EQ(joined.status, 200) << joined.text;
    EXPECT_EQ(joined.body.at("version").as_string(), "2.0");
    EXPECT_EQ(joined.body.at("template").at("outputs").as_array().size(), 1U) << joined.text;
    EXPECT_EQ(joined.body.at("template").at("outputs").at(0).at("simpleText").at("text").as_string(),
              "thanks fest");

    // Something else from the same person: still a skill response, telling them what to send.
    const auto chat = post_one(ChannelKind::kakao, message(0, 9, "안녕하세요"));
    ASSERT_EQ(chat.status, 200) << chat.text;
    EXPECT_EQ(chat.body.at("version").as_string(), "2.0");
    const auto chat_text =
        chat.body.at("template").at("outputs").at(0).at("simpleText").at("text").as_string();
    EXPECT_FALSE(chat_text.empty());
    EXPECT_NE(chat_text, "thanks fest");

    // Kakao retries the same request: acknowledged with the same reply, counted once.
    const auto retry =
        post_one(ChannelKind::kakao, message(0, 9, current_code("fest", "s1", ChannelKind::kakao)));
    ASSERT_EQ(retry.status, 200) << retry.text;
    EXPECT_EQ(retry.body.at("template").at("outputs").at(0).at("simpleText").at("text").as_string(),
              "thanks fest");
    EXPECT_EQ(joins_of(report("campaign=fest&by=screen"), "s1"), 1);
}

// ---- Telegram ------------------------------------------------------------------------------------

TEST_F(WebhookTest, TelegramGetsASendMessageReplyToTheSendersChat) {
    const std::uint64_t user = 5'123'456'789;  // Telegram ids exceed 32 bits
    const auto reply =
        post_one(ChannelKind::telegram,
                 message(1001, user, current_code("fest", "s1", ChannelKind::telegram), "Jason"));
    ASSERT_EQ(reply.status, 200) << reply.text;
    EXPECT_EQ(reply.body.as_object().size(), 3U) << reply.text;
    EXPECT_EQ(reply.body.at("method").as_string(), "sendMessage");
    EXPECT_EQ(reply.body.at("chat_id").to_number<std::int64_t>(), static_cast<std::int64_t>(user));
    EXPECT_EQ(reply.body.at("text").as_string(), "thanks fest");

    const auto wrong = post_one(ChannelKind::telegram, message(1002, user + 1, "000000"));
    ASSERT_EQ(wrong.status, 200) << wrong.text;
    EXPECT_EQ(wrong.body.at("method").as_string(), "sendMessage");
    EXPECT_EQ(wrong.body.at("chat_id").to_number<std::int64_t>(), static_cast<std::int64_t>(user + 1));
    EXPECT_NE(wrong.body.at("text").as_string(), "thanks fest");

    // An update without a message (an edit, a callback) is acknowledged and ignored.
    const auto edit = post_signed(
        ChannelKind::telegram,
        R"({"update_id":1003,"edited_message":{"message_id":5,"date":1700000000,"chat":{"id":1,"type":"private"},"text":"x"}})");
    ASSERT_EQ(edit.status, 200) << edit.text;
    EXPECT_EQ(joins_of(report("campaign=fest&by=screen"), "s1"), 1);
}

// ---- WhatsApp ------------------------------------------------------------------------------------

TEST_F(WebhookTest, WhatsAppStatusUpdatesAreAcknowledgedWithoutMessages) {
    const std::string body =
        R"({"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages",)"
        R"("value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550001234",)"
        R"("phone_number_id":"1"},"statuses":[{"id":"wamid.X","status":"delivered",)"
        R"("timestamp":"1700000000","recipient_id":"821000000000"}]}}]}]})";
    const auto reply = post_signed(ChannelKind::whatsapp, body);
    ASSERT_EQ(reply.status, 200) << reply.text;
    EXPECT_EQ(reply.body.at("received").to_number<int>(), 0);
    EXPECT_EQ(count_rows("SELECT count(*) FROM webhook_events"), 0);
}

TEST_F(WebhookTest, WhatsAppHandshakeEchoesTheChallengeOnlyForTheRightToken) {
    const std::string base = "/v1/webhooks/whatsapp/whatsapp-test";
    const auto good = call(http::verb::get,
                           fmt::format("{}?hub.mode=subscribe&hub.verify_token={}&hub.challenge=1158201444",
                                       base, m_hub.whatsapp_verify_token()));
    ASSERT_EQ(good.status, 200) << good.text;
    EXPECT_EQ(good.text, "1158201444");

    const auto wrong =
        call(http::verb::get,
             fmt::format("{}?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1158201444", base));
    EXPECT_EQ(wrong.status, 403) << wrong.text;
    EXPECT_EQ(wrong.error_code(), "forbidden");
    EXPECT_EQ(wrong.text.find("1158201444"), std::string::npos);

    const auto missing = call(http::verb::get, fmt::format("{}?hub.mode=subscribe&hub.challenge=1", base));
    EXPECT_EQ(missing.status, 403) << missing.text;

    const auto mode =
        call(http::verb::get, fmt::format("{}?hub.mode=unsubscribe&hub.verify_token={}&hub.challenge=1", base,
                                          m_hub.whatsapp_verify_token()));
    EXPECT_EQ(mode.status, 400) << mode.text;
    EXPECT_EQ(mode.error_code(), "invalid_input");

    const auto no_challenge = call(http::verb::get, fmt::format("{}?hub.mode=subscribe&hub.verify_token={}",
                                                                base, m_hub.whatsapp_verify_token()));
    EXPECT_EQ(no_challenge.status, 400) << no_challenge.text;

    // A challenge is echoed into the body: markup is refused, not reflected.
    const auto script = call(
        http::verb::get, fmt::format("{}?hub.mode=subscribe&hub.verify_token={}&hub.challenge=%3Cscript%3E",
                                     base, m_hub.whatsapp_verify_token()));
    EXPECT_EQ(script.status, 400) << script.text;
    EXPECT_EQ(script.text.find("<script>"), std::string::npos);

    const auto unknown =
        call(http::verb::get,
             "/v1/webhooks/whatsapp/nobody?hub.mode=subscribe&hub.verify_token=x&hub.challenge=1");
    EXPECT_EQ(unknown.status, 404) << unknown.text;
    // The handshake of another kind's channel is not WhatsApp's.
    const auto other = call(
        http::verb::get,
        fmt::format("/v1/webhooks/whatsapp/line-test?hub.mode=subscribe&hub.verify_token={}&hub.challenge=1",
                    m_hub.whatsapp_verify_token()));
    EXPECT_EQ(other.status, 404) << other.text;
}

TEST_F(WebhookTest, WhatsAppSeveralMessagesAcrossEntriesAreEachAttributed) {
    const std::string s1 = current_code("fest", "s1", ChannelKind::whatsapp);
    const std::string s2 = current_code("fest", "s2", ChannelKind::whatsapp);
    const std::vector<OutgoingText> messages{message(1, 11, s1, "Ana"), message(2, 12, s2, "Bo")};
    const auto reply = post_webhook(ChannelKind::whatsapp, messages);
    ASSERT_EQ(reply.status, 200) << reply.text;
    const auto& results = reply.body.at("results").as_array();
    ASSERT_EQ(results.size(), 2U) << reply.text;
    EXPECT_EQ(results[0].at("screen").as_string(), "s1");
    EXPECT_EQ(results[1].at("screen").as_string(), "s2");
    const auto by_line = report("campaign=fest&by=line");
    EXPECT_EQ(joins_of(by_line, "1"), 1) << by_line.text;
    EXPECT_EQ(joins_of(by_line, "2"), 1) << by_line.text;
}

// ---- how the body arrives ---------------------------------------------------------------------

TEST_F(WebhookTest, AChunkedBodyOrOneSentAfter100ContinueIsVerifiedAndCounted) {
    const auto send = [&](std::uint64_t person, bool chunked) -> std::optional<RawConnection::Response> {
        const std::string body = sync::messenger::compose_webhook(
            ChannelKind::line,
            std::vector{message(person, person, current_code("fest", "s1", ChannelKind::line))});
        std::string content_type;
        const auto fields = signed_fields(ChannelKind::line, body, &content_type);
        std::string head = fmt::format("POST {} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {}\r\n",
                                       webhook_target(ChannelKind::line), content_type);
        for (const auto& [name, value] : fields) head += fmt::format("{}: {}\r\n", name, value);
        RawConnection raw{m_hub.port()};
        if (chunked) {
            const std::size_t half = body.size() / 2;
            raw.send(head + "Transfer-Encoding: chunked\r\n\r\n");
            raw.send(fmt::format("{:x}\r\n{}\r\n", half, body.substr(0, half)));
            raw.send(fmt::format("{:x}\r\n{}\r\n0\r\n\r\n", body.size() - half, body.substr(half)));
            return raw.read_response(std::chrono::seconds{10});
        }
        raw.send(head + fmt::format("Content-Length: {}\r\nExpect: 100-Continue\r\n\r\n", body.size()));
        const auto proceed = raw.read_response(std::chrono::seconds{10}, true);
        if (!proceed || proceed->status != 100) return proceed;
        raw.send(body);
        return raw.read_response(std::chrono::seconds{10});
    };
    const auto chunked = send(1, true);
    ASSERT_TRUE(chunked);
    EXPECT_EQ(chunked->status, 200U) << chunked->body;
    EXPECT_EQ(chunked->json.at("results").at(0).at("outcome").as_string(), "joined") << chunked->body;
    const auto continued = send(2, false);
    ASSERT_TRUE(continued);
    EXPECT_EQ(continued->status, 200U) << continued->body;
    EXPECT_EQ(continued->json.at("results").at(0).at("outcome").as_string(), "joined") << continued->body;
    EXPECT_EQ(joins_of(report("campaign=fest&by=screen"), "s1"), 2);
}

}  // namespace
}  // namespace dwell::test
