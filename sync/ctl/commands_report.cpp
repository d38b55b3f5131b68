// report participation: joins, people and plays by screen, station, line or hour.
#include <cctype>
#include <memory>

#include <boost/json/serialize.hpp>

#include "config/config_file.hpp"
#include "content/rfc3339.hpp"
#include "content/screen.hpp"
#include "sync/ctl/arguments.hpp"
#include "sync/ctl/commands.hpp"
#include "sync/ctl/json_fields.hpp"
#include "sync/ctl/table.hpp"

namespace dwell::sync::ctl {
namespace {

namespace json = boost::json;

struct ReportOptions {
    std::string campaign;
    std::string from;
    std::string to;
    std::string by = "screen";
    std::string tz;
    bool csv = false;
    bool raw = false;
};

Result<std::string> parse_grouping(std::string_view text) {
    if (text == "screen" || text == "station" || text == "line" || text == "hour") return std::string{text};
    return fail(Errc::invalid_input, "\"{}\": expected screen, station, line or hour", text);
}

Result<std::string> parse_zone(std::string_view text) {
    auto zone = content::locate_time_zone(text);
    if (!zone) return fail(std::move(zone.error()));
    return std::string{text};
}

Outcome<> participation(const GlobalOptions& global, const ReportOptions& options) {
    std::string query = "by=" + url_encode(options.by);
    if (!options.campaign.empty()) query += "&campaign=" + url_encode(options.campaign);
    // Sent in UTC, so an offset's '+' never meets a query decoder.
    if (!options.from.empty())
        query += "&from=" + url_encode(content::format_rfc3339(*parse_time_argument(options.from)));
    if (!options.to.empty())
        query += "&to=" + url_encode(content::format_rfc3339(*parse_time_argument(options.to)));
    if (!options.tz.empty()) query += "&tz=" + url_encode(options.tz);
    const std::string target = "/v1/reports/participation?" + query;
    const std::string doing = "reading the participation report";

    auto hub = HubClient::open(global);
    if (!hub) return std::unexpected(std::move(hub.error()));
    if (options.csv) {
        auto response = hub->send(http::verb::get, target, doing, {}, {}, {{"Accept", "text/csv"}});
        if (!response) return std::unexpected(std::move(response.error()));
        if (response->result_int() != 200) return refused_error("{}: {}", doing, describe_refusal(*response));
        print(response->body());
        return {};
    }
    auto report = hub->call(http::verb::get, target, doing);
    if (!report) return std::unexpected(std::move(report.error()));
    if (options.raw) {
        print(json::serialize(*report) + "\n");
        return {};
    }
    const json::array* rows = array_of(*report, "rows");
    if (!rows) return refused_error("{}: the answer has no \"rows\"", doing);
    const std::string by = text_of(*report, "by").empty() ? options.by : text_of(*report, "by");
    const bool by_screen = by == "screen";

    std::string heading = fmt::format("participation by {}", by);
    if (const std::string campaign = text_of(*report, "campaign"); !campaign.empty())
        heading += " for campaign " + campaign;
    const std::string from = text_of(*report, "from");
    const std::string to = text_of(*report, "to");
    if (!options.from.empty() || !options.to.empty() || by == "hour")
        heading += fmt::format(", {} to {}", from, to);
    if (const std::string tz = text_of(*report, "tz"); !tz.empty())
        heading += fmt::format(" (hours in {})", tz);
    print(heading + "\n\n");

    std::string key_header = by;
    for (char& c : key_header) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    std::vector<std::string> columns{key_header};
    if (by_screen) {
        columns.emplace_back("STATION");
        columns.emplace_back("LINE");
    }
    const std::size_t first_number = columns.size();
    for (const char* name : {"JOINS", "PEOPLE", "PLAYS", "JOINS/1000 PLAYS"}) columns.emplace_back(name);
    Table table{columns};
    for (std::size_t c = first_number; c < columns.size(); ++c) table.set_align(c, Table::Align::right);
    for (const auto& row : *rows) {
        std::vector<std::string> cells{text_of(row, "key")};
        if (by_screen) {
            cells.push_back(text_of(row, "station"));
            cells.push_back(text_of(row, "line"));
        }
        cells.push_back(number_text(row, "joins"));
        cells.push_back(number_text(row, "unique_people"));
        cells.push_back(number_text(row, "plays"));
        cells.push_back(number_text(row, "joins_per_1000_plays"));
        table.add_row(std::move(cells));
    }
    if (table.empty())
        print("no joins or plays in this span\n");
    else
        print(table.render());
    const json::value* total = field_of(*report, "total");
    const json::value none;
    const json::value& sums = total ? *total : none;
    const std::string rate = number_text(sums, "joins_per_1000_plays");
    print(fmt::format("\ntotal: {} joins, {} people, {} plays{}\n", number_text(sums, "joins"),
                      number_text(sums, "unique_people"), number_text(sums, "plays"),
                      rate == "-" ? "" : fmt::format(", {} joins per 1000 plays", rate)));
    return {};
}

}  // namespace

void add_report_commands(const CommandSite& site) {
    auto* report = site.app.add_subcommand("report", "participation reports");
    report->require_subcommand(1);

    auto options = std::make_shared<ReportOptions>();
    auto* participation_command = report->add_subcommand(
        "participation", "joins, unique people, plays and joins per 1000 plays, with a total");
    participation_command->add_option("--campaign", options->campaign, "only this campaign")
        ->check(parsed_by(config::parse_identifier, "ID"));
    participation_command->add_option("--from", options->from, "from TIME (RFC 3339 or @unix-seconds)")
        ->check(parsed_by(parse_time_argument, "TIME"));
    participation_command->add_option("--to", options->to, "until TIME (RFC 3339 or @unix-seconds)")
        ->check(parsed_by(parse_time_argument, "TIME"));
    participation_command->add_option("--by", options->by, "screen (default), station, line or hour")
        ->check(parsed_by(parse_grouping, "screen|station|line|hour"));
    participation_command
        ->add_option("--tz", options->tz, "time zone of the hours with --by hour, e.g. Asia/Seoul")
        ->check(parsed_by(parse_zone, "ZONE"));
    auto* csv = participation_command->add_flag("--csv", options->csv, "print the hub's CSV as it is");
    participation_command->add_flag("--json", options->raw, "print the hub's JSON as it is")->excludes(csv);
    participation_command->callback([&site, options] {
        site.chosen = [&global = site.global, options] { return participation(global, *options); };
    });
}

}  // namespace dwell::sync::ctl
