// dwell-sync against a real dwell-hub on loopback: enrollment, the manifest and its assets reaching
// state.db and the cache, a changed campaign arriving by the poll, an interrupted download
// resumed with Range, corrupted bytes refused, the outbox reaching the hub exactly once (also
// across a hub outage and an agent killed over and over), and the configuration mistakes an
// installer makes.
#include <sys/stat.h>

#include <csignal>
#include <fstream>
#include <random>
#include <thread>

#include <fmt/format.h>

#include "content/asset_cache.hpp"
#include "content/device_state.hpp"
#include "content/uuid.hpp"
#include "tests/integration/hub/hub_fixture.hpp"
#include "tests/support/process.hpp"
#include "tests/support/tcp_proxy.hpp"
#include "tests/support/temp_dir.hpp"

namespace dwell::test {
namespace {

using namespace std::chrono_literals;

class AgentTest : public HubTest {
  protected:
    // A device.yaml for screen `id` talking to `port` (the hub's own by default).
    std::filesystem::path write_config(std::string_view id, std::optional<std::string> code,
                                       std::uint16_t port = 0) {
        const auto file = m_box / "device.yaml";
        std::ofstream out(file);
        out << fmt::format(
            "device: {{ id: {}, station: seoul, line: \"1\" }}\n"
            "hub:\n  url: http://127.0.0.1:{}\n  token_file: state/device.token\n{}  manifest_poll: 1s\n"
            "state_dir: state\nlog_level: debug\n",
            id, port == 0 ? m_hub.port() : port, code ? fmt::format("  enrollment_code: {}\n", *code) : "");
        return file;
    }

    void start_agent(const std::filesystem::path& config) {
        ProcessOptions options;
        options.arguments = {"--config", config.string()};
        options.stderr_file = log_file();
        m_agent = std::make_unique<ChildProcess>(DWELL_SYNC_BIN, std::move(options));
    }
    // Waits until the agent's log holds `text`.
    bool wait_log(std::string_view text, std::chrono::seconds timeout = 20s) const {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (agent_log().find(text) == std::string::npos) {
            if (std::chrono::steady_clock::now() >= deadline) return false;
            std::this_thread::sleep_for(50ms);
        }
        return true;
    }
    std::filesystem::path log_file() const { return m_box / fmt::format("agent-{}.log", m_starts); }
    std::string agent_log() const { return read_text(log_file()); }

    // SIGTERM, and how the agent ended.
    ProcessResult stop_agent() {
        m_agent->signal(SIGTERM);
        auto result = m_agent->wait(10s);
        m_agent.reset();
        ++m_starts;
        return result;
    }

    // Waits until state.db holds a manifest newer than `generation`.
    std::optional<content::StoredManifest> wait_manifest(std::int64_t after_generation = 0,
                                                         std::chrono::seconds timeout = 30s) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (std::chrono::steady_clock::now() < deadline) {
            if (std::filesystem::exists(m_box / "state" / "state.db")) {
                auto state = content::DeviceState::open(m_box / "state" / "state.db");
                if (state) {
                    auto stored = (*state)->manifest();
                    if (stored && *stored && (*stored)->generation > after_generation)
                        return std::move(**stored);
                }
            }
            std::this_thread::sleep_for(50ms);
        }
        return std::nullopt;
    }

    // Every asset of the manifest is in the cache with the right bytes.
    void expect_assets_cached(const content::Manifest& manifest) {
        ASSERT_FALSE(manifest.assets.empty());
        for (const auto& asset : manifest.assets) {
            const auto file = content::asset_path(m_box / "state" / "cache", asset.sha256).value();
            ASSERT_TRUE(std::filesystem::exists(file)) << asset.sha256;
            EXPECT_EQ(content::sha256_of_file(file).value(), asset.sha256);
            EXPECT_EQ(std::filesystem::file_size(file), asset.size);
        }
    }

