// What of a person the hub keeps and shows: a pseudonymous id and a masked display name (DESIGN §4).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "config/error.hpp"
#include "content/crypto.hpp"

namespace dwell::sync::messenger {

// A masked name never shows more than this many code points.
inline constexpr std::size_t max_masked_code_points = 32;

// The name a screen may show: the first and last code points with the ones between hidden.
//   "김민현" → "김*현", "김현" → "김*", "Jason" → "J***n", "Jo" → "J*", "J" → "*", "" → ""
// The name is cleaned first: invalid UTF-8, control characters and invisible format characters
// (zero-width, bidirectional overrides, variation selectors, combining accents) are dropped, runs
// of white space become one space, and white space at either end is trimmed. Long names keep
// their real last code point with at most max_masked_code_points - 2 stars between.
std::string mask_display_name(std::string_view name);

// The id a person is stored under instead of the platform's: lower-case hex of
// HMAC-SHA256(pepper, channel || 0x00 || platform user id). The NUL keeps ("ab", "c") and
// ("a", "bc") apart; channel ids never contain one (asserted). The same inputs always give the
// same id, and without the pepper the platform id cannot be recovered from it.
// Throws std::runtime_error only when OpenSSL cannot compute HMAC-SHA256 at all.
std::string person_id(std::string_view pepper, std::string_view channel, std::string_view platform_user);

// person_id with the pepper's HMAC key prepared once, for the hub's hot path. Cheap to copy;
// id() is safe from several threads.
class PersonIds {
  public:
    static Result<PersonIds> create(std::string_view pepper);
    // Throws std::runtime_error only when OpenSSL cannot compute HMAC-SHA256 at all.
    [[nodiscard]] std::string id(std::string_view channel, std::string_view platform_user) const;

  private:
    explicit PersonIds(content::HmacKey key) : m_key(std::move(key)) {}
    content::HmacKey m_key;
};

}  // namespace dwell::sync::messenger
