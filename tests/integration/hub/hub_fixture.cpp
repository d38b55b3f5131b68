#include "tests/integration/hub/hub_fixture.hpp"

#include <fmt/format.h>

#include "content/rfc3339.hpp"

namespace dwell::test {

std::string JsonResponse::error_code() const {
    if (!body.is_object()) return {};
    const auto* error = body.as_object().if_contains("error");
    if (!error || !error->is_object()) return {};
    const auto* code = error->as_object().if_contains("code");
    return code && code->is_string() ? std::string{code->as_string()} : std::string{};
}

void HubTest::SetUp() {
    m_hub.start();
    m_client = m_hub.client();
    m_media = m_hub.folder() / "media";
}

JsonResponse HubTest::call_text(http::verb method, std::string_view target, std::string_view token,
                                std::string body, std::string_view content_type, sync::net::Fields fields) {
    if (!token.empty()) fields.emplace_back("Authorization", "Bearer " + std::string{token});
    auto response = m_client->request(method, target, fields, std::move(body), content_type);
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
    std::filesystem::create_directories(m_media);
    const auto clip = m_media / "clip.mp4";
    const auto poster = m_media / "poster.png";
    if (!std::filesystem::exists(clip)) {
        const std::string error = ffmpeg(
            fmt::format("-f lavfi -i testsrc2=size=320x240:rate=25 -t 1 -c:v libx264 -pix_fmt yuv420p '{}'",
                        clip.string()));
        if (!error.empty()) throw std::runtime_error(error);
        const std::string poster_error =
            ffmpeg(fmt::format("-f lavfi -i color=c=blue:size=160x90 -frames:v 1 '{}'", poster.string()));
        if (!poster_error.empty()) throw std::runtime_error(poster_error);
    }
    for (const auto& file : {clip, poster}) {
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

std::string HubTest::current_code(std::string_view campaign, std::string_view screen,
                                  config::ChannelKind kind) {
    auto response = call(http::verb::get, fmt::format("/v1/campaigns/{}/preview?screen={}", campaign, screen),
                         m_hub.marketer_token());
    if (response.status != 200) throw std::runtime_error("preview failed: " + response.text);
    for (const auto& join : response.body.at("join").as_array())
        if (join.at("channel").as_string() == test_channel(kind))
            return std::string{join.at("code").as_string()};
    throw std::runtime_error("no code for the channel in " + response.text);
}

JsonResponse HubTest::post_webhook(config::ChannelKind kind,
                                   std::span<const sync::messenger::OutgoingText> messages) {
    const std::string body = sync::messenger::compose_webhook(kind, messages);
    const auto headers = sync::messenger::sign_webhook(kind, m_hub.secret(kind), body);
    sync::net::Fields fields;
    std::string content_type;
    for (const auto& [name, value] : headers) {
        if (name == "Content-Type")
            content_type = value;
        else
            fields.emplace_back(name, value);
    }
    std::string target = fmt::format("/v1/webhooks/{}/{}", config::to_string(kind), test_channel(kind));
    if (kind == config::ChannelKind::kakao) target += "/" + m_hub.secret(kind);
    return call_text(http::verb::post, target, {}, body, content_type, std::move(fields));
}

}  // namespace dwell::test
