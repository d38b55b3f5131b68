#include "sync/messenger/webhook.hpp"

#include <chrono>
#include <ostream>
#include <string>
#include <utility>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace dwell::sync::messenger {

// Readable failures: gtest finds this by argument-dependent lookup.
void PrintTo(const InboundMessage& message, std::ostream* out) {
    const auto optional = [](const auto& value) {
        return value ? fmt::format("{}", *value) : std::string{"none"};
    };
    *out << fmt::format("{{event {} ({}), user {}, name {}, text \"{}\", at {} ms, reply {}, chat {}}}",
                        message.event_id,
                        message.event_id_origin == EventIdOrigin::platform ? "platform" : "content",
                        message.user_id, optional(message.display_name), message.text,
                        message.at ? fmt::format("{}", message.at->time_since_epoch().count()) : "none",
                        optional(message.reply_token), optional(message.chat_id));
}

namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

config::WallTime unix_ms(std::int64_t ms) {
    return config::WallTime{std::chrono::milliseconds{ms}};
}

WebhookBatch parsed(ChannelKind kind, std::string_view body) {
    auto batch = parse_webhook(kind, body);
    EXPECT_TRUE(batch) << batch.error().message;
    return batch ? std::move(*batch) : WebhookBatch{};
}

void expect_invalid(ChannelKind kind, std::string_view body, std::string_view mentions) {
    const auto batch = parse_webhook(kind, body);
    ASSERT_FALSE(batch) << "accepted " << body.substr(0, 200);
    EXPECT_EQ(batch.error().code, Errc::invalid_input);
    EXPECT_THAT(batch.error().message, HasSubstr(std::string{mentions}));
}

// ---- LINE -------------------------------------------------------------------------------------

// The shape of LINE's Messaging API webhook: a text message, a sticker, a follow, another text.
constexpr std::string_view line_body = R"({
  "destination": "U0123456789abcdef0123456789abcdef",
  "events": [
    {
      "type": "message",
      "message": {"type": "text", "id": "468789577898262530", "quoteToken": "q3Plxr4AgKd", "text": "참여 482913"},
      "webhookEventId": "01H810YECXQQZ37VAXPF6H9E6T",
      "deliveryContext": {"isRedelivery": false},
      "timestamp": 1692251666727,
      "source": {"type": "user", "userId": "U4af4980629f3f2e8a5d8c5a0b8a0e3f1"},
      "replyToken": "38ef843bde154d9b91c21320ffd17a0f",
      "mode": "active"
    },
    {
      "type": "message",
      "message": {"type": "sticker", "id": "1", "packageId": "446", "stickerId": "1988"},
      "webhookEventId": "01H810YECXQQZ37VAXPF6H9E6V",
      "deliveryContext": {"isRedelivery": false},
      "timestamp": 1692251666800,
      "source": {"type": "user", "userId": "U4af4980629f3f2e8a5d8c5a0b8a0e3f1"},
      "replyToken": "0f3779fba3b349968c5d07db31eab56f",
      "mode": "active"
    },
    {
      "type": "follow",
      "webhookEventId": "01H810YECXQQZ37VAXPF6H9E6W",
      "deliveryContext": {"isRedelivery": false},
      "timestamp": 1692251666900,
      "source": {"type": "user", "userId": "Ub000000000000000000000000000000b"},
      "replyToken": "85cbe770fa8b4f45bbb4d4d4f8e5d3c7",
      "mode": "active",
      "follow": {"isUnblocked": false}
    },
    {
      "type": "message",
      "message": {"type": "text", "id": "468789577898262531", "text": "482-913"},
      "webhookEventId": "01H810YECXQQZ37VAXPF6H9E6X",
      "deliveryContext": {"isRedelivery": true},
      "timestamp": 1692251667000,
      "source": {"type": "group", "groupId": "Ca56f94637c", "userId": "Ub000000000000000000000000000000b"},
      "mode": "active"
    }
  ]
})";

