#include "content/manifest.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <optional>
#include <type_traits>
#include <utility>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "config/yaml_reader.hpp"
#include "content/asset_cache.hpp"
#include "content/campaign_codec.hpp"
#include "content/json_kind.hpp"
#include "content/rfc3339.hpp"

namespace dwell::content {
namespace {

namespace json = boost::json;

using config::index_path;
using config::join_path;
using config::Problems;

constexpr std::string_view source_name = "manifest";
constexpr std::string_view time_example = "2026-12-01T06:00:00.000Z";
// Periods longer than this would overflow the milliseconds a Duration counts.
constexpr std::uint64_t max_period_s =
    static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) / 1000;

// Quotes a received string, shortened so a broken or hostile input cannot flood a log line.
std::string in_quotes(std::string_view text) {
    constexpr std::size_t limit = 64;
    if (text.size() <= limit) return fmt::format("\"{}\"", text);
    return fmt::format("\"{}…\" ({} bytes)", text.substr(0, limit), text.size());
}

std::string describe(const json::value& value) {
    switch (value.kind()) {
    case json::kind::bool_: return value.get_bool() ? "true" : "false";
    case json::kind::int64: return fmt::format("{}", value.get_int64());
    case json::kind::uint64: return fmt::format("{}", value.get_uint64());
    case json::kind::double_: return fmt::format("{}", value.get_double());
    case json::kind::string: return "the string " + in_quotes(value.get_string());
    default: return std::string{json_kind_name(value)};
    }
}

void add(Problems& problems, std::string path, std::string message) {
    problems.add(config::Mark{}, std::move(path), std::move(message));
}

bool looks_like_path(std::string_view text) {
    return !text.empty() && std::ranges::all_of(text, [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
               c == '-' || c == '.' || c == '[' || c == ']';
    });
}

// The screen and campaign decoders report a document's problems as one Error whose lines read
// "SOURCE: path: message" (JSON carries no line:column). Decoding each with its manifest path as
// SOURCE and re-rooting those lines here keeps one problem per line, each with its full path
// ("campaigns[1].items[0].duration"), instead of nesting a whole report inside one problem.
void add_nested(Problems& problems, const std::string& path, const Error& error) {
    const std::string prefix = path + ": ";
    std::vector<std::pair<std::string, std::string>> found;
    std::string_view rest = error.message;
    bool first_line = true;
    while (!rest.empty()) {
        const auto end = rest.find('\n');
        const std::string_view line = rest.substr(0, end);
        rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end + 1);
        if (line.starts_with(prefix)) {
            const std::string_view body = line.substr(prefix.size());
            const auto colon = body.find(": ");
            if (colon != std::string_view::npos && looks_like_path(body.substr(0, colon)))
                found.emplace_back(join_path(path, body.substr(0, colon)),
                                   std::string{body.substr(colon + 2)});
            else
                found.emplace_back(path, std::string{body});
        } else if (!first_line && !found.empty()) {
            found.back().second += '\n';
            found.back().second += line;
        }
        first_line = false;
    }
    if (found.empty()) found.emplace_back(path, error.message);
    for (auto& [where, message] : found) add(problems, std::move(where), std::move(message));
}

enum class Presence { required, optional };

// Reads the fields of one JSON object, adding problems at their paths. Unknown fields are
// ignored and null reads as absent, as for every wire object.
class ObjectReader {
  public:
    ObjectReader(const json::value& value, std::string path, Problems& problems)
        : m_object(value.if_object()), m_path(std::move(path)), m_problems(problems) {
        if (!m_object) add(m_problems, m_path, "expected a JSON object, got " + describe(value));
    }

    [[nodiscard]] bool is_object() const { return m_object != nullptr; }
    [[nodiscard]] std::string path_of(std::string_view key) const { return join_path(m_path, key); }

    // The field's value, or nullptr when it is absent or null (a problem when it is required).
    const json::value* field(std::string_view key, Presence presence) {
        if (!m_object) return nullptr;
        const json::value* value = m_object->if_contains(key);
        if (value != nullptr && !value->is_null()) return value;
        if (presence == Presence::required) add(m_problems, path_of(key), "missing required field");
        return nullptr;
    }

