// screen add|list|new-code|screenshot: the operators' registry of station screens, their live status,
// and a picture of what one shows.
#include <chrono>
#include <fstream>
#include <memory>
#include <thread>

#include <boost/json/serialize.hpp>

#include "config/config_file.hpp"
#include "content/rfc3339.hpp"
#include "content/screen.hpp"
#include "sync/ctl/arguments.hpp"
#include "sync/ctl/commands.hpp"
#include "sync/ctl/json_fields.hpp"
#include "sync/ctl/table.hpp"

namespace dwell::sync::ctl {
namespace {

namespace json = boost::json;

struct ScreenOptions {
    std::string id;
    std::string station;
    std::string line;
    std::string timezone;
    std::vector<std::string> tags;
    std::string size;
    std::string orientation;
    std::string layout;
};

void print_enrollment(const json::value& answer) {
    const std::string expires = text_of(answer, "enrollment_expires");
    print(
        fmt::format("\n    enrollment code:  {}\n\n"
                    "Put it in the box's device.yaml as enrollment_code; it works once{}.\n",
                    text_of(answer, "enrollment_code"), expires.empty() ? "" : ", until " + expires));
}

Outcome<> add_screen(const GlobalOptions& global, const ScreenOptions& options) {
    content::Screen screen;
    screen.id = options.id;
    screen.station = options.station;
    screen.line = options.line;
    screen.timezone = options.timezone;
    screen.tags = options.tags;
    if (!options.size.empty()) screen.size = *content::parse_screen_size(options.size);
    if (!options.orientation.empty()) screen.orientation = *content::parse_orientation(options.orientation);
    if (!options.layout.empty()) screen.layout = options.layout;
    if (auto valid = content::validate_screen(screen); !valid)
        return usage_error("{}; fix the options and run it again", valid.error().message);

    auto hub = HubClient::open(global);
    if (!hub) return std::unexpected(std::move(hub.error()));
    const json::value body = content::screen_to_json(screen);
    auto answer = hub->call(http::verb::put, "/v1/screens/" + url_encode(screen.id),
                            "adding screen " + screen.id, &body);
    if (!answer) return std::unexpected(std::move(answer.error()));
    const std::string where = fmt::format("station {}, line {}, {}", screen.station,
                                          screen.line.empty() ? "-" : screen.line, screen.timezone);
    // A new screen comes with its enrollment code; a changed one keeps its enrolled box.
    if (!text_of(*answer, "enrollment_code").empty()) {
        print(fmt::format("screen {} added ({})\n", screen.id, where));
        print_enrollment(*answer);
    } else {
        print(
            fmt::format("screen {} updated ({}); its box stays enrolled (dwellctl screen new-code {} makes a "
                        "code for a replacement box)\n",
                        screen.id, where, screen.id));
    }
    return {};
}

Outcome<> new_code(const GlobalOptions& global, const std::string& id) {
    auto hub = HubClient::open(global);
    if (!hub) return std::unexpected(std::move(hub.error()));
    auto answer = hub->call(http::verb::post, "/v1/screens/" + url_encode(id) + "/enrollment",
                            "making an enrollment code for screen " + id);
    if (!answer) return std::unexpected(std::move(answer.error()));
    print(fmt::format("new enrollment code for screen {}; the old one no longer works\n", id));
    print_enrollment(*answer);
    return {};
}

// "2026-05-01T10:00:00.000Z (12 s ago)"
std::string seen_text(const json::value& entry) {
    const std::string seen = text_of(entry, "last_seen");
    if (seen.empty()) return "never";
    auto at = content::parse_rfc3339(seen);
    if (!at) return seen;
    const auto age =
        std::chrono::duration_cast<std::chrono::seconds>(config::SystemClock{}.now() - *at).count();
    if (age < 0) return seen;
    if (age < 120) return fmt::format("{} ({} s ago)", seen, age);
    if (age < 2 * 3600) return fmt::format("{} ({} min ago)", seen, age / 60);
    if (age < 2 * 86400) return fmt::format("{} ({} h ago)", seen, age / 3600);
    return fmt::format("{} ({} days ago)", seen, age / 86400);
}

Outcome<> list_screens(const GlobalOptions& global, bool raw) {
    auto hub = HubClient::open(global);
    if (!hub) return std::unexpected(std::move(hub.error()));
    auto listed = hub->call(http::verb::get, "/v1/screens", "listing screens");
    if (!listed) return std::unexpected(std::move(listed.error()));
    if (raw) {
        print(json::serialize(*listed) + "\n");
        return {};
    }
    const json::array* screens = array_of(*listed, "screens");
    if (!screens) return refused_error("listing screens: the answer has no \"screens\" list");
    if (screens->empty()) {
        print("no screens; add one with dwellctl screen add ID --station S --line L --timezone TZ\n");
        return {};
    }
    Table table{{"ID", "STATION", "LINE", "ONLINE", "LAST SEEN", "LAST SEQ"}};
    table.set_align(5, Table::Align::right);
    std::size_t online = 0;
    for (const auto& entry : *screens) {
        const json::value* screen = field_of(entry, "screen");
        const json::value* is_online = field_of(entry, "online");
        const bool up = is_online && is_online->is_bool() && is_online->as_bool();
        online += up ? 1 : 0;
        table.add_row({screen ? text_of(*screen, "id") : "?", screen ? text_of(*screen, "station") : "",
                       screen ? text_of(*screen, "line") : "", up ? "yes" : "no", seen_text(entry),
                       number_text(entry, "last_seq")});
    }
    print(table.render());
    print(fmt::format("{} of {} online\n", online, screens->size()));
    return {};
}

struct ScreenshotOptions {
    std::string screen;
    std::string out;  // default: SCREEN-SHOT.png, SHOT being the request's id
    std::string id;   // an earlier request's, instead of asking again
    unsigned wait_s = 30;
};

Outcome<> take_screenshot(const GlobalOptions& global, const ScreenshotOptions& options) {
    auto hub = HubClient::open(global);
    if (!hub) return std::unexpected(std::move(hub.error()));
    std::string id = options.id;
    if (id.empty()) {
        auto requested =
            hub->call(http::verb::post, fmt::format("/v1/screens/{}/screenshots", url_encode(options.screen)),
                      "asking for a screenshot");
        if (!requested) return std::unexpected(std::move(requested.error()));
        id = text_of(*requested, "id");
        if (id.empty()) return refused_error("asking for a screenshot: the answer has no \"id\"");
    }
    // The screen answers within a few frames once the request reaches it through its feed.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{options.wait_s};
    json::value shot;
    for (;;) {
        auto state =
            hub->call(http::verb::get, "/v1/screenshots/" + url_encode(id), "checking the screenshot");
        if (!state) return std::unexpected(std::move(state.error()));
        shot = std::move(*state);
        if (text_of(shot, "screen") != options.screen)
            return refused_error("screenshot {} is of screen {}, not {}", id, text_of(shot, "screen"),
                                 options.screen);
        const std::string status = text_of(shot, "status");
        if (status == "failed")
            return refused_error("screen {} could not take screenshot {}: {}", options.screen, id,
                                 text_of(shot, "error"));
        if (status == "taken") break;
        if (std::chrono::steady_clock::now() >= deadline)
            return refused_error(
                "screen {} has not sent screenshot {} within {} s; check that it is online (dwellctl screen "
                "list), then wait longer with: dwellctl screen screenshot {} --id {}",
                options.screen, id, options.wait_s, options.screen, id);
        std::this_thread::sleep_for(std::chrono::milliseconds{250});
    }
    auto png = hub->send(http::verb::get, "/v1/screenshots/" + url_encode(id) + "/png",
                         "downloading the screenshot");
    if (!png) return std::unexpected(std::move(png.error()));
    if (png->result_int() != 200)
        return refused_error("downloading the screenshot: {}", describe_refusal(*png));
    const std::string out = options.out.empty() ? fmt::format("{}-{}.png", options.screen, id) : options.out;
    {
        std::ofstream file(out, std::ios::binary | std::ios::trunc);
        file << png->body();
        if (!file.flush())
            return usage_error("cannot write {}; check that its folder exists and is writable", out);
    }
    print(fmt::format("screenshot of {} saved to {} ({}x{}, {} bytes, taken {})\n", options.screen, out,
                      number_text(shot, "width"), number_text(shot, "height"), png->body().size(),
                      text_of(shot, "answered_at")));
    return {};
}

}  // namespace

void add_screen_commands(const CommandSite& site) {
    auto* screen =
        site.app.add_subcommand("screen", "register station screens and see their status (operator)");
    screen->require_subcommand(1);

    auto options = std::make_shared<ScreenOptions>();
    auto* add =
        screen->add_subcommand("add", "register a screen (or change one) and print its enrollment code");
    add->add_option("ID", options->id, "screen id, e.g. s1-seoul-03")
        ->required()
        ->check(parsed_by(config::parse_identifier, "ID"));
    add->add_option("--station", options->station, "station id, e.g. seoul")->required();
    add->add_option("--line", options->line, "line, e.g. 1")->required();
    add->add_option("--timezone", options->timezone, "IANA time zone, e.g. Asia/Seoul")->required();
    add->add_option("--tag", options->tags, "a tag campaigns can target, e.g. concourse (repeatable)");
    add->add_option("--size", options->size, "pixels, e.g. 1920x1080 (default)")
        ->check(parsed_by(content::parse_screen_size, "WxH"));
    add->add_option("--orientation", options->orientation, "landscape (default) or portrait")
        ->check(parsed_by(content::parse_orientation, "landscape|portrait"));
    add->add_option("--layout", options->layout,
                    "built-in layout: " + content::layout_names() + " (default fullscreen)");
    add->callback([&site, options] {
        site.chosen = [&global = site.global, options] { return add_screen(global, *options); };
    });

    auto raw = std::make_shared<bool>(false);
    auto* list =
        screen->add_subcommand("list", "list screens: station, line, online, last seen, last event seq");
    list->add_flag("--json", *raw, "print the hub's JSON as it is");
    list->callback(
        [&site, raw] { site.chosen = [&global = site.global, raw] { return list_screens(global, *raw); }; });

    auto id = std::make_shared<std::string>();
    auto* code = screen->add_subcommand("new-code", "a new one-time enrollment code, for a replaced box");
    code->add_option("ID", *id, "screen id")->required();
    code->callback(
        [&site, id] { site.chosen = [&global = site.global, id] { return new_code(global, *id); }; });

    auto shot = std::make_shared<ScreenshotOptions>();
    auto* screenshot =
        screen->add_subcommand("screenshot", "save a PNG of what a screen shows right now (its next frame)");
    screenshot->add_option("ID", shot->screen, "screen id")->required();
    screenshot->add_option("-o,--out", shot->out,
                           "file to write (default SCREEN-SHOT.png here, SHOT being the request's id)");
    screenshot->add_option("--wait", shot->wait_s, "seconds to wait for the screen (default 30)")
        ->check(CLI::Range(1, 3600));
    screenshot->add_option("--id", shot->id, "fetch an earlier request (shot-…) instead of asking again");
    screenshot->callback([&site, shot] {
        site.chosen = [&global = site.global, shot] { return take_screenshot(global, *shot); };
    });
}

}  // namespace dwell::sync::ctl
