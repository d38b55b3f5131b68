// dwell-sync against a real dwell-hub on loopback: enrollment, the manifest and its assets reaching
// state.db and the cache, a changed campaign arriving by the poll, an interrupted download
// resumed with Range, corrupted bytes refused, the outbox reaching the hub exactly once (also
// across a hub outage and an agent killed over and over), and the configuration mistakes an
// installer makes.
#include <sys/stat.h>

#include <csignal>
#include <fstream>
#include <map>
#include <random>
#include <thread>

#include <fmt/format.h>

#include "content/asset_cache.hpp"
#include "content/device_state.hpp"
#include "content/player_status.hpp"
#include "content/uuid.hpp"
#include "tests/integration/agent/player_end.hpp"
#include "tests/integration/hub/hub_fixture.hpp"
#include "tests/support/notify_socket.hpp"
#include "tests/support/process.hpp"
#include "tests/support/tcp_proxy.hpp"
#include "tests/support/temp_dir.hpp"

namespace dwell::test {
namespace {

using namespace std::chrono_literals;

class AgentTest : public HubTest {
  protected:
    // A device.yaml for screen `id` talking to `port` (the hub's own by default), polling the
    // manifest every `poll`, with `extra` YAML at the end. Metrics go to a port of the system's choice.
    std::filesystem::path write_config(std::string_view id, std::optional<std::string> code,
                                       std::uint16_t port = 0, std::string_view poll = "1s",
                                       std::string_view extra = {}) {
        const auto file = m_box / "device.yaml";
        std::ofstream out(file);
        out << fmt::format(
            "device: {{ id: {}, station: seoul, line: \"1\" }}\n"
            "hub:\n  url: http://127.0.0.1:{}\n  token_file: state/device.token\n{}  manifest_poll: {}\n"
            "state_dir: state\nlog_level: debug\n{}\n",
            id, port == 0 ? m_hub.port() : port, code ? fmt::format("  enrollment_code: {}\n", *code) : "",
            poll, extra.empty() ? "agent: { metrics: \"127.0.0.1:0\" }" : extra);
        return file;
    }

    void start_agent(const std::filesystem::path& config,
                     std::map<std::string, std::string> environment = {}) {
        ProcessOptions options;
        options.arguments = {"--config", config.string()};
        options.environment = std::move(environment);
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
            if (count_rows("SELECT count(*) FROM records WHERE type = 'play'") == count &&
                waiting_records() == 0)
                return true;
            std::this_thread::sleep_for(50ms);
        }
        return false;
    }

