#include "sync/agent/content_sync.hpp"

#include <charconv>

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "sync/agent/log.hpp"
#include "sync/net/http_date.hpp"

namespace dwell::sync::agent {
namespace {

namespace asio = boost::asio;
namespace http = net::http;
using namespace asio::experimental::awaitable_operators;

// The first byte of a 206 response's Content-Range ("bytes FIRST-LAST/SIZE"), if it has one.
std::optional<std::uint64_t> range_start(std::string_view content_range) {
    if (!content_range.starts_with("bytes ")) return std::nullopt;
    content_range.remove_prefix(6);
    std::uint64_t first = 0;
    const auto [end, error] =
        std::from_chars(content_range.data(), content_range.data() + content_range.size(), first);
    if (error != std::errc{} || end == content_range.data() + content_range.size() || *end != '-')
        return std::nullopt;
    return first;
}

Error refused_by_hub(std::string_view what, const net::StringResponse& response) {
    const unsigned status = response.result_int();
    if (status == 401 || status == 403)
        return Error{
            Errc::unauthorized,
            fmt::format("the hub refused this screen's device token for {} ({}): {}; enroll the screen "
                        "again with a new code (dwellctl screen add)",
                        what, status, net::error_message(response))};
    return Error{Errc::io,
                 fmt::format("the hub answered {} for {}: {}", status, what, net::error_message(response))};
}

}  // namespace

Result<std::unique_ptr<ContentSync>> ContentSync::create(asio::any_io_executor executor, HubAccess access,
                                                         content::DeviceState& state,
                                                         content::AssetCache& cache,
                                                         const config::Clock& clock) {
    std::unique_ptr<ContentSync> sync{new ContentSync(std::move(access), state, cache, clock)};
    auto link = net::HttpConnection::create(executor, sync->m_access.url, sync->m_access.client);
    if (!link) return fail(std::move(link.error()));
    sync->m_manifest_link = std::move(*link);
    for (auto& download : sync->m_download_links) {
        auto made = net::HttpConnection::create(executor, sync->m_access.url, sync->m_access.client);
        if (!made) return fail(std::move(made.error()));
        download = std::move(*made);
    }
    return sync;
}

net::Fields ContentSync::authorization() const {
    return {{"Authorization", "Bearer " + m_access.token}};
}

void ContentSync::note_clock(config::WallTime hub_time, config::WallTime received) {
    const auto offset = std::chrono::duration_cast<config::Duration>(hub_time - received);
    if (auto stored = m_state.set_clock_offset(offset); !stored)
        log()->warn("cannot store the clock offset: {}", stored.error().message);
}

// An unchanged manifest brings no server_time, but the response's Date does, to the second: enough
// to notice that this box's clock jumped (a board without a battery-backed clock, set late by NTP).
void ContentSync::check_clock(std::string_view date, config::WallTime received) {
    const auto hub_time = net::parse_http_date(date);
    if (!hub_time) return;
    const auto offset = std::chrono::duration_cast<config::Duration>(*hub_time - received);
    auto stored = m_state.clock_offset();
    if (!stored) return;
    // The Date field is whole seconds and the response took a while: closer than this is noise.
    constexpr config::Duration tolerance = std::chrono::seconds{2};
    if (offset - *stored < tolerance && *stored - offset < tolerance) return;
    log()->warn(
        "this box's clock moved: the hub's Date says it is {} ms off, not {} ms; the player uses the new "
        "offset",
        offset.count(), stored->count());
    note_clock(*hub_time, received);
}

asio::awaitable<Result<PullResult>> ContentSync::pull() {
    auto stored = m_state.manifest();
    if (!stored) co_return fail(std::move(stored.error()));
    net::Fields fields = authorization();
    if (*stored && !(*stored)->etag.empty()) fields.emplace_back("If-None-Match", (*stored)->etag);

    const std::string target = fmt::format("/v1/devices/{}/manifest", m_access.screen);
    auto response = co_await m_manifest_link->request(http::verb::get, target, fields);
    if (!response) co_return fail(std::move(response.error()).with_context("pulling the manifest"));
    const auto received = m_clock.now();
    if (response->result() == http::status::not_modified) {
        check_clock((*response)[http::field::date], received);
        co_return PullResult{};
    }
    if (response->result() != http::status::ok) co_return fail(refused_by_hub("the manifest", *response));
    auto manifest = content::manifest_from_json_text(response->body());
    if (!manifest)
        co_return fail(Errc::invalid_input, "the hub sent a manifest this agent cannot use: {}",
                       manifest.error().message);
    note_clock(manifest->server_time, received);

    // The assets of the manifest the player shows now stay as well, until the new one is stored.
    std::vector<std::string> pinned;
    for (const auto& asset : manifest->assets) pinned.push_back(asset.sha256);
    if (*stored)
        for (const auto& asset : (*stored)->manifest.assets) pinned.push_back(asset.sha256);
    m_cache.set_pinned(pinned);

    std::vector<content::ManifestAsset> missing;
    for (const auto& asset : manifest->assets)
        if (!m_cache.contains(asset.sha256)) missing.push_back(asset);
    if (!missing.empty()) {
        log()->info("downloading {} of the manifest's {} assets", missing.size(), manifest->assets.size());
        if (auto downloaded = co_await download_all(missing); !downloaded)
            co_return fail(std::move(downloaded.error()));
    }

    const std::string etag{(*response)[http::field::etag]};
    if (auto done = m_state.store_manifest(*manifest, etag, m_clock.now()); !done)
        co_return fail(std::move(done.error()));
    pinned.clear();
    for (const auto& asset : manifest->assets) pinned.push_back(asset.sha256);
    m_cache.set_pinned(pinned);
    if (auto evicted = m_cache.evict_to_quota(); !evicted)
        log()->warn("the asset cache is over its quota: {}", evicted.error().message);
    log()->info("stored a new manifest: {} campaigns, {} assets ({} downloaded)", manifest->campaigns.size(),
                manifest->assets.size(), missing.size());
    co_return PullResult{true, missing.size()};
}

asio::awaitable<Result<void>> ContentSync::download_all(const std::vector<content::ManifestAsset>& assets) {
    std::size_t next = 0;
    std::size_t installed = 0;
    std::optional<Error> failure;
    // Each link takes the next asset until none are left or one failed.
    auto worker = [&](net::HttpConnection& link) -> asio::awaitable<void> {
        while (!failure && next < assets.size()) {
            const content::ManifestAsset& asset = assets[next++];
            if (auto done = co_await download(link, asset); !done) {
                if (!failure) failure = std::move(done.error());
            } else {
                log()->info("asset {} ({} bytes) is in the cache: {} of {}", asset.sha256.substr(0, 12),
                            asset.size, ++installed, assets.size());
            }
        }
    };
    co_await (worker(*m_download_links[0]) && worker(*m_download_links[1]));
    if (failure) co_return fail(std::move(*failure));
    co_return Result<void>{};
}

asio::awaitable<Result<void>> ContentSync::download(net::HttpConnection& link,
                                                    const content::ManifestAsset& asset) {
    Result<void> last = fail(Errc::internal, "not tried");
    for (int attempt = 0; attempt < download_attempts; ++attempt) {
        bool retry = false;
        last = co_await download_once(link, asset, retry);
        if (last || !retry) break;
        log()->warn("downloading asset {} was interrupted ({}); resuming", asset.sha256.substr(0, 12),
                    last.error().message);
    }
    if (!last) co_return fail(std::move(last.error()).with_context(fmt::format("asset {}", asset.sha256)));
    co_return Result<void>{};
}

asio::awaitable<Result<void>> ContentSync::download_once(net::HttpConnection& link,
                                                         const content::ManifestAsset& asset, bool& retry) {
    retry = false;
    auto writer = m_cache.begin_install(asset.sha256, asset.size);
    if (!writer) co_return fail(std::move(writer.error()));
    const std::uint64_t present = writer->bytes_present();
    net::Fields fields = authorization();
    if (present > 0) fields.emplace_back("Range", fmt::format("bytes={}-", present));

    auto on_head = [&](const http::response_header<>& head) -> Result<void> {
        if (head.result() == http::status::partial_content) {
            const auto first = range_start(head[http::field::content_range]);
            if (first == present) return {};
            return fail(Errc::io, "the hub resumed at the wrong place ({})",
                        std::string{head[http::field::content_range]});
        }
        // A whole file although part of it is here: start again from the first byte.
        if (present > 0) return writer->restart();
        return {};
    };
    auto write = [&](std::span<const std::byte> piece) {
        m_bytes_received += piece.size();
        return writer->write(piece);
    };
    // Named before the co_await: GCC 12 mishandles temporaries in its full-expression.
    net::DownloadHead head_check{on_head};
    net::DownloadSink sink{write};
    const std::string target = fmt::format("/v1/assets/{}", asset.sha256);
    auto fetched = co_await link.download(target, fields, head_check, sink);
    if (!fetched) {
        // A dropped connection keeps what arrived, for the next try to resume; wrong bytes do not.
        retry = fetched.error().code == Errc::io;
        if (retry) writer->suspend();
        co_return fail(std::move(fetched.error()));
    }
    const unsigned status = fetched->head.result_int();
    if (status == 416) {  // the partial file is no prefix of what the hub has
        if (auto restarted = writer->restart(); !restarted) co_return fail(std::move(restarted.error()));
        writer->suspend();
        retry = true;
        co_return fail(Errc::io, "the hub could not resume the download");
    }
    if (status != 200 && status != 206) {
        net::StringResponse response{fetched->head.result(), 11};
        response.body() = fetched->error_body;
        co_return fail(refused_by_hub("an asset", response));
    }
    auto installed = writer->commit();
    if (!installed) co_return fail(std::move(installed.error()));
    co_return Result<void>{};
}

}  // namespace dwell::sync::agent
