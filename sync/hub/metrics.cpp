#include "sync/hub/metrics.hpp"

#include <fmt/format.h>

namespace dwell::sync::hub {
namespace {

// Label values are ids and route names, but a channel id comes from a URL: escape as the format requires.
std::string escape_label(std::string_view value) {
    std::string out;
    for (const char c : value) {
        if (c == '\\' || c == '"') out.push_back('\\');
        if (c == '\n') {
            out += "\\n";
            continue;
        }
        out.push_back(c);
    }
    return out;
}

void header(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

}  // namespace

void Metrics::Family::add(std::string_view first, std::string_view second, std::uint64_t amount) {
    std::lock_guard lock(m_mutex);
    auto outer = m_values.find(first);
    if (outer == m_values.end())
        outer = m_values.emplace(std::string{first}, decltype(outer->second){}).first;
    auto inner = outer->second.find(second);
    if (inner == outer->second.end()) inner = outer->second.emplace(std::string{second}, 0).first;
    inner->second += amount;
}

void Metrics::Family::render(std::string& out, std::string_view name, std::string_view first_label,
                             std::string_view second_label) const {
    std::lock_guard lock(m_mutex);
    for (const auto& [first, inner] : m_values)
        for (const auto& [second, value] : inner)
            out += fmt::format("{}{{{}=\"{}\",{}=\"{}\"}} {}\n", name, first_label, escape_label(first),
                               second_label, escape_label(second), value);
}

template <std::size_t N>
void Metrics::Histogram<N>::observe(double value) {
    std::lock_guard lock(m_mutex);
    for (std::size_t i = 0; i < N; ++i)
        if (value <= m_bounds[i]) ++m_counts[i];
    ++m_count;
    m_sum += value;
}

template <std::size_t N>
void Metrics::Histogram<N>::render(std::string& out, std::string_view name) const {
    std::lock_guard lock(m_mutex);
    for (std::size_t i = 0; i < N; ++i)
        out += fmt::format("{}_bucket{{le=\"{}\"}} {}\n", name, m_bounds[i], m_counts[i]);
    out += fmt::format("{}_bucket{{le=\"+Inf\"}} {}\n{}_sum {}\n{}_count {}\n", name, m_count, name, m_sum,
                       name, m_count);
}

void Metrics::on_response(std::string_view route, unsigned status) {
    m_responses.add(route.empty() ? "none" : route, fmt::format("{}", status));
}

void Metrics::on_connection(int delta, bool websocket) {
    (websocket ? m_websockets : m_connections).fetch_add(delta, std::memory_order_relaxed);
}

void Metrics::webhook(std::string_view channel, std::string_view result) {
    m_webhooks.add(channel, result);
}

void Metrics::message(std::string_view channel, std::string_view outcome) {
    m_messages.add(channel, outcome);
    if (outcome == "joined") m_joins.fetch_add(1, std::memory_order_relaxed);
}

void Metrics::feed_sessions(int delta) {
    m_feed_sessions.fetch_add(delta, std::memory_order_relaxed);
}

void Metrics::records(std::uint64_t accepted, std::uint64_t duplicates) {
    m_records_accepted.fetch_add(accepted, std::memory_order_relaxed);
    m_records_duplicate.fetch_add(duplicates, std::memory_order_relaxed);
}

void Metrics::batch(std::size_t jobs, double seconds, bool committed) {
    if (!committed) m_batches_failed.fetch_add(1, std::memory_order_relaxed);
    m_batch_jobs.observe(static_cast<double>(jobs));
    m_batch_seconds.observe(seconds);
}

std::string Metrics::render() const {
    std::string out;
    header(out, "dwell_hub_http_responses_total", "counter", "HTTP responses by route and status.");
    m_responses.render(out, "dwell_hub_http_responses_total", "route", "status");
    header(out, "dwell_hub_webhooks_total", "counter", "Webhook requests by channel and result.");
    m_webhooks.render(out, "dwell_hub_webhooks_total", "channel", "result");
    header(out, "dwell_hub_webhook_messages_total", "counter",
           "Messages in webhooks by channel and outcome.");
    m_messages.render(out, "dwell_hub_webhook_messages_total", "channel", "outcome");
    header(out, "dwell_hub_joins_total", "counter", "Participations accepted and committed.");
    out += fmt::format("dwell_hub_joins_total {}\n", m_joins.load());
    header(out, "dwell_hub_connections", "gauge", "Open HTTP connections (WebSockets not included).");
    out += fmt::format("dwell_hub_connections {}\n", m_connections.load() - m_websockets.load());
    header(out, "dwell_hub_feed_connections", "gauge", "Screens connected to their live feed.");
    out += fmt::format("dwell_hub_feed_connections {}\n", m_feed_sessions.load());
    header(out, "dwell_hub_records_total", "counter", "Records reported by screens, by result.");
    out += fmt::format("dwell_hub_records_total{{result=\"accepted\"}} {}\n", m_records_accepted.load());
    out += fmt::format("dwell_hub_records_total{{result=\"duplicate\"}} {}\n", m_records_duplicate.load());
    header(out, "dwell_hub_commit_batch_size", "histogram", "Jobs per writer transaction.");
    m_batch_jobs.render(out, "dwell_hub_commit_batch_size");
    header(out, "dwell_hub_commit_seconds", "histogram", "Time per writer transaction, commit included.");
    m_batch_seconds.render(out, "dwell_hub_commit_seconds");
    header(out, "dwell_hub_commit_failures_total", "counter", "Writer transactions rolled back.");
    out += fmt::format("dwell_hub_commit_failures_total {}\n", m_batches_failed.load());
    return out;
}

}  // namespace dwell::sync::hub
