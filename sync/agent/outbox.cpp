#include "sync/agent/outbox.hpp"

#include <boost/json/parse.hpp>

#include "sync/agent/log.hpp"

namespace dwell::sync::agent {
namespace {

namespace asio = boost::asio;
namespace http = net::http;

}  // namespace

Result<std::unique_ptr<Outbox>> Outbox::create(asio::any_io_executor executor, const HubAccess& access,
                                               content::DeviceState& state) {
    std::unique_ptr<Outbox> outbox{new Outbox(access, state)};
    auto link = net::HttpConnection::create(std::move(executor), access.url, access.client);
    if (!link) return fail(std::move(link.error()));
    outbox->m_link = std::move(*link);
    return outbox;
}

asio::awaitable<Result<ShipResult>> Outbox::ship() {
    ShipResult out;
    for (;;) {
        auto batch = m_state.oldest_records(batch_records, batch_bytes);
        if (!batch) co_return fail(std::move(batch.error()));
        if (batch->empty()) co_return out;
        std::vector<content::Uuid> done;
        std::vector<content::Uuid> refused;
        auto sent = co_await send(*batch, done, refused);
        // What the hub has is removed even when a later part of the batch failed.
        done.insert(done.end(), refused.begin(), refused.end());
        if (!done.empty())
            if (auto removed = m_state.remove_records(done); !removed)
                co_return fail(std::move(removed.error()));
        out.acknowledged += done.size() - refused.size();
        out.refused += refused.size();
        if (!sent) co_return fail(std::move(sent.error()));
    }
}

asio::awaitable<Result<void>> Outbox::send(const std::vector<content::OutboxEntry>& batch,
                                           std::vector<content::Uuid>& done,
                                           std::vector<content::Uuid>& refused) {
    std::vector<content::Record> records;
    records.reserve(batch.size());
    for (const auto& entry : batch) records.push_back(entry.record);
    // Named before the co_await: GCC 12 mishandles temporaries in its full-expression.
    const std::string target = fmt::format("/v1/devices/{}/reports", m_access.screen);
    const net::Fields fields{{"Authorization", "Bearer " + m_access.token}};
    const std::string body = content::records_to_json_body(records);
    const std::string json_type = "application/json";
    auto response = co_await m_link->request(http::verb::post, target, fields, body, json_type);
    if (!response) co_return fail(std::move(response.error()).with_context("shipping records"));
    const unsigned status = response->result_int();
    if (status == 200) {
        boost::system::error_code error;
        const auto json = boost::json::parse(response->body(), error);
        const auto* object = error ? nullptr : json.if_object();
        const auto* accepted = object ? object->if_contains("accepted") : nullptr;
        const auto* duplicates = object ? object->if_contains("duplicates") : nullptr;
        if (!accepted || !duplicates || !accepted->is_number() || !duplicates->is_number() ||
            accepted->to_number<std::uint64_t>() + duplicates->to_number<std::uint64_t>() != records.size())
            co_return fail(Errc::io, "the hub's answer to {} records does not count them: {}", records.size(),
                           response->body().substr(0, 200));
        for (const auto& record : records) done.push_back(record.id);
        co_return Result<void>{};
    }
    if (status == 400 || status == 413) {
        // Something in the batch is refused: one record at a time finds which.
        if (records.size() > 1) {
            for (const auto& entry : batch) {
                const std::vector<content::OutboxEntry> single{entry};
                if (auto sent = co_await send(single, done, refused); !sent) co_return sent;
            }
            co_return Result<void>{};
        }
        log()->error("the hub refuses {} record {} and it is dropped from the outbox: {}",
                     content::type_name(records[0].body), records[0].id.to_string(),
                     net::error_message(*response));
        refused.push_back(records[0].id);
        co_return Result<void>{};
    }
    if (status == 401 || status == 403)
        co_return fail(Errc::unauthorized, "the hub refused this screen's device token for reports ({}): {}",
                       status, net::error_message(*response));
    co_return fail(Errc::io, "the hub answered {} to a report: {}", status, net::error_message(*response));
}

}  // namespace dwell::sync::agent
