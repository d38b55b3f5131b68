#include "sync/messenger/webhook.hpp"

#include <algorithm>
#include <chrono>
#include <expected>
#include <limits>
#include <map>
#include <utility>

#include <fmt/format.h>
#include <boost/json/stream_parser.hpp>
#include <boost/json/value.hpp>

#include "content/crypto.hpp"
#include "content/json_kind.hpp"
#include "content/rfc3339.hpp"

namespace dwell::sync::messenger {
namespace {

namespace json = boost::json;

// 9999-12-31T23:59:59.999Z: what the rest of dwell can format.
constexpr std::int64_t max_unix_ms = 253'402'300'799'999;

// Inside one event, a problem is a message with the JSON path in front; the event is skipped.
using Problem = std::string;
template <class T>
using Field = std::expected<T, Problem>;

std::string member_path(std::string_view path, std::string_view key) {
    return path.empty() ? std::string{key} : fmt::format("{}.{}", path, key);
}

std::string index_path(std::string_view path, std::size_t index) {
    return fmt::format("{}[{}]", path, index);
}

std::unexpected<Problem> problem(std::string_view path, std::string_view what) {
    return std::unexpected(fmt::format("{}: {}", path, what));
}

const json::value* member(const json::object& object, std::string_view key) {
    return object.if_contains(key);
}

Field<const json::object*> as_object(const json::value* value, std::string_view path) {
    if (value == nullptr) return problem(path, "missing; expected an object");
    if (!value->is_object())
        return problem(path, fmt::format("expected an object, found {}", content::json_kind_name(*value)));
    return &value->get_object();
}

Field<const json::array*> as_array(const json::value* value, std::string_view path) {
    if (value == nullptr) return problem(path, "missing; expected an array");
    if (!value->is_array())
        return problem(path, fmt::format("expected an array, found {}", content::json_kind_name(*value)));
    return &value->get_array();
}

enum class Emptiness { allowed, refused };

Field<std::string> as_string(const json::value* value, std::string_view path, std::size_t max_bytes,
                             Emptiness emptiness) {
    if (value == nullptr) return problem(path, "missing; expected a string");
    if (!value->is_string())
        return problem(path, fmt::format("expected a string, found {}", content::json_kind_name(*value)));
    const json::string& text = value->get_string();
    if (text.empty() && emptiness == Emptiness::refused)
        return problem(path, "is empty; expected a non-empty string");
    if (text.size() > max_bytes)
        return problem(path,
                       fmt::format("is {} bytes long; at most {} are accepted", text.size(), max_bytes));
    return std::string{text.data(), text.size()};
}

Field<std::string> as_id(const json::value* value, std::string_view path) {
    return as_string(value, path, max_id_bytes, Emptiness::refused);
}

Field<std::string> as_text(const json::value* value, std::string_view path) {
    return as_string(value, path, max_text_bytes, Emptiness::allowed);
}

// Integers only: platforms send ids and times as JSON integers, and a fraction means a wrong field.
Field<std::int64_t> as_int(const json::value* value, std::string_view path) {
    if (value == nullptr) return problem(path, "missing; expected an integer");
    if (value->is_int64()) return value->get_int64();
    if (value->is_uint64()) return problem(path, "is too large for a 64-bit integer");
    return problem(path, fmt::format("expected an integer, found {}", content::json_kind_name(*value)));
}

// A display name is decoration: one that is missing, mistyped or over-long is simply left out.
// The member `key` of `object` (found at `path`), read as an id, a text or an integer;
// a problem names the member's own path.
Field<std::string> id_at(const json::object& object, std::string_view path, std::string_view key) {
    return as_id(member(object, key), member_path(path, key));
}

Field<std::string> text_at(const json::object& object, std::string_view path, std::string_view key) {
    return as_text(member(object, key), member_path(path, key));
}

Field<std::int64_t> int_at(const json::object& object, std::string_view path, std::string_view key) {
    return as_int(member(object, key), member_path(path, key));
}

std::optional<std::string> lenient_name(const json::value* value) {
    if (value == nullptr || !value->is_string()) return std::nullopt;
    const json::string& name = value->get_string();
    if (name.empty() || name.size() > max_name_bytes) return std::nullopt;
    return std::string{name.data(), name.size()};
}

Field<config::WallTime> unix_ms_time(std::int64_t ms, std::string_view path) {
    if (ms < 0 || ms > max_unix_ms) return problem(path, "is not a time between 1970 and 9999");
    return config::WallTime{std::chrono::milliseconds{ms}};
}

Field<config::WallTime> unix_s_time(std::int64_t seconds, std::string_view path) {
    if (seconds < 0 || seconds > max_unix_ms / 1000)
        return problem(path, "is not a time between 1970 and 9999");
    return config::WallTime{std::chrono::seconds{seconds}};
}

// One event of a batch: a message, nothing (not a text message), or the reason it was skipped.
using EventOutcome = Field<std::optional<InboundMessage>>;

void add_outcome(WebhookBatch& batch, EventOutcome outcome) {
    if (outcome && *outcome) {
        batch.messages.push_back(std::move(**outcome));
        return;
    }
    ++batch.ignored;
    if (!outcome && batch.problems.size() < max_reported_problems)
        batch.problems.push_back(std::move(outcome.error()));
}

Result<json::value> parse_json(std::string_view raw_body) {
    if (raw_body.size() > max_webhook_bytes) {
        return fail(Errc::invalid_input, "the webhook body is {} bytes; at most {} are accepted",
                    raw_body.size(), max_webhook_bytes);
    }
    if (raw_body.find_first_not_of(" \t\r\n") == std::string_view::npos)
        return fail(Errc::invalid_input, "the webhook body is empty; expected a JSON object");
    // Default options: strict JSON, valid UTF-8 only, nesting at most 32 deep.
    json::stream_parser parser;
    json::error_code ec;
    const std::size_t consumed = parser.write(raw_body.data(), raw_body.size(), ec);
    if (!ec) parser.finish(ec);
    if (ec) {
        return fail(Errc::invalid_input, "the webhook body is not valid JSON (at byte {} of {}): {}",
                    consumed, raw_body.size(), ec.message());
    }
    return parser.release();
}

// The envelope must be right, or nothing in it can be trusted to mean what it seems.
Result<const json::object*> envelope_object(const json::value* value, std::string_view path) {
    auto object = as_object(value, path);
    if (!object) return fail(Errc::invalid_input, "{}", object.error());
    return *object;
}

Result<const json::array*> envelope_array(const json::object& parent, std::string_view key) {
    auto array = as_array(member(parent, key), key);
    if (!array) return fail(Errc::invalid_input, "{}", array.error());
    return *array;
}

// ---- LINE -------------------------------------------------------------------------------------

EventOutcome line_event(const json::value& value, const std::string& path) {
    auto event = as_object(&value, path);
    if (!event) return std::unexpected(event.error());
    auto type = id_at(**event, path, "type");
    if (!type) return std::unexpected(type.error());
    if (*type != "message") return std::nullopt;

    const std::string message_path = member_path(path, "message");
    auto message = as_object(member(**event, "message"), message_path);
    if (!message) return std::unexpected(message.error());
    auto message_type = id_at(**message, message_path, "type");
    if (!message_type) return std::unexpected(message_type.error());
    if (*message_type != "text") return std::nullopt;

    InboundMessage out;
    auto id = id_at(**event, path, "webhookEventId");
    if (!id) return std::unexpected(id.error());
    out.event_id = std::move(*id);

    const std::string source_path = member_path(path, "source");
    auto source = as_object(member(**event, "source"), source_path);
    if (!source) return std::unexpected(source.error());
    auto user = id_at(**source, source_path, "userId");
    if (!user) return std::unexpected(user.error());
    out.user_id = std::move(*user);

    auto text = text_at(**message, message_path, "text");
    if (!text) return std::unexpected(text.error());
    out.text = std::move(*text);

    const std::string time_path = member_path(path, "timestamp");
    auto timestamp = as_int(member(**event, "timestamp"), time_path);
    if (!timestamp) return std::unexpected(timestamp.error());
    auto at = unix_ms_time(*timestamp, time_path);
    if (!at) return std::unexpected(at.error());
    out.at = *at;

    if (const json::value* token = member(**event, "replyToken")) {
        auto reply_token = as_id(token, member_path(path, "replyToken"));
        if (!reply_token) return std::unexpected(reply_token.error());
        out.reply_token = std::move(*reply_token);
    }
    return out;
}

Result<WebhookBatch> parse_line(const json::value& root) {
    auto body = envelope_object(&root, "(body)");
    if (!body) return fail(body.error());
    auto events = envelope_array(**body, "events");
    if (!events) return fail(events.error());
    WebhookBatch batch;
    for (std::size_t i = 0; i < (*events)->size(); ++i)
        add_outcome(batch, line_event((**events)[i], index_path("events", i)));
    return batch;
}

// ---- Telegram ---------------------------------------------------------------------------------

EventOutcome telegram_message(const json::value& value, std::int64_t update_id) {
    const std::string path = "message";
    auto message = as_object(&value, path);
    if (!message) return std::unexpected(message.error());
    const json::value* text_value = member(**message, "text");
    if (text_value == nullptr) return std::nullopt;  // a photo, sticker, join notice, ...

    InboundMessage out;
    out.event_id = fmt::format("telegram:{}", update_id);
    auto text = as_text(text_value, member_path(path, "text"));
    if (!text) return std::unexpected(text.error());
    out.text = std::move(*text);

    const std::string from_path = member_path(path, "from");
    auto from = as_object(member(**message, "from"), from_path);
    if (!from) return std::unexpected(from.error());
    auto user = int_at(**from, from_path, "id");
    if (!user) return std::unexpected(user.error());
    out.user_id = fmt::format("{}", *user);

    if (auto first = lenient_name(member(**from, "first_name"))) {
        if (auto last = lenient_name(member(**from, "last_name"))) *first += " " + *last;
        if (first->size() <= max_name_bytes) out.display_name = std::move(*first);
    }
    if (!out.display_name) out.display_name = lenient_name(member(**from, "username"));

    const std::string chat_path = member_path(path, "chat");
    auto chat = as_object(member(**message, "chat"), chat_path);
    if (!chat) return std::unexpected(chat.error());
    auto chat_id = int_at(**chat, chat_path, "id");
    if (!chat_id) return std::unexpected(chat_id.error());
    out.chat_id = *chat_id;

    const std::string date_path = member_path(path, "date");
    auto date = as_int(member(**message, "date"), date_path);
    if (!date) return std::unexpected(date.error());
    auto at = unix_s_time(*date, date_path);
    if (!at) return std::unexpected(at.error());
    out.at = *at;
    return out;
}

Result<WebhookBatch> parse_telegram(const json::value& root) {
    auto update = envelope_object(&root, "(body)");
    if (!update) return fail(update.error());
    auto update_id = as_int(member(**update, "update_id"), "update_id");
    if (!update_id) return fail(Errc::invalid_input, "{}", update_id.error());
    WebhookBatch batch;
    // Edited messages, channel posts, callbacks and the like are not joins.
    const json::value* message = member(**update, "message");
    if (message == nullptr)
        ++batch.ignored;
    else
        add_outcome(batch, telegram_message(*message, *update_id));
    return batch;
}

// ---- Kakao ------------------------------------------------------------------------------------

EventOutcome kakao_request(const json::object& request) {
    const std::string path = "userRequest";
    const std::string user_path = member_path(path, "user");
    auto user = as_object(member(request, "user"), user_path);
    if (!user) return std::unexpected(user.error());
    auto user_id = id_at(**user, user_path, "id");
    if (!user_id) return std::unexpected(user_id.error());
    auto utterance = as_text(member(request, "utterance"), member_path(path, "utterance"));
    if (!utterance) return std::unexpected(utterance.error());
    InboundMessage out;
    out.event_id_origin = EventIdOrigin::content;
    out.user_id = std::move(*user_id);
    out.text = std::move(*utterance);
    return out;
}

Result<WebhookBatch> parse_kakao(const json::value& root) {
    auto body = envelope_object(&root, "(body)");
    if (!body) return fail(body.error());
    auto request = envelope_object(member(**body, "userRequest"), "userRequest");
    if (!request) return fail(request.error());
    EventOutcome outcome = kakao_request(**request);
    if (outcome && *outcome) {
        // The separator keeps ("ab", "c") and ("a", "bc") apart.
        static constexpr std::string_view separator{"\0", 1};
        auto digest = content::sha256({(*outcome)->user_id, separator, (*outcome)->text});
        if (!digest) return fail(digest.error());
        (*outcome)->event_id = "kakao:" + content::to_hex(*digest);
    }
    WebhookBatch batch;
    add_outcome(batch, std::move(outcome));
    return batch;
}

// ---- WhatsApp ---------------------------------------------------------------------------------

Field<config::WallTime> whatsapp_time(const json::value* value, std::string_view path) {
    auto text = as_id(value, path);
    if (!text) return std::unexpected(text.error());
    constexpr std::size_t max_digits = 12;  // 253402300799, the last second of 9999
    if (text->size() > max_digits || !std::ranges::all_of(*text, [](char c) { return c >= '0' && c <= '9'; }))
        return problem(path, "expected unix seconds as a string of digits");
    std::int64_t seconds = 0;
    for (const char c : *text) seconds = seconds * 10 + (c - '0');
    return unix_s_time(seconds, path);
}

// wa_id → profile name, for the contacts that came with the messages.
std::map<std::string, std::string, std::less<>> whatsapp_contacts(const json::object& value) {
    std::map<std::string, std::string, std::less<>> names;
    const json::value* contacts = member(value, "contacts");
    if (contacts == nullptr || !contacts->is_array()) return names;
    for (const json::value& contact : contacts->get_array()) {
        if (!contact.is_object()) continue;
        const json::value* wa_id = member(contact.get_object(), "wa_id");
        const json::value* profile = member(contact.get_object(), "profile");
        if (wa_id == nullptr || !wa_id->is_string() || profile == nullptr || !profile->is_object()) continue;
        if (auto name = lenient_name(member(profile->get_object(), "name")))
            names.emplace(std::string{wa_id->get_string()}, std::move(*name));
    }
    return names;
}

EventOutcome whatsapp_message(const json::value& value, const std::string& path,
                              const std::map<std::string, std::string, std::less<>>& names) {
    auto message = as_object(&value, path);
    if (!message) return std::unexpected(message.error());
    auto type = id_at(**message, path, "type");
    if (!type) return std::unexpected(type.error());
    if (*type != "text") return std::nullopt;

    InboundMessage out;
    auto id = id_at(**message, path, "id");
    if (!id) return std::unexpected(id.error());
    out.event_id = std::move(*id);
    auto from = id_at(**message, path, "from");
    if (!from) return std::unexpected(from.error());
    out.user_id = std::move(*from);

    const std::string text_path = member_path(path, "text");
    auto text_object = as_object(member(**message, "text"), text_path);
    if (!text_object) return std::unexpected(text_object.error());
    auto body = text_at(**text_object, text_path, "body");
    if (!body) return std::unexpected(body.error());
    out.text = std::move(*body);

    auto at = whatsapp_time(member(**message, "timestamp"), member_path(path, "timestamp"));
    if (!at) return std::unexpected(at.error());
    out.at = *at;

    if (const auto name = names.find(out.user_id); name != names.end()) out.display_name = name->second;
    return out;
}

void whatsapp_change(WebhookBatch& batch, const json::value& change_value, const std::string& path) {
    auto change = as_object(&change_value, path);
    if (!change) return add_outcome(batch, std::unexpected(change.error()));
    if (const json::value* field = member(**change, "field");
        field != nullptr && field->is_string() && field->get_string() != "messages") {
        ++batch.ignored;  // account, template or quality updates
        return;
    }
    const std::string value_path = member_path(path, "value");
    auto value = as_object(member(**change, "value"), value_path);
    if (!value) return add_outcome(batch, std::unexpected(value.error()));

    if (const json::value* statuses = member(**value, "statuses")) {
        if (statuses->is_array())
            batch.ignored += statuses->get_array().size();
        else
            ++batch.ignored;
    }
    const json::value* messages_value = member(**value, "messages");
    if (messages_value == nullptr) return;
    const std::string messages_path = member_path(value_path, "messages");
    auto messages = as_array(messages_value, messages_path);
    if (!messages) return add_outcome(batch, std::unexpected(messages.error()));
    const auto names = whatsapp_contacts(**value);
    for (std::size_t i = 0; i < (*messages)->size(); ++i)
        add_outcome(batch, whatsapp_message((**messages)[i], index_path(messages_path, i), names));
}

Result<WebhookBatch> parse_whatsapp(const json::value& root) {
    auto body = envelope_object(&root, "(body)");
    if (!body) return fail(body.error());
    // Messenger and Instagram share this format; their bodies do not belong on a WhatsApp channel.
    if (const json::value* object = member(**body, "object");
        object != nullptr && (!object->is_string() || object->get_string() != "whatsapp_business_account"))
        return fail(Errc::invalid_input, "object: expected \"whatsapp_business_account\"");
    auto entries = envelope_array(**body, "entry");
    if (!entries) return fail(entries.error());
    WebhookBatch batch;
    for (std::size_t e = 0; e < (*entries)->size(); ++e) {
        const std::string entry_path = index_path("entry", e);
        auto entry = as_object(&(**entries)[e], entry_path);
        if (!entry) {
            add_outcome(batch, std::unexpected(entry.error()));
            continue;
        }
        const std::string changes_path = member_path(entry_path, "changes");
        auto changes = as_array(member(**entry, "changes"), changes_path);
        if (!changes) {
            add_outcome(batch, std::unexpected(changes.error()));
            continue;
        }
        for (std::size_t c = 0; c < (*changes)->size(); ++c)
            whatsapp_change(batch, (**changes)[c], index_path(changes_path, c));
    }
    return batch;
}

// ---- generic ----------------------------------------------------------------------------------

EventOutcome generic_event(const json::value& value, const std::string& path) {
    auto event = as_object(&value, path);
    if (!event) return std::unexpected(event.error());
    InboundMessage out;
    auto id = id_at(**event, path, "id");
    if (!id) return std::unexpected(id.error());
    out.event_id = std::move(*id);
    auto user = id_at(**event, path, "user");
    if (!user) return std::unexpected(user.error());
    out.user_id = std::move(*user);
    auto text = text_at(**event, path, "text");
    if (!text) return std::unexpected(text.error());
    out.text = std::move(*text);
    out.display_name = lenient_name(member(**event, "name"));
    if (const json::value* at_value = member(**event, "at")) {
        const std::string at_path = member_path(path, "at");
        auto at_text = as_id(at_value, at_path);
        if (!at_text) return std::unexpected(at_text.error());
        auto at = content::parse_rfc3339(*at_text);
        if (!at) return problem(at_path, at.error().message);
        out.at = *at;
    }
    return out;
}

Result<WebhookBatch> parse_generic(const json::value& root) {
    auto body = envelope_object(&root, "(body)");
    if (!body) return fail(body.error());
    auto events = envelope_array(**body, "events");
    if (!events) return fail(events.error());
    WebhookBatch batch;
    for (std::size_t i = 0; i < (*events)->size(); ++i)
        add_outcome(batch, generic_event((**events)[i], index_path("events", i)));
    return batch;
}

}  // namespace

Result<WebhookBatch> parse_webhook(ChannelKind kind, std::string_view raw_body) {
    auto root = parse_json(raw_body);
    if (!root) return fail(root.error());
    switch (kind) {
    case ChannelKind::line: return parse_line(*root);
    case ChannelKind::telegram: return parse_telegram(*root);
    case ChannelKind::kakao: return parse_kakao(*root);
    case ChannelKind::whatsapp: return parse_whatsapp(*root);
    case ChannelKind::generic: return parse_generic(*root);
    }
    return fail(Errc::invalid_input, "unknown channel kind");
}

}  // namespace dwell::sync::messenger
