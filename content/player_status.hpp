// What the player tells the agent, in the other direction of their socket (DESIGN §5): its status
// every few seconds, which the agent puts into the screen's health records, and a line when a
// screenshot an operator asked for is ready to upload. The codec lives in records.cpp beside the
// records' own, whose field readers it shares.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

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

// The screenshot `id` (a ScreenshotEvent's) is in the screenshot folder: <id>.png, or <id>.failed
// holding the reason it could not be taken.
struct ScreenshotReady {
    std::string id;
    friend bool operator==(const ScreenshotReady&, const ScreenshotReady&) = default;
};

using PlayerReport = std::variant<PlayerStatus, ScreenshotReady>;

// {"type":"status","fps":29.97,"frames_dropped":0,"current_item":{"campaign","asset"},"version":"0.1.0"}
// and a '\n'.
std::string to_json_line(const PlayerStatus& status);
// {"type":"screenshot","id":"shot-…"} and a '\n'.
std::string to_json_line(const ScreenshotReady& ready);
// One line (a trailing "\n" or "\r\n" allowed); errors name the field.
Result<PlayerReport> parse_player_report(std::string_view line);
// A line that must be a status.
Result<PlayerStatus> parse_player_status(std::string_view line);

// The screenshot folder's files for request `id`: the picture, or why there is none.
std::filesystem::path screenshot_png(const std::filesystem::path& folder, std::string_view id);
std::filesystem::path screenshot_failure(const std::filesystem::path& folder, std::string_view id);
// Writes <id>.failed holding `why` (created with the folder when missing, renamed into place).
Result<void> write_screenshot_failure(const std::filesystem::path& folder, std::string_view id,
                                      std::string_view why);

}  // namespace dwell::content
