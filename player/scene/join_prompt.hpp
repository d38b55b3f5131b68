// What the join overlay says: the current code of this screen's slot, the prompt and the deep link
// with it filled in, and when the code next changes. Computed locally, offline, on corrected time.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "config/clock.hpp"
#include "config/error.hpp"
#include "content/join_code.hpp"

namespace dwell::player {

struct JoinPromptSource {
    std::string account;    // e.g. "@dwell"
    std::string prompt;     // e.g. "{account}에 {code} 보내고 참여하세요"
    std::string deep_link;  // e.g. "https://line.me/R/oaMessage/{account}/?{code}"
    content::JoinCodeSpace space;
    std::uint64_t slot = 0;
};

struct JoinPrompt {
    std::string code;               // zero-padded digits, what people type
    std::string text;               // the prompt as shown
    std::string deep_link;          // what the QR code holds
    config::WallTime changes_at{};  // when the next step begins and all of the above changes
    friend bool operator==(const JoinPrompt&, const JoinPrompt&) = default;
};

// Replaces every "{account}" and "{code}"; other text, braces included, stays as written.
std::string fill_join_template(std::string_view text, std::string_view account, std::string_view code);

// The prompt at `now`; fails only when the slot is outside the join space.
Result<JoinPrompt> join_prompt_at(const JoinPromptSource& source, config::WallTime now);

}  // namespace dwell::player