TEST(MessengerWebhook, LineEventsBecomeMessages) {
    const WebhookBatch batch = parsed(ChannelKind::line, line_body);
    InboundMessage first;
    first.event_id = "01H810YECXQQZ37VAXPF6H9E6T";
    first.user_id = "U4af4980629f3f2e8a5d8c5a0b8a0e3f1";
    first.text = "참여 482913";
    first.at = unix_ms(1692251666727);
    first.reply_token = "38ef843bde154d9b91c21320ffd17a0f";
    InboundMessage second;
    second.event_id = "01H810YECXQQZ37VAXPF6H9E6X";
    second.user_id = "Ub000000000000000000000000000000b";
    second.text = "482-913";
    second.at = unix_ms(1692251667000);
    EXPECT_THAT(batch.messages, ElementsAre(first, second));
    EXPECT_EQ(batch.ignored, 2U);  // the sticker and the follow
    EXPECT_TRUE(batch.problems.empty());
}

TEST(MessengerWebhook, LineProbeIsAnEmptyBatch) {
    const WebhookBatch batch =
        parsed(ChannelKind::line, R"({"destination":"U0123456789abcdef0123456789abcdef","events":[]})");
    EXPECT_TRUE(batch.messages.empty());
    EXPECT_EQ(batch.ignored, 0U);
    EXPECT_TRUE(batch.problems.empty());
}

TEST(MessengerWebhook, LineEnvelopeErrorsNameThePath) {
    expect_invalid(ChannelKind::line, R"({"destination":"U1"})", "events: missing; expected an array");
    expect_invalid(ChannelKind::line, R"({"events":{"type":"message"}})",
                   "events: expected an array, found an object");
    expect_invalid(ChannelKind::line, R"([{"events":[]}])", "(body): expected an object, found an array");
    expect_invalid(ChannelKind::line, "null", "(body): expected an object, found null");
}

TEST(MessengerWebhook, BadLineEventIsSkippedAndTheRestKept) {
    const std::string body = R"({"events":[
      {"type":"message","message":{"type":"text","text":123},"webhookEventId":"A","timestamp":1,
       "source":{"type":"user","userId":"U1"}},
      "not an event",
      {"type":"message","message":{"type":"text","text":"ok"},"webhookEventId":"B","timestamp":1.5,
       "source":{"type":"user","userId":"U1"}},
      {"type":"message","message":{"type":"text","text":"ok"},"webhookEventId":"C","timestamp":-1,
       "source":{"type":"user","userId":"U1"}},
      {"type":"message","message":{"type":"text","text":"ok"},"timestamp":1,"source":{"type":"user","userId":"U1"}},
      {"type":"message","message":{"type":"text","text":"ok"},"webhookEventId":"D","timestamp":1,
       "source":{"type":"user"}},
      {"message":{"type":"text","text":"ok"}},
      {"type":"message","message":{"type":"text","text":"fine"},"webhookEventId":"E","timestamp":1,
       "source":{"type":"user","userId":"U2"},"replyToken":42},
      {"type":"message","message":{"type":"text","text":"kept"},"webhookEventId":"F","timestamp":1,
       "source":{"type":"user","userId":"U3"}}
    ]})";
    const WebhookBatch batch = parsed(ChannelKind::line, body);
    ASSERT_EQ(batch.messages.size(), 1U);
    EXPECT_EQ(batch.messages[0].event_id, "F");
    EXPECT_EQ(batch.messages[0].text, "kept");
    EXPECT_EQ(batch.ignored, 8U);
    EXPECT_THAT(batch.problems, ElementsAre("events[0].message.text: expected a string, found a number",
                                            "events[1]: expected an object, found a string",
                                            "events[2].timestamp: expected an integer, found a number",
                                            "events[3].timestamp: is not a time between 1970 and 9999",
                                            "events[4].webhookEventId: missing; expected a string",
                                            "events[5].source.userId: missing; expected a string",
                                            "events[6].type: missing; expected a string",
                                            "events[7].replyToken: expected a string, found a number"));
}

