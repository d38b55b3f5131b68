// Screens and layouts: where a screen is, how it is mounted, and how its area is divided.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>
#include <boost/json/value.hpp>

#include "config/error.hpp"
#include "config/yaml_reader.hpp"
#include "content/campaign.hpp"

namespace date {
class time_zone;
}

namespace dwell::content {

// Looks an IANA zone name up in the system time zone database ("Asia/Seoul", "UTC") and loads
// its rules, so later conversions cannot fail. Fails with invalid_input when the name is unknown.
[[nodiscard]] Result<const date::time_zone*> locate_time_zone(std::string_view name);

enum class Orientation { landscape, portrait };

struct Size {
    int width = 1920;
    int height = 1080;
    friend bool operator==(const Size&, const Size&) = default;
};

struct Screen {
    std::string id;       // same form as a campaign id
    std::string station;  // e.g. "seoul"
    std::string line;     // e.g. "1"
    std::vector<std::string> tags;
    std::string timezone = "UTC";  // IANA name, e.g. "Asia/Seoul"
    Size size;
    Orientation orientation = Orientation::landscape;
    std::string layout = "fullscreen";
    friend bool operator==(const Screen&, const Screen&) = default;
};

// A named rectangle in fractions of the screen (0..1), before rotation for portrait mounting.
struct Zone {
    std::string name;  // "main", "ticker", "side", ...
    double x = 0;
    double y = 0;
    double width = 1;
    double height = 1;
    friend bool operator==(const Zone&, const Zone&) = default;
};

struct Layout {
    std::string name;
    std::vector<Zone> zones;  // always has a "main" zone; the join overlay floats over it
    friend bool operator==(const Layout&, const Layout&) = default;
};

// fullscreen (main), landscape-ticker (main over a ticker strip), portrait (main over a side strip).
std::span<const Layout> builtin_layouts();
// nullptr when `name` is not a built-in layout.
const Layout* builtin_layout(std::string_view name);
// "fullscreen, landscape-ticker, portrait": the built-in names, for messages.
std::string layout_names();

std::string_view to_string(Orientation orientation);
Result<Orientation> parse_orientation(std::string_view text);
// "1920x1080"; each side 1 to 16384 pixels.
Result<Size> parse_screen_size(std::string_view text);
std::string format_screen_size(Size size);

// The rules on values: id form, station present, time zone known, size, layout built in.
void validate_screen(const Screen& screen, config::Problems& problems, const FieldMarks& marks = {});
Result<void> validate_screen(const Screen& screen);

// A screen document has `id` and `station` and `timezone` (required: a wrong default would shift
// every daypart by hours), and optionally `line`, `tags`, `size` (default 1920x1080),
// `orientation` (landscape) and `layout` (fullscreen). Decoding fails listing every problem.
Result<Screen> screen_from_node(const YAML::Node& root, std::string_view source);
Result<Screen> screen_from_yaml(std::string_view text, std::string_view source);
Result<Screen> screen_from_json(const boost::json::value& json, std::string_view source);
Result<Screen> screen_from_json_text(std::string_view text, std::string_view source = "JSON");
std::string screen_to_yaml(const Screen& screen);
boost::json::value screen_to_json(const Screen& screen);

}  // namespace dwell::content
