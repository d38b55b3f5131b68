#include "content/campaign_codec.hpp"

#include <algorithm>
#include <cctype>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/stream_parser.hpp>

namespace dwell::content {
namespace {

using config::MapReader;
using config::mark_of;
using config::Problems;

Result<std::optional<Duration>> parse_item_duration(std::string_view text) {
    if (text == "auto") return std::optional<Duration>{};
    auto duration = config::parse_duration(text);
    if (!duration)
        return fail(Errc::invalid_input, "{}, or auto for a video's own length", duration.error().message);
    return std::optional<Duration>{*duration};
}

Window read_window(const YAML::Node& node, const std::string& path, DocumentReader& reader) {
    Window window;
    MapReader map(node, path, reader.problems());
    if (!reader.check_map(map, node)) return window;
    reader.scalar(map, "start", Presence::required, window.start, parse_instant);
    reader.scalar(map, "end", Presence::required, window.end, parse_instant);
    map.finish();
    return window;
}

std::uint8_t read_days(const YAML::Node& node, const std::string& path, DocumentReader& reader) {
    unsigned days = 0;
    bool complete = true;
    reader.list(node, path, [&](const YAML::Node& element, const std::string& element_path) {
        std::optional<unsigned> day;
        reader.scalar(element, element_path, day, parse_weekday);
        if (!day) {
            complete = false;
            return;
        }
        const unsigned bit = 1U << *day;
        if ((days & bit) != 0)
            reader.problems().add(element, element_path,
                                  fmt::format("\"{}\" is listed twice", weekday_name(*day)));
        days |= bit;
    });
    // A partly read list would look emptier than written; validation must not judge it.
    if (!complete) reader.marks().set_unreadable(path);
    return static_cast<std::uint8_t>(days);
}

Daypart read_daypart(const YAML::Node& node, const std::string& path, DocumentReader& reader) {
    Daypart daypart;
    MapReader map(node, path, reader.problems());
    if (!reader.check_map(map, node)) return daypart;
    if (const YAML::Node days = reader.take(map, "days", Presence::optional); days.IsDefined())
        daypart.days = read_days(days, map.path_of("days"), reader);
    reader.scalar(map, "from", Presence::required, daypart.from, parse_time_of_day);
    reader.scalar(map, "to", Presence::required, daypart.to, parse_time_of_day);
    map.finish();
    return daypart;
}

Targets read_targets(const YAML::Node& node, const std::string& path, DocumentReader& reader) {
    Targets targets;
    MapReader map(node, path, reader.problems());
    if (!reader.check_map(map, node)) return targets;
    reader.scalar(map, "all", Presence::optional, targets.all, config::parse_scalar<bool>);
    targets.lines = reader.texts(map, "lines", Presence::optional);
    targets.stations = reader.texts(map, "stations", Presence::optional);
    targets.screens = reader.texts(map, "screens", Presence::optional);
    targets.tags = reader.texts(map, "tags", Presence::optional);
    map.finish();
    return targets;
}

Item read_item(const YAML::Node& node, const std::string& path, DocumentReader& reader) {
    Item item;
    MapReader map(node, path, reader.problems());
    if (!reader.check_map(map, node)) return item;
    reader.text(map, "asset", Presence::required, item.asset);
    reader.scalar(map, "duration", Presence::optional, item.duration, parse_item_duration);
    const std::string type_path = map.path_of("type");
    if (const YAML::Node type = reader.take(map, "type", Presence::optional); type.IsDefined()) {
        reader.scalar(type, type_path, item.kind, parse_media_kind);
    } else if (const auto inferred = media_kind_from_name(item.asset)) {
        item.kind = *inferred;
    } else {
        reader.marks().set_unreadable(type_path);
        if (!item.asset.empty())
            reader.problems().add(
                reader.marks().mark(map.path_of("asset")), map.path_of("asset"),
                fmt::format(
                    "cannot tell from \"{}\" whether it is an image or a video; add type: image or type: "
                    "video (known extensions: png, jpg, jpeg, webp, gif; mp4, m4v, mov, mkv, webm, ts)",
                    item.asset));
    }
    reader.text(map, "sha256", Presence::optional, item.sha256);
    map.finish();
    return item;
}

JoinCodeOptions read_join_code(const YAML::Node& node, const std::string& path, DocumentReader& reader) {
    JoinCodeOptions code;
    MapReader map(node, path, reader.problems());
    if (!reader.check_map(map, node)) return code;
    reader.scalar(map, "digits", Presence::optional, code.digits, config::parse_scalar<unsigned>);
    reader.scalar(map, "period", Presence::optional, code.period, config::parse_duration);
    map.finish();
    return code;
}

Overlay read_overlay(const YAML::Node& node, const std::string& path, DocumentReader& reader) {
    Overlay overlay;
    MapReader map(node, path, reader.problems());
    if (!reader.check_map(map, node)) return overlay;
    reader.scalar(map, "position", Presence::optional, overlay.position, parse_overlay_position);
    reader.scalar(map, "qr", Presence::optional, overlay.qr, config::parse_scalar<bool>);
    reader.scalar(map, "counter", Presence::optional, overlay.counter, config::parse_scalar<bool>);
    reader.scalar(map, "toasts", Presence::optional, overlay.toasts, config::parse_scalar<bool>);
    map.finish();
    return overlay;
}

std::optional<JoinOptions> read_join(const YAML::Node& node, const std::string& path,
                                     DocumentReader& reader) {
    MapReader map(node, path, reader.problems());
    if (!reader.check_map(map, node)) return std::nullopt;
    JoinOptions join;
    join.channels = reader.texts(map, "channels", Presence::required);
    reader.text(map, "prompt", Presence::required, join.prompt);
    reader.text(map, "reply", Presence::optional, join.reply);
    if (const YAML::Node code = reader.take(map, "code", Presence::optional); code.IsDefined())
        join.code = read_join_code(code, map.path_of("code"), reader);
    if (const YAML::Node overlay = reader.take(map, "overlay", Presence::optional); overlay.IsDefined())
        join.overlay = read_overlay(overlay, map.path_of("overlay"), reader);
    map.finish();
    return join;
}

Campaign read_campaign(const YAML::Node& root, DocumentReader& reader) {
    Campaign campaign;
    MapReader map(root, "", reader.problems());
    if (!reader.check_map(map, root)) return campaign;
    reader.text(map, "id", Presence::required, campaign.id);
    reader.text(map, "name", Presence::required, campaign.name);
    if (const YAML::Node window = reader.take(map, "window", Presence::required); window.IsDefined())
        campaign.window = read_window(window, "window", reader);
    reader.list(reader.take(map, "dayparts", Presence::optional), "dayparts",
                [&](const YAML::Node& element, const std::string& path) {
                    campaign.dayparts.push_back(read_daypart(element, path, reader));
                });
    if (const YAML::Node targets = reader.take(map, "targets", Presence::optional); targets.IsDefined())
        campaign.targets = read_targets(targets, "targets", reader);
    reader.scalar(map, "priority", Presence::optional, campaign.priority, parse_priority);
    reader.scalar(map, "share", Presence::optional, campaign.share, config::parse_scalar<unsigned>);
    reader.list(reader.take(map, "items", Presence::required), "items",
                [&](const YAML::Node& element, const std::string& path) {
                    campaign.items.push_back(read_item(element, path, reader));
                });
    if (const YAML::Node join = reader.take(map, "join", Presence::optional); join.IsDefined())
        campaign.join = read_join(join, "join", reader);
    map.finish();
    return campaign;
}

YAML::Emitter& emit_texts(YAML::Emitter& out, const std::vector<std::string>& values) {
    out << YAML::Flow << YAML::BeginSeq;
    for (const auto& value : values) out << YamlText{value};
    return out << YAML::EndSeq;
}

std::string duration_text(const std::optional<Duration>& duration) {
    return duration ? config::format_duration(*duration) : std::string{"auto"};
}

boost::json::array json_texts(const std::vector<std::string>& values) {
    boost::json::array out;
    for (const auto& value : values) out.emplace_back(value);
    return out;
}

// Monday first, the way people list a week.
std::vector<std::string_view> day_names(std::uint8_t days) {
    std::vector<std::string_view> out;
    for (const unsigned d : {1U, 2U, 3U, 4U, 5U, 6U, 0U})
        if ((days & (1U << d)) != 0) out.push_back(weekday_name(d));
    return out;
}

boost::json::array json_days(std::uint8_t days) {
    boost::json::array out;
    for (const auto name : day_names(days)) out.emplace_back(name);
    return out;
}

}  // namespace

Result<Campaign> campaign_from_node(const YAML::Node& root, std::string_view source,
                                    const CampaignContext& context) {
    Problems problems{std::string{source}};
    FieldMarks marks;
    DocumentReader reader(problems, marks);
    Campaign campaign = read_campaign(root, reader);
    validate_campaign(campaign, context, problems, marks);
    if (!problems.empty()) return fail(document_error(problems));
    return campaign;
}

Result<Campaign> campaign_from_yaml(std::string_view text, std::string_view source,
                                    const CampaignContext& context) {
    auto root = config::load_yaml_text(text, source);
    if (!root) return fail(std::move(root.error()));
    return campaign_from_node(*root, source, context);
}

Result<Campaign> campaign_from_yaml_file(const std::filesystem::path& file, const CampaignContext& context) {
    auto root = config::load_yaml_file(file);
    if (!root) return fail(std::move(root.error()));
    return campaign_from_node(*root, file.string(), context);
}

Result<Campaign> campaign_from_json(const boost::json::value& json, std::string_view source,
                                    const CampaignContext& context) {
    return campaign_from_node(yaml_from_json(json), source, context);
}

Result<Campaign> campaign_from_json_text(std::string_view text, std::string_view source,
                                         const CampaignContext& context) {
    auto json = parse_json_text(text, source);
    if (!json) return fail(std::move(json.error()));
    return campaign_from_json(*json, source, context);
}

std::string campaign_to_yaml(const Campaign& campaign) {
    YAML::Emitter out;
    out << YAML::BeginMap;
    out << YAML::Key << "id" << YAML::Value << YamlText{campaign.id};
    out << YAML::Key << "name" << YAML::Value << YamlText{campaign.name};
    out << YAML::Key << "window" << YAML::Value << YAML::Flow << YAML::BeginMap;
    out << YAML::Key << "start" << YAML::Value << format_instant(campaign.window.start);
    out << YAML::Key << "end" << YAML::Value << format_instant(campaign.window.end);
    out << YAML::EndMap;
    if (!campaign.dayparts.empty()) {
        out << YAML::Key << "dayparts" << YAML::Value << YAML::BeginSeq;
        for (const Daypart& daypart : campaign.dayparts) {
            out << YAML::Flow << YAML::BeginMap;
            if (daypart.days != 0x7f) {
                out << YAML::Key << "days" << YAML::Value << YAML::Flow << YAML::BeginSeq;
                for (const auto name : day_names(daypart.days)) out << std::string{name};
                out << YAML::EndSeq;
            }
            // Quoted: YAML 1.1 readers take an unquoted 07:00 for a base-60 number.
            out << YAML::Key << "from" << YAML::Value << YAML::DoubleQuoted
                << format_time_of_day(daypart.from);
            out << YAML::Key << "to" << YAML::Value << YAML::DoubleQuoted << format_time_of_day(daypart.to);
            out << YAML::EndMap;
        }
        out << YAML::EndSeq;
    }
    const Targets& targets = campaign.targets;
    out << YAML::Key << "targets" << YAML::Value << YAML::BeginMap;
    if (targets.all) out << YAML::Key << "all" << YAML::Value << true;
    const std::pair<std::string_view, const std::vector<std::string>*> selectors[] = {
        {"lines", &targets.lines},
        {"stations", &targets.stations},
        {"screens", &targets.screens},
        {"tags", &targets.tags}};
    for (const auto& [key, values] : selectors)
        if (!values->empty()) emit_texts(out << YAML::Key << std::string{key} << YAML::Value, *values);
    out << YAML::EndMap;
    out << YAML::Key << "priority" << YAML::Value << std::string{to_string(campaign.priority)};
    out << YAML::Key << "share" << YAML::Value << campaign.share;
    out << YAML::Key << "items" << YAML::Value << YAML::BeginSeq;
    for (const Item& item : campaign.items) {
        out << YAML::Flow << YAML::BeginMap;
        out << YAML::Key << "asset" << YAML::Value << YamlText{item.asset};
        out << YAML::Key << "duration" << YAML::Value << duration_text(item.duration);
        if (media_kind_from_name(item.asset) != item.kind)
            out << YAML::Key << "type" << YAML::Value << std::string{to_string(item.kind)};
        if (!item.sha256.empty()) out << YAML::Key << "sha256" << YAML::Value << YamlText{item.sha256};
        out << YAML::EndMap;
    }
    out << YAML::EndSeq;
    if (campaign.join) {
        const JoinOptions& join = *campaign.join;
        out << YAML::Key << "join" << YAML::Value << YAML::BeginMap;
        emit_texts(out << YAML::Key << "channels" << YAML::Value, join.channels);
        out << YAML::Key << "prompt" << YAML::Value << YamlText{join.prompt};
        if (!join.reply.empty()) out << YAML::Key << "reply" << YAML::Value << YamlText{join.reply};
        out << YAML::Key << "code" << YAML::Value << YAML::Flow << YAML::BeginMap;
        out << YAML::Key << "digits" << YAML::Value << join.code.digits;
        out << YAML::Key << "period" << YAML::Value << config::format_duration(join.code.period);
        out << YAML::EndMap;
        out << YAML::Key << "overlay" << YAML::Value << YAML::Flow << YAML::BeginMap;
        out << YAML::Key << "position" << YAML::Value << std::string{to_string(join.overlay.position)};
        out << YAML::Key << "qr" << YAML::Value << join.overlay.qr;
        out << YAML::Key << "counter" << YAML::Value << join.overlay.counter;
        out << YAML::Key << "toasts" << YAML::Value << join.overlay.toasts;
        out << YAML::EndMap;
        out << YAML::EndMap;
    }
    out << YAML::EndMap;
    return std::string{out.c_str()} + "\n";
}

boost::json::value campaign_to_json(const Campaign& campaign) {
    boost::json::object json;
    json["id"] = campaign.id;
    json["name"] = campaign.name;
    json["window"] = boost::json::object{{"start", format_instant(campaign.window.start)},
                                         {"end", format_instant(campaign.window.end)}};
    boost::json::array dayparts;
    for (const Daypart& daypart : campaign.dayparts)
        dayparts.emplace_back(boost::json::object{{"days", json_days(daypart.days)},
                                                  {"from", format_time_of_day(daypart.from)},
                                                  {"to", format_time_of_day(daypart.to)}});
    json["dayparts"] = std::move(dayparts);
    json["targets"] = boost::json::object{{"all", campaign.targets.all},
                                          {"lines", json_texts(campaign.targets.lines)},
                                          {"stations", json_texts(campaign.targets.stations)},
                                          {"screens", json_texts(campaign.targets.screens)},
                                          {"tags", json_texts(campaign.targets.tags)}};
    json["priority"] = to_string(campaign.priority);
    json["share"] = campaign.share;
    boost::json::array items;
    for (const Item& item : campaign.items) {
        boost::json::object entry{{"asset", item.asset},
                                  {"duration", duration_text(item.duration)},
                                  {"type", to_string(item.kind)}};
        if (!item.sha256.empty()) entry["sha256"] = item.sha256;
        items.emplace_back(std::move(entry));
    }
    json["items"] = std::move(items);
    if (campaign.join) {
        const JoinOptions& join = *campaign.join;
        json["join"] = boost::json::object{
            {"channels", json_texts(join.channels)},
            {"prompt", join.prompt},
            {"reply", join.reply},
            {"code", boost::json::object{{"digits", join.code.digits},
                                         {"period", config::format_duration(join.code.period)}}},
            {"overlay", boost::json::object{{"position", to_string(join.overlay.position)},
                                            {"qr", join.overlay.qr},
                                            {"counter", join.overlay.counter},
                                            {"toasts", join.overlay.toasts}}}};
    }
    return json;
}

Result<boost::json::value> parse_json_text(std::string_view text, std::string_view source) {
    boost::json::stream_parser parser;
    boost::system::error_code ec;
    std::size_t consumed = parser.write(text.data(), text.size(), ec);
    if (!ec) {
        parser.finish(ec);
        consumed = text.size();
    }
    if (ec) {
        const std::string_view before = text.substr(0, std::min(consumed, text.size()));
        const auto line = std::ranges::count(before, '\n') + 1;
        const auto line_start = before.rfind('\n');
        const auto column = before.size() - (line_start == std::string_view::npos ? 0 : line_start + 1) + 1;
        return fail(Errc::invalid_input, "{}:{}:{}: not valid JSON ({}); expected one JSON object", source,
                    line, column, ec.message());
    }
    return parser.release();
}

YAML::Node yaml_from_json(const boost::json::value& json) {
    switch (json.kind()) {
    case boost::json::kind::object: {
        YAML::Node node{YAML::NodeType::Map};
        for (const auto& [key, value] : json.get_object()) node[std::string{key}] = yaml_from_json(value);
        return node;
    }
    case boost::json::kind::array: {
        YAML::Node node{YAML::NodeType::Sequence};
        for (const auto& value : json.get_array()) node.push_back(yaml_from_json(value));
        return node;
    }
    case boost::json::kind::string: return YAML::Node{std::string{json.get_string()}};
    case boost::json::kind::bool_: return YAML::Node{std::string{json.get_bool() ? "true" : "false"}};
    case boost::json::kind::int64: return YAML::Node{std::to_string(json.get_int64())};
    case boost::json::kind::uint64: return YAML::Node{std::to_string(json.get_uint64())};
    case boost::json::kind::double_: return YAML::Node{fmt::format("{}", json.get_double())};
    case boost::json::kind::null: return YAML::Node{YAML::NodeType::Null};
    }
    return YAML::Node{YAML::NodeType::Null};
}

YAML::Emitter& operator<<(YAML::Emitter& out, YamlText value) {
    static constexpr std::string_view plain_words[] = {"true", "false", "yes", "no",   "on",
                                                       "off",  "y",     "n",   "null", "~"};
    std::string lower{value.text};
    std::ranges::transform(lower, lower.begin(), [](char c) {
        return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    });
    const std::string_view unsigned_part =
        !lower.empty() && (lower[0] == '+' || lower[0] == '-') ? std::string_view{lower}.substr(1) : lower;
    const bool numeric =
        !unsigned_part.empty() &&
        (std::isdigit(static_cast<unsigned char>(unsigned_part[0])) ||
         (unsigned_part[0] == '.' && unsigned_part.size() > 1) || unsigned_part.starts_with("inf") ||
         unsigned_part.starts_with(".inf") || unsigned_part == ".nan");
    if (numeric || std::ranges::find(plain_words, lower) != std::end(plain_words)) out << YAML::DoubleQuoted;
    return out << std::string{value.text};
}

Error document_error(const config::Problems& problems) {
    std::vector<config::Problem> items = problems.items();
    std::ranges::stable_sort(items, {}, [](const config::Problem& problem) {
        return std::pair{problem.mark.line, problem.mark.column};
    });
    Problems sorted{problems.source()};
    for (auto& problem : items) sorted.add(problem.mark, std::move(problem.path), std::move(problem.message));
    return sorted.to_error();
}

}  // namespace dwell::content