TEST(MessengerWebhook, OverLongFieldsAreSkipped) {
    const auto event = [](std::string_view id, std::string_view user, std::string_view text) {
        return fmt::format(
            R"({{"events":[{{"type":"message","message":{{"type":"text","text":"{}"}},)"
            R"("webhookEventId":"{}","timestamp":1,"source":{{"type":"user","userId":"{}"}}}}]}})",
            text, id, user);
    };
    const std::string longest_id(max_id_bytes, 'i');
    const std::string longest_text(max_text_bytes, 't');
    const WebhookBatch fits = parsed(ChannelKind::line, event(longest_id, longest_id, longest_text));
    ASSERT_EQ(fits.messages.size(), 1U);
    EXPECT_EQ(fits.messages[0].text.size(), max_text_bytes);

    const WebhookBatch long_text = parsed(ChannelKind::line, event("A", "U1", longest_text + "t"));
    EXPECT_TRUE(long_text.messages.empty());
    EXPECT_THAT(long_text.problems,
                ElementsAre("events[0].message.text: is 4097 bytes long; at most 4096 are accepted"));
    const WebhookBatch long_id = parsed(ChannelKind::line, event(longest_id + "i", "U1", "x"));
    EXPECT_THAT(long_id.problems,
                ElementsAre("events[0].webhookEventId: is 257 bytes long; at most 256 are accepted"));
    const WebhookBatch long_user = parsed(ChannelKind::line, event("A", longest_id + "u", "x"));
    EXPECT_THAT(long_user.problems,
                ElementsAre("events[0].source.userId: is 257 bytes long; at most 256 are accepted"));
    const WebhookBatch empty_id = parsed(ChannelKind::line, event("", "U1", "x"));
    EXPECT_THAT(empty_id.problems,
                ElementsAre("events[0].webhookEventId: is empty; expected a non-empty string"));
}

TEST(MessengerWebhook, ProblemsAreCappedButAllCounted) {
    std::string body = R"({"events":[)";
    for (int i = 0; i < 100; ++i) body += (i == 0 ? "" : ",") + std::string{"1"};
    body += "]}";
    const WebhookBatch batch = parsed(ChannelKind::generic, body);
    EXPECT_EQ(batch.ignored, 100U);
    EXPECT_EQ(batch.problems.size(), max_reported_problems);
}

// ---- Malformed bodies -------------------------------------------------------------------------

TEST(MessengerWebhook, MalformedJsonIsRefused) {
    for (const ChannelKind kind : {ChannelKind::line, ChannelKind::telegram, ChannelKind::kakao,
                                   ChannelKind::whatsapp, ChannelKind::generic}) {
        expect_invalid(kind, "", "empty");
        expect_invalid(kind, "  \n", "empty");
        expect_invalid(kind, "{", "not valid JSON");
        expect_invalid(kind, R"({"events":[]} trailing)", "not valid JSON");
        expect_invalid(kind, R"({"events":[],})", "not valid JSON");
        expect_invalid(kind, "{\"events\":[{\"text\":\"\xff\"}]}", "not valid JSON");  // invalid UTF-8
        expect_invalid(kind, std::string{"{\"events\":[]}\0", 14}, "not valid JSON");
    }
}

TEST(MessengerWebhook, HugeAndDeepBodiesAreRefusedCleanly) {
    std::string deep = R"({"events":[)";
    deep += std::string(10000, '[') + std::string(10000, ']') + "]}";
    expect_invalid(ChannelKind::line, deep, "not valid JSON");

    std::string huge = R"({"events":[)";
    while (huge.size() <= max_webhook_bytes) huge += R"("padding padding padding padding",)";
    huge += "1]}";
    expect_invalid(ChannelKind::generic, huge, "at most 4194304 are accepted");
}

