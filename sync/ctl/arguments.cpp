#include "sync/ctl/arguments.hpp"

#include <unistd.h>

#include <array>
#include <charconv>
#include <cmath>

#include "config/yaml_reader.hpp"
#include "content/rfc3339.hpp"

namespace dwell::sync::ctl {

Result<config::WallTime> parse_time_argument(std::string_view text) {
    if (text.starts_with('@')) {
        auto seconds = config::parse_integer<std::int64_t>(text.substr(1));
        // Years 1970 to 9999, as RFC 3339 times on the wire are.
        constexpr std::int64_t last = 253402300799;
        if (!seconds || *seconds < 0 || *seconds > last)
            return fail(Errc::invalid_input,
                        "\"{}\" is not a time; after @ give whole seconds since 1970, e.g. @1764536400",
                        text);
        return config::WallTime{std::chrono::seconds{*seconds}};
    }
    auto time = content::parse_rfc3339(text);
    if (!time)
        return fail(Errc::invalid_input,
                    "\"{}\" is not a time; give RFC 3339 like 2026-12-01T06:00:00+09:00 or @unix-seconds "
                    "like @1764536400",
                    text);
    return *time;
}

CLI::Validator decimal() {
    return CLI::Validator(
        [](std::string& text) -> std::string {
            auto value = config::parse_integer<std::uint64_t>(text);
            if (!value) return value.error().message;
            text = std::to_string(*value);
            return {};
        },
        "NUMBER");
}

Result<double> parse_rate(std::string_view text) {
    std::string_view number = text;
    if (number.ends_with("/s")) number.remove_suffix(2);
    double value = 0;
    const auto* end = number.data() + number.size();
    const auto [ptr, ec] = std::from_chars(number.data(), end, value);
    if (number.empty() || ec != std::errc{} || ptr != end || !std::isfinite(value) || value < 0.01 ||
        value > 100000)
        return fail(Errc::invalid_input,
                    "\"{}\" is not a rate; give people per second like 20/s (from 0.01/s to 100000/s)", text);
    return value;
}

Result<double> parse_fraction(std::string_view text) {
    double value = 0;
    const auto* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (text.empty() || ec != std::errc{} || ptr != end || !(value >= 0 && value <= 1))
        return fail(Errc::invalid_input, "\"{}\" is not a fraction from 0 to 1, e.g. 0.1", text);
    return value;
}

std::string human_size(std::uint64_t bytes) {
    static constexpr std::array<std::string_view, 4> units{"KiB", "MiB", "GiB", "TiB"};
    if (bytes < 1024) return fmt::format("{} B", bytes);
    auto value = static_cast<double>(bytes) / 1024.0;
    std::size_t unit = 0;
    while (value >= 1024.0 && unit + 1 < units.size()) {
        value /= 1024.0;
        ++unit;
    }
    return fmt::format("{:.1f} {}", value, units[unit]);
}

bool stderr_is_terminal() {
    return ::isatty(STDERR_FILENO) == 1;
}

}  // namespace dwell::sync::ctl
