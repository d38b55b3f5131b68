#include "sync/messenger/compose.hpp"

#include <fmt/format.h>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "content/crypto.hpp"
#include "content/rfc3339.hpp"

namespace dwell::sync::messenger {
namespace {

namespace json = boost::json;
using config::ChannelKind;

std::int64_t unix_ms(config::WallTime at) {
    return at.time_since_epoch().count();
}

std::string line_event_id(std::uint64_t event) {
    return fmt::format("01DWELL{:019}", event);  // ULID-length, as LINE's are
}

std::string line_user(std::uint64_t user) {
    return fmt::format("U{:032x}", user);
}

json::object line_event(const OutgoingText& message) {
    return json::object{{"type", "message"},
                        {"mode", "active"},
                        {"timestamp", unix_ms(message.at)},
                        {"source", json::object{{"type", "user"}, {"userId", line_user(message.user)}}},
                        {"webhookEventId", line_event_id(message.event)},
                        {"deliveryContext", json::object{{"isRedelivery", false}}},
                        {"replyToken", fmt::format("reply-{}", message.event)},
                        {"message", json::object{{"id", fmt::format("{}", message.event)},
                                                 {"type", "text"},
                                                 {"quoteToken", "q"},
                                                 {"text", message.text}}}};
}

std::string whatsapp_id(std::uint64_t event) {
    return fmt::format("wamid.DWELL{:020}", event);
}

}  // namespace

std::string composed_event_id(ChannelKind kind, const OutgoingText& message) {
    switch (kind) {
    case ChannelKind::line: return line_event_id(message.event);
    case ChannelKind::telegram: return fmt::format("telegram:{}", message.event);
    case ChannelKind::whatsapp: return whatsapp_id(message.event);
    case ChannelKind::generic: return fmt::format("evt-{}", message.event);
    case ChannelKind::kakao: {
        const std::string user = fmt::format("kakao-user-{}", message.user);
        const auto digest = content::sha256({user, std::string_view{"\0", 1}, message.text});
        return "kakao:" + (digest ? content::to_hex(*digest) : std::string{});
    }
    }
    return {};
}

std::string compose_webhook(ChannelKind kind, std::span<const OutgoingText> messages) {
    switch (kind) {
    case ChannelKind::line: {
        json::array events;
        for (const auto& message : messages) events.push_back(line_event(message));
        return json::serialize(json::object{{"destination", "Udwell0000000000000000000000000000"},
                                            {"events", std::move(events)}});
    }
    case ChannelKind::telegram: {
        if (messages.empty()) return R"({"update_id":0})";
        const OutgoingText& message = messages.front();
        const auto user = static_cast<std::int64_t>(message.user);
        json::object from{
            {"id", user}, {"is_bot", false}, {"first_name", message.name}, {"language_code", "ko"}};
        return json::serialize(json::object{
            {"update_id", message.event},
            {"message",
             json::object{
                 {"message_id", message.event},
                 {"from", std::move(from)},
                 {"chat", json::object{{"id", user}, {"type", "private"}, {"first_name", message.name}}},
                 {"date", unix_ms(message.at) / 1000},
                 {"text", message.text}}}});
    }
    case ChannelKind::kakao: {
        const std::string text = messages.empty() ? std::string{} : messages.front().text;
        const std::uint64_t user = messages.empty() ? 0 : messages.front().user;
        return json::serialize(json::object{
            {"intent", json::object{{"id", "dwell-join"}, {"name", "join"}}},
            {"userRequest", json::object{{"timezone", "Asia/Seoul"},
                                         {"utterance", text},
                                         {"lang", "ko"},
                                         {"user", json::object{{"id", fmt::format("kakao-user-{}", user)},
                                                               {"type", "botUserKey"},
                                                               {"properties", json::object{}}}}}},
            {"bot", json::object{{"id", "dwell-bot"}, {"name", "dwell"}}},
            {"action", json::object{{"name", "join"}, {"params", json::object{}}}}});
    }
    case ChannelKind::whatsapp: {
        json::array contacts;
        json::array texts;
        for (const auto& message : messages) {
            const std::string wa_id = fmt::format("8210{:08}", message.user % 100000000);
            contacts.push_back(
                json::object{{"profile", json::object{{"name", message.name}}}, {"wa_id", wa_id}});
            texts.push_back(json::object{{"from", wa_id},
                                         {"id", whatsapp_id(message.event)},
                                         {"timestamp", fmt::format("{}", unix_ms(message.at) / 1000)},
                                         {"type", "text"},
                                         {"text", json::object{{"body", message.text}}}});
        }
        json::object value{{"messaging_product", "whatsapp"},
                           {"metadata", json::object{{"display_phone_number", "15550001234"},
                                                     {"phone_number_id", "100000000000001"}}},
                           {"contacts", std::move(contacts)},
                           {"messages", std::move(texts)}};
        return json::serialize(json::object{
            {"object", "whatsapp_business_account"},
            {"entry",
             json::array{json::object{{"id", "100000000000000"},
                                      {"changes", json::array{json::object{{"value", std::move(value)},
                                                                           {"field", "messages"}}}}}}}});
    }
    case ChannelKind::generic: {
        json::array events;
        for (const auto& message : messages) {
            json::object event{{"id", fmt::format("evt-{}", message.event)},
                               {"user", fmt::format("user-{}", message.user)},
                               {"text", message.text},
                               {"at", content::format_rfc3339(message.at)}};
            if (!message.name.empty()) event["name"] = message.name;
            events.push_back(std::move(event));
        }
        return json::serialize(json::object{{"events", std::move(events)}});
    }
    }
    return "{}";
}

}  // namespace dwell::sync::messenger