TEST(MessengerWebhook, ManyEventsInOneBody) {
    std::string body = R"({"events":[)";
    for (int i = 0; i < 500; ++i) {
        body += fmt::format(R"({}{{"id":"e{}","user":"u{}","text":"{}"}})", i == 0 ? "" : ",", i, i % 7, i);
    }
    body += "]}";
    const WebhookBatch batch = parsed(ChannelKind::generic, body);
    ASSERT_EQ(batch.messages.size(), 500U);
    EXPECT_EQ(batch.messages[499].event_id, "e499");
    EXPECT_EQ(batch.messages[499].user_id, "u2");
    EXPECT_EQ(batch.messages[499].text, "499");
}

// ---- Telegram ---------------------------------------------------------------------------------

constexpr std::string_view telegram_body = R"({
  "update_id": 10000,
  "message": {
    "message_id": 1365,
    "from": {"id": 4503599627370495, "is_bot": false, "first_name": "Jason", "last_name": "Kim",
             "username": "jkim", "language_code": "ko"},
    "chat": {"id": 4503599627370495, "first_name": "Jason", "last_name": "Kim", "username": "jkim",
             "type": "private"},
    "date": 1735689600,
    "text": "/start j482913",
    "entities": [{"offset": 0, "length": 6, "type": "bot_command"}]
  }
})";

TEST(MessengerWebhook, TelegramUpdateBecomesAMessage) {
    const WebhookBatch batch = parsed(ChannelKind::telegram, telegram_body);
    InboundMessage expected;
    expected.event_id = "telegram:10000";
    expected.user_id = "4503599627370495";
    expected.display_name = "Jason Kim";
    expected.text = "/start j482913";
    expected.at = unix_ms(1735689600000);
    expected.chat_id = 4503599627370495;
    EXPECT_THAT(batch.messages, ElementsAre(expected));
    EXPECT_EQ(batch.ignored, 0U);
}

TEST(MessengerWebhook, TelegramDisplayNameFallsBack) {
    const auto name_of = [](std::string_view from) {
        const std::string body = fmt::format(
            R"({{"update_id":7,"message":{{"message_id":1,"from":{},"chat":{{"id":-100123,"type":"group"}},)"
            R"("date":1,"text":"hi"}}}})",
            from);
        const WebhookBatch batch = parsed(ChannelKind::telegram, body);
        EXPECT_EQ(batch.messages.size(), 1U);
        return batch.messages.empty() ? std::optional<std::string>{"(none)"} : batch.messages[0].display_name;
    };
    EXPECT_EQ(name_of(R"({"id":1,"is_bot":false,"first_name":"민현"})"), "민현");
    EXPECT_EQ(name_of(R"({"id":1,"is_bot":false,"first_name":"","username":"mh"})"), "mh");
    EXPECT_EQ(name_of(R"({"id":1,"is_bot":false,"username":"mh"})"), "mh");
    EXPECT_EQ(name_of(R"({"id":1,"is_bot":false,"first_name":5,"username":"mh"})"), "mh");
    EXPECT_EQ(name_of(R"({"id":1,"is_bot":false})"), std::nullopt);
    EXPECT_EQ(name_of(fmt::format(R"({{"id":1,"first_name":"{}"}})", std::string(300, 'x'))), std::nullopt);
}

TEST(MessengerWebhook, TelegramGroupChatIdIsKept) {
    const WebhookBatch batch = parsed(
        ChannelKind::telegram,
        R"({"update_id":8,"message":{"message_id":1,"from":{"id":42,"first_name":"A"},"chat":{"id":-1001234567890,"type":"supergroup"},"date":1,"text":"482913"}})");
    ASSERT_EQ(batch.messages.size(), 1U);
    EXPECT_EQ(batch.messages[0].chat_id, -1001234567890);
    EXPECT_EQ(batch.messages[0].user_id, "42");
}

