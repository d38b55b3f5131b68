// Recognises a join in a messenger text (DESIGN.md §4) and extracts the code it carries.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace dwell::content {

// Longer texts are not joins; they are refused before any parsing.
inline constexpr std::size_t max_join_message_bytes = 256;

// The D-digit code of a join message, or nullopt when the text is not a join. After trimming
// ASCII and Unicode white space, a join is one of:
//   the code itself, with spaces and dashes allowed between digits   "482913", "482 913", "482-913"
//   JOIN <code> (any case) or 참여 <code>                              "join 482-913", "참여 482913"
//   a Telegram deep-link start                                         "/start j482913"
// Only ASCII digits count; digits outside [4, 12] never match.
std::optional<std::string> parse_join_message(std::string_view text, unsigned digits);

}  // namespace dwell::content
