// campaign apply|list|show|delete: a marketer's YAML file to a running campaign and back.
#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>
#include <set>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "content/asset_cache.hpp"
#include "content/campaign_codec.hpp"
#include "sync/ctl/arguments.hpp"
#include "sync/ctl/commands.hpp"
#include "sync/ctl/json_fields.hpp"
#include "sync/ctl/table.hpp"
#include "sync/ctl/upload.hpp"

namespace dwell::sync::ctl {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

std::string screens_phrase(std::size_t count) {
    return fmt::format("{} screen{}", count, count == 1 ? "" : "s");
}

// What the hub already holds, from one GET /v1/assets.
struct HubAssets {
    std::set<std::string, std::less<>> hashes;
    std::set<std::string, std::less<>> names;
};

Outcome<HubAssets> list_hub_assets(HubClient& hub) {
    auto listed = hub.call(http::verb::get, "/v1/assets", "listing the hub's assets");
    if (!listed) return std::unexpected(std::move(listed.error()));
    const json::array* assets = array_of(*listed, "assets");
    if (!assets) return refused_error("listing the hub's assets: the answer has no \"assets\" list");
    HubAssets out;
    for (const auto& asset : *assets) {
        out.hashes.insert(text_of(asset, "sha256"));
        out.names.insert(text_of(asset, "name"));
    }
    return out;
}

// One file an item names.
struct LocalAsset {
    fs::path path;
    bool exists = false;
    std::string sha256;  // when it exists
};

Outcome<> apply_campaign(const GlobalOptions& global, const fs::path& file) {
    // The file is read and checked before the hub is asked anything.
    auto campaign = content::campaign_from_yaml_file(file);
    if (!campaign) {
        const Exit exit = Exit::usage;
        if (campaign.error().code == Errc::not_found || campaign.error().code == Errc::io)
            return std::unexpected(
                Failure{exit, fmt::format("{}; check the file's path", campaign.error().message)});
        return std::unexpected(
            Failure{exit, fmt::format("{}\nfix the file and apply it again", campaign.error().message)});
    }
    const fs::path folder = file.parent_path();
    std::map<std::string, LocalAsset> local;  // by the name items use
    for (const content::Item& item : campaign->items) {
        if (local.contains(item.asset)) continue;
        LocalAsset asset;
        asset.path = folder / item.asset;
        std::error_code error;
        asset.exists = fs::is_regular_file(asset.path, error);
        if (asset.exists) {
            auto sha256 = content::sha256_of_file(asset.path);
            if (!sha256) return usage_error("{}; check the file", sha256.error().message);
            asset.sha256 = std::move(*sha256);
        }
        local.emplace(item.asset, std::move(asset));
    }

    auto hub = HubClient::open(global);
    if (!hub) return std::unexpected(std::move(hub.error()));
    auto known = list_hub_assets(*hub);
    if (!known) return std::unexpected(std::move(known.error()));

    // A file missing here is fine when the hub has an asset of that name (or the item's hash).
    std::vector<std::string> missing;
    for (const auto& [name, asset] : local) {
        if (asset.exists || known->names.contains(name)) continue;
        const bool by_hash = std::ranges::any_of(campaign->items, [&](const content::Item& item) {
            return item.asset == name && !item.sha256.empty() && known->hashes.contains(item.sha256);
        });
        if (!by_hash) missing.push_back(asset.path.string());
    }
    if (!missing.empty()) {
        std::string list;
        for (const auto& path : missing) list += (list.empty() ? "" : ", ") + path;
        return usage_error("{} {} not found, and the hub has no asset of that name; put the file{} beside {}",
                           list, missing.size() == 1 ? "is" : "are", missing.size() == 1 ? "" : "s",
                           file.string());
    }

    for (const auto& [name, asset] : local) {
        if (!asset.exists) {
            print(fmt::format("using   {} (not here; the hub has an asset of that name)\n", name));
            continue;
        }
        if (known->hashes.contains(asset.sha256)) {
            print(fmt::format("skipped {} (the hub has it: sha256 {})\n", name, asset.sha256));
            continue;
        }
        auto uploaded = upload_asset(*hub, asset.path, name);
        if (!uploaded) return std::unexpected(std::move(uploaded.error()));
        if (uploaded->sha256 != asset.sha256)
            return refused_error(
                "uploading {}: the hub computed sha256 {} but the file has {}; was the file "
                "changed while uploading? apply again",
                asset.path.string(), uploaded->sha256, asset.sha256);
        known->hashes.insert(uploaded->sha256);
        print(fmt::format("uploaded {} ({}, {}, sha256 {})\n", name, human_size(uploaded->size),
                          describe_media(*uploaded), uploaded->sha256));
    }
    for (content::Item& item : campaign->items) {
        const LocalAsset& asset = local.at(item.asset);
        if (asset.exists) item.sha256 = asset.sha256;
    }

    const json::value body = content::campaign_to_json(*campaign);
    auto stored = hub->call(http::verb::put, "/v1/campaigns/" + url_encode(campaign->id),
                            fmt::format("applying campaign {}", campaign->id), &body);
    if (!stored) return std::unexpected(std::move(stored.error()));
    const json::value* created = field_of(*stored, "created");
    const json::array* screens = array_of(*stored, "screens");
    const std::size_t count = screens ? screens->size() : 0;
    print(fmt::format("campaign {} {}; shown on {}\n", campaign->id,
                      created && created->is_bool() && created->as_bool() ? "created" : "updated",
                      screens_phrase(count)));
    return {};
}

Outcome<> list_campaigns(const GlobalOptions& global, bool raw) {
    auto hub = HubClient::open(global);
    if (!hub) return std::unexpected(std::move(hub.error()));
    auto listed = hub->call(http::verb::get, "/v1/campaigns", "listing campaigns");
    if (!listed) return std::unexpected(std::move(listed.error()));
    if (raw) {
        print(json::serialize(*listed) + "\n");
        return {};
    }
    const json::array* campaigns = array_of(*listed, "campaigns");
    if (!campaigns) return refused_error("listing campaigns: the answer has no \"campaigns\" list");
    if (campaigns->empty()) {
        print("no campaigns; add one with dwellctl campaign apply FILE.yaml\n");
        return {};
    }
    Table table{{"ID", "NAME", "PRIORITY", "WINDOW", "SCREENS", "JOINS"}};
    table.set_align(4, Table::Align::right);
    table.set_align(5, Table::Align::right);
    for (const auto& campaign : *campaigns)
        table.add_row({text_of(campaign, "id"), text_of(campaign, "name"), text_of(campaign, "priority"),
                       text_of(campaign, "start") + " to " + text_of(campaign, "end"),
                       number_text(campaign, "screens"), number_text(campaign, "joins")});
    print(table.render());
    return {};
}

Outcome<> show_campaign(const GlobalOptions& global, const std::string& id) {
    auto hub = HubClient::open(global);
    if (!hub) return std::unexpected(std::move(hub.error()));
    auto shown = hub->call(http::verb::get, "/v1/campaigns/" + url_encode(id), "showing campaign " + id);
    if (!shown) return std::unexpected(std::move(shown.error()));
    const auto* object = shown->if_object();
    const auto* stored = object ? object->if_contains("campaign") : nullptr;
    if (!stored) return refused_error("showing campaign {}: the answer has no \"campaign\"", id);
    auto campaign = content::campaign_from_json(*stored, "the hub's campaign " + id);
    if (!campaign) return refused_error("showing campaign {}: {}", id, campaign.error().message);
    std::string yaml = content::campaign_to_yaml(*campaign);
    if (!yaml.empty() && yaml.back() != '\n') yaml += '\n';
    std::string screens;
    std::size_t count = 0;
    if (const auto* list = object->if_contains("screens"); list && list->is_array())
        for (const auto& screen : list->as_array()) {
            if (!screen.is_string()) continue;
            screens += (screens.empty() ? "" : ", ") + std::string{screen.as_string()};
            ++count;
        }
    // Comments, so the output still reads as a campaign file.
    yaml += fmt::format("# shown on {}{}{}\n", screens_phrase(count), count ? ": " : "", screens);
    yaml += fmt::format("# joins: {}\n", number_text(*shown, "joins"));
    print(yaml);
    return {};
}

Outcome<> delete_campaign(const GlobalOptions& global, const std::string& id) {
    auto hub = HubClient::open(global);
    if (!hub) return std::unexpected(std::move(hub.error()));
    auto deleted =
        hub->call(http::verb::delete_, "/v1/campaigns/" + url_encode(id), "deleting campaign " + id);
    if (!deleted) return std::unexpected(std::move(deleted.error()));
    print(
        fmt::format("campaign {} deleted; {} updated\n", id, screens_phrase(count_of(*deleted, "screens"))));
    return {};
}

}  // namespace

