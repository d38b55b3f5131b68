// asset upload|list: media files on the hub, named by their SHA-256.
#include <filesystem>
#include <memory>

#include <boost/json/serialize.hpp>

#include "sync/ctl/arguments.hpp"
#include "sync/ctl/commands.hpp"
#include "sync/ctl/json_fields.hpp"
#include "sync/ctl/table.hpp"
#include "sync/ctl/upload.hpp"

namespace dwell::sync::ctl {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

Outcome<> upload_assets(const GlobalOptions& global, const std::vector<std::string>& files) {
    // Every file must be there before the first byte goes up.
    for (const auto& file : files) {
        std::error_code error;
        if (!fs::is_regular_file(file, error))
            return usage_error("{} is not a file here; check the path", file);
    }
    auto hub = HubClient::open(global);
    if (!hub) return std::unexpected(std::move(hub.error()));
    // A cheap request first: a wrong token or an unreachable hub shows before a long upload.
    if (auto listed = hub->call(http::verb::get, "/v1/assets", "checking the hub"); !listed)
        return std::unexpected(std::move(listed.error()));
    for (const auto& file : files) {
        const std::string name = fs::path{file}.filename().string();
        auto uploaded = upload_asset(*hub, file, name);
        if (!uploaded) return std::unexpected(std::move(uploaded.error()));
        print(fmt::format("{} {}\n  sha256  {}\n  type    {}\n  size    {} ({} bytes)\n",
                          uploaded->created ? "uploaded" : "already on the hub:", name, uploaded->sha256,
                          describe_media(*uploaded), human_size(uploaded->size), uploaded->size));
    }
    return {};
}

Outcome<> list_assets(const GlobalOptions& global, bool raw) {
    auto hub = HubClient::open(global);
    if (!hub) return std::unexpected(std::move(hub.error()));
    auto listed = hub->call(http::verb::get, "/v1/assets", "listing assets");
    if (!listed) return std::unexpected(std::move(listed.error()));
    if (raw) {
        print(json::serialize(*listed) + "\n");
        return {};
    }
    const json::array* assets = array_of(*listed, "assets");
    if (!assets) return refused_error("listing assets: the answer has no \"assets\" list");
    if (assets->empty()) {
        print("no assets; upload one with dwellctl asset upload FILE\n");
        return {};
    }
    Table table{{"NAME", "TYPE", "CODEC", "PIXELS", "SIZE", "SHA256"}};
    table.set_align(4, Table::Align::right);
    for (const auto& asset : *assets)
        table.add_row({text_of(asset, "name"), text_of(asset, "type"), text_of(asset, "codec"),
                       fmt::format("{}x{}", count_of(asset, "width"), count_of(asset, "height")),
                       human_size(count_of(asset, "size")), text_of(asset, "sha256")});
    print(table.render());
    return {};
}

}  // namespace

void add_asset_commands(const CommandSite& site) {
    auto* asset = site.app.add_subcommand("asset", "upload and list media files");
    asset->require_subcommand(1);

    auto files = std::make_shared<std::vector<std::string>>();
    auto* upload = asset->add_subcommand(
        "upload", "upload videos or images; prints each one's sha256, type, codec, size");
    upload->add_option("FILE", *files, "files to upload")->required();
    upload->callback([&site, files] {
        site.chosen = [&global = site.global, files] { return upload_assets(global, *files); };
    });

    auto raw = std::make_shared<bool>(false);
    auto* list = asset->add_subcommand("list", "list the hub's assets");
    list->add_flag("--json", *raw, "print the hub's JSON as it is");
    list->callback(
        [&site, raw] { site.chosen = [&global = site.global, raw] { return list_assets(global, *raw); }; });
}

}  // namespace dwell::sync::ctl