    // Reads a required field with read(value, path, problems); nullopt when absent or unreadable.
    template <class Read>
    std::invoke_result_t<Read, const json::value&, const std::string&, Problems&> required(
        std::string_view key, Read read) {
        const json::value* value = field(key, Presence::required);
        if (!value) return std::nullopt;
        return read(*value, path_of(key), m_problems);
    }

  private:
    const json::object* m_object;
    std::string m_path;
    Problems& m_problems;
};

std::optional<std::string> read_string(const json::value& value, const std::string& path,
                                       Problems& problems) {
    if (const auto* text = value.if_string()) return std::string{*text};
    add(problems, path, "expected a string, got " + describe(value));
    return std::nullopt;
}

std::optional<std::string> read_nonempty_string(const json::value& value, const std::string& path,
                                                Problems& problems) {
    auto text = read_string(value, path, problems);
    if (text && text->empty()) {
        add(problems, path, "must not be empty");
        return std::nullopt;
    }
    return text;
}

std::optional<std::string> read_sha256(const json::value& value, const std::string& path,
                                       Problems& problems) {
    auto text = read_string(value, path, problems);
    if (text && !is_sha256_hex(*text)) {
        add(problems, path,
            fmt::format("expected a SHA-256 as 64 lowercase hex digits, got {}", in_quotes(*text)));
        return std::nullopt;
    }
    return text;
}

// A whole number >= 0. Doubles count only when they hold an exact whole number (a sender may
// write 1e3), so nothing is silently rounded.
std::optional<std::uint64_t> read_whole(const json::value& value, const std::string& path,
                                        Problems& problems) {
    switch (value.kind()) {
    case json::kind::uint64: return value.get_uint64();
    case json::kind::int64:
        if (value.get_int64() >= 0) return static_cast<std::uint64_t>(value.get_int64());
        add(problems, path, fmt::format("must not be negative, got {}", value.get_int64()));
        return std::nullopt;
    case json::kind::double_: {
        const double d = value.get_double();
        constexpr double exact_limit = 9007199254740992.0;  // 2^53: every whole double below is exact
        if (d != std::floor(d) || d < 0 || d > exact_limit) {
            add(problems, path, fmt::format("expected a whole number from 0 to 2^53, got {}", d));
            return std::nullopt;
        }
        return static_cast<std::uint64_t>(d);
    }
    default: add(problems, path, "expected a whole number, got " + describe(value)); return std::nullopt;
    }
}

std::optional<MediaKind> read_media_kind(const json::value& value, const std::string& path,
                                         Problems& problems) {
    const auto text = read_string(value, path, problems);
    if (!text) return std::nullopt;
    auto kind = parse_media_kind(*text);
    if (!kind) {
        add(problems, path, fmt::format("expected \"video\" or \"image\", got {}", in_quotes(*text)));
        return std::nullopt;
    }
    return *kind;
}

// Never echoes the value: even a malformed secret may be most of a real one.
std::optional<JoinSecret> read_secret(const json::value& value, const std::string& path, Problems& problems) {
    const auto* text = value.if_string();
    if (!text) {
        add(problems, path, fmt::format("expected 64 hex digits as a string, got {}", json_kind_name(value)));
        return std::nullopt;
    }
    auto secret = parse_join_secret(*text);
    if (!secret) {
        add(problems, path, std::move(secret.error().message));
        return std::nullopt;
    }
    return *secret;
}

std::optional<config::WallTime> read_time(const json::value& value, const std::string& path,
                                          Problems& problems) {
    const auto* text = value.if_string();
    if (!text) {
        add(problems, path,
            fmt::format("expected an RFC 3339 time like {}, got {}", time_example, describe(value)));
        return std::nullopt;
    }
    auto time = parse_rfc3339(*text);
    if (!time) {
        add(problems, path, std::move(time.error().message));
        return std::nullopt;
    }
    return *time;
}

