#include "sync/net/router.hpp"

#include <algorithm>

#include <boost/url/parse.hpp>

namespace dwell::sync::net {
namespace {

constexpr std::string_view param_marker = "{}";

std::vector<std::string> split_pattern(std::string_view pattern) {
    std::vector<std::string> segments;
    while (!pattern.empty()) {
        if (pattern.front() == '/') {
            pattern.remove_prefix(1);
            continue;
        }
        const auto end = std::min(pattern.find('/'), pattern.size());
        const std::string_view segment = pattern.substr(0, end);
        segments.emplace_back(segment.starts_with('{') && segment.ends_with('}') ? param_marker : segment);
        pattern.remove_prefix(end);
    }
    return segments;
}

// How many literal segments match, or -1 when the path does not fit the pattern at all.
int literal_matches(const std::vector<std::string>& pattern, std::span<const std::string> segments) {
    if (pattern.size() != segments.size()) return -1;
    int literals = 0;
    for (std::size_t i = 0; i < pattern.size(); ++i) {
        if (pattern[i] == param_marker) {
            if (segments[i].empty()) return -1;
            continue;
        }
        if (pattern[i] != segments[i]) return -1;
        ++literals;
    }
    return literals;
}

}  // namespace

std::optional<std::string_view> Exchange::query_value(std::string_view name, bool* repeated) const {
    std::optional<std::string_view> found;
    if (repeated != nullptr) *repeated = false;
    for (const auto& [key, value] : query) {
        if (key != name) continue;
        if (found) {
            if (repeated != nullptr) *repeated = true;
            continue;
        }
        found = value;
    }
    return found;
}

void Router::add(http::verb method, std::string_view pattern, Route route) {
    m_entries.push_back(Entry{method, split_pattern(pattern), std::move(route)});
}

Router::Match Router::find(http::verb method, std::span<const std::string> segments) const {
    Match match;
    int best = -1;
    // HEAD is answered by the GET route, as HTTP requires; the server leaves the body out.
    const http::verb wanted = method == http::verb::head ? http::verb::get : method;
    for (const Entry& entry : m_entries) {
        const int literals = literal_matches(entry.pattern, segments);
        if (literals < 0) continue;
        if (entry.method != wanted) {
            if (std::ranges::find(match.allowed, entry.method) == match.allowed.end())
                match.allowed.push_back(entry.method);
            continue;
        }
        if (literals <= best) continue;
        best = literals;
        match.route = &entry.route;
        match.params.clear();
        for (std::size_t i = 0; i < entry.pattern.size(); ++i)
            if (entry.pattern[i] == param_marker) match.params.push_back(segments[i]);
    }
    if (match.route != nullptr) match.allowed.clear();
    return match;
}

std::optional<Target> parse_target(std::string_view target) {
    auto url = boost::urls::parse_origin_form(target);
    if (!url) return std::nullopt;
    Target out;
    for (auto segment : url->segments()) out.segments.emplace_back(segment);
    // "/v1/a/" has a trailing empty segment; routes never end in one.
    if (!out.segments.empty() && out.segments.back().empty()) out.segments.pop_back();
    for (auto param : url->params()) out.query.emplace_back(param.key, param.has_value ? param.value : "");
    return out;
}

}  // namespace dwell::sync::net
