#include "content/rfc3339.hpp"

#include <cctype>
#include <optional>

#include <date/date.h>

namespace dwell::content {
namespace {

constexpr std::string_view form = "RFC 3339 such as 2026-12-01T06:00:00+09:00 (or ...Z for UTC)";
constexpr std::string_view wire_example = "2026-12-01T06:00:00.000Z";
constexpr std::int64_t max_wire_ms = 253'402'300'799'999;  // 9999-12-31T23:59:59.999Z

// Reads exactly `count` decimal digits at `pos`.
std::optional<int> read_digits(std::string_view text, std::size_t pos, std::size_t count) {
    if (pos + count > text.size()) return std::nullopt;
    int value = 0;
    for (std::size_t i = pos; i < pos + count; ++i) {
        if (!std::isdigit(static_cast<unsigned char>(text[i]))) return std::nullopt;
        value = value * 10 + (text[i] - '0');
    }
    return value;
}

}  // namespace

Result<OffsetTime> parse_rfc3339_offset(std::string_view text) {
    const auto not_a_time = [&] {
        return fail(Errc::invalid_input, "\"{}\" is not a date and time; expected {}", text, form);
    };
    const auto year = read_digits(text, 0, 4);
    const auto month = read_digits(text, 5, 2);
    const auto day = read_digits(text, 8, 2);
    if (!year || !month || !day || text[4] != '-' || text[7] != '-') return not_a_time();
    if (text.size() == 10)
        return fail(Errc::invalid_input, "\"{}\" has no time of day; expected {}", text, form);
    const auto hour = read_digits(text, 11, 2);
    const auto minute = read_digits(text, 14, 2);
    const auto second = read_digits(text, 17, 2);
    const char separator = text[10];
    if ((separator != 'T' && separator != 't') || !hour || !minute || !second || text[13] != ':' ||
        text[16] != ':')
        return not_a_time();

    std::size_t pos = 19;
    std::chrono::milliseconds fraction{0};
    if (pos < text.size() && text[pos] == '.') {
        const std::size_t start = ++pos;
        while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos]))) ++pos;
        const std::string_view digits = text.substr(start, pos - start);
        if (digits.empty() || digits.size() > 9) return not_a_time();
        if (digits.size() > 3 && digits.substr(3).find_first_not_of('0') != std::string_view::npos)
            return fail(Errc::invalid_input, "\"{}\" is finer than a millisecond", text);
        int ms = 0;
        for (std::size_t i = 0; i < 3; ++i) ms = ms * 10 + (i < digits.size() ? digits[i] - '0' : 0);
        fraction = std::chrono::milliseconds{ms};
    }
    if (pos == text.size())
        return fail(Errc::invalid_input,
                    "\"{}\" has no UTC offset; add Z for UTC or the local offset, e.g. {}+09:00", text,
                    text.substr(0, pos));

    std::chrono::minutes offset{0};
    if (text[pos] == 'Z' || text[pos] == 'z') {
        ++pos;
    } else if (text[pos] == '+' || text[pos] == '-') {
        const auto offset_hours = read_digits(text, pos + 1, 2);
        const auto offset_minutes = read_digits(text, pos + 4, 2);
        if (!offset_hours || !offset_minutes || text[pos + 3] != ':') return not_a_time();
        if (*offset_hours > 23 || *offset_minutes > 59)
            return fail(Errc::invalid_input, "\"{}\" has an impossible UTC offset", text);
        offset = std::chrono::hours{*offset_hours} + std::chrono::minutes{*offset_minutes};
        if (text[pos] == '-') offset = -offset;
        pos += 6;
    } else {
        return not_a_time();
    }
    if (pos != text.size()) return not_a_time();

    const std::chrono::year_month_day date{std::chrono::year{*year},
                                           std::chrono::month{static_cast<unsigned>(*month)},
                                           std::chrono::day{static_cast<unsigned>(*day)}};
    if (!date.ok())
        return fail(Errc::invalid_input, "\"{}\" is not a valid date: {} has no such day", text,
                    text.substr(0, 10));
    if (*hour > 23 || *minute > 59 || *second > 59)
        return fail(Errc::invalid_input, "\"{}\" is not a valid time of day", text);
    const config::WallTime local = std::chrono::sys_days{date} + std::chrono::hours{*hour} +
                                   std::chrono::minutes{*minute} + std::chrono::seconds{*second} + fraction;
    return OffsetTime{local - offset, offset};
}

Result<config::WallTime> parse_rfc3339(std::string_view text) {
    auto parsed = parse_rfc3339_offset(text);
    const auto ms = parsed ? parsed->utc.time_since_epoch().count() : 0;
    if (parsed && ms >= 0 && ms <= max_wire_ms) return parsed->utc;
    const std::string reason = parsed ? "outside 1970 to 9999" : parsed.error().message;
    return fail(Errc::invalid_input, "expected RFC 3339 time like {}, got \"{}\" ({})", wire_example, text,
                reason);
}

std::string format_rfc3339(config::WallTime time) {
    return date::format("%FT%TZ", time);
}

}  // namespace dwell::content
