#include "sync/hub/feed.hpp"

#include <algorithm>

#include <boost/asio/post.hpp>
#include <boost/json/serialize.hpp>

#include "config/log.hpp"
#include "sync/hub/metrics.hpp"

namespace dwell::sync::hub {
namespace {

std::shared_ptr<spdlog::logger> log() {
    static const auto logger = config::logger("hub");
    return logger;
}

std::shared_ptr<const std::string> wire(const content::LiveEvent& event) {
    return std::make_shared<const std::string>(boost::json::serialize(content::to_json(event)));
}

}  // namespace

class FeedSession final : public net::WebSocketHandler, public std::enable_shared_from_this<FeedSession> {
  public:
    FeedSession(Feed& feed, std::string screen, std::optional<std::uint64_t> after)
        : m_feed(feed), m_screen(std::move(screen)), m_after(after) {}

    [[nodiscard]] const std::string& screen() const { return m_screen; }

    void on_open(std::shared_ptr<net::WebSocketChannel> channel) override {
        m_channel = std::move(channel);
        if (m_feed.m_metrics) m_feed.m_metrics->feed_sessions(+1);
        const std::uint64_t upto = m_feed.attach(shared_from_this());
        catch_up(upto);
        m_channel->send(wire(m_feed.snapshot(m_screen, upto)));
        m_last_sent = upto;
    }

    void on_text(std::string_view) override {
        // Screens only listen; what they report goes through POST /reports, which is durable.
    }

    void on_close() override {
        m_feed.detach(this);
        if (m_feed.m_metrics) m_feed.m_metrics->feed_sessions(-1);
        m_channel.reset();
    }

    // A campaign's current totals, as state after the last event sent.
    void deliver_counter(std::string campaign) {
        boost::asio::post(m_channel->executor(), [self = shared_from_this(), campaign = std::move(campaign)] {
            if (!self->m_channel) return;
            const auto counts = self->m_feed.m_totals.get(campaign, self->m_screen);
            const content::LiveEvent event{self->m_last_sent, self->m_feed.m_clock.now(),
                                           content::CounterEvent{campaign, counts.screen, counts.campaign}};
            self->m_channel->send(wire(event));
        });
    }

    // From the writer thread: hands the event to the session's strand.
    void deliver(const EmittedEvent& event) {
        const auto channel = m_channel;  // set before attach(), so never null here
        boost::asio::post(channel->executor(),
                          [self = shared_from_this(), seq = event.seq, json = event.json] {
                              if (!self->m_channel || seq <= self->m_last_sent) return;
                              self->m_channel->send(json);
                              self->m_last_sent = seq;
                          });
    }

  private:
    // The history after m_after up to `upto`, from the events table, when the table still has
    // all of it; the snapshot that follows brings the state either way.
    void catch_up(std::uint64_t upto) {
        if (!m_after || *m_after >= upto) return;
        if (upto - *m_after > m_feed.m_options.max_catch_up) {
            log()->info("screen {} missed {} events; it gets a snapshot", m_screen, upto - *m_after);
            return;
        }
        auto events = missed(*m_after, upto);
        if (!events) {
            log()->info("screen {} asked for events after {} that are no longer kept; it gets a snapshot",
                        m_screen, *m_after);
            return;
        }
        for (auto& json : *events) m_channel->send(std::make_shared<const std::string>(std::move(json)));
    }

    std::optional<std::vector<std::string>> missed(std::uint64_t after, std::uint64_t upto) {
        auto store = m_feed.m_readers.lease();
        if (!store) {
            log()->warn("screen {} resumes with a snapshot: {}", m_screen, store.error().message);
            return std::nullopt;
        }
        auto oldest = (*store)->oldest_seq(m_screen);
        if (!oldest || !*oldest || **oldest > after + 1) return std::nullopt;
        auto events = (*store)->events_between(m_screen, after, upto);
        if (!events || events->size() != upto - after) return std::nullopt;
        return std::move(*events);
    }

