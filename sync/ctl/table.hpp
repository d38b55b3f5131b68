// Aligned text tables for listings; widths count Hangul and other wide characters as two columns,
// so Korean campaign names line up in a terminal.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace dwell::sync::ctl {

// Terminal columns UTF-8 text takes (East Asian wide characters count two).
std::size_t display_width(std::string_view text);

class Table {
  public:
    enum class Align { left, right };

    explicit Table(std::vector<std::string> headers);

    // Numbers read better right-aligned.
    void set_align(std::size_t column, Align align);
    void add_row(std::vector<std::string> cells);

    [[nodiscard]] bool empty() const { return m_rows.empty(); }
    // Header, then rows; columns two spaces apart; no trailing spaces; ends with a newline.
    [[nodiscard]] std::string render() const;

  private:
    std::vector<std::string> m_headers;
    std::vector<Align> m_align;
    std::vector<std::vector<std::string>> m_rows;
};

}  // namespace dwell::sync::ctl