    // Screen s1 (seoul, line 1) with the media and the campaign "fest"; its enrollment code.
    std::string stage_s1() {
        const std::string code = add_screen("s1", "seoul", "1");
        upload_media();
        const auto campaign = put_campaign("fest");
        if (campaign.status != 201) throw std::runtime_error("putting the campaign failed: " + campaign.text);
        return code;
    }

    // Adds `count` play records to the outbox, as the player does.
    void add_records(std::size_t count, std::string_view screen = "s1") {
        auto state = content::DeviceState::open(m_box / "state" / "state.db").value();
        std::vector<content::Record> records;
        const auto now = config::SystemClock{}.now();
        for (std::size_t i = 0; i < count; ++i)
            records.push_back(
                content::Record{content::uuid_v7(now), std::string{screen},
                                content::PlayRecord{"fest", std::string(64, 'a'), now, now, true, 0}});
        ASSERT_TRUE(state->append_records(records));
    }
    std::uint64_t waiting_records() {
        auto state = content::DeviceState::open(m_box / "state" / "state.db").value();
        return state->outbox_usage().value().records;
    }
    // Waits until the hub holds `count` records and the outbox is empty.
    bool wait_delivered(std::int64_t count, std::chrono::seconds timeout = 60s) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (std::chrono::steady_clock::now() < deadline) {
            if (count_rows("SELECT count(*) FROM records") == count && waiting_records() == 0) return true;
            std::this_thread::sleep_for(50ms);
        }
        return false;
    }

    TempDir m_box;
    std::unique_ptr<ChildProcess> m_agent;
    int m_starts = 0;
};

