#include "player/render/qr.hpp"

#include <cassert>
#include <cerrno>
#include <cstring>
#include <memory>
#include <string>

#include <qrencode.h>

namespace dwell::player {

namespace {

struct QrcodeFree {
    void operator()(QRcode* code) const { QRcode_free(code); }
};

QRecLevel to_qrencode(QrErrorCorrection level) {
    switch (level) {
    case QrErrorCorrection::low: return QR_ECLEVEL_L;
    case QrErrorCorrection::medium: return QR_ECLEVEL_M;
    case QrErrorCorrection::quartile: return QR_ECLEVEL_Q;
    case QrErrorCorrection::high: return QR_ECLEVEL_H;
    }
    return QR_ECLEVEL_M;
}

}  // namespace

Result<QrCode> QrCode::encode(std::string_view text, QrErrorCorrection level) {
    if (text.empty()) return fail(Errc::invalid_input, "a QR code needs some text; it is empty");
    if (text.find('\0') != std::string_view::npos) {
        return fail(Errc::invalid_input, "text for a QR code has a NUL byte at {}", text.find('\0'));
    }
    const std::string terminated{text};
    errno = 0;
    // Version 0: the smallest that fits. QR_MODE_8 keeps UTF-8 bytes as bytes (no Kanji guessing)
    // while runs of digits still get the denser numeric mode.
    std::unique_ptr<QRcode, QrcodeFree> code{
        QRcode_encodeString(terminated.c_str(), 0, to_qrencode(level), QR_MODE_8, 1)};
    if (!code) {
        const int reason = errno;
        if (reason == ERANGE) {
            return fail(Errc::quota,
                        "text of {} bytes is too long for a QR code (at most 2331 bytes at level M)",
                        text.size());
        }
        return fail(Errc::internal, "libqrencode cannot encode text of {} bytes: {}", text.size(),
                    std::strerror(reason));
    }
    const int modules = code->width;
    std::vector<bool> dark(static_cast<std::size_t>(modules) * static_cast<std::size_t>(modules));
    // libqrencode keeps other flags in the higher bits; bit 0 is the module's colour.
    for (std::size_t i = 0; i < dark.size(); ++i) dark[i] = (code->data[i] & 1U) != 0;
    return QrCode{code->version, modules, std::move(dark)};
}

bool QrCode::dark(int x, int y) const {
    assert(x >= 0 && x < m_modules && y >= 0 && y < m_modules);
    return m_dark[static_cast<std::size_t>(y) * static_cast<std::size_t>(m_modules) +
                  static_cast<std::size_t>(x)];
}

RgbaImage QrCode::render(int scale) const {
    assert(scale >= 1);
    const int side = rendered_side(scale);
    RgbaImage image{side, side, Color{255, 255, 255, 255}};
    const Color black{0, 0, 0, 255};
    for (int y = 0; y < m_modules; ++y) {
        for (int x = 0; x < m_modules; ++x) {
            if (dark(x, y))
                image.fill({(quiet_zone + x) * scale, (quiet_zone + y) * scale, scale, scale}, black);
        }
    }
    return image;
}

}  // namespace dwell::player
