// The agent's relay of the live feed, without a network: what each event does to the stored seq,
// the screen state a late player starts from, and the manifest pulls it asks for.
#include "sync/agent/feed.hpp"

#include <gtest/gtest.h>
#include <boost/asio/io_context.hpp>

#include "sync/agent/player_link.hpp"
#include "tests/support/temp_dir.hpp"

namespace dwell::sync::agent {
namespace {

using namespace std::chrono_literals;

content::LiveEvent event(std::uint64_t seq, content::LiveEventBody body) {
    return content::LiveEvent{seq, config::WallTime{1'800'000'000'000ms + std::chrono::milliseconds{seq}},
                              std::move(body)};
}

std::string line(std::uint64_t seq, content::LiveEventBody body) {
    return content::to_json_line(event(seq, std::move(body)));
}

content::JoinEvent join(std::uint64_t screen_count) {
    return content::JoinEvent{"fest", "김*현", "line-main", screen_count, screen_count * 10};
}

TEST(ScreenStateTest, FoldsCountersAndTakeoverAsAPlayerWouldSeeThem) {
    ScreenState state;
    EXPECT_FALSE(state.known());
    state.apply(event(1, join(1)));
    state.apply(event(2, content::TakeoverEvent{"t1", "운행 중단", std::nullopt}));
    state.apply(event(2, content::CounterEvent{"other", 4, 40}));
    state.apply(event(3, join(2)));
    state.apply(event(4, content::TakeoverEndEvent{"t0"}));  // another takeover's end changes nothing
    auto snapshot = state.snapshot();
    EXPECT_EQ(snapshot.seq, 4U);
    auto body = std::get<content::SnapshotEvent>(snapshot.body);
    ASSERT_EQ(body.counters.size(), 2U);
    EXPECT_EQ(body.counters[0], (content::CounterEvent{"fest", 2, 20}))
        << "one entry per campaign, the latest";
    EXPECT_EQ(body.counters[1], (content::CounterEvent{"other", 4, 40}));
    ASSERT_TRUE(body.takeover);
    EXPECT_EQ(body.takeover->id, "t1");

    state.apply(event(5, content::TakeoverEndEvent{"t1"}));
    EXPECT_FALSE(std::get<content::SnapshotEvent>(state.snapshot().body).takeover);
    // A snapshot from the hub replaces everything.
    state.apply(event(9, content::SnapshotEvent{{content::CounterEvent{"fest", 7, 70}}, std::nullopt}));
    body = std::get<content::SnapshotEvent>(state.snapshot().body);
    ASSERT_EQ(body.counters.size(), 1U);
    EXPECT_EQ(body.counters[0].screen_count, 7U);
    EXPECT_EQ(state.snapshot().seq, 9U);
}

class FeedRelayTest : public ::testing::Test {
  protected:
    void SetUp() override {
        auto state = content::DeviceState::open(m_dir / "state.db");
        ASSERT_TRUE(state) << state.error().message;
        m_state = std::move(*state);
        auto player = PlayerLink::open(m_context.get_executor(), m_dir / "player.sock", m_metrics);
        ASSERT_TRUE(player) << player.error().message;
        m_player = std::move(*player);
    }
    FeedRelay relay() {
        HubAccess access;
        access.url = config::parse_url("http://127.0.0.1:9").value();
        access.screen = "s1";
        access.token = "token";
        return FeedRelay{std::move(access), *m_state, *m_player, m_metrics, [this] { ++m_pulls; }};
    }
    std::uint64_t stored() { return m_state->last_seq().value(); }

    test::TempDir m_dir;
    boost::asio::io_context m_context;
    AgentMetrics m_metrics;
    std::unique_ptr<content::DeviceState> m_state;
    std::unique_ptr<PlayerLink> m_player;
    int m_pulls = 0;
};

TEST_F(FeedRelayTest, HistoryGoesOnceInOrderAndItsSeqIsStored) {
    auto feed = relay();
    feed.handle(line(1, join(1)));
    feed.handle(line(2, join(2)));
    EXPECT_EQ(stored(), 2U);
    // After a reconnect the hub may send again what went out already.
    feed.handle(line(2, join(2)));
    feed.handle(line(1, join(1)));
    EXPECT_EQ(m_metrics.feed_duplicates.load(), 2U);
    EXPECT_EQ(stored(), 2U);
    // State events carry the seq before them and leave the stored seq alone.
    feed.handle(line(2, content::CounterEvent{"fest", 2, 20}));
    EXPECT_EQ(stored(), 2U);
    EXPECT_EQ(m_pulls, 0);
    feed.handle(line(3, content::ManifestEvent{}));
    EXPECT_EQ(m_pulls, 1) << "a manifest event pulls at once";
    EXPECT_EQ(stored(), 3U);
    EXPECT_EQ(m_metrics.last_seq.load(), 3);

    // A new relay (the agent restarted) starts from the stored seq.
    auto again = relay();
    again.handle(line(3, content::ManifestEvent{}));
    EXPECT_EQ(m_pulls, 1) << "not pulled twice for the same event";
    EXPECT_EQ(m_metrics.feed_duplicates.load(), 3U);
}

TEST_F(FeedRelayTest, ASnapshotAfterAGapIsTakenAndPullsTheManifest) {
    auto feed = relay();
    feed.handle(line(4, join(1)));
    // Caught up: the snapshot of every connection has the last seq, and nothing is pulled.
    feed.handle(line(4, content::SnapshotEvent{}));
    EXPECT_EQ(m_pulls, 0);
    // Too far behind for history: the hub's snapshot jumps ahead; a manifest event may be in the gap.
    feed.handle(line(2'000, content::SnapshotEvent{}));
    EXPECT_EQ(stored(), 2'000U);
    EXPECT_EQ(m_pulls, 1);
    feed.handle(line(2'001, join(2)));
    EXPECT_EQ(stored(), 2'001U);
}

TEST_F(FeedRelayTest, AHubWhoseHistoryWentBackIsFollowedFromItsSnapshot) {
    auto feed = relay();
    feed.handle(line(500, join(1)));
    // A restored or new hub database: its feed opens at seq 3.
    feed.handle(line(3, content::SnapshotEvent{}));
    EXPECT_EQ(stored(), 3U);
    EXPECT_EQ(m_pulls, 1);
    feed.handle(line(4, join(1)));
    EXPECT_EQ(stored(), 4U) << "the hub's next events are not taken for repeats";
    EXPECT_EQ(m_metrics.feed_duplicates.load(), 0U);
}

TEST_F(FeedRelayTest, MessagesThatAreNotEventsAreCountedAndChangeNothing) {
    auto feed = relay();
    feed.handle(line(1, join(1)));
    for (const std::string_view bad : {"", "not json", "{}", R"({"seq":2,"at":1,"type":"fireworks"})",
                                       R"({"seq":-2,"at":1,"type":"manifest"})", R"([1,2,3])"})
        feed.handle(bad);
    EXPECT_EQ(m_metrics.feed_bad_events.load(), 6U);
    EXPECT_EQ(stored(), 1U);
    EXPECT_EQ(m_pulls, 0);
}

}  // namespace
}  // namespace dwell::sync::agent
