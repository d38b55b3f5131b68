#include "sync/hub/hub.hpp"

#include <sys/stat.h>

#include <boost/asio/steady_timer.hpp>

#include "config/log.hpp"
#include "content/crypto.hpp"

namespace dwell::sync::hub {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view pepper_key = "person_pepper";
constexpr std::chrono::seconds sweep_every{60};

std::shared_ptr<spdlog::logger> log() {
    static const auto logger = config::logger("hub");
    return logger;
}

Result<void> make_folder(const fs::path& folder) {
    std::error_code ec;
    fs::create_directories(folder, ec);
    if (ec) return fail(Errc::io, "cannot create {}: {}", folder.string(), ec.message());
    return {};
}

// The person-id pepper and every channel's join secret: made once, kept in the database.
Result<std::string> ensure_secrets(HubStore& store, const config::HubConfig& config) {
    auto pepper = store.setting(pepper_key);
    if (!pepper) return fail(std::move(pepper.error()));
    auto secrets = store.join_secrets();
    if (!secrets) return fail(std::move(secrets.error()));
    if (auto begun = store.begin(); !begun) return fail(std::move(begun.error()));
    if (!*pepper) {
        std::array<std::uint8_t, 32> bytes{};
        if (auto done = content::random_bytes(bytes); !done) return fail(std::move(done.error()));
        *pepper = content::to_hex(bytes);
        if (auto done = store.set_setting(pepper_key, **pepper); !done) return fail(std::move(done.error()));
    }
    for (const config::ChannelConfig& channel : config.channels) {
        if (secrets->contains(channel.id)) continue;
        content::JoinSecret secret{};
        if (auto done = content::random_bytes(secret); !done) return fail(std::move(done.error()));
        if (auto done = store.put_join_secret(channel.id, secret); !done)
            return fail(std::move(done.error()));
    }
    if (auto done = store.commit(); !done) return fail(std::move(done.error()));
    return std::move(**pepper);
}

Result<std::shared_ptr<Catalog>> load_catalog(HubStore& store, const config::HubConfig& config,
                                              config::WallTime now) {
    auto catalog = std::make_shared<Catalog>();
    auto screens = store.screens();
    if (!screens) return fail(std::move(screens.error()));
    for (auto& screen : *screens) catalog->screens.emplace(screen.id, std::move(screen));
    auto campaigns = store.campaigns();
    if (!campaigns) return fail(std::move(campaigns.error()));
    for (auto& campaign : *campaigns) catalog->campaigns.emplace(campaign.id, std::move(campaign));
    auto assets = store.assets();
    if (!assets) return fail(std::move(assets.error()));
    for (auto& asset : *assets) catalog->assets.emplace(asset.sha256, std::move(asset));
    auto names = store.asset_names();
    if (!names) return fail(std::move(names.error()));
    for (auto& [name, sha256] : *names) catalog->asset_names.emplace(name, std::move(sha256));
    auto secrets = store.join_secrets();
    if (!secrets) return fail(std::move(secrets.error()));
    for (const auto& channel : config.channels)
        if (const auto found = secrets->find(channel.id); found != secrets->end())
            catalog->slots[channel.id].secret = found->second;
    auto slots = store.slots();
    if (!slots) return fail(std::move(slots.error()));
    for (const SlotRow& slot : *slots) {
        const auto channel = catalog->slots.find(slot.channel);
        if (channel == catalog->slots.end()) continue;  // a channel no longer in hub.yaml
        channel->second.by_slot.emplace(slot.slot, SlotOwner{slot.campaign, slot.screen});
        channel->second.by_owner.emplace(std::pair{slot.campaign, slot.screen}, slot.slot);
    }
    auto takeovers = store.takeovers();
    if (!takeovers) return fail(std::move(takeovers.error()));
    for (auto& takeover : *takeovers)
        if (!takeover.until || *takeover.until > now)
            catalog->takeovers.emplace(takeover.id, std::move(takeover));
    catalog->index();
    return catalog;
}

}  // namespace

std::string_view hub_version() {
    return "0.1.0";
}

