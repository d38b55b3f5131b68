#include "tests/integration/ctl/ctl_fixture.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <ostream>
#include <stdexcept>

#include <fmt/format.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/websocket/stream.hpp>

#include "tests/support/media.hpp"
#include "tests/support/process.hpp"

namespace dwell::test {
namespace {

std::uint16_t bound_port(int fd) {
    sockaddr_in address{};
    socklen_t length = sizeof address;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
    return ntohs(address.sin_port);
}

int loopback_socket(bool listening) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw std::runtime_error("socket() failed");
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        (listening && ::listen(fd, 16) != 0)) {
        ::close(fd);
        throw std::runtime_error("cannot bind a loopback port");
    }
    return fd;
}

}  // namespace

std::ostream& operator<<(std::ostream& stream, const CtlRun& run) {
    return stream << "exit " << run.exit_code << "\n--- stdout:\n" << run.out << "--- stderr:\n" << run.err;
}

CtlRun run_ctl(std::vector<std::string> arguments, std::map<std::string, std::string> environment) {
    static std::atomic<int> counter{0};
    TempDir dir;
    ProcessOptions options;
    options.arguments = std::move(arguments);
    environment.try_emplace("DWELL_HUB", "");
    environment.try_emplace("DWELL_TOKEN", "");
    environment.try_emplace("DWELL_JOIN_SECRET", "");
    environment.try_emplace("DWELL_HUB_CONFIG", "");
    options.environment = std::move(environment);
    const int n = counter.fetch_add(1);
    options.stdout_file = dir / fmt::format("out-{}", n);
    options.stderr_file = dir / fmt::format("err-{}", n);
    const ProcessResult result = run_process(DWELL_CTL_BIN, options, std::chrono::minutes{2});
    CtlRun run;
    run.exit_code = result.exited ? result.exit_code : -1;
    run.out = read_text(*options.stdout_file);
    run.err = read_text(*options.stderr_file);
    if (result.timed_out) run.err += "\n(dwellctl timed out)";
    return run;
}

SilentPort::SilentPort() : m_fd(loopback_socket(true)), m_port(bound_port(m_fd)) {}

SilentPort::~SilentPort() {
    if (m_fd >= 0) ::close(m_fd);
}

std::string SilentPort::url() const {
    return fmt::format("http://127.0.0.1:{}", m_port);
}

bool SilentPort::contacted() const {
    const int flags = ::fcntl(m_fd, F_GETFL);
    ::fcntl(m_fd, F_SETFL, flags | O_NONBLOCK);
    const int connection = ::accept4(m_fd, nullptr, nullptr, SOCK_CLOEXEC);
    if (connection < 0) return false;
    ::close(connection);
    return true;
}

std::string closed_port_url() {
    // A port that was free a moment ago and is not listened on: connecting is refused.
    const int fd = loopback_socket(false);
    const std::uint16_t port = bound_port(fd);
    ::close(fd);
    return fmt::format("http://127.0.0.1:{}", port);
}

struct DeviceFeed::Impl {
    boost::asio::io_context context;
    boost::beast::websocket::stream<boost::asio::ip::tcp::socket> ws{context};
};

