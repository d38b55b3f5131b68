// Editing documents in tests without moving their line numbers.
#pragma once

#include <sstream>
#include <string>
#include <string_view>

namespace dwell::test {

// `text` with its 1-based line `line` replaced, so the other lines keep their numbers.
inline std::string replace_line(std::string_view text, int line, std::string_view replacement) {
    std::istringstream in{std::string{text}};
    std::string out;
    std::string current;
    for (int number = 1; std::getline(in, current); ++number)
        out += (number == line ? std::string{replacement} : current) + "\n";
    return out;
}

}  // namespace dwell::test
