#include "content/join_message.hpp"

#include <string>

#include <gtest/gtest.h>

namespace dwell::content {
namespace {

struct Accepted {
    std::string_view text;
    unsigned digits;
    std::string_view code;
};

TEST(JoinMessage, AcceptsTheCodeInEveryDocumentedForm) {
    const Accepted cases[] = {
        {"482913", 6, "482913"},
        {"482 913", 6, "482913"},
        {"482-913", 6, "482913"},
        {"4 8 2 9 1 3", 6, "482913"},
        {"48-29-13", 6, "482913"},
        {"482 - 913", 6, "482913"},
        {"  482913  ", 6, "482913"},
        {"\t482913\r\n", 6, "482913"},
        {"\u3000482913\u3000", 6, "482913"},        // ideographic spaces from a Korean keyboard
        {"\u00a0482\u00a0913\u00a0", 6, "482913"},  // no-break spaces
        {"\ufeff482913", 6, "482913"},              // byte-order mark some clients prepend
        {"482\u2013913", 6, "482913"},              // en dash from autocorrect
        {"482\uff0d913", 6, "482913"},              // full-width hyphen
        {"000123", 6, "000123"},
        {"JOIN 482913", 6, "482913"},
        {"join 482913", 6, "482913"},
        {"Join 482-913", 6, "482913"},
        {"jOiN   482 913", 6, "482913"},
        {"JOIN\u3000482913", 6, "482913"},
        {" join 482913 ", 6, "482913"},
        {"참여 482913", 6, "482913"},
        {"참여 482-913", 6, "482913"},
        {"참여\u3000482 913", 6, "482913"},
        {"/start j482913", 6, "482913"},
        {"/start j000001", 6, "000001"},
        {" /start j482913\n", 6, "482913"},
        {"1234", 4, "1234"},
        {"12-34", 4, "1234"},
        {"JOIN 1234-5678", 8, "12345678"},
        {"/start j12345678", 8, "12345678"},
        {"123 456 789 012", 12, "123456789012"},
    };
    for (const Accepted& c : cases) {
        const auto code = parse_join_message(c.text, c.digits);
        ASSERT_TRUE(code) << "'" << c.text << "' with " << c.digits << " digits";
        EXPECT_EQ(*code, c.code) << "'" << c.text << "'";
    }
}

struct Refused {
    std::string_view text;
    std::string_view why;
};

TEST(JoinMessage, RefusesEverythingElse) {
    const Refused cases[] = {
        {"", "empty"},
        {"   ", "only spaces"},
        {"\u3000", "only an ideographic space"},
        {"-", "only a dash"},
        {"------", "only dashes"},
        {"- - -", "only dashes and spaces"},
        {"48291", "too few digits"},
        {"4829135", "too many digits"},
        {"482 9135", "too many digits with a space"},
        {"48291a", "a letter mixed in"},
        {"482x913", "a letter between the halves"},
        {"482.913", "a dot is not a separator"},
        {"482_913", "an underscore is not a separator"},
        {"482,913", "a comma is not a separator"},
        {"-482913", "a negative number"},
        {"\u2212"
         "482913",
         "a negative number with a minus sign"},
        {"482913-", "a trailing dash"},
        {"+482913", "a plus sign"},
        {"join482913", "no space after JOIN"},
        {"JOIN-482913", "a dash is not the space after JOIN"},
        {"JOIN: 482913", "a colon after JOIN"},
        {"JOIN", "JOIN without a code"},
        {"JOIN ", "JOIN and a space"},
        {"join join 482913", "JOIN twice"},
        {"JOIN 48291", "JOIN with too few digits"},
        {"JOIN 482913 please", "words after the code"},
        {"482913 please", "words after the code"},
        {"please 482913", "words before the code"},
        {"JOINS 482913", "another word"},
        {"참여482913", "no space after 참여"},
        {"참여", "참여 without a code"},
        {"참여하기 482913", "another Korean word"},
        {"/start 482913", "deep link without j"},
        {"/startj482913", "no space after /start"},
        {"/start j48291", "deep link with too few digits"},
        {"/start j4829130", "deep link with too many digits"},
        {"/start j482 913", "deep link payloads have no spaces"},
        {"/start j482-913", "deep link payloads have no dashes"},
        {"/start x482913", "another deep link payload"},
        {"/start", "a plain start"},
        {"/START j482913", "Telegram writes /start in lower case"},
        {"/start@dwellbot j482913", "a group-chat start"},
        {"start j482913", "no slash"},
        {"Hi! I saw your ad at Seoul station, my code is 482913", "a sentence"},
        {"\xef\xbc\x94\xef\xbc\x98\xef\xbc\x92\xef\xbc\x99\xef\xbc\x91\xef\xbc\x93", "full-width digits"},
        {"\xd9\xa4\xd9\xa8\xd9\xa2\xd9\xa9\xd9\xa1\xd9\xa3", "Arabic-Indic digits"},
        {"482\xff"
         "913",
         "invalid UTF-8"},
        {std::string_view{"482\0913", 7}, "a NUL byte"},
        {"482\u200d913", "a zero-width joiner is not a space"},
    };
    for (const Refused& c : cases)
        EXPECT_EQ(parse_join_message(c.text, 6), std::nullopt) << c.why << ": '" << c.text << "'";
}

TEST(JoinMessage, RefusesCodesOfAnotherLength) {
    EXPECT_EQ(parse_join_message("482913", 4), std::nullopt);
    EXPECT_EQ(parse_join_message("482913", 8), std::nullopt);
    EXPECT_EQ(parse_join_message("1234", 6), std::nullopt);
    EXPECT_EQ(parse_join_message("/start j482913", 8), std::nullopt);
}

TEST(JoinMessage, RefusesDigitCountsNoJoinSpaceHas) {
    EXPECT_EQ(parse_join_message("123", 3), std::nullopt);
    EXPECT_EQ(parse_join_message("", 0), std::nullopt);
    EXPECT_EQ(parse_join_message("1234567890123", 13), std::nullopt);
}

TEST(JoinMessage, RefusesVeryLongInputWhateverItHolds) {
    const std::string padded = std::string(max_join_message_bytes, ' ') + "482913";
    EXPECT_EQ(parse_join_message(padded, 6), std::nullopt);
    const std::string dashes = "482" + std::string(300, '-') + "913";
    EXPECT_EQ(parse_join_message(dashes, 6), std::nullopt);
    EXPECT_EQ(parse_join_message(std::string(1 << 20, '4'), 6), std::nullopt);

    // Up to the limit, spaces around a code are still trimmed.
    const std::string at_limit = std::string(max_join_message_bytes - 6, ' ') + "482913";
    EXPECT_EQ(parse_join_message(at_limit, 6), "482913");
}

TEST(JoinMessage, TruncatedMultiByteSpacesAreNotSpaces) {
    EXPECT_EQ(parse_join_message("482913\xe3\x80", 6), std::nullopt);
    EXPECT_EQ(parse_join_message("\xe3"
                                 "482913",
                                 6),
              std::nullopt);
    EXPECT_EQ(parse_join_message("482\xe3\x80"
                                 "913",
                                 6),
              std::nullopt);
}

}  // namespace
}  // namespace dwell::content
