// Screenshots an operator asked for, on their way to the hub. The player answers a `screenshot`
// event by writing <id>.png, or <id>.failed holding the reason, into the screenshot folder
// (DeviceConfig::screenshot_dir), and says so on its socket. The folder is the queue: an answer
// survives a restart of either program and a hub that is away, and leaves the folder only once the
// hub has it, or has refused it for good.
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "config/error.hpp"
#include "sync/agent/content_sync.hpp"
#include "sync/net/client.hpp"

namespace dwell::sync::agent {

class ScreenshotUploader {
  public:
    static constexpr std::uint64_t max_png = 16ULL << 20;  // what the hub takes

    static Result<std::unique_ptr<ScreenshotUploader>> create(boost::asio::any_io_executor executor,
                                                              const HubAccess& access,
                                                              std::filesystem::path folder);

    // Sends every answer in the folder, each removed once the hub took it or refused it for good.
    // Returns how many the hub took; an error (the hub unreachable, the token refused) leaves the
    // rest for the next call.
    boost::asio::awaitable<Result<std::size_t>> upload_all();

  private:
    ScreenshotUploader(HubAccess access, std::filesystem::path folder)
        : m_access(std::move(access)), m_folder(std::move(folder)) {}
    // Sends one answer; false when the hub refused it for good (logged).
    boost::asio::awaitable<Result<bool>> upload(const std::filesystem::path& file, const std::string& id);

    HubAccess m_access;
    std::filesystem::path m_folder;
    std::unique_ptr<net::HttpConnection> m_link;
};

}  // namespace dwell::sync::agent