// Calls fn(element, path, index) for each element of a list field (absent or null: empty) and
// returns how many elements fn refused, counting a value that is not a list as one.
template <class Fn>
std::size_t read_list(const json::object& root, std::string_view key, Problems& problems, Fn&& fn) {
    const json::value* value = root.if_contains(key);
    if (value == nullptr || value->is_null()) return 0;
    const auto* array = value->if_array();
    if (!array) {
        add(problems, std::string{key}, "expected a list, got " + describe(*value));
        return 1;
    }
    std::size_t refused = 0;
    for (std::size_t i = 0; i < array->size(); ++i)
        if (!fn((*array)[i], index_path(key, i), i)) ++refused;
    return refused;
}

std::uint64_t power_of_ten(unsigned digits) {
    std::uint64_t value = 1;
    for (unsigned i = 0; i < digits; ++i) value *= 10;
    return value;
}

std::optional<ManifestAsset> read_asset(const json::value& value, const std::string& path,
                                        Problems& problems) {
    const std::size_t before = problems.size();
    ObjectReader reader(value, path, problems);
    if (!reader.is_object()) return std::nullopt;
    ManifestAsset asset;
    if (auto sha = reader.required("sha256", read_sha256)) asset.sha256 = std::move(*sha);
    if (auto size = reader.required("size", read_whole)) asset.size = *size;
    if (auto kind = reader.required("type", read_media_kind)) asset.kind = *kind;
    if (problems.size() != before) return std::nullopt;
    return asset;
}

std::optional<ManifestJoin> read_join(const json::value& value, const std::string& path, Problems& problems) {
    const std::size_t before = problems.size();
    ObjectReader reader(value, path, problems);
    if (!reader.is_object()) return std::nullopt;
    ManifestJoin join;
    if (auto campaign = reader.required("campaign", read_nonempty_string))
        join.campaign = std::move(*campaign);
    if (auto channel = reader.required("channel", read_nonempty_string)) join.channel = std::move(*channel);
    if (auto account = reader.required("account", read_nonempty_string)) join.account = std::move(*account);
    if (auto deep_link = reader.required("deep_link", read_string)) join.deep_link = std::move(*deep_link);
    if (auto secret = reader.required("secret", read_secret)) join.secret = *secret;

    const auto digits = reader.required("digits", read_whole);
    const bool digits_ok =
        digits && *digits >= JoinCodeSpace::min_digits && *digits <= JoinCodeSpace::max_digits;
    if (digits && !digits_ok)
        add(problems, reader.path_of("digits"),
            fmt::format("expected {} to {} digits, got {}", JoinCodeSpace::min_digits,
                        JoinCodeSpace::max_digits, *digits));
    if (digits_ok) join.digits = static_cast<unsigned>(*digits);

    if (const auto slot = reader.required("slot", read_whole)) {
        join.slot = *slot;
        if (digits_ok && *slot >= power_of_ten(join.digits))
            add(problems, reader.path_of("slot"),
                fmt::format("expected a number below 10^{}, got {}", join.digits, *slot));
    }

    if (const auto period = reader.required("period_s", read_whole)) {
        if (*period < 1)
            add(problems, reader.path_of("period_s"),
                "expected a whole number of seconds, at least 1, got 0");
        else if (*period > max_period_s)
            add(problems, reader.path_of("period_s"),
                fmt::format("is too large (at most {} seconds), got {}", max_period_s, *period));
        else
            join.period = std::chrono::seconds{static_cast<std::int64_t>(*period)};
    }

    if (problems.size() != before) return std::nullopt;
    // The join space itself must accept these parameters, or the screen could not show codes.
    if (auto space = JoinCodeSpace::create(join.secret, join.digits, join.period); !space) {
        add(problems, path, std::move(space.error().message));
        return std::nullopt;
    }
    return join;
}

