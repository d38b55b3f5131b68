#include "player/playback/event_link.hpp"

#include <gtest/gtest.h>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <functional>
#include <future>
#include <thread>

#include "tests/support/event_server.hpp"
#include "tests/support/temp_dir.hpp"

namespace dwell::player {
namespace {

using namespace std::chrono_literals;
using content::LiveEvent;

// The agent's side of the socket: listens, accepts one connection at a time, writes what it is told.
class FakeAgent {
  public:
    explicit FakeAgent(std::filesystem::path path) : m_path(std::move(path)) { listen(); }
    ~FakeAgent() {
        drop();
        if (m_listen >= 0) ::close(m_listen);
    }
    FakeAgent(const FakeAgent&) = delete;
    FakeAgent& operator=(const FakeAgent&) = delete;

    void listen() {
        m_listen = ::socket(AF_UNIX, SOCK_STREAM, 0);
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        std::strncpy(address.sun_path, m_path.c_str(), sizeof(address.sun_path) - 1);
        ::unlink(m_path.c_str());
        ASSERT_EQ(::bind(m_listen, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
        ASSERT_EQ(::listen(m_listen, 4), 0);
    }
    void accept() { m_client = ::accept(m_listen, nullptr, nullptr); }
    void send(std::string_view text) {
        while (!text.empty()) {
            const auto sent = ::send(m_client, text.data(), text.size(), MSG_NOSIGNAL);
            ASSERT_GT(sent, 0);
            text.remove_prefix(static_cast<std::size_t>(sent));
        }
    }
    void drop() {
        if (m_client >= 0) ::close(m_client);
        m_client = -1;
    }
    void stop_listening() {
        ::close(m_listen);
        m_listen = -1;
        ::unlink(m_path.c_str());
    }

  private:
    std::filesystem::path m_path;
    int m_listen = -1;
    int m_client = -1;
};

std::string join_line(std::uint64_t seq, std::uint64_t count) {
    return content::to_json_line(
        LiveEvent{seq, config::WallTime{1'700'000'000'000ms},
                  content::JoinEvent{"sticker-fest", "김*현", "line-demo", count, count * 10}});
}

std::string counter_line(std::uint64_t seq, std::string campaign, std::uint64_t count) {
    return content::to_json_line(LiveEvent{seq, config::WallTime{1'700'000'000'000ms},
                                           content::CounterEvent{std::move(campaign), count, count}});
}

// Takes batches until `done` says the accumulated events are all there, or 10 s pass.
EventBatch collect(EventInbox& inbox, const std::function<bool(const EventBatch&)>& done) {
    EventBatch all;
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < deadline) {
        EventBatch batch = inbox.take();
        all.joins_total += batch.joins_total;
        for (auto& join : batch.joins) all.joins.push_back(std::move(join));
        for (auto& [name, counter] : batch.counters) all.counters[name] = counter;
        for (auto& event : batch.control) all.control.push_back(std::move(event));
        all.last_seq = batch.last_seq;
        if (done(all)) break;
        std::this_thread::sleep_for(5ms);
    }
    return all;
}

class EventLinkTest : public ::testing::Test {
  protected:
    std::filesystem::path socket_path() const { return m_dir / "player.sock"; }
    EventLinkOptions options() const { return EventLinkOptions{socket_path(), 10ms, 50ms}; }

