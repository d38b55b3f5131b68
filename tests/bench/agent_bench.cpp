// The sync agent's budgets of DESIGN §7, each against a peer measured in the same run on the same hub:
//  - outbox shipping: records per second that dwell-sync delivers from a prefilled state.db outbox
//    to a real dwell-hub on loopback, timed from the agent's start (the process is spawned; it has
//    its device token and content already) until the hub has stored every record, polled every
//    20 ms; against a raw loop in this program that posts the same kind of records in the same
//    batches (500 per POST /v1/devices/{id}/reports) over one kept-alive net::HttpClient
//    connection, with no agent and no state.db in between (its records are made before the clock
//    starts; encoding each batch is timed, as it is for the agent);
//  - memory: dwell-sync's peak resident set (VmHWM) over a run in which it ships the records and
//    then takes a changed campaign, against the same agent's peak when it only enrolled and
//    synced its content with an empty outbox. The raw loop's own peak growth (this program's
//    VmHWM while posting, above its resident set before) is printed beside them.
//
//   agent_bench [--records N] [--rounds R]
//
// Defaults: 20000 records per run, 3 rounds. Each round runs the raw loop, then the agent, each
// with fresh records (UUIDv7 ids) on its own screen; the table gives the medians of the rates and
// the highest agent peak. The agent polls its manifest every second (manifest_poll: 1s) so the
// changed campaign reaches it within the run.
// Exits 1 only when something could not run (2 for a bad option); a missed budget is printed as MISS.
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <exception>
#include <fstream>
#include <memory>
#include <optional>
#include <span>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "config/clock.hpp"
#include "content/asset_cache.hpp"
#include "content/device_state.hpp"
#include "content/records.hpp"
#include "content/store.hpp"
#include "content/uuid.hpp"
#include "sync/agent/outbox.hpp"
#include "sync/net/client.hpp"
#include "tests/bench/budget_table.hpp"
#include "tests/support/hub_process.hpp"
#include "tests/support/media.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

namespace {

namespace http = dwell::sync::net::http;
namespace json = boost::json;
using namespace std::chrono_literals;
using namespace dwell::bench;
using Clock = std::chrono::steady_clock;
using dwell::content::Record;

// The agent's own batch size, so both sides post the same batches.
constexpr std::size_t batch_records = dwell::sync::agent::Outbox::batch_records;
constexpr double rss_budget_mb = 30;  // DESIGN §7: agent <= 30 MB
constexpr auto poll_every = 20ms;
constexpr auto ship_deadline = 90s;
// Screen ids of the same length, so both sides send records of the same size.
constexpr std::string_view agent_screen = "bench-a";
constexpr std::string_view peer_screen = "bench-p";
constexpr char usage_text[] = "usage: agent_bench [--records N] [--rounds R]";

struct Options {
    std::size_t records = 20'000;
    std::size_t rounds = 3;
};

std::size_t whole_number(std::string_view option, std::string_view text, std::size_t minimum,
                         std::size_t maximum) {
    std::size_t value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || error != std::errc{} || end != text.data() + text.size())
        throw std::invalid_argument(fmt::format("{} needs a whole number, got \"{}\"", option, text));
    if (value < minimum || value > maximum)
        throw std::invalid_argument(
            fmt::format("{} must be between {} and {}, got {}", option, minimum, maximum, value));
    return value;
}