TEST_F(AgentTest, AFirstStartEnrollsDownloadsTheAssetsAndStoresTheManifest) {
    const std::string code = stage_s1();
    start_agent(write_config("s1", code));

    const auto stored = wait_manifest();
    ASSERT_TRUE(stored) << agent_log();
    EXPECT_EQ(stored->manifest.screen.id, "s1");
    ASSERT_EQ(stored->manifest.campaigns.size(), 1U);
    EXPECT_EQ(stored->manifest.campaigns[0].id, "fest");
    EXPECT_FALSE(stored->manifest.joins.empty()) << "the join blocks came along";
    EXPECT_FALSE(stored->etag.empty());
    expect_assets_cached(stored->manifest);

    const auto token_file = m_box / "state" / "device.token";
    struct stat info {};
    ASSERT_EQ(::stat(token_file.c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 0777, 0600U) << "the device token is readable by its owner only";
    std::string token;
    std::getline(std::ifstream{token_file}, token);
    EXPECT_EQ(call(http::verb::get, "/v1/devices/s1/manifest", token).status, 200) << "the saved token works";

    const auto ended = stop_agent();
    EXPECT_TRUE(ended.exited);
    EXPECT_EQ(ended.exit_code, 0) << "SIGTERM is a clean stop";
}

TEST_F(AgentTest, ARestartUsesTheSavedTokenAndAChangedCampaignArrivesByThePoll) {
    const std::string code = stage_s1();
    start_agent(write_config("s1", code));
    const auto first = wait_manifest();
    ASSERT_TRUE(first) << agent_log();
    EXPECT_EQ(stop_agent().exit_code, 0);

    // The code was used once; the box starts again from its token, without it.
    start_agent(write_config("s1", std::nullopt));
    ASSERT_EQ(put_campaign("sale").status, 201);
    const auto second = wait_manifest(first->generation);
    ASSERT_TRUE(second) << agent_log();
    EXPECT_EQ(second->manifest.campaigns.size(), 2U);
    EXPECT_NE(second->etag, first->etag);
    EXPECT_EQ(agent_log().find("enrolled"), std::string::npos) << "no second enrollment";
    EXPECT_EQ(stop_agent().exit_code, 0);
}

TEST_F(AgentTest, AnInterruptedDownloadResumesWithARangeRequest) {
    const std::string code = stage_s1();
    const auto clip = std::filesystem::file_size(m_media / "clip.mp4");
    ASSERT_GT(clip, 24'000U) << "the clip must be larger than where the proxy cuts";

    TcpProxy proxy{m_hub.port()};
    // Every connection of the first few is cut 12,000 bytes into what the hub sends: the manifest
    // and enrollment answers are smaller, the clip is not.
    proxy.cut_after(12'000, 4);
    start_agent(write_config("s1", code, proxy.port()));
    const auto stored = wait_manifest();
    ASSERT_TRUE(stored) << agent_log();
    expect_assets_cached(stored->manifest);
    EXPECT_GE(proxy.cuts(), 1);
    EXPECT_NE(agent_log().find("resuming"), std::string::npos) << agent_log();
    EXPECT_GE(metric(metrics(), R"(dwell_hub_http_responses_total{route="assets.get",status="206"})"), 1)
        << "the download went on from where it stopped";
    EXPECT_EQ(stop_agent().exit_code, 0);
}

TEST_F(AgentTest, AnAssetWhoseBytesDoNotMatchItsHashIsRefusedAndTheManifestWaits) {
    const std::string code = stage_s1();
    // Damage the clip on the hub's disk, keeping its size: the hub now serves wrong bytes.
    const auto sha = content::sha256_of_file(m_media / "clip.mp4").value();
    const auto stored_clip = m_hub.data_dir() / "assets" / sha;
    ASSERT_TRUE(std::filesystem::exists(stored_clip));
    {
        std::fstream file(stored_clip, std::ios::in | std::ios::out | std::ios::binary);
        file.seekp(1000);
        file.put('\x5a').put('\x5a').put('\x5a');
    }
    start_agent(write_config("s1", code));
    EXPECT_TRUE(wait_log("keeping the current content")) << agent_log();
    const std::string log = agent_log();
    EXPECT_NE(log.find(sha), std::string::npos) << "the log names the asset: " << log;
    EXPECT_FALSE(wait_manifest(0, 1s)) << "no manifest is stored while an asset is wrong";
    EXPECT_FALSE(std::filesystem::exists(content::asset_path(m_box / "state" / "cache", sha).value()))
        << "the wrong bytes were not installed";
    EXPECT_EQ(stop_agent().exit_code, 0);
}

TEST_F(AgentTest, RecordsInTheOutboxReachTheHubInBatchesAndLeaveIt) {
    start_agent(write_config("s1", stage_s1()));
    ASSERT_TRUE(wait_manifest()) << agent_log();
    add_records(1'234);
    ASSERT_TRUE(wait_delivered(1'234)) << agent_log();
    EXPECT_EQ(count_rows("SELECT count(DISTINCT id) FROM records"), 1'234);
    const double reports =
        metric(metrics(), R"(dwell_hub_http_responses_total{route="devices.reports",status="200"})");
    EXPECT_GE(reports, 3) << "at most 500 records go in one report";
    EXPECT_EQ(stop_agent().exit_code, 0);
}

TEST_F(AgentTest, RecordsQueuedWhileTheHubIsDownAreShippedOnceItIsBack) {
    TcpProxy proxy{m_hub.port()};
    start_agent(write_config("s1", stage_s1(), proxy.port()));
    ASSERT_TRUE(wait_manifest()) << agent_log();
    add_records(10);
    ASSERT_TRUE(wait_delivered(10)) << agent_log();

    m_hub.stop();
    add_records(300);
    wait_log("records wait in the outbox");
    EXPECT_NE(agent_log().find("300 records wait in the outbox"), std::string::npos) << agent_log();
    EXPECT_EQ(waiting_records(), 300U) << "nothing is dropped while the hub is away";

    m_hub.start();
    proxy.retarget(m_hub.port());
    reconnect();
    EXPECT_TRUE(wait_delivered(310)) << agent_log();
    EXPECT_EQ(stop_agent().exit_code, 0);
}

TEST_F(AgentTest, ARecordTheHubRefusesIsDroppedWithALineNamingItAndTheOthersArrive) {
    start_agent(write_config("s1", stage_s1()));
    ASSERT_TRUE(wait_manifest()) << agent_log();
    add_records(20);
    add_records(1, "s2");  // another screen's record: the hub never takes it from s1
    add_records(20);
    ASSERT_TRUE(wait_delivered(40)) << agent_log();
    EXPECT_NE(agent_log().find("the hub refuses play record"), std::string::npos) << agent_log();
    EXPECT_EQ(stop_agent().exit_code, 0);
}

TEST_F(AgentTest, AnAgentKilledAtRandomMomentsDeliversEveryRecordExactlyOnce) {
    const auto config = write_config("s1", stage_s1());
    start_agent(config);
    ASSERT_TRUE(wait_manifest()) << agent_log();
    EXPECT_EQ(stop_agent().exit_code, 0);
    add_records(10'000);

    std::mt19937 random{std::random_device{}()};
    std::uniform_int_distribution<int> moment_ms{5, 120};
    for (int kill = 0; kill < 20; ++kill) {
        start_agent(config);
        std::this_thread::sleep_for(std::chrono::milliseconds{moment_ms(random)});
        m_agent->signal(SIGKILL);
        m_agent->wait(10s);
        m_agent.reset();
        ++m_starts;
    }
    const auto left = waiting_records();
    EXPECT_LT(left, 10'000U) << "some records went out between the kills";
    start_agent(config);
    // Up before it is stopped: a SIGTERM before main() runs ends any program by the signal.
    ASSERT_TRUE(wait_log("asset cache")) << agent_log();
    ASSERT_TRUE(wait_delivered(10'000)) << "hub has " << count_rows("SELECT count(*) FROM records")
                                        << ", outbox " << waiting_records() << "\n"
                                        << agent_log();
    EXPECT_EQ(count_rows("SELECT count(DISTINCT id) FROM records"), 10'000);
    EXPECT_EQ(stop_agent().exit_code, 0);
}

TEST_F(AgentTest, AWrongEnrollmentCodeIsLoggedRetriedAndNothingIsSaved) {
    add_screen("s1", "seoul", "1");
    start_agent(write_config("s1", std::string{"WRONG-CODE-0000"}));
    wait_log("enrolling with");
    const std::string log = agent_log();
    EXPECT_NE(log.find("the hub refused enrollment (401)"), std::string::npos) << log;
    EXPECT_NE(log.find("trying again"), std::string::npos) << log;
    EXPECT_TRUE(m_agent->running()) << "a wrong code may be corrected at the hub: the agent keeps trying";
    EXPECT_FALSE(std::filesystem::exists(m_box / "state" / "device.token"));
    EXPECT_EQ(stop_agent().exit_code, 0);
}

TEST_F(AgentTest, ACodeOfAnotherScreenIsRefusedWithBothNames) {
    const std::string code = add_screen("s2", "city-hall", "2");
    start_agent(write_config("s1", code));
    const auto ended = m_agent->wait(20s);
    EXPECT_TRUE(ended.exited);
    EXPECT_EQ(ended.exit_code, 2);
    const std::string log = agent_log();
    EXPECT_NE(log.find("belongs to screen \"s2\", but this box is \"s1\""), std::string::npos) << log;
    EXPECT_FALSE(std::filesystem::exists(m_box / "state" / "device.token"));
}

TEST_F(AgentTest, NoTokenAndNoEnrollmentCodeIsAConfigurationError) {
    start_agent(write_config("s1", std::nullopt));
    const auto ended = m_agent->wait(10s);
    EXPECT_TRUE(ended.exited);
    EXPECT_EQ(ended.exit_code, 2);
    EXPECT_NE(agent_log().find("hub.enrollment_code"), std::string::npos) << agent_log();
}

TEST_F(AgentTest, AMissingConfigurationFileIsAUsageError) {
    const auto ended = run_process(
        DWELL_SYNC_BIN, ProcessOptions{{"--config", (m_box / "nope.yaml").string()}, {}, {}, {}, log_file()},
        10s);
    EXPECT_EQ(ended.exit_code, 2);
    EXPECT_NE(agent_log().find("nope.yaml"), std::string::npos) << agent_log();
}

}  // namespace
}  // namespace dwell::test
