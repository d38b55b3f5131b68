// simulate: signed webhooks for each platform become joins the participation report counts, and the
// participation report as dwellctl prints it.
#include <fstream>
#include <regex>

#include <fmt/format.h>

#include "tests/integration/ctl/ctl_fixture.hpp"

namespace dwell::test {
namespace {

using config::ChannelKind;
using ::testing::HasSubstr;

class SimulateTest : public CtlTest {
  protected:
    void SetUp() override {
        CtlTest::SetUp();
        add_screen("s1", "seoul", "1");
        add_screen("s2", "city-hall", "2");
        add_screen("s3", "gangnam", "2");
        const auto folder = m_work / "fest";
        make_media(folder);
        apply(write_campaign(folder, "fest"));
    }

    CtlRun simulate(ChannelKind kind, std::vector<std::string> extra) {
        std::vector<std::string> arguments{"simulate", "--channel", test_channel(kind), "--hub-config",
                                           m_hub.config_file().string()};
        arguments.insert(arguments.end(), extra.begin(), extra.end());
        return ctl(std::move(arguments), Role::operator_);
    }

    // Joins per screen from the hub's report.
    std::map<std::string, std::int64_t> joins_by_screen() {
        const auto report =
            call(http::verb::get, "/v1/reports/participation?campaign=fest&by=screen", Role::marketer);
        if (report.status != 200) throw std::runtime_error(report.text);
        std::map<std::string, std::int64_t> out;
        for (const auto& row : report.body.at("rows").as_array())
            out[std::string{row.at("key").as_string()}] = row.at("joins").as_int64();
        return out;
    }

