// takeover start|stop|list: an operator's emergency text, shown over everything within a frame.
#include <memory>

#include <boost/json/serialize.hpp>

#include "content/rfc3339.hpp"
#include "sync/ctl/arguments.hpp"
#include "sync/ctl/commands.hpp"
#include "sync/ctl/json_fields.hpp"
#include "sync/ctl/table.hpp"

namespace dwell::sync::ctl {
namespace {

namespace json = boost::json;

struct TakeoverOptions {
    std::string text;
    bool all = false;
    std::vector<std::string> lines;
    std::vector<std::string> stations;
    std::vector<std::string> screens;
    std::vector<std::string> tags;
    std::string until;
};

json::array strings(const std::vector<std::string>& values) {
    json::array out;
    for (const auto& value : values) out.emplace_back(value);
    return out;
}

std::string joined(const json::array& values) {
    std::string out;
    for (const auto& value : values)
        if (value.is_string()) out += (out.empty() ? "" : ", ") + std::string{value.as_string()};
    return out;
}

// "lines 1, 2; stations seoul": the targets of a takeover as a person reads them.
std::string targets_text(const json::value& targets) {
    if (const auto* all = field_of(targets, "all"); all && all->is_bool() && all->as_bool())
        return "all screens";
    std::string out;
    for (const char* key : {"lines", "stations", "screens", "tags"})
        if (const json::array* values = array_of(targets, key); values && !values->empty())
            out += fmt::format("{}{} {}", out.empty() ? "" : "; ", key, joined(*values));
    return out;
}

Outcome<> start_takeover(const GlobalOptions& global, const TakeoverOptions& options) {
    if (!options.all && options.lines.empty() && options.stations.empty() && options.screens.empty() &&
        options.tags.empty())
        return usage_error("say where to show it: --all, --line L, --station S, --screen ID or --tag T");
    json::object targets;
    if (options.all) targets["all"] = true;
    if (!options.lines.empty()) targets["lines"] = strings(options.lines);
    if (!options.stations.empty()) targets["stations"] = strings(options.stations);
    if (!options.screens.empty()) targets["screens"] = strings(options.screens);
    if (!options.tags.empty()) targets["tags"] = strings(options.tags);
    json::object request{{"text", options.text}, {"targets", std::move(targets)}};
    if (!options.until.empty())
        request["until"] = content::format_rfc3339(*parse_time_argument(options.until));

    auto hub = HubClient::open(global);
    if (!hub) return std::unexpected(std::move(hub.error()));
    const json::value body = std::move(request);
    auto started = hub->call(http::verb::post, "/v1/takeovers", "starting a takeover", &body);
    if (!started) return std::unexpected(std::move(started.error()));
    const json::array* screens = array_of(*started, "screens");
    const std::size_t count = screens ? screens->size() : 0;
    print(fmt::format("takeover {} started on {} screen{}{}{}\n", text_of(*started, "id"), count,
                      count == 1 ? "" : "s", count ? ": " : "", screens ? joined(*screens) : ""));
    if (const std::string until = text_of(*started, "until"); !until.empty())
        print(fmt::format("it ends by itself at {}\n", until));
    print(fmt::format("stop it with: dwellctl takeover stop {}\n", text_of(*started, "id")));
    return {};
}

Outcome<> stop_takeover(const GlobalOptions& global, const std::string& id) {
    auto hub = HubClient::open(global);
    if (!hub) return std::unexpected(std::move(hub.error()));
    auto ended = hub->call(http::verb::delete_, "/v1/takeovers/" + url_encode(id), "stopping takeover " + id);
    if (!ended) return std::unexpected(std::move(ended.error()));
    const json::array* screens = array_of(*ended, "screens");
    const std::size_t count = screens ? screens->size() : 0;
    print(fmt::format("takeover {} stopped on {} screen{}\n", id, count, count == 1 ? "" : "s"));
    return {};
}

Outcome<> list_takeovers(const GlobalOptions& global, bool raw) {
    auto hub = HubClient::open(global);
    if (!hub) return std::unexpected(std::move(hub.error()));
    auto listed = hub->call(http::verb::get, "/v1/takeovers", "listing takeovers");
    if (!listed) return std::unexpected(std::move(listed.error()));
    if (raw) {
        print(json::serialize(*listed) + "\n");
        return {};
    }
    const json::array* takeovers = array_of(*listed, "takeovers");
    if (!takeovers) return refused_error("listing takeovers: the answer has no \"takeovers\" list");
    if (takeovers->empty()) {
        print("no active takeovers\n");
        return {};
    }
    Table table{{"ID", "TEXT", "WHERE", "SINCE", "UNTIL"}};
    for (const auto& takeover : *takeovers) {
        const json::value* targets = field_of(takeover, "targets");
        const std::string until = text_of(takeover, "until");
        table.add_row({text_of(takeover, "id"), text_of(takeover, "text"),
                       targets ? targets_text(*targets) : "", text_of(takeover, "created_at"),
                       until.empty() ? "stopped by hand" : until});
    }
    print(table.render());
    return {};
}

}  // namespace

void add_takeover_commands(const CommandSite& site) {
    auto* takeover =
        site.app.add_subcommand("takeover", "emergency text over everything on screens (operator)");
    takeover->require_subcommand(1);

    auto options = std::make_shared<TakeoverOptions>();
    auto* start =
        takeover->add_subcommand("start", "show a text on screens now; prints its id and screen count");
    start->add_option("--text", options->text, "the message to show")->required();
    start->add_flag("--all", options->all, "every screen");
    start->add_option("--line", options->lines, "screens on this line (repeatable)");
    start->add_option("--station", options->stations, "screens at this station (repeatable)");
    start->add_option("--screen", options->screens, "this screen (repeatable)");
    start->add_option("--tag", options->tags, "screens with this tag (repeatable)");
    start->add_option("--until", options->until, "end it by itself at TIME (RFC 3339 or @unix-seconds)")
        ->check(parsed_by(parse_time_argument, "TIME"));
    start->callback([&site, options] {
        site.chosen = [&global = site.global, options] { return start_takeover(global, *options); };
    });

    auto id = std::make_shared<std::string>();
    auto* stop = takeover->add_subcommand("stop", "end a takeover; screens return to their schedule");
    stop->add_option("ID", *id, "the id takeover start printed")->required();
    stop->callback(
        [&site, id] { site.chosen = [&global = site.global, id] { return stop_takeover(global, *id); }; });

    auto raw = std::make_shared<bool>(false);
    auto* list = takeover->add_subcommand("list", "list the active takeovers");
    list->add_flag("--json", *raw, "print the hub's JSON as it is");
    list->callback([&site, raw] {
        site.chosen = [&global = site.global, raw] { return list_takeovers(global, *raw); };
    });
}

}  // namespace dwell::sync::ctl
