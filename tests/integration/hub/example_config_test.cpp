// deploy/examples/hub.yaml as a newcomer runs it: on loopback, with its demo channel of each
// platform taking joins signed with the secrets in deploy/examples/secrets/.
#include <fstream>
#include <regex>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <boost/json.hpp>

#include "config/hub_config.hpp"
#include "sync/messenger/compose.hpp"
#include "sync/messenger/signature.hpp"
#include "sync/net/client.hpp"
#include "tests/support/media.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

namespace dwell::test {
namespace {

using namespace std::chrono_literals;
using config::ChannelKind;
namespace http = sync::net::http;
namespace json = boost::json;

const std::filesystem::path examples = std::filesystem::path{DWELL_SOURCE_DIR} / "deploy" / "examples";

std::string secret_of(const std::string& channel) {
    std::ifstream in(examples / "secrets" / channel);
    std::string secret;
    std::getline(in, secret);
    return secret;
}

class ExampleHub : public ::testing::Test {
  protected:
    void SetUp() override {
        ProcessOptions options;
        options.arguments = {"--config", (examples / "hub.yaml").string(), "--listen", "127.0.0.1:0",
                             "--data",   (m_folder / "data").string()};
        options.stderr_file = m_folder / "hub.log";
        m_hub = std::make_unique<ChildProcess>(DWELL_HUB_BIN, std::move(options));
        const std::regex listening{R"(listening on http://127\.0\.0\.1:(\d+))"};
        for (int i = 0; i < 2000; ++i) {
            std::smatch match;
            const std::string log = read_text(m_folder / "hub.log");
            if (std::regex_search(log, match, listening)) {
                m_port = static_cast<std::uint16_t>(std::stoi(match[1].str()));
                break;
            }
            ASSERT_TRUE(m_hub->running()) << log;
            std::this_thread::sleep_for(10ms);
        }
        ASSERT_NE(m_port, 0) << read_text(m_folder / "hub.log");
        m_client = sync::net::HttpClient::create(config::Url{"http", "127.0.0.1", m_port, ""}).value();
        for (int i = 0; i < 2000; ++i) {
            auto health = m_client->request(http::verb::get, "/healthz");
            if (health && health->result_int() == 200) break;
            std::this_thread::sleep_for(10ms);
        }
        ProcessOptions token;
        token.arguments = {"token",    "create",
                           "--config", (examples / "hub.yaml").string(),
                           "--data",   (m_folder / "data").string(),
                           "--role",   "operator"};
        token.stdout_file = m_folder / "token";
        ASSERT_EQ(run_process(DWELL_HUB_BIN, token, 30s).exit_code, 0);
        m_token = read_text(m_folder / "token");
        m_token.erase(m_token.find_last_not_of("\n") + 1);
    }

    void TearDown() override {
        if (m_hub) {
            m_hub->signal(SIGTERM);
            const auto ended = m_hub->wait(30s);
            EXPECT_TRUE(ended.exited && ended.exit_code == 0) << read_text(m_folder / "hub.log");
        }
    }

    json::value call(http::verb method, const std::string& target, std::string body = {},
                     std::string_view type = "application/json") {
        auto response = m_client->request(method, target, {{"Authorization", "Bearer " + m_token}},
                                          std::move(body), type);
        if (!response) throw std::runtime_error(response.error().message);
        if (response->result_int() >= 300) throw std::runtime_error(target + ": " + response->body());
        return json::parse(response->body());
    }

    TempDir m_folder;
    std::unique_ptr<ChildProcess> m_hub;
    std::uint16_t m_port = 0;
    std::unique_ptr<sync::net::HttpClient> m_client;
    std::string m_token;
};

TEST_F(ExampleHub, EveryDemoChannelTakesAJoinSignedWithItsExampleSecret) {
    const auto screen = json::serialize(
        json::object{{"id", "s1"}, {"station", "seoul"}, {"line", "1"}, {"timezone", "Asia/Seoul"}});
    call(http::verb::put, "/v1/screens/s1", screen);
    const auto clip = m_folder / "spring.mp4";
    ASSERT_EQ(ffmpeg(fmt::format(
                  "-f lavfi -i testsrc2=size=320x240:rate=25 -t 1 -c:v libx264 -pix_fmt yuv420p '{}'",
                  clip.string())),
              "");
    auto uploaded = m_client->upload(http::verb::post, "/v1/assets?name=spring.mp4", clip, "video/mp4",
                                     {{"Authorization", "Bearer " + m_token}});
    ASSERT_TRUE(uploaded && uploaded->result_int() == 201);

    const auto hub_config = config::load_hub_config(examples / "hub.yaml");
    ASSERT_TRUE(hub_config) << hub_config.error().message;
    ASSERT_EQ(hub_config->channels.size(), 5U) << "one demo channel per platform";
    std::string channels;
    for (const auto& channel : hub_config->channels)
        channels += (channels.empty() ? "\"" : ",\"") + channel.id + "\"";
    call(
        http::verb::put, "/v1/campaigns/demo",
        R"({"id":"demo","name":"Demo","window":{"start":"2020-01-01T00:00:00Z","end":"2099-01-01T00:00:00Z"},)"
        R"("targets":{"all":true},"items":[{"asset":"spring.mp4"}],)"
        R"("join":{"channels":[)" +
            channels + R"(],"prompt":"{code}","reply":"참여 완료!"}})");

    std::uint64_t person = 0;
    for (const auto& channel : hub_config->channels) {
        const auto preview = call(http::verb::get, "/v1/campaigns/demo/preview?screen=s1");
        std::string code;
        for (const auto& join : preview.at("join").as_array())
            if (join.at("channel").as_string() == channel.id) code = join.at("code").as_string();
        ASSERT_EQ(code.size(), 6U) << channel.id;
        ++person;
        const sync::messenger::OutgoingText text{person, person, "Kim Minhyun", code,
                                                 config::SystemClock{}.now()};
        const std::string body = sync::messenger::compose_webhook(channel.kind, {&text, 1});
        const std::string secret = secret_of(channel.id);
        sync::net::Fields fields;
        std::string type;
        for (const auto& [name, value] : sync::messenger::sign_webhook(channel.kind, secret, body)) {
            if (name == "Content-Type")
                type = value;
            else
                fields.emplace_back(name, value);
        }
        std::string target = fmt::format("/v1/webhooks/{}/{}", config::to_string(channel.kind), channel.id);
        if (channel.kind == ChannelKind::kakao) target += "/" + secret;
        auto response = m_client->request(http::verb::post, target, fields, body, type);
        ASSERT_TRUE(response) << response.error().message;
        ASSERT_EQ(response->result_int(), 200) << channel.id << ": " << response->body();
    }
    const auto report = call(http::verb::get, "/v1/reports/participation?campaign=demo");
    EXPECT_EQ(report.at("total").at("joins").as_int64(), 5) << json::serialize(report);

    const std::string verify = secret_of("whatsapp-demo.verify");
    auto handshake = m_client->request(
        http::verb::get,
        fmt::format(
            "/v1/webhooks/whatsapp/whatsapp-demo?hub.mode=subscribe&hub.verify_token={}&hub.challenge=4242",
            verify));
    ASSERT_TRUE(handshake);
    EXPECT_EQ(handshake->body(), "4242");
}

}  // namespace
}  // namespace dwell::test
