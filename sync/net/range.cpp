#include "sync/net/range.hpp"

#include <charconv>
#include <optional>

namespace dwell::sync::net {
namespace {

std::optional<std::uint64_t> parse_number(std::string_view text) {
    if (text.empty()) return std::nullopt;
    std::uint64_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
    return value;
}

std::string_view trim(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
    return text;
}

}  // namespace

RangeRequest parse_range(std::string_view header, std::uint64_t size) {
    constexpr std::string_view unit = "bytes=";
    header = trim(header);
    if (header.size() < unit.size()) return {};
    for (std::size_t i = 0; i < unit.size(); ++i) {
        const char c = header[i];
        if ((c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c) != unit[i]) return {};
    }
    const std::string_view spec = trim(header.substr(unit.size()));
    if (spec.find(',') != std::string_view::npos) return {};  // several ranges: send it all
    const auto dash = spec.find('-');
    if (dash == std::string_view::npos) return {};
    const std::string_view first_text = trim(spec.substr(0, dash));
    const std::string_view last_text = trim(spec.substr(dash + 1));

    if (first_text.empty()) {  // suffix: the last N bytes
        const auto suffix = parse_number(last_text);
        if (!suffix) return {};
        if (*suffix == 0 || size == 0) return {RangeKind::unsatisfiable, {}};
        const std::uint64_t length = std::min(*suffix, size);
        return {RangeKind::partial, {size - length, length}};
    }
    const auto first = parse_number(first_text);
    if (!first) return {};
    std::uint64_t last = size == 0 ? 0 : size - 1;
    if (!last_text.empty()) {
        const auto given = parse_number(last_text);
        if (!given || *given < *first) return {};
        last = std::min(last, *given);
    }
    if (*first >= size) return {RangeKind::unsatisfiable, {}};
    return {RangeKind::partial, {*first, last - *first + 1}};
}

}  // namespace dwell::sync::net
