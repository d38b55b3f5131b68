// The hub's catalog: which campaign and screen a code stands for, what a screen's manifest holds,
// and the wrong-code limit and credentials the webhook and API paths rely on.
#include "sync/hub/catalog.hpp"

#include <gtest/gtest.h>

#include "sync/hub/auth.hpp"
#include "sync/hub/webhooks.hpp"
#include "tests/unit/sync/hub_test_data.hpp"

namespace dwell::sync::hub {
namespace {

using namespace std::chrono_literals;

const config::WallTime noon{std::chrono::sys_days{std::chrono::year{2026} / 12 / 1} + 12h};

content::Campaign interactive(std::string id, unsigned digits, std::vector<std::string> channels) {
    content::Campaign campaign;
    campaign.id = std::move(id);
    campaign.name = campaign.id;
    campaign.window = {{std::chrono::floor<std::chrono::seconds>(noon - std::chrono::days{1}), {}},
                       {std::chrono::floor<std::chrono::seconds>(noon + std::chrono::days{30}), {}}};
    campaign.targets.lines = {"1"};
    campaign.items = {
        content::Item{"clip.mp4", std::string(64, 'a'), content::MediaKind::video, std::nullopt}};
    content::JoinOptions join;
    join.channels = std::move(channels);
    join.prompt = "{account} {code}";
    join.code.digits = digits;
    join.code.period = 60s;
    campaign.join = join;
    return campaign;
}

class CatalogTest : public ::testing::Test {
  protected:
    void SetUp() override {
        m_catalog.screens.emplace("s1", seoul_screen("s1", "1"));
        m_catalog.screens.emplace("s2", seoul_screen("s2", "1"));
        m_catalog.screens.emplace("s9", seoul_screen("s9", "9"));
        m_catalog.campaigns.emplace("six", interactive("six", 6, {"line-main"}));
        m_catalog.campaigns.emplace("eight", interactive("eight", 8, {"line-main"}));
        m_catalog.assets.emplace(std::string(64, 'a'),
                                 AssetRow{std::string(64, 'a'), "clip.mp4", 1000, content::MediaKind::video,
                                          "h264", 320, 240, 5s, noon});
        ChannelSlots& slots = m_catalog.slots["line-main"];
        slots.secret.fill(7);
        assign(slots, 0, "six", "s1");
        assign(slots, 1, "six", "s2");
        assign(slots, 2, "eight", "s1");
        m_catalog.index();
    }

    static void assign(ChannelSlots& slots, std::uint64_t slot, std::string campaign, std::string screen) {
        slots.by_owner.emplace(std::pair{campaign, screen}, slot);
        slots.by_slot.emplace(slot, SlotOwner{std::move(campaign), std::move(screen)});
    }

    std::string code(unsigned digits, std::uint64_t slot, config::WallTime at) const {
        auto space =
            content::JoinCodeSpace::create(m_catalog.slots.at("line-main").secret, digits, 60s).value();
        return space.code_for(slot, at).value();
    }

