#include "sync/agent/feed.hpp"

#include <boost/asio/this_coro.hpp>
#include <boost/json/parse.hpp>

#include "sync/agent/log.hpp"

namespace dwell::sync::agent {

namespace asio = boost::asio;

namespace {

bool is_history(const content::LiveEventBody& body) {
    return !std::holds_alternative<content::CounterEvent>(body) &&
           !std::holds_alternative<content::SnapshotEvent>(body);
}

}  // namespace

FeedRelay::FeedRelay(HubAccess access, content::DeviceState& state, PlayerLink& player, AgentMetrics& metrics,
                     std::function<void()> pull_manifest, net::WebSocketOptions options)
    : m_access(std::move(access)),
      m_state(state),
      m_player(player),
      m_metrics(metrics),
      m_pull_manifest(std::move(pull_manifest)),
      m_options(options) {
    auto stored = m_state.last_seq();
    if (stored)
        m_last = *stored;
    else
        log()->error("cannot read the last live-event seq, so the feed starts with a snapshot: {}",
                     stored.error().message);
    m_metrics.last_seq = static_cast<std::int64_t>(m_last);
}

asio::awaitable<Result<void>> FeedRelay::session(bool& received) {
    const auto executor = co_await asio::this_coro::executor;
    // With no seq stored the hub sends a snapshot only: replaying old joins as toasts helps no one.
    std::string target = fmt::format("/v1/devices/{}/feed", m_access.screen);
    if (m_last > 0) target += fmt::format("?after={}", m_last);
    net::Fields fields{{"Authorization", fmt::format("Bearer {}", m_access.token)}};
    const auto options = m_options;
    auto connected = co_await net::WebSocketClient::connect(executor, m_access.url, m_access.client, target,
                                                            std::move(fields), options);
    if (!connected) co_return fail(std::move(connected.error()));
    auto& feed = **connected;
    ++m_metrics.feed_connects;
    m_metrics.feed_connected = 1;
    log()->info("the live feed is connected, resuming after seq {}", m_last);
    for (;;) {
        auto message = co_await feed.read();
        if (!message) {
            m_metrics.feed_connected = 0;
            if (feed.went_silent()) ++m_metrics.feed_dead;
            co_return fail(std::move(message.error()));
        }
        received = true;
        handle(*message);
    }
}

void FeedRelay::handle(std::string_view message) {
    ++m_metrics.feed_events;
    boost::system::error_code error;
    const auto json = boost::json::parse(message, error);
    auto event = error
                     ? Result<content::LiveEvent>{fail(Errc::invalid_input, "not JSON: {}", error.message())}
                     : content::live_event_from_json(json);
    if (!event) {
        ++m_metrics.feed_bad_events;
        log()->warn("skipping a feed message that is not a live event ({}): {:.200}", event.error().message,
                    message);
        return;
    }
    if (is_history(event->body)) {
        if (event->seq <= m_last) {  // sent again after a reconnect: it went to the player already
            ++m_metrics.feed_duplicates;
            return;
        }
        if (m_last > 0 && event->seq != m_last + 1)
            log()->warn("live events {} to {} never arrived", m_last + 1, event->seq - 1);
        m_player.forward(*event);
        remember(event->seq);
        if (std::holds_alternative<content::ManifestEvent>(event->body)) m_pull_manifest();
        return;
    }
    const bool snapshot = std::holds_alternative<content::SnapshotEvent>(event->body);
    if (snapshot && event->seq < m_last) {
        // Every connection begins with a snapshot at the hub's last seq: this hub's history is
        // shorter than what this screen forwarded (its database was replaced). Follow it from here.
        log()->warn(
            "the hub's feed is at seq {}, behind the seq {} this screen forwarded; its history "
            "was reset, so the feed follows it from there",
            event->seq, m_last);
        m_player.forward(*event);
        remember(event->seq);
        m_pull_manifest();
        return;
    }
    if (event->seq < m_last) return;  // state older than what the player has
    m_player.forward(*event);
    if (snapshot && event->seq > m_last) {
        // The hub skipped history up to here; a `manifest` may have been in it.
        if (m_last > 0)
            log()->info("the feed resumed with a snapshot at seq {} after seq {}", event->seq, m_last);
        remember(event->seq);
        m_pull_manifest();
    }
}

void FeedRelay::remember(std::uint64_t seq) {
    m_last = seq;
    m_metrics.last_seq = static_cast<std::int64_t>(seq);
    if (auto stored = m_state.set_last_seq(seq); !stored)
        log()->error("cannot store the live-event seq {}; a restart may show its events again: {}", seq,
                     stored.error().message);
}

}  // namespace dwell::sync::agent
