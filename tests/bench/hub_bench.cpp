// The hub's budgets of DESIGN §7, each against a peer measured in the same run on the same hub:
//  - webhook ingestion: signed LINE-shaped joins over keep-alive connections from this program,
//    durable joins per second and ack p50/p99, against GET /healthz over the same connections
//    (the same server answering without verifying or committing anything);
//  - fan-out: one takeover to every screen's feed WebSocket, delivery p50/p99/max, against the
//    same takeover to one screen;
//  - memory: the hub's resident set with every screen connected, against the same hub idle.
//
//   hub_bench [--seconds N] [--connections C] [--events E] [--screens S] [--rounds R] [--threads T]
//
// Defaults: 10 s per ingestion run, 64 connections, 1 event per webhook (LINE sends up to 100 when
// busy; --events 10 measures that), 2000 screens, 5 fan-out rounds, 2 hub threads.
// Exits 1 only when something could not run; a missed budget is printed as MISS.
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <exception>
#include <mutex>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>

#include "config/clock.hpp"
#include "content/join_code.hpp"
#include "sync/messenger/compose.hpp"
#include "sync/messenger/signature.hpp"
#include "tests/bench/budget_table.hpp"
#include "tests/support/hub_process.hpp"
#include "tests/support/media.hpp"

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace json = boost::json;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;
using dwell::config::ChannelKind;
using Clock = std::chrono::steady_clock;
using namespace dwell::bench;

constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);
constexpr double joins_budget = 20'000;
constexpr double ack_p99_budget_ms = 50;
constexpr double fanout_p99_budget_ms = 200;
constexpr double rss_budget_mib = 300;

struct Options {
    int seconds = 10;
    int connections = 64;
    int events = 1;
    int screens = 2000;
    int rounds = 5;
    unsigned threads = 2;
};

double percentile(std::vector<double> values, double fraction) {
    if (values.empty()) return 0;
    std::ranges::sort(values);
    const auto index = static_cast<std::size_t>(fraction * static_cast<double>(values.size() - 1) + 0.5);
    return values[std::min(index, values.size() - 1)];
}

// ---- the hub's API, blocking, for setting the scene up ----------------------------------------

class Api {
  public:
    explicit Api(dwell::test::HubProcess& hub) : m_hub(hub), m_client(hub.client()) {}

    json::value call(http::verb method, const std::string& target, const std::string& token,
                     const std::string& body = {}, unsigned expected = 200) {
        auto response = m_client->request(method, target, dwell::test::bearer(token), body,
                                          body.empty() ? "" : "application/json");
        if (!response) throw std::runtime_error(target + ": " + response.error().message);
        if (response->result_int() != expected)
            throw std::runtime_error(
                fmt::format("{} answered {}: {}", target, response->result_int(), response->body()));
        return response->body().empty() ? json::value{} : json::parse(response->body());
    }

    dwell::sync::net::HttpClient& client() { return *m_client; }
    dwell::test::HubProcess& hub() { return m_hub; }

  private:
    dwell::test::HubProcess& m_hub;
    std::unique_ptr<dwell::sync::net::HttpClient> m_client;
};

struct Fleet {
    std::vector<std::string> screens;
    std::vector<std::string> tokens;  // device tokens, by screen
};

Fleet add_screens(Api& api, int count) {
    Fleet fleet;
    const std::string& operator_token = api.hub().operator_token();
    for (int i = 0; i < count; ++i) {
        const std::string id = fmt::format("s{:04}", i);
        const json::value screen = json::object{{"id", id},
                                                {"station", fmt::format("station-{}", i % 50)},
                                                {"line", fmt::format("{}", 1 + i % 9)},
                                                {"timezone", "Asia/Seoul"}};
        const auto added =
            api.call(http::verb::put, "/v1/screens/" + id, operator_token, json::serialize(screen), 201);
        const json::value code = json::object{{"code", added.at("enrollment_code")}};
        const auto enrolled = api.call(http::verb::post, "/v1/devices/enroll", "", json::serialize(code));
        fleet.screens.push_back(id);
        fleet.tokens.emplace_back(enrolled.at("token").as_string());
    }
    return fleet;
}

