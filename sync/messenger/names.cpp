#include "sync/messenger/names.hpp"

#include <algorithm>
#include <cassert>
#include <optional>
#include <stdexcept>
#include <vector>

#include "content/crypto.hpp"

namespace dwell::sync::messenger {
namespace {

struct Decoded {
    char32_t code_point = 0;
    std::size_t length = 0;
};

bool is_continuation(unsigned char byte, unsigned char low = 0x80, unsigned char high = 0xBF) {
    return byte >= low && byte <= high;
}

// One well-formed UTF-8 sequence at the start of text (no overlongs, surrogates or values past
// U+10FFFF), or nullopt.
std::optional<Decoded> decode_one(std::string_view text) {
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
    const unsigned char lead = byte(0);
    if (lead < 0x80) return Decoded{lead, 1};
    if (lead >= 0xC2 && lead <= 0xDF) {
        if (text.size() < 2 || !is_continuation(byte(1))) return std::nullopt;
        return Decoded{static_cast<char32_t>(((lead & 0x1FU) << 6U) | (byte(1) & 0x3FU)), 2};
    }
    if (lead >= 0xE0 && lead <= 0xEF) {
        const unsigned char low = lead == 0xE0 ? 0xA0 : 0x80;
        const unsigned char high = lead == 0xED ? 0x9F : 0xBF;
        if (text.size() < 3 || !is_continuation(byte(1), low, high) || !is_continuation(byte(2)))
            return std::nullopt;
        return Decoded{
            static_cast<char32_t>(((lead & 0x0FU) << 12U) | ((byte(1) & 0x3FU) << 6U) | (byte(2) & 0x3FU)),
            3};
    }
    if (lead >= 0xF0 && lead <= 0xF4) {
        const unsigned char low = lead == 0xF0 ? 0x90 : 0x80;
        const unsigned char high = lead == 0xF4 ? 0x8F : 0xBF;
        if (text.size() < 4 || !is_continuation(byte(1), low, high) || !is_continuation(byte(2)) ||
            !is_continuation(byte(3)))
            return std::nullopt;
        return Decoded{static_cast<char32_t>(((lead & 0x07U) << 18U) | ((byte(1) & 0x3FU) << 12U) |
                                             ((byte(2) & 0x3FU) << 6U) | (byte(3) & 0x3FU)),
                       4};
    }
    return std::nullopt;
}

void append_utf8(std::string& out, char32_t cp) {
    const auto put = [&](unsigned value) { out.push_back(static_cast<char>(value)); };
    const auto value = static_cast<unsigned>(cp);
    if (value < 0x80) {
        put(value);
    } else if (value < 0x800) {
        put(0xC0U | (value >> 6U));
        put(0x80U | (value & 0x3FU));
    } else if (value < 0x10000) {
        put(0xE0U | (value >> 12U));
        put(0x80U | ((value >> 6U) & 0x3FU));
        put(0x80U | (value & 0x3FU));
    } else {
        put(0xF0U | (value >> 18U));
        put(0x80U | ((value >> 12U) & 0x3FU));
        put(0x80U | ((value >> 6U) & 0x3FU));
        put(0x80U | (value & 0x3FU));
    }
}

bool is_space(char32_t cp) {
    return cp == 0x20 || (cp >= 0x09 && cp <= 0x0D) || cp == 0x85 || cp == 0xA0 || cp == 0x1680 ||
           (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F ||
           cp == 0x3000;
}

// Characters that would be invisible, move the text around or attach to a neighbour on screen.
bool is_hidden(char32_t cp) {
    return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0xAD || (cp >= 0x300 && cp <= 0x36F) ||
           cp == 0x61C || cp == 0x180E || (cp >= 0x200B && cp <= 0x200F) || (cp >= 0x202A && cp <= 0x202E) ||
           (cp >= 0x2060 && cp <= 0x206F) || (cp >= 0xFE00 && cp <= 0xFE0F) || cp == 0xFEFF ||
           (cp >= 0xFFF9 && cp <= 0xFFFB) || cp == 0xFFFE || cp == 0xFFFF || (cp >= 0xE0000 && cp <= 0xE0FFF);
}

// The name's code points after cleaning (see the header).
std::vector<char32_t> clean_code_points(std::string_view name) {
    std::vector<char32_t> out;
    bool pending_space = false;
    while (!name.empty()) {
        const std::optional<Decoded> decoded = decode_one(name);
        if (!decoded) {
            name.remove_prefix(1);
            continue;
        }
        name.remove_prefix(decoded->length);
        if (is_space(decoded->code_point)) {
            pending_space = !out.empty();
            continue;
        }
        if (is_hidden(decoded->code_point)) continue;
        if (pending_space) out.push_back(U' ');
        pending_space = false;
        out.push_back(decoded->code_point);
    }
    return out;
}

}  // namespace

std::string mask_display_name(std::string_view name) {
    const std::vector<char32_t> code_points = clean_code_points(name);
    std::string masked;
    switch (code_points.size()) {
    case 0: return masked;
    case 1: return "*";
    case 2:
        append_utf8(masked, code_points.front());
        masked.push_back('*');
        return masked;
    default: break;
    }
    const std::size_t stars = std::min(code_points.size() - 2, max_masked_code_points - 2);
    append_utf8(masked, code_points.front());
    masked.append(stars, '*');
    append_utf8(masked, code_points.back());
    return masked;
}

Result<PersonIds> PersonIds::create(std::string_view pepper) {
    auto key = content::HmacKey::create(pepper);
    if (!key) return fail(std::move(key.error()));
    return PersonIds{std::move(*key)};
}

std::string PersonIds::id(std::string_view channel, std::string_view platform_user) const {
    assert(channel.find('\0') == std::string_view::npos);
    static constexpr std::string_view separator{"\0", 1};
    auto mac = m_key.sign({channel, separator, platform_user});
    // Nothing downstream can repair OpenSSL failing on HMAC-SHA256 (no memory, no provider).
    if (!mac) throw std::runtime_error(mac.error().message);
    return content::to_hex(*mac);
}

std::string person_id(std::string_view pepper, std::string_view channel, std::string_view platform_user) {
    auto ids = PersonIds::create(pepper);
    if (!ids) throw std::runtime_error(ids.error().message);
    return ids->id(channel, platform_user);
}

}  // namespace dwell::sync::messenger
