// Nothing acknowledged is lost: the hub killed with SIGKILL while signed webhooks stream in keeps
// every join it answered 200 for, and a retry of what it did not answer counts exactly once;
// SIGTERM lets requests in progress finish, commits them, and exits 0.
#include <atomic>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "tests/integration/hub/hub_fixture.hpp"

namespace dwell::test {
namespace {

using namespace std::chrono_literals;
using config::ChannelKind;

// One signed LINE webhook carrying one join, and what became of it.
struct Sent {
    std::uint64_t person = 0;
    std::string event_id;
    std::string body;
    bool acknowledged = false;  // 200 with outcome "joined"
};

class DurabilityTest : public HubTest {
  protected:
    void SetUp() override {
        HubTest::SetUp();
        stage();
        const JoinSpace space = join_space(ChannelKind::line);
        m_secret = space.secret;
        for (const auto& [owner, slot] : space.slots) m_slots.push_back(slot);
        ASSERT_EQ(m_slots.size(), 2U);
    }

    // A genuine LINE body: a new person sends the code their screen shows now.
    Sent compose(std::uint64_t person) const {
        const auto codes = content::JoinCodeSpace::create(m_secret, 6, 60s);
        const auto now = wall_now();
        const sync::messenger::OutgoingText text{person, person, "",
                                                 *codes->code_for(m_slots[person % 2], now), now};
        Sent sent;
        sent.person = person;
        sent.event_id = sync::messenger::composed_event_id(ChannelKind::line, text);
        sent.body = sync::messenger::compose_webhook(ChannelKind::line, std::vector{text});
        return sent;
    }

    // Posts a body; the outcome of its one event, or "" when no response came.
    std::string post(sync::net::HttpClient& client, const std::string& body) const {
        std::string content_type;
        const auto fields = signed_fields(ChannelKind::line, body, &content_type);
        auto reply =
            client.request(http::verb::post, webhook_target(ChannelKind::line), fields, body, content_type);
        if (!reply || reply->result_int() != 200) return {};
        boost::system::error_code error;
        const auto json = boost::json::parse(reply->body(), error);
        if (error) return "unparsable: " + reply->body();
        return std::string{json.at("results").at(0).at("outcome").as_string()};
    }

    // Senders post joins of new people until `stop`; every request is recorded in `sent`.
    void send_until(std::atomic<bool>& stop, std::atomic<int>& acknowledged,
                    std::atomic<std::uint64_t>& next_person, std::mutex& mutex, std::vector<Sent>& sent,
                    int threads) {
        m_senders.clear();
        for (int t = 0; t < threads; ++t) {
            m_senders.emplace_back([&, this] {
                auto client = m_hub.client();
                while (!stop.load()) {
                    Sent one = compose(next_person++);
                    const std::string outcome = post(*client, one.body);
                    one.acknowledged = outcome == "joined";
                    if (!outcome.empty() && !one.acknowledged) {
                        std::lock_guard lock(mutex);
                        m_unexpected.push_back(one.event_id + ": " + outcome);
                    }
                    if (one.acknowledged) ++acknowledged;
                    std::lock_guard lock(mutex);
                    sent.push_back(std::move(one));
                }
            });
        }
    }

    void join_senders() {
        for (auto& sender : m_senders) sender.join();
        m_senders.clear();
    }

