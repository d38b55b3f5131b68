// The hub's HTTP API (DESIGN §5): what each route does lives in api_*.cpp; this header gives them
// the hub's services and the helpers they share.
#pragma once

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>

#include <boost/json/value.hpp>

#include "config/clock.hpp"
#include "config/hub_config.hpp"
#include "sync/hub/auth.hpp"
#include "sync/hub/catalog.hpp"
#include "sync/hub/feed.hpp"
#include "sync/hub/metrics.hpp"
#include "sync/hub/store.hpp"
#include "sync/hub/webhooks.hpp"
#include "sync/hub/writer.hpp"
#include "sync/net/router.hpp"

namespace dwell::sync::hub {

struct ApiOptions {
    config::Duration manifest_horizon = std::chrono::days{7};
    config::Duration enrollment_code_lifetime = std::chrono::days{7};
    std::size_t max_records_per_report = 5000;
};

// What routes reach. Everything outlives the server.
struct HubContext {
    const config::HubConfig& config;
    const config::Clock& clock;
    StorePool& readers;
    Writer& writer;
    CatalogHolder& catalog;
    JoinTotals& totals;
    Feed& feed;
    WebhookService& webhooks;
    Auth& auth;
    Metrics& metrics;
    ApiOptions options;
};

void add_routes(net::Router& router, HubContext& hub);
void add_device_routes(net::Router& router, HubContext& hub);
void add_catalog_routes(net::Router& router, HubContext& hub);
void add_report_routes(net::Router& router, HubContext& hub);
void add_screenshot_routes(net::Router& router, HubContext& hub);

// Screenshots: the largest PNG a screen may send, and how many requests the hub keeps per screen.
inline constexpr std::uint64_t max_screenshot_bytes = 16ULL << 20;
inline constexpr std::size_t screenshots_kept = 20;
// The width and height of a PNG, from its signature and IHDR chunk; refuses anything else.
Result<std::pair<std::uint32_t, std::uint32_t>> png_size(std::string_view bytes);

// ---- shared by the route files ----

// The request body as JSON: 415 unless it is application/json, 400 naming the syntax error.
Result<boost::json::value> json_body(const net::Request& request);

// A refusal for an Error (net::error_reply), as a Reply.
net::Reply refuse(const Error& error);

// Makes the draft's join slots what its campaigns and screens call for: one per (channel,
// campaign, screen) where an interactive campaign offers the channel and targets the screen. Kept
// slots keep their index; new ones take the smallest free one. Refuses (Errc::conflict, nothing
// written) when a channel's slots for some digit count would pass 1% of the codes, which keeps a
// guessed code below a 1% chance (DESIGN §4). Returns the screens whose slots changed.
Result<std::set<std::string>> reconcile_slots(Batch& batch, Catalog& draft);

// Emits a `manifest` event to each screen, so its agent pulls at once.
Result<void> announce_manifest(Batch& batch, const std::set<std::string>& screens);

// 10^digits.
std::uint64_t code_capacity(unsigned digits);

}  // namespace dwell::sync::hub
