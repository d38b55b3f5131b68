// Messenger webhooks in: verify the raw body, read its messages, turn join codes into
// participations attributed to the screen that showed them, commit, and only then answer.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "config/clock.hpp"
#include "config/hub_config.hpp"
#include "sync/hub/catalog.hpp"
#include "sync/hub/writer.hpp"
#include "sync/messenger/names.hpp"
#include "sync/messenger/signature.hpp"
#include "sync/messenger/webhook.hpp"
#include "sync/net/router.hpp"

namespace dwell::sync::hub {

class Metrics;

// What became of one message.
enum class Outcome {
    joined,        // a new participation, committed
    repeat,        // a valid code from someone who already joined the campaign
    duplicate,     // the platform sent this event before
    wrong_code,    // code-shaped but not valid at any screen now (or just before)
    not_a_join,    // text that is not a join message
    rate_limited,  // the sender sent too many wrong codes lately and is ignored for a while
};
std::string_view to_string(Outcome outcome);

// A person who sends `max_wrong` wrong codes within `window` is ignored for `block` (DESIGN §4).
// Thread-safe; memory is bounded by sweeping people with nothing recent.
class WrongCodeLimiter {
  public:
    struct Options {
        std::size_t max_wrong = 5;
        config::Duration window = std::chrono::minutes{10};
        config::Duration block = std::chrono::minutes{10};
    };
    WrongCodeLimiter() = default;
    explicit WrongCodeLimiter(Options options) : m_options(options) {}

    [[nodiscard]] bool blocked(const std::string& person, config::WallTime now) const;
    void record_wrong(const std::string& person, config::WallTime now);
    // Takes back a wrong code recorded at `at` that did not count after all (a replayed event, a
    // webhook that could not be stored and will come again). A block already in force stays.
    void forgive(const std::string& person, config::WallTime at);
    // Forgets people with no wrong code in the window and no block in force.
    void sweep(config::WallTime now);
    [[nodiscard]] std::size_t tracked() const;

  private:
    struct Entry {
        std::vector<config::WallTime> wrong;  // within the window, oldest first
        std::optional<config::WallTime> blocked_until;
    };
    Options m_options;
    mutable std::mutex m_mutex;  // guards m_people
    std::unordered_map<std::string, Entry> m_people;
};

// Texts for platforms that take a reply in the webhook response (Kakao, Telegram).
struct ReplyTexts {
    std::string joined = "참여 완료! You're in.";  // when the campaign sets no reply of its own
    std::string wrong_code =
        "코드가 맞지 않아요. 화면의 코드를 보내 주세요. That code is not valid now; send the code on the "
        "screen.";
    std::string not_a_join = "화면의 참여 코드를 보내 주세요. Send the code on the screen to join.";
    std::string rate_limited = "잠시 후 다시 시도해 주세요. Too many wrong codes; try again in 10 minutes.";
};

struct WebhookOptions {
    // How long a platform's event id is kept for dedupe: beyond the platforms' retry windows.
    config::Duration platform_id_retention = std::chrono::days{8};
    // Kakao ids are digests of sender and text; kept only as long as a code lives.
    config::Duration content_id_retention = std::chrono::minutes{10};
    // A platform's own send time is trusted within this much before or after the hub's clock.
    config::Duration accept_platform_time_before = std::chrono::hours{24};
    config::Duration accept_platform_time_after = std::chrono::minutes{5};
    ReplyTexts replies;
};

class WebhookService {
  public:
    // Reads every channel's secret (and WhatsApp verify token) from its file.
    static Result<std::unique_ptr<WebhookService>> create(const config::HubConfig& config,
                                                          std::string_view pepper, Writer& writer,
                                                          CatalogHolder& catalog, const config::Clock& clock,
                                                          Metrics* metrics, WebhookOptions options = {});

    // POST /v1/webhooks/{kind}/{channel}[/{path secret}]
    boost::asio::awaitable<net::Reply> receive(config::ChannelKind kind, std::string_view channel,
                                               std::optional<std::string_view> path_secret,
                                               net::Exchange& exchange);
    // GET /v1/webhooks/whatsapp/{channel}: the subscription handshake.
    net::Reply handshake(std::string_view channel, const net::Exchange& exchange);

    WrongCodeLimiter& limiter() { return m_limiter; }

    // One message after attribution, before it is committed.
    struct Attempt {
        std::string event_id;
        messenger::EventIdOrigin origin = messenger::EventIdOrigin::platform;
        std::string person;
        std::string name;  // masked
        config::WallTime at{};
        std::optional<std::int64_t> chat_id;
        Outcome planned = Outcome::not_a_join;  // joined for an attributed code
        std::optional<Attribution> attribution;
    };

    // A message after its batch committed.
    struct Settled {
        Outcome outcome = Outcome::not_a_join;
        std::uint64_t screen_count = 0;
        std::uint64_t campaign_count = 0;
    };

  private:
    struct Channel {
        config::ChannelConfig config;
        messenger::WebhookVerifier verifier;
        std::string path_secret;                  // Kakao
        std::optional<std::string> verify_token;  // WhatsApp
    };

    WebhookService(std::map<std::string, Channel, std::less<>> channels, messenger::PersonIds people,
                   Writer& writer, CatalogHolder& catalog, const config::Clock& clock, Metrics* metrics,
                   WebhookOptions options);

    // Wrong codes count against their sender at once, so guesses in one body, or in webhooks
    // waiting for the same commit, meet the limit as they would one by one.
    std::vector<Attempt> attribute(const Channel& channel, const messenger::WebhookBatch& batch,
                                   config::WallTime now);
    net::Reply reply(const Channel& channel, const std::vector<Attempt>& attempts,
                     const std::vector<Settled>& settled, const Catalog& catalog) const;
    const Channel* find(config::ChannelKind kind, std::string_view id) const;

    std::map<std::string, Channel, std::less<>> m_channels;
    messenger::PersonIds m_people;
    Writer& m_writer;
    CatalogHolder& m_catalog;
    const config::Clock& m_clock;
    Metrics* m_metrics;
    WebhookOptions m_options;
    WrongCodeLimiter m_limiter;
};

}  // namespace dwell::sync::hub
