// The feed's sessions: history in seq order with catch-up from the events table, and state
// (counters, snapshots) that is sent, never stored, and never moves a screen's seq back.
#include "sync/hub/feed.hpp"

#include <gtest/gtest.h>
#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "tests/support/temp_dir.hpp"
#include "tests/unit/sync/hub_test_data.hpp"

namespace dwell::sync::hub {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

// A WebSocket that keeps what is sent on it; its strand is the test's io_context.
class RecordingChannel final : public net::WebSocketChannel {
  public:
    explicit RecordingChannel(boost::asio::io_context& context) : m_executor(context.get_executor()) {}
    void send(std::shared_ptr<const std::string> text) override { sent.push_back(json::parse(*text)); }
    void close(std::string reason) override { closed = std::move(reason); }
    [[nodiscard]] boost::asio::any_io_executor executor() const override { return m_executor; }

    std::vector<json::value> sent;
    std::optional<std::string> closed;

  private:
    boost::asio::any_io_executor m_executor;
};

content::Campaign interactive(std::string id) {
    content::Campaign campaign;
    campaign.id = std::move(id);
    campaign.window = {{std::chrono::sys_seconds{0s}, {}}, {std::chrono::sys_seconds{4'000'000'000s}, {}}};
    campaign.targets.lines = {"1"};
    campaign.items = {
        content::Item{"clip.mp4", std::string(64, 'a'), content::MediaKind::video, std::nullopt}};
    content::JoinOptions join;
    join.channels = {"line-main"};
    join.prompt = "{code}";
    campaign.join = join;
    return campaign;
}

class FeedTest : public ::testing::Test {
  protected:
    void SetUp() override {
        m_database = open_sqlite_database(StoreOptions{m_folder / "hub.db"}).value();
        m_readers = std::make_unique<StorePool>(*m_database);
        auto catalog = std::make_shared<Catalog>();
        for (auto [id, line] : {std::pair{"a", "1"}, {"b", "1"}, {"c", "9"}})
            catalog->screens.emplace(id, seoul_screen(id, line));
        catalog->campaigns.emplace("fest", interactive("fest"));
        catalog->campaigns.emplace("fair", interactive("fair"));
        catalog->index();
        m_catalog = std::make_unique<CatalogHolder>(std::move(catalog));
        FeedOptions options;
        options.max_catch_up = 5;
        m_feed = std::make_unique<Feed>(*m_readers, *m_catalog, m_totals, m_clock, nullptr, options);
    }

    // Opens a session for a screen and runs what it queued.
    std::shared_ptr<RecordingChannel> open(std::string screen, std::optional<std::uint64_t> after) {
        auto channel = std::make_shared<RecordingChannel>(m_context);
        auto handler = m_feed->session(std::move(screen), after);
        handler->on_open(channel);
        m_handlers.push_back(handler);
        settle();
        return channel;
    }

    void settle() {
        m_context.restart();
        m_context.run();
    }

    // Stores events for a screen as the writer would, and tells the feed.
    void store(const std::string& screen, std::uint64_t from, std::uint64_t to) {
        auto db = m_database->connect().value();
        std::vector<EmittedEvent> events;
        for (std::uint64_t seq = from; seq <= to; ++seq) {
            const content::LiveEvent event{seq, m_clock.now(), content::ManifestEvent{}};
            auto json = std::make_shared<const std::string>(json::serialize(content::to_json(event)));
            EXPECT_TRUE(db->insert_event(screen, seq, m_clock.now(), *json));
            events.push_back({screen, seq, json});
        }
        m_feed->publish(events);
        settle();
    }

    static std::string type(const json::value& event) { return std::string{event.at("type").as_string()}; }
    static std::uint64_t seq(const json::value& event) { return event.at("seq").to_number<std::uint64_t>(); }

    test::TempDir m_folder;
    config::FakeClock m_clock{config::WallTime{std::chrono::seconds{1'800'000'000}}};
    JoinTotals m_totals;
    std::unique_ptr<HubDatabase> m_database;
    std::unique_ptr<StorePool> m_readers;
    std::unique_ptr<CatalogHolder> m_catalog;
    std::unique_ptr<Feed> m_feed;
    boost::asio::io_context m_context;
    std::vector<std::shared_ptr<net::WebSocketHandler>> m_handlers;
};

TEST_F(FeedTest, ANewConnectionStartsWithASnapshotOfItsScreen) {
    m_totals.set("fest", 7, {{"a", 2}});
    const auto a = open("a", std::nullopt);
    ASSERT_EQ(a->sent.size(), 1U);
    EXPECT_EQ(type(a->sent[0]), "snapshot");
    EXPECT_EQ(seq(a->sent[0]), 0U);
    const auto& counters = a->sent[0].at("counters").as_array();
    ASSERT_EQ(counters.size(), 2U) << "both interactive campaigns of line 1";
    for (const auto& counter : counters) {
        if (counter.at("campaign") == "fest") {
            EXPECT_EQ(counter.at("screen_count").as_int64(), 2);
            EXPECT_EQ(counter.at("campaign_count").as_int64(), 7);
        }
    }
    const auto c = open("c", std::nullopt);
    EXPECT_TRUE(c->sent[0].at("counters").as_array().empty()) << "line 9 shows no campaign";
}

TEST_F(FeedTest, HistoryArrivesInOrderOnceAndResumesFromTheEventsTable) {
    const auto live = open("a", std::nullopt);
    store("a", 1, 3);
    ASSERT_EQ(live->sent.size(), 4U);
    for (std::uint64_t i = 1; i <= 3; ++i) EXPECT_EQ(seq(live->sent[i]), i);
    m_feed->publish(std::vector<EmittedEvent>{{"a", 2, std::make_shared<const std::string>("{}")}});
    settle();
    EXPECT_EQ(live->sent.size(), 4U) << "an event at or below the last one sent is not sent again";

    const auto resumed = open("a", 1);
    ASSERT_EQ(resumed->sent.size(), 3U) << json::serialize(resumed->sent.front());
    EXPECT_EQ(seq(resumed->sent[0]), 2U);
    EXPECT_EQ(seq(resumed->sent[1]), 3U);
    EXPECT_EQ(type(resumed->sent[2]), "snapshot") << "the catch-up ends with the state";
    EXPECT_EQ(seq(resumed->sent[2]), 3U);

    const auto current = open("a", 3);
    ASSERT_EQ(current->sent.size(), 1U) << "nothing missed: only the state";
    EXPECT_EQ(type(current->sent[0]), "snapshot");

    // Pruned history cannot be replayed: the snapshot alone, never a partial history.
    auto db = m_database->connect().value();
    ASSERT_TRUE(db->prune_events(m_clock.now() + 1s));
    const auto late = open("a", 1);
    ASSERT_EQ(late->sent.size(), 1U);
    EXPECT_EQ(type(late->sent[0]), "snapshot");
    EXPECT_EQ(seq(late->sent[0]), 3U);
}

TEST_F(FeedTest, AScreenTooFarBehindResumesFromASnapshot) {
    store("a", 1, 7);
    const auto near = open("a", 2);
    ASSERT_EQ(near->sent.size(), 6U) << "5 missed events are replayed";
    EXPECT_EQ(seq(near->sent[0]), 3U);
    EXPECT_EQ(type(near->sent[5]), "snapshot");

    const auto far = open("a", 1);
    ASSERT_EQ(far->sent.size(), 1U) << "6 missed events are more than the feed replays";
    EXPECT_EQ(type(far->sent[0]), "snapshot");
    EXPECT_EQ(seq(far->sent[0]), 7U) << "the snapshot moves the screen to the newest seq";
}

TEST_F(FeedTest, CountersGoToConnectedScreensShowingTheCampaignOnePerScreenPerRound) {
    const auto a = open("a", std::nullopt);
    const auto c = open("c", std::nullopt);
    store("a", 1, 1);
    a->sent.clear();
    c->sent.clear();

    m_totals.set("fest", 5, {{"a", 1}, {"b", 4}});
    m_totals.set("fair", 2, {{"a", 2}});
    m_feed->recounted(std::vector<std::string>{"fest", "fair"});
    m_feed->send_counters();
    settle();
    ASSERT_EQ(a->sent.size(), 1U) << "one counter per screen per round";
    EXPECT_EQ(type(a->sent[0]), "counter");
    EXPECT_EQ(seq(a->sent[0]), 1U) << "state carries the seq of the last event before it";
    EXPECT_TRUE(c->sent.empty()) << "c does not show the campaigns";
    m_feed->send_counters();
    settle();
    ASSERT_EQ(a->sent.size(), 2U) << "the other campaign's totals come the next round";
    EXPECT_NE(a->sent[0].at("campaign"), a->sent[1].at("campaign"));
    for (const auto& counter : a->sent)
        EXPECT_EQ(counter.at("campaign_count").as_int64(), counter.at("campaign") == "fest" ? 5 : 2);
    m_feed->send_counters();
    settle();
    EXPECT_EQ(a->sent.size(), 2U) << "nothing changed: nothing sent";

    // b was not connected: it was owed nothing, and learns the totals from its snapshot.
    const auto b = open("b", std::nullopt);
    ASSERT_EQ(b->sent.size(), 1U);
    EXPECT_EQ(type(b->sent[0]), "snapshot");
    for (const auto& counter : b->sent[0].at("counters").as_array()) {
        if (counter.at("campaign") == "fest") {
            EXPECT_EQ(counter.at("screen_count").as_int64(), 4);
        }
    }
}

}  // namespace
}  // namespace dwell::sync::hub