    std::int64_t total_joins() {
        const auto report = call(http::verb::get, "/v1/reports/participation?campaign=fest", Role::marketer);
        if (report.status != 200) throw std::runtime_error(report.text);
        return report.body.at("total").at("joins").as_int64();
    }
};

class SimulatePlatformTest : public SimulateTest, public ::testing::WithParamInterface<ChannelKind> {};

TEST_P(SimulatePlatformTest, EveryPersonBecomesAJoin) {
    const ChannelKind kind = GetParam();
    const CtlRun run = simulate(kind, {"--people", "12", "--rate", "60/s"});
    ASSERT_EQ(run.exit_code, 0) << run;
    EXPECT_THAT(run.out, HasSubstr(fmt::format("simulating 12 people on channel {} ({})", test_channel(kind),
                                               config::to_string(kind))));
    EXPECT_THAT(run.out, HasSubstr("sent 12, accepted 12 (HTTP 200), failed 0"));
    if (kind == ChannelKind::telegram || kind == ChannelKind::kakao)
        EXPECT_THAT(run.out, HasSubstr("12 webhooks accepted"));
    else
        EXPECT_THAT(run.out, HasSubstr("outcomes: joined 12\n"));
    EXPECT_TRUE(std::regex_search(run.out, std::regex{R"(latency: p50 [0-9.]+ ms, p99 [0-9.]+ ms)"})) << run;
    EXPECT_EQ(total_joins(), 12);

    // A second crowd is new people, not the first one's repeats.
    const CtlRun again = simulate(kind, {"--people", "5", "--rate", "100/s"});
    ASSERT_EQ(again.exit_code, 0) << again;
    EXPECT_EQ(total_joins(), 17);
}

INSTANTIATE_TEST_SUITE_P(Platforms, SimulatePlatformTest,
                         ::testing::Values(ChannelKind::line, ChannelKind::telegram, ChannelKind::kakao,
                                           ChannelKind::whatsapp, ChannelKind::generic),
                         [](const auto& test) { return std::string{config::to_string(test.param)}; });

TEST_F(SimulateTest, ChosenScreensGetTheJoins) {
    const CtlRun run = simulate(ChannelKind::line, {"--people", "9", "--rate", "200", "--screens", "s1,s3"});
    ASSERT_EQ(run.exit_code, 0) << run;
    EXPECT_THAT(run.out, HasSubstr("over 2 screens"));
    const auto joins = joins_by_screen();
    EXPECT_FALSE(joins.contains("s2"));
    std::int64_t sum = 0;
    for (const auto& [screen, count] : joins) sum += count;
    EXPECT_EQ(sum, 9);
}

TEST_F(SimulateTest, WrongCodesFirstAreCountedAndDoNotJoin) {
    const CtlRun run =
        simulate(ChannelKind::line, {"--people", "6", "--rate", "100/s", "--wrong", "1", "--seed", "7"});
    ASSERT_EQ(run.exit_code, 0) << run;
    EXPECT_THAT(run.out, HasSubstr("6 with a wrong code first; 12 webhooks"));
    EXPECT_THAT(run.out, HasSubstr("sent 12, accepted 12 (HTTP 200), failed 0"));
    EXPECT_THAT(run.out, HasSubstr("outcomes: joined 6, wrong_code 6"));
    EXPECT_EQ(total_joins(), 6);
}

TEST_F(SimulateTest, TheRateIsPaced) {
    const auto began = std::chrono::steady_clock::now();
    const CtlRun run = simulate(ChannelKind::generic, {"--people", "11", "--rate", "20/s"});
    const auto took = std::chrono::steady_clock::now() - began;
    ASSERT_EQ(run.exit_code, 0) << run;
    // Eleven people at 20/s: the last one starts half a second after the first.
    EXPECT_GE(took, std::chrono::milliseconds{500});
    EXPECT_TRUE(std::regex_search(run.out, std::regex{R"(rate: [0-9.]+ people/s)"})) << run;
}

TEST_F(SimulateTest, AWrongWebhookSecretFailsWithTheHubsAnswer) {
    // A copy of hub.yaml whose LINE secret is not the hub's.
    const auto secret = m_work.write("wrong-secret", "not-the-secret\n");
    std::ifstream in(m_hub.config_file());
    std::string text{std::istreambuf_iterator<char>{in}, {}};
    const std::string from = "secret_file: secrets/line-test";
    text.replace(text.find(from), from.size(), "secret_file: " + secret.string());
    std::string channels_dir = (m_hub.folder() / "secrets").string();
    // Other channels' secret files stay where the hub's are.
    text =
        std::regex_replace(text, std::regex{"secret_file: secrets/"}, "secret_file: " + channels_dir + "/");
    text = std::regex_replace(text, std::regex{"verify_token_file: secrets/"},
                              "verify_token_file: " + channels_dir + "/");
    text = std::regex_replace(text, std::regex{"data_dir: data"}, "data_dir: " + (m_work / "data").string());
    const auto copy = m_work.write("hub.yaml", text);

    const CtlRun run = ctl({"simulate", "--channel", "line-test", "--hub-config", copy.string(), "--people",
                            "2", "--rate", "100/s"},
                           Role::operator_);
    EXPECT_EQ(run.exit_code, 1) << run;
    EXPECT_THAT(run.out, HasSubstr("failed 2"));
    EXPECT_THAT(run.err, HasSubstr("401 Unauthorized"));
    EXPECT_EQ(total_joins(), 0);
}

TEST_F(SimulateTest, BadSetupIsExplained) {
    const CtlRun defaults = simulate(ChannelKind::line, {});
    ASSERT_EQ(defaults.exit_code, 0) << defaults;  // 10 people at 10/s

    const CtlRun channel =
        ctl({"simulate", "--channel", "line-nowhere", "--hub-config", m_hub.config_file().string()},
            Role::operator_);
    EXPECT_EQ(channel.exit_code, 2) << channel;
    EXPECT_THAT(channel.err, HasSubstr("has no channel line-nowhere"));

    const CtlRun screen = simulate(ChannelKind::line, {"--screens", "s9"});
    EXPECT_EQ(screen.exit_code, 2) << screen;
    EXPECT_THAT(screen.err, HasSubstr("s9 shows no join code for channel line-test"));

    const CtlRun rate = simulate(ChannelKind::line, {"--rate", "fast"});
    EXPECT_EQ(rate.exit_code, 2) << rate;
    EXPECT_THAT(rate.err, HasSubstr("\"fast\" is not a rate"));
    const CtlRun crawl = simulate(ChannelKind::line, {"--rate", "1e-300/s"});
    EXPECT_EQ(crawl.exit_code, 2) << crawl;
    EXPECT_THAT(crawl.err, HasSubstr("from 0.01/s"));

    const CtlRun wrong = simulate(ChannelKind::line, {"--wrong", "1.5"});
    EXPECT_EQ(wrong.exit_code, 2) << wrong;

    const CtlRun config =
        ctl({"simulate", "--channel", "line-test", "--hub-config", (m_work / "none.yaml").string()},
            Role::operator_);
    EXPECT_EQ(config.exit_code, 2) << config;
    EXPECT_THAT(config.err, HasSubstr("none.yaml"));

    const CtlRun marketer = ctl(
        {"simulate", "--channel", "line-test", "--hub-config", m_hub.config_file().string()}, Role::marketer);
    EXPECT_EQ(marketer.exit_code, 1) << marketer;
    EXPECT_THAT(marketer.err, HasSubstr("403"));
    EXPECT_EQ(total_joins(), 10);
}

// ---- report participation ----------------------------------------------------------------

TEST_F(SimulateTest, ReportShowsTheSimulatedJoins) {
    ASSERT_EQ(
        simulate(ChannelKind::telegram, {"--people", "3", "--rate", "100/s", "--screens", "s2"}).exit_code,
        0);
    ASSERT_EQ(simulate(ChannelKind::kakao, {"--people", "2", "--rate", "100/s", "--screens", "s1"}).exit_code,
              0);

    const CtlRun table = ctl({"report", "participation", "--campaign", "fest"});
    ASSERT_EQ(table.exit_code, 0) << table;
    EXPECT_THAT(table.out, HasSubstr("participation by screen for campaign fest"));
    EXPECT_TRUE(
        std::regex_search(table.out, std::regex{R"(SCREEN\s+STATION\s+LINE\s+JOINS\s+PEOPLE\s+PLAYS)"}))
        << table;
    EXPECT_TRUE(std::regex_search(table.out, std::regex{R"(\ns1\s+seoul\s+1\s+2\s+2\s+0\s+-\n)"})) << table;
    EXPECT_TRUE(std::regex_search(table.out, std::regex{R"(\ns2\s+city-hall\s+2\s+3\s+3\s+0\s+-\n)"}))
        << table;
    EXPECT_THAT(table.out, HasSubstr("total: 5 joins, 5 people, 0 plays\n"));

    const CtlRun by_line = ctl({"report", "participation", "--by", "line"});
    ASSERT_EQ(by_line.exit_code, 0) << by_line;
    EXPECT_TRUE(std::regex_search(by_line.out, std::regex{R"(\n1\s+2\s+2\s+0)"})) << by_line;
    EXPECT_TRUE(std::regex_search(by_line.out, std::regex{R"(\n2\s+3\s+3\s+0)"})) << by_line;

    // CSV is the hub's, byte for byte.
    const CtlRun csv = ctl({"report", "participation", "--campaign", "fest", "--csv"});
    ASSERT_EQ(csv.exit_code, 0) << csv;
    auto client = m_hub.client();
    sync::net::Fields fields = bearer(m_hub.marketer_token());
    fields.emplace_back("Accept", "text/csv");
    auto direct =
        client->request(http::verb::get, "/v1/reports/participation?by=screen&campaign=fest", fields);
    ASSERT_TRUE(direct);
    EXPECT_EQ(csv.out, direct->body());
    EXPECT_THAT(csv.out, HasSubstr("screen,station,line,joins,unique_people,plays,joins_per_1000_plays\r\n"));
    EXPECT_THAT(csv.out, HasSubstr("s2,city-hall,2,3,3,0,\r\n"));

    const CtlRun raw = ctl({"report", "participation", "--json"});
    ASSERT_EQ(raw.exit_code, 0) << raw;
    EXPECT_EQ(boost::json::parse(raw.out).at("total").at("joins").as_int64(), 5);
}

TEST_F(SimulateTest, ReportTimesInBothFormsBoundTheSpan) {
    ASSERT_EQ(simulate(ChannelKind::line, {"--people", "4", "--rate", "100/s"}).exit_code, 0);
    const CtlRun inside =
        ctl({"report", "participation", "--from", "@0", "--to", "2099-01-01T09:00:00+09:00"});
    ASSERT_EQ(inside.exit_code, 0) << inside;
    EXPECT_THAT(inside.out, HasSubstr("1970-01-01T00:00:00.000Z to 2099-01-01T00:00:00.000Z"));
    EXPECT_THAT(inside.out, HasSubstr("total: 4 joins"));

    const CtlRun before =
        ctl({"report", "participation", "--from", "2021-01-01T00:00:00Z", "--to", "@1600000000"});
    EXPECT_EQ(before.exit_code, 1) << before;  // from after to: the hub says so
    EXPECT_THAT(before.err, HasSubstr("from must be before to"));

    const CtlRun earlier = ctl({"report", "participation", "--to", "@1600000000"});
    ASSERT_EQ(earlier.exit_code, 0) << earlier;
    EXPECT_THAT(earlier.out, HasSubstr("no joins or plays in this span"));
    EXPECT_THAT(earlier.out, HasSubstr("total: 0 joins"));

    const CtlRun hours =
        ctl({"report", "participation", "--by", "hour", "--tz", "Asia/Seoul", "--from", "@0"});
    ASSERT_EQ(hours.exit_code, 0) << hours;
    EXPECT_THAT(hours.out, HasSubstr("(hours in Asia/Seoul)"));
    EXPECT_THAT(hours.out, HasSubstr("total: 4 joins"));

    const CtlRun malformed = ctl({"report", "participation", "--from", "last week"});
    EXPECT_EQ(malformed.exit_code, 2) << malformed;
    EXPECT_THAT(malformed.err, HasSubstr("\"last week\" is not a time"));
    const CtlRun zone = ctl({"report", "participation", "--tz", "Seoul/Nowhere"});
    EXPECT_EQ(zone.exit_code, 2) << zone;
    const CtlRun by = ctl({"report", "participation", "--by", "week"});
    EXPECT_EQ(by.exit_code, 2) << by;
}

}  // namespace
}  // namespace dwell::test
