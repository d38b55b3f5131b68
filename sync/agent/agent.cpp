#include "sync/agent/agent.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fstream>
#include <random>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "config/service.hpp"
#include "content/uuid.hpp"
#include "sync/agent/content_sync.hpp"
#include "sync/agent/feed.hpp"
#include "sync/agent/log.hpp"
#include "sync/agent/outbox.hpp"
#include "sync/agent/player_link.hpp"
#include "sync/agent/screenshots.hpp"
#include "sync/net/client.hpp"
#include "sync/net/router.hpp"
#include "sync/net/server.hpp"

#ifndef DWELL_VERSION
#define DWELL_VERSION "0.0.0"
#endif

namespace dwell::sync::agent {
namespace {

namespace asio = boost::asio;
namespace http = net::http;
using namespace asio::experimental::awaitable_operators;

Error io_error(std::string_view what, const std::filesystem::path& file) {
    return Error{Errc::io, fmt::format("cannot {} {}: {}", what, file.string(), std::strerror(errno))};
}

}  // namespace

Result<std::string> read_device_token(const std::filesystem::path& file) {
    std::ifstream in(file);
    if (!in) {
        if (errno == ENOENT) return fail(Errc::not_found, "no device token at {}", file.string());
        return fail(io_error("read the device token", file));
    }
    std::string token;
    std::getline(in, token);
    std::string rest;
    if (token.empty() || token.size() > 256 || (std::getline(in, rest) && !rest.empty()))
        return fail(Errc::invalid_input,
                    "{} does not hold a device token (one line); remove it and enroll again", file.string());
    return token;
}

Result<void> save_device_token(const std::filesystem::path& file, std::string_view token) {
    std::error_code ignored;
    std::filesystem::create_directories(file.parent_path(), ignored);
    std::filesystem::path temporary = file;
    temporary += ".new";
    std::filesystem::remove(temporary, ignored);
    const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) return fail(io_error("create", temporary));
    const std::string line = std::string{token} + "\n";
    const bool written =
        ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) && ::fsync(fd) == 0;
    const int saved = errno;
    ::close(fd);
    if (!written) {
        errno = saved;
        auto error = io_error("write", temporary);
        std::filesystem::remove(temporary, ignored);
        return fail(std::move(error));
    }
    if (::rename(temporary.c_str(), file.c_str()) != 0)
        return fail(io_error("rename the device token to", file));
    // The rename itself must survive a power cut, or the next start would enroll again with a used code.
    const int folder = ::open(file.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (folder >= 0) {
        ::fsync(folder);
        ::close(folder);
    }
    return {};
}

content::HealthRecord box_health(const std::filesystem::path& state_dir) {
    content::HealthRecord health;
    struct sysinfo system {};
    if (::sysinfo(&system) == 0) health.uptime = std::chrono::seconds{system.uptime};
    struct statvfs disk {};
    if (::statvfs(state_dir.c_str(), &disk) == 0)
        health.disk_free_bytes = static_cast<std::uint64_t>(disk.f_bavail) * disk.f_frsize;
    // Millidegrees Celsius, on boards whose kernel has a thermal zone.
    std::ifstream thermal{"/sys/class/thermal/thermal_zone0/temp"};
    long long millidegrees = 0;
    if (thermal >> millidegrees) health.temperature_c = static_cast<double>(millidegrees) / 1000.0;
    health.versions["sync"] = DWELL_VERSION;
    return health;
}

