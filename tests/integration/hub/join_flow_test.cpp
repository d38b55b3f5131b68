// The path of a join: a screen enrolls and fetches its manifest, a person sends the code the
// screen shows, the hub commits the join and the participation report counts it.
#include <fmt/format.h>

#include "tests/integration/hub/hub_fixture.hpp"

namespace dwell::test {
namespace {

using config::ChannelKind;
using sync::messenger::OutgoingText;

TEST_F(HubTest, ACodeShownAtAScreenBecomesAJoinAttributedToThatScreen) {
    const std::string code = add_screen("s1", "seoul", "1");
    add_screen("s2", "city-hall", "2");
    const std::string device = enroll(code);
    upload_media();
    const auto campaign = put_campaign("fest");
    ASSERT_EQ(campaign.status, 201) << campaign.text;

    auto manifest = call(http::verb::get, "/v1/devices/s1/manifest", device);
    ASSERT_EQ(manifest.status, 200) << manifest.text;
    EXPECT_EQ(manifest.body.at("campaigns").as_array().size(), 1U);
    EXPECT_EQ(manifest.body.at("joins").as_array().size(), 5U) << "one join block per channel";

    const std::string shown = current_code("fest", "s2", ChannelKind::line);
    const std::vector<OutgoingText> messages{
        {1, 7, "Kim Minhyun", shown, config::SystemClock{}.now()},
        {2, 8, "Jason", "hello", config::SystemClock{}.now()},
    };
    const auto reply = post_webhook(ChannelKind::line, messages);
    ASSERT_EQ(reply.status, 200) << reply.text;
    const auto& results = reply.body.at("results").as_array();
    ASSERT_EQ(results.size(), 2U);
    EXPECT_EQ(results[0].at("outcome").as_string(), "joined");
    EXPECT_EQ(results[0].at("screen").as_string(), "s2");
    EXPECT_EQ(results[1].at("outcome").as_string(), "not_a_join");

    auto report =
        call(http::verb::get, "/v1/reports/participation?campaign=fest&by=screen", m_hub.marketer_token());
    ASSERT_EQ(report.status, 200) << report.text;
    const auto& rows = report.body.at("rows").as_array();
    ASSERT_EQ(rows.size(), 1U) << report.text;
    EXPECT_EQ(rows[0].at("key").as_string(), "s2");
    EXPECT_EQ(rows[0].at("station").as_string(), "city-hall");
    EXPECT_EQ(rows[0].at("joins").as_int64(), 1);
}

}  // namespace
}  // namespace dwell::test
