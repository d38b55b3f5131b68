#include "config/hub_config.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/temp_dir.hpp"

namespace dwell::config {
namespace {

using ::testing::HasSubstr;
using namespace std::chrono_literals;

class HubConfigTest : public ::testing::Test {
  protected:
    void SetUp() override {
        m_dir.write("secrets/line", "s3cret\n");
        m_dir.write("secrets/wa", "app-secret\n");
        m_dir.write("secrets/wa.verify", "verify\n");
    }

    Result<HubConfig> parse(std::string_view text) {
        return parse_hub_config(text, "hub.yaml", m_dir.path());
    }

    std::string error_of(std::string_view text) {
        auto result = parse(text);
        EXPECT_FALSE(result) << "expected an error for:\n" << text;
        return result ? std::string{} : result.error().message;
    }

    test::TempDir m_dir;
};

TEST_F(HubConfigTest, FullFileReadsEveryField) {
    auto config = parse(R"(listen: "[::1]:0"
threads: 4
data_dir: data
limits: { body: 2MiB, upload: 1GiB, request_timeout: 10s }
channels:
  - { id: line-main, kind: line, account: "@dwell", secret_file: secrets/line }
  - { id: wa-main, kind: whatsapp, account: "15550001234", secret_file: secrets/wa, verify_token_file: secrets/wa.verify }
log_level: debug
)");
    ASSERT_TRUE(config) << config.error().message;
    EXPECT_EQ(config->listen, (Endpoint{"::1", 0}));
    EXPECT_EQ(config->threads, 4u);
    EXPECT_EQ(config->database, m_dir.path() / "data/hub.db");
    EXPECT_EQ(config->asset_dir, m_dir.path() / "data/assets");
    EXPECT_EQ(config->limits.body, 2ULL << 20);
    EXPECT_EQ(config->limits.request_timeout, 10s);
    ASSERT_EQ(config->channels.size(), 2u);
    EXPECT_EQ(config->channels[0].kind, ChannelKind::line);
    EXPECT_EQ(config->channels[0].secret_file, m_dir.path() / "secrets/line");
    EXPECT_EQ(config->channels[0].deep_link, default_deep_link(ChannelKind::line));
    ASSERT_NE(config->channel("wa-main"), nullptr);
    EXPECT_EQ(config->channel("wa-main")->verify_token_file, m_dir.path() / "secrets/wa.verify");
    EXPECT_EQ(config->channel("nope"), nullptr);
    EXPECT_EQ(config->log_level, LogLevel::debug);
    EXPECT_FALSE(config->tls);
}

TEST_F(HubConfigTest, ExampleInDeployExamplesLoadsWithOneChannelPerPlatform) {
    const auto example = std::filesystem::path(__FILE__).parent_path() / "../../../deploy/examples/hub.yaml";
    auto config = load_hub_config(example);
    ASSERT_TRUE(config) << config.error().message;
    for (const char* id : {"line-demo", "telegram-demo", "kakao-demo", "whatsapp-demo", "generic-demo"})
        EXPECT_NE(config->channel(id), nullptr) << id;
    EXPECT_EQ(config->listen, (Endpoint{"127.0.0.1", 8080}));
}

TEST_F(HubConfigTest, ChannelProblemsAreAllReportedWithPositions) {
    const auto message = error_of(R"(data_dir: data
channels:
  - { id: line-main, kind: lline, account: "@dwell", secret_file: secrets/line }
  - { id: line-main, kind: line, account: "", secret_file: secrets/missing }
  - { id: wa, kind: whatsapp, account: "1", secret_file: secrets/wa }
  - { id: tg, kind: telegram, account: bot, secret_file: secrets/line, verify_token_file: secrets/wa.verify }
  - { id: gen, kind: generic, account: x, secret_file: secrets/line, deep_link: "https://x" }
)");
    EXPECT_THAT(message,
                HasSubstr("hub.yaml:3:28: channels[0].kind: \"lline\" is not one of: line, telegram"));
    EXPECT_THAT(message, HasSubstr("hub.yaml:4:43: channels[1].account: must not be empty"));
    EXPECT_THAT(message, HasSubstr("channels[1].secret_file:"));
    EXPECT_THAT(message, HasSubstr("secrets/missing does not exist or is not a file"));
    EXPECT_THAT(message, HasSubstr("hub.yaml:4:11: channels[1].id: channel id \"line-main\" is used twice"));
    EXPECT_THAT(message, HasSubstr("hub.yaml:5:5: channels[2].verify_token_file: missing required key"));
    EXPECT_THAT(message,
                HasSubstr("channels[3].verify_token_file: only whatsapp channels take a verify token"));
    EXPECT_THAT(message, HasSubstr("channels[4].deep_link: \"https://x\" has no {code}"));
    EXPECT_THAT(message, HasSubstr("7 problems in hub.yaml"));
}

TEST_F(HubConfigTest, TlsNeedsExistingCertAndKey) {
    const auto message = error_of("data_dir: d\ntls: { cert: nope.crt }\n");
    EXPECT_THAT(message, HasSubstr("hub.yaml:2:14: tls.cert:"));
    EXPECT_THAT(message, HasSubstr("nope.crt does not exist"));
    EXPECT_THAT(message, HasSubstr("hub.yaml:2:6: tls.key: missing required key"));
}

TEST_F(HubConfigTest, BadTopLevelValues) {
    const auto message = error_of("listen: 8080\nthreads: 0\nlimits: { body: lots }\nchannels: line\n");
    EXPECT_THAT(message, HasSubstr("hub.yaml:1:9: listen: \"8080\" is not an endpoint"));
    EXPECT_THAT(message, HasSubstr("hub.yaml:2:10: threads: 0 threads is out of range; expected 1 to 256"));
    EXPECT_THAT(message, HasSubstr("limits.body: \"lots\" is not a size"));
    EXPECT_THAT(message, HasSubstr("hub.yaml:4:11: channels: expected a list"));
    EXPECT_THAT(message, HasSubstr("data_dir: missing required key"));
}

TEST_F(HubConfigTest, TypoInChannelKeyIsCaught) {
    EXPECT_THAT(
        error_of(
            "data_dir: d\nchannels:\n  - { id: a, kind: line, account: x, secret_flie: secrets/line }\n"),
        HasSubstr("hub.yaml:3:38: channels[0].secret_flie: unknown key"));
}

TEST(Endpoint, ParsesHostPortForms) {
    EXPECT_EQ(parse_endpoint("127.0.0.1:0").value(), (Endpoint{"127.0.0.1", 0}));
    EXPECT_EQ(parse_endpoint("[::1]:8443").value(), (Endpoint{"::1", 8443}));
    EXPECT_EQ(to_string(Endpoint{"::1", 8443}), "[::1]:8443");
    for (const char* bad : {"", ":80", "host", "host:", "host:65536", "host:-1", "::1:80", "[::1]80", "h:8x"})
        EXPECT_FALSE(parse_endpoint(bad)) << bad;
}

TEST(Url, ParsesHttpAndHttps) {
    const auto url = parse_url("https://hub.example.net:8443/base").value();
    EXPECT_EQ(url.scheme, "https");
    EXPECT_EQ(url.host, "hub.example.net");
    EXPECT_EQ(url.port, 8443);
    EXPECT_EQ(url.path, "/base");
    EXPECT_EQ(parse_url("http://127.0.0.1").value().port, 80);
    EXPECT_EQ(parse_url("http://[::1]:9000").value().host, "::1");
    for (const char* bad : {"", "hub.example.net", "ftp://x", "http://", "http://:80", "http://u@h",
                            "http://h?q=1", "http://h:0", "http://h:99999"})
        EXPECT_FALSE(parse_url(bad)) << bad;
}

}  // namespace
}  // namespace dwell::config