void add_campaign(Api& api, const std::filesystem::path& folder) {
    const auto clip = folder / "clip.mp4";
    const std::string error = dwell::test::ffmpeg(fmt::format(
        "-f lavfi -i testsrc2=size=320x240:rate=25 -t 1 -c:v libx264 -pix_fmt yuv420p '{}'", clip.string()));
    if (!error.empty()) throw std::runtime_error(error);
    auto uploaded = api.client().upload(http::verb::post, "/v1/assets?name=clip.mp4", clip, "video/mp4",
                                        dwell::test::bearer(api.hub().marketer_token()));
    if (!uploaded || uploaded->result_int() != 201) throw std::runtime_error("uploading the clip failed");
    const std::string campaign =
        R"({"id":"bench","name":"Bench","window":{"start":"2020-01-01T00:00:00Z","end":"2099-01-01T00:00:00Z"},)"
        R"("targets":{"all":true},"items":[{"asset":"clip.mp4"}],)"
        R"("join":{"channels":["line-test"],"prompt":"{code}","reply":"ok","code":{"digits":6,"period":"60s"}}})";
    api.call(http::verb::put, "/v1/campaigns/bench", api.hub().marketer_token(), campaign, 201);
}

// ---- ingestion -----------------------------------------------------------------------------

struct Exchanges {
    std::vector<std::string> requests;  // whole HTTP/1.1 requests, ready to write
    std::size_t per_request = 1;        // messages in each request
    std::atomic<std::size_t> next{0};
    Clock::time_point until;
    std::mutex mutex;  // guards the fields below
    std::vector<double> latency_ms;
    std::size_t ok = 0;      // 200 with the expected answer
    std::size_t failed = 0;  // anything else
};

std::string http_request(std::string_view target, const dwell::sync::messenger::Headers& headers,
                         const std::string& body) {
    std::string out = fmt::format("POST {} HTTP/1.1\r\nHost: 127.0.0.1\r\n", target);
    for (const auto& [name, value] : headers) out += fmt::format("{}: {}\r\n", name, value);
    out += fmt::format("Content-Length: {}\r\n\r\n", body.size());
    return out + body;
}

// Signed LINE webhooks of `events` messages each, every message a new person sending the code a
// screen shows now.
std::vector<std::string> prepare_joins(Api& api, std::size_t count, int events) {
    const auto slots =
        api.call(http::verb::get, "/v1/join-slots?channel=line-test", api.hub().operator_token());
    const auto secret = dwell::content::parse_join_secret(std::string{slots.at("secret").as_string()});
    if (!secret) throw std::runtime_error(secret.error().message);
    auto space = dwell::content::JoinCodeSpace::create(*secret, 6, 60s);
    if (!space) throw std::runtime_error(space.error().message);
    const auto now = dwell::config::SystemClock{}.now();
    std::vector<std::string> codes;
    for (const auto& slot : slots.at("slots").as_array()) {
        auto code = space->code_for(static_cast<std::uint64_t>(slot.at("slot").as_int64()), now);
        if (!code) throw std::runtime_error(code.error().message);
        codes.push_back(std::move(*code));
    }
    if (codes.empty()) throw std::runtime_error("the channel has no join slots");
    std::vector<std::string> requests;
    requests.reserve(count);
    const std::string& line_secret = api.hub().secret(ChannelKind::line);
    std::uint64_t person = 0;
    for (std::size_t i = 0; i < count; ++i) {
        std::vector<dwell::sync::messenger::OutgoingText> texts;
        for (int e = 0; e < events; ++e, ++person)
            texts.push_back({person + 1, 1'000'000 + person, fmt::format("Person {}", person),
                             codes[person % codes.size()], now});
        const std::string body = dwell::sync::messenger::compose_webhook(ChannelKind::line, texts);
        requests.push_back(
            http_request("/v1/webhooks/line/line-test",
                         dwell::sync::messenger::sign_webhook(ChannelKind::line, line_secret, body), body));
    }
    return requests;
}

