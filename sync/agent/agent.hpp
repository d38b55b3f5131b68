// dwell-sync, the screen's sync agent, on one io_context thread. It enrolls on its first start (the
// enrollment code from device.yaml becomes a device token saved with mode 0600), then, side by side:
//   - keeps the screen's content current (content_sync.hpp: a pull at start, every manifest_poll,
//     and at once when the feed says the manifest changed);
//   - relays the live feed to the player (feed.hpp, player_link.hpp);
//   - ships the records the player leaves in the outbox (outbox.hpp: every second) and adds a
//     health record every agent.health_every;
//   - uploads the screenshots operators ask for (screenshots.hpp: when the player says one is
//     ready, and every minute for any left by an earlier run);
//   - feeds the systemd watchdog, and serves /metrics on its loopback address (a thread of its own).
// After a failure each tries again with jittered backoff from 1 s doubling to 60 s.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "config/clock.hpp"
#include "config/device_config.hpp"
#include "config/error.hpp"
#include "content/asset_cache.hpp"
#include "content/device_state.hpp"
#include "content/records.hpp"
#include "sync/agent/metrics.hpp"

namespace dwell::sync::net {
class Server;
}

namespace dwell::sync::agent {

// The device token saved at `file`, which must be a single line; Errc::not_found when there is none.
Result<std::string> read_device_token(const std::filesystem::path& file);
// Saves a device token: written to a temporary file with mode 0600, synced, and renamed over `file`.
Result<void> save_device_token(const std::filesystem::path& file, std::string_view token);

// The delay before retry number `attempt` (0 for the first): 1 s doubling to 60 s, each drawn
// between half and all of that so that screens that lost the hub together do not return together.
config::Duration backoff(unsigned attempt);

class ContentSync;
class FeedRelay;
class Outbox;
class PlayerLink;
class ScreenshotUploader;

// The box's part of a health record, now: uptime, free disk under `state_dir`, the temperature when
// the kernel reports one, and the agent's version. The player's part (frames, the item on screen,
// its version) comes from its status lines.
content::HealthRecord box_health(const std::filesystem::path& state_dir);

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
    // Serves /metrics on agent.metrics from a thread of its own; null (logged) when it cannot.
    std::unique_ptr<net::Server> serve_metrics();
    boost::asio::awaitable<void> content_loop(ContentSync& content);
    boost::asio::awaitable<void> feed_loop(FeedRelay& feed);
    boost::asio::awaitable<void> outbox_loop(Outbox& outbox);
    boost::asio::awaitable<void> health_loop(const PlayerLink& player);
    boost::asio::awaitable<void> screenshot_loop(ScreenshotUploader& screenshots);
    boost::asio::awaitable<void> watchdog_loop();
    // Pulls the manifest now, or right after the pull in progress.
    void pull_soon();
    // Uploads screenshots now, or right after the uploads in progress.
    void upload_screenshots_soon();
    boost::asio::awaitable<Result<std::string>> obtain_token();
    boost::asio::awaitable<bool> sleep(config::Duration duration);  // false once stopping

    config::DeviceConfig m_config;
    const config::Clock& m_clock;
    std::unique_ptr<content::DeviceState> m_state;
    std::unique_ptr<content::AssetCache> m_cache;
    AgentMetrics m_metrics;
    boost::asio::io_context m_context{1};
    boost::asio::steady_timer m_pull_timer{m_context};  // the content loop's wait; cancelled by pull_soon()
    bool m_pull_requested = false;
    boost::asio::steady_timer m_screenshot_timer{m_context};  // the screenshot loop's wait
    bool m_screenshots_requested = false;
    // After m_context, so it goes first: its sockets belong to the context. The accept loop's frame,
    // still waiting in the context, is only destroyed with it, never resumed.
    std::unique_ptr<PlayerLink> m_player;
    bool m_stopping = false;
};

}  // namespace dwell::sync::agent