// Rules across the lists: items name listed assets of their kind; joins name interactive
// campaigns of this manifest and channels those campaigns offer, each pair once.
void check_references(const Manifest& manifest, const std::vector<std::size_t>& campaign_index,
                      bool all_campaigns_read, bool all_assets_read,
                      const std::vector<std::size_t>& join_index, Problems& problems) {
    std::map<std::string_view, std::size_t, std::less<>> assets;
    for (std::size_t a = 0; a < manifest.assets.size(); ++a) assets.emplace(manifest.assets[a].sha256, a);

    std::map<std::string_view, std::size_t, std::less<>> campaigns;  // id → position in `campaigns`
    for (std::size_t c = 0; c < manifest.campaigns.size(); ++c) {
        const Campaign& campaign = manifest.campaigns[c];
        const std::string path = index_path("campaigns", campaign_index[c]);
        if (const auto [it, added] = campaigns.emplace(campaign.id, c); !added)
            add(problems, join_path(path, "id"),
                fmt::format("campaign {} appears more than once (also campaigns[{}])", in_quotes(campaign.id),
                            campaign_index[it->second]));
        if (!all_assets_read) continue;
        for (std::size_t i = 0; i < campaign.items.size(); ++i) {
            const Item& item = campaign.items[i];
            const std::string sha_path = join_path(index_path(join_path(path, "items"), i), "sha256");
            if (item.sha256.empty()) {
                add(problems, sha_path,
                    fmt::format("missing; every item of a manifest names its asset's SHA-256 (item {})",
                                in_quotes(item.asset)));
                continue;
            }
            const auto found = assets.find(item.sha256);
            if (found == assets.end()) {
                add(problems, sha_path, fmt::format("asset {} is not listed in assets", item.sha256));
                continue;
            }
            const ManifestAsset& asset = manifest.assets[found->second];
            if (asset.kind != item.kind)
                add(problems, sha_path,
                    fmt::format("the item is {} {} but assets[{}] lists an {}",
                                item.kind == MediaKind::image ? "an" : "a", to_string(item.kind),
                                found->second, to_string(asset.kind)));
        }
    }

    // A join naming a campaign that failed to decode would only add a misleading second problem.
    if (!all_campaigns_read) return;
    std::map<std::pair<std::string_view, std::string_view>, std::size_t> pairs;
    for (std::size_t j = 0; j < manifest.joins.size(); ++j) {
        const ManifestJoin& join = manifest.joins[j];
        const std::string path = index_path("joins", join_index[j]);
        const auto found = campaigns.find(join.campaign);
        if (found == campaigns.end()) {
            add(problems, join_path(path, "campaign"),
                fmt::format("no campaign {} in this manifest", in_quotes(join.campaign)));
            continue;
        }
        const Campaign& campaign = manifest.campaigns[found->second];
        if (!campaign.join) {
            add(problems, join_path(path, "campaign"),
                fmt::format("campaign {} is not interactive (it has no join block)",
                            in_quotes(join.campaign)));
            continue;
        }
        if (std::ranges::find(campaign.join->channels, join.channel) == campaign.join->channels.end()) {
            add(problems, join_path(path, "channel"),
                fmt::format("campaign {} does not offer channel {}; it offers: {}", in_quotes(join.campaign),
                            in_quotes(join.channel), fmt::join(campaign.join->channels, ", ")));
            continue;
        }
        if (const auto [it, added] =
                pairs.emplace(std::pair{std::string_view{join.campaign}, std::string_view{join.channel}}, j);
            !added)
            add(problems, path,
                fmt::format("campaign {} offers channel {} more than once (also joins[{}])",
                            in_quotes(join.campaign), in_quotes(join.channel), join_index[it->second]));
    }
}

void check_unique_assets(const Manifest& manifest, const std::vector<std::size_t>& asset_index,
                         Problems& problems) {
    std::map<std::string_view, std::size_t, std::less<>> seen;
    for (std::size_t a = 0; a < manifest.assets.size(); ++a) {
        if (const auto [it, added] = seen.emplace(manifest.assets[a].sha256, a); !added)
            add(problems, join_path(index_path("assets", asset_index[a]), "sha256"),
                fmt::format("asset {} is listed more than once (also assets[{}])", manifest.assets[a].sha256,
                            asset_index[it->second]));
    }
}

}  // namespace

std::vector<const ManifestJoin*> Manifest::joins_of(std::string_view campaign) const {
    std::vector<const ManifestJoin*> out;
    for (const ManifestJoin& join : joins)
        if (join.campaign == campaign) out.push_back(&join);
    return out;
}

