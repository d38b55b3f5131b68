// Value forms shared by device.yaml and hub.yaml: endpoints, URLs, paths relative to the file.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "config/error.hpp"
#include "config/units.hpp"

namespace dwell::config {

// "HOST:PORT" or "[IPv6]:PORT"; port 0 asks the system for a free port.
struct Endpoint {
    std::string host;
    std::uint16_t port = 0;
    friend bool operator==(const Endpoint&, const Endpoint&) = default;
};

Result<Endpoint> parse_endpoint(std::string_view text);
std::string to_string(const Endpoint& endpoint);

// An http:// or https:// URL with a host; the scheme decides TLS.
struct Url {
    std::string scheme;  // "http" or "https"
    std::string host;
    std::uint16_t port = 0;  // the scheme's default when not written
    std::string path;        // "" or starting with '/'
    friend bool operator==(const Url&, const Url&) = default;
};

Result<Url> parse_url(std::string_view text);

// WIDTHxHEIGHT, each 1..16384.
struct PixelSize {
    int width = 0;
    int height = 0;
    friend bool operator==(const PixelSize&, const PixelSize&) = default;
};

Result<PixelSize> parse_pixel_size(std::string_view text);

// Relative paths in a configuration file are relative to the folder of that file, so a
// configuration keeps working whatever the current directory of the process.
std::filesystem::path resolve_path(const std::filesystem::path& base_dir, std::string_view value);

// A parser for path values that resolves them against base_dir and refuses an empty one.
inline auto path_parser(std::filesystem::path base_dir) {
    return [base = std::move(base_dir)](std::string_view value) -> Result<std::filesystem::path> {
        if (value.empty())
            return fail(Errc::invalid_input, "must not be empty; expected a file or folder path");
        return resolve_path(base, value);
    };
}

// Ids of screens, stations, campaigns and channels: 1 to 64 of a-z, 0-9 and '-', not starting with '-'.
bool is_identifier(std::string_view text);
Result<std::string> parse_identifier(std::string_view text);
// Any text but the empty one.
Result<std::string> parse_nonempty(std::string_view text);
// A duration longer than zero.
Result<Duration> parse_positive_duration(std::string_view text);

}  // namespace dwell::config
