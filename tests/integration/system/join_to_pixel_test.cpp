// The whole system on loopback, from scratch: dwell-hub, dwell-sync and dwell-player (offscreen) for
// one station screen. A person sends the code the screen shows in a signed LINE webhook; the player
// presents a frame with the join's toast and counter, and its shown record, with the moment it was
// presented, comes back to the hub through the agent. The join-to-pixel latency over 100 joins is
// printed against its budget; the joins appear in the participation report under the right screen
// and station; the screen's proof-of-play reaches the hub; and an operator's screenshot comes back.
#include <algorithm>
#include <csignal>
#include <fstream>
#include <thread>

#include <fmt/format.h>

#include "content/device_state.hpp"
#include "content/rfc3339.hpp"
#include "tests/integration/hub/hub_fixture.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

namespace dwell::test {
namespace {

using namespace std::chrono_literals;

constexpr int joins = 100;

class SystemTest : public HubTest {
  protected:
    std::filesystem::path write_device_config(const std::string& code) {
        const auto file = m_box / "device.yaml";
        std::ofstream{file} << fmt::format(
            "device: {{ id: s1, station: seoul, line: \"1\" }}\n"
            "hub:\n  url: http://127.0.0.1:{}\n  token_file: state/device.token\n  enrollment_code: {}\n"
            "  manifest_poll: 1s\n"
            "state_dir: state\n"
            "display: {{ driver: offscreen, size: 640x360 }}\n"
            "agent: {{ metrics: \"127.0.0.1:0\" }}\n",
            m_hub.port(), code);
        return file;
    }

    void start(const std::filesystem::path& config) {
        ProcessOptions agent;
        agent.arguments = {"--config", config.string()};
        agent.stderr_file = m_box / "agent.log";
        m_agent = std::make_unique<ChildProcess>(DWELL_SYNC_BIN, std::move(agent));
        ProcessOptions player;
        player.arguments = {"--config", config.string()};
        player.environment = {{"SDL_VIDEODRIVER", "offscreen"}, {"SDL_AUDIODRIVER", "dummy"}};
        player.stderr_file = m_box / "player.log";
        m_player = std::make_unique<ChildProcess>(DWELL_PLAYER_BIN, std::move(player));
    }

    [[nodiscard]] std::string logs() const {
        return "--- agent:\n" + read_text(m_box / "agent.log") + "--- player:\n" +
               read_text(m_box / "player.log");
    }

    static bool wait_for(const std::function<bool()>& condition, std::chrono::seconds timeout) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (!condition()) {
            if (std::chrono::steady_clock::now() >= deadline) return false;
            std::this_thread::sleep_for(50ms);
        }
        return true;
    }

