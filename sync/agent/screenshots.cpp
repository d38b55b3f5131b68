#include "sync/agent/screenshots.hpp"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <vector>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "config/config_file.hpp"
#include "sync/agent/log.hpp"

namespace dwell::sync::agent {

namespace asio = boost::asio;
namespace fs = std::filesystem;
namespace http = net::http;

Result<std::unique_ptr<ScreenshotUploader>> ScreenshotUploader::create(asio::any_io_executor executor,
                                                                       const HubAccess& access,
                                                                       fs::path folder) {
    std::unique_ptr<ScreenshotUploader> uploader{new ScreenshotUploader(access, std::move(folder))};
    auto link = net::HttpConnection::create(std::move(executor), access.url, access.client);
    if (!link) return fail(std::move(link.error()));
    uploader->m_link = std::move(*link);
    return uploader;
}

asio::awaitable<Result<std::size_t>> ScreenshotUploader::upload_all() {
    std::vector<fs::path> answers;
    std::error_code error;
    for (fs::directory_iterator it{m_folder, error}, end; !error && it != end; it.increment(error)) {
        const auto& file = it->path();
        if (file.extension() == ".png" || file.extension() == ".failed") answers.push_back(file);
    }
    if (error && error != std::errc::no_such_file_or_directory)
        co_return fail(Errc::io, "cannot list the screenshot folder {}: {}", m_folder.string(),
                       error.message());
    std::sort(answers.begin(), answers.end());
    std::size_t sent = 0;
    for (const fs::path& file : answers) {
        const std::string id = file.stem().string();
        if (!config::is_identifier(id)) {
            log()->warn("{} is not a screenshot this agent asked for; it is left alone", file.string());
            continue;
        }
        auto uploaded = co_await upload(file, id);
        if (!uploaded) co_return fail(std::move(uploaded.error()));
        fs::remove(file, error);
        if (*uploaded) ++sent;
    }
    co_return sent;
}

asio::awaitable<Result<bool>> ScreenshotUploader::upload(const fs::path& file, const std::string& id) {
    // Arguments are named before each co_await: GCC 12 mishandles temporaries in its full-expression.
    const std::string target = fmt::format("/v1/devices/{}/screenshots/{}", m_access.screen, id);
    const net::Fields fields{{"Authorization", "Bearer " + m_access.token}};
    const bool picture = file.extension() == ".png";
    std::error_code error;
    const auto size = fs::file_size(file, error);
    Result<net::StringResponse> response = fail(Errc::internal, "not sent");
    if (picture && !error && size <= max_png) {
        const std::string png_type = "image/png";
        response = co_await m_link->upload(http::verb::put, target, file, png_type, fields, {});
    } else {
        std::string why;
        if (picture) {
            why = error ? fmt::format("the player's PNG cannot be read: {}", error.message())
                        : fmt::format("the PNG is {} bytes, more than the {} the hub takes", size, max_png);
        } else {
            std::ifstream in(file);
            why.assign(std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{});
            if (why.size() > 500) why.resize(500);
            if (why.empty()) why = "the player could not take it";
        }
        const std::string body = boost::json::serialize(boost::json::object{{"error", why}});
        const std::string json_type = "application/json";
        response = co_await m_link->request(http::verb::put, target, fields, body, json_type);
    }
    if (!response) co_return fail(std::move(response.error()).with_context("sending a screenshot"));
    const unsigned status = response->result_int();
    if (status == 200) {
        log()->info("screenshot {} reached the hub{}", id, picture ? "" : " as a failure");
        co_return true;
    }
    if (status == 401 || status == 403)
        co_return fail(Errc::unauthorized,
                       "the hub refused this screen's device token for a screenshot ({}): {}", status,
                       net::error_message(*response));
    if (status >= 400 && status < 500 && status != 408 && status != 429) {
        log()->error("the hub refuses screenshot {}, so it is dropped: {}", id,
                     net::error_message(*response));
        co_return false;
    }
    co_return fail(Errc::io, "the hub answered {} to a screenshot: {}", status,
                   net::error_message(*response));
}

}  // namespace dwell::sync::agent
