// What dwellctl's tests share: a real hub on loopback, the real dwellctl program run against it
// (its exit code, standard output and standard error), and direct API calls to check hub state.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <boost/json.hpp>

#include "config/hub_config.hpp"
#include "tests/support/hub_process.hpp"
#include "tests/support/temp_dir.hpp"

namespace dwell::test {

namespace http = sync::net::http;

struct CtlRun {
    int exit_code = -1;
    std::string out;
    std::string err;
};

// Prints a run for failure messages.
std::ostream& operator<<(std::ostream& stream, const CtlRun& run);

struct HubAnswer {
    unsigned status = 0;
    boost::json::value body;  // null when the body is not JSON
    std::string text;
};

// Runs dwellctl with exactly these arguments and environment (DWELL_HUB and DWELL_TOKEN are
// cleared unless given), waiting up to two minutes.
CtlRun run_ctl(std::vector<std::string> arguments, std::map<std::string, std::string> environment = {});

// A listening socket nobody serves: whether anything connected to it says whether a command
// contacted "the hub" at all.
class SilentPort {
  public:
    SilentPort();
    ~SilentPort();
    SilentPort(const SilentPort&) = delete;
    SilentPort& operator=(const SilentPort&) = delete;

    [[nodiscard]] std::string url() const;
    // True when a connection is waiting to be accepted.
    [[nodiscard]] bool contacted() const;

  private:
    int m_fd = -1;
    std::uint16_t m_port = 0;
};

// A screen's live feed, as its sync agent holds it: while open, the hub counts the screen online.
class DeviceFeed {
  public:
    DeviceFeed(std::uint16_t port, std::string_view screen, std::string_view device_token);
    ~DeviceFeed();
    DeviceFeed(const DeviceFeed&) = delete;
    DeviceFeed& operator=(const DeviceFeed&) = delete;

    // The next event of this type ("takeover"), skipping others; nullopt after the timeout.
    std::optional<boost::json::value> next_of(std::string_view type,
                                              std::chrono::milliseconds timeout = std::chrono::seconds{10});

  private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

// A port with nothing listening on it.
std::string closed_port_url();

class CtlTest : public ::testing::Test {
  protected:
    enum class Role { marketer, operator_, none };

    void SetUp() override;

    // dwellctl --hub URL --token TOKEN ARGS...
    CtlRun ctl(std::vector<std::string> arguments, Role role = Role::marketer);

    HubAnswer call(http::verb method, std::string_view target, Role role = Role::operator_,
                   const boost::json::value* body = nullptr);
    [[nodiscard]] const std::string& token(Role role);

    // Enrolls a screen with its code and returns the device token.
    std::string enroll(std::string_view code);
    // Registers a screen through the API and returns its enrollment code.
    std::string add_screen(std::string_view id, std::string_view station, std::string_view line);
    // Makes clip.mp4 (1 s H.264, 320x240) and poster.png (160x90) in `folder`.
    static void make_media(const std::filesystem::path& folder);
    // Writes an interactive campaign file (lines 1 and 2, every test channel, running now) beside
    // its media and returns its path.
    std::filesystem::path write_campaign(const std::filesystem::path& folder, std::string_view id,
                                         std::string_view extra_yaml = {}) const;
    // Applies the campaign file with dwellctl and expects success.
    void apply(const std::filesystem::path& file);
    // The hub's assets by sha256 → name.
    std::map<std::string, std::string> hub_assets();

    HubProcess m_hub;
    TempDir m_work;
};

}  // namespace dwell::test
