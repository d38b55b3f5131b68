// hub.yaml: how dwell-hub listens, where it keeps its data, and the messenger channels it serves.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config_file.hpp"
#include "config/log.hpp"
#include "config/units.hpp"

namespace dwell::config {

enum class ChannelKind { line, telegram, kakao, whatsapp, generic };

std::string_view to_string(ChannelKind kind);

// One messenger account people send join codes to. Its webhook is
// /v1/webhooks/<kind>/<id>; the secret verifies that a webhook really comes from the platform
// (DESIGN §5): LINE channel secret, Telegram secret token, WhatsApp app secret, generic HMAC
// key, or for Kakao the long random path secret.
struct ChannelConfig {
    std::string id;  // e.g. "line-main"
    ChannelKind kind = ChannelKind::generic;
    std::string account;  // what the screen tells people to message, e.g. "@dwell"
    std::filesystem::path secret_file;
    std::optional<std::filesystem::path> verify_token_file;  // WhatsApp's GET handshake token
    std::string deep_link;  // template with {account} and {code}; a per-platform default when absent
};

// The deep-link template a channel of this kind uses when hub.yaml gives none.
std::string_view default_deep_link(ChannelKind kind);

struct TlsOptions {
    std::filesystem::path cert;
    std::filesystem::path key;
};

struct HubLimits {
    std::uint64_t body = 1ULL << 20;    // API and webhook request bodies
    std::uint64_t upload = 4ULL << 30;  // one asset upload
    Duration request_timeout = std::chrono::seconds{30};
};

struct HubConfig {
    Endpoint listen{"127.0.0.1", 8080};
    unsigned threads = 2;
    std::filesystem::path data_dir{"/var/lib/dwell-hub"};
    std::filesystem::path database;   // data_dir/hub.db when not given
    std::filesystem::path asset_dir;  // data_dir/assets when not given
    std::optional<TlsOptions> tls;
    HubLimits limits;
    std::vector<ChannelConfig> channels;
    LogLevel log_level = LogLevel::info;

    [[nodiscard]] const ChannelConfig* channel(std::string_view id) const;
};

// Reads hub.yaml; every problem is reported at once, each with file:line:column. Secret files
// must exist, so a missing one is found at start rather than at the first webhook.
Result<HubConfig> load_hub_config(const std::filesystem::path& file);
Result<HubConfig> parse_hub_config(std::string_view text, std::string_view source,
                                   const std::filesystem::path& base_dir);

}  // namespace dwell::config
