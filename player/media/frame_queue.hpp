// A fixed-capacity blocking queue between the player's threads (demux → decode → render); every wait
// can be cut short by a std::stop_token, a timeout or close(), so no thread ever blocks forever.
#pragma once

#include <cassert>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>
#include <stop_token>
#include <utility>

namespace dwell::player {

// Why a push did not happen, or that it did.
enum class PushResult { pushed, full, timed_out, stopped, closed };

template <class T>
class BoundedQueue {
  public:
    explicit BoundedQueue(std::size_t capacity) : m_capacity(capacity) { assert(capacity > 0); }
    BoundedQueue(const BoundedQueue&) = delete;
    BoundedQueue& operator=(const BoundedQueue&) = delete;

    // Waits while the queue is full. The item is moved from only when the result is `pushed`.
    PushResult push(T&& item, std::stop_token stop = {}) {
        std::unique_lock lock(m_mutex);
        m_not_full.wait(lock, stop, [&] { return m_closed || m_items.size() < m_capacity; });
        return push_locked(std::move(item), stop);
    }

    template <class Rep, class Period>
    PushResult push_for(T&& item, std::chrono::duration<Rep, Period> timeout, std::stop_token stop = {}) {
        std::unique_lock lock(m_mutex);
        const bool room =
            m_not_full.wait_for(lock, stop, timeout, [&] { return m_closed || m_items.size() < m_capacity; });
        if (!room && !stop.stop_requested()) return PushResult::timed_out;
        return push_locked(std::move(item), stop);
    }

    // Never waits; the item is moved from only when the result is `pushed`.
    PushResult try_push(T&& item) {
        std::unique_lock lock(m_mutex);
        if (!m_closed && m_items.size() >= m_capacity) return PushResult::full;
        return push_locked(std::move(item), {});
    }

    // Waits for an item. Empty when the queue is closed and drained, or when `stop` was requested
    // while there was nothing to pop.
    std::optional<T> pop(std::stop_token stop = {}) {
        std::unique_lock lock(m_mutex);
        m_not_empty.wait(lock, stop, [&] { return m_closed || !m_items.empty(); });
        return pop_locked(lock);
    }

    // As pop(), and also empty when nothing arrived within `timeout`.
    template <class Rep, class Period>
    std::optional<T> pop_for(std::chrono::duration<Rep, Period> timeout, std::stop_token stop = {}) {
        std::unique_lock lock(m_mutex);
        m_not_empty.wait_for(lock, stop, timeout, [&] { return m_closed || !m_items.empty(); });
        return pop_locked(lock);
    }

    std::optional<T> try_pop() {
        std::unique_lock lock(m_mutex);
        return pop_locked(lock);
    }

    // Waits until an item is there to pop or the queue is closed; true when an item is there.
    template <class Rep, class Period>
    bool wait_for_item(std::chrono::duration<Rep, Period> timeout, std::stop_token stop = {}) const {
        std::unique_lock lock(m_mutex);
        m_not_empty.wait_for(lock, stop, timeout, [&] { return m_closed || !m_items.empty(); });
        return !m_items.empty();
    }

    // No more pushes; pops return what is left, then report empty. Wakes every waiting thread.
    void close() {
        {
            std::lock_guard lock(m_mutex);
            m_closed = true;
        }
        m_not_full.notify_all();
        m_not_empty.notify_all();
    }

    [[nodiscard]] bool closed() const {
        std::lock_guard lock(m_mutex);
        return m_closed;
    }

    // Closed and empty: nothing will ever be popped again.
    [[nodiscard]] bool drained() const {
        std::lock_guard lock(m_mutex);
        return m_closed && m_items.empty();
    }

    [[nodiscard]] std::size_t size() const {
        std::lock_guard lock(m_mutex);
        return m_items.size();
    }

    [[nodiscard]] std::size_t capacity() const { return m_capacity; }

  private:
    PushResult push_locked(T&& item, const std::stop_token& stop) {
        if (m_closed) return PushResult::closed;
        if (stop.stop_requested()) return PushResult::stopped;
        m_items.push_back(std::move(item));
        m_not_empty.notify_one();
        return PushResult::pushed;
    }

    std::optional<T> pop_locked(std::unique_lock<std::mutex>& lock) {
        if (m_items.empty()) return std::nullopt;
        std::optional<T> item(std::move(m_items.front()));
        m_items.pop_front();
        lock.unlock();
        m_not_full.notify_one();
        return item;
    }

    const std::size_t m_capacity;
    // m_mutex guards m_items and m_closed; both condition variables wait on it.
    mutable std::mutex m_mutex;
    mutable std::condition_variable_any m_not_empty;
    std::condition_variable_any m_not_full;
    std::deque<T> m_items;
    bool m_closed = false;
};

}  // namespace dwell::player
