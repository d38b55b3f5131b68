#include "content/uuid.hpp"

#include <algorithm>
#include <span>
#include <stdexcept>

#include <openssl/err.h>
#include <openssl/rand.h>

namespace dwell::content {
namespace {

constexpr std::size_t text_length = 36;
constexpr std::array<std::size_t, 4> dash_positions{8, 13, 18, 23};
constexpr std::int64_t max_unix_ms = (std::int64_t{1} << 48) - 1;
constexpr std::uint16_t max_counter = 0x0fff;  // rand_a is 12 bits
constexpr std::uint16_t seed_mask = 0x07ff;    // seeds keep the top bit clear: room for 2048 more ids

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

bool is_dash_position(std::size_t index) {
    return std::find(dash_positions.begin(), dash_positions.end(), index) != dash_positions.end();
}

// Quotes what was received, shortened so a hostile or broken input cannot flood a log line.
std::string quoted(std::string_view text) {
    constexpr std::size_t limit = 48;
    if (text.size() <= limit) return fmt::format("\"{}\"", text);
    return fmt::format("\"{}…\" ({} characters)", text.substr(0, limit), text.size());
}

std::unexpected<Error> bad_uuid(std::string_view text, std::string_view reason) {
    return fail(
        Errc::invalid_input,
        "expected a UUID like 01890a5d-ac96-774b-bcce-b302099a8057 (8-4-4-4-12 hex digits), got {}: {}",
        quoted(text), reason);
}

void random_bytes(std::span<std::uint8_t> out) {
    if (RAND_bytes(out.data(), static_cast<int>(out.size())) != 1) {
        const unsigned long code = ERR_get_error();
        std::array<char, 256> reason{};
        ERR_error_string_n(code, reason.data(), reason.size());
        throw std::runtime_error(fmt::format(
            "cannot make a UUID: the system random source failed (RAND_bytes: {})", reason.data()));
    }
}

}  // namespace

Result<Uuid> Uuid::parse(std::string_view text) {
    if (text.size() != text_length)
        return bad_uuid(text, fmt::format("it has {} characters, not {}", text.size(), text_length));
    Bytes bytes{};
    std::size_t nibble = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (is_dash_position(i)) {
            if (c != '-') return bad_uuid(text, fmt::format("character {} should be '-'", i + 1));
            continue;
        }
        const int value = hex_value(c);
        if (value < 0) return bad_uuid(text, fmt::format("character {} is not a hex digit", i + 1));
        auto& byte = bytes[nibble / 2];
        byte = static_cast<std::uint8_t>(nibble % 2 == 0 ? value << 4 : byte | value);
        ++nibble;
    }
    return Uuid{bytes};
}

std::string Uuid::to_string() const {
    static constexpr std::string_view digits = "0123456789abcdef";
    std::string text;
    text.reserve(text_length);
    for (std::size_t i = 0; i < m_bytes.size(); ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) text.push_back('-');
        text.push_back(digits[m_bytes[i] >> 4]);
        text.push_back(digits[m_bytes[i] & 0x0f]);
    }
    return text;
}

std::optional<config::WallTime> Uuid::time() const {
    if (!is_v7()) return std::nullopt;
    std::int64_t ms = 0;
    for (std::size_t i = 0; i < 6; ++i) ms = (ms << 8) | m_bytes[i];
    return config::WallTime{std::chrono::milliseconds{ms}};
}

Uuid UuidV7Generator::next(config::WallTime now) {
    // 8 bytes for rand_b (62 bits used), 2 for a counter seed if one is needed.
    std::array<std::uint8_t, 10> random{};
    random_bytes(random);
    const auto seed = static_cast<std::uint16_t>(((random[8] << 8) | random[9]) & seed_mask);
    const std::int64_t clock_ms = std::clamp<std::int64_t>(now.time_since_epoch().count(), 0, max_unix_ms);

    std::int64_t unix_ms = 0;
    std::uint16_t counter = 0;
    {
        const std::scoped_lock lock(m_mutex);
        if (clock_ms > m_last_ms) {
            m_last_ms = clock_ms;
            m_counter = seed;
        } else if (m_counter < max_counter) {
            ++m_counter;  // same millisecond, or the clock stepped back: keep counting on the last one
        } else {
            ++m_last_ms;  // the counter ran out: borrow the next millisecond
            m_counter = seed;
        }
        unix_ms = m_last_ms;
        counter = m_counter;
    }

    Uuid::Bytes bytes{};
    for (std::size_t i = 0; i < 6; ++i) bytes[i] = static_cast<std::uint8_t>(unix_ms >> (8 * (5 - i)));
    bytes[6] = static_cast<std::uint8_t>(0x70 | (counter >> 8));
    bytes[7] = static_cast<std::uint8_t>(counter & 0xff);
    bytes[8] = static_cast<std::uint8_t>(0x80 | (random[0] & 0x3f));
    std::copy(random.begin() + 1, random.begin() + 8, bytes.begin() + 9);
    return Uuid{bytes};
}

Uuid uuid_v7(config::WallTime now) {
    static UuidV7Generator generator;
    return generator.next(now);
}

}  // namespace dwell::content
