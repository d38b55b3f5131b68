#include "sync/hub/auth.hpp"

#include <array>

#include "content/crypto.hpp"

namespace dwell::sync::hub {
namespace {

namespace http = net::http;

constexpr std::string_view crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
constexpr std::size_t max_cached = 100'000;

net::StringResponse unauthorized(std::string_view message) {
    auto reply = net::error_reply(http::status::unauthorized, "unauthorized", message);
    reply.set(http::field::www_authenticate, "Bearer");
    reply.prepare_payload();
    return reply;
}

}  // namespace

Result<std::string> new_token() {
    std::array<std::uint8_t, 32> bytes{};
    if (auto done = content::random_bytes(bytes); !done) return fail(std::move(done.error()));
    return content::to_hex(bytes);
}

std::string credential_hash(std::string_view secret) {
    const auto digest = content::sha256({secret});
    // Without SHA-256 nothing can be checked; a hash no token has refuses everything.
    return digest ? content::to_hex(*digest) : std::string{"-"};
}

Result<std::string> new_enrollment_code() {
    std::array<std::uint8_t, 10> bytes{};  // 80 bits, 16 characters of 5 bits
    if (auto done = content::random_bytes(bytes); !done) return fail(std::move(done.error()));
    std::string code;
    unsigned buffer = 0;
    int bits = 0;
    for (const std::uint8_t byte : bytes) {
        buffer = (buffer << 8U) | byte;
        bits += 8;
        while (bits >= 5) {
            bits -= 5;
            if (code.size() % 5 == 4) code.push_back('-');
            code.push_back(crockford[(buffer >> static_cast<unsigned>(bits)) & 31U]);
        }
    }
    return code;
}

std::string normalize_enrollment_code(std::string_view code) {
    std::string out;
    for (const char c : code) {
        if (c == '-' || c == ' ') continue;
        out.push_back(c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c);
    }
    return out;
}

Result<Principal> Auth::authenticate(const net::Request& request) {
    const auto field = request[http::field::authorization];
    constexpr std::string_view scheme = "Bearer ";
    if (field.empty()) return fail(Errc::unauthorized, "missing Authorization: Bearer <token>");
    if (field.size() <= scheme.size() ||
        !std::equal(scheme.begin(), scheme.end(), field.begin(), [](char a, char b) {
            return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
        }))
        return fail(Errc::unauthorized, "the Authorization header must be Bearer <token>");
    const std::string hash = credential_hash(field.substr(scheme.size()));
    std::uint64_t generation = 0;
    {
        std::lock_guard lock(m_mutex);
        if (const auto found = m_cache.find(hash); found != m_cache.end()) return found->second;
        generation = m_generation;
    }
    auto store = m_readers.lease();
    if (!store) return fail(std::move(store.error()));
    Principal principal;
    auto role = (*store)->api_token_role(hash);
    if (!role) return fail(std::move(role.error()));
    if (*role) {
        principal.role = **role;
    } else {
        auto screen = (*store)->device_token_screen(hash);
        if (!screen) return fail(std::move(screen.error()));
        if (!*screen) return fail(Errc::unauthorized, "the token is not known to this hub");
        principal.kind = Principal::Kind::device;
        principal.screen = std::move(**screen);
    }
    std::lock_guard lock(m_mutex);
    // A token revoked while it was being read must not come back through the cache.
    if (generation != m_generation) return principal;
    if (m_cache.size() >= max_cached) m_cache.clear();
    m_cache.emplace(hash, principal);
    return principal;
}

std::optional<net::StringResponse> Auth::require_role(const net::Request& request, Role role) {
    auto principal = authenticate(request);
    if (!principal) {
        if (principal.error().code == Errc::unauthorized) return unauthorized(principal.error().message);
        return net::error_reply(principal.error());
    }
    if (principal->kind == Principal::Kind::device)
        return net::error_reply(http::status::forbidden, "forbidden", "a device token cannot use this route");
    if (role == Role::operator_ && principal->role != Role::operator_)
        return net::error_reply(http::status::forbidden, "forbidden", "this route needs an operator token");
    return std::nullopt;
}

std::optional<net::StringResponse> Auth::require_device(const net::Request& request,
                                                        std::string_view screen) {
    auto principal = authenticate(request);
    if (!principal) {
        if (principal.error().code == Errc::unauthorized) return unauthorized(principal.error().message);
        return net::error_reply(principal.error());
    }
    if (principal->kind != Principal::Kind::device)
        return net::error_reply(http::status::forbidden, "forbidden", "this route needs a device token");
    if (principal->screen != screen)
        return net::error_reply(http::status::forbidden, "forbidden",
                                "the device token belongs to another screen");
    return std::nullopt;
}

std::optional<net::StringResponse> Auth::require_device_or_api(const net::Request& request) {
    auto principal = authenticate(request);
    if (principal) return std::nullopt;
    if (principal.error().code == Errc::unauthorized) return unauthorized(principal.error().message);
    return net::error_reply(principal.error());
}

void Auth::forget_screen(std::string_view screen) {
    std::lock_guard lock(m_mutex);
    ++m_generation;
    std::erase_if(m_cache, [&](const auto& item) {
        return item.second.kind == Principal::Kind::device && item.second.screen == screen;
    });
}

}  // namespace dwell::sync::hub
