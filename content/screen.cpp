#include "content/screen.hpp"

#include <array>
#include <charconv>
#include <exception>
#include <optional>

#include <date/tz.h>
#include <fmt/format.h>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "config/config_file.hpp"
#include "content/campaign_codec.hpp"

namespace dwell::content {
namespace {

constexpr int max_side = 16384;

Screen read_screen(const YAML::Node& root, DocumentReader& reader) {
    Screen screen;
    config::MapReader map(root, "", reader.problems());
    if (!reader.check_map(map, root)) return screen;
    reader.text(map, "id", Presence::required, screen.id);
    reader.text(map, "station", Presence::required, screen.station);
    reader.text(map, "line", Presence::optional, screen.line);
    screen.tags = reader.texts(map, "tags", Presence::optional);
    reader.text(map, "timezone", Presence::required, screen.timezone);
    reader.scalar(map, "size", Presence::optional, screen.size, parse_screen_size);
    reader.scalar(map, "orientation", Presence::optional, screen.orientation, parse_orientation);
    reader.text(map, "layout", Presence::optional, screen.layout);
    map.finish();
    return screen;
}

}  // namespace

Result<const date::time_zone*> locate_time_zone(std::string_view name) {
    if (name.empty())
        return fail(Errc::invalid_input, "unknown time zone \"\"; expected an IANA name such as Asia/Seoul");
    try {
        const date::time_zone* zone = date::locate_zone(name);
        // The zone's rules are read from disk on first use; doing it here keeps that failure
        // out of resolution, which must not throw.
        static_cast<void>(zone->get_info(std::chrono::sys_seconds{}));
        return zone;
    } catch (const std::exception& e) {
        return fail(Errc::invalid_input,
                    "unknown time zone \"{}\" ({}); expected an IANA name such as Asia/Seoul", name,
                    e.what());
    }
}

std::span<const Layout> builtin_layouts() {
    // Constant data, built once; zones are fractions of the screen before rotation.
    static const std::array<Layout, 3> layouts = {{
        {"fullscreen", {{"main", 0, 0, 1, 1}}},
        {"landscape-ticker", {{"main", 0, 0, 1, 0.9}, {"ticker", 0, 0.9, 1, 0.1}}},
        {"portrait", {{"main", 0, 0, 1, 0.8}, {"side", 0, 0.8, 1, 0.2}}},
    }};
    return layouts;
}

std::string layout_names() {
    std::string out;
    for (const Layout& layout : builtin_layouts()) out += (out.empty() ? "" : ", ") + layout.name;
    return out;
}

const Layout* builtin_layout(std::string_view name) {
    for (const Layout& layout : builtin_layouts())
        if (layout.name == name) return &layout;
    return nullptr;
}

std::string_view to_string(Orientation orientation) {
    return orientation == Orientation::portrait ? "portrait" : "landscape";
}

Result<Orientation> parse_orientation(std::string_view text) {
    if (text == "landscape") return Orientation::landscape;
    if (text == "portrait") return Orientation::portrait;
    return fail(Errc::invalid_input, "\"{}\" is not an orientation; expected landscape or portrait", text);
}

Result<Size> parse_screen_size(std::string_view text) {
    const auto not_size = [&] {
        return fail(Errc::invalid_input,
                    "\"{}\" is not a size; expected WIDTHxHEIGHT in pixels such as 1920x1080", text);
    };
    const auto cross = text.find('x');
    if (cross == std::string_view::npos) return not_size();
    const auto read_side = [](std::string_view digits) -> std::optional<int> {
        int value = 0;
        const auto* end = digits.data() + digits.size();
        const auto [ptr, ec] = std::from_chars(digits.data(), end, value);
        if (digits.empty() || digits.front() == '-' || ec != std::errc{} || ptr != end) return std::nullopt;
        return value;
    };
    const auto width = read_side(text.substr(0, cross));
    const auto height = read_side(text.substr(cross + 1));
    if (!width || !height) return not_size();
    return Size{*width, *height};
}

std::string format_screen_size(Size size) {
    return fmt::format("{}x{}", size.width, size.height);
}

void validate_screen(const Screen& screen, config::Problems& problems, const FieldMarks& marks) {
    const auto add = [&](const std::string& path, std::string message) {
        problems.add(marks.mark(path), path, std::move(message));
    };
    if (marks.readable("id") && !config::is_identifier(screen.id))
        add("id",
            fmt::format("\"{}\" is not a valid id; use 1 to 64 lowercase letters, digits and dashes, not "
                        "starting with a dash",
                        screen.id));
    if (marks.readable("station") && screen.station.empty()) add("station", "must not be empty");
    for (std::size_t i = 0; i < screen.tags.size(); ++i) {
        const std::string path = config::index_path("tags", i);
        if (marks.readable(path) && screen.tags[i].empty()) add(path, "must not be empty");
    }
    if (marks.readable("timezone"))
        if (auto zone = locate_time_zone(screen.timezone); !zone)
            add("timezone", std::move(zone.error().message));
    if (marks.readable("size") && (screen.size.width < 1 || screen.size.width > max_side ||
                                   screen.size.height < 1 || screen.size.height > max_side))
        add("size", fmt::format("{} is out of range; each side is 1 to {} pixels",
                                format_screen_size(screen.size), max_side));
    if (marks.readable("layout") && builtin_layout(screen.layout) == nullptr)
        add("layout",
            fmt::format("unknown layout \"{}\"; expected one of: {}", screen.layout, layout_names()));
}

Result<void> validate_screen(const Screen& screen) {
    config::Problems problems(screen.id.empty() ? std::string{"screen"} : "screen " + screen.id);
    validate_screen(screen, problems);
    if (!problems.empty()) return std::unexpected(problems.to_error());
    return {};
}

Result<Screen> screen_from_node(const YAML::Node& root, std::string_view source) {
    config::Problems problems{std::string{source}};
    FieldMarks marks;
    DocumentReader reader(problems, marks);
    Screen screen = read_screen(root, reader);
    validate_screen(screen, problems, marks);
    if (!problems.empty()) return fail(document_error(problems));
    return screen;
}

Result<Screen> screen_from_yaml(std::string_view text, std::string_view source) {
    auto root = config::load_yaml_text(text, source);
    if (!root) return fail(std::move(root.error()));
    return screen_from_node(*root, source);
}

Result<Screen> screen_from_json(const boost::json::value& json, std::string_view source) {
    return screen_from_node(yaml_from_json(json), source);
}

Result<Screen> screen_from_json_text(std::string_view text, std::string_view source) {
    auto json = parse_json_text(text, source);
    if (!json) return fail(std::move(json.error()));
    return screen_from_json(*json, source);
}

std::string screen_to_yaml(const Screen& screen) {
    YAML::Emitter out;
    out << YAML::BeginMap;
    out << YAML::Key << "id" << YAML::Value << YamlText{screen.id};
    out << YAML::Key << "station" << YAML::Value << YamlText{screen.station};
    if (!screen.line.empty()) out << YAML::Key << "line" << YAML::Value << YamlText{screen.line};
    if (!screen.tags.empty()) {
        out << YAML::Key << "tags" << YAML::Value << YAML::Flow << YAML::BeginSeq;
        for (const auto& tag : screen.tags) out << YamlText{tag};
        out << YAML::EndSeq;
    }
    out << YAML::Key << "timezone" << YAML::Value << YamlText{screen.timezone};
    out << YAML::Key << "size" << YAML::Value << format_screen_size(screen.size);
    out << YAML::Key << "orientation" << YAML::Value << std::string{to_string(screen.orientation)};
    out << YAML::Key << "layout" << YAML::Value << YamlText{screen.layout};
    out << YAML::EndMap;
    return std::string{out.c_str()} + "\n";
}

boost::json::value screen_to_json(const Screen& screen) {
    boost::json::array tags;
    for (const auto& tag : screen.tags) tags.emplace_back(tag);
    return boost::json::object{{"id", screen.id},
                               {"station", screen.station},
                               {"line", screen.line},
                               {"tags", std::move(tags)},
                               {"timezone", screen.timezone},
                               {"size", format_screen_size(screen.size)},
                               {"orientation", to_string(screen.orientation)},
                               {"layout", screen.layout}};
}

}  // namespace dwell::content