TEST(MessengerWebhook, TelegramUpdatesWithoutTextAreIgnored) {
    const auto ignored = [](std::string_view body) {
        const WebhookBatch batch = parsed(ChannelKind::telegram, body);
        EXPECT_TRUE(batch.messages.empty());
        EXPECT_TRUE(batch.problems.empty());
        return batch.ignored;
    };
    EXPECT_EQ(
        ignored(
            R"({"update_id":9,"edited_message":{"message_id":1,"from":{"id":1},"chat":{"id":1},"date":1,"edit_date":2,"text":"482913"}})"),
        1U);
    EXPECT_EQ(
        ignored(
            R"({"update_id":9,"message":{"message_id":1,"from":{"id":1},"chat":{"id":1},"date":1,"sticker":{"file_id":"x"}}})"),
        1U);
    EXPECT_EQ(ignored(R"({"update_id":9,"callback_query":{"id":"1","from":{"id":1},"data":"x"}})"), 1U);
}

TEST(MessengerWebhook, TelegramErrorsNameThePath) {
    expect_invalid(ChannelKind::telegram, R"({"message":{}})", "update_id: missing; expected an integer");
    expect_invalid(ChannelKind::telegram, R"({"update_id":"10000"})",
                   "update_id: expected an integer, found a string");
    expect_invalid(ChannelKind::telegram, R"({"update_id":1.5})",
                   "update_id: expected an integer, found a number");
    expect_invalid(ChannelKind::telegram, R"({"update_id":18446744073709551615})", "update_id: is too large");

    const auto problem_of = [](std::string_view body) {
        const WebhookBatch batch = parsed(ChannelKind::telegram, body);
        EXPECT_TRUE(batch.messages.empty());
        EXPECT_EQ(batch.ignored, 1U);
        return batch.problems.empty() ? std::string{} : batch.problems[0];
    };
    EXPECT_EQ(
        problem_of(R"({"update_id":1,"message":{"from":{"id":"42"},"chat":{"id":1},"date":1,"text":"x"}})"),
        "message.from.id: expected an integer, found a string");
    EXPECT_EQ(problem_of(R"({"update_id":1,"message":{"chat":{"id":1},"date":1,"text":"x"}})"),
              "message.from: missing; expected an object");
    EXPECT_EQ(problem_of(R"({"update_id":1,"message":{"from":{"id":1},"date":1,"text":"x"}})"),
              "message.chat: missing; expected an object");
    EXPECT_EQ(
        problem_of(R"({"update_id":1,"message":{"from":{"id":1},"chat":{"id":1},"date":1,"text":["x"]}})"),
        "message.text: expected a string, found an array");
    EXPECT_EQ(
        problem_of(
            R"({"update_id":1,"message":{"from":{"id":1},"chat":{"id":1},"date":9999999999999,"text":"x"}})"),
        "message.date: is not a time between 1970 and 9999");
    EXPECT_EQ(problem_of(R"({"update_id":1,"message":"hello"})"),
              "message: expected an object, found a string");
}

// ---- Kakao ------------------------------------------------------------------------------------

constexpr std::string_view kakao_body = R"({
  "intent": {"id": "5f3a1b2c", "name": "참여"},
  "userRequest": {
    "timezone": "Asia/Seoul",
    "params": {"ignoreMe": "true"},
    "block": {"id": "5f3a1b2d", "name": "참여"},
    "utterance": "참여 482913",
    "lang": null,
    "user": {"id": "kakao-user-1", "type": "accountId", "properties": {}}
  },
  "bot": {"id": "5f3a1b2e", "name": "dwell"},
  "action": {"name": "join", "clientExtra": null, "params": {}, "id": "5f3a1b2f", "detailParams": {}}
})";

