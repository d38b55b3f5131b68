// Webhook and operations routes, and what the route files share.
#include "sync/hub/api.hpp"

#include <algorithm>

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>

#include "content/records.hpp"

namespace dwell::sync::hub {
namespace {

namespace http = net::http;
using config::ChannelKind;

}  // namespace

std::uint64_t code_capacity(unsigned digits) {
    std::uint64_t value = 1;
    for (unsigned i = 0; i < digits; ++i) value *= 10;
    return value;
}

Result<boost::json::value> json_body(const net::Request& request) {
    if (net::media_type(request[http::field::content_type]) != net::json_type)
        return fail(Errc::unsupported, "the request body must be application/json");
    boost::system::error_code error;
    auto json = boost::json::parse(request.body(), error);
    if (error) return fail(Errc::invalid_input, "the request body is not JSON: {}", error.message());
    return json;
}

net::Reply refuse(const Error& error) {
    return net::error_reply(error);
}

Result<void> announce_manifest(Batch& batch, const std::set<std::string>& screens) {
    for (const std::string& screen : screens) {
        if (!batch.catalog().screen(screen)) continue;
        if (auto seq = batch.emit(screen, content::ManifestEvent{}); !seq)
            return fail(std::move(seq.error()));
    }
    return {};
}

Result<std::set<std::string>> reconcile_slots(Batch& batch, Catalog& draft) {
    using Owner = std::pair<std::string, std::string>;  // (campaign, screen)
    struct Wanted {
        std::map<Owner, unsigned> owners;  // → digits
    };
    std::map<std::string, Wanted, std::less<>> wanted;
    for (const auto& [id, campaign] : draft.campaigns) {
        if (!campaign.join) continue;
        const auto screens = draft.targeted_screens(campaign.targets);
        for (const std::string& channel : campaign.join->channels) {
            if (!draft.slots.contains(channel)) continue;  // a channel no longer configured
            for (const std::string& screen : screens)
                wanted[channel].owners.emplace(Owner{id, screen}, campaign.join->code.digits);
        }
    }
    // Check every space before writing anything.
    for (const auto& [channel, want] : wanted) {
        std::map<unsigned, std::uint64_t> per_digits;
        for (const auto& [owner, digits] : want.owners) ++per_digits[digits];
        for (const auto& [digits, count] : per_digits) {
            const std::uint64_t limit = code_capacity(digits) / 100;
            if (count > limit)
                return fail(
                    Errc::conflict,
                    "channel {} would need {} join slots with {}-digit codes, more than the {} (1% of "
                    "10^{}) that keep a guessed code below a 1% chance; use more digits or target fewer "
                    "screens",
                    channel, count, digits, limit, digits);
        }
    }

    // ... and that every new owner finds a slot: a refused job must not have written anything.
    for (const auto& [channel, slots] : draft.slots) {
        const auto found = wanted.find(channel);
        if (found == wanted.end()) continue;
        std::set<std::uint64_t> taken;
        for (const auto& [owner, slot] : slots.by_owner)
            if (found->second.owners.contains(owner)) taken.insert(slot);
        std::uint64_t candidate = 0;
        for (const auto& [owner, digits] : found->second.owners) {
            if (slots.by_owner.contains(owner)) continue;
            while (taken.contains(candidate)) ++candidate;
            if (candidate >= code_capacity(digits))
                return fail(Errc::conflict,
                            "channel {} has no free join slot left for {}-digit codes (campaign {} at screen "
                            "{}); give the campaign more digits",
                            channel, digits, owner.first, owner.second);
            taken.insert(candidate);
        }
    }

    std::set<std::string> changed;
    for (auto& [channel, slots] : draft.slots) {
        const auto found = wanted.find(channel);
        const std::map<Owner, unsigned> none;
        const auto& owners = found == wanted.end() ? none : found->second.owners;
        for (auto it = slots.by_owner.begin(); it != slots.by_owner.end();) {
            if (owners.contains(it->first)) {
                ++it;
                continue;
            }
            if (auto done = batch.store().delete_slot(channel, it->second); !done)
                return fail(std::move(done.error()));
            changed.insert(it->first.second);
            slots.by_slot.erase(it->second);
            it = slots.by_owner.erase(it);
        }
        std::uint64_t candidate = 0;
        for (const auto& [owner, digits] : owners) {
            if (slots.by_owner.contains(owner)) continue;
            while (slots.by_slot.contains(candidate)) ++candidate;
            if (candidate >= code_capacity(digits))
                return fail(Errc::internal, "channel {} has no free slot below 10^{}", channel, digits);
            SlotRow row{channel, candidate, owner.first, owner.second};
            if (auto done = batch.store().insert_slot(row); !done) return fail(std::move(done.error()));
            slots.by_slot.emplace(candidate, SlotOwner{owner.first, owner.second});
            slots.by_owner.emplace(owner, candidate);
            changed.insert(owner.second);
        }
    }
    return changed;
}

void add_routes(net::Router& router, HubContext& hub) {
    const auto webhook = [&](ChannelKind kind) {
        return [&hub, kind](net::Exchange& exchange) -> boost::asio::awaitable<net::Reply> {
            const std::optional<std::string_view> secret =
                exchange.params.size() > 1 ? std::optional<std::string_view>{exchange.params[1]}
                                           : std::nullopt;
            return hub.webhooks.receive(kind, exchange.params[0], secret, exchange);
        };
    };
    for (const ChannelKind kind : {ChannelKind::line, ChannelKind::telegram, ChannelKind::whatsapp,
                                   ChannelKind::generic, ChannelKind::kakao}) {
        const std::string name{config::to_string(kind)};
        router.add(http::verb::post, "/v1/webhooks/" + name + "/{channel}",
                   net::Route{"webhooks." + name, net::BufferedHandler{webhook(kind)}, {}});
    }
    // Kakao's skill URL carries the channel's path secret; without it the route above answers 401.
    router.add(http::verb::post, "/v1/webhooks/kakao/{channel}/{secret}",
               net::Route{"webhooks.kakao", net::BufferedHandler{webhook(ChannelKind::kakao)}, {}});
    router.add(http::verb::get, "/v1/webhooks/whatsapp/{channel}",
               net::Route{"webhooks.whatsapp.verify",
                          net::BufferedHandler{[&hub](net::Exchange& exchange) {
                              return net::ready(hub.webhooks.handshake(exchange.params[0], exchange));
                          }},
                          {}});

    router.add(
        http::verb::get, "/healthz",
        net::Route{"healthz",
                   net::BufferedHandler{[&hub](net::Exchange&) {
                       boost::json::object body{{"status", "ok"},
                                                {"writer_queue", hub.writer.queued()},
                                                {"time", content::format_rfc3339(hub.clock.now())}};
                       const auto broken = hub.writer.broken();
                       if (broken) {
                           body["status"] = "failing";
                           body["problem"] = broken->message;
                       }
                       return net::ready(net::json_reply(
                           broken ? http::status::service_unavailable : http::status::ok, std::move(body)));
                   }},
                   {}});
    router.add(http::verb::get, "/metrics",
               net::Route{"metrics",
                          net::BufferedHandler{[&hub](net::Exchange&) {
                              return net::ready(net::text_reply(http::status::ok, hub.metrics.render(),
                                                                "text/plain; version=0.0.4; charset=utf-8"));
                          }},
                          {}});

    add_device_routes(router, hub);
    add_catalog_routes(router, hub);
    add_report_routes(router, hub);
    add_screenshot_routes(router, hub);
}

}  // namespace dwell::sync::hub
