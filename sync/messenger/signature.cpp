#include "sync/messenger/signature.hpp"

#include <algorithm>
#include <array>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "content/crypto.hpp"

namespace dwell::sync::messenger {

namespace {

using content::Sha256;

constexpr std::size_t base64_sha256_size = 44;  // 32 bytes → 43 characters and one '='
constexpr std::size_t max_telegram_token = 256;
constexpr std::size_t max_challenge = 256;
constexpr std::string_view hex_prefix = "sha256=";

bool iequals(std::string_view a, std::string_view b) {
    return std::ranges::equal(a, b, [](char x, char y) {
        const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
        return lower(x) == lower(y);
    });
}

std::string_view trim_ows(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
    return text;
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

bool is_base64_char(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
}

bool is_token_char(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

// Compares two secrets of possibly different lengths without leaking, through timing, how long
// the expected one is or how much of it matched: both are hashed first, then the equal-length
// digests are compared in constant time.
Result<bool> same_secret(std::string_view expected, std::string_view given) {
    auto expected_digest = content::sha256({expected});
    if (!expected_digest) return fail(expected_digest.error());
    auto given_digest = content::sha256({given});
    if (!given_digest) return fail(given_digest.error());
    return CRYPTO_memcmp(expected_digest->data(), given_digest->data(), content::sha256_size) == 0;
}

// The one value of a header that must appear exactly once.
Result<std::string_view> single_header(const Headers& headers, std::string_view name) {
    const std::size_t count = headers.count(name);
    if (count == 0) return fail(Errc::unauthorized, "missing {} header; the webhook is not signed", name);
    if (count > 1)
        return fail(Errc::unauthorized, "{} header appears {} times; expected exactly one", name, count);
    return trim_ows(*headers.find(name));
}

std::string base64(const Sha256& digest) {
    std::array<unsigned char, base64_sha256_size + 1> out{};  // EVP_EncodeBlock adds a NUL
    const int length = EVP_EncodeBlock(out.data(), digest.data(), static_cast<int>(digest.size()));
    return std::string{reinterpret_cast<const char*>(out.data()), static_cast<std::size_t>(length)};
}

Result<void> verify_line(const content::HmacKey& key, const Headers& headers, std::string_view body) {
    auto given = single_header(headers, line_signature_header);
    if (!given) return fail(given.error());
    const bool well_formed = given->size() == base64_sha256_size && given->back() == '=' &&
                             std::ranges::all_of(given->substr(0, base64_sha256_size - 1), is_base64_char);
    if (!well_formed) {
        return fail(Errc::unauthorized, "{} is malformed; expected base64 of an HMAC-SHA256 ({} characters)",
                    line_signature_header, base64_sha256_size);
    }
    auto mac = key.sign({body});
    if (!mac) return fail(mac.error());
    const std::string expected = base64(*mac);
    if (CRYPTO_memcmp(expected.data(), given->data(), base64_sha256_size) != 0)
        return fail(Errc::unauthorized, "{} does not match the body", line_signature_header);
    return {};
}

Result<void> verify_telegram(std::string_view secret, const Headers& headers) {
    auto given = single_header(headers, telegram_secret_header);
    if (!given) return fail(given.error());
    if (given->empty() || given->size() > max_telegram_token || !std::ranges::all_of(*given, is_token_char)) {
        return fail(Errc::unauthorized, "{} is malformed; expected 1 to {} characters of A-Z a-z 0-9 _ -",
                    telegram_secret_header, max_telegram_token);
    }
    auto same = same_secret(secret, *given);
    if (!same) return fail(same.error());
    if (!*same) return fail(Errc::unauthorized, "{} is wrong", telegram_secret_header);
    return {};
}

// "sha256=<64 hex digits>", the prefix in any case, the hex in either case.
std::optional<Sha256> parse_hex_signature(std::string_view value) {
    if (value.size() != hex_prefix.size() + 2 * content::sha256_size ||
        !iequals(value.substr(0, hex_prefix.size()), hex_prefix))
        return std::nullopt;
    value.remove_prefix(hex_prefix.size());
    Sha256 digest{};
    for (std::size_t i = 0; i < digest.size(); ++i) {
        const int high = hex_value(value[2 * i]);
        const int low = hex_value(value[2 * i + 1]);
        if (high < 0 || low < 0) return std::nullopt;
        digest[i] = static_cast<unsigned char>((high << 4) | low);
    }
    return digest;
}

Result<void> verify_hex(std::string_view header, const content::HmacKey& key, const Headers& headers,
                        std::string_view body) {
    auto given = single_header(headers, header);
    if (!given) return fail(given.error());
    const std::optional<Sha256> signature = parse_hex_signature(*given);
    if (!signature) {
        return fail(Errc::unauthorized, "{} is malformed; expected sha256= and {} hex digits", header,
                    2 * content::sha256_size);
    }
    auto mac = key.sign({body});
    if (!mac) return fail(mac.error());
    if (CRYPTO_memcmp(mac->data(), signature->data(), content::sha256_size) != 0)
        return fail(Errc::unauthorized, "{} does not match the body", header);
    return {};
}

Sha256 hmac_or_throw(std::string_view secret, std::string_view body) {
    auto mac = content::hmac_sha256(secret, {body});
    // Nothing downstream can repair OpenSSL failing on HMAC-SHA256 (no memory, no provider).
    if (!mac) throw std::runtime_error(mac.error().message);
    return *mac;
}

}  // namespace

void Headers::add(std::string name, std::string value) {
    m_fields.emplace_back(std::move(name), std::move(value));
}

const std::string* Headers::find(std::string_view name) const {
    const auto it =
        std::ranges::find_if(m_fields, [&](const Field& field) { return iequals(field.first, name); });
    return it == m_fields.end() ? nullptr : &it->second;
}

std::size_t Headers::count(std::string_view name) const {
    return static_cast<std::size_t>(
        std::ranges::count_if(m_fields, [&](const Field& field) { return iequals(field.first, name); }));
}

Result<WebhookVerifier> WebhookVerifier::create(ChannelKind kind, std::string secret) {
    auto key = content::HmacKey::create(secret);
    if (!key) return fail(std::move(key.error()));
    return WebhookVerifier{kind, std::move(secret), std::move(*key)};
}

Result<void> WebhookVerifier::verify(const Headers& headers, std::string_view raw_body) const {
    if (m_kind == ChannelKind::kakao) {
        return fail(Errc::unauthorized,
                    "Kakao skill requests carry no signature; their URL path secret must be checked instead");
    }
    if (m_secret.empty()) {
        return fail(Errc::unauthorized,
                    "the {} channel has an empty secret; every webhook is refused until one is set",
                    config::to_string(m_kind));
    }
    switch (m_kind) {
    case ChannelKind::line: return verify_line(m_key, headers, raw_body);
    case ChannelKind::telegram: return verify_telegram(m_secret, headers);
    case ChannelKind::whatsapp: return verify_hex(whatsapp_signature_header, m_key, headers, raw_body);
    case ChannelKind::generic: return verify_hex(generic_signature_header, m_key, headers, raw_body);
    case ChannelKind::kakao: break;
    }
    return fail(Errc::unauthorized, "unknown channel kind");
}

Result<void> verify_webhook(ChannelKind kind, std::string_view secret, const Headers& headers,
                            std::string_view raw_body) {
    auto verifier = WebhookVerifier::create(kind, std::string{secret});
    if (!verifier) return fail(std::move(verifier.error()));
    return verifier->verify(headers, raw_body);
}

Result<void> verify_path_secret(std::string_view expected, std::string_view given) {
    if (expected.empty())
        return fail(Errc::unauthorized, "the channel has an empty path secret; every request is refused");
    if (given.empty()) return fail(Errc::unauthorized, "the URL carries no path secret");
    auto same = same_secret(expected, given);
    if (!same) return fail(same.error());
    if (!*same) return fail(Errc::unauthorized, "the URL path secret is wrong");
    return {};
}

Headers sign_webhook(ChannelKind kind, std::string_view secret, std::string_view raw_body) {
    Headers headers;
    switch (kind) {
    case ChannelKind::line:
        headers.add("Content-Type", "application/json; charset=UTF-8");
        headers.add(std::string{line_signature_header}, base64(hmac_or_throw(secret, raw_body)));
        break;
    case ChannelKind::telegram:
        headers.add("Content-Type", "application/json");
        headers.add(std::string{telegram_secret_header}, std::string{secret});
        break;
    case ChannelKind::whatsapp:
        headers.add("Content-Type", "application/json");
        headers.add(std::string{whatsapp_signature_header},
                    std::string{hex_prefix} + content::to_hex(hmac_or_throw(secret, raw_body)));
        break;
    case ChannelKind::generic:
        headers.add("Content-Type", "application/json");
        headers.add(std::string{generic_signature_header},
                    std::string{hex_prefix} + content::to_hex(hmac_or_throw(secret, raw_body)));
        break;
    case ChannelKind::kakao: headers.add("Content-Type", "application/json"); break;
    }
    return headers;
}

Result<std::string> whatsapp_handshake(const QueryParams& query, std::string_view verify_token) {
    std::optional<std::string_view> mode;
    std::optional<std::string_view> token;
    std::optional<std::string_view> challenge;
    for (const auto& [name, value] : query) {
        std::optional<std::string_view>* slot = nullptr;
        if (name == "hub.mode") slot = &mode;
        if (name == "hub.verify_token") slot = &token;
        if (name == "hub.challenge") slot = &challenge;
        if (slot == nullptr) continue;
        if (slot->has_value()) return fail(Errc::invalid_input, "{} is given more than once", name);
        *slot = value;
    }
    if (verify_token.empty())
        return fail(Errc::unauthorized,
                    "the WhatsApp channel has no verify token; every handshake is refused");
    if (!mode) return fail(Errc::invalid_input, "hub.mode is missing; expected hub.mode=subscribe");
    if (*mode != "subscribe")
        return fail(Errc::invalid_input,
                    "hub.mode is not subscribe; only subscription handshakes are answered");
    if (!token || token->empty()) return fail(Errc::unauthorized, "hub.verify_token is missing");
    auto same = same_secret(verify_token, *token);
    if (!same) return fail(same.error());
    if (!*same) return fail(Errc::unauthorized, "hub.verify_token does not match the channel's verify token");
    // Echoed into a response body, so only the plain characters Meta's numeric challenges use.
    const auto plain = [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
               c == '-' || c == '.' || c == '~';
    };
    if (!challenge || challenge->empty())
        return fail(Errc::invalid_input, "hub.challenge is missing; it is what the handshake echoes");
    if (challenge->size() > max_challenge || !std::ranges::all_of(*challenge, plain)) {
        return fail(Errc::invalid_input,
                    "hub.challenge is malformed; expected 1 to {} characters of A-Z a-z 0-9 . _ - ~",
                    max_challenge);
    }
    return std::string{*challenge};
}

Result<std::string> read_secret_file(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) return fail(Errc::not_found, "cannot read the secret file {}", file.string());
    std::ostringstream text;
    text << in.rdbuf();
    std::string secret = text.str();
    while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r' || secret.back() == ' '))
        secret.pop_back();
    if (secret.empty()) return fail(Errc::invalid_input, "the secret file {} is empty", file.string());
    return secret;
}

}  // namespace dwell::sync::messenger