    Feed& m_feed;
    const std::string m_screen;
    const std::optional<std::uint64_t> m_after;
    // On the strand only.
    std::shared_ptr<net::WebSocketChannel> m_channel;
    std::uint64_t m_last_sent = 0;
};

Feed::Feed(StorePool& readers, CatalogHolder& catalog, JoinTotals& totals, const config::Clock& clock,
           Metrics* metrics, FeedOptions options)
    : m_readers(readers),
      m_catalog(catalog),
      m_totals(totals),
      m_clock(clock),
      m_metrics(metrics),
      m_options(options) {}

void Feed::set_seqs(const std::map<std::string, std::uint64_t>& seqs) {
    std::lock_guard lock(m_mutex);
    for (const auto& [screen, seq] : seqs) m_seqs[screen] = seq;
}

void Feed::publish(std::span<const EmittedEvent> events) {
    std::lock_guard lock(m_mutex);
    for (const EmittedEvent& event : events) {
        auto& last = m_seqs[event.screen];
        last = std::max(last, event.seq);
        const auto found = m_sessions.find(event.screen);
        if (found == m_sessions.end()) continue;
        for (const auto& session : found->second) session->deliver(event);
    }
}

void Feed::recounted(std::span<const std::string> campaigns) {
    std::lock_guard lock(m_mutex);
    m_recounted.insert(campaigns.begin(), campaigns.end());
}

void Feed::send_counters() {
    const auto catalog = m_catalog.get();
    const auto now = m_clock.now();
    std::lock_guard lock(m_mutex);
    for (const std::string& campaign : m_recounted) {
        const auto screens = catalog->campaign_screens.find(campaign);
        if (screens == catalog->campaign_screens.end()) continue;
        for (const std::string& screen : screens->second)
            if (m_sessions.contains(screen) && catalog->runs_at(campaign, screen, now))
                m_counters_due[screen].insert(campaign);
    }
    m_recounted.clear();
    for (auto due = m_counters_due.begin(); due != m_counters_due.end();) {
        const auto sessions = m_sessions.find(due->first);
        if (sessions == m_sessions.end()) {  // gone: its next connection starts with a snapshot
            due = m_counters_due.erase(due);
            continue;
        }
        const std::string campaign = *due->second.begin();
        due->second.erase(due->second.begin());
        for (const auto& session : sessions->second) session->deliver_counter(campaign);
        due = due->second.empty() ? m_counters_due.erase(due) : std::next(due);
    }
}

std::shared_ptr<net::WebSocketHandler> Feed::session(std::string screen, std::optional<std::uint64_t> after) {
    return std::make_shared<FeedSession>(*this, std::move(screen), after);
}

std::uint64_t Feed::attach(const std::shared_ptr<FeedSession>& session) {
    std::lock_guard lock(m_mutex);
    m_sessions[session->screen()].push_back(session);
    const auto seq = m_seqs.find(session->screen());
    return seq == m_seqs.end() ? 0 : seq->second;
}

void Feed::detach(const FeedSession* session) {
    std::lock_guard lock(m_mutex);
    const auto found = m_sessions.find(session->screen());
    if (found == m_sessions.end()) return;
    std::erase_if(found->second, [&](const auto& kept) { return kept.get() == session; });
    if (found->second.empty()) m_sessions.erase(found);
}

bool Feed::online(std::string_view screen) const {
    std::lock_guard lock(m_mutex);
    return m_sessions.contains(std::string{screen});
}

std::uint64_t Feed::last_seq(std::string_view screen) const {
    std::lock_guard lock(m_mutex);
    const auto found = m_seqs.find(std::string{screen});
    return found == m_seqs.end() ? 0 : found->second;
}

content::LiveEvent Feed::snapshot(std::string_view screen, std::uint64_t seq) const {
    const auto catalog = m_catalog.get();
    const auto now = m_clock.now();
    content::SnapshotEvent snapshot;
    for (const content::Campaign* campaign : catalog->interactive_at(screen, now)) {
        const auto counts = m_totals.get(campaign->id, screen);
        snapshot.counters.push_back(content::CounterEvent{campaign->id, counts.screen, counts.campaign});
    }
    if (const Takeover* takeover = catalog->takeover_for(screen, now))
        snapshot.takeover = content::TakeoverEvent{takeover->id, takeover->text, takeover->until};
    return content::LiveEvent{seq, now, std::move(snapshot)};
}

}  // namespace dwell::sync::hub
