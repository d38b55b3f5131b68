// dwellctl: the marketers' and operators' command-line client of dwell-hub.
#include <cstdio>
#include <exception>
#include <optional>
#include <string>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "sync/ctl/commands.hpp"

namespace dwell::sync::ctl {

void print(std::string_view text) {
    std::fwrite(text.data(), 1, text.size(), stdout);
}

namespace {

// What a command line that failed to parse was heading for: the deepest command its words name,
// and a word where a command was expected that is none. Walks the words as CLI11 does: options
// (and their values) are skipped at every level, since global options may come anywhere.
struct ParseSite {
    CLI::App* command = nullptr;
    std::optional<std::string> unknown;
};

ParseSite parse_site(CLI::App& app, int argc, char** argv) {
    ParseSite site{&app, std::nullopt};
    for (int i = 1; i < argc; ++i) {
        const std::string word = argv[i];
        if (word == "--") break;
        if (word.starts_with('-')) {
            if (word.find('=') != std::string::npos) continue;
            for (CLI::App* owner = site.command; owner != nullptr; owner = owner->get_parent())
                if (const CLI::Option* option = owner->get_option_no_throw(word)) {
                    if (option->get_expected_min() > 0 && option->get_type_size_min() > 0) ++i;
                    break;
                }
            continue;
        }
        const auto named =
            site.command->get_subcommands([&](CLI::App* sub) { return sub->get_name() == word; });
        if (!named.empty()) {
            site.command = named.front();
            continue;
        }
        // A command's positional value, or a word no command has.
        if (!site.command->get_subcommands([](CLI::App*) { return true; }).empty()) site.unknown = word;
        break;
    }
    return site;
}

// "dwellctl campaign list" for a command.
std::string command_path(const CLI::App* command) {
    std::string path;
    for (; command != nullptr; command = command->get_parent())
        path = command->get_name() + (path.empty() ? "" : " ") + path;
    return path;
}

int run(int argc, char** argv) {
    CLI::App app{"dwellctl: campaigns, screens, assets, reports and takeovers on a dwell hub", "dwellctl"};
    app.fallthrough();  // global options may follow the command too
    GlobalOptions global;
    app.add_option("--hub", global.hub, "the hub's URL (default http://127.0.0.1:8080)")
        ->envname("DWELL_HUB");
    app.add_option("--token", global.token, "API token from dwell-hub token create")->envname("DWELL_TOKEN");
    app.add_option("--ca-file", global.ca_file, "CA bundle to trust for an https hub")
        ->check(CLI::ExistingFile);
    app.require_subcommand(1);
    app.footer(
        "Exit status: 0 done, 1 the hub refused or failed, 2 bad command line or local input, 3 the hub "
        "cannot be reached.");

    Action chosen;
    const CommandSite site{app, global, chosen};
    add_campaign_commands(site);
    add_screen_commands(site);
    add_asset_commands(site);
    add_report_commands(site);
    add_takeover_commands(site);
    add_code_commands(site);
    add_simulate_command(site);

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& help) {
        return app.exit(help);
    } catch (const CLI::CallForAllHelp& help) {
        return app.exit(help);
    } catch (const CLI::ParseError& error) {
        const ParseSite where = parse_site(app, argc, argv);
        std::string message = error.what();
        if (where.unknown) {
            std::string names;
            for (const CLI::App* sub : where.command->get_subcommands([](CLI::App*) { return true; }))
                names += (names.empty() ? "" : ", ") + sub->get_name();
            message = fmt::format(
                "unknown command \"{}\"; {} commands are {}", *where.unknown,
                where.command == &app ? std::string{"dwellctl's"} : "the " + where.command->get_name(),
                names);
        }
        std::fprintf(stderr, "dwellctl: %s; see %s --help\n", message.c_str(),
                     command_path(where.command).c_str());
        return static_cast<int>(Exit::usage);
    }
    if (!chosen) {
        std::fprintf(stderr, "dwellctl: no command given; see dwellctl --help\n");
        return static_cast<int>(Exit::usage);
    }
    std::fflush(stdout);
    auto done = chosen();
    std::fflush(stdout);
    if (!done) {
        std::fprintf(stderr, "dwellctl: %s\n", done.error().message.c_str());
        return static_cast<int>(done.error().exit);
    }
    return static_cast<int>(Exit::ok);
}

}  // namespace
}  // namespace dwell::sync::ctl

int main(int argc, char** argv) try {
    return dwell::sync::ctl::run(argc, argv);
} catch (const std::exception& error) {
    std::fprintf(stderr, "dwellctl: stopped by an unexpected error: %s\n", error.what());
    return 1;
}