    Catalog m_catalog;
};

TEST_F(CatalogTest, ACodeNamesItsCampaignAndScreenNowAndOneStepLater) {
    const ChannelCodes& codes = *m_catalog.codes.at("line-main");
    EXPECT_EQ(codes.digit_counts(), (std::set<unsigned>{6, 8}));
    const auto found = codes.resolve(code(6, 1, noon), noon);
    ASSERT_TRUE(found);
    EXPECT_EQ(found->campaign, "six");
    EXPECT_EQ(found->screen, "s2");
    const auto eight = codes.resolve(code(8, 2, noon), noon + 30s);
    ASSERT_TRUE(eight);
    EXPECT_EQ(eight->campaign, "eight");
    EXPECT_EQ(eight->screen, "s1");
    EXPECT_TRUE(codes.resolve(code(6, 0, noon), noon + 60s)) << "the step before still counts";
    EXPECT_FALSE(codes.resolve(code(6, 0, noon), noon + 120s)) << "two steps later the code has expired";
    EXPECT_FALSE(codes.resolve(code(6, 0, noon + 60s), noon)) << "a code of the next step is not valid yet";
    EXPECT_FALSE(codes.resolve(code(6, 5, noon), noon)) << "an unassigned slot is a wrong code";
    EXPECT_FALSE(codes.resolve(code(6, 2, noon), noon)) << "slot 2 belongs to an 8-digit campaign";
    EXPECT_FALSE(codes.resolve("12345", noon));
    EXPECT_FALSE(codes.resolve("abcdef", noon));
}

TEST_F(CatalogTest, TheManifestHoldsWhatTheScreenPlaysWithItsSlots) {
    config::HubConfig config;
    config.channels.push_back(config::ChannelConfig{"line-main", config::ChannelKind::line, "@dwell",
                                                    "/dev/null", std::nullopt,
                                                    "https://line.me/R/oaMessage/{account}/?{code}"});
    const auto manifest = build_manifest(m_catalog, config, "s1", noon, std::chrono::days{7});
    ASSERT_TRUE(manifest);
    EXPECT_EQ(manifest->screen.id, "s1");
    EXPECT_EQ(manifest->campaigns.size(), 2U);
    ASSERT_EQ(manifest->joins.size(), 2U);
    for (const auto& join : manifest->joins) {
        EXPECT_EQ(join.account, "@dwell");
        EXPECT_EQ(join.slot, join.campaign == "six" ? 0U : 2U);
        EXPECT_EQ(join.digits, join.campaign == "six" ? 6U : 8U);
    }
    ASSERT_EQ(manifest->assets.size(), 1U);
    EXPECT_EQ(manifest->assets[0].size, 1000U);
    const auto decoded = content::manifest_from_json(content::manifest_to_json(*manifest));
    EXPECT_TRUE(decoded) << "what the hub sends passes the agent's validation: " << decoded.error().message;

    const auto other = build_manifest(m_catalog, config, "s9", noon, std::chrono::days{7});
    EXPECT_TRUE(other->campaigns.empty()) << "line 9 is not targeted";
    EXPECT_FALSE(build_manifest(m_catalog, config, "nope", noon, std::chrono::days{7}));
    const auto before =
        build_manifest(m_catalog, config, "s1", noon - std::chrono::days{10}, std::chrono::days{7});
    EXPECT_TRUE(before->campaigns.empty()) << "a campaign more than 7 days away is not sent yet";

    EXPECT_EQ(manifest_etag(*manifest),
              manifest_etag(*build_manifest(m_catalog, config, "s1", noon + 1h, std::chrono::days{7})))
        << "only server_time changed";
    m_catalog.campaigns.at("six").name = "renamed";
    EXPECT_NE(manifest_etag(*manifest),
              manifest_etag(*build_manifest(m_catalog, config, "s1", noon, std::chrono::days{7})));
}

TEST_F(CatalogTest, TakeoversApplyToTheirTargetsUntilTheyEnd) {
    Takeover takeover{"t1", "closed", {}, noon, noon + 1h};
    takeover.targets.screens = {"s2"};
    m_catalog.takeovers.emplace("t1", takeover);
    EXPECT_EQ(m_catalog.takeover_for("s2", noon)->id, "t1");
    EXPECT_EQ(m_catalog.takeover_for("s1", noon), nullptr);
    EXPECT_EQ(m_catalog.takeover_for("s2", noon + 2h), nullptr) << "past its until";
    EXPECT_EQ(m_catalog.interactive_at("s1", noon).size(), 2U);
    EXPECT_TRUE(m_catalog.interactive_at("s9", noon).empty());
}

TEST(WrongCodeLimiterTest, FiveWrongCodesInTenMinutesSilenceASenderForTenMinutes) {
    WrongCodeLimiter limiter;
    for (int i = 0; i < 4; ++i) limiter.record_wrong("p", noon + std::chrono::minutes{i});
    EXPECT_FALSE(limiter.blocked("p", noon + 4min));
    limiter.record_wrong("p", noon + 4min);
    EXPECT_TRUE(limiter.blocked("p", noon + 4min));
    EXPECT_TRUE(limiter.blocked("p", noon + 13min));
    EXPECT_FALSE(limiter.blocked("p", noon + 15min)) << "the block lasts ten minutes";
    EXPECT_FALSE(limiter.blocked("q", noon + 4min)) << "only that sender";

    WrongCodeLimiter spread;
    for (int i = 0; i < 5; ++i) spread.record_wrong("p", noon + std::chrono::minutes{3 * i});
    EXPECT_FALSE(spread.blocked("p", noon + 12min))
        << "five wrong codes over twelve minutes are not five in ten";
    spread.sweep(noon + 30min);
    EXPECT_EQ(spread.tracked(), 0U) << "nothing recent: forgotten";
}

TEST(WrongCodeLimiterTest, AForgivenWrongCodeNoLongerCounts) {
    WrongCodeLimiter limiter;
    for (int i = 0; i < 4; ++i) limiter.record_wrong("p", noon + std::chrono::minutes{i});
    limiter.forgive("p", noon + 3min);
    limiter.forgive("p", noon + 9min);  // never recorded: nothing happens
    limiter.forgive("q", noon);
    limiter.record_wrong("p", noon + 4min);
    EXPECT_FALSE(limiter.blocked("p", noon + 4min)) << "four wrong codes stand, not five";
    limiter.record_wrong("p", noon + 5min);
    EXPECT_TRUE(limiter.blocked("p", noon + 5min));
    limiter.forgive("p", noon + 5min);
    EXPECT_TRUE(limiter.blocked("p", noon + 6min)) << "a block in force stays";
}

TEST(CredentialsTest, TokensAndEnrollmentCodesAreRandomAndStoredAsHashes) {
    const auto token = new_token().value();
    EXPECT_EQ(token.size(), 64U);
    EXPECT_NE(token, new_token().value());
    EXPECT_EQ(credential_hash(token).size(), 64U);
    EXPECT_NE(credential_hash(token), token);
    const auto code = new_enrollment_code().value();
    ASSERT_EQ(code.size(), 19U) << code;
    EXPECT_EQ(code[4], '-');
    EXPECT_EQ(code.find_first_of("ILOU"), std::string::npos) << "no letters people misread";
    std::string typed = code;
    typed.erase(std::remove(typed.begin(), typed.end(), '-'), typed.end());
    for (char& c : typed) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    EXPECT_EQ(normalize_enrollment_code(typed), normalize_enrollment_code(code));
}

}  // namespace
}  // namespace dwell::sync::hub
