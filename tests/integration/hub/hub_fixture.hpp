// What the hub's integration tests share: a running hub, JSON requests, and a screen with an
// interactive campaign and generated media on it.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include "config/hub_config.hpp"
#include "content/join_code.hpp"
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
    // The "error.message" of an error body, "" otherwise.
    [[nodiscard]] std::string error_message() const;
    // A header field of the response, "" when absent.
    [[nodiscard]] std::string header(std::string_view name) const;

    // The response a request ended in; a failed request (no response at all) throws.
    static JsonResponse from(Result<sync::net::StringResponse> response);

  private:
    [[nodiscard]] std::string error_field(std::string_view name) const;
};

// The wall clock, as the hub reads it.
config::WallTime wall_now();

// A blocking TCP connection to 127.0.0.1 for what HttpClient cannot send: half a request, a
// HEAD request, a header whose body never follows.
class RawConnection {
  public:
    explicit RawConnection(std::uint16_t port);
    ~RawConnection();
    RawConnection(const RawConnection&) = delete;
    RawConnection& operator=(const RawConnection&) = delete;

    // False when the peer is gone.
    bool send(std::string_view bytes);
    // Reads one HTTP response (header, then Content-Length bytes of body unless `head_only`);
    // nullopt when the connection ends or `timeout` passes first.
    struct Response {
        unsigned status = 0;
        std::map<std::string, std::string> fields;  // names lower-cased
        std::string body;
        boost::json::value json;  // null when the body is not JSON

        // A header field's value, "" when absent.
        [[nodiscard]] std::string field(const std::string& name) const {
            const auto found = fields.find(name);
            return found == fields.end() ? std::string{} : found->second;
        }
    };
    std::optional<Response> read_response(std::chrono::milliseconds timeout, bool head_only = false);
    // Waits until the peer closes the connection; false when it is still open after `timeout`.
    bool wait_closed(std::chrono::milliseconds timeout);
    // Whether the peer has closed the connection (without waiting); bytes it sent are dropped.
    bool closed_by_peer();

  private:
    int m_fd = -1;
    std::string m_pending;
};

class HubTest : public ::testing::Test {
  protected:
    explicit HubTest(HubSetup setup = {}) : m_hub(std::move(setup)) {}

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
    // The same at a given time.
    std::string code_at(std::string_view campaign, std::string_view screen, config::ChannelKind kind,
                        config::WallTime at);
    // The channel's code in the preview at `target` (a preview route with its query).
    std::string preview_code(const std::string& target, config::ChannelKind kind);

    // A signed webhook, as the platform would post it, for the channel of that kind.
    JsonResponse post_webhook(config::ChannelKind kind,
                              std::span<const sync::messenger::OutgoingText> messages);
    // One message in a signed webhook.
    JsonResponse post_one(config::ChannelKind kind, const sync::messenger::OutgoingText& message);
    // A body of one's own, signed for the channel of `kind` and posted to `target` (the channel's
    // own webhook URL when empty).
    JsonResponse post_signed(config::ChannelKind kind, const std::string& body, std::string target = {});
    // The channel's webhook URL (Kakao's with its path secret).
    std::string webhook_target(config::ChannelKind kind) const;
    // Header fields a genuine platform sends with `body`, and its content type.
    sync::net::Fields signed_fields(config::ChannelKind kind, std::string_view body,
                                    std::string* content_type) const;

    // The standard stage: screens s1 (seoul, line 1), s2 (city-hall, line 2) and s3 (gangnam,
    // line 3, not targeted), the media, and the interactive campaign "fest" on lines 1 and 2.
    // Device tokens go to m_devices.
    void stage();

    // GET /v1/reports/participation?QUERY as the marketer.
    JsonResponse report(std::string_view query);
    // The joins of one row of a JSON report (0 when the row is absent).
    static std::int64_t joins_of(const JsonResponse& report, std::string_view key);
    // The Prometheus text of /metrics and one series' value ("name{labels}"); 0 when absent.
    std::string metrics();
    static double metric(const std::string& text, std::string_view series);
    // The sum of a metric's series whose labels contain `fragment` (e.g. result="accepted").
    static double metric_sum(const std::string& text, std::string_view name, std::string_view fragment);

    // A channel's join space as GET /v1/join-slots tells it.
    struct JoinSpace {
        content::JoinSecret secret{};
        std::map<std::pair<std::string, std::string>, std::uint64_t> slots;  // (campaign, screen) → slot
    };
    JoinSpace join_space(config::ChannelKind kind);

    // A count from the hub's database, opened read-only: SELECT count(*) ... as `sql` says.
    std::int64_t count_rows(std::string_view sql);
    // The rows of a one-column SELECT from the hub's database, read-only.
    std::vector<std::string> column(std::string_view sql);

    // After a restart: a client of the new port.
    void reconnect() { m_client = m_hub.client(); }

    HubProcess m_hub;
    std::unique_ptr<sync::net::HttpClient> m_client;
    std::filesystem::path m_media;
    std::map<std::string, std::string> m_devices;  // screen → device token, from stage()
};

// A message as a person sends it, now.
sync::messenger::OutgoingText message(std::uint64_t event, std::uint64_t user, std::string text,
                                      std::string name = {});

}  // namespace dwell::test
