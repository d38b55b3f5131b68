#include "content/join_code.hpp"

#include <algorithm>
#include <cassert>
#include <span>
#include <utility>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

namespace dwell::content {

namespace {

constexpr int feistel_rounds = 8;
constexpr std::string_view step_label = "dwell-join";

void put_be64(std::uint8_t* out, std::uint64_t value) {
    for (int i = 7; i >= 0; --i) {
        out[i] = static_cast<std::uint8_t>(value & 0xff);
        value >>= 8;
    }
}

void put_be32(std::uint8_t* out, std::uint32_t value) {
    for (int i = 3; i >= 0; --i) {
        out[i] = static_cast<std::uint8_t>(value & 0xff);
        value >>= 8;
    }
}

std::uint64_t power_of_ten(unsigned exponent) {
    std::uint64_t value = 1;
    for (unsigned i = 0; i < exponent; ++i) value *= 10;
    return value;
}

// h = w / 2 where w is the smallest even number of bits that holds 10^D values.
unsigned half_bits_for(std::uint64_t capacity) {
    unsigned bits = 0;
    while ((std::uint64_t{1} << bits) < capacity) ++bits;
    if (bits % 2 != 0) ++bits;
    return bits / 2;
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

}  // namespace

namespace {

// The Feistel network of one step, on a private copy of the step's HMAC context: each round
// re-initialises the copy, which reuses the keyed state instead of duplicating it again.
class Feistel {
  public:
    Feistel(MacContext ctx, unsigned half_bits, std::uint32_t mask)
        : m_ctx(std::move(ctx)), m_half_bits(half_bits), m_mask(mask) {}

    // F(r, x) = first 4 bytes of HMAC-SHA256(K_n, u8(r) || be32(x)), big-endian, & mask.
    bool round(std::uint8_t r, std::uint32_t x, std::uint32_t& out) {
        std::array<std::uint8_t, 5> message{};
        message[0] = r;
        put_be32(message.data() + 1, x);
        std::array<std::uint8_t, EVP_MAX_MD_SIZE> mac{};
        std::size_t length = 0;
        if (EVP_MAC_init(m_ctx.get(), nullptr, 0, nullptr) != 1 ||
            EVP_MAC_update(m_ctx.get(), message.data(), message.size()) != 1 ||
            EVP_MAC_final(m_ctx.get(), mac.data(), &length, mac.size()) != 1 || length < 4)
            return false;
        out = ((std::uint32_t{mac[0]} << 24) | (std::uint32_t{mac[1]} << 16) | (std::uint32_t{mac[2]} << 8) |
               std::uint32_t{mac[3]}) &
              m_mask;
        return true;
    }

    bool forward(std::uint64_t& value) {
        auto left = static_cast<std::uint32_t>(value >> m_half_bits);
        auto right = static_cast<std::uint32_t>(value) & m_mask;
        for (int r = 0; r < feistel_rounds; ++r) {
            std::uint32_t f = 0;
            if (!round(static_cast<std::uint8_t>(r), right, f)) return false;
            const std::uint32_t next_right = left ^ f;
            left = right;
            right = next_right;
        }
        value = (std::uint64_t{left} << m_half_bits) | right;
        return true;
    }

    bool backward(std::uint64_t& value) {
        auto left = static_cast<std::uint32_t>(value >> m_half_bits);
        auto right = static_cast<std::uint32_t>(value) & m_mask;
        for (int r = feistel_rounds - 1; r >= 0; --r) {
            std::uint32_t f = 0;
            if (!round(static_cast<std::uint8_t>(r), left, f)) return false;
            const std::uint32_t previous_left = right ^ f;
            right = left;
            left = previous_left;
        }
        value = (std::uint64_t{left} << m_half_bits) | right;
        return true;
    }

