#include "sync/ctl/table.hpp"

#include <algorithm>
#include <cstdint>

namespace dwell::sync::ctl {
namespace {

bool is_wide(std::uint32_t code) {
    return (code >= 0x1100 && code <= 0x115f) || (code >= 0x2e80 && code <= 0x303e) ||
           (code >= 0x3041 && code <= 0x33ff) || (code >= 0x3400 && code <= 0x4dbf) ||
           (code >= 0x4e00 && code <= 0x9fff) || (code >= 0xa000 && code <= 0xa4cf) ||
           (code >= 0xac00 && code <= 0xd7a3) || (code >= 0xf900 && code <= 0xfaff) ||
           (code >= 0xfe30 && code <= 0xfe4f) || (code >= 0xff00 && code <= 0xff60) ||
           (code >= 0xffe0 && code <= 0xffe6) || (code >= 0x1f300 && code <= 0x1f64f) ||
           (code >= 0x1f900 && code <= 0x1f9ff) || (code >= 0x20000 && code <= 0x3fffd);
}

}  // namespace

std::size_t display_width(std::string_view text) {
    std::size_t width = 0;
    for (std::size_t i = 0; i < text.size();) {
        const auto lead = static_cast<unsigned char>(text[i]);
        std::size_t length = 1;
        std::uint32_t code = lead;
        if (lead >= 0xf0) {
            length = 4;
            code = lead & 0x07U;
        } else if (lead >= 0xe0) {
            length = 3;
            code = lead & 0x0fU;
        } else if (lead >= 0xc0) {
            length = 2;
            code = lead & 0x1fU;
        }
        for (std::size_t k = 1; k < length && i + k < text.size(); ++k)
            code = (code << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3fU);
        i += length;
        if (lead >= 0x80 && lead < 0xc0) continue;     // a stray continuation byte
        if (code >= 0x300 && code <= 0x36f) continue;  // combining marks
        width += is_wide(code) ? 2U : 1U;
    }
    return width;
}

Table::Table(std::vector<std::string> headers)
    : m_headers(std::move(headers)), m_align(m_headers.size(), Align::left) {}

void Table::set_align(std::size_t column, Align align) {
    if (column < m_align.size()) m_align[column] = align;
}

void Table::add_row(std::vector<std::string> cells) {
    cells.resize(m_headers.size());
    m_rows.push_back(std::move(cells));
}

std::string Table::render() const {
    std::vector<std::size_t> widths(m_headers.size());
    for (std::size_t c = 0; c < m_headers.size(); ++c) widths[c] = display_width(m_headers[c]);
    for (const auto& row : m_rows)
        for (std::size_t c = 0; c < row.size(); ++c) widths[c] = std::max(widths[c], display_width(row[c]));
    std::string out;
    const auto line = [&](const std::vector<std::string>& cells) {
        std::string text;
        for (std::size_t c = 0; c < cells.size(); ++c) {
            const std::size_t pad = widths[c] - display_width(cells[c]);
            if (c > 0) text += "  ";
            if (m_align[c] == Align::right) text.append(pad, ' ');
            text += cells[c];
            if (m_align[c] == Align::left) text.append(pad, ' ');
        }
        while (!text.empty() && text.back() == ' ') text.pop_back();
        out += text;
        out += '\n';
    };
    line(m_headers);
    for (const auto& row : m_rows) line(row);
    return out;
}

}  // namespace dwell::sync::ctl
