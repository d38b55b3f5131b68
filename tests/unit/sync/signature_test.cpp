#include "sync/messenger/signature.hpp"

#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace dwell::sync::messenger {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// RFC 4231 test case 2: HMAC-SHA256("Jefe", "what do ya want for nothing?").
constexpr std::string_view rfc_key = "Jefe";
constexpr std::string_view rfc_data = "what do ya want for nothing?";
constexpr std::string_view rfc_hex = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
constexpr std::string_view rfc_base64 = "W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM=";

// Computed with `printf '%s' BODY | openssl dgst -sha256 -hmac SECRET -binary | base64` (or xxd -p).
constexpr std::string_view line_probe = R"({"destination":"U0123456789abcdef0123456789abcdef","events":[]})";
constexpr std::string_view line_probe_signature = "tQrmpXGH0rFh/Xuca5a0WSCjuPsdQkRVOWS6wIUW07E=";
constexpr std::string_view generic_body = R"({"events":[{"id":"e-1","user":"u-1","text":"482913"}]})";
constexpr std::string_view generic_signature =
    "sha256=a1cfe3376e423b3843b2ebfe87bc46d1941f881c7521fbbf62db73e5287db98c";
constexpr std::string_view whatsapp_signature =
    "sha256=e2e20c644652b753d5323b9d4fc501915d373a1e59fbcf4e44c1262bd2afaa04";

std::string upper(std::string text) {
    for (char& c : text)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    return text;
}

// The refusal is unauthorized, names what is wrong, and never shows the secret or the signature
// the hub expected.
void expect_refused(const Result<void>& result, std::string_view mentions, std::string_view secret,
                    std::string_view expected_signature = {}) {
    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().code, Errc::unauthorized);
    EXPECT_THAT(result.error().message, HasSubstr(std::string{mentions}));
    if (!secret.empty()) {
        EXPECT_THAT(result.error().message, Not(HasSubstr(std::string{secret})));
    }
    if (!expected_signature.empty()) {
        EXPECT_THAT(result.error().message, Not(HasSubstr(std::string{expected_signature})));
    }
}

TEST(MessengerSignature, HeadersLookUpNamesInAnyCase) {
    Headers headers{{"Content-Type", "application/json"}, {"X-Line-Signature", "abc"}};
    headers.add("x-line-signature", "def");
    ASSERT_NE(headers.find("content-type"), nullptr);
    EXPECT_EQ(*headers.find("CONTENT-TYPE"), "application/json");
    EXPECT_EQ(*headers.find("x-LINE-signature"), "abc");
    EXPECT_EQ(headers.count("X-LINE-SIGNATURE"), 2U);
    EXPECT_EQ(headers.find("x-line-signatur"), nullptr);
    EXPECT_EQ(headers.count("x-hub-signature-256"), 0U);
    EXPECT_EQ(headers.size(), 3U);
}

TEST(MessengerSignature, LineSignatureMatchesKnownAnswers) {
    const Headers rfc = sign_webhook(ChannelKind::line, rfc_key, rfc_data);
    ASSERT_NE(rfc.find("x-line-signature"), nullptr);
    EXPECT_EQ(*rfc.find("x-line-signature"), rfc_base64);

    const Headers probe = sign_webhook(ChannelKind::line, "line-channel-secret", line_probe);
    EXPECT_EQ(*probe.find("X-Line-Signature"), line_probe_signature);
    EXPECT_THAT(*probe.find("content-type"), HasSubstr("application/json"));

    EXPECT_TRUE(verify_webhook(ChannelKind::line, "line-channel-secret",
                               Headers{{"X-LINE-SIGNATURE", std::string{line_probe_signature}}}, line_probe));
    EXPECT_TRUE(verify_webhook(ChannelKind::line, rfc_key,
                               Headers{{"x-line-signature", std::string{rfc_base64}}}, rfc_data));
}

TEST(MessengerSignature, HexSignaturesMatchKnownAnswers) {
    EXPECT_EQ(*sign_webhook(ChannelKind::generic, rfc_key, rfc_data).find("x-dwell-signature"),
              "sha256=" + std::string{rfc_hex});
    EXPECT_EQ(*sign_webhook(ChannelKind::whatsapp, rfc_key, rfc_data).find("x-hub-signature-256"),
              "sha256=" + std::string{rfc_hex});
    EXPECT_EQ(*sign_webhook(ChannelKind::generic, "generic-secret", generic_body).find("X-Dwell-Signature"),
              generic_signature);
    EXPECT_EQ(
        *sign_webhook(ChannelKind::whatsapp, "whatsapp-app-secret", generic_body).find("X-Hub-Signature-256"),
        whatsapp_signature);

    EXPECT_TRUE(verify_webhook(ChannelKind::generic, "generic-secret",
                               Headers{{"x-dwell-signature", std::string{generic_signature}}}, generic_body));
    EXPECT_TRUE(verify_webhook(ChannelKind::whatsapp, "whatsapp-app-secret",
                               Headers{{"x-hub-signature-256", std::string{whatsapp_signature}}},
                               generic_body));
}

