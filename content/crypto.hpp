// SHA-256 and HMAC-SHA256 over byte strings on OpenSSL EVP, and OpenSSL's errors as Errors.
#pragma once

#include <array>
#include <cstddef>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>

#include "config/error.hpp"

namespace dwell::content {

inline constexpr std::size_t sha256_size = 32;
using Sha256 = std::array<unsigned char, sha256_size>;

// HMAC-SHA256(key, parts[0] || parts[1] || ...). Fails only when OpenSSL cannot run at all.
Result<Sha256> hmac_sha256(std::string_view key, std::initializer_list<std::string_view> parts);

// SHA-256(parts[0] || parts[1] || ...).
Result<Sha256> sha256(std::initializer_list<std::string_view> parts);

// Lower-case hex.
std::string to_hex(std::span<const unsigned char> bytes);

// OpenSSL reports through a per-thread queue: its newest entry, folded once into an Error
// (Errc::internal) saying what failed to happen.
Error openssl_error(std::string_view what);

}  // namespace dwell::content
