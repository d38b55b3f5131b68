// Webhook authenticity for each messenger platform (DESIGN §5): checking what a platform signed,
// and producing the same headers a genuine platform sends, for the crowd simulator and tests.
#pragma once

#include <cstddef>
#include <filesystem>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/error.hpp"
#include "config/hub_config.hpp"
#include "content/crypto.hpp"

namespace dwell::sync::messenger {

using config::ChannelKind;

// HTTP header fields in arrival order. Names compare ASCII-case-insensitively, as HTTP defines;
// values are kept verbatim. Small on purpose: the HTTP layer copies its fields into one.
class Headers {
  public:
    using Field = std::pair<std::string, std::string>;

    Headers() = default;
    Headers(std::initializer_list<Field> fields) : m_fields(fields) {}

    void add(std::string name, std::string value);

    // The first field with this name, or nullptr.
    [[nodiscard]] const std::string* find(std::string_view name) const;
    [[nodiscard]] std::size_t count(std::string_view name) const;

    [[nodiscard]] std::size_t size() const { return m_fields.size(); }
    [[nodiscard]] bool empty() const { return m_fields.empty(); }
    [[nodiscard]] auto begin() const { return m_fields.begin(); }
    [[nodiscard]] auto end() const { return m_fields.end(); }

  private:
    std::vector<Field> m_fields;
};

// Decoded query parameters in arrival order (the HTTP layer percent-decodes them).
using QueryParams = std::vector<std::pair<std::string, std::string>>;

// The header each platform signs with; Kakao has none.
inline constexpr std::string_view line_signature_header = "x-line-signature";
inline constexpr std::string_view telegram_secret_header = "X-Telegram-Bot-Api-Secret-Token";
inline constexpr std::string_view whatsapp_signature_header = "X-Hub-Signature-256";
inline constexpr std::string_view generic_signature_header = "X-Dwell-Signature";

// Checks that a webhook body comes from the platform, before the body is parsed:
//   LINE      x-line-signature    = base64(HMAC-SHA256(channel secret, raw body))
//   Telegram  X-Telegram-Bot-Api-Secret-Token = the secret token itself
//   WhatsApp  X-Hub-Signature-256 = "sha256=" hex(HMAC-SHA256(app secret, raw body))
//   generic   X-Dwell-Signature   = "sha256=" hex(HMAC-SHA256(secret, raw body))
// Hex may be in either case. Comparisons run in constant time over the digests, so timing tells
// nothing about how much of a guess was right. A header that is missing, repeated or malformed,
// a wrong signature, or an empty secret → Errc::unauthorized naming the header; messages never
// contain the secret or the expected signature.
// Kakao skill requests are not signed: their secret is part of the URL, checked with
// verify_path_secret. Passing ChannelKind::kakao here is refused, so a caller that forgets the
// path check fails closed.
Result<void> verify_webhook(ChannelKind kind, std::string_view secret, const Headers& headers,
                            std::string_view raw_body);

// verify_webhook for one channel, with its HMAC key prepared once: the hub checks thousands of
// webhooks a second on a busy channel. Cheap to copy; verify() is safe from several threads.
class WebhookVerifier {
  public:
    // Fails only when OpenSSL cannot run; an empty secret makes every verify() refuse.
    static Result<WebhookVerifier> create(ChannelKind kind, std::string secret);

    [[nodiscard]] Result<void> verify(const Headers& headers, std::string_view raw_body) const;
    [[nodiscard]] ChannelKind kind() const { return m_kind; }

  private:
    WebhookVerifier(ChannelKind kind, std::string secret, content::HmacKey key)
        : m_kind(kind), m_secret(std::move(secret)), m_key(std::move(key)) {}

    ChannelKind m_kind;
    std::string m_secret;
    content::HmacKey m_key;  // keyed with m_secret
};

// The Kakao channel's URL path secret: equal to the configured one, compared in constant time.
// An empty expected secret refuses everything.
Result<void> verify_path_secret(std::string_view expected, std::string_view given);

// The headers a genuine platform sends with raw_body (Content-Type included); verify_webhook
// accepts them. For Kakao only the Content-Type: the secret goes into the URL path.
Headers sign_webhook(ChannelKind kind, std::string_view secret, std::string_view raw_body);

// WhatsApp's subscription handshake (GET with hub.mode=subscribe, hub.verify_token, hub.challenge):
// the challenge to echo when the token matches the configured one (constant time). A wrong or
// missing token → Errc::unauthorized; another mode, a missing or odd challenge, or a repeated
// parameter → Errc::invalid_input.
Result<std::string> whatsapp_handshake(const QueryParams& query, std::string_view verify_token);

// Reads a channel's secret file: its content without the trailing newline an editor adds.
Result<std::string> read_secret_file(const std::filesystem::path& file);

}  // namespace dwell::sync::messenger
