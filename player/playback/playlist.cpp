#include "player/playback/playlist.hpp"

#include <array>
#include <charconv>
#include <system_error>

#include "config/config_file.hpp"
#include "config/log.hpp"
#include "config/yaml_reader.hpp"

namespace dwell::player {
namespace {

using config::MapReader;
using config::Problems;

Result<std::string> parse_template(std::string_view text) {
    if (text.find("{code}") == std::string_view::npos)
        return fail(Errc::invalid_input,
                    "\"{}\" has no {{code}}; expected text with {{code}} where the code goes", text);
    return std::string{text};
}

void read_screen(const YAML::Node& node, Problems& problems, content::Screen& screen) {
    MapReader reader{node, "screen", problems};
    reader.optional("station", screen.station, config::parse_identifier);
    reader.optional("line", screen.line, config::parse_nonempty);
    reader.optional("timezone", screen.timezone, [](std::string_view text) -> Result<std::string> {
        auto zone = content::locate_time_zone(text);
        if (!zone) return fail(std::move(zone.error()));
        return std::string{text};
    });
    reader.optional("layout", screen.layout, [](std::string_view text) -> Result<std::string> {
        if (content::builtin_layout(text) == nullptr)
            return fail(Errc::invalid_input, "\"{}\" is not a layout; expected one of: {}", text,
                        content::layout_names());
        return std::string{text};
    });
    reader.optional("orientation", screen.orientation, content::parse_orientation);
    reader.finish();
}

Result<Scaling> parse_scaling(std::string_view text) {
    if (text == "fit") return Scaling::fit;
    if (text == "fill") return Scaling::fill;
    return fail(Errc::invalid_input, "expected fit or fill, got \"{}\"", text);
}

Transition read_transition(const YAML::Node& node, Problems& problems) {
    Transition transition;
    MapReader reader{node, "transition", problems};
    if (!reader.is_map()) return transition;
    reader.optional("type", transition.kind, [](std::string_view text) -> Result<TransitionKind> {
        if (text == "cut") return TransitionKind::cut;
        if (text == "crossfade") return TransitionKind::crossfade;
        return fail(Errc::invalid_input, "expected cut or crossfade, got \"{}\"", text);
    });
    reader.optional("duration", transition.duration, config::parse_positive_duration);
    reader.finish();
    return transition;
}

PlaylistItem read_item(const YAML::Node& node, const std::string& path, Problems& problems,
                       const std::filesystem::path& base_dir) {
    PlaylistItem item;
    MapReader reader{node, path, problems};
    if (!reader.is_map()) return item;
    const bool has_file =
        reader.required("file", item.file, [&](std::string_view text) -> Result<std::filesystem::path> {
            auto file = config::path_parser(base_dir)(text);
            std::error_code ec;
            if (file && !std::filesystem::exists(*file, ec))
                config::logger("player")->warn("{}: {}.file: {} does not exist; it will be skipped",
                                               problems.source(), path, file->string());
            return file;
        });
    std::optional<content::MediaKind> kind;
    reader.optional("type", kind, content::parse_media_kind);
    reader.optional("fit", item.scaling, parse_scaling);
    const YAML::Node duration = reader.take("duration");
    const bool is_auto = duration && duration.IsScalar() && duration.Scalar() == "auto";
    if (duration && !is_auto)
        item.duration = config::read_scalar(duration, reader.path_of("duration"), problems,
                                            config::parse_positive_duration);
    if (!kind && has_file) {
        kind = content::media_kind_from_name(item.file.filename().string());
        if (!kind)
            problems.add(
                reader.take("file"), reader.path_of("file"),
                fmt::format("cannot tell whether {} is a video or an image from its name; add type: video "
                            "or type: image",
                            item.file.filename().string()));
    }
    if (kind) item.kind = *kind;
    if (kind == content::MediaKind::image && (!duration || is_auto))
        problems.add(duration ? duration : node, reader.path_of("duration"),
                     "an image needs a duration such as 5s; auto is only for videos");
    reader.finish();
    return item;
}

std::optional<PlaylistJoin> read_join(const YAML::Node& node, Problems& problems) {
    PlaylistJoin join;
    MapReader reader{node, "join", problems};
    if (!reader.is_map()) return std::nullopt;
    reader.required("account", join.account, config::parse_nonempty);
    reader.required("prompt", join.prompt, parse_template);
    reader.required("deep_link", join.deep_link, parse_template);
    reader.required("secret", join.secret, content::parse_join_secret);
    reader.optional("slot", join.slot);
    const bool digits = reader.optional("digits", join.digits);
    const bool period = reader.optional("period", join.period);
    reader.finish();
    if (digits || period) {
        // The code space itself knows which digit counts and periods work.
        auto space = content::JoinCodeSpace::create(join.secret, join.digits, join.period);
        if (!space)
            problems.add(reader.take(digits ? "digits" : "period"),
                         reader.path_of(digits ? "digits" : "period"), space.error().message);
        else if (join.slot >= space->capacity())
            problems.add(
                reader.take("slot"), reader.path_of("slot"),
                fmt::format("slot {} is out of range; expected 0 to {}", join.slot, space->capacity() - 1));
    }
    return join;
}

Result<Playlist> decode_playlist(const YAML::Node& root, std::string_view source,
                                 const std::filesystem::path& base_dir) {
    Problems problems{std::string{source}};
    Playlist playlist;
    playlist.screen.id = "standalone";
    playlist.screen.station = "standalone";
    MapReader top{root, "", problems};
    top.optional("loop", playlist.loop);
    if (const auto screen = top.take("screen")) read_screen(screen, problems, playlist.screen);
    const YAML::Node items = top.take_required("items");
    config::read_list(items, "items", problems, [&](const YAML::Node& node, const std::string& path) {
        playlist.items.push_back(read_item(node, path, problems, base_dir));
    });
    if (items && items.IsSequence() && items.size() == 0)
        problems.add(items, "items", "needs at least one item");
    if (const auto join = top.take("join")) playlist.join = read_join(join, problems);
    if (const auto transition = top.take("transition"))
        playlist.transition = read_transition(transition, problems);
    top.optional("ticker", playlist.ticker);
    if (const auto fallback = top.take("fallback")) {
        MapReader reader{fallback, "fallback", problems};
        reader.optional("color", playlist.fallback_color, parse_color);
        reader.finish();
    }
    top.finish();
    if (!problems.empty()) return fail(problems.to_error());
    return playlist;
}

}  // namespace

Result<Transition> parse_transition(std::string_view text) {
    const auto colon = text.find(':');
    const std::string_view kind = text.substr(0, colon);
    Transition transition;
    if (kind == "crossfade") {
        transition.kind = TransitionKind::crossfade;
    } else if (kind != "cut" || colon != std::string_view::npos) {
        return fail(Errc::invalid_input,
                    "expected cut, crossfade or crossfade:DURATION (e.g. crossfade:800ms), got \"{}\"", text);
    }
    if (colon != std::string_view::npos) {
        auto duration = config::parse_positive_duration(text.substr(colon + 1));
        if (!duration) return fail(Errc::invalid_input, "in \"{}\": {}", text, duration.error().message);
        transition.duration = *duration;
    }
    return transition;
}

Result<Color> parse_color(std::string_view text) {
    const auto bad = [&] {
        return fail(Errc::invalid_input, "expected a colour like #1f3a5f or #1f3a5fcc, got \"{}\"", text);
    };
    if (!text.starts_with('#') || (text.size() != 7 && text.size() != 9)) return bad();
    std::array<std::uint8_t, 4> bytes{0, 0, 0, 255};
    for (std::size_t i = 0; i + 1 < text.size(); i += 2) {
        unsigned value = 0;
        const auto* first = text.data() + i + 1;
        const auto [end, error] = std::from_chars(first, first + 2, value, 16);
        if (error != std::errc{} || end != first + 2) return bad();
        bytes[i / 2] = static_cast<std::uint8_t>(value);
    }
    return Color{bytes[0], bytes[1], bytes[2], bytes[3]};
}

Result<Playlist> parse_playlist(std::string_view text, std::string_view source,
                                const std::filesystem::path& base_dir) {
    auto root = config::load_yaml_text(text, source);
    if (!root) return fail(std::move(root.error()));
    return decode_playlist(*root, source, base_dir);
}

Result<Playlist> load_playlist(const std::filesystem::path& file) {
    auto root = config::load_yaml_file(file);
    if (!root) return fail(std::move(root.error()));
    return decode_playlist(*root, file.string(), file.parent_path());
}

}  // namespace dwell::player
