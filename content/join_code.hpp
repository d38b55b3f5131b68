// Rotating per-screen join codes (DESIGN.md §4): a keyed Feistel permutation of slot indices,
// computed offline by each screen and inverted by the hub without a table.
#pragma once

#include <array>
#include <concepts>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "config/clock.hpp"
#include "config/error.hpp"
#include "config/units.hpp"
#include "content/crypto.hpp"

namespace dwell::content {

// A join space's secret S: 32 random bytes made by the hub, sent to screens as hex.
using JoinSecret = std::array<std::uint8_t, 32>;

// Exactly 64 hex digits (either case). Errors never repeat the text, since it is a secret.
Result<JoinSecret> parse_join_secret(std::string_view hex);

// A secret's form in manifests is the lower-case hex of content/crypto.hpp's to_hex, which
// parse_join_secret reads back.

// A slot that a code decodes to, and the step whose key decoded it.
struct JoinCandidate {
    std::uint64_t slot = 0;
    std::uint64_t step = 0;
    friend bool operator==(const JoinCandidate&, const JoinCandidate&) = default;
};

// The permutation of one step n, keyed with K_n. Deriving K_n costs a few HMACs and allocations,
// so callers that code many slots in one step (the hub under load, a screen showing several
// campaigns) keep a JoinStep for as long as the step lasts. Cheap to copy; every method is const
// and safe to call from several threads at once.
class JoinStep {
  public:
    using Key = std::array<std::uint8_t, 32>;

    [[nodiscard]] std::uint64_t number() const { return m_number; }
    [[nodiscard]] unsigned digits() const { return m_digits; }
    [[nodiscard]] std::uint64_t capacity() const { return m_capacity; }
    // K_n = HMAC-SHA256(S, "dwell-join" || be64(n)).
    [[nodiscard]] const Key& key() const { return m_key; }

    // The code of a slot in this step; slot must be below capacity().
    [[nodiscard]] Result<std::uint64_t> encode(std::uint64_t slot) const;
    // The slot a code stands for in this step; code must be below capacity().
    [[nodiscard]] Result<std::uint64_t> decode(std::uint64_t code) const;
    // The Feistel round function F(r, x), exposed so tests can pin it to known answers.
    [[nodiscard]] Result<std::uint32_t> round_value(std::uint8_t round, std::uint32_t half) const;

  private:
    friend class JoinCodeSpace;
    JoinStep(std::uint64_t number, unsigned digits, std::uint64_t capacity, const Key& key, HmacKey mac);

    std::uint64_t m_number;
    unsigned m_digits;
    std::uint64_t m_capacity;
    unsigned m_half_bits;
    std::uint32_t m_mask;
    Key m_key;
    HmacKey m_mac;  // keyed with m_key
};

// One messenger channel's join space: secret, digit count and rotation period. Cheap to copy;
// every method is const and safe to call from several threads at once.
class JoinCodeSpace {
  public:
    static constexpr unsigned min_digits = 4;
    static constexpr unsigned max_digits = 12;

    // digits in [4, 12]; period a whole number of seconds, at least 1s.
    static Result<JoinCodeSpace> create(const JoinSecret& secret, unsigned digits, config::Duration period);

    [[nodiscard]] unsigned digits() const { return m_digits; }
    [[nodiscard]] config::Duration period() const { return m_period; }
    // 10^digits: the number of slots and of codes.
    [[nodiscard]] std::uint64_t capacity() const { return m_capacity; }

    // n = floor(unix_time / P). Times before 1970 give negative steps, carried as their 64-bit
    // two's complement (what be64 of a signed step would be).
    [[nodiscard]] std::uint64_t step_at(config::WallTime time) const;
    // When step n begins; it ends where step n + 1 begins.
    [[nodiscard]] config::WallTime step_start(std::uint64_t step) const;

    // Derives K_n; fails only if OpenSSL does.
    [[nodiscard]] Result<JoinStep> step(std::uint64_t step) const;

    [[nodiscard]] Result<std::uint64_t> encode(std::uint64_t slot, std::uint64_t step) const;
    [[nodiscard]] Result<std::uint64_t> decode(std::uint64_t code, std::uint64_t step) const;

    // The code a screen shows for its slot at a time, zero-padded to digits().
    [[nodiscard]] Result<std::string> code_for(std::uint64_t slot, config::WallTime time) const;

    // Exactly digits() ASCII digits; anything else is a wrong code.
    [[nodiscard]] Result<std::uint64_t> parse_code(std::string_view code) const;
    // Zero-padded to digits().
    [[nodiscard]] std::string format_code(std::uint64_t code) const;

    // The slots a code stands for at a time: first under step n = step_at(time), then under n - 1,
    // the two steps the hub accepts. Which one (if any) is a join depends on which slots are
    // assigned, which only the caller knows.
    [[nodiscard]] Result<std::array<JoinCandidate, 2>> decode_at(std::string_view code,
                                                                 config::WallTime time) const;

    // The candidate of decode_at whose slot is assigned, preferring step n; nullopt for a wrong
    // code (malformed, or no candidate slot assigned).
    template <std::predicate<std::uint64_t> IsAssigned>
    [[nodiscard]] std::optional<JoinCandidate> resolve(std::string_view code, config::WallTime time,
                                                       IsAssigned&& is_assigned) const {
        const auto candidates = decode_at(code, time);
        if (!candidates) return std::nullopt;
        for (const JoinCandidate& candidate : *candidates)
            if (is_assigned(candidate.slot)) return candidate;
        return std::nullopt;
    }

  private:
    JoinCodeSpace(unsigned digits, config::Duration period, std::uint64_t capacity, HmacKey secret_mac);

    unsigned m_digits;
    config::Duration m_period;
    std::uint64_t m_capacity;
    HmacKey m_secret_mac;  // keyed with S
};

}  // namespace dwell::content