    content::JoinSecret m_secret{};
    std::vector<std::uint64_t> m_slots;
    std::vector<std::thread> m_senders;
    std::vector<std::string> m_unexpected;  // responses other than "joined"
};

TEST_F(DurabilityTest, EveryAcknowledgedJoinSurvivesKillNineAndRetriesCountOnce) {
    const auto seed = std::random_device{}();
    RecordProperty("seed", std::to_string(seed));
    SCOPED_TRACE(fmt::format("seed {}", seed));
    std::mt19937 random{seed};

    std::atomic<std::uint64_t> next_person{1};
    std::vector<Sent> all;
    for (int round = 0; round < 3; ++round) {
        SCOPED_TRACE(fmt::format("kill {}", round + 1));
        std::mutex mutex;
        std::vector<Sent> sent;
        std::atomic<bool> stop{false};
        std::atomic<int> acknowledged{0};
        // A random moment after a few hundred acknowledgements.
        const int kill_after = std::uniform_int_distribution<int>{300, 800}(random);
        send_until(stop, acknowledged, next_person, mutex, sent, 4);
        const auto deadline = std::chrono::steady_clock::now() + 120s;
        while (acknowledged.load() < kill_after && std::chrono::steady_clock::now() < deadline)
            std::this_thread::sleep_for(1ms);
        m_hub.kill();
        stop = true;
        join_senders();
        ASSERT_GE(acknowledged.load(), kill_after) << "the hub acknowledged too little before the deadline";
        EXPECT_TRUE(m_unexpected.empty()) << m_unexpected.front();

        m_hub.start();
        reconnect();
        const auto stored = column("SELECT event_id FROM joins");
        const std::set<std::string> committed{stored.begin(), stored.end()};
        std::size_t lost = 0;
        std::size_t unanswered = 0;
        for (const Sent& one : sent) {
            if (!one.acknowledged) {
                ++unanswered;
                continue;
            }
            if (!committed.contains(one.event_id)) {
                if (++lost <= 5) ADD_FAILURE() << "acknowledged but lost: " << one.event_id;
            }
        }
        EXPECT_EQ(lost, 0U) << "of " << acknowledged.load() << " acknowledged joins";
        EXPECT_GT(unanswered, 0U) << "the kill came between requests; nothing was in flight";

        // The platform redelivers what got no 200: each counts once, whether or not it was committed.
        auto client = m_hub.client();
        std::map<std::string, int> redelivered;
        for (Sent& one : sent) {
            if (one.acknowledged) continue;
            const std::string outcome = post(*client, one.body);
            EXPECT_TRUE(outcome == "joined" || outcome == "duplicate") << one.event_id << ": " << outcome;
            ++redelivered[outcome];
            one.acknowledged = true;
        }
        RecordProperty(
            fmt::format("kill{}", round + 1),
            fmt::format("acknowledged {}, unanswered {} (redelivered: {} joined, {} duplicate)",
                        acknowledged.load(), unanswered, redelivered["joined"], redelivered["duplicate"]));
        all.insert(all.end(), sent.begin(), sent.end());
        EXPECT_EQ(count_rows("SELECT count(*) FROM joins"), static_cast<std::int64_t>(all.size()));
        EXPECT_EQ(count_rows("SELECT count(DISTINCT person) FROM joins"),
                  static_cast<std::int64_t>(all.size()));
        const auto totals = report("campaign=fest&by=screen");
        ASSERT_EQ(totals.status, 200) << totals.text;
        EXPECT_EQ(totals.body.at("total").at("joins").as_int64(), static_cast<std::int64_t>(all.size()));
        const std::int64_t s1 = (static_cast<std::int64_t>(all.size()) + 1) / 2;
        EXPECT_EQ(joins_of(totals, "s1") + joins_of(totals, "s2"), static_cast<std::int64_t>(all.size()));
        EXPECT_NEAR(static_cast<double>(joins_of(totals, "s1")), static_cast<double>(s1), 1.0);
    }
    // Every event id sent is stored exactly once.
    const auto stored = column("SELECT event_id FROM joins");
    std::set<std::string> unique{stored.begin(), stored.end()};
    EXPECT_EQ(unique.size(), stored.size());
    for (const Sent& one : all) EXPECT_TRUE(unique.contains(one.event_id)) << one.event_id;
}

TEST_F(DurabilityTest, SigtermLetsRequestsInProgressFinishCommitsThemAndExitsZero) {
    std::mutex mutex;
    std::vector<Sent> sent;
    std::atomic<bool> stop{false};
    std::atomic<int> acknowledged{0};
    std::atomic<std::uint64_t> next_person{1};

    // A webhook whose body is only half here when the hub is told to stop.
    const Sent slow = compose(1'000'000);
    std::string content_type;
    const auto fields = signed_fields(ChannelKind::line, slow.body, &content_type);
    RawConnection raw{m_hub.port()};
    std::string head =
        fmt::format("POST {} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {}\r\nContent-Length: {}\r\n",
                    webhook_target(ChannelKind::line), content_type, slow.body.size());
    for (const auto& [name, value] : fields) head += fmt::format("{}: {}\r\n", name, value);
    const std::size_t half = slow.body.size() / 2;
    ASSERT_TRUE(raw.send(head + "\r\n" + slow.body.substr(0, half)));

    send_until(stop, acknowledged, next_person, mutex, sent, 3);
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (acknowledged.load() < 100 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(1ms);
    ASSERT_GE(acknowledged.load(), 100);

    ProcessResult result;
    std::thread stopper([&] { result = m_hub.stop(); });
    // Once the hub says it is stopping, the rest of the slow body arrives.
    const auto stopping_deadline = std::chrono::steady_clock::now() + 20s;
    while (m_hub.log().find("stopping: finishing requests in progress") == std::string::npos &&
           std::chrono::steady_clock::now() < stopping_deadline)
        std::this_thread::sleep_for(5ms);
    ASSERT_TRUE(raw.send(slow.body.substr(half)));
    const auto response = raw.read_response(20s);
    stopper.join();
    stop = true;
    join_senders();

    EXPECT_TRUE(result.exited) << "signal " << result.signal << "\n" << m_hub.log();
    EXPECT_EQ(result.exit_code, 0) << m_hub.log();
    EXPECT_FALSE(result.timed_out);
    ASSERT_TRUE(response) << "the request in progress got no answer\n" << m_hub.log();
    EXPECT_EQ(response->status, 200U) << response->body;
    ASSERT_TRUE(response->json.is_object()) << response->body;
    EXPECT_EQ(response->json.at("results").at(0).at("outcome").as_string(), "joined") << response->body;
    EXPECT_EQ(response->field("connection"), "close");
    EXPECT_TRUE(m_unexpected.empty()) << m_unexpected.front();

    // Everything answered is in the database the hub left behind.
    const auto stored = column("SELECT event_id FROM joins");
    const std::set<std::string> committed{stored.begin(), stored.end()};
    EXPECT_TRUE(committed.contains(slow.event_id));
    std::size_t lost = 0;
    for (const Sent& one : sent)
        if (one.acknowledged && !committed.contains(one.event_id) && ++lost <= 5)
            ADD_FAILURE() << "acknowledged but lost: " << one.event_id;
    EXPECT_EQ(lost, 0U);
    // And the next start has them all.
    m_hub.start();
    reconnect();
    EXPECT_EQ(report("campaign=fest&by=screen").body.at("total").at("joins").as_int64(),
              static_cast<std::int64_t>(committed.size()));
}

}  // namespace
}  // namespace dwell::test