TEST(MessengerWebhook, KakaoSkillRequestBecomesAMessage) {
    const WebhookBatch batch = parsed(ChannelKind::kakao, kakao_body);
    InboundMessage expected;
    // printf 'kakao-user-1\0참여 482913' | openssl dgst -sha256
    expected.event_id = "kakao:1a51d6e3806c2e820d00770a14a0cd660f91731c25ddcc8c52e34b6b5c78626a";
    expected.event_id_origin = EventIdOrigin::content;
    expected.user_id = "kakao-user-1";
    expected.text = "참여 482913";
    EXPECT_THAT(batch.messages, ElementsAre(expected));
    EXPECT_EQ(batch.ignored, 0U);
}

TEST(MessengerWebhook, KakaoEventIdSeparatesUserFromText) {
    const auto id_of = [](std::string_view user, std::string_view utterance) {
        const std::string body =
            fmt::format(R"({{"userRequest":{{"utterance":"{}","user":{{"id":"{}","type":"botUserKey"}}}}}})",
                        utterance, user);
        const WebhookBatch batch = parsed(ChannelKind::kakao, body);
        return batch.messages.empty() ? std::string{} : batch.messages[0].event_id;
    };
    EXPECT_EQ(id_of("ab", "c"), id_of("ab", "c"));
    EXPECT_NE(id_of("ab", "c"), id_of("a", "bc"));
    EXPECT_NE(id_of("ab", "c"), id_of("ab", "d"));
    EXPECT_NE(id_of("ab", "c"), id_of("ac", "c"));
    EXPECT_THAT(id_of("ab", "c"), ::testing::StartsWith("kakao:"));
    EXPECT_EQ(id_of("ab", "c").size(), 6U + 64U);
}

TEST(MessengerWebhook, KakaoErrorsNameThePath) {
    expect_invalid(ChannelKind::kakao, R"({"bot":{}})", "userRequest: missing; expected an object");
    expect_invalid(ChannelKind::kakao, R"({"userRequest":"x"})",
                   "userRequest: expected an object, found a string");
    const auto problem_of = [](std::string_view body) {
        const WebhookBatch batch = parsed(ChannelKind::kakao, body);
        EXPECT_TRUE(batch.messages.empty());
        return batch.problems.empty() ? std::string{} : batch.problems[0];
    };
    EXPECT_EQ(problem_of(R"({"userRequest":{"utterance":7,"user":{"id":"u"}}})"),
              "userRequest.utterance: expected a string, found a number");
    EXPECT_EQ(problem_of(R"({"userRequest":{"utterance":"x","user":{}}})"),
              "userRequest.user.id: missing; expected a string");
    EXPECT_EQ(problem_of(R"({"userRequest":{"utterance":"x"}})"),
              "userRequest.user: missing; expected an object");
}

// ---- WhatsApp ---------------------------------------------------------------------------------

constexpr std::string_view whatsapp_body = R"({
  "object": "whatsapp_business_account",
  "entry": [{
    "id": "102290129340398",
    "changes": [{
      "value": {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550783881", "phone_number_id": "106540352242922"},
        "contacts": [
          {"profile": {"name": "Sheena Nelson"}, "wa_id": "16505551234"},
          {"profile": {"name": "김민현"}, "wa_id": "821012345678"}
        ],
        "messages": [
          {"from": "16505551234", "id": "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=",
           "timestamp": "1749416383", "type": "text", "text": {"body": "482 913"}},
          {"from": "821012345678", "id": "wamid.image1", "timestamp": "1749416384", "type": "image",
           "image": {"mime_type": "image/jpeg", "sha256": "abc", "id": "1"}},
          {"from": "821099999999", "id": "wamid.HBgMODIxMDk5OTk5OTk5", "timestamp": "1749416385", "type": "text",
           "text": {"body": "JOIN 482913"}}
        ]
      },
      "field": "messages"
    }]
  }, {
    "id": "102290129340398",
    "changes": [{
      "value": {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550783881", "phone_number_id": "106540352242922"},
        "statuses": [{"id": "wamid.out1", "status": "delivered", "timestamp": "1749416390",
                      "recipient_id": "16505551234"}]
      },
      "field": "messages"
    }]
  }]
})";