const ManifestAsset* Manifest::asset(std::string_view sha256) const {
    const auto found = std::ranges::find(assets, sha256, &ManifestAsset::sha256);
    return found == assets.end() ? nullptr : &*found;
}

Result<Manifest> manifest_from_json(const boost::json::value& json) {
    Problems problems{std::string{source_name}};
    const auto* root = json.if_object();
    if (!root) {
        add(problems, "", "expected a JSON object, got " + describe(json));
        return fail(problems.to_error());
    }

    Manifest manifest;
    if (const json::value* screen = root->if_contains("screen"); screen == nullptr || screen->is_null()) {
        add(problems, "screen", "missing required field");
    } else if (auto decoded = screen_from_json(*screen, "screen"); decoded) {
        manifest.screen = std::move(*decoded);
    } else {
        add_nested(problems, "screen", decoded.error());
    }

    // Where each decoded element stood in its list, for the paths of problems across lists.
    std::vector<std::size_t> campaign_index;
    std::vector<std::size_t> asset_index;
    std::vector<std::size_t> join_index;
    const std::size_t bad_campaigns = read_list(
        *root, "campaigns", problems, [&](const json::value& value, const std::string& path, std::size_t i) {
            auto campaign = campaign_from_json(value, path);
            if (!campaign) {
                add_nested(problems, path, campaign.error());
                return false;
            }
            manifest.campaigns.push_back(std::move(*campaign));
            campaign_index.emplace_back(i);
            return true;
        });
    const std::size_t bad_assets = read_list(
        *root, "assets", problems, [&](const json::value& value, const std::string& path, std::size_t i) {
            auto asset = read_asset(value, path, problems);
            if (!asset) return false;
            manifest.assets.push_back(std::move(*asset));
            asset_index.emplace_back(i);
            return true;
        });
    read_list(*root, "joins", problems,
              [&](const json::value& value, const std::string& path, std::size_t i) {
                  auto join = read_join(value, path, problems);
                  if (!join) return false;
                  manifest.joins.push_back(std::move(*join));
                  join_index.emplace_back(i);
                  return true;
              });
    check_unique_assets(manifest, asset_index, problems);
    check_references(manifest, campaign_index, bad_campaigns == 0, bad_assets == 0, join_index, problems);

    if (auto time = root->if_contains("server_time"); time == nullptr || time->is_null()) {
        add(problems, "server_time", "missing required field");
    } else if (auto server_time = read_time(*time, "server_time", problems)) {
        manifest.server_time = *server_time;
    }

    if (!problems.empty()) return fail(problems.to_error());
    return manifest;
}

Result<Manifest> manifest_from_json_text(std::string_view text) {
    auto json = parse_json_text(text, source_name);
    if (!json) return fail(std::move(json.error()));
    return manifest_from_json(*json);
}

boost::json::value manifest_to_json(const Manifest& manifest) {
    json::array campaigns;
    for (const Campaign& campaign : manifest.campaigns) campaigns.push_back(campaign_to_json(campaign));
    json::array joins;
    for (const ManifestJoin& join : manifest.joins)
        joins.emplace_back(json::object{
            {"campaign", join.campaign},
            {"channel", join.channel},
            {"account", join.account},
            {"deep_link", join.deep_link},
            {"secret", to_hex(join.secret)},
            {"slot", join.slot},
            {"digits", join.digits},
            {"period_s", std::chrono::duration_cast<std::chrono::seconds>(join.period).count()}});
    json::array assets;
    for (const ManifestAsset& asset : manifest.assets)
        assets.emplace_back(
            json::object{{"sha256", asset.sha256}, {"size", asset.size}, {"type", to_string(asset.kind)}});
    return json::object{{"screen", screen_to_json(manifest.screen)},
                        {"campaigns", std::move(campaigns)},
                        {"joins", std::move(joins)},
                        {"assets", std::move(assets)},
                        {"server_time", format_rfc3339(manifest.server_time)}};
}

std::string manifest_to_json_text(const Manifest& manifest) {
    return json::serialize(manifest_to_json(manifest));
}

}  // namespace dwell::content