TEST(MessengerSignature, HexIsAcceptedInEitherCase) {
    EXPECT_TRUE(verify_webhook(ChannelKind::generic, "generic-secret",
                               Headers{{"X-Dwell-Signature", upper(std::string{generic_signature})}},
                               generic_body));
    EXPECT_TRUE(verify_webhook(
        ChannelKind::whatsapp, "whatsapp-app-secret",
        Headers{{"X-HUB-SIGNATURE-256", "sha256=" + upper(std::string{whatsapp_signature.substr(7)})}},
        generic_body));
}

TEST(MessengerSignature, TelegramComparesTheSecretToken) {
    const Headers headers = sign_webhook(ChannelKind::telegram, "tg_Secret-123", "{}");
    EXPECT_EQ(*headers.find("x-telegram-bot-api-secret-token"), "tg_Secret-123");
    EXPECT_TRUE(verify_webhook(ChannelKind::telegram, "tg_Secret-123", headers, R"({"update_id":1})"));
    EXPECT_TRUE(verify_webhook(ChannelKind::telegram, "tg_Secret-123",
                               Headers{{"X-TELEGRAM-BOT-API-SECRET-TOKEN", "tg_Secret-123"}}, "{}"));

    expect_refused(verify_webhook(ChannelKind::telegram, "tg_Secret-123",
                                  Headers{{"X-Telegram-Bot-Api-Secret-Token", "tg_Secret-124"}}, "{}"),
                   "X-Telegram-Bot-Api-Secret-Token is wrong", "tg_Secret-123");
    expect_refused(verify_webhook(ChannelKind::telegram, "tg_Secret-123",
                                  Headers{{"X-Telegram-Bot-Api-Secret-Token", "tg_Secret"}}, "{}"),
                   "is wrong", "tg_Secret-123");
    expect_refused(verify_webhook(ChannelKind::telegram, "tg_Secret-123",
                                  Headers{{"X-Telegram-Bot-Api-Secret-Token", "tg_Secret-123x"}}, "{}"),
                   "is wrong", "tg_Secret-123");
    expect_refused(verify_webhook(ChannelKind::telegram, "tg_Secret-123",
                                  Headers{{"X-Telegram-Bot-Api-Secret-Token", "tg Secret/123"}}, "{}"),
                   "malformed", "tg_Secret-123");
    expect_refused(verify_webhook(ChannelKind::telegram, "tg_Secret-123",
                                  Headers{{"X-Telegram-Bot-Api-Secret-Token", std::string(257, 'a')}}, "{}"),
                   "malformed", "tg_Secret-123");
    expect_refused(verify_webhook(ChannelKind::telegram, "tg_Secret-123", Headers{}, "{}"),
                   "missing X-Telegram-Bot-Api-Secret-Token", "tg_Secret-123");
}

TEST(MessengerSignature, TamperedBodyIsRefused) {
    std::string body{generic_body};
    body[body.find("482913") + 5] = '4';
    expect_refused(verify_webhook(ChannelKind::generic, "generic-secret",
                                  Headers{{"X-Dwell-Signature", std::string{generic_signature}}}, body),
                   "X-Dwell-Signature does not match the body", "generic-secret");
    expect_refused(verify_webhook(ChannelKind::whatsapp, "whatsapp-app-secret",
                                  Headers{{"X-Hub-Signature-256", std::string{whatsapp_signature}}}, body),
                   "X-Hub-Signature-256 does not match the body", "whatsapp-app-secret");
    expect_refused(verify_webhook(ChannelKind::line, "line-channel-secret",
                                  Headers{{"x-line-signature", std::string{line_probe_signature}}},
                                  std::string{line_probe} + " "),
                   "x-line-signature does not match the body", "line-channel-secret");
}

TEST(MessengerSignature, WrongSecretIsRefusedWithoutShowingTheExpectedSignature) {
    // Signed with one secret, checked with another: the message must not leak what the right
    // signature would have been.
    const Headers signed_line = sign_webhook(ChannelKind::line, "attacker-guess", line_probe);
    expect_refused(verify_webhook(ChannelKind::line, "line-channel-secret", signed_line, line_probe),
                   "does not match", "line-channel-secret", line_probe_signature);
    const Headers signed_generic = sign_webhook(ChannelKind::generic, "attacker-guess", generic_body);
    expect_refused(verify_webhook(ChannelKind::generic, "generic-secret", signed_generic, generic_body),
                   "does not match", "generic-secret", generic_signature.substr(7));
}

