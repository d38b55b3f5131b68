#include "content/join_message.hpp"

#include <array>

namespace dwell::content {

namespace {

constexpr unsigned min_code_digits = 4;
constexpr unsigned max_code_digits = 12;

bool starts_with_at(std::string_view text, std::size_t at, std::string_view prefix) {
    return text.substr(at).starts_with(prefix);
}

// Bytes taken by a white-space character at `at`, or 0. Besides ASCII this covers what phones
// and CJK input methods insert: no-break, ideographic (U+3000) and typographic spaces, and the
// invisible zero-width space and byte-order mark.
std::size_t space_length(std::string_view text, std::size_t at) {
    switch (text[at]) {
    case ' ':
    case '\t':
    case '\n':
    case '\r':
    case '\v':
    case '\f': return 1;
    default: break;
    }
    static constexpr std::array<std::string_view, 20> spaces{
        "\u00a0", "\u1680", "\u2000", "\u2001", "\u2002", "\u2003", "\u2004", "\u2005", "\u2006", "\u2007",
        "\u2008", "\u2009", "\u200a", "\u200b", "\u2028", "\u2029", "\u202f", "\u205f", "\u3000", "\ufeff",
    };
    if (static_cast<unsigned char>(text[at]) < 0x80) return 0;
    for (const std::string_view space : spaces)
        if (starts_with_at(text, at, space)) return space.size();
    return 0;
}

// Bytes taken by a dash at `at`, or 0: the ASCII hyphen-minus and the dashes autocorrect or a
// full-width keyboard turns it into.
std::size_t dash_length(std::string_view text, std::size_t at) {
    if (text[at] == '-') return 1;
    static constexpr std::array<std::string_view, 7> dashes{
        "\u2010", "\u2011", "\u2012", "\u2013", "\u2014", "\u2212", "\uff0d",
    };
    if (static_cast<unsigned char>(text[at]) < 0x80) return 0;
    for (const std::string_view dash : dashes)
        if (starts_with_at(text, at, dash)) return dash.size();
    return 0;
}

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

std::string_view trim(std::string_view text) {
    while (!text.empty()) {
        const std::size_t length = space_length(text, 0);
        if (length == 0) break;
        text.remove_prefix(length);
    }
    // Scanning forward keeps multi-byte spaces whole; the last run of spaces is what gets cut.
    std::size_t end = 0;
    for (std::size_t at = 0; at < text.size();) {
        const std::size_t length = space_length(text, at);
        if (length == 0) {
            ++at;
            end = at;
        } else {
            at += length;
        }
    }
    return text.substr(0, end);
}

// Digits with single separators (runs of spaces and dashes) between them, nothing before or after,
// so "-482913" (a negative number) and "482913-" are not codes.
std::optional<std::string> read_code(std::string_view text, unsigned digits) {
    std::string code;
    std::size_t at = 0;
    while (at < text.size()) {
        if (!is_digit(text[at])) return std::nullopt;
        if (code.size() == digits) return std::nullopt;
        code += text[at++];
        bool separated = false;
        while (at < text.size()) {
            std::size_t length = space_length(text, at);
            if (length == 0) length = dash_length(text, at);
            if (length == 0) break;
            at += length;
            separated = true;
        }
        if (separated && at == text.size()) return std::nullopt;
    }
    if (code.size() != digits) return std::nullopt;
    return code;
}

// The text after a keyword and at least one space, or nullopt when the text does not start so.
std::optional<std::string_view> after_keyword(std::string_view text, std::string_view keyword,
                                              bool (*same)(char, char)) {
    if (text.size() <= keyword.size()) return std::nullopt;
    for (std::size_t i = 0; i < keyword.size(); ++i)
        if (!same(text[i], keyword[i])) return std::nullopt;
    std::size_t at = keyword.size();
    const std::size_t first_space = space_length(text, at);
    if (first_space == 0) return std::nullopt;
    at += first_space;
    while (at < text.size()) {
        const std::size_t length = space_length(text, at);
        if (length == 0) break;
        at += length;
    }
    return text.substr(at);
}

bool same_byte(char a, char b) {
    return a == b;
}

bool same_ascii_letter_any_case(char a, char b) {
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    return lower(a) == lower(b);
}

}  // namespace

std::optional<std::string> parse_join_message(std::string_view text, unsigned digits) {
    if (digits < min_code_digits || digits > max_code_digits) return std::nullopt;
    if (text.size() > max_join_message_bytes) return std::nullopt;
    text = trim(text);
    if (text.empty()) return std::nullopt;

    // Telegram sends "/start <payload>" when someone opens t.me/<bot>?start=<payload>; the
    // payload is machine-made, so only the exact "j<digits>" form is a join.
    if (const auto payload = after_keyword(text, "/start", same_byte)) {
        if (payload->size() != digits + 1 || payload->front() != 'j') return std::nullopt;
        const std::string_view code = payload->substr(1);
        for (const char c : code)
            if (!is_digit(c)) return std::nullopt;
        return std::string{code};
    }
    if (const auto rest = after_keyword(text, "join", same_ascii_letter_any_case))
        return read_code(*rest, digits);
    if (const auto rest = after_keyword(text, "참여", same_byte)) return read_code(*rest, digits);
    return read_code(text, digits);
}

}  // namespace dwell::content
