// What the hub's integration tests share: a running hub, JSON requests, and a screen with an
// interactive campaign and generated media on it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include "config/hub_config.hpp"
#include "sync/messenger/compose.hpp"
#include "sync/messenger/signature.hpp"
#include "tests/support/hub_process.hpp"
#include "tests/support/media.hpp"

namespace dwell::test {

namespace http = sync::net::http;

struct JsonResponse {
    unsigned status = 0;
    boost::json::value body;  // null when the body is not JSON
    std::string text;
    sync::net::StringResponse raw;

    // The "error.code" of an error body, "" otherwise.
    [[nodiscard]] std::string error_code() const;
};

class HubTest : public ::testing::Test {
  protected:
    void SetUp() override;

    // A request with a JSON body (or none) and a token (or none).
    JsonResponse call(http::verb method, std::string_view target, std::string_view token = {},
                      const boost::json::value* body = nullptr, sync::net::Fields fields = {});
    JsonResponse call_text(http::verb method, std::string_view target, std::string_view token,
                           std::string body, std::string_view content_type, sync::net::Fields fields = {});

    // Registers a screen (operator) and returns its enrollment code.
    std::string add_screen(std::string_view id, std::string_view station, std::string_view line,
                           std::string_view timezone = "Asia/Seoul");
    // Enrolls a screen with its code and returns the device token.
    std::string enroll(std::string_view code);
    // Uploads a generated clip and poster as clip.mp4 and poster.png (marketer).
    void upload_media();
    // Puts an interactive campaign on lines 1 and 2 offering every test channel, running now.
    JsonResponse put_campaign(std::string_view id, std::string_view extra_json = {});
    // The code a screen shows now for a campaign and channel, from the preview route.
    std::string current_code(std::string_view campaign, std::string_view screen, config::ChannelKind kind);

    // A signed webhook, as the platform would post it, for the channel of that kind.
    JsonResponse post_webhook(config::ChannelKind kind,
                              std::span<const sync::messenger::OutgoingText> messages);

    HubProcess m_hub;
    std::unique_ptr<sync::net::HttpClient> m_client;
    std::filesystem::path m_media;
};

}  // namespace dwell::test
