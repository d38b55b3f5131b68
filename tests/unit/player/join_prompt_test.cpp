#include "player/scene/join_prompt.hpp"

#include <gtest/gtest.h>

namespace dwell::player {
namespace {

using namespace std::chrono_literals;

content::JoinCodeSpace demo_space(unsigned digits = 6) {
    content::JoinSecret secret{};
    for (std::size_t i = 0; i < secret.size(); ++i) secret[i] = static_cast<std::uint8_t>(i);
    return content::JoinCodeSpace::create(secret, digits, 60s).value();
}

JoinPromptSource demo_source(std::uint64_t slot = 3) {
    return JoinPromptSource{"@dwell", "{account}에 {code} 보내고 참여하세요",
                            "https://line.me/R/oaMessage/{account}/?{code}", demo_space(), slot};
}

TEST(FillJoinTemplate, ReplacesEveryPlaceholderAndNothingElse) {
    EXPECT_EQ(fill_join_template("{account}에 {code} 보내고 {code}", "@dwell", "012345"),
              "@dwell에 012345 보내고 012345");
    EXPECT_EQ(fill_join_template("{acount} {code", "@a", "1"), "{acount} {code");
    EXPECT_EQ(fill_join_template("{{code}}", "@a", "42"), "{42}");
    EXPECT_EQ(fill_join_template("", "@a", "42"), "");
}

TEST(JoinPrompt, ShowsTheCodeTheJoinSpaceGivesAtThatTime) {
    const auto source = demo_source();
    const config::WallTime now{1'800'000'000'000ms + 12'345ms};
    const auto prompt = join_prompt_at(source, now).value();
    const auto expected = source.space.code_for(3, now).value();
    EXPECT_EQ(prompt.code, expected);
    EXPECT_EQ(prompt.text, "@dwell에 " + expected + " 보내고 참여하세요");
    EXPECT_EQ(prompt.deep_link, "https://line.me/R/oaMessage/@dwell/?" + expected);
    // The hub, decoding what the screen shows, finds this screen's slot.
    const auto resolved =
        source.space.resolve(prompt.code, now, [](std::uint64_t slot) { return slot == 3; });
    ASSERT_TRUE(resolved);
    EXPECT_EQ(resolved->slot, 3u);
}

TEST(JoinPrompt, ChangesExactlyAtTheNextStep) {
    const auto source = demo_source();
    const config::WallTime step_start{1'800'000'060'000ms};  // a multiple of 60 s
    const auto before = join_prompt_at(source, step_start - 1ms).value();
    const auto at = join_prompt_at(source, step_start).value();
    EXPECT_EQ(before.changes_at, step_start);
    EXPECT_EQ(at.changes_at, step_start + 60s);
    EXPECT_EQ(join_prompt_at(source, step_start - 59'999ms).value(), before);
    EXPECT_NE(before.code, at.code);
}

TEST(JoinPrompt, RefusesASlotOutsideTheSpace) {
    auto source = demo_source(1'000'000);
    EXPECT_FALSE(join_prompt_at(source, config::WallTime{}));
}

}  // namespace
}  // namespace dwell::player
