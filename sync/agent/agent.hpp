// dwell-sync, the screen's sync agent, on one io_context thread. It enrolls on its first start (the
// enrollment code from device.yaml becomes a device token saved with mode 0600), then keeps the
// screen's content current (content_sync.hpp: a pull at start and every manifest_poll) and ships
// the records the player leaves in the outbox (outbox.hpp: every second). After a failure each
// tries again with jittered backoff from 1 s doubling to 60 s.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include "config/clock.hpp"
#include "config/device_config.hpp"
#include "config/error.hpp"
#include "content/asset_cache.hpp"
#include "content/device_state.hpp"

namespace dwell::sync::agent {

// The device token saved at `file`, which must be a single line; Errc::not_found when there is none.
Result<std::string> read_device_token(const std::filesystem::path& file);
// Saves a device token: written to a temporary file with mode 0600, synced, and renamed over `file`.
Result<void> save_device_token(const std::filesystem::path& file, std::string_view token);

// The delay before retry number `attempt` (0 for the first): 1 s doubling to 60 s, each drawn
// between half and all of that so that screens that lost the hub together do not return together.
config::Duration backoff(unsigned attempt);

class ContentSync;
class Outbox;

class Agent {
  public:
    // How often the outbox is looked at for records the player added.
    static constexpr std::chrono::seconds outbox_poll{1};

    // Opens state.db and the asset cache. Errors name the file that failed.
    static Result<std::unique_ptr<Agent>> create(config::DeviceConfig config, const config::Clock& clock);
    Agent(const Agent&) = delete;
    Agent& operator=(const Agent&) = delete;
    ~Agent();

    // Runs until stop() or SIGTERM/SIGINT. Returns an error only for what no retry can fix: no
    // device token and no enrollment code, or an enrollment code for another screen.
    Result<void> run();
    // Ends run() soon; may be called from any thread.
    void stop();

  private:
    Agent(config::DeviceConfig config, const config::Clock& clock,
          std::unique_ptr<content::DeviceState> state, std::unique_ptr<content::AssetCache> cache);
    boost::asio::awaitable<Result<void>> main_loop();
    boost::asio::awaitable<void> content_loop(ContentSync& content);
    boost::asio::awaitable<void> outbox_loop(Outbox& outbox);
    boost::asio::awaitable<Result<std::string>> obtain_token();
    boost::asio::awaitable<bool> sleep(config::Duration duration);  // false once stopping

    config::DeviceConfig m_config;
    const config::Clock& m_clock;
    std::unique_ptr<content::DeviceState> m_state;
    std::unique_ptr<content::AssetCache> m_cache;
    boost::asio::io_context m_context{1};
    bool m_stopping = false;
};

}  // namespace dwell::sync::agent
