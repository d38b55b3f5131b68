// A real dwell-hub for tests and benchmarks: a hub.yaml with one channel per platform (and the
// secrets beside it) in a temporary folder, the program started on 127.0.0.1 port 0, its port
// read from its first log line, and API tokens made with `dwell-hub token create`.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "config/hub_config.hpp"
#include "sync/net/client.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

namespace dwell::test {

struct HubSetup {
    // Lines added to hub.yaml at the top level (e.g. "limits: { body: 64KiB }").
    std::string extra_yaml;
    unsigned threads = 2;
    std::string log_level = "info";
};

// The channels every test hub has: "<kind>-test" for each platform.
std::string test_channel(config::ChannelKind kind);

class HubProcess {
  public:
    explicit HubProcess(HubSetup setup = {});
    ~HubProcess();
    HubProcess(const HubProcess&) = delete;
    HubProcess& operator=(const HubProcess&) = delete;

    // Starts the program and waits until it answers /healthz; throws with its log when it does not.
    void start();
    // SIGTERM and wait: the graceful stop. Returns how it ended.
    ProcessResult stop(std::chrono::milliseconds timeout = std::chrono::seconds{30});
    // SIGKILL: what a crash or power cut does to the process.
    void kill();
    [[nodiscard]] bool running();

    [[nodiscard]] std::uint16_t port() const { return m_port; }
    [[nodiscard]] pid_t pid() const { return m_process ? m_process->pid() : -1; }
    // The resident set of the running hub in MiB, from /proc.
    [[nodiscard]] double rss_mib() const;
    [[nodiscard]] std::string url() const;
    [[nodiscard]] const std::filesystem::path& folder() const { return m_dir.path(); }
    [[nodiscard]] std::filesystem::path config_file() const { return m_dir / "hub.yaml"; }
    [[nodiscard]] std::filesystem::path data_dir() const { return m_dir / "data"; }
    [[nodiscard]] std::filesystem::path database() const { return data_dir() / "hub.db"; }
    [[nodiscard]] std::string log() const;
    // A channel's webhook secret (for Kakao: its URL path secret) and WhatsApp's verify token.
    [[nodiscard]] const std::string& secret(config::ChannelKind kind) const;
    [[nodiscard]] const std::string& whatsapp_verify_token() const { return m_verify_token; }

    // A new API token from `dwell-hub token create`.
    [[nodiscard]] std::string create_token(std::string_view role);
    // Operator and marketer tokens made once per hub.
    [[nodiscard]] const std::string& operator_token();
    [[nodiscard]] const std::string& marketer_token();

    // A client of this hub (a new connection).
    [[nodiscard]] std::unique_ptr<sync::net::HttpClient> client() const;

  private:
    HubSetup m_setup;
    TempDir m_dir;
    std::map<config::ChannelKind, std::string> m_secrets;
    std::string m_verify_token;
    std::unique_ptr<ChildProcess> m_process;
    std::uint16_t m_port = 0;
    int m_starts = 0;
    std::optional<std::string> m_operator;
    std::optional<std::string> m_marketer;
};

// "Authorization: Bearer TOKEN" as client fields.
sync::net::Fields bearer(std::string_view token);

}  // namespace dwell::test
