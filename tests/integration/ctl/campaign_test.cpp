// campaign apply|list|show|delete against a real hub.
#include <fstream>
#include <regex>

#include <fmt/format.h>

#include "content/asset_cache.hpp"
#include "content/campaign_codec.hpp"
#include "tests/integration/ctl/ctl_fixture.hpp"
#include "tests/support/media.hpp"

namespace dwell::test {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class CampaignTest : public CtlTest {
  protected:
    void SetUp() override {
        CtlTest::SetUp();
        add_screen("s1", "seoul", "1");
        add_screen("s2", "city-hall", "2");
        add_screen("s3", "gangnam", "9");  // not targeted
        m_folder = m_work / "fest";
        make_media(m_folder);
    }

    std::filesystem::path m_folder;
};

TEST_F(CampaignTest, ApplyUploadsTheAssetsThenSkipsThemOnTheSecondApply) {
    const auto file = write_campaign(m_folder, "fest");
    const std::string clip_hash = *content::sha256_of_file(m_folder / "clip.mp4");
    const std::string poster_hash = *content::sha256_of_file(m_folder / "poster.png");

    const CtlRun first = ctl({"campaign", "apply", file.string()});
    ASSERT_EQ(first.exit_code, 0) << first;
    EXPECT_THAT(first.out, HasSubstr("uploaded clip.mp4"));
    EXPECT_THAT(first.out, HasSubstr("uploaded poster.png"));
    EXPECT_THAT(first.out, HasSubstr("sha256 " + clip_hash));
    EXPECT_THAT(first.out, HasSubstr("campaign fest created; shown on 2 screens"));
    // Not a terminal: one line per upload on standard error, no bar.
    EXPECT_THAT(first.err, HasSubstr("uploading clip.mp4"));
    EXPECT_THAT(first.err, Not(HasSubstr("\r")));
    const auto assets = hub_assets();
    EXPECT_EQ(assets,
              (std::map<std::string, std::string>{{clip_hash, "clip.mp4"}, {poster_hash, "poster.png"}}));

    const CtlRun second = ctl({"campaign", "apply", file.string()});
    ASSERT_EQ(second.exit_code, 0) << second;
    EXPECT_THAT(second.out, HasSubstr("skipped clip.mp4"));
    EXPECT_THAT(second.out, HasSubstr("skipped poster.png"));
    EXPECT_THAT(second.out, Not(HasSubstr("uploaded")));
    EXPECT_THAT(second.err, Not(HasSubstr("uploading")));
    EXPECT_THAT(second.out, HasSubstr("campaign fest updated; shown on 2 screens"));
    EXPECT_EQ(hub_assets().size(), 2U);

    // The stored items name the exact bytes.
    const auto stored = call(http::verb::get, "/v1/campaigns/fest", Role::marketer);
    ASSERT_EQ(stored.status, 200) << stored.text;
    const auto& items = stored.body.at("campaign").at("items").as_array();
    ASSERT_EQ(items.size(), 2U);
    EXPECT_EQ(items[0].at("sha256").as_string(), clip_hash);
    EXPECT_EQ(items[1].at("sha256").as_string(), poster_hash);
}

TEST_F(CampaignTest, ChangedBytesAreUploadedAgain) {
    const auto file = write_campaign(m_folder, "fest");
    apply(file);
    const std::string error = ffmpeg(fmt::format("-f lavfi -i color=c=red:size=160x90 -frames:v 1 '{}'",
                                                 (m_folder / "poster.png").string()));
    ASSERT_EQ(error, "");
    const CtlRun run = ctl({"campaign", "apply", file.string()});
    ASSERT_EQ(run.exit_code, 0) << run;
    EXPECT_THAT(run.out, HasSubstr("skipped clip.mp4"));
    EXPECT_THAT(run.out, HasSubstr("uploaded poster.png"));
    EXPECT_EQ(hub_assets().size(), 3U);
}

TEST_F(CampaignTest, AFileMissingHereIsFineWhenTheHubHasItsName) {
    const auto file = write_campaign(m_folder, "fest");
    apply(file);
    std::filesystem::remove(m_folder / "poster.png");
    const CtlRun run = ctl({"campaign", "apply", file.string()});
    ASSERT_EQ(run.exit_code, 0) << run;
    EXPECT_THAT(run.out, HasSubstr("using   poster.png"));
    EXPECT_THAT(run.out, HasSubstr("campaign fest updated"));
}

TEST_F(CampaignTest, AFileNeitherHereNorOnTheHubIsNamedAndNothingIsStored) {
    const auto file = write_campaign(m_folder, "fest");
    std::filesystem::remove(m_folder / "poster.png");
    const CtlRun run = ctl({"campaign", "apply", file.string()});
    EXPECT_EQ(run.exit_code, 2) << run;
    EXPECT_THAT(run.err, HasSubstr((m_folder / "poster.png").string() + " is not found"));
    EXPECT_THAT(run.err, HasSubstr("dwellctl: "));
    EXPECT_TRUE(hub_assets().empty()) << "nothing is uploaded when a file is missing";
    EXPECT_EQ(call(http::verb::get, "/v1/campaigns/fest", Role::marketer).status, 404U);
}

TEST_F(CampaignTest, BadYamlIsReportedWithItsPositionWithoutContactingTheHub) {
    const auto file = m_folder / "broken.yaml";
    std::ofstream{file} << "id: Bad Id\n"
                           "name: broken\n"
                           "window: { start: 2020-01-01T00:00:00Z, end: 2019-01-01T00:00:00Z }\n"
                           "targets: { lines: [\"1\"] }\n"
                           "priority: urgent\n"
                           "items:\n"
                           "  - { asset: clip.mp4 }\n";
    const SilentPort hub;
    const CtlRun run = run_ctl({"--hub", hub.url(), "--token", "t", "campaign", "apply", file.string()});
    EXPECT_EQ(run.exit_code, 2) << run;
    EXPECT_THAT(run.err, HasSubstr(file.string() + ":1:"));  // the id
    EXPECT_THAT(run.err, HasSubstr(file.string() + ":5:"));  // the priority
    EXPECT_FALSE(hub.contacted());

    std::ofstream{file} << "id: [unclosed\n";
    const CtlRun syntax = run_ctl({"--hub", hub.url(), "--token", "t", "campaign", "apply", file.string()});
    EXPECT_EQ(syntax.exit_code, 2) << syntax;
    EXPECT_THAT(syntax.err, HasSubstr(file.string() + ":"));
    EXPECT_FALSE(hub.contacted());

    const CtlRun missing =
        run_ctl({"--hub", hub.url(), "--token", "t", "campaign", "apply", (m_folder / "nope.yaml").string()});
    EXPECT_EQ(missing.exit_code, 2) << missing;
    EXPECT_THAT(missing.err, HasSubstr("nope.yaml"));
    EXPECT_FALSE(hub.contacted());
}

TEST_F(CampaignTest, TheHubsRefusalIsExitOneWithItsMessage) {
    // Valid YAML, but the hub has no channel "line-nowhere".
    const auto file = write_campaign(m_folder, "fest");
    std::ifstream in(file);
    std::string text{std::istreambuf_iterator<char>{in}, {}};
    text.replace(text.find("line-test"), 9, "line-nowhere");
    std::ofstream{file} << text;
    const CtlRun run = ctl({"campaign", "apply", file.string()});
    EXPECT_EQ(run.exit_code, 1) << run;
    EXPECT_THAT(run.err, HasSubstr("400"));
    EXPECT_THAT(run.err, HasSubstr("line-nowhere"));
}

TEST_F(CampaignTest, ListShowAndDelete) {
    apply(write_campaign(m_folder, "fest"));
    apply(write_campaign(m_folder, "autumn", "priority: high\n"));

    const CtlRun list = ctl({"campaign", "list"});
    ASSERT_EQ(list.exit_code, 0) << list;
    EXPECT_THAT(list.out, HasSubstr("ID"));
    EXPECT_THAT(list.out, HasSubstr("JOINS"));
    EXPECT_TRUE(std::regex_search(
        list.out,
        std::regex{
            R"(fest\s+스티커 페스티벌 fest\s+normal\s+2020-01-01T00:00:00\+09:00 to 2099-01-01T00:00:00\+09:00\s+2\s+0)"}))
        << list.out;
    EXPECT_TRUE(std::regex_search(list.out, std::regex{R"(autumn\s+.*\s+high\s+)"})) << list.out;

    const CtlRun raw = ctl({"campaign", "list", "--json"});
    ASSERT_EQ(raw.exit_code, 0) << raw;
    const auto json = boost::json::parse(raw.out);
    EXPECT_EQ(json.at("campaigns").as_array().size(), 2U);

    const CtlRun show = ctl({"campaign", "show", "fest"});
    ASSERT_EQ(show.exit_code, 0) << show;
    EXPECT_THAT(show.out, HasSubstr("# shown on 2 screens: s1, s2"));
    EXPECT_THAT(show.out, HasSubstr("# joins: 0"));
    // What show prints is the campaign, as a file that reads back the same.
    auto shown = content::campaign_from_yaml(show.out, "shown");
    ASSERT_TRUE(shown) << shown.error().message;
    const auto stored = call(http::verb::get, "/v1/campaigns/fest", Role::marketer);
    auto expected = content::campaign_from_json(stored.body.at("campaign"), "stored");
    ASSERT_TRUE(expected);
    EXPECT_EQ(*shown, *expected);

    const CtlRun removed = ctl({"campaign", "delete", "fest"});
    ASSERT_EQ(removed.exit_code, 0) << removed;
    EXPECT_THAT(removed.out, HasSubstr("campaign fest deleted"));
    EXPECT_EQ(call(http::verb::get, "/v1/campaigns/fest", Role::marketer).status, 404U);

    const CtlRun after = ctl({"campaign", "list"});
    EXPECT_THAT(after.out, Not(HasSubstr("fest")));
    EXPECT_THAT(after.out, HasSubstr("autumn"));

    const CtlRun gone = ctl({"campaign", "show", "fest"});
    EXPECT_EQ(gone.exit_code, 1) << gone;
    EXPECT_THAT(gone.err, HasSubstr("404"));
    EXPECT_THAT(gone.err, HasSubstr("no campaign fest"));

    const CtlRun again = ctl({"campaign", "delete", "fest"});
    EXPECT_EQ(again.exit_code, 1) << again;
}

TEST_F(CampaignTest, AnEmptyListSaysSo) {
    const CtlRun list = ctl({"campaign", "list"});
    ASSERT_EQ(list.exit_code, 0) << list;
    EXPECT_THAT(list.out, HasSubstr("no campaigns"));
}

}  // namespace
}  // namespace dwell::test
