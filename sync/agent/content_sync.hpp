// Keeps a screen's content current. The manifest is pulled with If-None-Match; the assets it
// lacks are downloaded, two at a time, resumed with a Range request after an interruption and
// verified by their SHA-256 as AssetCache installs them; and only once every asset is in the cache
// is the manifest stored in state.db (one transaction), where the player picks it up. The player
// never sees a manifest whose files are missing.
#pragma once

#include <array>
#include <cstddef>
#include <memory>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "config/clock.hpp"
#include "config/config_file.hpp"
#include "config/error.hpp"
#include "content/asset_cache.hpp"
#include "content/device_state.hpp"
#include "sync/net/client.hpp"

namespace dwell::sync::agent {

// Where the hub is and who this screen is to it.
struct HubAccess {
    config::Url url;
    net::ClientOptions client;
    std::string screen;
    std::string token;
};

struct PullResult {
    bool changed = false;        // a new manifest was stored
    std::size_t downloaded = 0;  // assets installed for it
};

class ContentSync {
  public:
    static constexpr std::size_t parallel_downloads = 2;
    // Each download is tried this often in one pull; a partial file is resumed each time.
    static constexpr int download_attempts = 3;

    // `state` and `cache` must outlive this; it uses them from the executor's thread only.
    static Result<std::unique_ptr<ContentSync>> create(boost::asio::any_io_executor executor,
                                                       HubAccess access, content::DeviceState& state,
                                                       content::AssetCache& cache,
                                                       const config::Clock& clock);

    // One round: the manifest, its assets, then state.db. Errors say what failed (Errc::unauthorized
    // when the hub no longer takes the device token; Errc::integrity for an asset whose bytes do not
    // match its hash) and leave the stored manifest as it was.
    boost::asio::awaitable<Result<PullResult>> pull();
    // Asset bytes received since the start, for metrics.
    [[nodiscard]] std::uint64_t bytes_received() const { return m_bytes_received; }

  private:
    ContentSync(HubAccess access, content::DeviceState& state, content::AssetCache& cache,
                const config::Clock& clock)
        : m_access(std::move(access)), m_state(state), m_cache(cache), m_clock(clock) {}

    boost::asio::awaitable<Result<void>> download_all(const std::vector<content::ManifestAsset>& assets);
    boost::asio::awaitable<Result<void>> download(net::HttpConnection& connection,
                                                  const content::ManifestAsset& asset);
    boost::asio::awaitable<Result<void>> download_once(net::HttpConnection& connection,
                                                       const content::ManifestAsset& asset, bool& retry);
    [[nodiscard]] net::Fields authorization() const;
    void note_clock(config::WallTime hub_time, config::WallTime received);
    void check_clock(std::string_view date, config::WallTime received);

    HubAccess m_access;
    content::DeviceState& m_state;
    content::AssetCache& m_cache;
    const config::Clock& m_clock;
    std::unique_ptr<net::HttpConnection> m_manifest_link;
    std::array<std::unique_ptr<net::HttpConnection>, parallel_downloads> m_download_links;
    std::uint64_t m_bytes_received = 0;
};

}  // namespace dwell::sync::agent
