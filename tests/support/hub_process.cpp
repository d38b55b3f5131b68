#include "tests/support/hub_process.hpp"

#include <csignal>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <fmt/format.h>

namespace dwell::test {
namespace {

using config::ChannelKind;

constexpr std::array<ChannelKind, 5> kinds{ChannelKind::line, ChannelKind::telegram, ChannelKind::kakao,
                                           ChannelKind::whatsapp, ChannelKind::generic};

std::string read_all(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    return std::string{std::istreambuf_iterator<char>{in}, {}};
}

}  // namespace

std::string test_channel(ChannelKind kind) {
    return std::string{config::to_string(kind)} + "-test";
}

HubProcess::HubProcess(HubSetup setup) : m_setup(std::move(setup)) {
    std::string channels;
    for (const ChannelKind kind : kinds) {
        const std::string id = test_channel(kind);
        // Telegram's secret token and Kakao's path secret are [A-Za-z0-9_-]; the others may hold anything.
        m_secrets[kind] = kind == ChannelKind::telegram || kind == ChannelKind::kakao
                              ? "path_secret-" + id + "-0123456789abcdef"
                              : "s3cret/" + id + "+with=bytes";
        m_dir.write("secrets/" + id, m_secrets[kind] + "\n");
        channels += fmt::format("  - {{ id: {}, kind: {}, account: \"@{}\", secret_file: secrets/{}", id,
                                config::to_string(kind), id, id);
        if (kind == ChannelKind::whatsapp) {
            m_verify_token = "verify-" + id;
            m_dir.write("secrets/" + id + ".verify", m_verify_token);
            channels += fmt::format(", verify_token_file: secrets/{}.verify", id);
        }
        channels += " }\n";
    }
    m_dir.write("hub.yaml",
                fmt::format("listen: 127.0.0.1:0\nthreads: {}\ndata_dir: data\nlog_level: {}\n{}\n"
                            "channels:\n{}",
                            m_setup.threads, m_setup.log_level, m_setup.extra_yaml, channels));
}

HubProcess::~HubProcess() {
    if (m_process && m_process->running()) kill();
}

std::string HubProcess::url() const {
    return fmt::format("http://127.0.0.1:{}", m_port);
}

std::string HubProcess::log() const {
    return read_all(m_dir / fmt::format("hub-{}.log", m_starts));
}

double HubProcess::rss_mib() const {
    std::istringstream status{read_all(fmt::format("/proc/{}/status", pid()))};
    for (std::string line; std::getline(status, line);)
        if (line.starts_with("VmRSS:")) return std::stod(line.substr(6)) / 1024.0;  // kB
    return 0;
}

const std::string& HubProcess::secret(ChannelKind kind) const {
    return m_secrets.at(kind);
}

void HubProcess::start() {
    ++m_starts;
    const auto log_file = m_dir / fmt::format("hub-{}.log", m_starts);
    ProcessOptions options;
    options.arguments = {"--config", config_file().string(), "--listen", "127.0.0.1:0"};
    options.stderr_file = log_file;
    options.stdout_file = log_file.string() + ".out";
    m_process = std::make_unique<ChildProcess>(DWELL_HUB_BIN, std::move(options));
    const std::regex listening{R"(listening on https?://127\.0\.0\.1:(\d+))"};
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{20};
    for (;;) {
        std::smatch match;
        const std::string text = read_all(log_file);
        if (std::regex_search(text, match, listening)) {
            m_port = static_cast<std::uint16_t>(std::stoi(match[1].str()));
            break;
        }
        if (!m_process->running() || std::chrono::steady_clock::now() > deadline)
            throw std::runtime_error("dwell-hub did not start:\n" + text);
        std::this_thread::sleep_for(std::chrono::milliseconds{10});
    }
    // The port is bound before the database opens; wait until requests are served.
    auto probe = client();
    for (;;) {
        auto response = probe->request(sync::net::http::verb::get, "/healthz");
        if (response && response->result_int() == 200) return;
        if (!m_process->running() || std::chrono::steady_clock::now() > deadline)
            throw std::runtime_error("dwell-hub does not answer /healthz:\n" + log());
        std::this_thread::sleep_for(std::chrono::milliseconds{10});
    }
}

ProcessResult HubProcess::stop(std::chrono::milliseconds timeout) {
    if (!m_process) return {};
    m_process->signal(SIGTERM);
    return m_process->wait(timeout);
}

void HubProcess::kill() {
    if (!m_process) return;
    m_process->signal(SIGKILL);
    m_process->wait(std::chrono::seconds{10});
}

bool HubProcess::running() {
    return m_process && m_process->running();
}

std::string HubProcess::create_token(std::string_view role) {
    const auto out = m_dir / "token.out";
    ProcessOptions options;
    options.arguments = {"token",  "create",          "--config", config_file().string(),
                         "--role", std::string{role}, "--name",   "test"};
    options.stdout_file = out;
    const ProcessResult result = run_process(DWELL_HUB_BIN, std::move(options), std::chrono::seconds{30});
    std::string token = read_all(out);
    while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
    if (!result.exited || result.exit_code != 0 || token.size() != 64)
        throw std::runtime_error("dwell-hub token create failed: " + token);
    return token;
}

const std::string& HubProcess::operator_token() {
    if (!m_operator) m_operator = create_token("operator");
    return *m_operator;
}

const std::string& HubProcess::marketer_token() {
    if (!m_marketer) m_marketer = create_token("marketer");
    return *m_marketer;
}

std::unique_ptr<sync::net::HttpClient> HubProcess::client() const {
    auto url = config::parse_url(this->url());
    if (!url) throw std::runtime_error(url.error().message);
    sync::net::ClientOptions options;
    options.timeout = std::chrono::seconds{30};
    auto made = sync::net::HttpClient::create(*url, options);
    if (!made) throw std::runtime_error(made.error().message);
    return std::move(*made);
}

sync::net::Fields bearer(std::string_view token) {
    return {{"Authorization", "Bearer " + std::string{token}}};
}

}  // namespace dwell::test