std::vector<std::string> prepare_health(std::size_t count) {
    return std::vector<std::string>(count, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
}

asio::awaitable<void> exchange_loop(tcp::endpoint endpoint, Exchanges& shared, std::string_view expect) {
    tcp::socket socket{co_await asio::this_coro::executor};
    auto [connect_error] = co_await socket.async_connect(endpoint, nothrow);
    if (connect_error) throw std::runtime_error("connecting failed: " + connect_error.message());
    socket.set_option(tcp::no_delay(true));
    beast::flat_buffer buffer;
    std::vector<double> latencies;
    std::size_t ok = 0;
    std::size_t failed = 0;
    for (;;) {
        const std::size_t index = shared.next.fetch_add(1);
        if (index >= shared.requests.size() || Clock::now() >= shared.until) break;
        const auto start = Clock::now();
        auto [write_error, written] =
            co_await asio::async_write(socket, asio::buffer(shared.requests[index]), nothrow);
        if (write_error) throw std::runtime_error("writing failed: " + write_error.message());
        http::response_parser<http::string_body> parser;
        auto [read_error, read] = co_await http::async_read(socket, buffer, parser, nothrow);
        if (read_error) throw std::runtime_error("reading failed: " + read_error.message());
        latencies.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
        // Every answer must carry `expect` once per message the request carried.
        const auto& response = parser.get();
        std::size_t found = 0;
        for (auto at = response.body().find(expect); at != std::string::npos;
             at = response.body().find(expect, at + expect.size()))
            ++found;
        ok += found;
        if (response.result_int() != 200 || found != shared.per_request) ++failed;
    }
    std::lock_guard lock(shared.mutex);
    shared.latency_ms.insert(shared.latency_ms.end(), latencies.begin(), latencies.end());
    shared.ok += ok;
    shared.failed += failed;
}

struct Throughput {
    double per_second = 0;
    double p50_ms = 0;
    double p99_ms = 0;
    std::size_t ok = 0;
    std::size_t failed = 0;
    double seconds = 0;
};

Throughput drive(std::uint16_t port, std::vector<std::string> requests, std::size_t per_request,
                 const Options& options, std::string_view expect) {
    Exchanges shared;
    shared.requests = std::move(requests);
    shared.per_request = per_request;
    asio::io_context context{1};
    const tcp::endpoint endpoint{asio::ip::make_address("127.0.0.1"), port};
    const auto start = Clock::now();
    shared.until = start + std::chrono::seconds{options.seconds};
    std::exception_ptr failure;
    for (int i = 0; i < options.connections; ++i)
        asio::co_spawn(context, exchange_loop(endpoint, shared, expect),
                       [&failure](std::exception_ptr error) {
                           if (error && !failure) failure = error;
                       });
    context.run();
    if (failure) std::rethrow_exception(failure);
    Throughput out;
    out.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    out.ok = shared.ok;
    out.failed = shared.failed;
    out.per_second = static_cast<double>(shared.ok) / out.seconds;
    out.p50_ms = percentile(shared.latency_ms, 0.50);
    out.p99_ms = percentile(shared.latency_ms, 0.99);
    return out;
}

// ---- fan-out -------------------------------------------------------------------------------

struct FeedRound {
    std::mutex mutex;        // guards the fields below
    std::string event_type;  // the type being waited for, e.g. "takeover"
    Clock::time_point sent{};
    std::vector<double> delivered_ms;
};

struct Feeds {
    std::atomic<int> open{0};
    std::atomic<int> failed{0};
    FeedRound round;
};

asio::awaitable<void> feed_client(tcp::endpoint endpoint, std::string screen, std::string token,
                                  Feeds& feeds) {
    websocket::stream<beast::tcp_stream> ws{co_await asio::this_coro::executor};
    beast::get_lowest_layer(ws).expires_after(60s);
    auto [connect_error] = co_await beast::get_lowest_layer(ws).async_connect(endpoint, nothrow);
    if (connect_error) {
        if (feeds.failed++ == 0)
            std::printf("  a feed cannot connect: %s\n", connect_error.message().c_str());
        co_return;
    }
    beast::get_lowest_layer(ws).expires_never();
    ws.set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
    const std::string authorization = "Bearer " + token;
    ws.set_option(websocket::stream_base::decorator([&authorization](websocket::request_type& request) {
        request.set(http::field::authorization, authorization);
    }));
    const std::string target = "/v1/devices/" + screen + "/feed";
    auto [handshake_error] = co_await ws.async_handshake("127.0.0.1", target, nothrow);
    if (handshake_error) {
        if (feeds.failed++ == 0)
            std::printf("  a feed handshake failed: %s\n", handshake_error.message().c_str());
        co_return;
    }
    beast::flat_buffer buffer;
    bool counted = false;
    for (;;) {
        auto [read_error, read] = co_await ws.async_read(buffer, nothrow);
        if (read_error) break;
        const auto received = Clock::now();
        const std::string_view text{static_cast<const char*>(buffer.cdata().data()), buffer.size()};
        boost::system::error_code parse_error;
        const auto event = json::parse(text, parse_error);
        buffer.consume(buffer.size());
        if (parse_error || !event.is_object()) continue;
        const auto* type = event.as_object().if_contains("type");
        if (!type || !type->is_string()) continue;
        if (type->as_string() == "snapshot" && !counted) {
            counted = true;
            ++feeds.open;
            continue;
        }
        std::lock_guard lock(feeds.round.mutex);
        if (type->as_string() == feeds.round.event_type)
            feeds.round.delivered_ms.push_back(
                std::chrono::duration<double, std::milli>(received - feeds.round.sent).count());
    }
    if (counted) --feeds.open;
}

struct Delivery {
    double p50_ms = 0;
    double p99_ms = 0;
    double max_ms = 0;
    std::size_t missing = 0;
};

// Starts (or ends) a takeover for `targets` and waits until `expected` screens got it.
Delivery fan_out(Api& api, Feeds& feeds, const std::string& targets, std::size_t expected, int rounds) {
    std::vector<double> all;
    std::size_t missing = 0;
    std::string takeover_id;
    for (int round = 0; round < rounds; ++round) {
        for (const bool start : {true, false}) {
            {
                std::lock_guard lock(feeds.round.mutex);
                feeds.round.event_type = start ? "takeover" : "takeover_end";
                feeds.round.delivered_ms.clear();
                feeds.round.sent = Clock::now();
            }
            if (start) {
                const auto started =
                    api.call(http::verb::post, "/v1/takeovers", api.hub().operator_token(),
                             fmt::format(R"({{"text":"Platform closed","targets":{}}})", targets), 201);
                takeover_id = std::string{started.at("id").as_string()};
            } else {
                api.call(http::verb::delete_, "/v1/takeovers/" + takeover_id, api.hub().operator_token());
            }
            const auto deadline = Clock::now() + 20s;
            for (;;) {
                {
                    std::lock_guard lock(feeds.round.mutex);
                    if (feeds.round.delivered_ms.size() >= expected || Clock::now() > deadline) {
                        all.insert(all.end(), feeds.round.delivered_ms.begin(),
                                   feeds.round.delivered_ms.end());
                        missing += expected - std::min(expected, feeds.round.delivered_ms.size());
                        break;
                    }
                }
                std::this_thread::sleep_for(1ms);
            }
        }
    }
    return Delivery{percentile(all, 0.50), percentile(all, 0.99),
                    all.empty() ? 0 : *std::ranges::max_element(all), missing};
}

// ---- main ----------------------------------------------------------------------------------

// The writer's counters from /metrics, to tell what one phase of the run cost.
struct WriterFigures {
    double batches = 0;
    double jobs = 0;
    double seconds = 0;
    WriterFigures operator-(const WriterFigures& earlier) const {
        return {batches - earlier.batches, jobs - earlier.jobs, seconds - earlier.seconds};
    }
};

double metric(Api& api, std::string_view name) {
    auto response = api.client().request(http::verb::get, "/metrics");
    if (!response) throw std::runtime_error("/metrics: " + response.error().message);
    const std::string& text = response->body();
    const auto at = text.find("\n" + std::string{name} + " ");
    return at == std::string::npos ? 0.0 : std::stod(text.substr(at + name.size() + 2));
}

double feed_connections(Api& api) {
    return metric(api, "dwell_hub_feed_connections");
}

WriterFigures writer_figures(Api& api) {
    return {metric(api, "dwell_hub_commit_batch_size_count"), metric(api, "dwell_hub_commit_batch_size_sum"),
            metric(api, "dwell_hub_commit_seconds_sum")};
}

Options parse_options(int argc, char** argv) {
    Options options;
    for (int i = 1; i < argc; ++i) {
        const std::string_view argument = argv[i];
        const auto number = [&](int minimum) {
            if (i + 1 >= argc) throw std::invalid_argument(fmt::format("{} needs a number", argument));
            const int value = std::atoi(argv[++i]);
            if (value < minimum)
                throw std::invalid_argument(fmt::format("{} must be at least {}", argument, minimum));
            return value;
        };
        if (argument == "--seconds")
            options.seconds = number(1);
        else if (argument == "--connections")
            options.connections = number(1);
        else if (argument == "--screens")
            options.screens = number(1);
        else if (argument == "--rounds")
            options.rounds = number(1);
        else if (argument == "--threads")
            options.threads = static_cast<unsigned>(number(1));
        else if (argument == "--events")
            options.events = number(1);
        else
            throw std::invalid_argument(
                fmt::format("unknown argument {}; usage: hub_bench [--seconds N] [--connections C] "
                            "[--screens S] [--rounds R] "
                            "[--threads T] [--events E]",
                            argument));
    }
    return options;
}

void raise_descriptor_limit() {
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        setrlimit(RLIMIT_NOFILE, &limit);
    }
}

