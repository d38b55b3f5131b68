#include "player/scene/join_prompt.hpp"

#include <array>

namespace dwell::player {

std::string fill_join_template(std::string_view text, std::string_view account, std::string_view code) {
    struct Placeholder {
        std::string_view name;
        std::string_view value;
    };
    const std::array<Placeholder, 2> placeholders{{{"{account}", account}, {"{code}", code}}};
    std::string out;
    out.reserve(text.size() + account.size() + code.size());
    while (!text.empty()) {
        bool replaced = false;
        for (const auto& placeholder : placeholders) {
            if (text.starts_with(placeholder.name)) {
                out += placeholder.value;
                text.remove_prefix(placeholder.name.size());
                replaced = true;
                break;
            }
        }
        if (!replaced) {
            out += text.front();
            text.remove_prefix(1);
        }
    }
    return out;
}

Result<JoinPrompt> join_prompt_at(const JoinPromptSource& source, config::WallTime now) {
    auto code = source.space.code_for(source.slot, now);
    if (!code) return fail(std::move(code.error()));
    const std::uint64_t step = source.space.step_at(now);
    return JoinPrompt{*code, fill_join_template(source.prompt, source.account, *code),
                      fill_join_template(source.deep_link, source.account, *code),
                      source.space.step_start(step + 1)};
}

}  // namespace dwell::player
