// dwellctl's command areas. Each adds its subcommands to the program's CLI11 app; parsing picks one,
// whose callback leaves the work to do in `chosen`, run by main() after the whole line parsed.
#pragma once

#include <functional>

#include <CLI/CLI.hpp>

#include "sync/ctl/hub_client.hpp"

namespace dwell::sync::ctl {

using Action = std::function<Outcome<>()>;

// Everything an area needs: where to add its commands, the global options (read when the action
// runs, after parsing filled them in) and where to leave the chosen action.
struct CommandSite {
    CLI::App& app;
    const GlobalOptions& global;
    Action& chosen;
};

void add_campaign_commands(const CommandSite& site);  // campaign apply|list|show|delete
void add_screen_commands(const CommandSite& site);    // screen add|list|new-code|screenshot
void add_asset_commands(const CommandSite& site);     // asset upload|list
void add_report_commands(const CommandSite& site);    // report participation
void add_takeover_commands(const CommandSite& site);  // takeover start|stop|list
void add_code_commands(const CommandSite& site);      // code show|decode (offline)
void add_simulate_command(const CommandSite& site);   // simulate

// Writes text to standard output as is.
void print(std::string_view text);

}  // namespace dwell::sync::ctl
