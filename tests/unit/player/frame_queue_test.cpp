#include "player/media/frame_queue.hpp"

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <numeric>
#include <stop_token>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace dwell::player {
namespace {

using namespace std::chrono_literals;

// Long enough never to expire on a loaded machine: the tests wake threads on purpose, never by it.
constexpr auto never = 60s;

TEST(BoundedQueue, PopsInTheOrderPushed) {
    BoundedQueue<int> queue(4);
    for (int i = 1; i <= 4; ++i) EXPECT_EQ(queue.push(int{i}), PushResult::pushed);
    EXPECT_EQ(queue.size(), 4U);
    for (int i = 1; i <= 4; ++i) EXPECT_EQ(queue.try_pop(), i);
    EXPECT_EQ(queue.try_pop(), std::nullopt);
    EXPECT_EQ(queue.size(), 0U);
}

TEST(BoundedQueue, TryPushRefusesWhenFullAndKeepsTheItem) {
    BoundedQueue<std::unique_ptr<int>> queue(1);
    auto first = std::make_unique<int>(1);
    EXPECT_EQ(queue.try_push(std::move(first)), PushResult::pushed);
    auto second = std::make_unique<int>(2);
    EXPECT_EQ(queue.try_push(std::move(second)), PushResult::full);
    ASSERT_NE(second, nullptr) << "a refused item must stay with the caller";
    EXPECT_EQ(*second, 2);
    EXPECT_EQ(queue.push_for(std::move(second), 1ms), PushResult::timed_out);
    ASSERT_NE(second, nullptr);
}

TEST(BoundedQueue, PopTimesOutWhenEmpty) {
    BoundedQueue<int> queue(2);
    EXPECT_EQ(queue.pop_for(1ms), std::nullopt);
    EXPECT_FALSE(queue.closed());
}

TEST(BoundedQueue, AFullQueueBlocksTheProducerUntilAnItemIsPopped) {
    BoundedQueue<int> queue(2);
    ASSERT_EQ(queue.push(1), PushResult::pushed);
    ASSERT_EQ(queue.push(2), PushResult::pushed);
    std::atomic<bool> third_pushed{false};
    std::jthread producer([&] {
        EXPECT_EQ(queue.push(3), PushResult::pushed);
        third_pushed = true;
    });
    // The producer cannot get past a full queue however long it waits.
    EXPECT_EQ(queue.pop_for(never), 1);
    producer.join();
    EXPECT_TRUE(third_pushed);
    EXPECT_EQ(queue.try_pop(), 2);
    EXPECT_EQ(queue.try_pop(), 3);
}

TEST(BoundedQueue, ProducerIsStillBlockedWhileTheQueueStaysFull) {
    BoundedQueue<int> queue(1);
    ASSERT_EQ(queue.push(1), PushResult::pushed);
    std::stop_source stop;
    auto pushed = std::async(std::launch::async, [&] { return queue.push(2, stop.get_token()); });
    EXPECT_EQ(pushed.wait_for(50ms), std::future_status::timeout) << "push returned while the queue was full";
    stop.request_stop();
    EXPECT_EQ(pushed.get(), PushResult::stopped);
    EXPECT_EQ(queue.size(), 1U);
}

TEST(BoundedQueue, StopTokenWakesABlockedPush) {
    BoundedQueue<int> queue(1);
    ASSERT_EQ(queue.push(1), PushResult::pushed);
    std::stop_source stop;
    std::promise<PushResult> result;
    std::jthread producer([&] { result.set_value(queue.push(2, stop.get_token())); });
    stop.request_stop();
    EXPECT_EQ(result.get_future().get(), PushResult::stopped);
    EXPECT_EQ(queue.try_pop(), 1);
    EXPECT_EQ(queue.try_pop(), std::nullopt) << "the stopped push must not have added its item";
}

TEST(BoundedQueue, StopTokenWakesABlockedPop) {
    BoundedQueue<int> queue(1);
    std::jthread consumer([&](std::stop_token stop) { EXPECT_EQ(queue.pop(stop), std::nullopt); });
    consumer.request_stop();
    consumer.join();  // hangs (and the test times out) if the stop did not wake pop()
    std::jthread timed_consumer(
        [&](std::stop_token stop) { EXPECT_EQ(queue.pop_for(never, stop), std::nullopt); });
    timed_consumer.request_stop();
    timed_consumer.join();
}

TEST(BoundedQueue, StopBeforeWaitingReturnsAtOnce) {
    BoundedQueue<int> queue(1);
    std::stop_source stop;
    stop.request_stop();
    EXPECT_EQ(queue.pop(stop.get_token()), std::nullopt);
    EXPECT_EQ(queue.push(1, stop.get_token()), PushResult::stopped);
    EXPECT_EQ(queue.size(), 0U);
}

TEST(BoundedQueue, CloseDrainsWhatIsLeftThenReportsClosed) {
    BoundedQueue<int> queue(3);
    ASSERT_EQ(queue.push(1), PushResult::pushed);
    ASSERT_EQ(queue.push(2), PushResult::pushed);
    queue.close();
    EXPECT_TRUE(queue.closed());
    EXPECT_FALSE(queue.drained());
    EXPECT_EQ(queue.push(3), PushResult::closed);
    EXPECT_EQ(queue.pop(), 1);
    EXPECT_EQ(queue.pop_for(never), 2);
    EXPECT_TRUE(queue.drained());
    EXPECT_EQ(queue.pop(), std::nullopt) << "pop on a closed, empty queue must return, not wait";
    EXPECT_EQ(queue.pop_for(never), std::nullopt);
}

TEST(BoundedQueue, CloseWakesBlockedProducersAndConsumers) {
    BoundedQueue<int> full(1);
    ASSERT_EQ(full.push(1), PushResult::pushed);
    BoundedQueue<int> empty(1);
    std::promise<PushResult> pushed;
    std::promise<std::optional<int>> popped;
    std::jthread producer([&] { pushed.set_value(full.push(2)); });
    std::jthread consumer([&] { popped.set_value(empty.pop()); });
    full.close();
    empty.close();
    EXPECT_EQ(pushed.get_future().get(), PushResult::closed);
    EXPECT_EQ(popped.get_future().get(), std::nullopt);
    EXPECT_EQ(full.try_pop(), 1) << "closing keeps what was queued";
}

TEST(BoundedQueue, WaitForItemSeesAnItemOrTheClose) {
    BoundedQueue<int> queue(2);
    EXPECT_FALSE(queue.wait_for_item(1ms));
    std::jthread producer([&] { queue.push(7); });
    EXPECT_TRUE(queue.wait_for_item(never));
    EXPECT_EQ(queue.size(), 1U) << "waiting must not take the item";
    EXPECT_EQ(queue.try_pop(), 7);
    std::jthread closer([&] { queue.close(); });
    EXPECT_FALSE(queue.wait_for_item(never));
}

TEST(BoundedQueue, ManyProducersAndConsumersLoseAndDuplicateNothing) {
    constexpr int producers = 4;
    constexpr int consumers = 3;
    constexpr int per_producer = 2000;
    BoundedQueue<std::unique_ptr<int>> queue(8);
    std::vector<std::atomic<int>> seen(producers * per_producer);
    std::atomic<long long> sum{0};
    {
        std::vector<std::jthread> threads;
        for (int c = 0; c < consumers; ++c) {
            threads.emplace_back([&] {
                while (auto item = queue.pop()) {
                    ++seen[static_cast<std::size_t>(**item)];
                    sum += **item;
                }
            });
        }
        {
            std::vector<std::jthread> makers;
            for (int p = 0; p < producers; ++p) {
                makers.emplace_back([&queue, p] {
                    for (int i = 0; i < per_producer; ++i) {
                        auto item = std::make_unique<int>(p * per_producer + i);
                        ASSERT_EQ(queue.push(std::move(item)), PushResult::pushed);
                        ASSERT_LE(queue.size(), queue.capacity());
                    }
                });
            }
        }
        queue.close();
    }
    for (std::size_t i = 0; i < seen.size(); ++i) ASSERT_EQ(seen[i].load(), 1) << "item " << i;
    constexpr long long n = producers * per_producer;
    EXPECT_EQ(sum.load(), n * (n - 1) / 2);
    EXPECT_TRUE(queue.drained());
}

TEST(BoundedQueue, OrderIsKeptPerProducerAcrossAConsumer) {
    BoundedQueue<int> queue(3);
    std::jthread producer([&] {
        for (int i = 0; i < 1000; ++i) ASSERT_EQ(queue.push(int{i}), PushResult::pushed);
        queue.close();
    });
    int expected = 0;
    while (auto item = queue.pop()) EXPECT_EQ(*item, expected++);
    EXPECT_EQ(expected, 1000);
}

}  // namespace
}  // namespace dwell::player
