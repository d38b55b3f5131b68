#include "sync/hub/webhooks.hpp"

#include <algorithm>

#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/object.hpp>

#include "config/log.hpp"
#include "content/join_message.hpp"
#include "sync/hub/metrics.hpp"
#include "sync/messenger/reply.hpp"

namespace dwell::sync::hub {
namespace {

namespace http = net::http;
using config::ChannelKind;

std::shared_ptr<spdlog::logger> log() {
    static const auto logger = config::logger("hub");
    return logger;
}

net::Reply json_ok(boost::json::value body) {
    return net::json_reply(http::status::ok, body);
}

// A code counts only while its campaign was on the screen's schedule: at the time it was sent, or
// when the step it belongs to began (a code shown just before the campaign ended is still good).
bool shown_then(const Catalog& catalog, const Attribution& found, config::WallTime at) {
    if (catalog.runs_at(found.campaign, found.screen, at)) return true;
    const content::Campaign* campaign = catalog.campaign(found.campaign);
    if (!campaign || !campaign->join) return false;
    const auto period = campaign->join->code.period;
    const auto step_began =
        config::WallTime{config::Duration{static_cast<std::int64_t>(found.step) * period.count()}};
    return catalog.runs_at(found.campaign, found.screen, step_began);
}

}  // namespace

std::string_view to_string(Outcome outcome) {
    switch (outcome) {
    case Outcome::joined: return "joined";
    case Outcome::repeat: return "repeat";
    case Outcome::duplicate: return "duplicate";
    case Outcome::wrong_code: return "wrong_code";
    case Outcome::not_a_join: return "not_a_join";
    case Outcome::rate_limited: return "rate_limited";
    }
    return "unknown";
}

// ---- WrongCodeLimiter ----------------------------------------------------------------------

bool WrongCodeLimiter::blocked(const std::string& person, config::WallTime now) const {
    std::lock_guard lock(m_mutex);
    const auto found = m_people.find(person);
    return found != m_people.end() && found->second.blocked_until && *found->second.blocked_until > now;
}

void WrongCodeLimiter::record_wrong(const std::string& person, config::WallTime now) {
    std::lock_guard lock(m_mutex);
    Entry& entry = m_people[person];
    std::erase_if(entry.wrong, [&](config::WallTime at) { return at <= now - m_options.window; });
    entry.wrong.push_back(now);
    if (entry.wrong.size() >= m_options.max_wrong) {
        entry.blocked_until = now + m_options.block;
        entry.wrong.clear();
    }
}

void WrongCodeLimiter::forgive(const std::string& person, config::WallTime at) {
    std::lock_guard lock(m_mutex);
    const auto found = m_people.find(person);
    if (found == m_people.end()) return;
    auto& wrong = found->second.wrong;
    if (const auto recorded = std::find(wrong.rbegin(), wrong.rend(), at); recorded != wrong.rend())
        wrong.erase(std::next(recorded).base());
}

void WrongCodeLimiter::sweep(config::WallTime now) {
    std::lock_guard lock(m_mutex);
    std::erase_if(m_people, [&](const auto& item) {
        const Entry& entry = item.second;
        const bool recent = !entry.wrong.empty() && entry.wrong.back() > now - m_options.window;
        const bool blocking = entry.blocked_until && *entry.blocked_until > now;
        return !recent && !blocking;
    });
}

std::size_t WrongCodeLimiter::tracked() const {
    std::lock_guard lock(m_mutex);
    return m_people.size();
}

// ---- WebhookService ------------------------------------------------------------------------

WebhookService::WebhookService(std::map<std::string, Channel, std::less<>> channels,
                               messenger::PersonIds people, Writer& writer, CatalogHolder& catalog,
                               const config::Clock& clock, Metrics* metrics, WebhookOptions options)
    : m_channels(std::move(channels)),
      m_people(std::move(people)),
      m_writer(writer),
      m_catalog(catalog),
      m_clock(clock),
      m_metrics(metrics),
      m_options(std::move(options)) {}

Result<std::unique_ptr<WebhookService>> WebhookService::create(const config::HubConfig& config,
                                                               std::string_view pepper, Writer& writer,
                                                               CatalogHolder& catalog,
                                                               const config::Clock& clock, Metrics* metrics,
                                                               WebhookOptions options) {
    std::map<std::string, Channel, std::less<>> channels;
    for (const config::ChannelConfig& channel : config.channels) {
        auto secret = messenger::read_secret_file(channel.secret_file);
        if (!secret)
            return fail(std::move(secret.error()).with_context(fmt::format("channel {}", channel.id)));
        std::optional<std::string> verify_token;
        if (channel.verify_token_file) {
            auto token = messenger::read_secret_file(*channel.verify_token_file);
            if (!token)
                return fail(std::move(token.error()).with_context(fmt::format("channel {}", channel.id)));
            verify_token = std::move(*token);
        }
        auto verifier = messenger::WebhookVerifier::create(channel.kind, *secret);
        if (!verifier) return fail(std::move(verifier.error()));
        channels.emplace(channel.id, Channel{channel, std::move(*verifier),
                                             channel.kind == ChannelKind::kakao ? *secret : std::string{},
                                             std::move(verify_token)});
    }
    auto people = messenger::PersonIds::create(pepper);
    if (!people) return fail(std::move(people.error()));
    return std::unique_ptr<WebhookService>{new WebhookService(std::move(channels), std::move(*people), writer,
                                                              catalog, clock, metrics, std::move(options))};
}

const WebhookService::Channel* WebhookService::find(ChannelKind kind, std::string_view id) const {
    const auto found = m_channels.find(id);
    if (found == m_channels.end() || found->second.config.kind != kind) return nullptr;
    return &found->second;
}

std::vector<WebhookService::Attempt> WebhookService::attribute(const Channel& channel,
                                                               const messenger::WebhookBatch& batch,
                                                               config::WallTime now) {
    const auto catalog = m_catalog.get();
    const auto codes = catalog->codes.find(channel.config.id);
    std::vector<Attempt> attempts;
    attempts.reserve(batch.messages.size());
    for (const messenger::InboundMessage& message : batch.messages) {
        Attempt attempt;
        attempt.event_id = message.event_id;
        attempt.origin = message.event_id_origin;
        attempt.person = m_people.id(channel.config.id, message.user_id);
        attempt.name =
            message.display_name ? messenger::mask_display_name(*message.display_name) : std::string{};
        attempt.chat_id = message.chat_id;
        // The platform's send time, when it is plausible: a delivery that was delayed still
        // counts for the code that was on screen when the person sent it.
        attempt.at = now;
        if (message.at && *message.at >= now - m_options.accept_platform_time_before &&
            *message.at <= now + m_options.accept_platform_time_after)
            attempt.at = *message.at;

        if (m_limiter.blocked(attempt.person, now)) {
            attempt.planned = Outcome::rate_limited;
        } else if (codes != catalog->codes.end()) {
            std::optional<std::string> code;
            for (const unsigned digits : codes->second->digit_counts()) {
                code = content::parse_join_message(message.text, digits);
                if (code) break;
            }
            if (!code) {
                attempt.planned = Outcome::not_a_join;
            } else if (auto found = codes->second->resolve(*code, attempt.at);
                       found && shown_then(*catalog, *found, attempt.at)) {
                attempt.planned = Outcome::joined;
                attempt.attribution = std::move(*found);
            } else {
                attempt.planned = Outcome::wrong_code;
            }
        } else {
            // No campaign offers this channel: nothing can be a join, but a code-shaped text is
            // still a wrong code, so guessing meets the rate limit here too.
            bool code_shaped = false;
            for (unsigned digits = content::JoinCodeSpace::min_digits;
                 digits <= content::JoinCodeSpace::max_digits && !code_shaped; ++digits)
                code_shaped = content::parse_join_message(message.text, digits).has_value();
            attempt.planned = code_shaped ? Outcome::wrong_code : Outcome::not_a_join;
        }
        if (attempt.planned == Outcome::wrong_code) m_limiter.record_wrong(attempt.person, now);
        attempts.push_back(std::move(attempt));
    }
    return attempts;
}

boost::asio::awaitable<net::Reply> WebhookService::receive(ChannelKind kind, std::string_view channel_id,
                                                           std::optional<std::string_view> path_secret,
                                                           net::Exchange& exchange) {
    // Only configured channels become metric labels: a label per made-up URL would let anyone
    // grow /metrics without bound.
    const std::string metric_channel = m_channels.contains(channel_id) ? std::string{channel_id} : "unknown";
    const auto refuse = [&](std::string_view result, http::status status, std::string_view code,
                            std::string message) -> net::Reply {
        if (m_metrics) m_metrics->webhook(metric_channel, result);
        return net::error_reply(status, code, message);
    };
    const Channel* channel = find(kind, channel_id);
    if (!channel)
        co_return refuse("unknown_channel", http::status::not_found, "not_found",
                         fmt::format("no {} channel named \"{}\" is configured on this hub",
                                     config::to_string(kind), channel_id.substr(0, 64)));
    const net::Request& request = exchange.request;

    // Authenticity before anything is read from the body.
    Result<void> verified;
    if (kind == ChannelKind::kakao) {
        verified = messenger::verify_path_secret(channel->path_secret, path_secret.value_or(""));
    } else {
        messenger::Headers headers;
        for (const auto& field : request)
            headers.add(std::string{field.name_string()}, std::string{field.value()});
        verified = channel->verifier.verify(headers, request.body());
    }
    if (!verified)
        co_return refuse("bad_signature", http::status::unauthorized, "unauthorized",
                         verified.error().message);

    if (net::media_type(request[http::field::content_type]) != net::json_type)
        co_return refuse("wrong_content_type", http::status::unsupported_media_type, "unsupported_media_type",
                         "a webhook body must be application/json");
    auto batch = messenger::parse_webhook(kind, request.body());
    if (!batch)
        co_return refuse("malformed", http::status::bad_request, "invalid_input", batch.error().message);
    if (!batch->problems.empty())
        log()->warn("channel {}: {} events skipped: {}", channel_id, batch->problems.size(),
                    batch->problems.front());

    const auto now = m_clock.now();
    std::vector<Attempt> attempts = attribute(*channel, *batch, now);
    std::vector<Settled> settled(attempts.size());
    if (!attempts.empty()) {
        const std::string channel_name = channel->config.id;
        const WebhookOptions& options = m_options;
        auto committed_work = [&attempts, channel_name,
                               &options](Batch& batch_) -> dwell::Result<std::vector<Settled>> {
            std::vector<Settled> out(attempts.size());
            for (std::size_t i = 0; i < attempts.size(); ++i) {
                const Attempt& attempt = attempts[i];
                const auto keep = attempt.origin == messenger::EventIdOrigin::content
                                      ? options.content_id_retention
                                      : options.platform_id_retention;
                auto fresh =
                    batch_.store().insert_webhook_event(channel_name, attempt.event_id, batch_.now(),
                                                        batch_.now() + keep, to_string(attempt.planned));
                if (!fresh) return fail(std::move(fresh.error()));
                if (!*fresh) {
                    out[i].outcome = Outcome::duplicate;
                    continue;
                }
                out[i].outcome = attempt.planned;
                if (attempt.planned != Outcome::joined) continue;
                const Attribution& where = *attempt.attribution;
                // The campaign may have been deleted since the code was read.
                const content::Campaign* campaign = batch_.catalog().campaign(where.campaign);
                if (!campaign || !batch_.catalog().screen(where.screen)) {
                    out[i].outcome = Outcome::wrong_code;
                    continue;
                }
                auto added = batch_.store().insert_join(JoinRow{where.campaign, attempt.person, where.screen,
                                                                channel_name, attempt.event_id, attempt.at});
                if (!added) return fail(std::move(added.error()));
                if (!*added) {
                    out[i].outcome = Outcome::repeat;
                    continue;
                }
                const auto [at_screen, total] = batch_.count_join(where.campaign, where.screen);
                out[i].screen_count = at_screen;
                out[i].campaign_count = total;
                auto seq = batch_.emit(where.screen, content::JoinEvent{where.campaign, attempt.name,
                                                                        channel_name, at_screen, total});
                if (!seq) return fail(std::move(seq.error()));
            }
            return out;
        };
        auto committed =
            co_await m_writer.perform<std::vector<Settled>>(committed_work, boost::asio::use_awaitable);
        if (!committed) {
            log()->warn("channel {}: a webhook could not be committed: {}", channel_id,
                        committed.error().message);
            for (const Attempt& attempt : attempts)  // they count when the platform sends them again
                if (attempt.planned == Outcome::wrong_code) m_limiter.forgive(attempt.person, now);
            auto unavailable = refuse("unavailable", http::status::service_unavailable, "unavailable",
                                      "the hub cannot store joins right now; send this webhook again");
            std::get<net::StringResponse>(unavailable).set(http::field::retry_after, "1");
            co_return unavailable;
        }
        settled = std::move(*committed);
    }

    for (std::size_t i = 0; i < attempts.size(); ++i) {
        // attribute() counted the wrong codes it saw; the commit can change what a message was.
        const bool counted = attempts[i].planned == Outcome::wrong_code;
        if (counted && settled[i].outcome != Outcome::wrong_code) m_limiter.forgive(attempts[i].person, now);
        if (!counted && settled[i].outcome == Outcome::wrong_code)
            m_limiter.record_wrong(attempts[i].person, now);
        if (m_metrics) m_metrics->message(metric_channel, to_string(settled[i].outcome));
    }
    if (m_metrics) {
        m_metrics->webhook(metric_channel, "accepted");
        for (std::size_t i = 0; i < batch->ignored; ++i) m_metrics->message(metric_channel, "ignored");
    }
    co_return reply(*channel, attempts, settled, *m_catalog.get());
}

net::Reply WebhookService::reply(const Channel& channel, const std::vector<Attempt>& attempts,
                                 const std::vector<Settled>& settled, const Catalog& catalog) const {
    // The text a person gets back, where the platform takes one in the response.
    const auto text_for = [&](std::size_t i) -> std::string {
        const Outcome outcome =
            settled[i].outcome == Outcome::duplicate ? attempts[i].planned : settled[i].outcome;
        switch (outcome) {
        case Outcome::joined:
        case Outcome::repeat: {
            const content::Campaign* campaign =
                attempts[i].attribution ? catalog.campaign(attempts[i].attribution->campaign) : nullptr;
            if (campaign && campaign->join && !campaign->join->reply.empty()) return campaign->join->reply;
            return m_options.replies.joined;
        }
        case Outcome::wrong_code: return m_options.replies.wrong_code;
        case Outcome::rate_limited: return m_options.replies.rate_limited;
        default: return m_options.replies.not_a_join;
        }
    };
    if (channel.config.kind == ChannelKind::kakao) {
        // Kakao shows exactly what the skill answers; a request carries one utterance.
        const std::string text = attempts.empty() ? m_options.replies.not_a_join : text_for(0);
        return net::text_reply(http::status::ok, messenger::kakao_skill_reply(text), net::json_type);
    }
    if (channel.config.kind == ChannelKind::telegram && !attempts.empty() && attempts[0].chat_id)
        return net::text_reply(http::status::ok, messenger::telegram_reply(*attempts[0].chat_id, text_for(0)),
                               net::json_type);
    boost::json::array results;
    for (std::size_t i = 0; i < attempts.size(); ++i) {
        boost::json::object result{{"event_id", attempts[i].event_id},
                                   {"outcome", to_string(settled[i].outcome)}};
        if (attempts[i].attribution &&
            (settled[i].outcome == Outcome::joined || settled[i].outcome == Outcome::repeat)) {
            result["campaign"] = attempts[i].attribution->campaign;
            result["screen"] = attempts[i].attribution->screen;
        }
        results.push_back(std::move(result));
    }
    return json_ok(boost::json::object{{"received", attempts.size()}, {"results", std::move(results)}});
}

net::Reply WebhookService::handshake(std::string_view channel_id, const net::Exchange& exchange) {
    const Channel* channel = find(ChannelKind::whatsapp, channel_id);
    if (!channel)
        return net::error_reply(http::status::not_found, "not_found",
                                fmt::format("no whatsapp channel named \"{}\" is configured on this hub",
                                            channel_id.substr(0, 64)));
    auto challenge = messenger::whatsapp_handshake(exchange.query, channel->verify_token.value_or(""));
    if (!challenge) {
        const auto status = challenge.error().code == Errc::unauthorized ? http::status::forbidden
                                                                         : http::status::bad_request;
        return net::error_reply(status,
                                challenge.error().code == Errc::unauthorized ? "forbidden" : "invalid_input",
                                challenge.error().message);
    }
    return net::text_reply(http::status::ok, std::move(*challenge));
}

}  // namespace dwell::sync::hub
