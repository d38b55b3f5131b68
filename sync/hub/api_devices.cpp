// Routes screens use: enrollment, the manifest, asset downloads, the live feed, and reports.
#include <charconv>

#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "content/asset_cache.hpp"
#include "content/records.hpp"
#include "sync/hub/api.hpp"
#include "sync/net/range.hpp"

namespace dwell::sync::hub {
namespace {

namespace http = net::http;
namespace json = boost::json;
using boost::asio::awaitable;
using boost::asio::use_awaitable;

std::string_view content_type_of(content::MediaKind kind, std::string_view codec) {
    if (kind == content::MediaKind::image) {
        if (codec == "png") return "image/png";
        if (codec == "mjpeg") return "image/jpeg";
        if (codec == "webp") return "image/webp";
        if (codec == "gif") return "image/gif";
    }
    return "application/octet-stream";
}

awaitable<net::Reply> enroll(HubContext& hub, net::Exchange& exchange) {
    auto body = json_body(exchange.request);
    if (!body) co_return refuse(body.error());
    const auto* object = body->if_object();
    const auto* code = object ? object->if_contains("code") : nullptr;
    if (!code || !code->is_string() || code->as_string().empty() || code->as_string().size() > 64)
        co_return net::error_reply(
            http::status::bad_request, "invalid_input",
            "expected {\"code\": \"XXXX-XXXX-XXXX-XXXX\"}, the enrollment code the operator got "
            "when adding the screen");
    const std::string hash = credential_hash(normalize_enrollment_code(code->as_string()));
    auto token = new_token();
    if (!token) co_return refuse(token.error());
    struct Enrolled {
        std::string screen;
    };
    auto enrolled_work = [&hash, &token](Batch& batch) -> Result<Enrolled> {
        auto screen = batch.store().take_enrollment_code(hash, batch.now());
        if (!screen) return fail(std::move(screen.error()));
        if (!*screen)
            return fail(
                Errc::unauthorized,
                "the enrollment code is wrong, already used or expired; ask an operator for a new one "
                "(dwellctl screen add or POST /v1/screens/{{id}}/enrollment)");
        // A box that enrolls again replaces the old one: the old token stops working.
        if (auto done = batch.store().delete_device_tokens(**screen); !done)
            return fail(std::move(done.error()));
        if (auto done = batch.store().insert_device_token(credential_hash(*token), **screen, batch.now());
            !done)
            return fail(std::move(done.error()));
        return Enrolled{std::move(**screen)};
    };
    auto enrolled = co_await hub.writer.perform<Enrolled>(enrolled_work, use_awaitable);
    if (!enrolled) co_return refuse(enrolled.error());
    hub.auth.forget_screen(enrolled->screen);
    co_return net::json_reply(http::status::ok,
                              json::object{{"screen", enrolled->screen}, {"token", *token}});
}

net::Reply manifest(HubContext& hub, net::Exchange& exchange) {
    const std::string& screen = exchange.params[0];
    if (auto refusal = hub.auth.require_device(exchange.request, screen)) return std::move(*refusal);
    const auto now = hub.clock.now();
    auto built = build_manifest(*hub.catalog.get(), hub.config, screen, now, hub.options.manifest_horizon);
    if (!built)
        return net::error_reply(http::status::not_found, "not_found", "this screen is no longer registered");
    const std::string etag = manifest_etag(*built);
    if (exchange.request[http::field::if_none_match] == etag) {
        net::StringResponse unchanged{http::status::not_modified, 11};
        unchanged.set(http::field::etag, etag);
        return unchanged;
    }
    auto reply = net::text_reply(http::status::ok, content::manifest_to_json_text(*built), net::json_type);
    reply.set(http::field::etag, etag);
    reply.set(http::field::cache_control, "no-cache");
    return reply;
}

net::Reply asset(HubContext& hub, net::Exchange& exchange) {
    if (auto refusal = hub.auth.require_device_or_api(exchange.request)) return std::move(*refusal);
    const std::string& sha256 = exchange.params[0];
    if (!content::is_sha256_hex(sha256))
        return net::error_reply(http::status::bad_request, "invalid_input",
                                "assets are named by their SHA-256 as 64 lowercase hex digits");
    const auto catalog = hub.catalog.get();
    const auto found = catalog->assets.find(sha256);
    if (found == catalog->assets.end())
        return net::error_reply(http::status::not_found, "not_found", "the hub has no asset " + sha256);
    const std::filesystem::path file = hub.config.asset_dir / sha256;
    boost::beast::error_code error;
    net::FileRangeBody::value_type body;
    body.file.open(file.c_str(), boost::beast::file_mode::read, error);
    if (error)
        return refuse(
            Error{Errc::io, fmt::format("cannot open asset {}: {}", file.string(), error.message())});
    const std::uint64_t size = body.file.size(error);
    if (error) return refuse(Error{Errc::io, fmt::format("cannot size asset {}", file.string())});

    const auto range = net::parse_range(exchange.request[http::field::range], size);
    if (range.kind == net::RangeKind::unsatisfiable) {
        auto reply = net::error_reply(http::status::range_not_satisfiable, "range_not_satisfiable",
                                      fmt::format("the asset has {} bytes", size));
        reply.set(http::field::content_range, fmt::format("bytes */{}", size));
        return reply;
    }
    const bool partial = range.kind == net::RangeKind::partial;
    body.offset = partial ? range.range.offset : 0;
    body.length = partial ? range.range.length : size;
    net::FileResponse reply{partial ? http::status::partial_content : http::status::ok, 11};
    reply.set(http::field::content_type, content_type_of(found->second.kind, found->second.codec));
    reply.set(http::field::accept_ranges, "bytes");
    reply.set(http::field::etag, "\"" + sha256 + "\"");
    reply.set(http::field::cache_control, "public, max-age=31536000, immutable");
    if (partial)
        reply.set(http::field::content_range,
                  fmt::format("bytes {}-{}/{}", body.offset, body.offset + body.length - 1, size));
    reply.body() = std::move(body);
    reply.prepare_payload();
    return reply;
}

net::Upgrade feed(HubContext& hub, net::Exchange& exchange) {
    const std::string& screen = exchange.params[0];
    if (auto refusal = hub.auth.require_device(exchange.request, screen))
        return net::Upgrade{nullptr, std::move(refusal)};
    std::optional<std::uint64_t> after;
    bool repeated = false;
    if (const auto text = exchange.query_value("after", &repeated)) {
        std::uint64_t value = 0;
        const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
        if (repeated || ec != std::errc{} || end != text->data() + text->size())
            return net::Upgrade{nullptr,
                                net::error_reply(http::status::bad_request, "invalid_input",
                                                 "after must be one whole number: the last seq received")};
        after = value;
    }
    if (!hub.catalog.get()->screen(screen))
        return net::Upgrade{nullptr, net::error_reply(http::status::not_found, "not_found",
                                                      "this screen is no longer registered")};
    return net::Upgrade{hub.feed.session(screen, after), std::nullopt};
}

awaitable<net::Reply> reports(HubContext& hub, net::Exchange& exchange) {
    const std::string& screen = exchange.params[0];
    if (auto refusal = hub.auth.require_device(exchange.request, screen)) co_return std::move(*refusal);
    if (net::media_type(exchange.request[http::field::content_type]) != net::json_type)
        co_return net::error_reply(http::status::unsupported_media_type, "unsupported_media_type",
                                   "reports must be application/json");
    auto records = content::records_from_json_body(exchange.request.body());
    if (!records) co_return refuse(records.error());
    if (records->size() > hub.options.max_records_per_report)
        co_return net::error_reply(http::status::payload_too_large, "payload_too_large",
                                   fmt::format("at most {} records per report; send the rest in the next one",
                                               hub.options.max_records_per_report));
    for (std::size_t i = 0; i < records->size(); ++i)
        if ((*records)[i].screen != screen)
            co_return net::error_reply(
                http::status::bad_request, "invalid_input",
                fmt::format("records[{}].screen is \"{}\", but this is screen {}'s report", i,
                            (*records)[i].screen.substr(0, 64), screen));
    struct Counts {
        std::uint64_t accepted = 0;
        std::uint64_t duplicates = 0;
    };
    auto stored_work = [&records, &screen](Batch& batch) -> Result<Counts> {
        Counts counts;
        std::optional<std::string> health;
        for (const content::Record& record : *records) {
            const std::string json = json::serialize(content::to_json(record));
            auto fresh = batch.store().insert_record(record, json);
            if (!fresh) return fail(std::move(fresh.error()));
            ++(*fresh ? counts.accepted : counts.duplicates);
            if (std::holds_alternative<content::HealthRecord>(record.body)) health = json;
        }
        if (auto done = batch.store().set_screen_status(screen, batch.now(), health); !done)
            return fail(std::move(done.error()));
        return counts;
    };
    auto stored = co_await hub.writer.perform<Counts>(stored_work, use_awaitable);
    if (!stored) co_return refuse(stored.error());
    hub.metrics.records(stored->accepted, stored->duplicates);
    co_return net::json_reply(
        http::status::ok, json::object{{"accepted", stored->accepted}, {"duplicates", stored->duplicates}});
}

}  // namespace

void add_device_routes(net::Router& router, HubContext& hub) {
    router.add(
        http::verb::post, "/v1/devices/enroll",
        net::Route{"devices.enroll",
                   net::BufferedHandler{[&hub](net::Exchange& exchange) { return enroll(hub, exchange); }},
                   {}});
    router.add(http::verb::get, "/v1/devices/{id}/manifest",
               net::Route{"devices.manifest",
                          net::BufferedHandler{[&hub](net::Exchange& exchange) {
                              return net::ready(manifest(hub, exchange));
                          }},
                          {}});
    router.add(
        http::verb::get, "/v1/devices/{id}/feed",
        net::Route{"devices.feed",
                   net::UpgradeHandler{[&hub](net::Exchange& exchange) { return feed(hub, exchange); }},
                   {}});
    router.add(
        http::verb::post, "/v1/devices/{id}/reports",
        net::Route{"devices.reports",
                   net::BufferedHandler{[&hub](net::Exchange& exchange) { return reports(hub, exchange); }},
                   {}});
    router.add(http::verb::get, "/v1/assets/{sha256}",
               net::Route{"assets.get",
                          net::BufferedHandler{
                              [&hub](net::Exchange& exchange) { return net::ready(asset(hub, exchange)); }},
                          {}});
}

}  // namespace dwell::sync::hub
