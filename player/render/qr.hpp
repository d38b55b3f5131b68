// QR codes of join deep links (libqrencode), drawn black on white with the quiet zone scanners need.
#pragma once

#include <string_view>
#include <vector>

#include "config/error.hpp"
#include "player/render/renderer.hpp"

namespace dwell::player {

// How much of a damaged or dirty code can still be read: about 7, 15, 25 and 30 %.
enum class QrErrorCorrection { low, medium, quartile, high };

class QrCode {
  public:
    // Light modules around the code on every side, as ISO/IEC 18004 asks.
    static constexpr int quiet_zone = 4;

    // The smallest code that holds `text` (bytes as given, UTF-8 as is). Errors: Errc::invalid_input
    // for an empty text or one with a NUL byte, Errc::quota when it is too long for any QR code.
    static Result<QrCode> encode(std::string_view text, QrErrorCorrection level = QrErrorCorrection::medium);

    [[nodiscard]] int version() const { return m_version; }  // 1..40
    [[nodiscard]] int modules() const { return m_modules; }  // modules per side: 17 + 4 × version
    // Whether the module at column x, row y (0..modules()-1) is dark.
    [[nodiscard]] bool dark(int x, int y) const;

    // The side in pixels of render(scale).
    [[nodiscard]] int rendered_side(int scale) const { return (m_modules + 2 * quiet_zone) * scale; }
    // The largest whole scale whose rendering fits in `side` pixels; 0 when not even 1 does.
    [[nodiscard]] int largest_scale(int side) const { return side / (m_modules + 2 * quiet_zone); }
    // Each module as scale × scale pixels, dark black and light white, opaque, with the quiet zone.
    // A scale below 1 is a programming error.
    [[nodiscard]] RgbaImage render(int scale) const;

  private:
    QrCode(int version, int modules, std::vector<bool> dark)
        : m_version(version), m_modules(modules), m_dark(std::move(dark)) {}

    int m_version = 0;
    int m_modules = 0;
    std::vector<bool> m_dark;  // row by row
};

}  // namespace dwell::player
