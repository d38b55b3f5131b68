// The hub's counters, served at /metrics in the Prometheus text format: HTTP responses, webhook
// and message outcomes, joins, feed connections, records, and the writer's batches.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "sync/net/server.hpp"

namespace dwell::sync::hub {

class Metrics final : public net::ServerObserver {
  public:
    // net::ServerObserver
    void on_response(std::string_view route, unsigned status) override;
    void on_connection(int delta, bool websocket) override;

    // One webhook request: "accepted", "bad_signature", "malformed", "unknown_channel", ...
    void webhook(std::string_view channel, std::string_view result);
    // One message inside a webhook: "joined", "repeat", "duplicate", "wrong_code", "not_a_join",
    // "rate_limited", "ignored".
    void message(std::string_view channel, std::string_view outcome);
    void feed_sessions(int delta);
    void records(std::uint64_t accepted, std::uint64_t duplicates);
    // One writer batch: how many jobs it carried and how long the transaction took, commit included.
    void batch(std::size_t jobs, double seconds, bool committed);

    [[nodiscard]] std::string render() const;

  private:
    // A counter keyed by two label values, e.g. (route, status).
    class Family {
      public:
        void add(std::string_view first, std::string_view second, std::uint64_t amount = 1);
        void render(std::string& out, std::string_view name, std::string_view first_label,
                    std::string_view second_label) const;

      private:
        mutable std::mutex m_mutex;  // guards m_values
        std::map<std::string, std::map<std::string, std::uint64_t, std::less<>>, std::less<>> m_values;
    };

    // Fixed buckets, upper bounds in ascending order.
    template <std::size_t N>
    class Histogram {
      public:
        explicit Histogram(std::array<double, N> bounds) : m_bounds(bounds) {}
        void observe(double value);
        void render(std::string& out, std::string_view name) const;

      private:
        std::array<double, N> m_bounds;
        mutable std::mutex m_mutex;  // guards the fields below
        std::array<std::uint64_t, N> m_counts{};
        std::uint64_t m_count = 0;
        double m_sum = 0;
    };

    Family m_responses;  // route, status
    Family m_webhooks;   // channel, result
    Family m_messages;   // channel, outcome
    std::atomic<std::int64_t> m_connections{0};
    std::atomic<std::int64_t> m_websockets{0};
    std::atomic<std::int64_t> m_feed_sessions{0};
    std::atomic<std::uint64_t> m_joins{0};
    std::atomic<std::uint64_t> m_records_accepted{0};
    std::atomic<std::uint64_t> m_records_duplicate{0};
    std::atomic<std::uint64_t> m_batches_failed{0};
    Histogram<9> m_batch_jobs{{1, 2, 5, 10, 50, 100, 500, 1000, 5000}};
    Histogram<11> m_batch_seconds{{0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1}};
};

}  // namespace dwell::sync::hub