    test::TempDir m_dir;
    EventInbox m_inbox;
    std::atomic<int> m_wakeups{0};
    std::function<void()> m_wakeup = [this] { ++m_wakeups; };
};

TEST_F(EventLinkTest, ForwardsEventsInOrderAndWakesTheRenderLoop) {
    FakeAgent agent{socket_path()};
    EventLink link{options(), m_inbox, m_wakeup};
    agent.accept();
    agent.send(join_line(1, 1));
    agent.send(content::to_json_line(
        LiveEvent{2, config::WallTime{}, content::TakeoverEvent{"t1", "승강장 안전 안내", std::nullopt}}));
    agent.send(counter_line(3, "other", 5));
    agent.send(content::to_json_line(LiveEvent{4, config::WallTime{}, content::TakeoverEndEvent{"t1"}}));
    const auto batch = collect(m_inbox, [](const EventBatch& b) { return b.last_seq == 4; });
    EXPECT_EQ(batch.last_seq, 4u);
    ASSERT_EQ(batch.joins.size(), 1u);
    EXPECT_EQ(std::get<content::JoinEvent>(batch.joins[0].body).name, "김*현");
    ASSERT_EQ(batch.control.size(), 2u);
    EXPECT_TRUE(std::holds_alternative<content::TakeoverEvent>(batch.control[0].body));
    EXPECT_TRUE(std::holds_alternative<content::TakeoverEndEvent>(batch.control[1].body));
    EXPECT_EQ(batch.counters.at("sticker-fest").campaign_count, 10u);
    EXPECT_EQ(batch.counters.at("other").screen_count, 5u);
    EXPECT_GT(m_wakeups.load(), 0);
    EXPECT_EQ(link.counters().events, 4u);
}

TEST_F(EventLinkTest, ReportsLinesBackToTheAgentOnlyWhileConnected) {
    EventLink link{options(), m_inbox, m_wakeup};
    const std::string line = R"({"type":"status","fps":30,"frames_dropped":0,"version":"0.1.0"})";
    EXPECT_FALSE(link.report(line + "\n")) << "no agent listens yet";
    test::EventServer agent{socket_path()};
    ASSERT_TRUE(agent.accept(10s));
    // The link's thread connects on its own; a report goes once it has.
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!link.report(line + "\n") && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(10ms);
    EXPECT_EQ(agent.read_line(5s), line);
    EXPECT_FALSE(agent.read_line(100ms)) << "one report, one line";
    agent.send(content::LiveEvent{1, config::WallTime{}, content::ManifestEvent{}});
    const auto batch = collect(m_inbox, [](const EventBatch& b) { return b.last_seq == 1; });
    EXPECT_EQ(batch.last_seq, 1U) << "events still flow the other way";
}

TEST_F(EventLinkTest, SkipsBadLinesAndReadsLinesSplitAcrossWrites) {
    FakeAgent agent{socket_path()};
    EventLink link{options(), m_inbox, m_wakeup};
    agent.accept();
    agent.send("{not json\n");
    agent.send("{\"seq\":1,\"type\":\"volcano\",\"at\":0}\n");
    const std::string line = counter_line(7, "split", 3);
    agent.send(line.substr(0, 10));
    std::this_thread::sleep_for(20ms);
    agent.send(line.substr(10));
    const auto batch = collect(m_inbox, [](const EventBatch& b) { return b.last_seq == 7; });
    EXPECT_EQ(batch.counters.at("split").screen_count, 3u);
    EXPECT_EQ(link.counters().bad_lines, 2u);
    EXPECT_EQ(link.counters().events, 1u);
}

TEST_F(EventLinkTest, DropsAnOverlongLineAndKeepsGoing) {
    FakeAgent agent{socket_path()};
    EventLinkOptions small = options();
    small.max_line = 1024;
    EventLink link{small, m_inbox, m_wakeup};
    agent.accept();
    agent.send(std::string(5000, 'x') + "\n");
    agent.send(counter_line(2, "after", 1));
    const auto batch = collect(m_inbox, [](const EventBatch& b) { return b.last_seq == 2; });
    EXPECT_EQ(batch.counters.count("after"), 1u);
    EXPECT_EQ(link.counters().bad_lines, 1u);
}

TEST_F(EventLinkTest, ABurstOfTenThousandJoinsStaysBounded) {
    FakeAgent agent{socket_path()};
    EventLink link{options(), m_inbox, m_wakeup};
    agent.accept();
    std::string burst;
    for (std::uint64_t seq = 1; seq <= 10'000; ++seq) burst += join_line(seq, seq);
    agent.send(burst);
    // Nothing is taken until the whole burst is in: the inbox must hold it in bounded memory.
    for (int i = 0; i < 1000 && link.counters().events < 10'000; ++i) std::this_thread::sleep_for(10ms);
    ASSERT_EQ(link.counters().events, 10'000u);
    const auto batch = m_inbox.take();
    EXPECT_EQ(batch.joins_total, 10'000u);
    ASSERT_EQ(batch.joins.size(), 8u);
    EXPECT_EQ(batch.joins.back().seq, 10'000u);
    EXPECT_EQ(batch.joins.front().seq, 9'993u);
    EXPECT_EQ(batch.counters.at("sticker-fest").screen_count, 10'000u);
    EXPECT_TRUE(m_inbox.take().empty());
    EXPECT_EQ(m_inbox.take().last_seq, 10'000u);
}

TEST_F(EventLinkTest, ReconnectsAfterTheAgentGoesAway) {
    FakeAgent agent{socket_path()};
    EventLink link{options(), m_inbox, m_wakeup};
    agent.accept();
    agent.send(counter_line(1, "first", 1));
    collect(m_inbox, [](const EventBatch& b) { return b.last_seq == 1; });
    // The agent goes away listener first: closing the connection while still listening would let
    // the link reconnect into the backlog of a socket about to close, a third connection.
    agent.stop_listening();
    agent.drop();
    std::this_thread::sleep_for(100ms);  // a few failed attempts while the agent is away
    agent.listen();
    agent.accept();
    agent.send(counter_line(2, "second", 1));
    const auto batch = collect(m_inbox, [](const EventBatch& b) { return b.last_seq == 2; });
    EXPECT_EQ(batch.counters.count("second"), 1u);
    EXPECT_EQ(link.counters().connects, 2u);
}

TEST_F(EventLinkTest, ConnectsWhenTheAgentStartsLater) {
    EventLink link{options(), m_inbox, m_wakeup};
    std::this_thread::sleep_for(100ms);
    EXPECT_EQ(link.counters().connects, 0u);
    FakeAgent agent{socket_path()};
    agent.accept();
    agent.send(counter_line(5, "late", 1));
    const auto batch = collect(m_inbox, [](const EventBatch& b) { return b.last_seq == 5; });
    EXPECT_EQ(batch.counters.count("late"), 1u);
}

TEST_F(EventLinkTest, StopsPromptlyWhileWaitingForData) {
    FakeAgent agent{socket_path()};
    auto link = std::make_unique<EventLink>(options(), m_inbox, m_wakeup);
    agent.accept();
    // The agent neither sends nor closes; destruction must still return. A hang shows up here as a
    // timeout far beyond anything a busy machine explains, not as a speed limit.
    auto destroyed = std::async(std::launch::async, [&link] { link.reset(); });
    EXPECT_EQ(destroyed.wait_for(30s), std::future_status::ready);
}

}  // namespace
}  // namespace dwell::player