    // A join at screen s1 through the generic channel, as person `person`.
    void join(std::uint64_t person, std::string name) {
        const auto reply =
            post_one(config::ChannelKind::generic,
                     message(person, person, current_code("fest", "s1", config::ChannelKind::generic),
                             std::move(name)));
        if (reply.status != 200 || reply.body.at("results").at(0).at("outcome").as_string() != "joined")
            throw std::runtime_error("the join failed: " + reply.text);
    }
    // An operator's takeover on line 1; its id.
    std::string takeover(std::string_view text) {
        const auto reply = call_text(http::verb::post, "/v1/takeovers", m_hub.operator_token(),
                                     fmt::format(R"({{"text":"{}","targets":{{"lines":["1"]}}}})", text),
                                     "application/json");
        if (reply.status != 201) throw std::runtime_error("the takeover failed: " + reply.text);
        return std::string{reply.body.at("id").as_string()};
    }
    // The seq state.db says was forwarded last.
    std::uint64_t stored_seq() {
        auto state = content::DeviceState::open(m_box / "state" / "state.db").value();
        return state->last_seq().value();
    }
    std::filesystem::path player_socket() const { return m_box / "state" / "player.sock"; }
    // The agent's /metrics, from the port its log names.
    std::string agent_metrics() {
        if (!wait_log("metrics at http://127.0.0.1:")) return {};
        const std::string log = agent_log();
        const auto at = log.find("metrics at http://127.0.0.1:") +
                        std::string_view{"metrics at http://127.0.0.1:"}.size();
        const auto port = static_cast<std::uint16_t>(std::stoi(log.substr(at, log.find('/', at) - at)));
        auto client = sync::net::HttpClient::create(
            config::parse_url(fmt::format("http://127.0.0.1:{}", port)).value());
        auto response = client.value()->request(http::verb::get, "/metrics");
        return response && response->result_int() == 200 ? response->body() : std::string{};
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
    const auto count = stored->manifest.assets.size();
    EXPECT_NE(agent_log().find(fmt::format("is in the cache: {} of {}", count, count)), std::string::npos)
        << "the log tells the download's progress\n"
        << agent_log();

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
    // Every connection of the first six is cut 12,000 bytes into what the hub sends: enrollment,
    // manifest, feed and outbox take less, the clip more. Six covers the two download links
    // whichever order the agent's connections open in.
    proxy.cut_after(12'000, 6);
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
    EXPECT_EQ(count_rows("SELECT count(DISTINCT id) FROM records WHERE type = 'play'"), 1'234);
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
    EXPECT_GT(count_rows("SELECT count(*) FROM records WHERE type = 'play'"), 0)
        << "some records went out between the kills";
    start_agent(config);
    // Up before it is stopped: a SIGTERM before main() runs ends any program by the signal.
    ASSERT_TRUE(wait_log("asset cache")) << agent_log();
    ASSERT_TRUE(wait_delivered(10'000))
        << "hub has " << count_rows("SELECT count(*) FROM records WHERE type = 'play'") << ", outbox "
        << waiting_records() << "\n"
        << agent_log();
    EXPECT_EQ(count_rows("SELECT count(DISTINCT id) FROM records WHERE type = 'play'"), 10'000);
    EXPECT_EQ(stop_agent().exit_code, 0);
}

// Seqs of the history events among `events`, in the order they came.
std::vector<std::uint64_t> history_seqs(const std::vector<content::LiveEvent>& events) {
    std::vector<std::uint64_t> seqs;
    for (const auto& event : events)
        if (is_history(event)) seqs.push_back(event.seq);
    return seqs;
}

// Each seq is the one before it plus one: nothing missed, nothing repeated, nothing out of order.
::testing::AssertionResult contiguous(const std::vector<std::uint64_t>& seqs) {
    for (std::size_t i = 1; i < seqs.size(); ++i)
        if (seqs[i] != seqs[i - 1] + 1)
            return ::testing::AssertionFailure() << "seq " << seqs[i] << " follows " << seqs[i - 1];
    return ::testing::AssertionSuccess();
}

TEST_F(AgentTest, LiveEventsReachThePlayerInOrderAndAManifestEventPullsAtOnce) {
    // The poll is an hour away: only the feed can bring the change in time.
    start_agent(write_config("s1", stage_s1(), 0, "1h"));
    const auto first = wait_manifest();
    ASSERT_TRUE(first) << agent_log();
    PlayerEnd player{player_socket()};
    ASSERT_TRUE(wait_log("live feed is connected")) << agent_log();
    const auto opening = player.next();
    ASSERT_TRUE(opening) << agent_log();
    EXPECT_EQ(content::type_name(opening->body), "snapshot") << "a player starts from the screen's state";

    join(1, "Amy");
    join(2, "Ben");
    const auto takeover_id = takeover("열차 지연");
    std::vector<content::LiveEvent> got;
    const auto shown = player.next_of("takeover", &got);
    ASSERT_TRUE(shown) << agent_log();
    EXPECT_EQ(std::get<content::TakeoverEvent>(shown->body).id, takeover_id);
    std::vector<std::string> names;
    for (const auto& event : got)
        if (const auto* joined = std::get_if<content::JoinEvent>(&event.body)) names.push_back(joined->name);
    EXPECT_EQ(names, (std::vector<std::string>{"A*y", "B*n"}));
    got.push_back(*shown);
    EXPECT_TRUE(contiguous(history_seqs(got)));

    const auto changed = put_campaign("fest", R"(,"priority":"high")");
    ASSERT_EQ(changed.status, 200) << changed.text;
    const auto manifest_event = player.next_of("manifest");
    ASSERT_TRUE(manifest_event) << agent_log();
    EXPECT_EQ(manifest_event->seq, shown->seq + 1);
    const auto second = wait_manifest(first->generation, 15s);
    ASSERT_TRUE(second) << "the manifest event brought the change, not the hourly poll\n" << agent_log();
    EXPECT_NE(second->etag, first->etag);
    EXPECT_EQ(stored_seq(), manifest_event->seq) << "the last forwarded seq is in state.db";

    const std::string metrics_text = agent_metrics();
    EXPECT_EQ(metric(metrics_text, "dwell_agent_feed_connected"), 1) << metrics_text;
    EXPECT_EQ(metric(metrics_text, "dwell_agent_player_connected"), 1);
    EXPECT_EQ(metric(metrics_text, "dwell_agent_last_seq"), static_cast<double>(manifest_event->seq));
    EXPECT_GE(metric(metrics_text, R"(dwell_agent_manifest_pulls_total{result="changed"})"), 2);
    EXPECT_GT(metric(metrics_text, "dwell_agent_download_bytes_total"), 0);
    EXPECT_EQ(stop_agent().exit_code, 0);
    EXPECT_FALSE(std::filesystem::exists(player_socket())) << "the socket goes with the agent";
}

TEST_F(AgentTest, APlayerThatConnectsLateFirstGetsTheCurrentCountersAndTakeover) {
    start_agent(write_config("s1", stage_s1()));
    ASSERT_TRUE(wait_manifest()) << agent_log();
    ASSERT_TRUE(wait_log("live feed is connected")) << agent_log();
    std::uint64_t first_seq = 0;
    {
        PlayerEnd player{player_socket()};
        join(1, "Amy");
        const auto shown = player.next_of("join");
        ASSERT_TRUE(shown) << agent_log();
        first_seq = shown->seq;
    }
    // While no player is connected (it crashed, say): a join and a takeover.
    join(2, "Ben");
    const auto takeover_id = takeover("운행 중단");
    const std::uint64_t takeover_seq = first_seq + 2;
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (stored_seq() < takeover_seq && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(50ms);
    ASSERT_EQ(stored_seq(), takeover_seq) << "the agent followed the feed without a player\n" << agent_log();

    PlayerEnd player{player_socket()};
    const auto opening = player.next();
    ASSERT_TRUE(opening) << agent_log();
    const auto* snapshot = std::get_if<content::SnapshotEvent>(&opening->body);
    ASSERT_NE(snapshot, nullptr) << content::to_json_line(*opening);
    EXPECT_EQ(opening->seq, takeover_seq);
    ASSERT_EQ(snapshot->counters.size(), 1U);
    EXPECT_EQ(snapshot->counters[0].campaign, "fest");
    EXPECT_EQ(snapshot->counters[0].screen_count, 2U) << "both joins are counted";
    ASSERT_TRUE(snapshot->takeover);
    EXPECT_EQ(snapshot->takeover->id, takeover_id);
    // Then live events, as before.
    join(3, "Cy");
    const auto live = player.next_of("join");
    ASSERT_TRUE(live);
    EXPECT_EQ(live->seq, takeover_seq + 1);
    EXPECT_EQ(stop_agent().exit_code, 0);
}

TEST_F(AgentTest, TheHubAwayFor30SecondsTheFeedResumesWithNothingMissedOrRepeatedAndRecordsArrive) {
    TcpProxy proxy{m_hub.port()};
    // No health record comes during the outage, so the outbox holds exactly the player's records.
    start_agent(write_config("s1", stage_s1(), proxy.port(), "1s",
                             "agent: { health_every: 1h, metrics: \"127.0.0.1:0\" }"));
    ASSERT_TRUE(wait_manifest()) << agent_log();
    PlayerEnd player{player_socket()};
    ASSERT_TRUE(wait_log("live feed is connected")) << agent_log();
    std::vector<content::LiveEvent> seen;
    join(1, "Amy");
    join(2, "Ben");
    for (int i = 0; i < 2; ++i) {
        const auto joined = player.next_of("join", &seen);
        ASSERT_TRUE(joined) << agent_log();
        seen.push_back(*joined);
    }
    add_records(50);
    ASSERT_TRUE(wait_delivered(50)) << agent_log();

    m_hub.stop();
    add_records(200);
    std::this_thread::sleep_for(30s);
    EXPECT_NE(agent_log().find("the live feed is down"), std::string::npos) << agent_log();
    EXPECT_EQ(waiting_records(), 200U) << "nothing is dropped while the hub is away";

    m_hub.start();
    proxy.retarget(m_hub.port());
    reconnect();
    // What happens before the agent is back: it must catch up on all of it, in order.
    join(3, "Cy");
    const auto takeover_id = takeover("점검 중");
    join(4, "Dee");
    for (;;) {
        auto event = player.next(90s);
        ASSERT_TRUE(event) << "the feed did not come back\n" << agent_log();
        seen.push_back(*event);
        if (const auto* joined = std::get_if<content::JoinEvent>(&event->body);
            joined && joined->name == "D*e")
            break;
    }
    join(5, "Eve");
    const auto live = player.next_of("join", &seen);
    ASSERT_TRUE(live) << agent_log();
    seen.push_back(*live);
    seen = [&] {
        auto rest = player.settle();
        seen.insert(seen.end(), rest.begin(), rest.end());
        return seen;
    }();

    const auto seqs = history_seqs(seen);
    EXPECT_TRUE(contiguous(seqs));
    std::vector<std::string> names;
    std::vector<std::string> takeovers;
    for (const auto& event : seen) {
        if (const auto* joined = std::get_if<content::JoinEvent>(&event.body)) names.push_back(joined->name);
        if (const auto* started = std::get_if<content::TakeoverEvent>(&event.body))
            takeovers.push_back(started->id);
    }
    EXPECT_EQ(names, (std::vector<std::string>{"A*y", "B*n", "C*", "D*e", "E*e"}))
        << "each join once, in order";
    EXPECT_EQ(takeovers, (std::vector<std::string>{takeover_id}));
    EXPECT_EQ(stored_seq(), seqs.back());
    EXPECT_TRUE(wait_delivered(250)) << agent_log();
    EXPECT_EQ(count_rows("SELECT count(DISTINCT id) FROM records WHERE type = 'play'"), 250);
    EXPECT_EQ(stop_agent().exit_code, 0);
}

TEST_F(AgentTest, AStalledConnectionIsFoundDeadWithin30SecondsAndTheFeedRecovers) {
    TcpProxy proxy{m_hub.port()};
    start_agent(write_config("s1", stage_s1(), proxy.port()));
    ASSERT_TRUE(wait_manifest()) << agent_log();
    PlayerEnd player{player_socket()};
    ASSERT_TRUE(wait_log("live feed is connected")) << agent_log();
    join(1, "Amy");
    ASSERT_TRUE(player.next_of("join")) << agent_log();

    // The network stops carrying anything, without closing a connection.
    proxy.stall(true);
    const auto stalled = std::chrono::steady_clock::now();
    join(2, "Ben");  // waits at the hub's end of the stalled connection
    ASSERT_TRUE(wait_log("the connection is dead", 40s)) << agent_log();
    const auto noticed = std::chrono::steady_clock::now() - stalled;
    EXPECT_LE(noticed, 31s) << "a dead connection is found within 30 s";
    proxy.stall(false);

    std::vector<content::LiveEvent> skipped;
    const auto caught_up = player.next_of("join", &skipped, 60s);
    ASSERT_TRUE(caught_up) << agent_log();
    EXPECT_EQ(std::get<content::JoinEvent>(caught_up->body).name, "B*n");
    join(3, "Cy");
    const auto live = player.next_of("join", &skipped);
    ASSERT_TRUE(live) << agent_log();
    EXPECT_EQ(live->seq, caught_up->seq + 1) << "nothing repeated after the reconnect";
    const std::string metrics_text = agent_metrics();
    EXPECT_GE(metric(metrics_text, "dwell_agent_feed_dead_total"), 1) << metrics_text;
    EXPECT_GE(metric(metrics_text, "dwell_agent_feed_connects_total"), 2);
    EXPECT_EQ(stop_agent().exit_code, 0);
}

TEST_F(AgentTest, HealthRecordsReachTheHubWithTheBoxsFiguresAndThePlayersStatus) {
    start_agent(
        write_config("s1", stage_s1(), 0, "1s", "agent: { health_every: 1s, metrics: \"127.0.0.1:0\" }"));
    const auto stored = wait_manifest();
    ASSERT_TRUE(stored) << agent_log();
    auto health_bodies = [&](std::size_t at_least) {
        const auto deadline = std::chrono::steady_clock::now() + 20s;
        auto bodies = column("SELECT body FROM records WHERE type = 'health'");
        while (bodies.size() < at_least && std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(100ms);
            bodies = column("SELECT body FROM records WHERE type = 'health'");
        }
        return bodies;
    };
    // No player yet: the box's figures, and no frames.
    const auto early = health_bodies(1);
    ASSERT_FALSE(early.empty()) << agent_log();
    const auto box = boost::json::parse(early.front());
    EXPECT_GT(box.at("disk_free_bytes").to_number<std::uint64_t>(), 0U) << early.front();
    EXPECT_GT(box.at("uptime_s").to_number<std::uint64_t>(), 0U);
    EXPECT_THAT(std::string{box.at("versions").at("sync").as_string()},
                ::testing::MatchesRegex("[0-9]+\\.[0-9]+\\.[0-9]+"));
    EXPECT_EQ(box.at("fps").to_number<double>(), 0.0) << "no player, no frames";

    // The player reports itself; a line that is not a status is ignored, not fatal.
    PlayerEnd player{player_socket()};
    const std::string asset = stored->manifest.assets.front().sha256;
    player.send("not a status\n");
    player.send(
        content::to_json_line(content::PlayerStatus{29.5, 7, content::PlayingItem{"fest", asset}, "9.9.9"}));
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    std::optional<boost::json::value> reported;
    while (!reported && std::chrono::steady_clock::now() < deadline) {
        for (const auto& body : column("SELECT body FROM records WHERE type = 'health'")) {
            auto json = boost::json::parse(body);
            if (json.at("fps").to_number<double>() > 0) reported = std::move(json);
        }
        std::this_thread::sleep_for(100ms);
    }
    ASSERT_TRUE(reported) << agent_log();
    EXPECT_EQ(reported->at("fps").to_number<double>(), 29.5);
    EXPECT_EQ(reported->at("frames_dropped").to_number<std::uint64_t>(), 7U);
    EXPECT_EQ(reported->at("current_item").at("asset").as_string(), asset);
    EXPECT_EQ(reported->at("versions").at("player").as_string(), "9.9.9");
    EXPECT_NE(agent_log().find("ignoring a line from the player"), std::string::npos) << agent_log();
    // The screen's status at the hub shows the latest health.
    const auto screen = call(http::verb::get, "/v1/screens/s1", m_hub.operator_token());
    ASSERT_EQ(screen.status, 200) << screen.text;
    EXPECT_NE(screen.text.find("disk_free_bytes"), std::string::npos) << screen.text;
    EXPECT_EQ(stop_agent().exit_code, 0);
}

TEST_F(AgentTest, AScreenshotAnOperatorAsksForGoesFromThePlayersFolderToTheHub) {
    start_agent(write_config("s1", stage_s1()));
    ASSERT_TRUE(wait_manifest()) << agent_log();
    const auto folder = m_box / "state" / "screenshots";
    const std::string png = read_text(m_media / "poster.png");
    const auto ask = [&] {
        const auto requested = call(http::verb::post, "/v1/screens/s1/screenshots", m_hub.operator_token());
        if (requested.status != 202)
            throw std::runtime_error("asking for a screenshot failed: " + requested.text);
        return std::string{requested.body.at("id").as_string()};
    };
    const auto wait_answer = [&](const std::string& id) {
        const auto deadline = std::chrono::steady_clock::now() + 20s;
        for (;;) {
            const auto state = call(http::verb::get, "/v1/screenshots/" + id, m_hub.operator_token());
            if (state.status == 200 && state.body.at("status").as_string() != "pending") return state;
            if (std::chrono::steady_clock::now() >= deadline) return state;
            std::this_thread::sleep_for(50ms);
        }
    };

    {
        PlayerEnd player{player_socket()};
        ASSERT_TRUE(wait_log("live feed is connected")) << agent_log();
        const std::string id = ask();
        const auto event = player.next_of("screenshot");
        ASSERT_TRUE(event) << agent_log();
        EXPECT_EQ(std::get<content::ScreenshotEvent>(event->body).id, id);
        // The player writes the PNG where the agent looks, then says so.
        std::filesystem::create_directories(folder);
        std::ofstream{folder / (id + ".png"), std::ios::binary} << png;
        player.send(content::to_json_line(content::ScreenshotReady{id}));
        const auto taken = wait_answer(id);
        ASSERT_EQ(taken.body.at("status").as_string(), "taken") << taken.text << agent_log();
        const auto picture = call(http::verb::get, "/v1/screenshots/" + id + "/png", m_hub.operator_token());
        EXPECT_TRUE(picture.text == png) << "the hub's picture differs from the player's";
        EXPECT_FALSE(std::filesystem::exists(folder / (id + ".png")))
            << "an uploaded screenshot leaves the box";

        // A PNG whose line never reached the agent: it goes at the next start.
        const std::string unsent = ask();
        ASSERT_TRUE(player.next_of("screenshot")) << agent_log();
        std::ofstream{folder / (unsent + ".png"), std::ios::binary} << png;
        EXPECT_EQ(stop_agent().exit_code, 0);
        start_agent(write_config("s1", std::nullopt));
        EXPECT_EQ(wait_answer(unsent).body.at("status").as_string(), "taken") << agent_log();
    }

    // No player to take it: the operator learns that instead of waiting for nothing.
    ASSERT_TRUE(wait_log("live feed is connected")) << agent_log();
    const std::string orphan = ask();
    const auto failed = wait_answer(orphan);
    EXPECT_EQ(failed.body.at("status").as_string(), "failed") << failed.text << agent_log();
    EXPECT_THAT(std::string{failed.body.at("error").as_string()},
                ::testing::HasSubstr("no player is running"));

    // A player's line for a screenshot with no file, or a bad id, changes nothing at the hub.
    {
        PlayerEnd player{player_socket()};
        player.send(R"({"type":"screenshot","id":"../../etc"})"
                    "\n");
        player.send(content::to_json_line(content::ScreenshotReady{"shot-never-asked"}));
        std::ofstream{folder / "shot-never-asked.png", std::ios::binary} << png;
        player.send(content::to_json_line(content::ScreenshotReady{"shot-never-asked"}));
        ASSERT_TRUE(wait_log("the hub refuses screenshot shot-never-asked")) << agent_log();
        EXPECT_FALSE(std::filesystem::exists(folder / "shot-never-asked.png")) << "a refused one is dropped";
        EXPECT_NE(agent_log().find("ignoring a line from the player"), std::string::npos);
    }
    EXPECT_EQ(count_rows("SELECT count(*) FROM screenshots WHERE answered_at IS NOT NULL"), 3);
    EXPECT_EQ(metric(agent_metrics(), "dwell_agent_screenshots_sent_total"), 2) << "since the restart";
    EXPECT_EQ(stop_agent().exit_code, 0);
}

TEST_F(AgentTest, AClockThatJumpedIsNoticedFromTheDateOfAnUnchangedManifest) {
    const auto config = write_config("s1", stage_s1());
    start_agent(config);
    ASSERT_TRUE(wait_manifest()) << agent_log();
    EXPECT_EQ(stop_agent().exit_code, 0);
    {
        // As if this box's clock had been an hour behind when the offset was taken.
        auto state = content::DeviceState::open(m_box / "state" / "state.db").value();
        ASSERT_TRUE(state->set_clock_offset(std::chrono::hours{1}));
    }
    start_agent(config);
    ASSERT_TRUE(wait_log("this box's clock moved")) << agent_log();
    auto state = content::DeviceState::open(m_box / "state" / "state.db").value();
    const auto offset = state->clock_offset().value();
    EXPECT_LT(std::chrono::abs(offset), std::chrono::seconds{3}) << offset.count() << " ms";
    EXPECT_EQ(state->manifest().value()->generation, 1) << "the manifest itself did not change";
    EXPECT_EQ(stop_agent().exit_code, 0);
}

#if DWELL_TEST_HAVE_SYSTEMD
TEST_F(AgentTest, UnderSystemdItSaysReadyFeedsTheWatchdogAndSaysStopping) {
    NotifySocket systemd{m_box / "notify"};
    // WatchdogSec=400ms: the agent must ping every 200 ms.
    start_agent(write_config("s1", stage_s1()),
                {{"NOTIFY_SOCKET", systemd.path().string()}, {"WATCHDOG_USEC", "400000"}});
    EXPECT_EQ(systemd.receive(), "READY=1") << agent_log();
    int pings = 0;
    const auto deadline = std::chrono::steady_clock::now() + 2s;
    while (std::chrono::steady_clock::now() < deadline) {
        const std::string message = systemd.receive(1s);
        if (message == "WATCHDOG=1")
            ++pings;
        else if (!message.empty())
            ADD_FAILURE() << "unexpected " << message;
    }
    EXPECT_GE(pings, 6) << "about one every 200 ms for 2 s";
    m_agent->signal(SIGTERM);
    std::string last;
    for (std::string message = systemd.receive(); !message.empty(); message = systemd.receive(1s))
        last = message;
    EXPECT_EQ(last, "STOPPING=1");
    EXPECT_EQ(m_agent->wait(10s).exit_code, 0);
    m_agent.reset();
}
#endif

TEST_F(AgentTest, MetricsOnAnAddressOtherThanLoopbackAreRefused) {
    const auto config = write_config("s1", stage_s1(), 0, "1s", "agent: { metrics: \"0.0.0.0:9464\" }");
    start_agent(config);
    const auto ended = m_agent->wait(10s);
    EXPECT_TRUE(ended.exited);
    EXPECT_EQ(ended.exit_code, 2);
    EXPECT_NE(agent_log().find("agent.metrics: \"0.0.0.0:9464\" is not a loopback address"),
              std::string::npos)
        << agent_log();
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
