// The live feed as a screen receives it: joins with masked names, counters for other screens at
// a bounded rate, resuming after a gap without losses or repeats, snapshots, and seq numbers
// that keep increasing across a restart of the hub. History (joins, takeovers, manifest changes)
// is numbered and replayed; state (counters, snapshots) carries the seq of the history before it.
#include <atomic>
#include <optional>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "tests/integration/hub/feed_client.hpp"
#include "tests/integration/hub/hub_fixture.hpp"

namespace dwell::test {
namespace {

using namespace std::chrono_literals;
using config::ChannelKind;

class FeedTest : public HubTest {
  protected:
    void SetUp() override {
        HubTest::SetUp();
        stage();
    }

    std::uint64_t last_seq(std::string_view screen) {
        const auto status =
            call(http::verb::get, fmt::format("/v1/screens/{}", screen), m_hub.operator_token());
        if (status.status != 200) throw std::runtime_error(status.text);
        return status.body.at("last_seq").to_number<std::uint64_t>();
    }

    std::unique_ptr<FeedClient> connect(std::string_view screen, std::optional<std::uint64_t> after) {
        auto feed =
            std::make_unique<FeedClient>(m_hub.port(), screen, m_devices.at(std::string{screen}), after);
        if (feed->refused_status() != 0)
            throw std::runtime_error(
                fmt::format("feed refused {}: {}", feed->refused_status(), feed->refused_body()));
        return feed;
    }

    // A join by a new person at a screen, through the generic channel.
    void join(std::string_view screen, std::uint64_t person, std::string name = {}) {
        const auto reply = post_one(
            ChannelKind::generic,
            message(person, person, current_code("fest", screen, ChannelKind::generic), std::move(name)));
        if (reply.status != 200 || reply.body.at("results").at(0).at("outcome").as_string() != "joined")
            throw std::runtime_error("the join failed: " + reply.text);
    }

    // Events until the feed has been quiet for `quiet`.
    static std::vector<boost::json::value> settle(FeedClient& feed, std::chrono::milliseconds quiet = 600ms) {
        std::vector<boost::json::value> out;
        while (auto event = feed.next(quiet)) out.push_back(std::move(*event));
        return out;
    }

    // A live connection: resumed where the screen is, its opening snapshot read.
    std::unique_ptr<FeedClient> connect_live(std::string_view screen) {
        auto feed = connect(screen, last_seq(screen));
        const auto opening = feed->next();
        if (!opening || event_type(*opening) != "snapshot")
            throw std::runtime_error("a connection did not open with a snapshot");
        return feed;
    }

    static bool is_history(const boost::json::value& event) {
        const std::string type = event_type(event);
        return type != "counter" && type != "snapshot";
    }

    static std::vector<boost::json::value> history(const std::vector<boost::json::value>& events) {
        std::vector<boost::json::value> out;
        for (const auto& event : events)
            if (is_history(event)) out.push_back(event);
        return out;
    }

