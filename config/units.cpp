#include "config/units.hpp"

#include <array>
#include <cctype>
#include <limits>
#include <optional>

namespace dwell::config {
namespace {

constexpr std::string_view duration_form = "a duration such as 250ms, 8s, 1h30m or 1.5h";
constexpr std::string_view size_form = "a size such as 512MiB, 8GiB or 1GB";

struct Unit {
    std::string_view name;
    std::uint64_t factor;
};

// One "<number><unit>" term: digits with an optional fraction, then letters.
struct Term {
    std::uint64_t whole = 0;
    std::uint64_t fraction = 0;        // digits after the point, as an integer
    std::uint64_t fraction_scale = 1;  // 10^(number of fraction digits)
    std::string_view unit;
};

// Reads one term from the front of `text`; advances `text` past it.
Result<Term> read_term(std::string_view& text, std::string_view original, std::string_view form) {
    Term term;
    std::size_t i = 0;
    bool any_digit = false;
    constexpr auto max = std::numeric_limits<std::uint64_t>::max();
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
        const auto digit = static_cast<std::uint64_t>(text[i] - '0');
        if (term.whole > (max - digit) / 10)
            return fail(Errc::invalid_input, "\"{}\" is too large", original);
        term.whole = term.whole * 10 + digit;
        any_digit = true;
        ++i;
    }
    if (i < text.size() && text[i] == '.') {
        ++i;
        bool fraction_digit = false;
        while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
            if (term.fraction_scale >= 1'000'000'000'000ULL)
                return fail(Errc::invalid_input, "\"{}\" has too many decimal places", original);
            term.fraction = term.fraction * 10 + static_cast<std::uint64_t>(text[i] - '0');
            term.fraction_scale *= 10;
            fraction_digit = true;
            ++i;
        }
        if (!fraction_digit) return fail(Errc::invalid_input, "\"{}\" is not {}", original, form);
    }
    if (!any_digit) {
        if (!text.empty() && text[0] == '-')
            return fail(Errc::invalid_input, "\"{}\" is negative; expected {}", original, form);
        return fail(Errc::invalid_input, "\"{}\" is not {}", original, form);
    }
    const std::size_t unit_start = i;
    while (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i]))) ++i;
    term.unit = text.substr(unit_start, i - unit_start);
    if (term.unit.empty())
        return fail(Errc::invalid_input, "\"{}\" has no unit; expected {}", original, form);
    text.remove_prefix(i);
    return term;
}

// whole*factor + fraction*factor/scale, refusing overflow and a result that is not whole.
Result<std::uint64_t> scale_term(const Term& term, std::uint64_t factor, std::string_view original,
                                 std::string_view smallest) {
    constexpr auto max = std::numeric_limits<std::uint64_t>::max();
    if (term.whole != 0 && factor > max / term.whole)
        return fail(Errc::invalid_input, "\"{}\" is too large", original);
    const std::uint64_t whole = term.whole * factor;
    if (term.fraction != 0 && factor > max / term.fraction)
        return fail(Errc::invalid_input, "\"{}\" is too large", original);
    const std::uint64_t scaled = term.fraction * factor;
    if (scaled % term.fraction_scale != 0)
        return fail(Errc::invalid_input, "\"{}\" is not a whole number of {}", original, smallest);
    const std::uint64_t part = scaled / term.fraction_scale;
    if (whole > max - part) return fail(Errc::invalid_input, "\"{}\" is too large", original);
    return whole + part;
}

std::string_view trim(std::string_view text) {
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
    return text;
}

constexpr std::array<Unit, 5> duration_units{{
    {"d", 86'400'000},
    {"h", 3'600'000},
    {"m", 60'000},
    {"s", 1'000},
    {"ms", 1},
}};

constexpr std::array<Unit, 10> size_units{{
    {"B", 1},
    {"kB", 1'000ULL},
    {"KB", 1'000ULL},
    {"MB", 1'000'000ULL},
    {"GB", 1'000'000'000ULL},
    {"TB", 1'000'000'000'000ULL},
    {"KiB", 1ULL << 10},
    {"MiB", 1ULL << 20},
    {"GiB", 1ULL << 30},
    {"TiB", 1ULL << 40},
}};

template <std::size_t N>
std::optional<std::uint64_t> find_factor(const std::array<Unit, N>& units, std::string_view name) {
    for (const auto& unit : units)
        if (unit.name == name) return unit.factor;
    return std::nullopt;
}

}  // namespace

Result<Duration> parse_duration(std::string_view text) {
    const std::string_view original = trim(text);
    std::string_view rest = original;
    if (rest.empty()) return fail(Errc::invalid_input, "empty duration; expected {}", duration_form);
    std::uint64_t total = 0;
    constexpr auto limit = static_cast<std::uint64_t>(std::numeric_limits<Duration::rep>::max());
    while (!rest.empty()) {
        auto term = read_term(rest, original, duration_form);
        if (!term) return fail(std::move(term.error()));
        const auto factor = find_factor(duration_units, term->unit);
        if (!factor)
            return fail(Errc::invalid_input, "\"{}\" has unknown unit \"{}\"; expected ms, s, m, h or d",
                        original, term->unit);
        auto value = scale_term(*term, *factor, original, "milliseconds");
        if (!value) return fail(std::move(value.error()));
        if (*value > limit - total) return fail(Errc::invalid_input, "\"{}\" is too large", original);
        total += *value;
    }
    return Duration{static_cast<Duration::rep>(total)};
}

Result<std::uint64_t> parse_size(std::string_view text) {
    const std::string_view original = trim(text);
    std::string_view rest = original;
    if (rest.empty()) return fail(Errc::invalid_input, "empty size; expected {}", size_form);
    auto term = read_term(rest, original, size_form);
    if (!term) return fail(std::move(term.error()));
    if (!rest.empty()) return fail(Errc::invalid_input, "\"{}\" is not {}", original, size_form);
    const auto factor = find_factor(size_units, term->unit);
    if (!factor)
        return fail(Errc::invalid_input,
                    "\"{}\" has unknown unit \"{}\"; expected B, kB, MB, GB, TB, KiB, MiB, GiB or TiB",
                    original, term->unit);
    return scale_term(*term, *factor, original, "bytes");
}

std::string format_duration(Duration duration) {
    auto ms = static_cast<std::uint64_t>(duration.count() < 0 ? 0 : duration.count());
    if (ms == 0) return "0s";
    std::string out;
    for (const auto& unit : duration_units) {
        if (ms >= unit.factor) {
            out += fmt::format("{}{}", ms / unit.factor, unit.name);
            ms %= unit.factor;
        }
    }
    return out;
}

std::string format_size(std::uint64_t bytes) {
    static constexpr std::array<Unit, 4> binary{{
        {"TiB", 1ULL << 40},
        {"GiB", 1ULL << 30},
        {"MiB", 1ULL << 20},
        {"KiB", 1ULL << 10},
    }};
    for (const auto& unit : binary)
        if (bytes != 0 && bytes % unit.factor == 0)
            return fmt::format("{}{}", bytes / unit.factor, unit.name);
    return fmt::format("{}B", bytes);
}

}  // namespace dwell::config
