// Participation reports: joins and unique people next to reported plays, grouped by screen,
// station, line or local hour, as JSON and CSV.
#include <sstream>

#include <fmt/format.h>

#include "content/records.hpp"
#include "content/rfc3339.hpp"
#include "content/uuid.hpp"
#include "tests/integration/hub/hub_fixture.hpp"

namespace dwell::test {
namespace {

using namespace std::chrono_literals;
using config::ChannelKind;

// "2026-12-01T07:00" for the hour of `time` shifted by `offset`.
std::string hour_label(config::WallTime time, std::chrono::hours offset) {
    const auto local = std::chrono::floor<std::chrono::hours>(time + offset);
    const auto day = std::chrono::floor<std::chrono::days>(local);
    const std::chrono::year_month_day ymd{day};
    return fmt::format("{:04}-{:02}-{:02}T{:02}:00", static_cast<int>(ymd.year()),
                       static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                       (local - day).count());
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in{text};
    std::string line;
    while (std::getline(in, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        out.push_back(line);
    }
    return out;
}

class ReportTest : public HubTest {
  protected:
    void SetUp() override {
        HubTest::SetUp();
        stage();
        m_now = wall_now();
        // Two hours ago: two people at s1 (seoul, line 1), one at s2 (city-hall, line 2). Now: one more at
        // s1.
        m_earlier = m_now - 2h;
        join_at("s1", 1, m_earlier);
        join_at("s1", 2, m_earlier);
        join_at("s2", 3, m_earlier);
        join_at("s1", 4, m_now);
        // The screens' proof of play: four plays at s1, three at s2, none at s3, in the same hour as
        // the earlier joins.
        const auto hour = std::chrono::floor<std::chrono::hours>(m_earlier);
        report_plays("s1", 4, hour);
        report_plays("s2", 3, hour);
    }

    // A join sent at `at` with the code the screen showed then; the platform's send time counts.
    void join_at(std::string_view screen, std::uint64_t person, config::WallTime at) {
        const auto reply = post_one(
            ChannelKind::line, sync::messenger::OutgoingText{
                                   person, person, "", code_at("fest", screen, ChannelKind::line, at), at});
        if (reply.status != 200 || reply.body.at("results").at(0).at("outcome").as_string() != "joined")
            throw std::runtime_error("the join failed: " + reply.text);
    }

    void report_plays(const std::string& screen, int count, config::WallTime start) {
        const auto assets = call(http::verb::get, "/v1/assets", m_hub.marketer_token());
        const std::string sha256{assets.body.at("assets").at(0).at("sha256").as_string()};
        std::vector<content::Record> records;
        for (int i = 0; i < count; ++i)
            records.push_back(content::Record{
                content::uuid_v7(wall_now()), screen,
                content::PlayRecord{"fest", sha256, start + i * 5s, start + (i + 1) * 5s, true, 0}});
        const auto reply =
            call_text(http::verb::post, fmt::format("/v1/devices/{}/reports", screen), m_devices.at(screen),
                      content::records_to_json_body(records), "application/json");
        if (reply.status != 200) throw std::runtime_error("reporting plays failed: " + reply.text);
    }

    static const boost::json::object* row(const JsonResponse& report, std::string_view key) {
        for (const auto& entry : report.body.at("rows").as_array())
            if (entry.at("key").as_string() == key) return &entry.as_object();
        return nullptr;
    }

    // A second interactive campaign on every screen, taking joins on `channel`.
    void add_other_campaign(std::string_view channel) {
        const auto put = call_text(
            http::verb::put, "/v1/campaigns/other", m_hub.marketer_token(),
            fmt::format(R"({{"id":"other","name":"Other","window":{{"start":"2020-01-01T00:00:00Z",)"
                        R"("end":"2099-01-01T00:00:00Z"}},"targets":{{"all":true}},)"
                        R"("items":[{{"asset":"poster.png","duration":"5s"}}],)"
                        R"("join":{{"channels":["{}"],"prompt":"{{code}}"}}}})",
                        channel),
            "application/json");
        if (put.status != 201) throw std::runtime_error("adding the other campaign failed: " + put.text);
    }

    config::WallTime m_now{};
    config::WallTime m_earlier{};
};

TEST_F(ReportTest, ByScreenCountsJoinsPeopleAndPlaysWithTheJoinRate) {
    const auto report_ = report("campaign=fest&by=screen");
    ASSERT_EQ(report_.status, 200) << report_.text;
    EXPECT_EQ(report_.body.at("by").as_string(), "screen");
    EXPECT_EQ(report_.body.at("campaign").as_string(), "fest");
    ASSERT_EQ(report_.body.at("rows").as_array().size(), 2U) << report_.text;
    const auto* s1 = row(report_, "s1");
    ASSERT_NE(s1, nullptr) << report_.text;
    EXPECT_EQ(s1->at("station").as_string(), "seoul");
    EXPECT_EQ(s1->at("line").as_string(), "1");
    EXPECT_EQ(s1->at("joins").as_int64(), 3);
    EXPECT_EQ(s1->at("unique_people").as_int64(), 3);
    EXPECT_EQ(s1->at("plays").as_int64(), 4);
    EXPECT_DOUBLE_EQ(s1->at("joins_per_1000_plays").to_number<double>(), 750.0);
    const auto* s2 = row(report_, "s2");
    ASSERT_NE(s2, nullptr);
    EXPECT_EQ(s2->at("joins").as_int64(), 1);
    EXPECT_EQ(s2->at("plays").as_int64(), 3);
    EXPECT_DOUBLE_EQ(s2->at("joins_per_1000_plays").to_number<double>(), 333.33);
    const auto& total = report_.body.at("total").as_object();
    EXPECT_EQ(total.at("joins").as_int64(), 4);
    EXPECT_EQ(total.at("plays").as_int64(), 7);
    EXPECT_DOUBLE_EQ(total.at("joins_per_1000_plays").to_number<double>(), 571.43);

    // Joins without plays have no rate rather than a division by zero.
    join_at("s1", 5, m_now);
    const auto without =
        report(fmt::format("campaign=fest&by=screen&from={}", content::format_rfc3339(m_now - 1min)));
    ASSERT_EQ(without.status, 200) << without.text;
    const auto* recent = row(without, "s1");
    ASSERT_NE(recent, nullptr) << without.text;
    EXPECT_EQ(recent->at("joins").as_int64(), 2);
    EXPECT_EQ(recent->at("plays").as_int64(), 0);
    EXPECT_TRUE(recent->at("joins_per_1000_plays").is_null());
}

TEST_F(ReportTest, ByStationAndLineGroupTheScreens) {
    const auto stations = report("campaign=fest&by=station");
    ASSERT_EQ(stations.status, 200) << stations.text;
    EXPECT_EQ(joins_of(stations, "seoul"), 3);
    EXPECT_EQ(joins_of(stations, "city-hall"), 1);
    EXPECT_EQ(row(stations, "seoul")->at("plays").as_int64(), 4);
    const auto lines = report("campaign=fest&by=line");
    ASSERT_EQ(lines.status, 200) << lines.text;
    EXPECT_EQ(joins_of(lines, "1"), 3);
    EXPECT_EQ(joins_of(lines, "2"), 1);
    EXPECT_EQ(row(lines, "2")->at("plays").as_int64(), 3);
    EXPECT_EQ(row(lines, "2")->at("unique_people").as_int64(), 1);
}

TEST_F(ReportTest, ByHourUsesTheRequestedTimeZone) {
    const auto utc = report("campaign=fest&by=hour");
    ASSERT_EQ(utc.status, 200) << utc.text;
    EXPECT_EQ(utc.body.at("tz").as_string(), "UTC");
    const auto seoul = report("campaign=fest&by=hour&tz=Asia/Seoul");
    ASSERT_EQ(seoul.status, 200) << seoul.text;
    EXPECT_EQ(seoul.body.at("tz").as_string(), "Asia/Seoul");

    const std::string earlier_utc = hour_label(m_earlier, 0h);
    const std::string earlier_seoul = hour_label(m_earlier, 9h);  // Seoul has no daylight saving time
    const std::string now_seoul = hour_label(m_now, 9h);
    EXPECT_EQ(joins_of(utc, earlier_utc), 3) << utc.text;
    EXPECT_EQ(joins_of(seoul, earlier_seoul), 3) << seoul.text;
    EXPECT_EQ(joins_of(seoul, now_seoul), 1) << seoul.text;
    EXPECT_EQ(row(seoul, earlier_seoul)->at("plays").as_int64(), 7) << seoul.text;
    EXPECT_EQ(row(seoul, earlier_utc), nullptr) << "hour keys are local hours: " << seoul.text;
    EXPECT_EQ(seoul.body.at("rows").as_array().size(), 2U) << seoul.text;
    // Rows in time order.
    EXPECT_EQ(seoul.body.at("rows").at(0).at("key").as_string(), earlier_seoul);
    EXPECT_EQ(seoul.body.at("total").at("joins").as_int64(), 4);

    // from/to narrow the span: only the recent hour.
    const auto recent =
        report(fmt::format("campaign=fest&by=hour&tz=Asia/Seoul&from={}&to={}",
                           content::format_rfc3339(m_now - 30min), content::format_rfc3339(m_now + 30min)));
    ASSERT_EQ(recent.status, 200) << recent.text;
    EXPECT_EQ(recent.body.at("total").at("joins").as_int64(), 1) << recent.text;
}

TEST_F(ReportTest, CsvHasAHeaderLineAndOneRowPerGroup) {
    const auto csv = call(http::verb::get, "/v1/reports/participation?campaign=fest&by=screen",
                          m_hub.marketer_token(), nullptr, {{"Accept", "text/csv"}});
    ASSERT_EQ(csv.status, 200) << csv.text;
    EXPECT_EQ(csv.header("Content-Type").substr(0, 8), "text/csv");
    const auto lines = lines_of(csv.text);
    ASSERT_EQ(lines.size(), 3U) << csv.text;
    EXPECT_EQ(lines[0], "screen,station,line,joins,unique_people,plays,joins_per_1000_plays");
    EXPECT_EQ(lines[1], "s1,seoul,1,3,3,4,750.00");
    EXPECT_EQ(lines[2], "s2,city-hall,2,1,1,3,333.33");
    EXPECT_EQ(csv.text.substr(csv.text.size() - 2), "\r\n");

    const auto by_format =
        call(http::verb::get, "/v1/reports/participation?campaign=fest&by=station&format=csv",
             m_hub.marketer_token());
    ASSERT_EQ(by_format.status, 200) << by_format.text;
    const auto station_lines = lines_of(by_format.text);
    ASSERT_EQ(station_lines.size(), 3U) << by_format.text;
    EXPECT_EQ(station_lines[0], "station,joins,unique_people,plays,joins_per_1000_plays");
    EXPECT_EQ(station_lines[1], "city-hall,1,1,3,333.33");

    const auto hours =
        call(http::verb::get, "/v1/reports/participation?campaign=fest&by=hour&tz=Asia/Seoul&format=csv",
             m_hub.marketer_token());
    const auto hour_lines = lines_of(hours.text);
    ASSERT_EQ(hour_lines.size(), 3U) << hours.text;
    EXPECT_EQ(hour_lines[0], "hour,joins,unique_people,plays,joins_per_1000_plays");
    EXPECT_EQ(hour_lines[1], fmt::format("{},3,3,7,428.57", hour_label(m_earlier, 9h)));
    EXPECT_EQ(hour_lines[2], fmt::format("{},1,1,0,", hour_label(m_now, 9h)));
}

TEST_F(ReportTest, AStationNameWithACommaIsQuotedInCsv) {
    ASSERT_EQ(call_text(http::verb::put, "/v1/screens/s1", m_hub.operator_token(),
                        R"({"id":"s1","station":"Seoul, \"Main\"","line":"1","timezone":"Asia/Seoul"})",
                        "application/json")
                  .status,
              200);
    const auto csv = call(http::verb::get, "/v1/reports/participation?campaign=fest&by=station&format=csv",
                          m_hub.marketer_token());
    const auto lines = lines_of(csv.text);
    ASSERT_EQ(lines.size(), 3U) << csv.text;
    EXPECT_EQ(lines[1], R"("Seoul, ""Main""",3,3,4,750.00)");
}

TEST_F(ReportTest, AStationNameASpreadsheetWouldRunIsKeptAsText) {
    ASSERT_EQ(call_text(http::verb::put, "/v1/screens/s1", m_hub.operator_token(),
                        R"x({"id":"s1","station":"=HYPERLINK(\"http://x\",\"y\")","line":"@1",)x"
                        R"("timezone":"Asia/Seoul"})",
                        "application/json")
                  .status,
              200);
    const auto csv = call(http::verb::get, "/v1/reports/participation?campaign=fest&by=screen&format=csv",
                          m_hub.marketer_token());
    const auto lines = lines_of(csv.text);
    ASSERT_EQ(lines.size(), 3U) << csv.text;
    EXPECT_EQ(lines[1], R"x(s1,"'=HYPERLINK(""http://x"",""y"")",'@1,3,3,4,750.00)x");
    // JSON is data, not a sheet: the name stays as it was given.
    EXPECT_EQ(report("campaign=fest&by=screen").body.at("rows").at(0).at("station").as_string(),
              R"x(=HYPERLINK("http://x","y"))x");
}

TEST_F(ReportTest, APersonInTwoCampaignsIsOneUniquePersonInTheTotal) {
    add_other_campaign("line-test");
    // Person 1 joined fest at s1 two hours ago; now they join the other campaign at s1 too.
    const auto joined =
        post_one(ChannelKind::line, message(50, 1, current_code("other", "s1", ChannelKind::line)));
    ASSERT_EQ(joined.body.at("results").at(0).at("outcome").as_string(), "joined") << joined.text;

    const auto all = report("by=screen");
    ASSERT_EQ(all.status, 200) << all.text;
    EXPECT_EQ(all.body.at("total").at("joins").as_int64(), 5) << all.text;
    EXPECT_EQ(all.body.at("total").at("unique_people").as_int64(), 4) << all.text;
    EXPECT_EQ(row(all, "s1")->at("joins").as_int64(), 4) << all.text;
    EXPECT_EQ(row(all, "s1")->at("unique_people").as_int64(), 3) << all.text;
    EXPECT_EQ(all.body.at("total").at("plays").as_int64(), 7) << all.text;
    const auto fest = report("campaign=fest&by=hour&tz=Asia/Seoul");
    EXPECT_EQ(fest.body.at("total").at("unique_people").as_int64(), 4) << fest.text;
    const auto recent = report(fmt::format("by=line&from={}", content::format_rfc3339(m_now - 30min)));
    EXPECT_EQ(recent.body.at("total").at("joins").as_int64(), 2) << recent.text;
    EXPECT_EQ(recent.body.at("total").at("unique_people").as_int64(), 2) << recent.text;
    EXPECT_EQ(recent.body.at("total").at("plays").as_int64(), 0) << recent.text;
}

TEST_F(ReportTest, CampaignFilterAndBadParameters) {
    add_other_campaign("telegram-test");
    ASSERT_EQ(
        post_one(ChannelKind::telegram, message(9, 9, current_code("other", "s3", ChannelKind::telegram)))
            .status,
        200);
    EXPECT_EQ(report("campaign=fest&by=screen").body.at("total").at("joins").as_int64(), 4);
    EXPECT_EQ(report("campaign=other&by=screen").body.at("total").at("joins").as_int64(), 1);
    EXPECT_EQ(report("by=screen").body.at("total").at("joins").as_int64(), 5);
    EXPECT_EQ(joins_of(report("by=station"), "gangnam"), 1);

    for (const std::string_view query :
         {"by=day", "by=screen&by=station", "campaign=fest%27%20OR%20%271%27=%271", "sort=joins",
          "by=hour&tz=Mars/Olympus", "by=hour&tz=Asia%2FSeoul%27%3B%20DROP%20TABLE%20joins", "from=yesterday",
          "from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z", "to=2026-13-01T00:00:00Z"}) {
        SCOPED_TRACE(std::string{query});
        const auto refused = report(query);
        EXPECT_EQ(refused.status, 400) << refused.text;
        EXPECT_EQ(refused.error_code(), "invalid_input") << refused.text;
    }
    EXPECT_EQ(count_rows("SELECT count(*) FROM joins"), 5);
    // A campaign that does not exist has nothing to report, which is not an error.
    const auto none = report("campaign=nothing&by=screen");
    EXPECT_EQ(none.status, 200) << none.text;
    EXPECT_TRUE(none.body.at("rows").as_array().empty());
}

}  // namespace
}  // namespace dwell::test