    TempDir m_box;
    std::unique_ptr<ChildProcess> m_agent;
    std::unique_ptr<ChildProcess> m_player;
};

double quantile_ms(std::vector<double> values, double q) {
    std::ranges::sort(values);
    const auto index = static_cast<std::size_t>(q * static_cast<double>(values.size() - 1) + 0.5);
    return values[std::min(index, values.size() - 1)];
}

TEST_F(SystemTest, AJoinSentToTheHubIsOnTheScreenWithinFramesAndInTheReport) {
    const std::string code = add_screen("s1", "seoul", "1");
    upload_media();
    const auto campaign = put_campaign("fest");
    ASSERT_EQ(campaign.status, 201) << campaign.text;
    start(write_device_config(code));

    // From scratch: the agent enrolls and fetches the content, the player plays it and connects.
    ASSERT_TRUE(wait_for(
        [&] {
            const std::string agent = read_text(m_box / "agent.log");
            return agent.find("the player connected") != std::string::npos &&
                   agent.find("live feed is connected") != std::string::npos &&
                   agent.find("asset") != std::string::npos;
        },
        60s))
        << logs();
    ASSERT_TRUE(wait_for(
        [&] { return read_text(m_box / "player.log").find("first frame") != std::string::npos; }, 30s))
        << logs();
    std::this_thread::sleep_for(2s);  // the player picks the stored manifest up within 2 s

    // 100 people, each sending the code the screen shows now, as LINE would post it.
    std::vector<config::WallTime> posted;
    for (int i = 0; i < joins; ++i) {
        const auto now_code = current_code("fest", "s1", config::ChannelKind::line);
        const auto person = static_cast<std::uint64_t>(1000 + i);
        posted.push_back(wall_now());
        const auto reply =
            post_one(config::ChannelKind::line, message(person, person, now_code, fmt::format("P{}", i)));
        ASSERT_EQ(reply.status, 200) << reply.text;
        ASSERT_EQ(reply.body.at("results").at(0).at("outcome").as_string(), "joined") << reply.text;
        std::this_thread::sleep_for(50ms);  // one toast at a time: a burst shows only its last few
    }

    // Each join's seq, in the order the hub made them, which is the order they were posted.
    const auto join_seqs =
        column("SELECT seq FROM events WHERE screen = 's1' AND body LIKE '%\"type\":\"join\"%' ORDER BY seq");
    ASSERT_EQ(join_seqs.size(), static_cast<std::size_t>(joins));

    // The player's shown records say when each toast reached the screen; the agent ships them.
    ASSERT_TRUE(wait_for(
        [&] { return count_rows("SELECT count(*) FROM records WHERE type = 'shown'") >= joins; }, 60s))
        << "shown records at the hub: " << count_rows("SELECT count(*) FROM records WHERE type = 'shown'")
        << "\n"
        << logs();
    std::map<std::string, config::WallTime> shown_at;
    for (const auto& body : column("SELECT body FROM records WHERE type = 'shown' AND screen = 's1'")) {
        const auto json = boost::json::parse(body);
        shown_at[std::to_string(json.at("seq").to_number<std::uint64_t>())] =
            content::parse_rfc3339(json.at("at").as_string()).value();
    }
    // The player's clock is the hub's (it applies the offset the agent measured); on one machine
    // that offset is close to 0, and taken back out here.
    auto state = content::DeviceState::open(m_box / "state" / "state.db").value();
    const auto offset = state->clock_offset().value();
    std::vector<double> latencies;
    for (int i = 0; i < joins; ++i) {
        const auto found = shown_at.find(join_seqs[static_cast<std::size_t>(i)]);
        ASSERT_NE(found, shown_at.end())
            << "join " << i << " (seq " << join_seqs[static_cast<std::size_t>(i)] << ") was never shown";
        const auto latency = found->second - offset - posted[static_cast<std::size_t>(i)];
        latencies.push_back(std::chrono::duration<double, std::milli>(latency).count());
    }
    const double p50 = quantile_ms(latencies, 0.50);
    const double p99 = quantile_ms(latencies, 0.99);
    std::printf(
        "join-to-pixel over %d joins (webhook POST to presented frame): p50 %.1f ms (budget 30), "
        "p99 %.1f ms (budget 100); clock offset %lld ms\n",
        joins, p50, p99, static_cast<long long>(offset.count()));
    // No threshold on a shared machine; a toast must still come after its webhook, and come.
    EXPECT_GT(*std::ranges::min_element(latencies), 0.0) << "a toast before its webhook: the clocks disagree";
    EXPECT_LT(p99, 10'000.0);

    // The report counts them under the screen and the station that showed the code.
    const auto by_screen = report("campaign=fest&by=screen");
    ASSERT_EQ(by_screen.status, 200) << by_screen.text;
    EXPECT_EQ(joins_of(by_screen, "s1"), joins) << by_screen.text;
    const auto by_station = report("campaign=fest&by=station");
    EXPECT_EQ(joins_of(by_station, "seoul"), joins) << by_station.text;

    // Proof of play: the clip (1 s) has played to its end and its record reached the hub.
    ASSERT_TRUE(wait_for(
        [&] { return count_rows("SELECT count(*) FROM records WHERE type = 'play' AND screen = 's1'") > 0; },
        30s))
        << logs();
    EXPECT_EQ(count_rows("SELECT count(*) FROM plays WHERE screen = 's1' AND campaign = 'fest'"),
              count_rows("SELECT count(*) FROM records WHERE type = 'play' AND screen = 's1'"));

    // An operator's screenshot is the screen's frame, at the screen's size.
    const auto requested = call(http::verb::post, "/v1/screens/s1/screenshots", m_hub.operator_token());
    ASSERT_EQ(requested.status, 202) << requested.text;
    const std::string shot{requested.body.at("id").as_string()};
    JsonResponse taken;
    ASSERT_TRUE(wait_for(
        [&] {
            taken = call(http::verb::get, "/v1/screenshots/" + shot, m_hub.operator_token());
            return taken.status == 200 && taken.body.at("status").as_string() != "pending";
        },
        20s))
        << logs();
    EXPECT_EQ(taken.body.at("status").as_string(), "taken") << taken.text;
    EXPECT_EQ(taken.body.at("width").to_number<int>(), 640) << taken.text;
    EXPECT_EQ(taken.body.at("height").to_number<int>(), 360) << taken.text;

    m_player->signal(SIGTERM);
    EXPECT_EQ(m_player->wait(15s).exit_code, 0) << logs();
    m_agent->signal(SIGTERM);
    EXPECT_EQ(m_agent->wait(15s).exit_code, 0) << logs();
}

}  // namespace
}  // namespace dwell::test
