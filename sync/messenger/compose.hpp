// Webhook bodies as each platform sends them, for the crowd simulator (dwellctl simulate), tests
// and benchmarks: what parse_webhook reads, in the platforms' documented shapes.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "config/clock.hpp"
#include "config/hub_config.hpp"

namespace dwell::sync::messenger {

// One text a simulated person sends.
struct OutgoingText {
    std::uint64_t event = 0;  // unique per channel: LINE's webhookEventId, Telegram's update_id, ...
    std::uint64_t user = 0;   // the person; Telegram ids are numbers, others are made from it
    std::string name;         // display name, where the platform carries one; empty for none
    std::string text;
    config::WallTime at{};
};

// The body the platform posts. LINE, WhatsApp and generic carry every message in one body;
// Telegram and Kakao carry one message per request, so only the first is used.
std::string compose_webhook(config::ChannelKind kind, std::span<const OutgoingText> messages);

// The event id parse_webhook reports for a message composed by compose_webhook.
std::string composed_event_id(config::ChannelKind kind, const OutgoingText& message);

}  // namespace dwell::sync::messenger
