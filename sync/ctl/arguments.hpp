// How dwellctl reads values from its command line: the project's own parsers behind CLI11
// validators, times as RFC 3339 or @unix-seconds, rates, and sizes written for people.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include <CLI/CLI.hpp>

#include "config/cli.hpp"
#include "config/clock.hpp"
#include "config/error.hpp"

namespace dwell::sync::ctl {

// A bad flag value is a command-line error: exit 2, before anything is done.
using config::parsed_by;

// A whole decimal number, for ->transform(): CLI11 alone would read "010" as octal 8 and "0x10" as
// 16; this passes it on in plain decimal, or refuses it.
CLI::Validator decimal();

// TIME: RFC 3339 ("2026-12-01T06:00:00+09:00") or "@" and whole seconds since 1970 ("@1764536400").
Result<config::WallTime> parse_time_argument(std::string_view text);

// "20", "20/s" or "2.5/s": messages per second, from 0.01 to 100000.
Result<double> parse_rate(std::string_view text);

// A fraction from 0 to 1 ("0.1").
Result<double> parse_fraction(std::string_view text);

// "12.3 MiB": one decimal from KiB up, for progress and listings.
std::string human_size(std::uint64_t bytes);

// Whether standard error is a terminal, where progress is redrawn in place.
bool stderr_is_terminal();

}  // namespace dwell::sync::ctl
