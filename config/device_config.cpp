#include "config/device_config.hpp"

#include <array>

#include "config/yaml_reader.hpp"

namespace dwell::config {
namespace {

constexpr std::array<EnumName<VideoDriver>, 6> video_driver_names{{
    {"auto", VideoDriver::automatic},
    {"offscreen", VideoDriver::offscreen},
    {"dummy", VideoDriver::dummy},
    {"kmsdrm", VideoDriver::kmsdrm},
    {"x11", VideoDriver::x11},
    {"wayland", VideoDriver::wayland},
}};

constexpr std::array<EnumName<HwAccel>, 5> hwaccel_names{{
    {"none", HwAccel::none},
    {"auto", HwAccel::automatic},
    {"vaapi", HwAccel::vaapi},
    {"drm", HwAccel::drm},
    {"v4l2m2m", HwAccel::v4l2m2m},
}};

}  // namespace

std::string_view to_string(VideoDriver driver) {
    return enum_name(video_driver_names, driver);
}
std::string_view to_string(HwAccel hwaccel) {
    return enum_name(hwaccel_names, hwaccel);
}
// /metrics tells what a screen shows and where: it is served on the box only.
Result<Endpoint> parse_loopback_endpoint(std::string_view text) {
    auto endpoint = parse_endpoint(text);
    if (!endpoint) return endpoint;
    const std::string& host = endpoint->host;
    if (host != "localhost" && host != "::1" && !host.starts_with("127."))
        return fail(
            Errc::invalid_input,
            "\"{}\" is not a loopback address; metrics are served on this box only, e.g. 127.0.0.1:{}", text,
            endpoint->port);
    return endpoint;
}

Result<VideoDriver> parse_video_driver(std::string_view text) {
    return enum_parser(video_driver_names)(text);
}
Result<HwAccel> parse_hwaccel(std::string_view text) {
    return enum_parser(hwaccel_names)(text);
}

namespace {

Result<DeviceConfig> decode_device_config(const YAML::Node& root, std::string_view source,
                                          const std::filesystem::path& base_dir) {
    Problems problems{std::string{source}};
    DeviceConfig config;
    const auto path_in_base = path_parser(base_dir);

    MapReader top{root, "", problems};
    {
        MapReader device{top.take_required("device"), "device", problems};
        if (device.is_map()) {
            device.required("id", config.device.id, parse_identifier);
            device.required("station", config.device.station, parse_identifier);
            device.required("line", config.device.line, parse_nonempty);
            device.finish();
        }
    }
    {
        MapReader hub{top.take_required("hub"), "hub", problems};
        if (hub.is_map()) {
            hub.required("url", config.hub.url, parse_url);
            hub.required("token_file", config.hub.token_file, path_in_base);
            hub.optional("enrollment_code", config.hub.enrollment_code, parse_nonempty);
            hub.optional("ca_file", config.hub.ca_file, path_in_base);
            hub.optional("manifest_poll", config.hub.manifest_poll, parse_positive_duration);
            hub.finish();
        }
    }
    top.required("state_dir", config.state_dir, path_in_base);
    if (const auto node = top.take("cache")) {
        MapReader cache{node, "cache", problems};
        cache.optional("quota", config.cache.quota, parse_size);
        cache.finish();
    }
    if (const auto node = top.take("display")) {
        MapReader display{node, "display", problems};
        display.optional("size", config.display.size, parse_pixel_size);
        display.optional("driver", config.display.driver, enum_parser(video_driver_names));
        display.optional("hwaccel", config.display.hwaccel, enum_parser(hwaccel_names));
        display.optional("audio", config.display.audio);
        display.finish();
    }
    if (const auto node = top.take("agent")) {
        MapReader agent{node, "agent", problems};
        agent.optional("health_every", config.agent.health_every, parse_positive_duration);
        agent.optional("outbox_limit", config.agent.outbox_limit, parse_size);
        agent.optional("metrics", config.agent.metrics, parse_loopback_endpoint);
        agent.finish();
    }
    top.optional("log_level", config.log_level, parse_log_level);
    top.finish();

    if (!problems.empty()) return fail(problems.to_error());
    return config;
}

}  // namespace

Result<DeviceConfig> parse_device_config(std::string_view text, std::string_view source,
                                         const std::filesystem::path& base_dir) {
    auto root = load_yaml_text(text, source);
    if (!root) return fail(std::move(root.error()));
    return decode_device_config(*root, source, base_dir);
}

Result<DeviceConfig> load_device_config(const std::filesystem::path& file) {
    auto root = load_yaml_file(file);
    if (!root) return fail(std::move(root.error()));
    return decode_device_config(*root, file.string(), file.parent_path());
}

}  // namespace dwell::config