  private:
    MacContext m_ctx;
    unsigned m_half_bits;
    std::uint32_t m_mask;
};

Error out_of_range(std::string_view what, std::uint64_t value, unsigned digits, std::uint64_t capacity) {
    return Error{Errc::invalid_input,
                 fmt::format("{} {} is out of range: a {}-digit join space has {}s 0 to {}", what, value,
                             digits, what, capacity - 1)};
}

}  // namespace

Result<JoinSecret> parse_join_secret(std::string_view hex) {
    JoinSecret secret{};
    if (hex.size() != secret.size() * 2)
        return fail(Errc::invalid_input, "a join secret is 64 hex digits (32 bytes); got {} characters",
                    hex.size());
    for (std::size_t i = 0; i < secret.size(); ++i) {
        const int high = hex_value(hex[2 * i]);
        const int low = hex_value(hex[2 * i + 1]);
        if (high < 0 || low < 0)
            return fail(Errc::invalid_input,
                        "a join secret is 64 hex digits (32 bytes); character {} is not 0-9 or a-f",
                        high < 0 ? 2 * i + 1 : 2 * i + 2);
        secret[i] = static_cast<std::uint8_t>((high << 4) | low);
    }
    return secret;
}

JoinStep::JoinStep(std::uint64_t number, unsigned digits, std::uint64_t capacity, const Key& key, HmacKey mac)
    : m_number(number),
      m_digits(digits),
      m_capacity(capacity),
      m_half_bits(half_bits_for(capacity)),
      m_mask(static_cast<std::uint32_t>((std::uint64_t{1} << m_half_bits) - 1)),
      m_key(key),
      m_mac(std::move(mac)) {}

Result<std::uint64_t> JoinStep::encode(std::uint64_t slot) const {
    if (slot >= m_capacity) return fail(out_of_range("slot", slot, m_digits, m_capacity));
    auto ctx = m_mac.context();
    if (!ctx) return fail(std::move(ctx.error()));
    Feistel feistel{std::move(*ctx), m_half_bits, m_mask};
    // Cycle-walking: values in [10^D, 2^w) are passed through again until one lands in range,
    // which keeps the map a permutation of [0, 10^D).
    std::uint64_t code = slot;
    do {
        if (!feistel.forward(code)) return fail(openssl_error("compute HMAC-SHA256"));
    } while (code >= m_capacity);
    return code;
}

Result<std::uint64_t> JoinStep::decode(std::uint64_t code) const {
    if (code >= m_capacity) return fail(out_of_range("code", code, m_digits, m_capacity));
    auto ctx = m_mac.context();
    if (!ctx) return fail(std::move(ctx.error()));
    Feistel feistel{std::move(*ctx), m_half_bits, m_mask};
    std::uint64_t slot = code;
    do {
        if (!feistel.backward(slot)) return fail(openssl_error("compute HMAC-SHA256"));
    } while (slot >= m_capacity);
    return slot;
}

Result<std::uint32_t> JoinStep::round_value(std::uint8_t round, std::uint32_t half) const {
    if (half > m_mask)
        return fail(Errc::invalid_input, "a {}-digit join space has half-blocks of {} bits; {} does not fit",
                    m_digits, m_half_bits, half);
    auto ctx = m_mac.context();
    if (!ctx) return fail(std::move(ctx.error()));
    Feistel feistel{std::move(*ctx), m_half_bits, m_mask};
    std::uint32_t value = 0;
    if (!feistel.round(round, half, value)) return fail(openssl_error("compute HMAC-SHA256"));
    return value;
}

JoinCodeSpace::JoinCodeSpace(unsigned digits, config::Duration period, std::uint64_t capacity,
                             HmacKey secret_mac)
    : m_digits(digits), m_period(period), m_capacity(capacity), m_secret_mac(std::move(secret_mac)) {}

Result<JoinCodeSpace> JoinCodeSpace::create(const JoinSecret& secret, unsigned digits,
                                            config::Duration period) {
    if (digits < min_digits || digits > max_digits)
        return fail(Errc::invalid_input, "join codes have {} to {} digits; got {}", min_digits, max_digits,
                    digits);
    if (period < std::chrono::seconds{1} || period.count() % 1000 != 0)
        return fail(
            Errc::invalid_input, "a join code period is a whole number of seconds, at least 1s; got {}",
            period.count() > 0 ? config::format_duration(period) : fmt::format("{}ms", period.count()));
    auto mac = HmacKey::create(secret);
    if (!mac) return fail(std::move(mac.error()));
    return JoinCodeSpace{digits, period, power_of_ten(digits), std::move(*mac)};
}

std::uint64_t JoinCodeSpace::step_at(config::WallTime time) const {
    const std::int64_t ms = time.time_since_epoch().count();
    const std::int64_t period = m_period.count();
    std::int64_t step = ms / period;
    if (ms % period != 0 && ms < 0) --step;  // floor, not truncation toward zero
    return static_cast<std::uint64_t>(step);
}

config::WallTime JoinCodeSpace::step_start(std::uint64_t step) const {
    // Unsigned arithmetic wraps instead of overflowing, so even absurd steps are defined.
    const std::uint64_t ms = step * static_cast<std::uint64_t>(m_period.count());
    return config::WallTime{config::Duration{static_cast<std::int64_t>(ms)}};
}

Result<JoinStep> JoinCodeSpace::step(std::uint64_t step) const {
    std::array<std::uint8_t, step_label.size() + 8> message{};
    std::copy(step_label.begin(), step_label.end(), message.begin());
    put_be64(message.data() + step_label.size(), step);

    auto ctx = m_secret_mac.context();
    if (!ctx) return fail(std::move(ctx.error()));
    std::array<std::uint8_t, EVP_MAX_MD_SIZE> mac{};
    std::size_t length = 0;
    if (EVP_MAC_update(ctx->get(), message.data(), message.size()) != 1 ||
        EVP_MAC_final(ctx->get(), mac.data(), &length, mac.size()) != 1)
        return fail(openssl_error("derive a join step key"));
    assert(length == JoinStep::Key{}.size());
    JoinStep::Key key{};
    std::copy_n(mac.begin(), key.size(), key.begin());

    auto step_mac = m_secret_mac.rekeyed(key);
    if (!step_mac) return fail(std::move(step_mac.error()));
    return JoinStep{step, m_digits, m_capacity, key, std::move(*step_mac)};
}

Result<std::uint64_t> JoinCodeSpace::encode(std::uint64_t slot, std::uint64_t step) const {
    if (slot >= m_capacity) return fail(out_of_range("slot", slot, m_digits, m_capacity));
    const auto prepared = this->step(step);
    if (!prepared) return fail(prepared.error());
    return prepared->encode(slot);
}

Result<std::uint64_t> JoinCodeSpace::decode(std::uint64_t code, std::uint64_t step) const {
    if (code >= m_capacity) return fail(out_of_range("code", code, m_digits, m_capacity));
    const auto prepared = this->step(step);
    if (!prepared) return fail(prepared.error());
    return prepared->decode(code);
}

Result<std::string> JoinCodeSpace::code_for(std::uint64_t slot, config::WallTime time) const {
    const auto code = encode(slot, step_at(time));
    if (!code) return fail(code.error());
    return format_code(*code);
}

Result<std::uint64_t> JoinCodeSpace::parse_code(std::string_view code) const {
    if (code.size() != m_digits)
        return fail(Errc::invalid_input, "a join code is {} digits; got {} characters", m_digits,
                    code.size());
    std::uint64_t value = 0;
    for (const char c : code) {
        if (c < '0' || c > '9') return fail(Errc::invalid_input, "a join code is {} digits 0-9", m_digits);
        value = value * 10 + static_cast<std::uint64_t>(c - '0');
    }
    return value;
}

std::string JoinCodeSpace::format_code(std::uint64_t code) const {
    return fmt::format("{:0{}}", code, m_digits);
}

Result<std::array<JoinCandidate, 2>> JoinCodeSpace::decode_at(std::string_view code,
                                                              config::WallTime time) const {
    const auto value = parse_code(code);
    if (!value) return fail(value.error());
    const std::uint64_t current = step_at(time);
    std::array<JoinCandidate, 2> candidates{JoinCandidate{0, current}, JoinCandidate{0, current - 1}};
    for (JoinCandidate& candidate : candidates) {
        auto slot = decode(*value, candidate.step);
        if (!slot) return fail(std::move(slot.error()));
        candidate.slot = *slot;
    }
    return candidates;
}

}  // namespace dwell::content