TEST(MessengerWebhook, WhatsAppMessagesBecomeMessages) {
    const WebhookBatch batch = parsed(ChannelKind::whatsapp, whatsapp_body);
    InboundMessage first;
    first.event_id = "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=";
    first.user_id = "16505551234";
    first.display_name = "Sheena Nelson";
    first.text = "482 913";
    first.at = unix_ms(1749416383000);
    InboundMessage second;
    second.event_id = "wamid.HBgMODIxMDk5OTk5OTk5";
    second.user_id = "821099999999";  // no contact entry: no name
    second.text = "JOIN 482913";
    second.at = unix_ms(1749416385000);
    EXPECT_THAT(batch.messages, ElementsAre(first, second));
    EXPECT_EQ(batch.ignored, 2U);  // the image and the status
    EXPECT_TRUE(batch.problems.empty());
}

TEST(MessengerWebhook, WhatsAppErrorsNameThePath) {
    expect_invalid(ChannelKind::whatsapp, R"({"object":"page","entry":[]})", "object: expected");
    expect_invalid(ChannelKind::whatsapp, R"({"object":"whatsapp_business_account"})", "entry: missing");
    expect_invalid(ChannelKind::whatsapp, R"({"entry":{}})", "entry: expected an array");

    const auto problems_of = [](std::string_view body) {
        const WebhookBatch batch = parsed(ChannelKind::whatsapp, body);
        EXPECT_TRUE(batch.messages.empty());
        return batch.problems;
    };
    EXPECT_THAT(
        problems_of(R"({"entry":[{"changes":[{"field":"messages","value":{"messages":[
        {"from":"1","id":"w1","timestamp":"17494x","type":"text","text":{"body":"x"}},
        {"from":"1","id":"w2","timestamp":1749416383,"type":"text","text":{"body":"x"}},
        {"from":"1","id":"w3","timestamp":"1","type":"text","text":"x"},
        {"id":"w4","timestamp":"1","type":"text","text":{"body":"x"}}]}}]}]})"),
        ElementsAre(
            "entry[0].changes[0].value.messages[0].timestamp: expected unix seconds as a string of digits",
            "entry[0].changes[0].value.messages[1].timestamp: expected a string, found a number",
            "entry[0].changes[0].value.messages[2].text: expected an object, found a string",
            "entry[0].changes[0].value.messages[3].from: missing; expected a string"));
    EXPECT_THAT(problems_of(R"({"entry":[5,{"changes":"x"},{"changes":[{"field":"messages"}]}]})"),
                ElementsAre("entry[0]: expected an object, found a number",
                            "entry[1].changes: expected an array, found a string",
                            "entry[2].changes[0].value: missing; expected an object"));
}

TEST(MessengerWebhook, WhatsAppOtherFieldsAreIgnored) {
    const WebhookBatch batch = parsed(
        ChannelKind::whatsapp,
        R"({"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"message_template_status_update","value":{"event":"APPROVED"}}]}]})");
    EXPECT_TRUE(batch.messages.empty());
    EXPECT_EQ(batch.ignored, 1U);
    EXPECT_TRUE(batch.problems.empty());
}

// ---- generic ----------------------------------------------------------------------------------

TEST(MessengerWebhook, GenericEventsBecomeMessages) {
    const WebhookBatch batch = parsed(ChannelKind::generic, R"({"events":[
        {"id":"e-1","user":"u-1","name":"Jason","text":"482913","at":"2026-12-01T06:00:00+09:00","extra":true},
        {"id":"e-2","user":"u-2","text":"참여 482913"}]})");
    InboundMessage first;
    first.event_id = "e-1";
    first.user_id = "u-1";
    first.display_name = "Jason";
    first.text = "482913";
    first.at = unix_ms(1796072400000);  // 2026-11-30T21:00:00Z
    InboundMessage second;
    second.event_id = "e-2";
    second.user_id = "u-2";
    second.text = "참여 482913";
    EXPECT_THAT(batch.messages, ElementsAre(first, second));
    EXPECT_EQ(batch.ignored, 0U);
}

