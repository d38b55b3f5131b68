// SHA-256 and HMAC-SHA256 over byte strings on OpenSSL EVP, and OpenSSL's errors as Errors.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "config/error.hpp"

struct evp_mac_ctx_st;
struct evp_md_ctx_st;

namespace dwell::content {

inline constexpr std::size_t sha256_size = 32;
using Sha256 = std::array<unsigned char, sha256_size>;

// An OpenSSL HMAC context of one's own, to feed directly.
struct MacContextFree {
    void operator()(evp_mac_ctx_st* context) const;
};
using MacContext = std::unique_ptr<evp_mac_ctx_st, MacContextFree>;

// An HMAC-SHA256 key prepared once: the algorithm looked up and the key schedule run. Each use
// duplicates the keyed context, so one key serves many messages (a channel's webhooks, a join
// step's Feistel rounds) without paying for either again. Cheap to copy; every method is const
// and safe to call from several threads at once.
class HmacKey {
  public:
    // An empty key is a valid HMAC key (RFC 2104). Fails only when OpenSSL cannot run at all.
    static Result<HmacKey> create(std::span<const std::uint8_t> key);
    static Result<HmacKey> create(std::string_view key);

    // HMAC-SHA256(key, parts[0] || parts[1] || ...).
    [[nodiscard]] Result<Sha256> sign(std::initializer_list<std::string_view> parts) const;
    [[nodiscard]] Result<Sha256> sign(std::span<const std::uint8_t> message) const;
    // A private context in the keyed state; EVP_MAC_init(ctx, nullptr, 0, nullptr) returns it there.
    [[nodiscard]] Result<MacContext> context() const;
    // The same algorithm under another key, without looking it up again.
    [[nodiscard]] Result<HmacKey> rekeyed(std::span<const std::uint8_t> key) const;

  private:
    explicit HmacKey(std::shared_ptr<const evp_mac_ctx_st> keyed) : m_keyed(std::move(keyed)) {}
    std::shared_ptr<const evp_mac_ctx_st> m_keyed;  // only ever duplicated, never fed
};

// HMAC-SHA256(key, parts[0] || parts[1] || ...) with a key used once. Fails only when OpenSSL
// cannot run at all.
Result<Sha256> hmac_sha256(std::string_view key, std::initializer_list<std::string_view> parts);

// SHA-256(parts[0] || parts[1] || ...).
Result<Sha256> sha256(std::initializer_list<std::string_view> parts);

// SHA-256 over bytes that arrive in pieces: a download, an upload, a file read in chunks.
class Sha256Hasher {
  public:
    static Result<Sha256Hasher> create();

    [[nodiscard]] Result<void> update(std::span<const std::byte> bytes);
    [[nodiscard]] Result<void> update(std::string_view bytes);
    // The digest of everything since creation or the last reset(); the hasher then starts over.
    [[nodiscard]] Result<Sha256> finish();
    [[nodiscard]] Result<void> reset();

  private:
    struct Free {
        void operator()(evp_md_ctx_st* context) const;
    };
    explicit Sha256Hasher(std::unique_ptr<evp_md_ctx_st, Free> context) : m_context(std::move(context)) {}
    std::unique_ptr<evp_md_ctx_st, Free> m_context;
};

// Cryptographically random bytes (OpenSSL RAND_bytes); fails only when the system has no entropy.
[[nodiscard]] Result<void> random_bytes(std::span<std::uint8_t> out);

// Lower-case hex.
std::string to_hex(std::span<const unsigned char> bytes);

// OpenSSL reports through a per-thread queue: its newest entry, folded once into an Error
// (Errc::internal) saying what failed to happen.
Error openssl_error(std::string_view what);

}  // namespace dwell::content