// Returns nullopt for --help.
std::optional<Options> parse_options(int argc, char** argv) {
    Options options;
    for (int i = 1; i < argc; ++i) {
        const std::string_view argument = argv[i];
        if (argument == "--help" || argument == "-h") return std::nullopt;
        const auto value = [&]() -> std::string_view {
            if (i + 1 >= argc) throw std::invalid_argument(fmt::format("{} needs a number", argument));
            return argv[++i];
        };
        // The outbox takes at most 64 MiB of records (OutboxLimits), about 250,000 of these.
        if (argument == "--records")
            options.records = whole_number(argument, value(), 1, 200'000);
        else if (argument == "--rounds")
            options.rounds = whole_number(argument, value(), 1, 20);
        else
            throw std::invalid_argument(fmt::format("unknown argument \"{}\"", argument));
    }
    return options;
}

// ---- /proc ---------------------------------------------------------------------------------

// A "Name:   123 kB" field of /proc/<pid>/status, in KiB.
double status_kib(pid_t pid, std::string_view field) {
    const std::string file = fmt::format("/proc/{}/status", pid);
    std::istringstream status{dwell::test::read_text(file)};
    for (std::string line; std::getline(status, line);)
        if (line.size() > field.size() && line.starts_with(field) && line[field.size()] == ':')
            return std::stod(line.substr(field.size() + 1));
    throw std::runtime_error(fmt::format("{} has no {} (has process {} ended?)", file, field, pid));
}

double mib(double kib) {
    return kib / 1024.0;
}

// User + system CPU time of a running process, from /proc/<pid>/stat.
double cpu_seconds(pid_t pid) {
    const std::string file = fmt::format("/proc/{}/stat", pid);
    const std::string text = dwell::test::read_text(file);
    const auto close = text.rfind(')');
    if (close == std::string::npos) throw std::runtime_error("cannot read " + file);
    std::istringstream fields{text.substr(close + 1)};
    std::vector<std::string> values;
    for (std::string value; fields >> value;) values.push_back(value);
    // After the command come state (field 3) ... utime (14) and stime (15).
    if (values.size() < 13) throw std::runtime_error("too few fields in " + file);
    const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
    return (std::stod(values[11]) + std::stod(values[12])) / ticks;
}

// Resets this process's VmHWM to its current resident set; false when the kernel does not allow it.
bool reset_own_peak() {
    std::ofstream out("/proc/self/clear_refs");
    out << "5";
    out.flush();
    return static_cast<bool>(out);
}

double median(std::vector<double> values) {
    std::ranges::sort(values);
    const std::size_t middle = values.size() / 2;
    return values.size() % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
}

// ---- the hub's API -------------------------------------------------------------------------

class Api {
  public:
    explicit Api(dwell::test::HubProcess& hub) : m_hub(hub), m_client(hub.client()) {}

    json::value call(http::verb method, const std::string& target, const std::string& token,
                     const std::string& body = {}, unsigned expected = 200) {
        auto response = m_client->request(
            method, target, token.empty() ? dwell::sync::net::Fields{} : dwell::test::bearer(token), body,
            body.empty() ? "" : "application/json");
        if (!response)
            throw std::runtime_error(
                fmt::format("{} {} failed: {}", http::to_string(method), target, response.error().message));
        if (response->result_int() != expected)
            throw std::runtime_error(fmt::format("{} {} answered {} (expected {}): {}",
                                                 http::to_string(method), target, response->result_int(),
                                                 expected, response->body().substr(0, 300)));
        return response->body().empty() ? json::value{} : json::parse(response->body());
    }

    // Registers a screen on line 1 and returns its enrollment code.
    std::string add_screen(std::string_view id) {
        const json::value screen =
            json::object{{"id", id}, {"station", "bench"}, {"line", "1"}, {"timezone", "Asia/Seoul"}};
        const auto added = call(http::verb::put, fmt::format("/v1/screens/{}", id), m_hub.operator_token(),
                                json::serialize(screen), 201);
        return std::string{added.at("enrollment_code").as_string()};
    }

    std::string enroll(const std::string& code) {
        const auto enrolled =
            call(http::verb::post, "/v1/devices/enroll", "", json::serialize(json::object{{"code", code}}));
        return std::string{enrolled.at("token").as_string()};
    }

    void upload(const std::filesystem::path& file, std::string_view type) {
        auto uploaded = m_client->upload(http::verb::post, "/v1/assets?name=" + file.filename().string(),
                                         file, type, dwell::test::bearer(m_hub.marketer_token()));
        if (!uploaded)
            throw std::runtime_error("uploading " + file.string() + " failed: " + uploaded.error().message);
        if (uploaded->result_int() != 201 && uploaded->result_int() != 200)
            throw std::runtime_error(fmt::format("uploading {} answered {}: {}", file.string(),
                                                 uploaded->result_int(), uploaded->body().substr(0, 300)));
    }

    // The campaign "bench" on every screen, playing the clip and, when `poster`, the poster too.
    void put_campaign(bool poster) {
        const std::string items = poster ? R"([{"asset":"clip.mp4"},{"asset":"poster.png","duration":"5s"}])"
                                         : R"([{"asset":"clip.mp4"}])";
        const std::string campaign = fmt::format(
            R"({{"id":"bench","name":"Bench","window":{{"start":"2020-01-01T00:00:00Z","end":"2099-01-01T00:00:00Z"}},)"
            R"("targets":{{"all":true}},"items":{}}})",
            items);
        auto response =
            m_client->request(http::verb::put, "/v1/campaigns/bench",
                              dwell::test::bearer(m_hub.marketer_token()), campaign, "application/json");
        if (!response) throw std::runtime_error("putting the campaign failed: " + response.error().message);
        if (response->result_int() != 200 && response->result_int() != 201)
            throw std::runtime_error(fmt::format("putting the campaign answered {}: {}",
                                                 response->result_int(), response->body().substr(0, 300)));
    }

    // Records the hub has stored since it started (its records counter, result="accepted").
    std::uint64_t accepted_records() {
        auto response = m_client->request(http::verb::get, "/metrics");
        if (!response) throw std::runtime_error("GET /metrics failed: " + response.error().message);
        constexpr std::string_view series = "dwell_hub_records_total{result=\"accepted\"} ";
        const std::string& text = response->body();
        const auto at = text.find(series);
        if (at == std::string::npos)
            throw std::runtime_error(fmt::format("the hub's /metrics has no {}", series));
        return std::stoull(text.substr(at + series.size()));
    }

  private:
    dwell::test::HubProcess& m_hub;
    std::unique_ptr<dwell::sync::net::HttpClient> m_client;
};

// `count` play records of screen `screen`, as the player makes them.
std::vector<Record> make_records(std::size_t count, std::string_view screen, const std::string& asset) {
    std::vector<Record> records;
    records.reserve(count);
    const auto now = dwell::config::SystemClock{}.now();
    for (std::size_t i = 0; i < count; ++i)
        records.push_back(Record{dwell::content::uuid_v7(now), std::string{screen},
                                 dwell::content::PlayRecord{"bench", asset, now, now, true, 0}});
    return records;
}

// Play records the hub has stored for `screen`, from its database opened read-only. The hub's
// records counter also counts the health records the agent sends of its own accord.
std::int64_t hub_plays(const dwell::test::HubProcess& hub, std::string_view screen) {
    dwell::content::StoreOptions options;
    options.access = dwell::content::StoreAccess::read_only;
    auto store = dwell::content::Store::open(hub.database(), options);
    if (!store) throw std::runtime_error("opening the hub's database failed: " + store.error().message);
    auto statement = (*store)->prepare("SELECT count(*) FROM plays WHERE screen = ?1");
    if (!statement) throw std::runtime_error("counting the hub's plays failed: " + statement.error().message);
    if (auto bound = statement->bind(1, screen); !bound)
        throw std::runtime_error("counting the hub's plays failed: " + bound.error().message);
    auto row = statement->step();
    if (!row || !*row)
        throw std::runtime_error("counting the hub's plays failed: " +
                                 (row ? std::string{"no row"} : row.error().message));
    return statement->column_int64(0);
}

// ---- the agent -----------------------------------------------------------------------------

// dwell-sync in a box of its own: device.yaml, state/ and one log per start.
class AgentBox {
  public:
    explicit AgentBox(std::uint16_t hub_port) : m_port(hub_port) {}

    // Its /metrics on a port of its own choosing, so that it collides with no other agent here.
    void start(const std::optional<std::string>& enrollment_code) {
        ++m_starts;
        const auto config = m_dir.write(
            "device.yaml",
            fmt::format(
                "device: {{ id: {}, station: bench, line: \"1\" }}\n"
                "hub:\n  url: http://127.0.0.1:{}\n  token_file: state/device.token\n{}"
                "  manifest_poll: 1s\nstate_dir: state\nagent:\n  metrics: 127.0.0.1:0\nlog_level: info\n",
                agent_screen, m_port,
                enrollment_code ? fmt::format("  enrollment_code: {}\n", *enrollment_code) : ""));
        dwell::test::ProcessOptions options;
        options.arguments = {"--config", config.string()};
        options.stderr_file = log_file();
        m_process = std::make_unique<dwell::test::ChildProcess>(DWELL_SYNC_BIN, std::move(options));
    }

    // SIGTERM and wait; says so when the agent did not stop cleanly.
    void stop() {
        m_process->signal(SIGTERM);
        const auto ended = m_process->wait(10s);
        m_process.reset();
        if (!ended.exited || ended.exit_code != 0)
            std::printf("  dwell-sync did not stop cleanly (exit %d, signal %d); its log:\n%s\n",
                        ended.exit_code, ended.signal, log_tail().c_str());
    }

    // Throws with the log when the agent has ended.
    void check_running(std::string_view doing) {
        if (!m_process || !m_process->running())
            throw std::runtime_error(
                fmt::format("dwell-sync ended while {}; its log:\n{}", doing, log_tail()));
    }

    [[nodiscard]] pid_t pid() const { return m_process->pid(); }
    [[nodiscard]] std::filesystem::path state_db() const { return m_dir / "state/state.db"; }
    [[nodiscard]] std::filesystem::path log_file() const {
        return m_dir / fmt::format("agent-{}.log", m_starts);
    }
    [[nodiscard]] std::string log_tail() const {
        std::string text = dwell::test::read_text(log_file());
        if (text.size() > 3000) text = "..." + text.substr(text.size() - 3000);
        return text;
    }

    std::unique_ptr<dwell::content::DeviceState> open_state() const {
        auto state = dwell::content::DeviceState::open(state_db());
        if (!state) throw std::runtime_error("opening the agent's state.db failed: " + state.error().message);
        return std::move(*state);
    }

    // Whether the agent has created state.db and its tables. Until then this program must not open
    // it with DeviceState: two processes migrating a new state.db at once can fail (the loser finds
    // the tables made by the other).
    bool state_ready(std::string& problem) const {
        if (!std::filesystem::exists(state_db())) {
            problem = "no state.db yet";
            return false;
        }
        dwell::content::StoreOptions options;
        options.access = dwell::content::StoreAccess::read_only;
        auto store = dwell::content::Store::open(state_db(), options);
        auto version =
            store ? (*store)->schema_version() : dwell::Result<int>{std::unexpected(store.error())};
        if (!version) {
            problem = version.error().message;
            return false;
        }
        problem = fmt::format("state.db has schema version {}", *version);
        return *version >= 1;
    }

    // Waits until state.db holds a manifest of a generation above `after`; returns it.
    std::int64_t wait_manifest(std::int64_t after) {
        const auto deadline = Clock::now() + 60s;
        std::string problem;
        for (;;) {
            check_running("syncing its content");
            if (state_ready(problem)) {
                auto generation = open_state()->manifest_generation();
                if (!generation)
                    throw std::runtime_error("reading the agent's manifest generation failed: " +
                                             generation.error().message);
                if (*generation > after) return *generation;
                problem = fmt::format("the manifest is at generation {}", *generation);
            }
            if (Clock::now() > deadline)
                throw std::runtime_error(fmt::format(
                    "dwell-sync stored no manifest newer than generation {} within 60 s ({}); its log:\n{}",
                    after, problem, log_tail()));
            std::this_thread::sleep_for(poll_every);
        }
    }

  private:
    dwell::test::TempDir m_dir;
    std::uint16_t m_port;
    std::unique_ptr<dwell::test::ChildProcess> m_process;
    int m_starts = 0;
};

// ---- the runs ------------------------------------------------------------------------------

struct Shipping {
    double seconds = 0;
    double per_second = 0;
    double shipper_cpu = 0;  // CPU seconds of the agent, or of this program for the raw loop
    double hub_cpu = 0;      // CPU seconds of the hub meanwhile
    double first_ms = 0;     // agent: when the hub had counted the first records
    double peak_mib = 0;     // agent: its VmHWM; raw loop: this program's peak growth
};

// The peer: this program posts the records in the agent's batches over one kept-alive connection.
Shipping run_peer(dwell::test::HubProcess& hub, const std::string& token, std::size_t count,
                  const std::string& asset) {
    const auto records = make_records(count, peer_screen, asset);
    auto client = hub.client();
    const auto fields = dwell::test::bearer(token);
    const std::string target = fmt::format("/v1/devices/{}/reports", peer_screen);
    const std::int64_t expected = hub_plays(hub, peer_screen) + static_cast<std::int64_t>(count);
    const bool peak_reset = reset_own_peak();
    const double rss_before = status_kib(::getpid(), peak_reset ? "VmRSS" : "VmHWM");
    const double own_cpu = cpu_seconds(::getpid());
    const double hub_cpu = cpu_seconds(hub.pid());
    const auto start = Clock::now();
    for (std::size_t at = 0; at < count; at += batch_records) {
        const std::span<const Record> batch{records.data() + at, std::min(batch_records, count - at)};
        auto response = client->request(http::verb::post, target, fields,
                                        dwell::content::records_to_json_body(batch), "application/json");
        if (!response)
            throw std::runtime_error(fmt::format("the raw loop's report of records {} to {} failed: {}", at,
                                                 at + batch.size(), response.error().message));
        if (response->result_int() != 200)
            throw std::runtime_error(fmt::format("the hub answered {} to the raw loop's report: {}",
                                                 response->result_int(), response->body().substr(0, 300)));
        const auto answer = json::parse(response->body());
        const auto accepted = answer.at("accepted").to_number<std::uint64_t>();
        if (accepted != batch.size())
            throw std::runtime_error(fmt::format("the hub accepted {} of the raw loop's {} records: {}",
                                                 accepted, batch.size(), response->body()));
    }
    Shipping out;
    out.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    out.shipper_cpu = cpu_seconds(::getpid()) - own_cpu;
    out.hub_cpu = cpu_seconds(hub.pid()) - hub_cpu;
    out.per_second = static_cast<double>(count) / out.seconds;
    out.peak_mib = mib(status_kib(::getpid(), "VmHWM") - rss_before);
    if (const std::int64_t plays = hub_plays(hub, peer_screen); plays != expected)
        throw std::runtime_error(
            fmt::format("the hub holds {} plays of the raw loop's screen, expected {}", plays, expected));
    return out;
}

// The figure: dwell-sync started on an outbox holding `count` records, until the hub counted them
// all; then a changed campaign, so its peak covers keeping the content current too.
Shipping run_agent(dwell::test::HubProcess& hub, Api& api, AgentBox& box, std::size_t count,
                   const std::string& asset, bool poster) {
    {
        const auto records = make_records(count, agent_screen, asset);
        const auto state = box.open_state();
        const auto before = state->outbox_usage();
        if (!before) throw std::runtime_error("reading the outbox's usage failed: " + before.error().message);
        const auto start = Clock::now();
        constexpr std::size_t chunk = 1000;
        for (std::size_t at = 0; at < count; at += chunk)
            if (auto appended = state->append_records(
                    std::span<const Record>{records.data() + at, std::min(chunk, count - at)});
                !appended)
                throw std::runtime_error("filling the outbox failed: " + appended.error().message);
        const auto usage = state->outbox_usage();
        if (!usage) throw std::runtime_error("reading the outbox's usage failed: " + usage.error().message);
        if (usage->records - before->records != count)
            throw std::runtime_error(fmt::format("the outbox grew by {} records when {} were appended",
                                                 usage->records - before->records, count));
        std::printf("  outbox filled: %zu records, %.1f MiB of JSON, in %.2f s\n", count,
                    static_cast<double>(usage->bytes) / (1024.0 * 1024.0),
                    std::chrono::duration<double>(Clock::now() - start).count());
        std::fflush(stdout);
    }
    const std::uint64_t before = api.accepted_records();
    const std::int64_t expected = hub_plays(hub, agent_screen) + static_cast<std::int64_t>(count);
    const std::int64_t generation = box.open_state()->manifest_generation().value_or(0);
    const double hub_cpu = cpu_seconds(hub.pid());
    Shipping out;
    const auto start = Clock::now();
    box.start(std::nullopt);
    for (;;) {
        std::this_thread::sleep_for(poll_every);
        // The counter is the cheap question; the hub's database tells the plays from health records.
        const std::uint64_t counted = api.accepted_records() - before;
        const auto now = Clock::now();
        if (counted > 0 && out.first_ms == 0)
            out.first_ms = std::chrono::duration<double, std::milli>(now - start).count();
        if (counted >= count && hub_plays(hub, agent_screen) >= expected) {
            out.seconds = std::chrono::duration<double>(now - start).count();
            break;
        }
        box.check_running("shipping its outbox");
        if (now - start > ship_deadline)
            throw std::runtime_error(
                fmt::format("the hub counted {} of dwell-sync's {} records within {} s; its log:\n{}",
                            counted, count, ship_deadline.count(), box.log_tail()));
    }
    out.shipper_cpu = cpu_seconds(box.pid());
    out.hub_cpu = cpu_seconds(hub.pid()) - hub_cpu;
    out.per_second = static_cast<double>(count) / out.seconds;
    if (const std::int64_t plays = hub_plays(hub, agent_screen); plays != expected)
        throw std::runtime_error(
            fmt::format("the hub holds {} plays of dwell-sync's screen, expected {}", plays, expected));

    // The outbox empties once the last answer is read.
    const auto emptied_by = Clock::now() + 10s;
    for (;;) {
        const auto usage = box.open_state()->outbox_usage();
        if (usage && usage->records == 0) break;
        if (Clock::now() > emptied_by)
            throw std::runtime_error(
                fmt::format("the hub has every record but dwell-sync's outbox still holds {}; its log:\n{}",
                            usage ? usage->records : 0, box.log_tail()));
        std::this_thread::sleep_for(poll_every);
    }
    // Keeping the content current: a changed campaign arrives by the next manifest poll.
    api.put_campaign(poster);
    box.wait_manifest(generation);
    out.peak_mib = mib(status_kib(box.pid(), "VmHWM"));
    box.stop();
    return out;
}

std::string per_second(double value) {
    return fmt::format("{:.0f}", value);
}

std::string mib_text(double value) {
    return fmt::format("{:.1f} MiB", value);
}

}  // namespace

