// Screenshots: an operator asks for a picture of a screen, the hub tells the screen through its
// feed (a `screenshot` event), and the screen's agent answers with the PNG its player wrote, or
// with the reason it could not take one.
//
//   POST /v1/screens/{id}/screenshots    operator  → 202 {"id","screen","status":"pending",…}
//   GET  /v1/screenshots/{id}            operator  → the request: pending, taken or failed
//   GET  /v1/screenshots/{id}/png        operator  → the picture, once taken
//   PUT  /v1/devices/{id}/screenshots/{shot}  the screen: image/png, or {"error": "…"} as JSON
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/object.hpp>

#include "content/rfc3339.hpp"
#include "content/uuid.hpp"
#include "sync/hub/api.hpp"

namespace dwell::sync::hub {
namespace {

namespace http = net::http;
namespace json = boost::json;
using boost::asio::awaitable;
using boost::asio::use_awaitable;

constexpr std::size_t max_error_text = 500;

std::string_view status_of(const ScreenshotRow& shot) {
    if (!shot.answered_at) return "pending";
    return shot.error.empty() ? "taken" : "failed";
}

json::object screenshot_json(const ScreenshotRow& shot) {
    json::object out{{"id", shot.id},
                     {"screen", shot.screen},
                     {"status", status_of(shot)},
                     {"requested_at", content::format_rfc3339(shot.requested_at)}};
    if (shot.answered_at) out["answered_at"] = content::format_rfc3339(*shot.answered_at);
    if (!shot.error.empty()) out["error"] = shot.error;
    if (shot.bytes > 0) {
        out["bytes"] = shot.bytes;
        out["width"] = shot.width;
        out["height"] = shot.height;
    }
    return out;
}

std::uint32_t big_endian32(std::string_view bytes, std::size_t at) {
    std::uint32_t value = 0;
    for (std::size_t i = 0; i < 4; ++i) value = (value << 8) | static_cast<unsigned char>(bytes[at + i]);
    return value;
}

}  // namespace

// The width and height of a PNG from its signature and IHDR chunk; an error saying what is wrong
// when `bytes` does not start like a PNG.
Result<std::pair<std::uint32_t, std::uint32_t>> png_size(std::string_view bytes) {
    constexpr std::string_view signature{"\x89PNG\r\n\x1a\n", 8};
    if (!bytes.starts_with(signature))
        return fail(Errc::invalid_input, "the body is not a PNG: it does not start with the PNG signature");
    // The signature, then the IHDR chunk: length 13, "IHDR", width, height, …
    if (bytes.size() < 8 + 8 + 13 + 4 || big_endian32(bytes, 8) != 13 || bytes.substr(12, 4) != "IHDR")
        return fail(Errc::invalid_input, "the body is not a PNG: its first chunk is not a whole IHDR");
    const std::uint32_t width = big_endian32(bytes, 16);
    const std::uint32_t height = big_endian32(bytes, 20);
    if (width == 0 || height == 0 || width > 16384 || height > 16384)
        return fail(Errc::invalid_input, "the PNG is {}x{} pixels; expected 1 to 16384 each way", width,
                    height);
    return std::pair{width, height};
}

namespace {

awaitable<net::Reply> request_screenshot(HubContext& hub, net::Exchange& exchange) {
    if (auto refusal = hub.auth.require_role(exchange.request, Role::operator_))
        co_return std::move(*refusal);
    ScreenshotRow shot;
    shot.screen = exchange.params[0];
    shot.requested_at = hub.clock.now();
    shot.id = "shot-" + content::uuid_v7(shot.requested_at).to_string();
    auto requested_work = [&shot](Batch& batch) -> Result<void> {
        if (!batch.catalog().screen(shot.screen))
            return fail(Errc::not_found, "no screen {}; see dwellctl screen list", shot.screen);
        if (auto done = batch.store().insert_screenshot(shot, screenshots_kept); !done)
            return fail(std::move(done.error()));
        if (auto seq = batch.emit(shot.screen, content::ScreenshotEvent{shot.id}); !seq)
            return fail(std::move(seq.error()));
        return {};
    };
    auto requested = co_await hub.writer.perform<void>(requested_work, use_awaitable);
    if (!requested) co_return refuse(requested.error());
    co_return net::json_reply(http::status::accepted, screenshot_json(shot));
}

Result<ScreenshotRow> find_screenshot(HubStore& store, const std::string& id) {
    auto shot = store.screenshot(id);
    if (!shot) return fail(std::move(shot.error()));
    if (!*shot) return fail(Errc::not_found, "no screenshot {}; it was never asked for or is too old", id);
    return std::move(**shot);
}

net::Reply get_screenshot(HubContext& hub, net::Exchange& exchange) {
    if (auto refusal = hub.auth.require_role(exchange.request, Role::operator_)) return std::move(*refusal);
    auto store = hub.readers.lease();
    if (!store) return refuse(store.error());
    auto shot = find_screenshot(**store, exchange.params[0]);
    if (!shot) return refuse(shot.error());
    return net::json_reply(http::status::ok, screenshot_json(*shot));
}

net::Reply get_screenshot_png(HubContext& hub, net::Exchange& exchange) {
    if (auto refusal = hub.auth.require_role(exchange.request, Role::operator_)) return std::move(*refusal);
    auto store = hub.readers.lease();
    if (!store) return refuse(store.error());
    auto shot = find_screenshot(**store, exchange.params[0]);
    if (!shot) return refuse(shot.error());
    if (status_of(*shot) != "taken")
        return net::error_reply(
            http::status::conflict, "conflict",
            shot->answered_at ? fmt::format("screen {} could not take it: {}", shot->screen, shot->error)
                              : fmt::format("screen {} has not sent it yet", shot->screen));
    auto png = (*store)->screenshot_png(shot->id);
    if (!png) return refuse(png.error());
    std::string body(reinterpret_cast<const char*>(png->data()), png->size());
    return net::text_reply(http::status::ok, std::move(body), "image/png");
}

awaitable<net::Reply> answer_screenshot(HubContext& hub, net::Exchange& exchange) {
    const std::string& screen = exchange.params[0];
    if (auto refusal = hub.auth.require_device(exchange.request, screen)) co_return std::move(*refusal);
    ScreenshotRow answer;
    answer.id = exchange.params[1];
    answer.screen = screen;
    answer.answered_at = hub.clock.now();
    const std::string& body = exchange.request.body();
    const std::string type = net::media_type(exchange.request[http::field::content_type]);
    if (type == "image/png") {
        auto size = png_size(body);
        if (!size) co_return refuse(size.error());
        std::tie(answer.width, answer.height) = *size;
        answer.bytes = body.size();
    } else if (type == net::json_type) {
        auto json = json_body(exchange.request);
        if (!json) co_return refuse(json.error());
        const auto* object = json->if_object();
        const auto* error = object ? object->if_contains("error") : nullptr;
        if (!error || !error->is_string() || error->as_string().empty() ||
            error->as_string().size() > max_error_text)
            co_return net::error_reply(
                http::status::bad_request, "invalid_input",
                fmt::format(
                    "expected {{\"error\": \"why the screenshot could not be taken\"}}, 1 to {} bytes",
                    max_error_text));
        answer.error = error->as_string();
    } else {
        co_return net::error_reply(http::status::unsupported_media_type, "unsupported_media_type",
                                   "send the screenshot as image/png, or why it failed as application/json");
    }
    const std::span png{reinterpret_cast<const std::byte*>(body.data()),
                        answer.error.empty() ? body.size() : 0};
    auto answered_work = [&answer, png](Batch& batch) -> Result<bool> {
        auto shot = batch.store().screenshot(answer.id);
        if (!shot) return fail(std::move(shot.error()));
        if (!*shot || (*shot)->screen != answer.screen)
            return fail(Errc::not_found, "screen {} was not asked for screenshot {}", answer.screen,
                        answer.id);
        return batch.store().answer_screenshot(answer, png);
    };
    auto answered = co_await hub.writer.perform<bool>(answered_work, use_awaitable);
    if (!answered) co_return refuse(answered.error());
    // Sent again after a lost answer, or a second answer: the first one stands.
    co_return net::json_reply(http::status::ok, json::object{{"id", answer.id}, {"stored", *answered}});
}

}  // namespace

void add_screenshot_routes(net::Router& router, HubContext& hub) {
    router.add(http::verb::post, "/v1/screens/{id}/screenshots",
               net::Route{"screenshots.request",
                          net::BufferedHandler{
                              [&hub](net::Exchange& exchange) { return request_screenshot(hub, exchange); }},
                          {}});
    router.add(http::verb::get, "/v1/screenshots/{id}",
               net::Route{"screenshots.get",
                          net::BufferedHandler{[&hub](net::Exchange& exchange) {
                              return net::ready(get_screenshot(hub, exchange));
                          }},
                          {}});
    router.add(http::verb::get, "/v1/screenshots/{id}/png",
               net::Route{"screenshots.png",
                          net::BufferedHandler{[&hub](net::Exchange& exchange) {
                              return net::ready(get_screenshot_png(hub, exchange));
                          }},
                          {}});
    router.add(http::verb::put, "/v1/devices/{id}/screenshots/{shot}",
               net::Route{"devices.screenshot", net::BufferedHandler{[&hub](net::Exchange& exchange) {
                              return answer_screenshot(hub, exchange);
                          }},
                          max_screenshot_bytes});
}

}  // namespace dwell::sync::hub
