// RFC 3339 date-times: the one parser behind campaign windows, record times and API queries.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "config/clock.hpp"
#include "config/error.hpp"

namespace dwell::content {

// A time as written: the instant plus the UTC offset the writer used.
struct OffsetTime {
    config::WallTime utc{};
    std::chrono::minutes offset{0};
    friend bool operator==(const OffsetTime&, const OffsetTime&) = default;
};

// "2026-12-01T06:00:00+09:00", "2026-12-01t06:00:00.250Z": any RFC 3339
// date-time that is a whole number of milliseconds. Errors say what is wrong with the text.
Result<OffsetTime> parse_rfc3339_offset(std::string_view text);

// The same, in years 1970 to 9999 (what the wire carries), with errors that show the expected form.
Result<config::WallTime> parse_rfc3339(std::string_view text);

// "2026-12-01T06:00:00.000Z"
std::string format_rfc3339(config::WallTime time);

}  // namespace dwell::content
