#include "sync/agent/agent.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fstream>
#include <random>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "config/service.hpp"
#include "sync/agent/content_sync.hpp"
#include "sync/agent/log.hpp"
#include "sync/agent/outbox.hpp"
#include "sync/net/client.hpp"

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
    auto state = content::DeviceState::open(config.state_db());
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
        signals.cancel();
    });
    const config::ServiceNotifier notifier;
    notifier.ready();
    m_context.run();
    notifier.stopping();
    if (!outcome) return {};
    return std::move(*outcome);
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
    auto token = co_await obtain_token();
    if (!token) {
        if (m_stopping) co_return Result<void>{};
        co_return fail(std::move(token.error()));
    }
    const auto executor = co_await asio::this_coro::executor;
    const HubAccess access{m_config.hub.url, net::ClientOptions{m_config.hub.ca_file}, m_config.device.id,
                           *token};
    auto content = ContentSync::create(executor, access, *m_state, *m_cache, m_clock);
    if (!content) co_return fail(std::move(content.error()));
    auto outbox = Outbox::create(executor, access, *m_state);
    if (!outbox) co_return fail(std::move(outbox.error()));
    auto content_work = content_loop(**content);
    auto outbox_work = outbox_loop(**outbox);
    co_await (std::move(content_work) && std::move(outbox_work));
    co_return Result<void>{};
}

asio::awaitable<void> Agent::content_loop(ContentSync& content) {
    unsigned failures = 0;
    while (!m_stopping) {
        auto pulled = co_await content.pull();
        config::Duration wait = m_config.hub.manifest_poll;
        if (pulled) {
            failures = 0;
        } else {
            wait = backoff(failures++);
            log()->error("keeping the current content: {}; trying again in {} ms", pulled.error().message,
                         wait.count());
        }
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
            if (shipped->acknowledged > 0) log()->debug("{} records reached the hub", shipped->acknowledged);
        } else {
            wait = backoff(failures++);
            const auto waiting = m_state->outbox_usage();
            log()->warn("{} records wait in the outbox: {}; trying again in {} ms",
                        waiting ? waiting->records : 0, shipped.error().message, wait.count());
        }
        if (!co_await sleep(wait)) break;
    }
}

}  // namespace dwell::sync::agent
