#include "tests/integration/hub/hub_fixture.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>

#include "content/rfc3339.hpp"
#include "content/store.hpp"
#include "tests/support/temp_dir.hpp"

namespace dwell::test {
namespace {

using config::ChannelKind;

std::string lower(std::string_view text) {
    std::string out{text};
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

// Generated once per test program: every hub gets the same bytes.
const TempDir& shared_media() {
    static const TempDir folder;
    static const bool made = [] {
        const auto clip = folder / "clip.mp4";
        const auto poster = folder / "poster.png";
        const std::string error = ffmpeg(
            fmt::format("-f lavfi -i testsrc2=size=320x240:rate=25 -t 1 -c:v libx264 -pix_fmt yuv420p '{}'",
                        clip.string()));
        if (!error.empty()) throw std::runtime_error(error);
        const std::string poster_error =
            ffmpeg(fmt::format("-f lavfi -i color=c=blue:size=160x90 -frames:v 1 '{}'", poster.string()));
        if (!poster_error.empty()) throw std::runtime_error(poster_error);
        return true;
    }();
    (void)made;
    return folder;
}

}  // namespace

std::string JsonResponse::error_field(std::string_view name) const {
    if (!body.is_object()) return {};
    const auto* error = body.as_object().if_contains("error");
    if (!error || !error->is_object()) return {};
    const auto* field = error->as_object().if_contains(name);
    return field && field->is_string() ? std::string{field->as_string()} : std::string{};
}

std::string JsonResponse::error_code() const {
    return error_field("code");
}

std::string JsonResponse::error_message() const {
    return error_field("message");
}

JsonResponse JsonResponse::from(Result<sync::net::StringResponse> response) {
    if (!response) throw std::runtime_error(response.error().message);
    JsonResponse out;
    out.status = response->result_int();
    out.text = response->body();
    boost::system::error_code error;
    out.body = boost::json::parse(out.text, error);
    if (error) out.body = nullptr;
    out.raw = std::move(*response);
    return out;
}

std::string JsonResponse::header(std::string_view name) const {
    const auto found = raw.find(name);
    return found == raw.end() ? std::string{} : std::string{found->value()};
}

config::WallTime wall_now() {
    return config::SystemClock{}.now();
}

sync::messenger::OutgoingText message(std::uint64_t event, std::uint64_t user, std::string text,
                                      std::string name) {
    return sync::messenger::OutgoingText{event, user, std::move(name), std::move(text), wall_now()};
}

// ---- RawConnection ---------------------------------------------------------------------------

RawConnection::RawConnection(std::uint16_t port) {
    m_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (m_fd < 0) throw std::runtime_error("socket() failed");
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(m_fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0)
        throw std::runtime_error(
            fmt::format("cannot connect to 127.0.0.1:{}: {}", port, std::strerror(errno)));
    const int one = 1;
    ::setsockopt(m_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

RawConnection::~RawConnection() {
    if (m_fd >= 0) ::close(m_fd);
}

bool RawConnection::send(std::string_view bytes) {
    while (!bytes.empty()) {
        const auto sent = ::send(m_fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (sent < 0 && errno == EINTR) continue;
        if (sent <= 0) return false;
        bytes.remove_prefix(static_cast<std::size_t>(sent));
    }
    return true;
}

std::optional<RawConnection::Response> RawConnection::read_response(std::chrono::milliseconds timeout,
                                                                    bool head_only) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    const auto fill = [&]() -> bool {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return false;
        pollfd one{m_fd, POLLIN, 0};
        const int ready = ::poll(&one, 1, static_cast<int>(left.count()));
        if (ready <= 0) return false;
        char buffer[16384];
        const auto got = ::recv(m_fd, buffer, sizeof buffer, 0);
        if (got <= 0) return false;
        m_pending.append(buffer, static_cast<std::size_t>(got));
        return true;
    };
    std::size_t end = 0;
    while ((end = m_pending.find("\r\n\r\n")) == std::string::npos)
        if (!fill()) return std::nullopt;
    Response response;
    std::istringstream head{m_pending.substr(0, end)};
    std::string line;
    std::getline(head, line);
    if (line.size() < 12 || !line.starts_with("HTTP/1.")) return std::nullopt;
    response.status = static_cast<unsigned>(std::stoi(line.substr(9, 3)));
    while (std::getline(head, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        const auto colon = line.find(':');
        if (colon == std::string::npos) continue;
        std::string value = line.substr(colon + 1);
        while (!value.empty() && value.front() == ' ') value.erase(0, 1);
        response.fields[lower(line.substr(0, colon))] = value;
    }
    m_pending.erase(0, end + 4);
    std::size_t length = 0;
    if (!head_only && response.fields.contains("content-length"))
        length = std::stoul(response.fields["content-length"]);
    while (m_pending.size() < length)
        if (!fill()) return std::nullopt;
    response.body = m_pending.substr(0, length);
    m_pending.erase(0, length);
    boost::system::error_code error;
    response.json = boost::json::parse(response.body, error);
    if (error) response.json = nullptr;
    return response;
}

bool RawConnection::wait_closed(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return false;
        pollfd one{m_fd, POLLIN, 0};
        if (::poll(&one, 1, static_cast<int>(left.count())) <= 0) return false;
        char buffer[4096];
        const auto got = ::recv(m_fd, buffer, sizeof buffer, 0);
        if (got <= 0) return true;  // end of stream or reset
    }
}

bool RawConnection::closed_by_peer() {
    pollfd one{m_fd, POLLIN, 0};
    if (::poll(&one, 1, 0) <= 0) return false;
    char buffer[4096];
    const auto got = ::recv(m_fd, buffer, sizeof buffer, MSG_DONTWAIT);
    return got == 0 || (got < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
}

// ---- HubTest ---------------------------------------------------------------------------------

void HubTest::SetUp() {
    m_hub.start();
    m_client = m_hub.client();
    m_media = shared_media().path();
}

JsonResponse HubTest::call_text(http::verb method, std::string_view target, std::string_view token,
                                std::string body, std::string_view content_type, sync::net::Fields fields) {
    if (!token.empty()) fields.emplace_back("Authorization", "Bearer " + std::string{token});
    return JsonResponse::from(m_client->request(method, target, fields, std::move(body), content_type));
}

JsonResponse HubTest::call(http::verb method, std::string_view target, std::string_view token,
                           const boost::json::value* body, sync::net::Fields fields) {
    return call_text(method, target, token, body ? boost::json::serialize(*body) : std::string{},
                     body ? "application/json" : "", std::move(fields));
}

std::string HubTest::add_screen(std::string_view id, std::string_view station, std::string_view line,
                                std::string_view timezone) {
    const boost::json::value screen =
        boost::json::object{{"id", id}, {"station", station}, {"line", line}, {"timezone", timezone}};
    auto response = call(http::verb::put, fmt::format("/v1/screens/{}", id), m_hub.operator_token(), &screen);
    if (response.status != 201) throw std::runtime_error("adding a screen failed: " + response.text);
    return std::string{response.body.at("enrollment_code").as_string()};
}

std::string HubTest::enroll(std::string_view code) {
    const boost::json::value body = boost::json::object{{"code", code}};
    auto response = call(http::verb::post, "/v1/devices/enroll", {}, &body);
    if (response.status != 200) throw std::runtime_error("enrolling failed: " + response.text);
    return std::string{response.body.at("token").as_string()};
}

void HubTest::upload_media() {
    for (const auto& file : {m_media / "clip.mp4", m_media / "poster.png"}) {
        auto response = m_client->upload(http::verb::post, "/v1/assets?name=" + file.filename().string(),
                                         file, "application/octet-stream", bearer(m_hub.marketer_token()));
        if (!response || (response->result_int() != 201 && response->result_int() != 200))
            throw std::runtime_error("upload failed: " +
                                     (response ? response->body() : response.error().message));
    }
}

JsonResponse HubTest::put_campaign(std::string_view id, std::string_view extra_json) {
    std::string channels;
    for (const auto kind :
         {config::ChannelKind::line, config::ChannelKind::telegram, config::ChannelKind::kakao,
          config::ChannelKind::whatsapp, config::ChannelKind::generic})
        channels += fmt::format("{}\"{}\"", channels.empty() ? "" : ",", test_channel(kind));
    const std::string text = fmt::format(
        R"({{"id":"{}","name":"Test {}","window":{{"start":"2020-01-01T00:00:00Z","end":"2099-01-01T00:00:00Z"}},)"
        R"("targets":{{"lines":["1","2"]}},"items":[{{"asset":"clip.mp4"}},{{"asset":"poster.png","duration":"5s"}}],)"
        R"("join":{{"channels":[{}],"prompt":"{{code}}","reply":"thanks {}"}}{}}})",
        id, id, channels, id, extra_json);
    return call_text(http::verb::put, fmt::format("/v1/campaigns/{}", id), m_hub.marketer_token(), text,
                     "application/json");
}

std::string HubTest::code_at(std::string_view campaign, std::string_view screen, config::ChannelKind kind,
                             config::WallTime at) {
    return preview_code(fmt::format("/v1/campaigns/{}/preview?screen={}&at={}", campaign, screen,
                                    content::format_rfc3339(at)),
                        kind);
}

std::string HubTest::current_code(std::string_view campaign, std::string_view screen,
                                  config::ChannelKind kind) {
    return preview_code(fmt::format("/v1/campaigns/{}/preview?screen={}", campaign, screen), kind);
}

std::string HubTest::preview_code(const std::string& target, config::ChannelKind kind) {
    auto response = call(http::verb::get, target, m_hub.marketer_token());
    if (response.status != 200) throw std::runtime_error("preview failed: " + response.text);
    for (const auto& join : response.body.at("join").as_array())
        if (join.at("channel").as_string() == test_channel(kind))
            return std::string{join.at("code").as_string()};
    throw std::runtime_error("no code for the channel in " + response.text);
}

std::string HubTest::webhook_target(config::ChannelKind kind) const {
    std::string target = fmt::format("/v1/webhooks/{}/{}", config::to_string(kind), test_channel(kind));
    if (kind == config::ChannelKind::kakao) target += "/" + m_hub.secret(kind);
    return target;
}

sync::net::Fields HubTest::signed_fields(config::ChannelKind kind, std::string_view body,
                                         std::string* content_type) const {
    const auto headers = sync::messenger::sign_webhook(kind, m_hub.secret(kind), body);
    sync::net::Fields fields;
    for (const auto& [name, value] : headers) {
        if (name == "Content-Type")
            *content_type = value;
        else
            fields.emplace_back(name, value);
    }
    return fields;
}

JsonResponse HubTest::post_signed(config::ChannelKind kind, const std::string& body, std::string target) {
    std::string content_type;
    auto fields = signed_fields(kind, body, &content_type);
    if (target.empty()) target = webhook_target(kind);
    return call_text(http::verb::post, target, {}, body, content_type, std::move(fields));
}

JsonResponse HubTest::post_webhook(config::ChannelKind kind,
                                   std::span<const sync::messenger::OutgoingText> messages) {
    return post_signed(kind, sync::messenger::compose_webhook(kind, messages));
}

JsonResponse HubTest::post_one(config::ChannelKind kind, const sync::messenger::OutgoingText& message) {
    return post_webhook(kind, std::span<const sync::messenger::OutgoingText>{&message, 1});
}

void HubTest::stage() {
    m_devices["s1"] = enroll(add_screen("s1", "seoul", "1"));
    m_devices["s2"] = enroll(add_screen("s2", "city-hall", "2"));
    m_devices["s3"] = enroll(add_screen("s3", "gangnam", "3"));
    upload_media();
    const auto campaign = put_campaign("fest");
    if (campaign.status != 201) throw std::runtime_error("putting the campaign failed: " + campaign.text);
}

JsonResponse HubTest::report(std::string_view query) {
    return call(http::verb::get, fmt::format("/v1/reports/participation?{}", query), m_hub.marketer_token());
}

std::int64_t HubTest::joins_of(const JsonResponse& report, std::string_view key) {
    if (!report.body.is_object()) return 0;
    for (const auto& row : report.body.at("rows").as_array())
        if (row.at("key").as_string() == key) return row.at("joins").to_number<std::int64_t>();
    return 0;
}

std::string HubTest::metrics() {
    auto response = call(http::verb::get, "/metrics");
    if (response.status != 200) throw std::runtime_error("/metrics failed: " + response.text);
    return response.text;
}

double HubTest::metric(const std::string& text, std::string_view series) {
    std::istringstream in{text};
    std::string line;
    while (std::getline(in, line)) {
        if (line.size() > series.size() && line.starts_with(series) && line[series.size()] == ' ')
            return std::stod(line.substr(series.size() + 1));
    }
    return 0;
}

double HubTest::metric_sum(const std::string& text, std::string_view name, std::string_view fragment) {
    std::istringstream in{text};
    std::string line;
    double sum = 0;
    while (std::getline(in, line)) {
        if (!line.starts_with(name) || line.size() <= name.size() || line[name.size()] != '{') continue;
        const auto close = line.rfind("} ");
        if (close == std::string::npos || line.find(fragment) > close) continue;
        sum += std::stod(line.substr(close + 2));
    }
    return sum;
}

HubTest::JoinSpace HubTest::join_space(config::ChannelKind kind) {
    auto response =
        call(http::verb::get, "/v1/join-slots?channel=" + test_channel(kind), m_hub.operator_token());
    if (response.status != 200) throw std::runtime_error("join-slots failed: " + response.text);
    JoinSpace space;
    auto secret = content::parse_join_secret(response.body.at("secret").as_string());
    if (!secret) throw std::runtime_error(secret.error().message);
    space.secret = *secret;
    for (const auto& slot : response.body.at("slots").as_array())
        space.slots[{std::string{slot.at("campaign").as_string()},
                     std::string{slot.at("screen").as_string()}}] =
            slot.at("slot").to_number<std::uint64_t>();
    return space;
}

std::int64_t HubTest::count_rows(std::string_view sql) {
    content::StoreOptions options;
    options.access = content::StoreAccess::read_only;
    auto store = content::Store::open(m_hub.database(), options);
    if (!store) throw std::runtime_error(store.error().message);
    auto statement = (*store)->prepare(sql);
    if (!statement) throw std::runtime_error(statement.error().message);
    auto row = statement->step();
    if (!row || !*row) throw std::runtime_error("no row from " + std::string{sql});
    return statement->column_int64(0);
}

std::vector<std::string> HubTest::column(std::string_view sql) {
    content::StoreOptions options;
    options.access = content::StoreAccess::read_only;
    auto store = content::Store::open(m_hub.database(), options);
    if (!store) throw std::runtime_error(store.error().message);
    auto statement = (*store)->prepare(sql);
    if (!statement) throw std::runtime_error(statement.error().message);
    std::vector<std::string> out;
    for (;;) {
        auto row = statement->step();
        if (!row) throw std::runtime_error(row.error().message);
        if (!*row) break;
        out.emplace_back(statement->column_text(0));
    }
    return out;
}

}  // namespace dwell::test
