#include "sync/messenger/names.hpp"

#include <set>
#include <string>

#include <gtest/gtest.h>

namespace dwell::sync::messenger {
namespace {

struct MaskCase {
    std::string name;
    std::string masked;
};

TEST(MessengerNames, MasksByCodePoint) {
    const MaskCase cases[] = {
        {"김민현", "김*현"},
        {"김현", "김*"},
        {"남궁민수", "남**수"},
        {"Jason", "J***n"},
        {"Jo", "J*"},
        {"J", "*"},
        {"김", "*"},
        {"", ""},
        {"김Jason", "김****n"},
        {"Jason Kim", "J*******m"},
        {"김 현", "김*현"},
        {"😀", "*"},
        {"😀Jo😀", "😀**😀"},
        {"Zoë", "Z*ë"},
        {"さくら", "さ*ら"},
    };
    for (const auto& [name, masked] : cases) EXPECT_EQ(mask_display_name(name), masked) << name;
}

TEST(MessengerNames, TrimsAndSquashesWhiteSpace) {
    EXPECT_EQ(mask_display_name("  Jason \n"), "J***n");
    EXPECT_EQ(mask_display_name("\xE3\x80\x80김민현\xC2\xA0"), "김*현");  // ideographic and no-break spaces
    EXPECT_EQ(mask_display_name("Jason \t\n  Kim"), "J*******m");
    EXPECT_EQ(mask_display_name(" \t\r\n "), "");
}

TEST(MessengerNames, InvalidUtf8AndControlsNeverPassThrough) {
    const MaskCase cases[] = {
        {"J\xFF"
         "ason",
         "J***n"},
        {"\xFF"
         "Jason\xFE",
         "J***n"},
        {"\xFF\xFE", ""},
        {"\xC0\xAFJo", "J*"},          // overlong '/'
        {"Jo\xED\xA0\x80", "J*"},      // a UTF-16 surrogate
        {"Jo\xF4\x90\x80\x80", "J*"},  // past U+10FFFF
        {"Jo\xE2\x82", "J*"},          // truncated sequence
        {"\x80\x80Jo", "J*"},          // stray continuation bytes
        {"Ja\x01so\x1Bn", "J***n"},
        {"Jason\x7F", "J***n"},
        {"\xC2\x85Jason", "J***n"},      // NEL
        {"\xE2\x80\xAEJason", "J***n"},  // right-to-left override
        {"Jaso\xE2\x80\x8Bn", "J***n"},  // zero-width space
        {"\xEF\xBB\xBFJason", "J***n"},  // byte order mark
        {"Jason\xEF\xB8\x8F", "J***n"},  // variation selector
        {"Jason\xCC\x81", "J***n"},      // combining acute accent
    };
    for (const auto& [name, masked] : cases) EXPECT_EQ(mask_display_name(name), masked);
}

TEST(MessengerNames, LongNamesAreCapped) {
    const std::string name = std::string(100, 'a') + "Z";
    const std::string masked = mask_display_name(name);
    EXPECT_EQ(masked, "a" + std::string(max_masked_code_points - 2, '*') + "Z");

    std::string korean;
    for (int i = 0; i < 200; ++i) korean += "가";
    korean += "힣";
    EXPECT_EQ(mask_display_name(korean), "가" + std::string(max_masked_code_points - 2, '*') + "힣");
    EXPECT_EQ(mask_display_name(std::string(10000, '\xFF')), "");
}

TEST(MessengerNames, PersonIdMatchesKnownAnswer) {
    // printf 'line-main\0U123' | openssl dgst -sha256 -hmac pepper
    EXPECT_EQ(person_id("pepper", "line-main", "U123"),
              "d79c314d3ef5cb5f02322d9674813aca58e6bc550f29720fd1b8bb67ad84ec4b");
}

TEST(MessengerNames, PersonIdIsStableAndSeparatesItsInputs) {
    const std::string id = person_id("pepper-1", "line-main", "U4af4980629f3f2e8a5d8c5a0b8a0e3f1");
    EXPECT_EQ(id, person_id("pepper-1", "line-main", "U4af4980629f3f2e8a5d8c5a0b8a0e3f1"));
    EXPECT_EQ(id.size(), 64U);
    EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos);
    EXPECT_EQ(id.find("U4af"), std::string::npos);

    const std::set<std::string> ids{
        id,
        person_id("pepper-2", "line-main", "U4af4980629f3f2e8a5d8c5a0b8a0e3f1"),
        person_id("pepper-1", "line-other", "U4af4980629f3f2e8a5d8c5a0b8a0e3f1"),
        person_id("pepper-1", "line-main", "U4af4980629f3f2e8a5d8c5a0b8a0e3f2"),
        person_id("pepper", "ab", "c"),
        person_id("pepper", "a", "bc"),
        person_id("pepper", "abc", ""),
        person_id("pepper", "", "abc"),
    };
    EXPECT_EQ(ids.size(), 8U);
}

}  // namespace
}  // namespace dwell::sync::messenger
