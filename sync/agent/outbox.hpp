// Ships the records waiting in state.db's outbox (play, shown, health, error) to the hub, oldest
// first, in batches of at most 500 records or 256 KiB. A record leaves the outbox only after the
// hub acknowledged it; the hub knows records by id, so a batch sent again after a crash or a lost
// answer counts once. A record the hub refuses as malformed can never be delivered: it is removed
// with an error line naming it, so it does not hold back every record behind it.
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "config/error.hpp"
#include "content/device_state.hpp"
#include "sync/agent/content_sync.hpp"
#include "sync/net/client.hpp"

namespace dwell::sync::agent {

struct ShipResult {
    std::size_t acknowledged = 0;  // removed from the outbox: accepted or already known at the hub
    std::size_t refused = 0;       // removed because the hub will never take them
};

class Outbox {
  public:
    static constexpr std::size_t batch_records = 500;
    static constexpr std::size_t batch_bytes = 256 * 1024;

    // `state` must outlive this; it is used from the executor's thread only.
    static Result<std::unique_ptr<Outbox>> create(boost::asio::any_io_executor executor,
                                                  const HubAccess& access, content::DeviceState& state);

    // Ships batches until the outbox is empty. An error (the hub unreachable, the token refused)
    // leaves the records that were not acknowledged where they are.
    boost::asio::awaitable<Result<ShipResult>> ship();

  private:
    Outbox(HubAccess access, content::DeviceState& state) : m_access(std::move(access)), m_state(state) {}
    // Sends one batch; fills `done` with the ids the hub acknowledged and `refused` with those it
    // will never take.
    boost::asio::awaitable<Result<void>> send(const std::vector<content::OutboxEntry>& batch,
                                              std::vector<content::Uuid>& done,
                                              std::vector<content::Uuid>& refused);

    HubAccess m_access;
    content::DeviceState& m_state;
    std::unique_ptr<net::HttpConnection> m_link;
};

}  // namespace dwell::sync::agent
