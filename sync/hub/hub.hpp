// dwell-hub as one object: the server, the store, the writer, the feed and the routes, started
// and stopped together.
#pragma once

#include <memory>

#include <boost/asio/steady_timer.hpp>

#include "config/clock.hpp"
#include "config/hub_config.hpp"
#include "sync/hub/api.hpp"
#include "sync/net/server.hpp"

namespace dwell::sync::hub {

class Hub {
  public:
    // Binds the listening socket first and logs the address (with the port the system chose for
    // port 0) as the first line, then opens the database and loads the catalog.
    static Result<std::unique_ptr<Hub>> create(config::HubConfig config, const config::Clock& clock,
                                               ApiOptions api = {}, WriterOptions writer = {});
    Hub(const Hub&) = delete;
    Hub& operator=(const Hub&) = delete;
    ~Hub();

    [[nodiscard]] config::Endpoint endpoint() const { return m_server->local_endpoint(); }
    void start();
    // Stops taking requests, lets those in progress finish, commits what they wrote, and closes
    // the database. Idempotent.
    void stop();

  private:
    Hub() = default;
    void start_sweeping();
    void start_counting();

    config::HubConfig m_config;
    std::unique_ptr<HubDatabase> m_database;
    std::unique_ptr<StorePool> m_readers;
    std::unique_ptr<CatalogHolder> m_catalog;
    std::unique_ptr<JoinTotals> m_totals;
    std::unique_ptr<Metrics> m_metrics;
    std::unique_ptr<Feed> m_feed;
    std::unique_ptr<Writer> m_writer;
    std::unique_ptr<WebhookService> m_webhooks;
    std::unique_ptr<Auth> m_auth;
    std::unique_ptr<HubContext> m_context;
    std::shared_ptr<net::Router> m_router;
    std::unique_ptr<net::Server> m_server;  // last: stopped and destroyed before what it reaches
    std::unique_ptr<boost::asio::steady_timer> m_sweeper;
    std::unique_ptr<boost::asio::steady_timer> m_counter_clock;
    bool m_stopped = false;
};

// The hub's version, for --version and the Server field.
std::string_view hub_version();

}  // namespace dwell::sync::hub