    // History is numbered without gaps; state never moves the seq back.
    static void expect_contiguous(const std::vector<boost::json::value>& events, std::uint64_t after) {
        std::uint64_t expected = after + 1;
        std::uint64_t last = after;
        for (const auto& event : events) {
            if (is_history(event)) {
                EXPECT_EQ(event_seq(event), expected) << boost::json::serialize(event);
                expected = event_seq(event) + 1;
            } else {
                EXPECT_GE(event_seq(event), last) << boost::json::serialize(event);
            }
            last = event_seq(event);
        }
    }
};

TEST_F(FeedTest, AJoinReachesItsScreenWithTheMaskedNameAndCounts) {
    auto s1 = connect_live("s1");
    const std::uint64_t start = last_seq("s1");

    const auto telegram = post_one(
        ChannelKind::telegram, message(1, 101, current_code("fest", "s1", ChannelKind::telegram), "김민현"));
    ASSERT_EQ(telegram.status, 200) << telegram.text;
    std::vector<boost::json::value> skipped;
    const auto first = s1->next_of("join", &skipped);
    ASSERT_TRUE(first) << "no join event reached s1";
    EXPECT_TRUE(skipped.empty()) << "the join is the first event after it: "
                                 << boost::json::serialize(skipped[0]);
    EXPECT_EQ(event_seq(*first), start + 1);
    EXPECT_EQ(first->at("campaign").as_string(), "fest");
    EXPECT_EQ(first->at("name").as_string(), "김*현");
    EXPECT_EQ(first->at("channel").as_string(), "telegram-test");
    EXPECT_EQ(first->at("screen_count").to_number<int>(), 1);
    EXPECT_EQ(first->at("campaign_count").to_number<int>(), 1);
    EXPECT_TRUE(first->at("at").is_number());

    const auto generic = post_one(ChannelKind::generic,
                                  message(2, 102, current_code("fest", "s1", ChannelKind::generic), "Jason"));
    ASSERT_EQ(generic.status, 200) << generic.text;
    const auto second = s1->next_of("join", nullptr);
    ASSERT_TRUE(second);
    EXPECT_EQ(second->at("name").as_string(), "J***n");
    EXPECT_EQ(second->at("channel").as_string(), "generic-test");
    EXPECT_EQ(second->at("screen_count").to_number<int>(), 2);
    EXPECT_EQ(second->at("campaign_count").to_number<int>(), 2);
    EXPECT_GT(event_seq(*second), event_seq(*first));

    // A platform without display names (LINE) joins with no name shown.
    ASSERT_EQ(
        post_one(ChannelKind::line, message(3, 103, current_code("fest", "s1", ChannelKind::line))).status,
        200);
    const auto nameless = s1->next_of("join", nullptr);
    ASSERT_TRUE(nameless);
    EXPECT_FALSE(nameless->as_object().contains("name") && !nameless->at("name").as_string().empty())
        << boost::json::serialize(*nameless);

    // A repeat is no event: the next join event is the next person's.
    ASSERT_EQ(post_one(ChannelKind::telegram,
                       message(4, 101, current_code("fest", "s1", ChannelKind::telegram), "김민현"))
                  .body.at("text")
                  .as_string(),
              "thanks fest");
    join("s1", 105, "Ann");
    const auto next = s1->next_of("join", nullptr);
    ASSERT_TRUE(next);
    EXPECT_EQ(next->at("name").as_string(), "A*n");
    EXPECT_EQ(next->at("screen_count").to_number<int>(), 4);
}

TEST_F(FeedTest, CountersReachTheOtherScreensShowingTheCampaignAtMostFourTimesASecond) {
    auto s1 = connect_live("s1");
    auto s2 = connect_live("s2");
    auto s3 = connect_live("s3");

    // Joins at s2 as fast as two senders can, for a while.
    std::atomic<std::uint64_t> next_person{1000};
    std::atomic<int> joined{0};
    const auto until = std::chrono::steady_clock::now() + 1500ms;
    std::vector<std::thread> senders;
    const std::string target = webhook_target(ChannelKind::generic);
    // The code changes once a minute; one from the step before still counts, so one read will do.
    const std::string code = current_code("fest", "s2", ChannelKind::generic);
    for (int t = 0; t < 2; ++t) {
        senders.emplace_back([&] {
            auto client = m_hub.client();
            while (std::chrono::steady_clock::now() < until) {
                const std::uint64_t person = next_person++;
                const auto text = sync::messenger::compose_webhook(
                    ChannelKind::generic, std::vector{message(person, person, code)});
                std::string content_type;
                const auto fields = signed_fields(ChannelKind::generic, text, &content_type);
                auto reply = client->request(http::verb::post, target, fields, text, content_type);
                if (reply && reply->result_int() == 200 &&
                    reply->body().find("\"joined\"") != std::string::npos)
                    ++joined;
            }
        });
    }
    for (auto& sender : senders) sender.join();
    ASSERT_GT(joined.load(), 10);

    // s1 shows the campaign too: it gets the totals, and the last one it gets is the final total.
    std::vector<boost::json::value> counters;
    for (;;) {
        auto event = s1->next(5s);
        ASSERT_TRUE(event) << "s1 never got the final total of " << joined.load() << "; it got "
                           << counters.size() << " counter events";
        ASSERT_EQ(event_type(*event), "counter") << boost::json::serialize(*event);
        counters.push_back(*event);
        if (event->at("campaign_count").to_number<int>() == joined.load()) break;
    }
    EXPECT_GE(counters.size(), 2U) << "counters flow while people join, not only at the end";
    for (const auto& counter : counters) {
        EXPECT_EQ(counter.at("campaign").as_string(), "fest");
        EXPECT_EQ(counter.at("screen_count").to_number<int>(), 0) << "nobody joined at s1";
    }
    for (std::size_t i = 1; i < counters.size(); ++i) {
        const auto gap = counters[i].at("at").to_number<std::int64_t>() -
                         counters[i - 1].at("at").to_number<std::int64_t>();
        EXPECT_GE(gap, 248) << "counter events " << i - 1 << " and " << i << " are " << gap << " ms apart";
        EXPECT_GE(counters[i].at("campaign_count").to_number<int>(),
                  counters[i - 1].at("campaign_count").to_number<int>());
    }

    // s2, where the joins happened, gets a join event for each, and its counters obey the same rate.
    std::vector<boost::json::value> at_s2;
    int s2_joins = 0;
    while (auto event = s2->next(1s)) {
        if (event_type(*event) == "join") ++s2_joins;
        if (event_type(*event) == "counter") at_s2.push_back(*event);
    }
    EXPECT_EQ(s2_joins, joined.load());
    for (std::size_t i = 1; i < at_s2.size(); ++i)
        EXPECT_GE(
            at_s2[i].at("at").to_number<std::int64_t>() - at_s2[i - 1].at("at").to_number<std::int64_t>(),
            248);
    // s3 does not show the campaign and hears nothing of it.
    const auto nothing = s3->drain(300ms);
    EXPECT_TRUE(nothing.empty()) << boost::json::serialize(nothing.front());
}

TEST_F(FeedTest, ResumingAfterAGapDeliversExactlyTheMissedEventsInOrder) {
    const std::uint64_t base = last_seq("s1");
    std::vector<boost::json::value> seen;
    {
        auto s1 = connect("s1", base);
        join("s1", 1, "Amy");
        const auto got = settle(*s1);
        ASSERT_FALSE(got.empty());
        expect_contiguous(got, base);
        seen = got;
    }
    const std::uint64_t last = event_seq(seen.back());

    // While the screen is away: joins here and there, and a manifest change.
    join("s1", 2, "Ben");
    join("s2", 3, "Cy");
    join("s1", 4, "Dee");
    const auto changed = put_campaign("fest", R"(,"priority":"high")");
    ASSERT_EQ(changed.status, 200) << changed.text;

    auto resumed = connect("s1", last);
    const auto missed = settle(*resumed);
    ASSERT_FALSE(missed.empty());
    EXPECT_NE(event_type(missed.front()), "snapshot");
    const auto snapshot =
        std::ranges::find_if(missed, [](const auto& event) { return event_type(event) == "snapshot"; });
    ASSERT_NE(snapshot, missed.end()) << "the catch-up ends with the current state";
    EXPECT_TRUE(std::all_of(snapshot, missed.end(), [](const auto& event) { return !is_history(event); }))
        << "the snapshot follows the missed history";
    expect_contiguous(missed, last);
    std::vector<std::string> names;
    bool manifest = false;
    for (const auto& event : missed) {
        if (event_type(event) == "join") names.emplace_back(event.at("name").as_string());
        manifest = manifest || event_type(event) == "manifest";
    }
    EXPECT_EQ(names, (std::vector<std::string>{"B*n", "D*e"}));
    EXPECT_TRUE(manifest) << "the campaign change reached the screen as a manifest event";
    EXPECT_EQ(event_seq(missed.back()), last_seq("s1"));

    // Live events continue after the catch-up, none repeated.
    join("s1", 5, "Eve");
    const auto live = resumed->next_of("join", nullptr);
    ASSERT_TRUE(live);
    EXPECT_EQ(live->at("name").as_string(), "E*e");
    EXPECT_GT(event_seq(*live), event_seq(missed.back()));

    // Another box asking for the same gap gets the same history.
    auto again = connect("s1", last);
    const auto replay = history(settle(*again));
    const auto missed_history = history(missed);
    ASSERT_GE(replay.size(), missed_history.size());
    for (std::size_t i = 0; i < missed_history.size(); ++i)
        EXPECT_EQ(replay[i], missed_history[i]) << "event " << i;

    // Nothing missed: only the state, then nothing until something happens.
    auto current = connect("s1", last_seq("s1"));
    const auto opening = current->drain(300ms);
    ASSERT_EQ(opening.size(), 1U);
    EXPECT_EQ(event_type(opening.front()), "snapshot");
}

TEST_F(FeedTest, WithoutAfterTheScreenGetsASnapshotOfCountersAndTakeover) {
    join("s1", 1);
    join("s1", 2);
    join("s2", 3);
    const auto takeover =
        call_text(http::verb::post, "/v1/takeovers", m_hub.operator_token(),
                  R"({"text":"열차 운행 중단","targets":{"lines":["1"]}})", "application/json");
    ASSERT_EQ(takeover.status, 201) << takeover.text;

    auto s1 = connect("s1", std::nullopt);
    const auto snapshot = s1->next();
    ASSERT_TRUE(snapshot);
    ASSERT_EQ(event_type(*snapshot), "snapshot") << boost::json::serialize(*snapshot);
    EXPECT_EQ(event_seq(*snapshot), last_seq("s1"));
    const auto& counters = snapshot->at("counters").as_array();
    ASSERT_EQ(counters.size(), 1U) << boost::json::serialize(*snapshot);
    EXPECT_EQ(counters[0].at("campaign").as_string(), "fest");
    EXPECT_EQ(counters[0].at("screen_count").to_number<int>(), 2);
    EXPECT_EQ(counters[0].at("campaign_count").to_number<int>(), 3);
    ASSERT_TRUE(snapshot->as_object().contains("takeover")) << boost::json::serialize(*snapshot);
    EXPECT_EQ(snapshot->at("takeover").at("text").as_string(), "열차 운행 중단");
    EXPECT_EQ(snapshot->at("takeover").at("id").as_string(), takeover.body.at("id").as_string());

    // s2 is on line 2: counters, no takeover.
    auto s2 = connect("s2", std::nullopt);
    const auto other = s2->next();
    ASSERT_TRUE(other);
    ASSERT_EQ(event_type(*other), "snapshot");
    EXPECT_EQ(other->at("counters").at(0).at("screen_count").to_number<int>(), 1);
    EXPECT_FALSE(other->as_object().contains("takeover")) << boost::json::serialize(*other);

    // A seq the hub never issued cannot be resumed from: a snapshot instead.
    auto future = connect("s1", last_seq("s1") + 1000);
    const auto reset = future->next();
    ASSERT_TRUE(reset);
    EXPECT_EQ(event_type(*reset), "snapshot");

    // A malformed after= is refused.
    for (const std::string_view after : {"abc", "-1", "1.5"}) {
        RawConnection raw{m_hub.port()};
        ASSERT_TRUE(
            raw.send(fmt::format("GET /v1/devices/s1/feed?after={} HTTP/1.1\r\nHost: "
                                 "127.0.0.1\r\nAuthorization: Bearer {}\r\nConnection: "
                                 "Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: "
                                 "13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
                                 after, m_devices.at("s1"))));
        const auto response = raw.read_response(10s);
        ASSERT_TRUE(response);
        EXPECT_EQ(response->status, 400U) << after << ": " << response->body;
    }
    // A feed without the WebSocket upgrade is told so.
    const auto plain = call(http::verb::get, "/v1/devices/s1/feed", m_devices.at("s1"));
    EXPECT_EQ(plain.status, 426) << plain.text;
}

TEST_F(FeedTest, SeqKeepsIncreasingAcrossARestartAndResumeMissesNothing) {
    std::uint64_t last = 0;
    {
        auto s1 = connect("s1", std::nullopt);
        const auto snapshot = s1->next();
        ASSERT_TRUE(snapshot);
        join("s1", 1, "Amy");
        const auto got = settle(*s1);
        ASSERT_FALSE(got.empty());
        expect_contiguous(got, event_seq(*snapshot));
        last = event_seq(got.back());

        // Events after `last` that this box will miss across the restart.
        join("s1", 2, "Ben");
        // The box keeps reading while the hub stops, as an agent does, and so answers its close.
        ProcessResult stopped;
        std::thread stopper([&] { stopped = m_hub.stop(); });
        EXPECT_TRUE(s1->closed(20s)) << "the hub's stop ends the feed so the screen reconnects";
        stopper.join();
        EXPECT_TRUE(stopped.exited && stopped.exit_code == 0) << m_hub.log();
    }
    m_hub.start();
    reconnect();
    join("s1", 3, "Cyd");

    auto resumed = connect("s1", last);
    const auto missed = settle(*resumed);
    ASSERT_FALSE(missed.empty());
    EXPECT_NE(event_type(missed.front()), "snapshot") << boost::json::serialize(missed.front());
    expect_contiguous(missed, last);
    std::vector<std::string> names;
    std::set<std::uint64_t> seqs;
    for (const auto& event : history(missed)) {
        EXPECT_TRUE(seqs.insert(event_seq(event)).second)
            << "seq repeated: " << boost::json::serialize(event);
        if (event_type(event) == "join") names.emplace_back(event.at("name").as_string());
    }
    EXPECT_EQ(names, (std::vector<std::string>{"B*n", "C*d"}));
    // Counts continue from what was committed before the restart.
    for (const auto& event : missed) {
        if (event_type(event) == "join" && event.at("name").as_string() == "C*d") {
            EXPECT_EQ(event.at("screen_count").to_number<int>(), 3);
        }
    }
    EXPECT_EQ(event_seq(missed.back()), last_seq("s1"));
}

}  // namespace
}  // namespace dwell::test