config::Duration backoff(unsigned attempt) {
    static thread_local std::mt19937_64 random{std::random_device{}()};
    const auto ceiling = std::min<std::int64_t>(60'000, std::int64_t{1000} << std::min(attempt, 6U));
    std::uniform_int_distribution<std::int64_t> draw{ceiling / 2, ceiling};
    return config::Duration{draw(random)};
}

Agent::Agent(config::DeviceConfig config, const config::Clock& clock,
             std::unique_ptr<content::DeviceState> state, std::unique_ptr<content::AssetCache> cache)
    : m_config(std::move(config)), m_clock(clock), m_state(std::move(state)), m_cache(std::move(cache)) {}

Agent::~Agent() = default;

Result<std::unique_ptr<Agent>> Agent::create(config::DeviceConfig config, const config::Clock& clock) {
    std::error_code error;
    std::filesystem::create_directories(config.state_dir, error);
    if (error)
        return fail(Errc::io, "cannot create the state folder {}: {}", config.state_dir.string(),
                    error.message());
    auto state =
        content::DeviceState::open(config.state_db(), {}, content::OutboxLimits{config.agent.outbox_limit});
    if (!state) return fail(std::move(state.error()));
    auto cache = content::AssetCache::open(config.cache_dir(), config.cache.quota, clock);
    if (!cache) return fail(std::move(cache.error()));
    return std::unique_ptr<Agent>{new Agent(std::move(config), clock, std::move(*state), std::move(*cache))};
}

Result<void> Agent::run() {
    asio::signal_set signals{m_context, SIGTERM, SIGINT};
    signals.async_wait([this](const boost::system::error_code& error, int number) {
        if (error) return;
        log()->info("{} received", number == SIGTERM ? "SIGTERM" : "SIGINT");
        stop();
    });
    // main() blocked them until now; one that came meanwhile is delivered here.
    const sigset_t stops = config::stop_signals();
    pthread_sigmask(SIG_UNBLOCK, &stops, nullptr);
    auto metrics = serve_metrics();
    std::optional<Result<void>> outcome;
    asio::co_spawn(m_context, main_loop(), [&](std::exception_ptr failure, Result<void> result) {
        if (failure) {
            try {
                std::rethrow_exception(failure);
            } catch (const std::exception& exception) {
                result = fail(Errc::internal, "the agent failed: {}", exception.what());
            }
        }
        outcome = std::move(result);
        // The player's socket and the watchdog would keep the loop going.
        m_stopping = true;
        m_context.stop();
    });
    asio::co_spawn(m_context, watchdog_loop(), asio::detached);
    const config::ServiceNotifier notifier;
    notifier.ready();
    m_context.run();
    notifier.stopping();
    if (metrics) metrics->stop();
    if (!outcome) return {};
    return std::move(*outcome);
}

std::unique_ptr<net::Server> Agent::serve_metrics() {
    const config::Endpoint& where = m_config.agent.metrics;
    auto router = std::make_shared<net::Router>();
    router->add(
        net::http::verb::get, "/metrics",
        net::Route{"metrics",
                   net::BufferedHandler{[this](net::Exchange&) {
                       return net::ready(net::text_reply(net::http::status::ok, m_metrics.prometheus_text(),
                                                         "text/plain; version=0.0.4; charset=utf-8"));
                   }},
                   {}});
    net::ServerOptions options;
    options.listen = where;
    options.threads = 1;
    options.max_connections = 16;
    options.drain_timeout = std::chrono::seconds{1};
    auto server = net::Server::create(std::move(options), std::move(router));
    if (!server) {
        // The screen keeps working without its metrics.
        log()->error("no /metrics: {}", server.error().message);
        return nullptr;
    }
    (*server)->start();
    const auto bound = (*server)->local_endpoint();
    log()->info("metrics at http://{}:{}/metrics", bound.host, bound.port);
    return std::move(*server);
}

void Agent::stop() {
    asio::post(m_context, [this] {
        m_stopping = true;
        m_context.stop();
    });
}

asio::awaitable<bool> Agent::sleep(config::Duration duration) {
    const auto executor = co_await asio::this_coro::executor;
    asio::steady_timer timer{executor, duration};
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    co_return !m_stopping;
}

asio::awaitable<Result<std::string>> Agent::obtain_token() {
    const auto& file = m_config.hub.token_file;
    auto saved = read_device_token(file);
    if (saved || saved.error().code != Errc::not_found) co_return saved;
    if (!m_config.hub.enrollment_code)
        co_return fail(Errc::invalid_input,
                       "no device token at {} and no hub.enrollment_code in the configuration: add the code "
                       "the operator got from `dwellctl screen add`",
                       file.string());
    // Arguments are named before each co_await: GCC 12 mishandles temporaries in its full-expression.
    const auto executor = co_await asio::this_coro::executor;
    auto link =
        net::HttpConnection::create(executor, m_config.hub.url, net::ClientOptions{m_config.hub.ca_file});
    if (!link) co_return fail(std::move(link.error()));
    const std::string body =
        boost::json::serialize(boost::json::object{{"code", *m_config.hub.enrollment_code}});
    const std::string target = "/v1/devices/enroll";
    const std::string json_type = "application/json";
    const net::Fields no_fields;
    for (unsigned attempt = 0;; ++attempt) {
        auto response = co_await (*link)->request(http::verb::post, target, no_fields, body, json_type);
        std::optional<Error> problem;
        if (!response) {
            problem = std::move(response.error());
        } else if (response->result() != http::status::ok) {
            problem = Error{Errc::io, fmt::format("the hub refused enrollment ({}): {}",
                                                  response->result_int(), net::error_message(*response))};
        } else {
            boost::system::error_code error;
            const auto json = boost::json::parse(response->body(), error);
            const auto* object = error ? nullptr : json.if_object();
            const auto* screen = object ? object->if_contains("screen") : nullptr;
            const auto* token = object ? object->if_contains("token") : nullptr;
            if (!screen || !screen->is_string() || !token || !token->is_string())
                problem = Error{Errc::io, "the hub's enrollment answer has no screen and token"};
            else if (screen->as_string() != m_config.device.id)
                co_return fail(Errc::invalid_input,
                               "the enrollment code belongs to screen \"{}\", but this box is \"{}\" in its "
                               "configuration",
                               std::string_view{screen->as_string()}, m_config.device.id);
            else if (auto stored = save_device_token(file, token->as_string()); !stored)
                co_return fail(std::move(stored.error()));
            else {
                log()->info("enrolled as screen {}; the device token is in {}", m_config.device.id,
                            file.string());
                co_return std::string{token->as_string()};
            }
        }
        const auto delay = backoff(attempt);
        log()->error("enrolling with {} failed: {}; trying again in {} ms", (*link)->authority(),
                     problem->message, delay.count());
        if (!co_await sleep(delay)) co_return fail(Errc::conflict, "stopped before enrolling");
    }
}

asio::awaitable<Result<void>> Agent::main_loop() {
    const auto executor = co_await asio::this_coro::executor;
    // The player may connect before the screen is enrolled; it gets events once there are any.
    auto player = PlayerLink::open(executor, m_config.events_socket(), m_metrics);
    if (!player) co_return fail(std::move(player.error()));
    // Owned by the agent, not this frame: the accept loop may outlive it.
    m_player = std::move(*player);
    m_player->on_screenshot([this](const std::string& id, std::optional<std::string> failure) {
        if (failure) {
            log()->warn("screenshot {} cannot be taken: {}", id, *failure);
            if (auto written = content::write_screenshot_failure(m_config.screenshot_dir(), id, *failure);
                !written)
                log()->error("screenshot {}: {}", id, written.error().message);
        }
        upload_screenshots_soon();
    });
    asio::co_spawn(executor, m_player->accept_loop(), asio::detached);
    auto token = co_await obtain_token();
    if (!token) {
        if (m_stopping) co_return Result<void>{};
        co_return fail(std::move(token.error()));
    }
    const HubAccess access{m_config.hub.url, net::ClientOptions{m_config.hub.ca_file}, m_config.device.id,
                           *token};
    auto content = ContentSync::create(executor, access, *m_state, *m_cache, m_clock);
    if (!content) co_return fail(std::move(content.error()));
    auto outbox = Outbox::create(executor, access, *m_state);
    if (!outbox) co_return fail(std::move(outbox.error()));
    auto screenshots = ScreenshotUploader::create(executor, access, m_config.screenshot_dir());
    if (!screenshots) co_return fail(std::move(screenshots.error()));
    FeedRelay feed{access, *m_state, *m_player, m_metrics, [this] { pull_soon(); }};
    auto content_work = content_loop(**content);
    auto feed_work = feed_loop(feed);
    auto outbox_work = outbox_loop(**outbox);
    auto health_work = health_loop(*m_player);
    auto screenshot_work = screenshot_loop(**screenshots);
    co_await (std::move(content_work) && std::move(feed_work) && std::move(outbox_work) &&
              std::move(health_work) && std::move(screenshot_work));
    co_return Result<void>{};
}

void Agent::pull_soon() {
    m_pull_requested = true;
    m_pull_timer.cancel();
}

void Agent::upload_screenshots_soon() {
    m_screenshots_requested = true;
    m_screenshot_timer.cancel();
}

asio::awaitable<void> Agent::screenshot_loop(ScreenshotUploader& screenshots) {
    // A screenshot left by an earlier run, or one whose line the player could not send, waits at
    // most this long.
    constexpr auto rescan = std::chrono::minutes{1};
    unsigned failures = 0;
    while (!m_stopping) {
        m_screenshots_requested = false;
        auto sent = co_await screenshots.upload_all();
        config::Duration wait = rescan;
        if (sent) {
            failures = 0;
            m_metrics.screenshots_sent += *sent;
        } else {
            wait = backoff(failures++);
            log()->warn("screenshots wait in {}: {}; trying again in {} ms",
                        m_config.screenshot_dir().string(), sent.error().message, wait.count());
        }
        if (m_screenshots_requested && sent) continue;
        m_screenshot_timer.expires_after(wait);
        co_await m_screenshot_timer.async_wait(asio::as_tuple(asio::use_awaitable));
    }
}

asio::awaitable<void> Agent::content_loop(ContentSync& content) {
    unsigned failures = 0;
    while (!m_stopping) {
        m_pull_requested = false;
        auto pulled = co_await content.pull();
        config::Duration wait = m_config.hub.manifest_poll;
        if (pulled) {
            failures = 0;
            ++(pulled->changed ? m_metrics.manifest_pulls_changed : m_metrics.manifest_pulls_unchanged);
            m_metrics.assets_downloaded += pulled->downloaded;
        } else {
            ++m_metrics.manifest_pulls_failed;
            wait = backoff(failures++);
            log()->error("keeping the current content: {}; trying again in {} ms", pulled.error().message,
                         wait.count());
        }
        m_metrics.download_bytes = content.bytes_received();
        if (auto generation = m_state->manifest_generation()) m_metrics.manifest_generation = *generation;
        if (auto offset = m_state->clock_offset()) m_metrics.clock_offset_ms = offset->count();
        if (m_pull_requested) continue;  // the feed asked while this pull ran
        m_pull_timer.expires_after(wait);
        co_await m_pull_timer.async_wait(asio::as_tuple(asio::use_awaitable));
    }
}

asio::awaitable<void> Agent::feed_loop(FeedRelay& feed) {
    unsigned failures = 0;
    while (!m_stopping) {
        bool received = false;
        auto ended = co_await feed.session(received);
        if (m_stopping) break;
        if (received) failures = 0;
        const auto wait = backoff(failures++);
        log()->warn("the live feed is down: {}; reconnecting in {} ms", ended.error().message, wait.count());
        if (!co_await sleep(wait)) break;
    }
}

asio::awaitable<void> Agent::outbox_loop(Outbox& outbox) {
    unsigned failures = 0;
    while (!m_stopping) {
        auto shipped = co_await outbox.ship();
        config::Duration wait = outbox_poll;
        if (shipped) {
            failures = 0;
            m_metrics.records_shipped += shipped->acknowledged;
            m_metrics.records_refused += shipped->refused;
            if (shipped->acknowledged > 0) log()->debug("{} records reached the hub", shipped->acknowledged);
        } else {
            wait = backoff(failures++);
            const auto waiting = m_state->outbox_usage();
            log()->warn("{} records wait in the outbox: {}; trying again in {} ms",
                        waiting ? waiting->records : 0, shipped.error().message, wait.count());
        }
        if (auto usage = m_state->outbox_usage()) {
            m_metrics.outbox_records = static_cast<std::int64_t>(usage->records);
            m_metrics.outbox_bytes = static_cast<std::int64_t>(usage->bytes);
        }
        if (!co_await sleep(wait)) break;
    }
}

asio::awaitable<void> Agent::health_loop(const PlayerLink& player) {
    // The player reports every 10 s; older than this, it is not running (or stuck), and its part of
    // the record stays empty, which is what the hub should see.
    constexpr auto player_fresh = std::chrono::seconds{30};
    while (!m_stopping) {
        content::HealthRecord health = box_health(m_config.state_dir);
        if (auto status = player.player_status(player_fresh)) {
            health.fps = status->fps;
            health.frames_dropped = status->frames_dropped;
            health.current_item = std::move(status->current_item);
            health.versions["player"] = std::move(status->version);
        }
        content::Record record{content::uuid_v7(m_clock.now()), m_config.device.id, std::move(health)};
        if (auto added = m_state->append_records(std::span{&record, 1}); added)
            ++m_metrics.health_records;
        else
            log()->error("the health record was not kept: {}", added.error().message);
        if (!co_await sleep(m_config.agent.health_every)) break;
    }
}

// The watchdog is fed from the agent's one thread: when that thread is stuck, systemd restarts it.
asio::awaitable<void> Agent::watchdog_loop() {
    const config::ServiceNotifier notifier;
    const auto every = notifier.watchdog_interval();
    if (!every) co_return;
    while (!m_stopping) {
        notifier.watchdog();
        if (!co_await sleep(std::chrono::duration_cast<config::Duration>(*every))) break;
    }
}

}  // namespace dwell::sync::agent
