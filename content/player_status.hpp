// What the player tells the agent about itself, in the other direction of their socket (DESIGN §5):
// one line every few seconds, which the agent puts into the screen's health records. The codec
// lives in records.cpp beside the records' own, whose field readers it shares.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "config/error.hpp"
#include "content/records.hpp"

namespace dwell::content {

struct PlayerStatus {
    double fps = 0;                    // frames presented per second lately, >= 0
    std::uint64_t frames_dropped = 0;  // since the player started
    std::optional<PlayingItem> current_item;
    std::string version;  // the player's, not empty
    friend bool operator==(const PlayerStatus&, const PlayerStatus&) = default;
};

// {"type":"status","fps":29.97,"frames_dropped":0,"current_item":{"campaign","asset"},"version":"0.1.0"}
// and a '\n'.
std::string to_json_line(const PlayerStatus& status);
// One line (a trailing "\n" or "\r\n" allowed); errors name the field.
Result<PlayerStatus> parse_player_status(std::string_view line);

}  // namespace dwell::content
