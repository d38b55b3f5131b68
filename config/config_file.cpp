#include "config/config_file.hpp"

#include <algorithm>
#include <charconv>

namespace dwell::config {
namespace {

Result<std::uint16_t> parse_port(std::string_view text, std::string_view whole) {
    unsigned value = 0;
    const auto* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (text.empty() || ec != std::errc{} || ptr != end || value > 65535)
        return fail(Errc::invalid_input, "\"{}\" has no valid port; expected a number from 0 to 65535",
                    whole);
    return static_cast<std::uint16_t>(value);
}

}  // namespace

Result<Endpoint> parse_endpoint(std::string_view text) {
    constexpr std::string_view form = "expected HOST:PORT such as 127.0.0.1:8080 or [::1]:8080";
    Endpoint endpoint;
    std::string_view port;
    if (text.starts_with('[')) {
        const auto close = text.find(']');
        if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
            return fail(Errc::invalid_input, "\"{}\" is not an endpoint; {}", text, form);
        endpoint.host = std::string{text.substr(1, close - 1)};
        port = text.substr(close + 2);
    } else {
        const auto colon = text.rfind(':');
        if (colon == std::string_view::npos || text.find(':') != colon)
            return fail(Errc::invalid_input, "\"{}\" is not an endpoint; {}", text, form);
        endpoint.host = std::string{text.substr(0, colon)};
        port = text.substr(colon + 1);
    }
    if (endpoint.host.empty()) return fail(Errc::invalid_input, "\"{}\" has no host; {}", text, form);
    auto parsed = parse_port(port, text);
    if (!parsed) return fail(std::move(parsed.error()));
    endpoint.port = *parsed;
    return endpoint;
}

std::string to_string(const Endpoint& endpoint) {
    if (endpoint.host.find(':') != std::string::npos)
        return fmt::format("[{}]:{}", endpoint.host, endpoint.port);
    return fmt::format("{}:{}", endpoint.host, endpoint.port);
}

Result<Url> parse_url(std::string_view text) {
    constexpr std::string_view form =
        "expected a URL such as https://hub.example.net or http://127.0.0.1:8080";
    Url url;
    std::string_view rest;
    if (text.starts_with("https://")) {
        url.scheme = "https";
        url.port = 443;
        rest = text.substr(8);
    } else if (text.starts_with("http://")) {
        url.scheme = "http";
        url.port = 80;
        rest = text.substr(7);
    } else {
        return fail(Errc::invalid_input, "\"{}\" is not an http or https URL; {}", text, form);
    }
    const auto slash = rest.find('/');
    std::string_view authority = rest.substr(0, slash);
    if (slash != std::string_view::npos) url.path = std::string{rest.substr(slash)};
    if (authority.find('@') != std::string_view::npos || rest.find_first_of("?#") != std::string_view::npos)
        return fail(Errc::invalid_input, "\"{}\" has user info, a query or a fragment; {}", text, form);
    if (authority.starts_with('[') || authority.find(':') != std::string_view::npos) {
        auto endpoint = parse_endpoint(authority);
        if (!endpoint) {
            if (!authority.starts_with('['))
                return fail(Errc::invalid_input, "\"{}\" has a bad port; {}", text, form);
            // "[::1]" without a port
            if (!authority.ends_with(']'))
                return fail(Errc::invalid_input, "\"{}\" is not a URL; {}", text, form);
            url.host = std::string{authority.substr(1, authority.size() - 2)};
        } else {
            url.host = endpoint->host;
            url.port = endpoint->port;
            if (url.port == 0) return fail(Errc::invalid_input, "\"{}\" has port 0; {}", text, form);
        }
    } else {
        url.host = std::string{authority};
    }
    if (url.host.empty()) return fail(Errc::invalid_input, "\"{}\" has no host; {}", text, form);
    return url;
}

Result<PixelSize> parse_pixel_size(std::string_view text) {
    constexpr std::string_view form = "expected WIDTHxHEIGHT such as 1920x1080";
    const auto x = text.find('x');
    if (x == std::string_view::npos) return fail(Errc::invalid_input, "\"{}\" is not a size; {}", text, form);
    PixelSize size;
    const auto read = [&](std::string_view part, int& out) {
        const auto* end = part.data() + part.size();
        const auto [ptr, ec] = std::from_chars(part.data(), end, out);
        return !part.empty() && ec == std::errc{} && ptr == end && out >= 1 && out <= 16384;
    };
    if (!read(text.substr(0, x), size.width) || !read(text.substr(x + 1), size.height))
        return fail(Errc::invalid_input, "\"{}\" is not a size; {}, each side 1 to 16384", text, form);
    return size;
}

std::filesystem::path resolve_path(const std::filesystem::path& base_dir, std::string_view value) {
    std::filesystem::path path{value};
    if (path.is_absolute() || base_dir.empty()) return path.lexically_normal();
    return (base_dir / path).lexically_normal();
}

bool is_identifier(std::string_view text) {
    const auto allowed = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; };
    return !text.empty() && text.size() <= 64 && text.front() != '-' &&
           std::all_of(text.begin(), text.end(), allowed);
}

Result<std::string> parse_identifier(std::string_view text) {
    if (!is_identifier(text))
        return fail(Errc::invalid_input,
                    "\"{}\" is not an id; expected 1 to 64 of a-z, 0-9 and '-', not starting with '-'", text);
    return std::string{text};
}

Result<std::string> parse_nonempty(std::string_view text) {
    if (text.empty()) return fail(Errc::invalid_input, "must not be empty");
    return std::string{text};
}

Result<Duration> parse_positive_duration(std::string_view text) {
    auto duration = parse_duration(text);
    if (duration && duration->count() == 0)
        return fail(Errc::invalid_input, "\"{}\" must be longer than 0s", text);
    return duration;
}

}  // namespace dwell::config