Result<std::unique_ptr<Hub>> Hub::create(config::HubConfig config, const config::Clock& clock, ApiOptions api,
                                         WriterOptions writer_options) {
    std::unique_ptr<Hub> hub{new Hub()};
    hub->m_config = std::move(config);
    const config::HubConfig& cfg = hub->m_config;

    net::ServerOptions server;
    server.listen = cfg.listen;
    server.threads = cfg.threads;
    server.tls = cfg.tls;
    server.body_limit = cfg.limits.body;
    server.request_timeout = cfg.limits.request_timeout;
    server.server_name = fmt::format("dwell-hub/{}", hub_version());
    hub->m_router = std::make_shared<net::Router>();
    hub->m_metrics = std::make_unique<Metrics>();
    auto bound = net::Server::create(server, hub->m_router, hub->m_metrics.get());
    if (!bound) return fail(std::move(bound.error()));
    hub->m_server = std::move(*bound);
    const config::Endpoint endpoint = hub->m_server->local_endpoint();
    log()->info("dwell-hub {} listening on {}://{}", hub_version(),
                hub->m_server->uses_tls() ? "https" : "http", config::to_string(endpoint));

    for (const fs::path& folder :
         {cfg.data_dir, cfg.asset_dir, cfg.asset_dir / "tmp", cfg.database.parent_path()})
        if (auto made = make_folder(folder); !made) return fail(std::move(made.error()));
    auto database = open_sqlite_database(StoreOptions{cfg.database});
    if (!database) return fail(std::move(database.error()));
    hub->m_database = std::move(*database);
    hub->m_readers = std::make_unique<StorePool>(*hub->m_database);

    auto store = hub->m_database->connect_writer();
    if (!store) return fail(std::move(store.error()));
    auto pepper = ensure_secrets(**store, cfg);
    if (!pepper) return fail(std::move(pepper.error()));
    auto catalog = load_catalog(**store, cfg, clock.now());
    if (!catalog) return fail(std::move(catalog.error()));
    auto seqs = (*store)->last_seqs();
    if (!seqs) return fail(std::move(seqs.error()));
    log()->info("loaded {} screens, {} campaigns, {} assets from {}", (*catalog)->screens.size(),
                (*catalog)->campaigns.size(), (*catalog)->assets.size(), cfg.database.string());

    hub->m_catalog = std::make_unique<CatalogHolder>(std::move(*catalog));
    hub->m_totals = std::make_unique<JoinTotals>();
    hub->m_feed =
        std::make_unique<Feed>(*hub->m_readers, *hub->m_catalog, *hub->m_totals, clock, hub->m_metrics.get());
    hub->m_feed->set_seqs(*seqs);
    auto writer = Writer::create(std::move(*store), *hub->m_catalog, *hub->m_feed, *hub->m_totals, clock,
                                 hub->m_metrics.get(), writer_options);
    if (!writer) return fail(std::move(writer.error()));
    hub->m_writer = std::move(*writer);
    auto webhooks =
        WebhookService::create(cfg, *pepper, *hub->m_writer, *hub->m_catalog, clock, hub->m_metrics.get());
    if (!webhooks) return fail(std::move(webhooks.error()));
    hub->m_webhooks = std::move(*webhooks);
    hub->m_auth = std::make_unique<Auth>(*hub->m_readers);
    hub->m_context.reset(new HubContext{cfg, clock, *hub->m_readers, *hub->m_writer, *hub->m_catalog,
                                        *hub->m_totals, *hub->m_feed, *hub->m_webhooks, *hub->m_auth,
                                        *hub->m_metrics, api});
    add_routes(*hub->m_router, *hub->m_context);
    hub->m_sweeper = std::make_unique<boost::asio::steady_timer>(hub->m_server->context());
    hub->m_counter_clock = std::make_unique<boost::asio::steady_timer>(hub->m_server->context());
    return hub;
}

Hub::~Hub() {
    stop();
}

void Hub::start() {
    m_writer->start();
    m_server->start();
    start_sweeping();
    start_counting();
}

void Hub::start_counting() {
    m_counter_clock->expires_after(m_feed->options().counter_interval);
    m_counter_clock->async_wait([this](const boost::system::error_code& error) {
        if (error) return;
        m_feed->send_counters();
        start_counting();
    });
}

// People blocked for wrong codes are forgotten once their block and window have passed.
void Hub::start_sweeping() {
    m_sweeper->expires_after(sweep_every);
    m_sweeper->async_wait([this](const boost::system::error_code& error) {
        if (error) return;
        m_webhooks->limiter().sweep(m_context->clock.now());
        start_sweeping();
    });
}

void Hub::stop() {
    if (m_stopped || !m_server) return;
    m_stopped = true;
    log()->info("stopping: finishing requests in progress");
    m_server->stop();
    m_writer->stop();
    log()->info("stopped; everything acknowledged is committed");
}

}  // namespace dwell::sync::hub
