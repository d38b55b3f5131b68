// UUIDs (RFC 9562), and version 7 ids that sort by creation time, for records born on screens.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "config/clock.hpp"
#include "config/error.hpp"

namespace dwell::content {

class Uuid {
  public:
    using Bytes = std::array<std::uint8_t, 16>;

    constexpr Uuid() = default;  // the nil UUID, all zero
    explicit constexpr Uuid(const Bytes& bytes) : m_bytes(bytes) {}

    // Reads the canonical 8-4-4-4-12 hex form. Hex digits may be upper or lower case (RFC 9562 §4:
    // case-insensitive on input); braces, "urn:uuid:" and the 32-digit form without dashes are refused
    // so every id has one spelling on the wire.
    static Result<Uuid> parse(std::string_view text);

    // Canonical lowercase 8-4-4-4-12, e.g. "01890a5d-ac96-774b-bcce-b302099a8057".
    [[nodiscard]] std::string to_string() const;

    [[nodiscard]] const Bytes& bytes() const { return m_bytes; }
    [[nodiscard]] unsigned version() const { return static_cast<unsigned>(m_bytes[6] >> 4); }
    // The two top bits of octet 8; 0b10 (2) for RFC 9562 UUIDs.
    [[nodiscard]] unsigned variant() const { return static_cast<unsigned>(m_bytes[8] >> 6); }
    [[nodiscard]] bool is_nil() const { return m_bytes == Bytes{}; }
    // True for a version 7 UUID with the RFC 9562 variant: what record ids must be.
    [[nodiscard]] bool is_v7() const { return version() == 7 && variant() == 2; }
    // The creation time of a version 7 UUID (its 48-bit unix millisecond field); nullopt otherwise.
    [[nodiscard]] std::optional<config::WallTime> time() const;

    // Byte order, which for version 7 is creation order.
    friend auto operator<=>(const Uuid&, const Uuid&) = default;

  private:
    Bytes m_bytes{};
};

// Makes version 7 UUIDs that strictly increase in the order they are made (RFC 9562 §6.2 method 1):
// the 12-bit rand_a field is a counter, seeded with 11 random bits (top bit clear, so at least 2048
// ids fit in one millisecond) whenever the millisecond changes. When the counter runs out, the next
// millisecond is borrowed; when the clock steps back, the last timestamp is carried forward. Order
// survives both, and the embedded time runs ahead of the clock until the clock catches up. The
// other 62 bits are fresh from OpenSSL RAND_bytes, so generators in different processes or on
// different screens do not collide. Thread-safe.
//
// Throws std::runtime_error when the system random source fails (RAND_bytes), since no id without
// randomness is safe to hand out.
class UuidV7Generator {
  public:
    Uuid next(config::WallTime now);

  private:
    std::mutex m_mutex;  // guards m_last_ms and m_counter
    std::int64_t m_last_ms = -1;
    std::uint16_t m_counter = 0;
};

// A version 7 UUID from the one generator of this process, so ids made anywhere in the process in
// order sort in order (the reason this is process-wide rather than an object callers pass around).
// Same guarantees and failure as UuidV7Generator::next.
Uuid uuid_v7(config::WallTime now);

}  // namespace dwell::content