TEST(MessengerSignature, EachPlatformChecksOnlyItsOwnHeader) {
    // A valid generic signature does not authenticate a WhatsApp webhook, and vice versa.
    const Headers generic = sign_webhook(ChannelKind::generic, "shared", generic_body);
    expect_refused(verify_webhook(ChannelKind::whatsapp, "shared", generic, generic_body),
                   "missing X-Hub-Signature-256", "shared");
    const Headers whatsapp = sign_webhook(ChannelKind::whatsapp, "shared", generic_body);
    expect_refused(verify_webhook(ChannelKind::generic, "shared", whatsapp, generic_body),
                   "missing X-Dwell-Signature", "shared");
    expect_refused(verify_webhook(ChannelKind::line, "shared", whatsapp, generic_body),
                   "missing x-line-signature", "shared");
}

TEST(MessengerSignature, SignaturesRoundTripForEveryPlatform) {
    for (const ChannelKind kind :
         {ChannelKind::line, ChannelKind::telegram, ChannelKind::whatsapp, ChannelKind::generic}) {
        const std::string body = R"({"events":[{"text":"참여 \"482913\"\n"}]})";
        const Headers headers = sign_webhook(kind, "Secret_0123456789", body);
        EXPECT_TRUE(verify_webhook(kind, "Secret_0123456789", headers, body)) << config::to_string(kind);
        EXPECT_FALSE(verify_webhook(kind, "Secret_0123456788", headers, body)) << config::to_string(kind);
    }
}

TEST(MessengerSignature, MissingOrRepeatedHeaderIsRefused) {
    expect_refused(verify_webhook(ChannelKind::line, "line-channel-secret",
                                  Headers{{"Content-Type", "application/json"}}, line_probe),
                   "missing x-line-signature header", "line-channel-secret");
    expect_refused(verify_webhook(ChannelKind::generic, "generic-secret", Headers{}, generic_body),
                   "missing X-Dwell-Signature", "generic-secret");
    // A second, different signature must not be able to ride along with a valid one.
    Headers twice{{"X-Dwell-Signature", std::string{generic_signature}}};
    twice.add("x-dwell-signature", "sha256=" + std::string(64, '0'));
    expect_refused(verify_webhook(ChannelKind::generic, "generic-secret", twice, generic_body),
                   "appears 2 times", "generic-secret");
}

TEST(MessengerSignature, MalformedHexIsRefused) {
    const std::string hex{generic_signature.substr(7)};
    for (const std::string& value : {
             hex,                                  // no prefix
             "sha1=" + hex,                        // another algorithm
             "sha256=" + hex.substr(1),            // one digit short
             "sha256=" + hex + "0",                // one digit long
             "sha256=g" + hex.substr(1),           // not hex
             "sha256=" + hex.substr(0, 63) + " ",  // trailing junk inside
             std::string{"sha256="},               // nothing
             std::string{},                        // empty
         }) {
        expect_refused(verify_webhook(ChannelKind::generic, "generic-secret",
                                      Headers{{"X-Dwell-Signature", value}}, generic_body),
                       "X-Dwell-Signature is malformed", "generic-secret");
    }
}

TEST(MessengerSignature, MalformedBase64IsRefused) {
    const std::string good{line_probe_signature};
    for (const std::string& value : {
             good.substr(0, 43),         // padding missing
             good.substr(0, 42) + "==",  // wrong padding
             "*" + good.substr(1),       // not base64
             good + "=",                 // too long
             std::string{rfc_hex},       // hex where base64 belongs
             std::string{},
         }) {
        expect_refused(verify_webhook(ChannelKind::line, "line-channel-secret",
                                      Headers{{"x-line-signature", value}}, line_probe),
                       "x-line-signature is malformed", "line-channel-secret");
    }
}

TEST(MessengerSignature, SurroundingWhiteSpaceInTheHeaderIsTolerated) {
    EXPECT_TRUE(verify_webhook(ChannelKind::line, "line-channel-secret",
                               Headers{{"x-line-signature", " " + std::string{line_probe_signature} + "\t"}},
                               line_probe));
}

TEST(MessengerSignature, EmptySecretRefusesEverything) {
    // Even a body correctly signed with the empty key: an unconfigured channel must not accept
    // what anyone can forge.
    for (const ChannelKind kind : {ChannelKind::line, ChannelKind::whatsapp, ChannelKind::generic}) {
        const Headers headers = sign_webhook(kind, "", generic_body);
        expect_refused(verify_webhook(kind, "", headers, generic_body), "empty secret", "");
    }
    expect_refused(
        verify_webhook(ChannelKind::telegram, "", Headers{{"X-Telegram-Bot-Api-Secret-Token", "x"}}, "{}"),
        "empty secret", "");
}

