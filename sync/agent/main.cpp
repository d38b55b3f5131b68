// dwell-sync: the screen's sync agent (see sync/agent/agent.hpp).
#include <pthread.h>

#include <csignal>
#include <cstdio>
#include <exception>
#include <string>

#include <CLI/CLI.hpp>

#include "config/clock.hpp"
#include "config/device_config.hpp"
#include "config/log.hpp"
#include "config/service.hpp"
#include "sync/agent/agent.hpp"

namespace {

using namespace dwell;

constexpr int exit_ok = 0;
constexpr int exit_failure = 1;
constexpr int exit_usage = 2;

}  // namespace

int main(int argc, char** argv) try {
    // SIGTERM and SIGINT wait until the agent listens for them (Agent::run), so a stop that comes
    // while it starts up is still a clean one.
    const sigset_t stops = config::stop_signals();
    pthread_sigmask(SIG_BLOCK, &stops, nullptr);
    CLI::App app{"dwell-sync: keeps a station screen's content, live events and reports in step with the hub",
                 "dwell-sync"};
    app.set_version_flag("--version", "dwell-sync " DWELL_VERSION, "print the version and exit");
    std::string config_file;
    app.add_option("--config", config_file, "device.yaml")->required();
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& error) {
        const int status = app.exit(error);
        return status == 0 ? exit_ok : exit_usage;
    }
    auto config = config::load_device_config(config_file);
    if (!config) {
        std::fprintf(stderr, "dwell-sync: %s\n", config.error().message.c_str());
        return exit_usage;
    }
    config::set_log_level(config->log_level);
    const config::SystemClock clock;
    auto agent = sync::agent::Agent::create(std::move(*config), clock);
    if (!agent) {
        config::logger("agent")->critical("cannot start: {}", agent.error().message);
        return exit_failure;
    }
    auto ran = (*agent)->run();
    if (!ran) {
        config::logger("agent")->critical("{}", ran.error().message);
        return ran.error().code == Errc::invalid_input ? exit_usage : exit_failure;
    }
    return exit_ok;
} catch (const std::exception& error) {
    std::fprintf(stderr, "dwell-sync: %s\n", error.what());
    return exit_failure;
}
