// dwell-hub: campaigns, screens, messenger webhooks, live fan-out and reports (see sync/hub/hub.hpp).
#include <sys/resource.h>

#include <csignal>
#include <cstdio>
#include <exception>
#include <string>

#include <CLI/CLI.hpp>

extern "C" {
#include <libavutil/log.h>
}

#include "config/hub_config.hpp"
#include "config/log.hpp"
#include "config/service.hpp"
#include "sync/hub/auth.hpp"
#include "sync/hub/hub.hpp"
#include "sync/hub/store.hpp"

namespace {

using namespace dwell;

constexpr int exit_ok = 0;
constexpr int exit_failure = 1;
constexpr int exit_usage = 2;

// A configuration with the command line's overrides applied.
Result<config::HubConfig> load(const std::string& file, const std::string& listen, const std::string& data) {
    auto loaded = config::load_hub_config(file);
    if (!loaded) return loaded;
    if (!listen.empty()) {
        auto endpoint = config::parse_endpoint(listen);
        if (!endpoint) return fail(std::move(endpoint.error()).with_context("--listen"));
        loaded->listen = *endpoint;
    }
    if (!data.empty()) {
        loaded->data_dir = std::filesystem::absolute(data);
        loaded->database = loaded->data_dir / "hub.db";
        loaded->asset_dir = loaded->data_dir / "assets";
    }
    return loaded;
}

int create_token(const config::HubConfig& config, sync::hub::Role role, const std::string& name) {
    std::error_code ec;
    std::filesystem::create_directories(config.database.parent_path(), ec);
    auto database = sync::hub::open_sqlite_database(sync::hub::StoreOptions{config.database});
    auto store = database ? (*database)->connect() : fail(database.error());
    auto token = sync::hub::new_token();
    Result<void> stored = store ? (token ? Result<void>{} : fail(token.error())) : fail(store.error());
    if (stored)
        stored = (*store)->insert_api_token(sync::hub::credential_hash(*token), role, name,
                                            config::SystemClock{}.now());
    if (!stored) {
        std::fprintf(stderr, "dwell-hub: cannot create a token in %s: %s\n", config.database.c_str(),
                     stored.error().message.c_str());
        return exit_failure;
    }
    std::printf("%s\n", token->c_str());
    std::fprintf(stderr, "dwell-hub: created a %s token \"%s\"; it is shown only this once\n",
                 std::string{sync::hub::to_string(role)}.c_str(), name.c_str());
    return exit_ok;
}

// Every screen keeps a WebSocket open: take all the descriptors the system allows this process.
void raise_descriptor_limit() {
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= limit.rlim_max) return;
    const rlim_t wanted = limit.rlim_max;
    limit.rlim_cur = wanted;
    if (setrlimit(RLIMIT_NOFILE, &limit) != 0)
        config::logger("hub")->warn("cannot raise the open file limit to {}", wanted);
}

int serve(const config::HubConfig& config) {
    raise_descriptor_limit();
    // Signals are taken by sigwait below, not by whichever thread happens to run.
    sigset_t signals = config::stop_signals();
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    std::signal(SIGPIPE, SIG_IGN);

    const config::SystemClock clock;
    auto hub = sync::hub::Hub::create(config, clock);
    if (!hub) {
        config::logger("hub")->critical("cannot start: {}", hub.error().message);
        return hub.error().code == Errc::invalid_input ? exit_usage : exit_failure;
    }
    (*hub)->start();
    const config::ServiceNotifier notifier;
    notifier.ready();
    int received = 0;
    sigwait(&signals, &received);
    config::logger("hub")->info("{} received", received == SIGTERM ? "SIGTERM" : "SIGINT");
    notifier.stopping();
    (*hub)->stop();
    return exit_ok;
}

}  // namespace

int main(int argc, char** argv) try {
    CLI::App app{"dwell-hub: campaigns, screens, messenger joins, live fan-out and reports", "dwell-hub"};
    std::string config_file, listen, data, log_level, role_text, token_name = "dwellctl";
    bool version = false;
    app.add_flag("--version", version, "print the version and exit");
    app.add_option("--config", config_file, "hub.yaml");
    app.add_option("--listen", listen,
                   "HOST:PORT to listen on instead of hub.yaml's (port 0: any free port)");
    app.add_option("--data", data, "folder for hub.db and assets/ instead of hub.yaml's data_dir");
    app.add_option("--log-level", log_level, "trace|debug|info|warn|error (default: hub.yaml's)");
    auto* token = app.add_subcommand("token", "API tokens for dwellctl");
    auto* create = token->add_subcommand("create", "make a new API token and print it");
    create->add_option("--config", config_file, "hub.yaml")->required();
    create->add_option("--data", data, "folder for hub.db instead of hub.yaml's data_dir");
    create->add_option("--role", role_text, "marketer|operator")->required();
    create->add_option("--name", token_name, "what the token is for, e.g. a person's name");
    token->require_subcommand(1);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& error) {
        const int status = app.exit(error);
        return status == 0 ? exit_ok : exit_usage;
    }
    if (version) {
        std::printf("dwell-hub %s\n", std::string{sync::hub::hub_version()}.c_str());
        return exit_ok;
    }
    if (config_file.empty()) {
        std::fprintf(stderr, "dwell-hub: give --config hub.yaml\n");
        return exit_usage;
    }
    auto config = load(config_file, listen, data);
    if (!config) {
        std::fprintf(stderr, "dwell-hub: %s\n", config.error().message.c_str());
        return exit_usage;
    }
    config::set_log_level(config->log_level);
    if (!log_level.empty()) {
        auto level = config::parse_log_level(log_level);
        if (!level) {
            std::fprintf(stderr, "dwell-hub: --log-level: %s\n", level.error().message.c_str());
            return exit_usage;
        }
        config::set_log_level(*level);
    }
    av_log_set_level(AV_LOG_ERROR);  // uploads are probed; FFmpeg's own chatter is not the hub's log
    if (create->parsed()) {
        auto role = sync::hub::parse_role(role_text);
        if (!role) {
            std::fprintf(stderr, "dwell-hub: --role: %s\n", role.error().message.c_str());
            return exit_usage;
        }
        return create_token(*config, *role, token_name);
    }
    return serve(*config);
} catch (const std::exception& error) {
    dwell::config::logger("hub")->critical("stopped by an unexpected error: {}", error.what());
    return 1;
}