std::string ms(double value) {
    return fmt::format("{:.1f} ms", value);
}

}  // namespace

int main(int argc, char** argv) try {
    const Options options = parse_options(argc, argv);
    raise_descriptor_limit();
    dwell::test::HubSetup setup;
    setup.threads = options.threads;
    dwell::test::HubProcess hub{setup};
    hub.start();
    std::printf(
        "hub_bench: %d screens, %d connections, %d s per ingestion run, %u hub threads, %u cores, "
        "load average %s\nfolder %s\n",
        options.screens, options.connections, options.seconds, options.threads,
        std::thread::hardware_concurrency(), load_average().c_str(), hub.folder().c_str());
    std::fflush(stdout);

    Api api{hub};
    std::printf("adding %d screens and enrolling them\n", options.screens);
    std::fflush(stdout);
    const Fleet fleet = add_screens(api, options.screens);
    add_campaign(api, hub.folder());
    std::vector<Row> rows;

    // Fan-out and memory first, with every screen's feed open; the feeds close before ingestion.
    const double idle_rss = hub.rss_mib();
    double connected_rss = 0;
    double peak_rss = 0;
    Delivery all;
    Delivery one;
    {
        Feeds feeds;
        asio::io_context feed_context{1};
        const tcp::endpoint endpoint{asio::ip::make_address("127.0.0.1"), hub.port()};
        for (std::size_t i = 0; i < fleet.screens.size(); ++i)
            asio::co_spawn(feed_context, feed_client(endpoint, fleet.screens[i], fleet.tokens[i], feeds),
                           asio::detached);
        std::thread feed_thread{[&feed_context] { feed_context.run(); }};
        // Stops the feeds and their thread however this scope ends.
        struct FeedsStopper {
            asio::io_context& context;
            std::thread& thread;
            ~FeedsStopper() {
                context.stop();
                if (thread.joinable()) thread.join();
            }
        } stopper{feed_context, feed_thread};
        const auto connect_deadline = Clock::now() + 120s;
        while (feeds.open.load() + feeds.failed.load() < options.screens && Clock::now() < connect_deadline)
            std::this_thread::sleep_for(10ms);
        if (feeds.failed.load() > 0 || feeds.open.load() < options.screens)
            throw std::runtime_error(
                fmt::format("only {} of {} feeds connected ({} failed); the hub's log:\n{}",
                            feeds.open.load(), options.screens, feeds.failed.load(), hub.log()));
        connected_rss = hub.rss_mib();
        std::printf("%d feeds connected; fan-out: %d rounds of takeover start and end to all, then to one\n",
                    options.screens, options.rounds);
        std::fflush(stdout);
        all = fan_out(api, feeds, R"({"all":true})", fleet.screens.size(), options.rounds);
        one = fan_out(api, feeds, fmt::format(R"({{"screens":["{}"]}})", fleet.screens.front()), 1,
                      options.rounds);
        peak_rss = std::max(connected_rss, hub.rss_mib());
    }  // the feeds' sockets close with their io_context
    for (int i = 0; i < 1000 && feed_connections(api) > 0; ++i) std::this_thread::sleep_for(10ms);
    std::printf("feeds closed\n");

    // Ingestion: the HTTP floor, then signed joins.
    const std::size_t pool = static_cast<std::size_t>(options.seconds) * 40'000;
    std::printf("ingestion: GET /healthz for %d s, then up to %zu signed LINE joins for %d s\n",
                options.seconds, pool, options.seconds);
    std::fflush(stdout);
    const Throughput health = drive(hub.port(), prepare_health(pool), 1, options, "\"ok\"");
    std::printf("  HTTP floor: %.0f requests/s; preparing signed joins\n", health.per_second);
    std::fflush(stdout);
    auto joins_requests = prepare_joins(api, pool / static_cast<std::size_t>(options.events), options.events);
    const WriterFigures writer_before = writer_figures(api);
    std::printf("  sending joins\n");
    std::fflush(stdout);
    const Throughput joins = drive(hub.port(), std::move(joins_requests),
                                   static_cast<std::size_t>(options.events), options, "\"joined\"");
    if (joins.failed > 0)
        std::printf("  %zu webhooks were not answered \"joined\" for every message\n", joins.failed);
    const WriterFigures during_joins = writer_figures(api) - writer_before;
    std::printf("  writer during the joins: %.0f batches of %.1f jobs, %.2f ms each on average\n",
                during_joins.batches, during_joins.jobs / std::max(during_joins.batches, 1.0),
                1000 * during_joins.seconds / std::max(during_joins.batches, 1.0));
    const auto stopped = hub.stop();
    if (!stopped.exited || stopped.exit_code != 0)
        std::printf("  the hub did not stop cleanly (exit %d, signal %d)\n", stopped.exit_code,
                    stopped.signal);

    rows.push_back({"GET /healthz per second (peer: HTTP floor)", fmt::format("{:.0f}", health.per_second),
                    "(peer)", std::nullopt, Verdict::info});
    rows.push_back({"durable joins per second", fmt::format("{:.0f}", joins.per_second), ">= 20000",
                    joins.per_second / health.per_second, within(joins.per_second >= joins_budget)});
    rows.push_back(
        {"join ack p50", ms(joins.p50_ms), "", joins.p50_ms / std::max(health.p50_ms, 0.001), Verdict::info});
    rows.push_back({"join ack p99", ms(joins.p99_ms), "<= 50 ms",
                    joins.p99_ms / std::max(health.p99_ms, 0.001),
                    within(joins.p99_ms <= ack_p99_budget_ms)});
    rows.push_back(
        {"takeover to one screen, p99 (peer)", ms(one.p99_ms), "(peer)", std::nullopt, Verdict::info});
    rows.push_back({fmt::format("takeover to {} screens, p50", options.screens), ms(all.p50_ms), "",
                    std::nullopt, Verdict::info});
    rows.push_back({fmt::format("takeover to {} screens, p99", options.screens), ms(all.p99_ms), "<= 200 ms",
                    all.p99_ms / std::max(one.p99_ms, 0.001),
                    within(all.p99_ms <= fanout_p99_budget_ms && all.missing == 0)});
    rows.push_back({fmt::format("takeover to {} screens, max", options.screens), ms(all.max_ms), "",
                    std::nullopt, Verdict::info});
    rows.push_back(
        {"hub RSS idle (peer)", fmt::format("{:.0f} MiB", idle_rss), "(peer)", std::nullopt, Verdict::info});
    rows.push_back({fmt::format("hub RSS with {} feeds", options.screens),
                    fmt::format("{:.0f} MiB", peak_rss), "<= 300 MB", peak_rss / idle_rss,
                    within(peak_rss * 1.048576 <= rss_budget_mib)});
    if (all.missing > 0) std::printf("  %zu deliveries never arrived\n", all.missing);
    print_table(rows);
    return 0;
} catch (const std::exception& error) {
    std::fprintf(stderr, "hub_bench: %s\n", error.what());
    return 1;
}
