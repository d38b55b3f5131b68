#include "sync/messenger/reply.hpp"

#include <string>

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

namespace dwell::sync::messenger {
namespace {

namespace json = boost::json;

constexpr std::string_view tricky = "참여 완료! \"스티커\" 보내드릴게요.\n\\ </script> \t 😀";

std::string kakao_text(const json::value& reply) {
    return std::string{reply.at("template").at("outputs").at(0).at("simpleText").at("text").as_string()};
}

TEST(MessengerReply, KakaoSkillReplyRoundTrips) {
    const json::value reply = json::parse(kakao_skill_reply(tricky));
    EXPECT_EQ(reply.at("version").as_string(), "2.0");
    ASSERT_EQ(reply.at("template").at("outputs").as_array().size(), 1U);
    EXPECT_EQ(kakao_text(reply), tricky);
    EXPECT_EQ(reply.as_object().size(), 2U);
}

TEST(MessengerReply, KakaoSkillReplyHasTheDocumentedShape) {
    EXPECT_EQ(kakao_skill_reply("ok"),
              R"({"version":"2.0","template":{"outputs":[{"simpleText":{"text":"ok"}}]}})");
}

TEST(MessengerReply, TelegramReplyRoundTrips) {
    const json::value reply = json::parse(telegram_reply(-1001234567890, tricky));
    EXPECT_EQ(reply.at("method").as_string(), "sendMessage");
    EXPECT_EQ(reply.at("chat_id").as_int64(), -1001234567890);
    EXPECT_EQ(reply.at("text").as_string(), tricky);
    EXPECT_EQ(reply.as_object().size(), 3U);
    EXPECT_EQ(json::parse(telegram_reply(4503599627370495, "x")).at("chat_id").as_int64(), 4503599627370495);
}

TEST(MessengerReply, LongTextsAreCutAtCodePoints) {
    const json::value kakao = json::parse(kakao_skill_reply(std::string(1500, 'a')));
    EXPECT_EQ(kakao_text(kakao), std::string(max_kakao_text_units, 'a'));

    // Hangul is one UTF-16 unit per syllable; emoji are two.
    std::string hangul;
    for (int i = 0; i < 1200; ++i) hangul += "가";
    EXPECT_EQ(kakao_text(json::parse(kakao_skill_reply(hangul))).size(), 3U * max_kakao_text_units);

    std::string emoji;
    for (int i = 0; i < 600; ++i) emoji += "😀";
    const std::string cut = kakao_text(json::parse(kakao_skill_reply("a" + emoji)));
    EXPECT_EQ(cut, "a" + emoji.substr(0, 4U * 499U));  // 1 + 2 * 499 = 999 units; one more would be 1001

    const json::value telegram = json::parse(telegram_reply(1, std::string(5000, 'b')));
    EXPECT_EQ(telegram.at("text").as_string().size(), max_telegram_text_units);
}

}  // namespace
}  // namespace dwell::sync::messenger
