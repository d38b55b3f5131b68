#include "config/device_config.hpp"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/temp_dir.hpp"

namespace dwell::config {
namespace {

using ::testing::HasSubstr;
using namespace std::chrono_literals;

constexpr std::string_view minimal = R"(device:
  id: s1-seoul-03
  station: seoul
  line: "1"
hub:
  url: https://hub.example.net
  token_file: state/device.token
state_dir: state
)";

std::string error_of(std::string_view text) {
    auto result = parse_device_config(text, "device.yaml", "/etc/dwell");
    EXPECT_FALSE(result) << "expected an error for:\n" << text;
    return result ? std::string{} : result.error().message;
}

TEST(DeviceConfig, MinimalFileTakesDefaults) {
    auto config = parse_device_config(minimal, "device.yaml", "/etc/dwell");
    ASSERT_TRUE(config) << config.error().message;
    EXPECT_EQ(config->device.id, "s1-seoul-03");
    EXPECT_EQ(config->device.line, "1");
    EXPECT_EQ(config->hub.url.scheme, "https");
    EXPECT_EQ(config->hub.url.port, 443);
    EXPECT_EQ(config->hub.token_file, "/etc/dwell/state/device.token");
    EXPECT_EQ(config->state_dir, "/etc/dwell/state");
    EXPECT_EQ(config->events_socket(), "/etc/dwell/state/player.sock");
    EXPECT_EQ(config->cache.quota, 8ULL << 30);
    EXPECT_EQ(config->hub.manifest_poll, 60s);
    EXPECT_EQ(config->display.driver, VideoDriver::automatic);
    EXPECT_EQ(config->display.hwaccel, HwAccel::automatic);
    EXPECT_FALSE(config->display.size);
    EXPECT_EQ(config->log_level, LogLevel::info);
}

TEST(DeviceConfig, ExampleInDeployExamplesLoads) {
    const auto example =
        std::filesystem::path(__FILE__).parent_path() / "../../../deploy/examples/device.yaml";
    auto config = load_device_config(example);
    ASSERT_TRUE(config) << config.error().message;
    EXPECT_EQ(config->display.size, (PixelSize{1920, 1080}));
    EXPECT_EQ(config->agent.metrics, (Endpoint{"127.0.0.1", 9464}));
    EXPECT_EQ(config->hub.enrollment_code, "4F7K-92QX");
}

TEST(DeviceConfig, SyntaxErrorNamesFileLineColumn) {
    const auto message = error_of("device:\n  id: [unclosed\n");
    EXPECT_THAT(message, HasSubstr("device.yaml:"));
    EXPECT_THAT(message, testing::ContainsRegex(R"(device\.yaml:[0-9]+:[0-9]+: )"));
}

TEST(DeviceConfig, UnknownKeyIsAnErrorWithItsPosition) {
    std::string text{minimal};
    text += "cahce:\n  quota: 1GiB\n";
    const auto message = error_of(text);
    EXPECT_THAT(message, HasSubstr("device.yaml:9:1: cahce: unknown key; expected one of:"));
    EXPECT_THAT(message, HasSubstr("cache"));
}

TEST(DeviceConfig, UnknownNestedKeyIsAnError) {
    std::string text{minimal};
    text += "display:\n  size: 1920x1080\n  hwacel: vaapi\n";
    EXPECT_THAT(error_of(text), HasSubstr("device.yaml:11:3: display.hwacel: unknown key"));
}

TEST(DeviceConfig, MissingRequiredKeysAreAllReported) {
    const auto message = error_of("device:\n  id: s1\nstate_dir: x\n");
    EXPECT_THAT(message, HasSubstr("device.yaml:2:3: device.station: missing required key"));
    EXPECT_THAT(message, HasSubstr("device.line: missing required key"));
    EXPECT_THAT(message, HasSubstr("hub: missing required key"));
    EXPECT_THAT(message, HasSubstr("3 problems in device.yaml"));
}

TEST(DeviceConfig, RepeatedKeyIsAnError) {
    std::string text{minimal};
    text += "log_level: debug\nlog_level: warn\n";
    EXPECT_THAT(error_of(text), HasSubstr("device.yaml:10:1: log_level: key appears more than once"));
}

TEST(DeviceConfig, WrongShapeIsAnError) {
    std::string text{minimal};
    text += "cache: [1GiB]\n";
    EXPECT_THAT(error_of(text),
                HasSubstr("device.yaml:9:8: cache: expected a mapping of keys to values, got a list"));
    std::string scalar{minimal};
    scalar += "log_level: [info]\n";
    EXPECT_THAT(error_of(scalar),
                HasSubstr("device.yaml:9:12: log_level: expected a single value, got a list"));
}

TEST(DeviceConfig, BadValuesNameTheExpectedForm) {
    std::string text{minimal};
    text +=
        "cache: { quota: 8 }\ndisplay: { size: 1920by1080, driver: directx, hwaccel: cuda, audio: yes }\n"
        "log_level: loud\nagent: { health_every: 0s, metrics: localhost }\n";
    const auto message = error_of(text);
    EXPECT_THAT(message, HasSubstr("device.yaml:9:17: cache.quota: \"8\" has no unit; expected a size"));
    EXPECT_THAT(message, HasSubstr("display.size: \"1920by1080\" is not a size; expected WIDTHxHEIGHT"));
    EXPECT_THAT(message,
                HasSubstr("display.driver: \"directx\" is not one of: auto, offscreen, dummy, kmsdrm"));
    EXPECT_THAT(message,
                HasSubstr("display.hwaccel: \"cuda\" is not one of: none, auto, vaapi, drm, v4l2m2m"));
    EXPECT_THAT(message, HasSubstr("display.audio: \"yes\" is not true or false"));
    EXPECT_THAT(message, HasSubstr("log_level: \"loud\" is not a log level"));
    EXPECT_THAT(message, HasSubstr("agent.health_every: \"0s\" must be longer than 0s"));
    EXPECT_THAT(message, HasSubstr("agent.metrics: \"localhost\" is not an endpoint; expected HOST:PORT"));
    EXPECT_THAT(message, HasSubstr("8 problems"));
}

TEST(DeviceConfig, MetricsAreServedOnLoopbackOnly) {
    for (const std::string_view good : {"127.0.0.1:9464", "localhost:0", "[::1]:9464", "127.0.0.2:80"}) {
        auto config =
            parse_device_config(std::string{minimal} + fmt::format("agent: {{ metrics: \"{}\" }}\n", good),
                                "device.yaml", "/etc/dwell");
        EXPECT_TRUE(config) << good << ": " << config.error().message;
    }
    for (const std::string_view bad : {"0.0.0.0:9464", "10.1.2.3:9464", "[::]:9464", "screen.local:9464"}) {
        const auto message =
            error_of(std::string{minimal} + fmt::format("agent: {{ metrics: \"{}\" }}\n", bad));
        EXPECT_THAT(message, HasSubstr(fmt::format("agent.metrics: \"{}\" is not a loopback address", bad)));
    }
}

TEST(DeviceConfig, BadIdentityAndUrl) {
    const auto message = error_of(R"(device: { id: S1_Seoul, station: "", line: "" }
hub: { url: ftp://hub, token_file: "" }
state_dir: state
)");
    EXPECT_THAT(message, HasSubstr("device.yaml:1:15: device.id: \"S1_Seoul\" is not an id"));
    EXPECT_THAT(message, HasSubstr("device.station: \"\" is not an id"));
    EXPECT_THAT(message, HasSubstr("device.line: must not be empty"));
    EXPECT_THAT(message, HasSubstr("hub.url: \"ftp://hub\" is not an http or https URL"));
    EXPECT_THAT(message, HasSubstr("hub.token_file: must not be empty"));
}

TEST(DeviceConfig, DocumentThatIsNotAMapping) {
    EXPECT_THAT(error_of("- a\n- b\n"),
                HasSubstr("device.yaml:1:1: expected a mapping of keys to values, got a list"));
}

TEST(DeviceConfig, MissingFileNamesThePath) {
    test::TempDir dir;
    auto result = load_device_config(dir / "nope.yaml");
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().code, Errc::not_found);
    EXPECT_THAT(result.error().message, HasSubstr("nope.yaml"));
}

TEST(DeviceConfig, RelativePathsResolveAgainstTheFilesFolder) {
    test::TempDir dir;
    const auto file = dir.write("conf/device.yaml", minimal);
    auto config = load_device_config(file);
    ASSERT_TRUE(config) << config.error().message;
    EXPECT_EQ(config->state_dir, (dir.path() / "conf/state").lexically_normal());
}

}  // namespace
}  // namespace dwell::config