TEST(MessengerSignature, KakaoIsCheckedByPathSecretOnly) {
    const Headers headers = sign_webhook(ChannelKind::kakao, "path-secret", "{}");
    EXPECT_EQ(headers.count("content-type"), 1U);
    EXPECT_EQ(headers.size(), 1U);  // the secret is not sent in a header
    expect_refused(verify_webhook(ChannelKind::kakao, "path-secret", headers, "{}"), "path secret",
                   "path-secret");

    const std::string secret = "k7Jx2mQp9LwZr4TnVb8Yc3Hd6Fs1Ga5E";
    EXPECT_TRUE(verify_path_secret(secret, secret));
    expect_refused(verify_path_secret(secret, secret.substr(0, 31)), "path secret is wrong", secret);
    expect_refused(verify_path_secret(secret, secret + "x"), "path secret is wrong", secret);
    expect_refused(verify_path_secret(secret, "K" + secret.substr(1)), "path secret is wrong", secret);
    expect_refused(verify_path_secret(secret, ""), "no path secret", secret);
    expect_refused(verify_path_secret("", ""), "empty path secret", "");
    expect_refused(verify_path_secret("", "anything"), "empty path secret", "");
}

TEST(MessengerSignature, WhatsAppHandshakeEchoesTheChallenge) {
    const QueryParams good{
        {"hub.mode", "subscribe"}, {"hub.challenge", "1158201444"}, {"hub.verify_token", "meatyhamhock"}};
    const auto challenge = whatsapp_handshake(good, "meatyhamhock");
    ASSERT_TRUE(challenge) << challenge.error().message;
    EXPECT_EQ(*challenge, "1158201444");
}

TEST(MessengerSignature, WhatsAppHandshakeRefusesBadRequests) {
    const auto check = [](const QueryParams& query, std::string_view token, Errc code,
                          std::string_view mentions) {
        const auto result = whatsapp_handshake(query, token);
        ASSERT_FALSE(result) << "accepted " << *result;
        EXPECT_EQ(result.error().code, code);
        EXPECT_THAT(result.error().message, HasSubstr(std::string{mentions}));
        if (!token.empty()) {
            EXPECT_THAT(result.error().message, Not(HasSubstr(std::string{token})));
        }
    };
    check({{"hub.mode", "subscribe"}, {"hub.challenge", "1"}, {"hub.verify_token", "meatyhamhoc"}},
          "meatyhamhock", Errc::unauthorized, "does not match");
    check({{"hub.mode", "subscribe"}, {"hub.challenge", "1"}, {"hub.verify_token", "meatyhamhockk"}},
          "meatyhamhock", Errc::unauthorized, "does not match");
    check({{"hub.mode", "subscribe"}, {"hub.challenge", "1"}}, "meatyhamhock", Errc::unauthorized,
          "hub.verify_token is missing");
    check({{"hub.mode", "subscribe"}, {"hub.challenge", "1"}, {"hub.verify_token", ""}}, "meatyhamhock",
          Errc::unauthorized, "hub.verify_token is missing");
    check({{"hub.mode", "unsubscribe"}, {"hub.challenge", "1"}, {"hub.verify_token", "meatyhamhock"}},
          "meatyhamhock", Errc::invalid_input, "hub.mode is not subscribe");
    check({{"hub.challenge", "1"}, {"hub.verify_token", "meatyhamhock"}}, "meatyhamhock", Errc::invalid_input,
          "hub.mode is missing");
    check({{"hub.mode", "subscribe"}, {"hub.verify_token", "meatyhamhock"}}, "meatyhamhock",
          Errc::invalid_input, "hub.challenge is missing");
    check({{"hub.mode", "subscribe"}, {"hub.challenge", "<script>"}, {"hub.verify_token", "meatyhamhock"}},
          "meatyhamhock", Errc::invalid_input, "hub.challenge is malformed");
    check({{"hub.mode", "subscribe"},
           {"hub.challenge", std::string(257, '1')},
           {"hub.verify_token", "meatyhamhock"}},
          "meatyhamhock", Errc::invalid_input, "hub.challenge is malformed");
    check({{"hub.mode", "subscribe"},
           {"hub.challenge", "1"},
           {"hub.verify_token", "wrong"},
           {"hub.verify_token", "meatyhamhock"}},
          "meatyhamhock", Errc::invalid_input, "more than once");
    check({{"hub.mode", "subscribe"}, {"hub.challenge", "1"}, {"hub.verify_token", ""}}, "",
          Errc::unauthorized, "no verify token");
}

}  // namespace
}  // namespace dwell::sync::messenger
