// Turns a verified webhook body of any platform into the text messages it carries.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/clock.hpp"
#include "config/error.hpp"
#include "config/hub_config.hpp"

namespace dwell::sync::messenger {

using config::ChannelKind;

// Caps on what one message may carry. Join messages are far shorter; longer fields mean a
// broken or hostile sender.
inline constexpr std::size_t max_id_bytes = 256;             // event ids and user ids
inline constexpr std::size_t max_text_bytes = 4096;          // the message text
inline constexpr std::size_t max_name_bytes = 256;           // a display name, before masking
inline constexpr std::size_t max_webhook_bytes = 4U << 20U;  // a whole body; the HTTP limit is usually lower
inline constexpr std::size_t max_reported_problems = 16;

// Where an event id comes from, which tells the hub how long it may dedupe on it.
enum class EventIdOrigin {
    platform,  // the platform's own delivery id: a retry carries the same id, a new message a new one
    content,   // a digest of sender and text (Kakao): a retry and a deliberate repeat look the same
};

// One text message a person sent to a channel.
//
// Event ids are unique within one channel only (Telegram's update_id counts per bot): the hub
// dedupes on (channel id, event id). Per platform:
//   LINE      webhookEventId
//   Telegram  "telegram:<update_id>"
//   Kakao     "kakao:" + hex SHA-256(user id || 0x00 || utterance). Kakao skill requests carry no
//             request or message id and no time, so the only stable key is the content. A platform
//             retry of the same request gets the same key, which is what dedupe needs; a person
//             sending the same text again also gets it, so the hub must keep Kakao keys only for a
//             short window (a join code's lifetime is enough: a repeat later is a new join attempt).
//             Joins stay correct either way: one participation per person per campaign.
//   WhatsApp  the message id (wamid)
//   generic   the event's "id"
struct InboundMessage {
    std::string event_id;
    EventIdOrigin event_id_origin = EventIdOrigin::platform;
    std::string user_id;                      // the platform's id of the sender
    std::optional<std::string> display_name;  // as the platform gives it, unmasked
    std::string text;
    std::optional<config::WallTime> at;      // when the platform says it was sent
    std::optional<std::string> reply_token;  // LINE: for the reply API
    std::optional<std::int64_t> chat_id;     // Telegram: where a sendMessage reply goes

    friend bool operator==(const InboundMessage&, const InboundMessage&) = default;
};

struct WebhookBatch {
    std::vector<InboundMessage> messages;
    // Events that are not text messages (follows, stickers, delivery statuses, ...) plus events
    // skipped because they were malformed.
    std::size_t ignored = 0;
    // Why events were skipped, each with the JSON path of the problem, e.g.
    // "events[2].message.text: expected a string". At most max_reported_problems are kept.
    std::vector<std::string> problems;
};

// Reads a webhook body that verify_webhook accepted.
//
// Bodies:
//   LINE      {"destination":…, "events":[…]}: each event of type "message" whose message is of type
//             "text" is one message; "events": [] (the connectivity probe) is an empty batch.
//   Telegram  one Update: a "message" with "text" is one message; other updates are ignored.
//             The display name is "first_name last_name", else the username.
//   Kakao     a skill request: userRequest.user.id and userRequest.utterance; no time.
//   WhatsApp  entry[].changes[].value.messages[] of type "text"; the display name comes from
//             value.contacts[] with the same wa_id; statuses and other types are ignored.
//   generic   {"events":[{"id":"…","user":"…","name":"…","text":"…","at":"2026-12-01T06:00:00Z"}]}
//             with "name" and "at" optional; other keys are ignored.
//
// An envelope that is not JSON, too large or too deep, not the platform's shape or with a wrong
// type where the events are listed → Errc::invalid_input naming the JSON path. The body has
// already been verified as the platform's, so a single event that breaks the rules (wrong types,
// an id over max_id_bytes, a text over max_text_bytes, a bad time) is skipped, counted in
// `ignored` and described in `problems`, and the other events in the body still count: refusing
// the body would make the platform retry events that can never succeed, or drop good joins
// that came with it. An over-long display name only drops the name.
Result<WebhookBatch> parse_webhook(ChannelKind kind, std::string_view raw_body);

}  // namespace dwell::sync::messenger
