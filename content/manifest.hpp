// The device manifest (GET /v1/devices/{id}/manifest): everything one screen needs to play the
// next days and to show its join codes offline. The hub makes it, the agent stores it in
// state.db (device_state.hpp), the player reads it from there.
//
// Wire form (JSON, unknown fields ignored as for every wire object):
//   {"screen": {…screen JSON…},
//    "campaigns": [{…campaign JSON…}, …],
//    "joins": [{"campaign","channel","account","deep_link","secret" (64 hex),"slot","digits",
//               "period_s"}, …],
//    "assets": [{"sha256","size","type": "video"|"image"}, …],
//    "server_time": "2026-12-01T06:00:00.000Z"}
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/value.hpp>

#include "config/clock.hpp"
#include "config/error.hpp"
#include "content/campaign.hpp"
#include "content/join_code.hpp"
#include "content/screen.hpp"

namespace dwell::content {

// One channel of an interactive campaign as this screen offers it: its slot in the channel's
// join space (DESIGN §4).
struct ManifestJoin {
    std::string campaign;                        // a campaign id of the same manifest
    std::string channel;                         // the hub's channel id, e.g. "line-main"
    std::string account;                         // what people send to, e.g. "@dwell"
    std::string deep_link;                       // template with "{account}" and "{code}", e.g.
                                                 // "https://line.me/R/oaMessage/{account}/?{code}"
    JoinSecret secret{};                         // wire: 64 lowercase hex digits
    std::uint64_t slot = 0;                      // < 10^digits
    unsigned digits = 6;                         // JoinCodeSpace::min_digits..max_digits
    Duration period = std::chrono::seconds{60};  // wire: "period_s", whole seconds >= 1
    friend bool operator==(const ManifestJoin&, const ManifestJoin&) = default;
};

struct ManifestAsset {
    std::string sha256;  // 64 lowercase hex digits
    std::uint64_t size = 0;
    MediaKind kind = MediaKind::video;  // wire: "type"
    friend bool operator==(const ManifestAsset&, const ManifestAsset&) = default;
};

struct Manifest {
    Screen screen;
    std::vector<Campaign> campaigns;  // each one targets this screen in the coming days
    std::vector<ManifestJoin> joins;
    std::vector<ManifestAsset> assets;
    config::WallTime server_time{};
    friend bool operator==(const Manifest&, const Manifest&) = default;

    // The join entries of one campaign, in manifest order (a campaign may offer several channels).
    [[nodiscard]] std::vector<const ManifestJoin*> joins_of(std::string_view campaign) const;
    [[nodiscard]] const ManifestAsset* asset(std::string_view sha256) const;
};

// Decoding validates the whole document and lists every problem with its path, as campaign
// validation does: the screen and each campaign as content/ validates them; every item has a
// sha256 that is listed in `assets` with the item's kind; campaign ids and assets are unique;
// every join names a campaign of the manifest that has a join block and one of that block's
// channels (each campaign and channel pair once), a valid secret, digits in range, slot below
// 10^digits and a positive whole-second period. Errc::invalid_input; nothing half-valid comes out.
// Problems read "manifest: joins[2].slot: expected a number below 10^6, got 1000000"; secrets are
// never repeated in them.
Result<Manifest> manifest_from_json(const boost::json::value& json);
Result<Manifest> manifest_from_json_text(std::string_view text);
boost::json::value manifest_to_json(const Manifest& manifest);
std::string manifest_to_json_text(const Manifest& manifest);

}  // namespace dwell::content