DeviceFeed::DeviceFeed(std::uint16_t port, std::string_view screen, std::string_view device_token)
    : m_impl(std::make_unique<Impl>()) {
    namespace websocket = boost::beast::websocket;
    m_impl->ws.next_layer().connect({boost::asio::ip::make_address("127.0.0.1"), port});
    // The handshake's reads end after this long, so a test never hangs on a silent hub.
    struct timeval limit {
        10, 0
    };
    ::setsockopt(m_impl->ws.next_layer().native_handle(), SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
    m_impl->ws.set_option(websocket::stream_base::decorator(
        [authorization = fmt::format("Bearer {}", device_token)](websocket::request_type& request) {
            request.set(boost::beast::http::field::authorization, authorization);
        }));
    m_impl->ws.handshake(fmt::format("127.0.0.1:{}", port), fmt::format("/v1/devices/{}/feed", screen));
}

DeviceFeed::~DeviceFeed() {
    boost::system::error_code ignored;
    m_impl->ws.next_layer().close(ignored);
}

std::optional<boost::json::value> DeviceFeed::next_of(std::string_view type,
                                                      std::chrono::milliseconds timeout) {
    // A blocking read ends at the socket's receive timeout; a timed-out feed is done with.
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(timeout).count();
    struct timeval limit {
        static_cast<time_t>(std::max<std::int64_t>(seconds, 1)), 0
    };
    ::setsockopt(m_impl->ws.next_layer().native_handle(), SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        boost::beast::flat_buffer buffer;
        boost::system::error_code error;
        m_impl->ws.read(buffer, error);
        if (error) return std::nullopt;
        boost::system::error_code parse_error;
        auto event = boost::json::parse(boost::beast::buffers_to_string(buffer.cdata()), parse_error);
        if (parse_error || !event.is_object()) continue;
        const auto* kind = event.as_object().if_contains("type");
        if (kind && kind->is_string() && kind->as_string() == type) return event;
    }
    return std::nullopt;
}

void CtlTest::SetUp() {
    m_hub.start();
}

const std::string& CtlTest::token(Role role) {
    static const std::string none;
    switch (role) {
    case Role::marketer: return m_hub.marketer_token();
    case Role::operator_: return m_hub.operator_token();
    case Role::none: return none;
    }
    return none;
}

CtlRun CtlTest::ctl(std::vector<std::string> arguments, Role role) {
    std::vector<std::string> all{"--hub", m_hub.url()};
    if (role != Role::none) {
        all.emplace_back("--token");
        all.push_back(token(role));
    }
    all.insert(all.end(), arguments.begin(), arguments.end());
    return run_ctl(std::move(all));
}

HubAnswer CtlTest::call(http::verb method, std::string_view target, Role role,
                        const boost::json::value* body) {
    auto client = m_hub.client();
    sync::net::Fields fields;
    if (role != Role::none) fields = bearer(token(role));
    auto response =
        client->request(method, target, fields, body ? boost::json::serialize(*body) : std::string{},
                        body ? "application/json" : "");
    if (!response) throw std::runtime_error(response.error().message);
    HubAnswer answer;
    answer.status = response->result_int();
    answer.text = response->body();
    boost::system::error_code error;
    answer.body = boost::json::parse(answer.text, error);
    if (error) answer.body = nullptr;
    return answer;
}

std::string CtlTest::add_screen(std::string_view id, std::string_view station, std::string_view line) {
    const boost::json::value screen =
        boost::json::object{{"id", id}, {"station", station}, {"line", line}, {"timezone", "Asia/Seoul"}};
    const auto answer = call(http::verb::put, fmt::format("/v1/screens/{}", id), Role::operator_, &screen);
    if (answer.status != 201) throw std::runtime_error("adding a screen failed: " + answer.text);
    return std::string{answer.body.at("enrollment_code").as_string()};
}

std::string CtlTest::enroll(std::string_view code) {
    const boost::json::value body = boost::json::object{{"code", code}};
    const auto answer = call(http::verb::post, "/v1/devices/enroll", Role::none, &body);
    if (answer.status != 200) throw std::runtime_error("enrolling failed: " + answer.text);
    return std::string{answer.body.at("token").as_string()};
}

void CtlTest::make_media(const std::filesystem::path& folder) {
    std::filesystem::create_directories(folder);
    const auto clip = folder / "clip.mp4";
    const auto poster = folder / "poster.png";
    std::string error = ffmpeg(fmt::format(
        "-f lavfi -i testsrc2=size=320x240:rate=25 -t 1 -c:v libx264 -pix_fmt yuv420p '{}'", clip.string()));
    if (!error.empty()) throw std::runtime_error(error);
    error = ffmpeg(fmt::format("-f lavfi -i color=c=blue:size=160x90 -frames:v 1 '{}'", poster.string()));
    if (!error.empty()) throw std::runtime_error(error);
}

std::filesystem::path CtlTest::write_campaign(const std::filesystem::path& folder, std::string_view id,
                                              std::string_view extra_yaml) const {
    std::string channels;
    for (const auto kind :
         {config::ChannelKind::line, config::ChannelKind::telegram, config::ChannelKind::kakao,
          config::ChannelKind::whatsapp, config::ChannelKind::generic})
        channels += fmt::format("{}{}", channels.empty() ? "" : ", ", test_channel(kind));
    const std::string text = fmt::format(
        "id: {}\n"
        "name: 스티커 페스티벌 {}\n"
        "window: {{ start: 2020-01-01T00:00:00+09:00, end: 2099-01-01T00:00:00+09:00 }}\n"
        "targets:\n"
        "  lines: [\"1\", \"2\"]\n"
        "items:\n"
        "  - {{ asset: clip.mp4 }}\n"
        "  - {{ asset: poster.png, duration: 5s }}\n"
        "join:\n"
        "  channels: [{}]\n"
        "  prompt: \"{{account}}에 {{code}} 보내고 참여하세요\"\n"
        "  reply: \"참여 완료!\"\n"
        "{}",
        id, id, channels, extra_yaml);
    std::filesystem::create_directories(folder);
    const auto file = folder / fmt::format("{}.yaml", id);
    std::ofstream{file} << text;
    return file;
}

void CtlTest::apply(const std::filesystem::path& file) {
    const CtlRun run = ctl({"campaign", "apply", file.string()});
    ASSERT_EQ(run.exit_code, 0) << run;
}

std::map<std::string, std::string> CtlTest::hub_assets() {
    const auto answer = call(http::verb::get, "/v1/assets", Role::marketer);
    if (answer.status != 200) throw std::runtime_error("listing assets failed: " + answer.text);
    std::map<std::string, std::string> out;
    for (const auto& asset : answer.body.at("assets").as_array())
        out[std::string{asset.at("sha256").as_string()}] = std::string{asset.at("name").as_string()};
    return out;
}

}  // namespace dwell::test