TEST(MessengerWebhook, GenericErrorsNameThePath) {
    expect_invalid(ChannelKind::generic, R"({"messages":[]})", "events: missing; expected an array");
    const WebhookBatch batch = parsed(ChannelKind::generic, R"({"events":[
        {"id":"e-1","user":"u-1","text":"x","at":"yesterday"},
        {"id":"e-2","user":7,"text":"x"},
        {"id":"e-3","user":"u","text":null},
        {"id":"e-4","user":"u","text":"x","at":1764536400}]})");
    EXPECT_TRUE(batch.messages.empty());
    EXPECT_EQ(batch.ignored, 4U);
    ASSERT_EQ(batch.problems.size(), 4U);
    EXPECT_THAT(batch.problems[0], HasSubstr("events[0].at: "));
    EXPECT_EQ(batch.problems[1], "events[1].user: expected a string, found a number");
    EXPECT_EQ(batch.problems[2], "events[2].text: expected a string, found null");
    EXPECT_EQ(batch.problems[3], "events[3].at: expected a string, found a number");
}

TEST(MessengerWebhook, OtherPlatformsBodiesDoNotParseAsMessages) {
    // A body posted to the wrong channel kind yields an error or nothing, never a wrong message.
    EXPECT_FALSE(parse_webhook(ChannelKind::telegram, line_body));
    EXPECT_FALSE(parse_webhook(ChannelKind::kakao, line_body));
    EXPECT_FALSE(parse_webhook(ChannelKind::whatsapp, line_body));
    EXPECT_FALSE(parse_webhook(ChannelKind::line, whatsapp_body));
    const auto generic = parse_webhook(ChannelKind::generic, line_body);
    ASSERT_TRUE(generic);
    EXPECT_TRUE(generic->messages.empty());
}

// Never crash, whatever the bytes: every prefix and many single-byte changes of each sample
// either parse or give an invalid_input error.
TEST(MessengerWebhook, DamagedSamplesNeverCrash) {
    const std::pair<ChannelKind, std::string_view> samples[] = {
        {ChannelKind::line, line_body},
        {ChannelKind::telegram, telegram_body},
        {ChannelKind::kakao, kakao_body},
        {ChannelKind::whatsapp, whatsapp_body},
        {ChannelKind::generic,
         R"({"events":[{"id":"e-1","user":"u-1","name":"김민현","text":"482913","at":"2026-12-01T06:00:00Z"}]})"},
    };
    std::size_t parsed_count = 0;
    for (const auto& [kind, body] : samples) {
        const auto check = [&, kind = kind](std::string_view damaged) {
            const auto batch = parse_webhook(kind, damaged);
            if (batch) {
                ++parsed_count;
                for (const InboundMessage& message : batch->messages) {
                    EXPECT_FALSE(message.event_id.empty());
                    EXPECT_FALSE(message.user_id.empty());
                    EXPECT_LE(message.text.size(), max_text_bytes);
                }
            } else {
                EXPECT_EQ(batch.error().code, Errc::invalid_input);
            }
        };
        for (std::size_t length = 0; length <= body.size(); ++length) check(body.substr(0, length));
        for (std::size_t i = 0; i < body.size(); ++i) {
            for (const char replacement : {'"', '1', '{', '\xC3'}) {
                std::string damaged{body};
                damaged[i] = replacement;
                check(damaged);
            }
        }
    }
    EXPECT_GT(parsed_count, 0U);
}

}  // namespace
}  // namespace dwell::sync::messenger
