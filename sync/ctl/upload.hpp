// Uploading an asset file to the hub with a progress bar: what `asset upload` and `campaign apply` share.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "sync/ctl/hub_client.hpp"

namespace dwell::sync::ctl {

// What the hub made of an uploaded file.
struct UploadedAsset {
    bool created = false;  // false: the hub had these bytes already
    std::string sha256;
    std::string name;
    std::uint64_t size = 0;
    std::string type;  // video | image
    std::string codec;
    std::uint64_t width = 0;
    std::uint64_t height = 0;
    std::optional<std::uint64_t> duration_ms;
};

// On a terminal, "name [#####     ] 45% 12.3/27.0 MiB" redrawn on standard error and erased when
// done; elsewhere one "uploading name (27.0 MiB)" line, so logs stay readable.
class UploadProgress {
  public:
    UploadProgress(std::string name, std::uint64_t size, bool terminal);
    ~UploadProgress();
    UploadProgress(const UploadProgress&) = delete;
    UploadProgress& operator=(const UploadProgress&) = delete;

    void update(std::uint64_t sent, std::uint64_t total);

  private:
    std::string m_name;
    bool m_terminal;
    int m_last_percent = -1;
    std::chrono::steady_clock::time_point m_last_draw{};
    bool m_drawn = false;
};

// POST /v1/assets?name=<name> with the file's bytes.
Outcome<UploadedAsset> upload_asset(HubClient& hub, const std::filesystem::path& file,
                                    const std::string& name);

// "video h264 1920x1080 15.0 s" — what a person wants to know about an asset.
std::string describe_media(const UploadedAsset& asset);

}  // namespace dwell::sync::ctl
