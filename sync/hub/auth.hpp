// Bearer tokens (DESIGN §5): marketer and operator API tokens and device tokens are random
// 256-bit values that the hub stores only as SHA-256 hashes.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "config/error.hpp"
#include "sync/hub/store.hpp"
#include "sync/net/http.hpp"

namespace dwell::sync::hub {

struct Principal {
    enum class Kind { api, device };
    Kind kind = Kind::api;
    Role role = Role::marketer;  // for api tokens
    std::string screen;          // for device tokens
};

// 64 lowercase hex digits from 32 random bytes.
Result<std::string> new_token();
// What is stored for a token or an enrollment code: lowercase hex SHA-256.
std::string credential_hash(std::string_view secret);

// A one-time enrollment code, as people type it: "K7M2-X9QD-4TNP-HV3C" (80 random bits in
// Crockford base 32, which has no I, L, O or U to misread).
Result<std::string> new_enrollment_code();
// Upper-cases and drops dashes and spaces, so a code typed either way hashes the same.
std::string normalize_enrollment_code(std::string_view code);

class Auth {
  public:
    explicit Auth(StorePool& readers) : m_readers(readers) {}

    // The principal of the request's "Authorization: Bearer" token, or the reply refusing it:
    // 401 without a known token, 403 when an API token lacks the role (operators may do what
    // marketers may) or a device token is another screen's.
    std::optional<net::StringResponse> require_role(const net::Request& request, Role role);
    std::optional<net::StringResponse> require_device(const net::Request& request, std::string_view screen);
    // A device of that screen, or an API token of any role (asset downloads, for previews).
    std::optional<net::StringResponse> require_device_or_api(const net::Request& request);

    // Drops cached device tokens of a screen whose tokens were replaced.
    void forget_screen(std::string_view screen);

  private:
    Result<Principal> authenticate(const net::Request& request);

    StorePool& m_readers;
    std::mutex m_mutex;                                  // guards m_cache
    std::unordered_map<std::string, Principal> m_cache;  // by token hash; only tokens that exist
    std::uint64_t m_generation = 0;                      // advanced by every forget_screen()
};

}  // namespace dwell::sync::hub
