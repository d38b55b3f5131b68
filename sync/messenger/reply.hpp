// Replies a platform takes in the webhook's own HTTP response, so a join is answered without an
// outgoing API call: Kakao's skill response and Telegram's webhook method call.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace dwell::sync::messenger {

// The platforms' length limits, counted in UTF-16 code units as they count them; longer texts are
// cut at a code point boundary rather than refused by the platform.
inline constexpr std::size_t max_kakao_text_units = 1000;
inline constexpr std::size_t max_telegram_text_units = 4096;

// {"version":"2.0","template":{"outputs":[{"simpleText":{"text":"…"}}]}}
std::string kakao_skill_reply(std::string_view text);

// {"method":"sendMessage","chat_id":…,"text":"…"}: plain text, no parse mode, so nothing in the
// text is read as markup.
std::string telegram_reply(std::int64_t chat_id, std::string_view text);

}  // namespace dwell::sync::messenger