int main(int argc, char** argv) try {
    std::optional<Options> parsed;
    try {
        parsed = parse_options(argc, argv);
    } catch (const std::invalid_argument& error) {
        std::fprintf(stderr, "agent_bench: %s\n%s\n", error.what(), usage_text);
        return 2;
    }
    if (!parsed) {
        std::printf("%s\n", usage_text);
        return 0;
    }
    const Options options = *parsed;

    dwell::test::HubProcess hub;
    hub.start();
    std::printf("agent_bench: %zu records per run, %zu rounds, %u cores, load average %s\nhub folder %s\n",
                options.records, options.rounds, std::thread::hardware_concurrency(), load_average().c_str(),
                hub.folder().c_str());
    std::fflush(stdout);

    // The scene: a clip and a poster, the campaign "bench" on every screen, and two screens.
    Api api{hub};
    const auto clip = hub.folder() / "clip.mp4";
    const auto poster = hub.folder() / "poster.png";
    if (const std::string error = dwell::test::ffmpeg(
            fmt::format("-f lavfi -i testsrc2=size=320x240:rate=25 -t 1 -c:v libx264 -pix_fmt yuv420p '{}'",
                        clip.string()));
        !error.empty())
        throw std::runtime_error("generating the clip failed: " + error);
    if (const std::string error = dwell::test::ffmpeg(
            fmt::format("-f lavfi -i color=c=blue:size=160x90 -frames:v 1 '{}'", poster.string()));
        !error.empty())
        throw std::runtime_error("generating the poster failed: " + error);
    api.upload(clip, "video/mp4");
    api.upload(poster, "image/png");
    api.put_campaign(false);
    auto asset = dwell::content::sha256_of_file(clip);
    if (!asset) throw std::runtime_error("hashing the clip failed: " + asset.error().message);
    const std::string peer_token = api.enroll(api.add_screen(peer_screen));

    // The agent's peer for memory: it enrolls and syncs its content, with nothing in its outbox.
    AgentBox box{hub.port()};
    std::printf("dwell-sync: enrolling and syncing its content with an empty outbox\n");
    std::fflush(stdout);
    box.start(api.add_screen(agent_screen));
    box.wait_manifest(0);
    std::this_thread::sleep_for(2s);  // two more manifest polls
    box.check_running("polling its manifest");
    const double content_only_mib = mib(status_kib(box.pid(), "VmHWM"));
    box.stop();
    std::printf("  peak RSS %.1f MiB\n", content_only_mib);

    std::vector<Shipping> peers;
    std::vector<Shipping> agents;
    for (std::size_t round = 0; round < options.rounds; ++round) {
        std::printf("round %zu of %zu\n", round + 1, options.rounds);
        std::fflush(stdout);
        const Shipping& peer = peers.emplace_back(run_peer(hub, peer_token, options.records, *asset));
        std::printf("  raw loop:   %8.0f records/s, %.2f s; CPU: this program %.2f s, hub %.2f s\n",
                    peer.per_second, peer.seconds, peer.shipper_cpu, peer.hub_cpu);
        std::fflush(stdout);
        const Shipping& agent =
            agents.emplace_back(run_agent(hub, api, box, options.records, *asset, round % 2 == 0));
        std::printf(
            "  dwell-sync: %8.0f records/s, %.2f s (first records counted at %.0f ms); CPU: agent %.2f s, "
            "hub %.2f s; peak RSS %.1f MiB\n",
            agent.per_second, agent.seconds, agent.first_ms, agent.shipper_cpu, agent.hub_cpu,
            agent.peak_mib);
        std::fflush(stdout);
    }
    const auto stopped = hub.stop();
    if (!stopped.exited || stopped.exit_code != 0)
        std::printf("  the hub did not stop cleanly (exit %d, signal %d)\n", stopped.exit_code,
                    stopped.signal);

    std::vector<double> peer_rates;
    std::vector<double> agent_rates;
    std::vector<double> loop_growth;
    double agent_peak = 0;
    for (const Shipping& peer : peers) {
        peer_rates.push_back(peer.per_second);
        loop_growth.push_back(peer.peak_mib);
    }
    for (const Shipping& agent : agents) {
        agent_rates.push_back(agent.per_second);
        agent_peak = std::max(agent_peak, agent.peak_mib);
    }
    const double peer_rate = median(peer_rates);
    const double agent_rate = median(agent_rates);
    const double agent_peak_mb = agent_peak * 1.048576;

    std::vector<Row> rows;
    rows.push_back({"raw loop records/s, 500 per POST (peer)", per_second(peer_rate), "(peer)", std::nullopt,
                    Verdict::info});
    rows.push_back({"dwell-sync records/s from its outbox", per_second(agent_rate), "",
                    agent_rate / peer_rate, Verdict::info});
    rows.push_back({"dwell-sync peak RSS, content only (peer)", mib_text(content_only_mib), "(peer)",
                    std::nullopt, Verdict::info});
    rows.push_back({fmt::format("dwell-sync peak RSS, shipping {} records", options.records),
                    mib_text(agent_peak), "<= 30 MB", agent_peak / content_only_mib,
                    within(agent_peak_mb <= rss_budget_mb)});
    rows.push_back({"raw loop peak RSS growth (this program)", fmt::format("{:.2f} MiB", median(loop_growth)),
                    "", std::nullopt, Verdict::info});
    print_table(rows);
    return 0;
} catch (const std::exception& error) {
    std::fprintf(stderr, "agent_bench: %s\n", error.what());
    return 1;
}
