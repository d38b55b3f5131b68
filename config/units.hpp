// Durations and sizes written the way people write them: "250ms", "1h30m", "512MiB", "8GiB".
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "config/error.hpp"

namespace dwell::config {

using Duration = std::chrono::milliseconds;

// Accepts one or more <number><unit> terms, units ms, s, m, h, d, each number a non-negative
// decimal that may have a fraction ("1.5h"); the total must be a whole number of milliseconds.
Result<Duration> parse_duration(std::string_view text);

// Accepts <number><unit> with unit B, kB/KB, MB, GB, TB (powers of 1000) or KiB, MiB, GiB, TiB
// (powers of 1024); a fraction is allowed ("1.5GiB") when the result is a whole number of bytes.
Result<std::uint64_t> parse_size(std::string_view text);

// The shortest text parse_duration reads back as the same value ("1h30m", "250ms", "0s").
std::string format_duration(Duration duration);

// The largest binary unit that divides the size exactly ("8GiB", "1500B").
std::string format_size(std::uint64_t bytes);

}  // namespace dwell::config