void add_campaign_commands(const CommandSite& site) {
    auto* campaign = site.app.add_subcommand("campaign", "create, list, show and delete campaigns");
    campaign->require_subcommand(1);

    auto file = std::make_shared<std::string>();
    auto* apply = campaign->add_subcommand(
        "apply",
        "upload the assets a campaign YAML file names (those the hub lacks), then store the campaign");
    apply->add_option("FILE", *file, "the campaign's YAML file; item assets are files beside it")->required();
    apply->callback([&site, file] {
        site.chosen = [&global = site.global, file] { return apply_campaign(global, *file); };
    });

    auto raw = std::make_shared<bool>(false);
    auto* list =
        campaign->add_subcommand("list", "list campaigns: id, name, priority, window, screens, joins");
    list->add_flag("--json", *raw, "print the hub's JSON as it is");
    list->callback([&site, raw] {
        site.chosen = [&global = site.global, raw] { return list_campaigns(global, *raw); };
    });

    auto shown_id = std::make_shared<std::string>();
    auto* show = campaign->add_subcommand("show", "print a campaign as YAML, with its screens and joins");
    show->add_option("ID", *shown_id, "campaign id")->required();
    show->callback([&site, shown_id] {
        site.chosen = [&global = site.global, shown_id] { return show_campaign(global, *shown_id); };
    });

    auto deleted_id = std::make_shared<std::string>();
    auto* remove = campaign->add_subcommand("delete", "delete a campaign; its screens stop playing it");
    remove->add_option("ID", *deleted_id, "campaign id")->required();
    remove->callback([&site, deleted_id] {
        site.chosen = [&global = site.global, deleted_id] { return delete_campaign(global, *deleted_id); };
    });
}

}  // namespace dwell::sync::ctl
