// device.yaml: what a station screen's player and sync agent need to know about their box.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "config/config_file.hpp"
#include "config/log.hpp"
#include "config/units.hpp"

namespace dwell::config {

enum class VideoDriver { automatic, offscreen, dummy, kmsdrm, x11, wayland };
enum class HwAccel { none, automatic, vaapi, drm, v4l2m2m };

struct DeviceIdentity {
    std::string id;       // the screen id the hub knows, e.g. "s1-seoul-03"
    std::string station;  // e.g. "seoul"
    std::string line;     // e.g. "1"
};

struct HubLink {
    Url url;
    std::filesystem::path token_file;              // device token, written at enrollment (mode 0600)
    std::optional<std::string> enrollment_code;    // used once when token_file does not exist yet
    std::optional<std::filesystem::path> ca_file;  // CA bundle for https; the system's when absent
    Duration manifest_poll = std::chrono::seconds{60};
};

struct CacheOptions {
    std::uint64_t quota = 8ULL << 30;
};

struct DisplayOptions {
    std::optional<PixelSize> size;  // the screen's own size when absent
    VideoDriver driver = VideoDriver::automatic;
    HwAccel hwaccel = HwAccel::automatic;
    bool audio = false;
};

struct AgentOptions {
    Duration health_every = std::chrono::seconds{30};
    std::uint64_t outbox_limit = 256ULL << 20;  // disk the unsent records may take
    Endpoint metrics{"127.0.0.1", 9464};        // /metrics, loopback only
};

struct DeviceConfig {
    DeviceIdentity device;
    HubLink hub;
    std::filesystem::path state_dir{"/var/lib/dwell"};
    CacheOptions cache;
    DisplayOptions display;
    AgentOptions agent;
    LogLevel log_level = LogLevel::info;

    [[nodiscard]] std::filesystem::path state_db() const { return state_dir / "state.db"; }
    [[nodiscard]] std::filesystem::path cache_dir() const { return state_dir / "cache"; }
    [[nodiscard]] std::filesystem::path events_socket() const { return state_dir / "player.sock"; }
    // Screenshots an operator asked for, from the player to the agent: <id>.png or <id>.failed.
    [[nodiscard]] std::filesystem::path screenshot_dir() const { return state_dir / "screenshots"; }
};

// Reads device.yaml; every problem is reported at once, each with file:line:column.
Result<DeviceConfig> load_device_config(const std::filesystem::path& file);
// The same from text; relative paths resolve against base_dir.
Result<DeviceConfig> parse_device_config(std::string_view text, std::string_view source,
                                         const std::filesystem::path& base_dir);

std::string_view to_string(VideoDriver driver);
std::string_view to_string(HwAccel hwaccel);
Result<VideoDriver> parse_video_driver(std::string_view text);
Result<HwAccel> parse_hwaccel(std::string_view text);

}  // namespace dwell::config
