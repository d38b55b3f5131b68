// Routes marketers and operators use to shape what screens play: campaigns (with preview),
// assets, screens, takeovers, and the join slots support staff look codes up in.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <system_error>

#include <boost/asio/use_awaitable.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>

#include "content/campaign_codec.hpp"
#include "content/crypto.hpp"
#include "content/media_probe.hpp"
#include "content/rfc3339.hpp"
#include "content/schedule.hpp"
#include "content/uuid.hpp"
#include "sync/hub/api.hpp"

namespace dwell::sync::hub {
namespace {

namespace http = net::http;
namespace json = boost::json;
namespace fs = std::filesystem;
using boost::asio::awaitable;
using boost::asio::use_awaitable;

constexpr std::size_t max_takeover_text = 500;
constexpr std::size_t max_asset_name = 255;
constexpr std::size_t upload_piece = 256 * 1024;

bool is_yaml(std::string_view media) {
    return media == "application/yaml" || media == "application/x-yaml" || media == "text/yaml";
}

json::value asset_json(const AssetRow& asset) {
    json::object out{{"sha256", asset.sha256}, {"name", asset.name},
                     {"size", asset.size},     {"type", content::to_string(asset.kind)},
                     {"codec", asset.codec},   {"width", asset.width},
                     {"height", asset.height}, {"created_at", content::format_rfc3339(asset.created_at)}};
    if (asset.duration) out["duration_ms"] = asset.duration->count();
    return out;
}

json::value strings_json(const std::vector<std::string>& values) {
    json::array out;
    for (const auto& value : values) out.emplace_back(value);
    return out;
}

json::value targets_json(const content::Targets& targets) {
    json::object out;
    if (targets.all) out["all"] = true;
    if (!targets.lines.empty()) out["lines"] = strings_json(targets.lines);
    if (!targets.stations.empty()) out["stations"] = strings_json(targets.stations);
    if (!targets.screens.empty()) out["screens"] = strings_json(targets.screens);
    if (!targets.tags.empty()) out["tags"] = strings_json(targets.tags);
    return out;
}

json::value takeover_json(const Takeover& takeover) {
    json::object out{{"id", takeover.id},
                     {"text", takeover.text},
                     {"targets", targets_json(takeover.targets)},
                     {"created_at", content::format_rfc3339(takeover.created_at)}};
    if (takeover.until) out["until"] = content::format_rfc3339(*takeover.until);
    return out;
}

std::set<std::string> as_set(const std::vector<std::string>& values) {
    return {values.begin(), values.end()};
}

// ---- campaigns -----------------------------------------------------------------------------

// Gives every item the sha256 of its asset: the one it names, else the newest upload of its
// file name. Lists every item whose asset the hub lacks or whose kind differs.
Result<void> resolve_items(content::Campaign& campaign, const Catalog& catalog) {
    std::vector<std::string> problems;
    for (std::size_t i = 0; i < campaign.items.size(); ++i) {
        content::Item& item = campaign.items[i];
        if (item.sha256.empty()) {
            const auto named = catalog.asset_names.find(item.asset);
            if (named == catalog.asset_names.end()) {
                problems.push_back(
                    fmt::format("items[{}].asset: no asset named \"{}\" was uploaded; upload it first "
                                "(dwellctl asset upload, or campaign apply which uploads local files)",
                                i, item.asset));
                continue;
            }
            item.sha256 = named->second;
        }
        const auto asset = catalog.assets.find(item.sha256);
        if (asset == catalog.assets.end()) {
            problems.push_back(
                fmt::format("items[{}].sha256: the hub has no asset {}; upload it first", i, item.sha256));
            continue;
        }
        if (asset->second.kind != item.kind)
            problems.push_back(fmt::format("items[{}]: \"{}\" is a {} but the item is a {}", i, item.asset,
                                           content::to_string(asset->second.kind),
                                           content::to_string(item.kind)));
    }
    if (problems.empty()) return {};
    std::string message = fmt::format("campaign {} has {} item problem{}:", campaign.id, problems.size(),
                                      problems.size() == 1 ? "" : "s");
    for (const auto& problem : problems) message += "\n  " + problem;
    return fail(Errc::invalid_input, "{}", message);
}

awaitable<net::Reply> put_campaign(HubContext& hub, net::Exchange& exchange) {
    if (auto refusal = hub.auth.require_role(exchange.request, Role::marketer)) co_return std::move(*refusal);
    const std::string& id = exchange.params[0];
    if (!config::is_identifier(id))
        co_return net::error_reply(http::status::bad_request, "invalid_input",
                                   "a campaign id is 1 to 64 of a-z, 0-9 and -, not starting with -");
    content::CampaignContext context;
    context.channels.emplace();
    for (const auto& channel : hub.config.channels) context.channels->insert(channel.id);
    const std::string media = net::media_type(exchange.request[http::field::content_type]);
    Result<content::Campaign> decoded =
        fail(Errc::unsupported, "a campaign is application/json or application/yaml");
    if (media == net::json_type)
        decoded = content::campaign_from_json_text(exchange.request.body(), "campaign", context);
    else if (is_yaml(media))
        decoded = content::campaign_from_yaml(exchange.request.body(), "campaign", context);
    if (!decoded) co_return refuse(decoded.error());
    if (decoded->id != id)
        co_return net::error_reply(
            http::status::bad_request, "invalid_input",
            fmt::format("the campaign's id is \"{}\" but the URL says \"{}\"", decoded->id, id));

    struct Stored {
        content::Campaign campaign;
        bool created = false;
        std::vector<std::string> screens;
    };
    auto stored_work = [campaign = std::move(*decoded)](Batch& batch) mutable -> Result<Stored> {
        Catalog next = batch.catalog();
        if (auto resolved = resolve_items(campaign, next); !resolved)
            return fail(std::move(resolved.error()));
        const content::Campaign* before = next.campaign(campaign.id);
        std::set<std::string> touched;
        if (before) touched = as_set(next.targeted_screens(before->targets));
        const bool created = before == nullptr;
        next.campaigns[campaign.id] = campaign;
        auto changed = reconcile_slots(batch, next);
        if (!changed) return fail(std::move(changed.error()));
        if (auto done = batch.store().put_campaign(campaign, batch.now()); !done)
            return fail(std::move(done.error()));
        next.index();
        Stored out{campaign, created, next.campaign_screens[campaign.id]};
        touched.insert(out.screens.begin(), out.screens.end());
        touched.insert(changed->begin(), changed->end());
        batch.edit_catalog() = std::move(next);
        if (auto done = announce_manifest(batch, touched); !done) return fail(std::move(done.error()));
        return out;
    };
    auto stored = co_await hub.writer.perform<Stored>(stored_work, use_awaitable);
    if (!stored) co_return refuse(stored.error());
    co_return net::json_reply(stored->created ? http::status::created : http::status::ok,
                              json::object{{"campaign", content::campaign_to_json(stored->campaign)},
                                           {"created", stored->created},
                                           {"screens", strings_json(stored->screens)}});
}

net::Reply list_campaigns(HubContext& hub, net::Exchange& exchange) {
    if (auto refusal = hub.auth.require_role(exchange.request, Role::marketer)) return std::move(*refusal);
    const auto catalog = hub.catalog.get();
    json::array out;
    for (const auto& [id, campaign] : catalog->campaigns) {
        const auto screens = catalog->campaign_screens.find(id);
        out.push_back(
            json::object{{"id", id},
                         {"name", campaign.name},
                         {"priority", content::to_string(campaign.priority)},
                         {"start", content::format_instant(campaign.window.start)},
                         {"end", content::format_instant(campaign.window.end)},
                         {"interactive", campaign.join.has_value()},
                         {"screens", screens == catalog->campaign_screens.end() ? 0 : screens->second.size()},
                         {"joins", hub.totals.get(id, "").campaign}});
    }
    return net::json_reply(http::status::ok, json::object{{"campaigns", std::move(out)}});
}

net::Reply get_campaign(HubContext& hub, net::Exchange& exchange) {
    if (auto refusal = hub.auth.require_role(exchange.request, Role::marketer)) return std::move(*refusal);
    const auto catalog = hub.catalog.get();
    const content::Campaign* campaign = catalog->campaign(exchange.params[0]);
    if (!campaign)
        return net::error_reply(http::status::not_found, "not_found", "no campaign " + exchange.params[0]);
    const auto screens = catalog->campaign_screens.find(campaign->id);
    return net::json_reply(http::status::ok,
                           json::object{{"campaign", content::campaign_to_json(*campaign)},
                                        {"screens", strings_json(screens == catalog->campaign_screens.end()
                                                                     ? std::vector<std::string>{}
                                                                     : screens->second)},
                                        {"joins", hub.totals.get(campaign->id, "").campaign}});
}

awaitable<net::Reply> delete_campaign(HubContext& hub, net::Exchange& exchange) {
    if (auto refusal = hub.auth.require_role(exchange.request, Role::marketer)) co_return std::move(*refusal);
    const std::string id = exchange.params[0];
    auto deleted_work = [&id](Batch& batch) -> Result<std::size_t> {
        Catalog next = batch.catalog();
        const content::Campaign* campaign = next.campaign(id);
        if (!campaign) return fail(Errc::not_found, "no campaign {}", id);
        std::set<std::string> touched = as_set(next.targeted_screens(campaign->targets));
        next.campaigns.erase(next.campaigns.find(id));
        auto changed = reconcile_slots(batch, next);
        if (!changed) return fail(std::move(changed.error()));
        if (auto done = batch.store().delete_campaign(id); !done) return fail(std::move(done.error()));
        next.index();
        batch.edit_catalog() = std::move(next);
        touched.insert(changed->begin(), changed->end());
        if (auto done = announce_manifest(batch, touched); !done) return fail(std::move(done.error()));
        return touched.size();
    };
    auto deleted = co_await hub.writer.perform<std::size_t>(deleted_work, use_awaitable);
    if (!deleted) co_return refuse(deleted.error());
    co_return net::json_reply(http::status::ok, json::object{{"deleted", id}, {"screens", *deleted}});
}

net::Reply preview(HubContext& hub, net::Exchange& exchange) {
    if (auto refusal = hub.auth.require_role(exchange.request, Role::marketer)) return std::move(*refusal);
    const auto catalog = hub.catalog.get();
    const content::Campaign* campaign = catalog->campaign(exchange.params[0]);
    if (!campaign)
        return net::error_reply(http::status::not_found, "not_found", "no campaign " + exchange.params[0]);
    bool repeated = false;
    const auto screen_id = exchange.query_value("screen", &repeated);
    if (!screen_id || repeated)
        return net::error_reply(http::status::bad_request, "invalid_input",
                                "give one screen=ID to preview on");
    const content::Screen* screen = catalog->screen(*screen_id);
    if (!screen)
        return net::error_reply(http::status::not_found, "not_found",
                                fmt::format("no screen {}", *screen_id));
    config::WallTime at = hub.clock.now();
    if (const auto text = exchange.query_value("at", &repeated)) {
        auto parsed = content::parse_rfc3339(*text);
        if (!parsed || repeated)
            return net::error_reply(
                http::status::bad_request, "invalid_input",
                "at: " + (parsed ? std::string{"given more than once"} : parsed.error().message));
        at = *parsed;
    }
    std::size_t count = 10;
    if (const auto text = exchange.query_value("count")) {
        auto parsed = config::parse_integer<std::size_t>(*text);
        if (!parsed || *parsed < 1 || *parsed > 100)
            return net::error_reply(http::status::bad_request, "invalid_input",
                                    "count: expected 1 to 100 picks");
        count = *parsed;
    }
    auto context = content::ScreenContext::create(*screen);
    if (!context) return refuse(context.error());
    std::vector<content::Campaign> campaigns;
    for (const auto& [id, stored] : catalog->campaigns) campaigns.push_back(stored);
    content::MediaLengths lengths;
    for (const auto& [sha256, asset] : catalog->assets)
        if (asset.duration) lengths.emplace(sha256, *asset.duration);
    const content::ScheduleResolver resolver{{}, std::move(lengths)};
    json::array eligible;
    bool shown = false;
    for (const content::Campaign* candidate : resolver.eligible(campaigns, *context, at)) {
        eligible.emplace_back(candidate->id);
        shown = shown || candidate->id == campaign->id;
    }
    const content::Plan plan = resolver.plan(campaigns, *context, at, content::Rotation{}, count);
    json::array picks;
    for (const content::Pick& pick : plan.picks) {
        json::object item{{"start", content::format_rfc3339(pick.start)},
                          {"duration_ms", pick.duration.count()}};
        if (pick.is_fallback()) {
            item["campaign"] = nullptr;
        } else {
            const content::Item& played = pick.campaign->items[pick.item];
            item["campaign"] = pick.campaign->id;
            item["item"] = pick.item;
            item["asset"] = played.asset;
            item["sha256"] = played.sha256;
        }
        picks.push_back(std::move(item));
    }
    json::array codes;
    if (campaign->join) {
        for (const std::string& channel : campaign->join->channels) {
            const auto slots = catalog->slots.find(channel);
            if (slots == catalog->slots.end()) continue;
            const auto slot = slots->second.by_owner.find({campaign->id, screen->id});
            if (slot == slots->second.by_owner.end()) continue;
            auto space = content::JoinCodeSpace::create(slots->second.secret, campaign->join->code.digits,
                                                        campaign->join->code.period);
            if (!space) continue;
            auto code = space->code_for(slot->second, at);
            if (!code) continue;
            codes.push_back(json::object{
                {"channel", channel},
                {"code", *code},
                {"valid_until", content::format_rfc3339(space->step_start(space->step_at(at) + 1))}});
        }
    }
    return net::json_reply(http::status::ok, json::object{{"campaign", campaign->id},
                                                          {"screen", screen->id},
                                                          {"at", content::format_rfc3339(at)},
                                                          {"shown", shown},
                                                          {"eligible", std::move(eligible)},
                                                          {"picks", std::move(picks)},
                                                          {"join", std::move(codes)}});
}

// ---- assets --------------------------------------------------------------------------------

Result<std::string> check_asset_name(std::optional<std::string_view> name) {
    if (!name || name->empty())
        return fail(Errc::invalid_input, "give the file's name as ?name=FILE, e.g. ?name=spring.mp4");
    if (name->size() > max_asset_name)
        return fail(Errc::invalid_input, "the file name is longer than {} bytes", max_asset_name);
    const bool plain = std::ranges::none_of(*name, [](char c) {
        return c == '/' || c == '\\' || static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
    });
    if (!plain || *name == "." || *name == "..")
        return fail(Errc::invalid_input,
                    "\"{}\" is not a plain file name; names have no folders or control characters",
                    name->substr(0, 64));
    return std::string{*name};
}

// A file being uploaded into the asset folder, removed unless it is kept.
class UploadFile {
  public:
    static Result<UploadFile> create(const fs::path& folder) {
        std::error_code ec;
        fs::create_directories(folder, ec);
        if (ec) return fail(Errc::io, "cannot create {}: {}", folder.string(), ec.message());
        std::array<std::uint8_t, 8> random{};
        if (auto done = content::random_bytes(random); !done) return fail(std::move(done.error()));
        UploadFile file{folder / ("upload-" + content::to_hex(random) + ".partial")};
        file.m_fd = ::open(file.m_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
        if (file.m_fd < 0)
            return fail(Errc::io, "cannot create {}: {}", file.m_path.string(), std::strerror(errno));
        return file;
    }
    UploadFile(UploadFile&& other) noexcept
        : m_path(std::move(other.m_path)), m_fd(std::exchange(other.m_fd, -1)), m_keep(other.m_keep) {
        other.m_keep = true;
    }
    UploadFile& operator=(UploadFile&&) = delete;
    UploadFile(const UploadFile&) = delete;
    UploadFile& operator=(const UploadFile&) = delete;
    ~UploadFile() {
        if (m_fd >= 0) ::close(m_fd);
        if (!m_keep) {
            std::error_code ignored;
            fs::remove(m_path, ignored);
        }
    }

    Result<void> write(std::span<const char> bytes) {
        while (!bytes.empty()) {
            const auto written = ::write(m_fd, bytes.data(), bytes.size());
            if (written < 0 && errno == EINTR) continue;
            if (written < 0)
                return fail(Errc::io, "cannot write {}: {}", m_path.string(), std::strerror(errno));
            bytes = bytes.subspan(static_cast<std::size_t>(written));
        }
        return {};
    }

    // Makes the bytes durable and moves the file to `target`.
    Result<void> install(const fs::path& target) {
        if (::fsync(m_fd) != 0)
            return fail(Errc::io, "cannot sync {}: {}", m_path.string(), std::strerror(errno));
        ::close(m_fd);
        m_fd = -1;
        std::error_code ec;
        fs::rename(m_path, target, ec);
        if (ec)
            return fail(Errc::io, "cannot move {} to {}: {}", m_path.string(), target.string(), ec.message());
        m_keep = true;
        const int folder = ::open(target.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (folder >= 0) {
            ::fsync(folder);
            ::close(folder);
        }
        return {};
    }

    [[nodiscard]] const fs::path& path() const { return m_path; }

  private:
    explicit UploadFile(fs::path path) : m_path(std::move(path)) {}
    fs::path m_path;
    int m_fd = -1;
    bool m_keep = false;
};

awaitable<net::Reply> upload_asset(HubContext& hub, net::Exchange& exchange, net::BodyReader& body) {
    if (auto refusal = hub.auth.require_role(exchange.request, Role::marketer)) co_return std::move(*refusal);
    bool repeated = false;
    auto name = check_asset_name(exchange.query_value("name", &repeated));
    if (!name || repeated)
        co_return refuse(name ? Error{Errc::invalid_input, "give ?name= once"} : name.error());
    auto file = UploadFile::create(hub.config.asset_dir / "tmp");
    if (!file) co_return refuse(file.error());
    auto hasher = content::Sha256Hasher::create();
    if (!hasher) co_return refuse(hasher.error());

    std::vector<char> piece(upload_piece);
    std::uint64_t size = 0;
    for (;;) {
        auto read = co_await body.read(piece);
        if (!read) {
            if (read.error().code == Errc::quota)
                co_return net::error_reply(
                    http::status::payload_too_large, "payload_too_large",
                    fmt::format("an asset may have at most {} bytes (limits.upload in hub.yaml)",
                                hub.config.limits.upload));
            co_return net::error_reply(http::status::bad_request, "invalid_input", read.error().message);
        }
        if (*read == 0) break;
        const std::span<const char> bytes{piece.data(), *read};
        if (auto done = file->write(bytes); !done) co_return refuse(done.error());
        if (auto done = hasher->update(std::string_view{bytes.data(), bytes.size()}); !done)
            co_return refuse(done.error());
        size += *read;
    }
    if (size == 0)
        co_return net::error_reply(http::status::bad_request, "invalid_input",
                                   "the upload is empty; send the file's bytes");
    auto digest = hasher->finish();
    if (!digest) co_return refuse(digest.error());
    const std::string sha256 = content::to_hex(*digest);

    const auto catalog = hub.catalog.get();
    std::optional<AssetRow> row;
    bool created = false;
    if (const auto known = catalog->assets.find(sha256); known != catalog->assets.end()) {
        row = known->second;  // the same bytes again; the temporary file goes
        row->name = *name;
    } else {
        auto info = content::probe_media(file->path());
        if (!info) {
            // The probe names the temporary file; the person knows the file by its own name.
            std::string why = info.error().message;
            const std::string temporary = file->path().string();
            for (auto at = why.find(temporary); at != std::string::npos; at = why.find(temporary))
                why.replace(at, temporary.size(), *name);
            co_return net::error_reply(
                http::status::unsupported_media_type, "unsupported_media_type",
                fmt::format("\"{}\" is not a video or image a screen can play: {}", *name, why));
        }
        if (auto done = file->install(hub.config.asset_dir / sha256); !done) co_return refuse(done.error());
        row = AssetRow{sha256,      *name,        size,           info->kind,     info->codec,
                       info->width, info->height, info->duration, hub.clock.now()};
        created = true;
    }
    auto stored_work = [row = *row](Batch& batch) -> Result<AssetRow> {
        if (auto done = batch.store().put_asset(row, batch.now()); !done)
            return fail(std::move(done.error()));
        Catalog& next = batch.edit_catalog();
        AssetRow kept = row;
        if (const auto known = next.assets.find(row.sha256); known != next.assets.end())
            kept.created_at = known->second.created_at;
        next.assets[row.sha256] = kept;
        next.asset_names[row.name] = row.sha256;
        return kept;
    };
    auto stored = co_await hub.writer.perform<AssetRow>(stored_work, use_awaitable);
    if (!stored) co_return refuse(stored.error());
    co_return net::json_reply(created ? http::status::created : http::status::ok, asset_json(*stored));
}

net::Reply list_assets(HubContext& hub, net::Exchange& exchange) {
    if (auto refusal = hub.auth.require_role(exchange.request, Role::marketer)) return std::move(*refusal);
    json::array out;
    for (const auto& [sha256, asset] : hub.catalog.get()->assets) out.push_back(asset_json(asset));
    return net::json_reply(http::status::ok, json::object{{"assets", std::move(out)}});
}

// ---- screens -------------------------------------------------------------------------------

json::value screen_entry(HubContext& hub, const content::Screen& screen, const ScreenStatus* status) {
    json::object out{{"screen", content::screen_to_json(screen)},
                     {"online", hub.feed.online(screen.id)},
                     {"last_seq", hub.feed.last_seq(screen.id)}};
    out["last_seen"] =
        status && status->last_seen ? json::value(content::format_rfc3339(*status->last_seen)) : nullptr;
    out["health"] = nullptr;
    if (status && status->health) {
        boost::system::error_code error;
        auto health = json::parse(*status->health, error);
        if (!error) out["health"] = std::move(health);
    }
    return out;
}

struct EnrollmentCode {
    std::string code;
    config::WallTime expires{};
};

Result<EnrollmentCode> issue_code(Batch& batch, const std::string& screen, const std::string& code,
                                  config::Duration lifetime) {
    if (auto done = batch.store().delete_enrollment_codes(screen); !done)
        return fail(std::move(done.error()));
    const auto expires = batch.now() + lifetime;
    if (auto done = batch.store().insert_enrollment_code(credential_hash(normalize_enrollment_code(code)),
                                                         screen, expires);
        !done)
        return fail(std::move(done.error()));
    return EnrollmentCode{code, expires};
}

awaitable<net::Reply> put_screen(HubContext& hub, net::Exchange& exchange) {
    if (auto refusal = hub.auth.require_role(exchange.request, Role::operator_))
        co_return std::move(*refusal);
    const std::string& id = exchange.params[0];
    const std::string media = net::media_type(exchange.request[http::field::content_type]);
    Result<content::Screen> decoded =
        fail(Errc::unsupported, "a screen is application/json or application/yaml");
    if (media == net::json_type)
        decoded = content::screen_from_json_text(exchange.request.body(), "screen");
    else if (is_yaml(media))
        decoded = content::screen_from_yaml(exchange.request.body(), "screen");
    if (!decoded) co_return refuse(decoded.error());
    if (decoded->id != id)
        co_return net::error_reply(
            http::status::bad_request, "invalid_input",
            fmt::format("the screen's id is \"{}\" but the URL says \"{}\"", decoded->id, id));
    auto code = new_enrollment_code();
    if (!code) co_return refuse(code.error());
    struct Stored {
        content::Screen screen;
        std::optional<EnrollmentCode> enrollment;
    };
    auto stored_work = [screen = std::move(*decoded), &code,
                        lifetime = hub.options.enrollment_code_lifetime](Batch& batch) -> Result<Stored> {
        Catalog next = batch.catalog();
        const bool created = next.screen(screen.id) == nullptr;
        next.screens[screen.id] = screen;
        auto changed = reconcile_slots(batch, next);
        if (!changed) return fail(std::move(changed.error()));
        if (auto done = batch.store().put_screen(screen, batch.now()); !done)
            return fail(std::move(done.error()));
        next.index();
        batch.edit_catalog() = std::move(next);
        Stored out{screen, std::nullopt};
        if (created) {
            auto issued = issue_code(batch, screen.id, *code, lifetime);
            if (!issued) return fail(std::move(issued.error()));
            out.enrollment = std::move(*issued);
        } else {
            changed->insert(screen.id);  // its own fields changed, so its manifest did
        }
        if (auto done = announce_manifest(batch, *changed); !done) return fail(std::move(done.error()));
        return out;
    };
    auto stored = co_await hub.writer.perform<Stored>(stored_work, use_awaitable);
    if (!stored) co_return refuse(stored.error());
    json::object out{{"screen", content::screen_to_json(stored->screen)}};
    if (stored->enrollment) {
        out["enrollment_code"] = stored->enrollment->code;
        out["enrollment_expires"] = content::format_rfc3339(stored->enrollment->expires);
    }
    co_return net::json_reply(stored->enrollment ? http::status::created : http::status::ok, out);
}

awaitable<net::Reply> new_enrollment(HubContext& hub, net::Exchange& exchange) {
    if (auto refusal = hub.auth.require_role(exchange.request, Role::operator_))
        co_return std::move(*refusal);
    const std::string id = exchange.params[0];
    auto code = new_enrollment_code();
    if (!code) co_return refuse(code.error());
    auto issued_work = [&id, &code, lifetime = hub.options.enrollment_code_lifetime](
                           Batch& batch) -> Result<EnrollmentCode> {
        if (!batch.catalog().screen(id)) return fail(Errc::not_found, "no screen {}", id);
        return issue_code(batch, id, *code, lifetime);
    };
    auto issued = co_await hub.writer.perform<EnrollmentCode>(issued_work, use_awaitable);
    if (!issued) co_return refuse(issued.error());
    co_return net::json_reply(http::status::created,
                              json::object{{"screen", id},
                                           {"enrollment_code", issued->code},
                                           {"enrollment_expires", content::format_rfc3339(issued->expires)}});
}

net::Reply list_screens(HubContext& hub, net::Exchange& exchange, std::optional<std::string_view> only) {
    if (auto refusal = hub.auth.require_role(exchange.request, Role::operator_)) return std::move(*refusal);
    const auto catalog = hub.catalog.get();
    if (only && !catalog->screen(*only))
        return net::error_reply(http::status::not_found, "not_found", fmt::format("no screen {}", *only));
    auto store = hub.readers.lease();
    if (!store) return refuse(store.error());
    auto statuses = (*store)->screen_statuses();
    if (!statuses) return refuse(statuses.error());
    const auto status_of = [&](const std::string& id) -> const ScreenStatus* {
        const auto found = statuses->find(id);
        return found == statuses->end() ? nullptr : &found->second;
    };
    if (only) {
        const content::Screen& screen = *catalog->screen(*only);
        return net::json_reply(http::status::ok, screen_entry(hub, screen, status_of(screen.id)));
    }
    json::array out;
    for (const auto& [id, screen] : catalog->screens) out.push_back(screen_entry(hub, screen, status_of(id)));
    return net::json_reply(http::status::ok, json::object{{"screens", std::move(out)}});
}

// ---- takeovers -----------------------------------------------------------------------------

Result<content::Targets> read_targets(const json::value* value) {
    if (!value || !value->is_object())
        return fail(Errc::invalid_input,
                    "targets: expected an object such as {{\"all\": true}} or {{\"lines\": [\"2\"]}}");
    content::Targets targets;
    const json::object& object = value->as_object();
    for (const auto& [key, field] : object) {
        if (key == "all") {
            if (!field.is_bool()) return fail(Errc::invalid_input, "targets.all: expected true or false");
            targets.all = field.as_bool();
            continue;
        }
        std::vector<std::string>* list = key == "lines"      ? &targets.lines
                                         : key == "stations" ? &targets.stations
                                         : key == "screens"  ? &targets.screens
                                         : key == "tags"     ? &targets.tags
                                                             : nullptr;
        if (!list)
            return fail(Errc::invalid_input,
                        "targets.{}: unknown; expected all, lines, stations, screens or tags",
                        std::string_view{key}.substr(0, 32));
        if (!field.is_array())
            return fail(Errc::invalid_input, "targets.{}: expected a list of ids", std::string_view{key});
        for (const auto& item : field.as_array()) {
            if (!item.is_string() || item.as_string().empty())
                return fail(Errc::invalid_input, "targets.{}: expected a list of ids", std::string_view{key});
            list->emplace_back(item.as_string());
        }
    }
    if (!targets.all && targets.lines.empty() && targets.stations.empty() && targets.screens.empty() &&
        targets.tags.empty())
        return fail(Errc::invalid_input,
                    "targets: name at least one line, station, screen or tag, or all: true");
    return targets;
}

awaitable<net::Reply> start_takeover(HubContext& hub, net::Exchange& exchange) {
    if (auto refusal = hub.auth.require_role(exchange.request, Role::operator_))
        co_return std::move(*refusal);
    auto body = json_body(exchange.request);
    if (!body) co_return refuse(body.error());
    const json::object* object = body->if_object();
    if (!object)
        co_return net::error_reply(http::status::bad_request, "invalid_input", "expected a JSON object");
    Takeover takeover;
    const json::value* text = object->if_contains("text");
    if (!text || !text->is_string() || text->as_string().empty() ||
        text->as_string().size() > max_takeover_text)
        co_return net::error_reply(
            http::status::bad_request, "invalid_input",
            fmt::format("text: expected the message to show, 1 to {} bytes", max_takeover_text));
    takeover.text = text->as_string();
    auto targets = read_targets(object->if_contains("targets"));
    if (!targets) co_return refuse(targets.error());
    takeover.targets = std::move(*targets);
    const auto now = hub.clock.now();
    if (const json::value* until = object->if_contains("until"); until && !until->is_null()) {
        auto parsed = until->is_string()
                          ? content::parse_rfc3339(until->as_string())
                          : Result<config::WallTime>{fail(Errc::invalid_input, "expected RFC 3339 text")};
        if (!parsed)
            co_return net::error_reply(http::status::bad_request, "invalid_input",
                                       "until: " + parsed.error().message);
        if (*parsed <= now)
            co_return net::error_reply(http::status::bad_request, "invalid_input",
                                       "until: the time has already passed");
        takeover.until = *parsed;
    }
    takeover.id = "takeover-" + content::uuid_v7(now).to_string();
    takeover.created_at = now;
    auto started_work = [&takeover](Batch& batch) -> Result<std::vector<std::string>> {
        auto screens = batch.catalog().targeted_screens(takeover.targets);
        if (screens.empty())
            return fail(Errc::invalid_input,
                        "targets: no screen matches; check the line, station, screen and tag names");
        if (auto done = batch.store().insert_takeover(takeover); !done) return fail(std::move(done.error()));
        batch.edit_catalog().takeovers[takeover.id] = takeover;
        for (const std::string& screen : screens)
            if (auto seq =
                    batch.emit(screen, content::TakeoverEvent{takeover.id, takeover.text, takeover.until});
                !seq)
                return fail(std::move(seq.error()));
        return screens;
    };
    auto started = co_await hub.writer.perform<std::vector<std::string>>(started_work, use_awaitable);
    if (!started) co_return refuse(started.error());
    json::object out = takeover_json(takeover).as_object();
    out["screens"] = strings_json(*started);
    co_return net::json_reply(http::status::created, out);
}

awaitable<net::Reply> end_takeover(HubContext& hub, net::Exchange& exchange) {
    if (auto refusal = hub.auth.require_role(exchange.request, Role::operator_))
        co_return std::move(*refusal);
    const std::string id = exchange.params[0];
    auto ended_work = [&id](Batch& batch) -> Result<std::vector<std::string>> {
        const auto found = batch.catalog().takeovers.find(id);
        if (found == batch.catalog().takeovers.end())
            return fail(Errc::not_found, "no active takeover {}", id);
        auto screens = batch.catalog().targeted_screens(found->second.targets);
        if (auto done = batch.store().end_takeover(id, batch.now()); !done)
            return fail(std::move(done.error()));
        batch.edit_catalog().takeovers.erase(id);
        for (const std::string& screen : screens)
            if (auto seq = batch.emit(screen, content::TakeoverEndEvent{id}); !seq)
                return fail(std::move(seq.error()));
        return screens;
    };
    auto ended = co_await hub.writer.perform<std::vector<std::string>>(ended_work, use_awaitable);
    if (!ended) co_return refuse(ended.error());
    co_return net::json_reply(http::status::ok,
                              json::object{{"ended", id}, {"screens", strings_json(*ended)}});
}

net::Reply list_takeovers(HubContext& hub, net::Exchange& exchange) {
    if (auto refusal = hub.auth.require_role(exchange.request, Role::operator_)) return std::move(*refusal);
    json::array out;
    const auto now = hub.clock.now();
    for (const auto& [id, takeover] : hub.catalog.get()->takeovers)
        if (!takeover.until || *takeover.until > now) out.push_back(takeover_json(takeover));
    return net::json_reply(http::status::ok, json::object{{"takeovers", std::move(out)}});
}

// ---- join slots ----------------------------------------------------------------------------

net::Reply join_slots(HubContext& hub, net::Exchange& exchange) {
    if (auto refusal = hub.auth.require_role(exchange.request, Role::operator_)) return std::move(*refusal);
    bool repeated = false;
    const auto channel_id = exchange.query_value("channel", &repeated);
    if (!channel_id || repeated)
        return net::error_reply(http::status::bad_request, "invalid_input", "give one channel=ID");
    const config::ChannelConfig* channel = hub.config.channel(*channel_id);
    const auto catalog = hub.catalog.get();
    const auto slots = catalog->slots.find(*channel_id);
    if (!channel || slots == catalog->slots.end())
        return net::error_reply(http::status::not_found, "not_found",
                                fmt::format("no channel {}", *channel_id));
    json::array out;
    for (const auto& [slot, owner] : slots->second.by_slot) {
        const content::Campaign* campaign = catalog->campaign(owner.campaign);
        if (!campaign || !campaign->join) continue;
        out.push_back(json::object{
            {"campaign", owner.campaign},
            {"screen", owner.screen},
            {"slot", slot},
            {"digits", campaign->join->code.digits},
            {"period_s",
             std::chrono::duration_cast<std::chrono::seconds>(campaign->join->code.period).count()}});
    }
    return net::json_reply(http::status::ok, json::object{{"channel", channel->id},
                                                          {"kind", config::to_string(channel->kind)},
                                                          {"account", channel->account},
                                                          {"secret", content::to_hex(slots->second.secret)},
                                                          {"slots", std::move(out)}});
}

}  // namespace

void add_catalog_routes(net::Router& router, HubContext& hub) {
    const auto buffered = [&hub](auto handler) {
        return net::BufferedHandler{[&hub, handler](net::Exchange& exchange) -> awaitable<net::Reply> {
            if constexpr (std::is_same_v<decltype(handler(hub, exchange)), net::Reply>)
                return net::ready(handler(hub, exchange));
            else
                return handler(hub, exchange);
        }};
    };
    router.add(http::verb::put, "/v1/campaigns/{id}",
               net::Route{"campaigns.put", buffered(put_campaign), {}});
    router.add(http::verb::get, "/v1/campaigns", net::Route{"campaigns.list", buffered(list_campaigns), {}});
    router.add(http::verb::get, "/v1/campaigns/{id}",
               net::Route{"campaigns.get", buffered(get_campaign), {}});
    router.add(http::verb::delete_, "/v1/campaigns/{id}",
               net::Route{"campaigns.delete", buffered(delete_campaign), {}});
    router.add(http::verb::get, "/v1/campaigns/{id}/preview",
               net::Route{"campaigns.preview", buffered(preview), {}});

    router.add(http::verb::post, "/v1/assets",
               net::Route{"assets.upload",
                          net::StreamedHandler{[&hub](net::Exchange& exchange, net::BodyReader& body) {
                              return upload_asset(hub, exchange, body);
                          }},
                          hub.config.limits.upload});
    router.add(http::verb::get, "/v1/assets", net::Route{"assets.list", buffered(list_assets), {}});

    router.add(http::verb::put, "/v1/screens/{id}", net::Route{"screens.put", buffered(put_screen), {}});
    router.add(http::verb::get, "/v1/screens",
               net::Route{"screens.list",
                          buffered([](HubContext& h, net::Exchange& exchange) {
                              return list_screens(h, exchange, std::nullopt);
                          }),
                          {}});
    router.add(http::verb::get, "/v1/screens/{id}",
               net::Route{"screens.get",
                          buffered([](HubContext& h, net::Exchange& exchange) {
                              return list_screens(h, exchange, exchange.params[0]);
                          }),
                          {}});
    router.add(http::verb::post, "/v1/screens/{id}/enrollment",
               net::Route{"screens.enrollment", buffered(new_enrollment), {}});

    router.add(http::verb::post, "/v1/takeovers",
               net::Route{"takeovers.start", buffered(start_takeover), {}});
    router.add(http::verb::delete_, "/v1/takeovers/{id}",
               net::Route{"takeovers.end", buffered(end_takeover), {}});
    router.add(http::verb::get, "/v1/takeovers", net::Route{"takeovers.list", buffered(list_takeovers), {}});

    router.add(http::verb::get, "/v1/join-slots", net::Route{"join_slots", buffered(join_slots), {}});
}

}  // namespace dwell::sync::hub
