// GET /v1/reports/participation: joins, unique people and plays by screen, station, line or
// hour, as JSON or CSV.
#include <cmath>

#include <date/tz.h>
#include <boost/json/object.hpp>

#include "content/rfc3339.hpp"
#include "content/schedule.hpp"
#include "sync/hub/api.hpp"

namespace dwell::sync::hub {
namespace {

namespace http = net::http;
namespace json = boost::json;

constexpr std::size_t max_offsets = 1000;
constexpr auto default_hour_span = std::chrono::days{7};

std::string_view to_string(ReportGrouping by) {
    switch (by) {
    case ReportGrouping::screen: return "screen";
    case ReportGrouping::station: return "station";
    case ReportGrouping::line: return "line";
    case ReportGrouping::hour: return "hour";
    }
    return "screen";
}

std::optional<double> rate(const ReportCounts& counts) {
    if (counts.plays == 0) return std::nullopt;
    return std::round(static_cast<double>(counts.joins) * 1000.0 / static_cast<double>(counts.plays) *
                      100.0) /
           100.0;
}

// RFC 4180 quoting; a text a spreadsheet would take for a formula (=, +, -, @, tab, CR first) is
// kept as text with a leading apostrophe, since stations and lines are free text.
std::string csv_field(std::string_view text) {
    std::string guarded;
    if (!text.empty() && std::string_view{"=+-@\t\r"}.find(text.front()) != std::string_view::npos) {
        guarded = "'" + std::string{text};
        text = guarded;
    }
    if (text.find_first_of(",\"\r\n") == std::string_view::npos) return std::string{text};
    std::string out = "\"";
    for (const char c : text) {
        if (c == '"') out.push_back('"');
        out.push_back(c);
    }
    return out + "\"";
}

// The UTC offsets in force over [from, to) in a zone, for local hours.
Result<std::vector<std::pair<config::WallTime, std::chrono::minutes>>> offsets_in(const date::time_zone* zone,
                                                                                  config::WallTime from,
                                                                                  config::WallTime to) {
    std::vector<std::pair<config::WallTime, std::chrono::minutes>> out;
    auto at = std::chrono::time_point_cast<std::chrono::seconds>(from);
    for (;;) {
        const date::sys_info info = zone->get_info(at);
        out.emplace_back(std::chrono::time_point_cast<config::Duration>(std::max(info.begin, at)),
                         std::chrono::duration_cast<std::chrono::minutes>(info.offset));
        if (info.end >= to || out.size() > max_offsets) break;
        at = info.end;
    }
    if (out.size() > max_offsets)
        return fail(Errc::invalid_input,
                    "the time span crosses more than {} UTC offset changes; give a shorter from/to",
                    max_offsets);
    return out;
}

std::string local_hour_label(const std::string& key) {
    const auto local_ms = config::parse_integer<std::int64_t>(key);
    if (!local_ms) return key;
    const auto local = date::local_time<config::Duration>{config::Duration{*local_ms}};
    return date::format("%Y-%m-%dT%H:00", std::chrono::time_point_cast<std::chrono::minutes>(local));
}

net::Reply participation(HubContext& hub, net::Exchange& exchange) {
    if (auto refusal = hub.auth.require_role(exchange.request, Role::marketer)) return std::move(*refusal);
    const auto bad = [](std::string message) {
        return net::error_reply(http::status::bad_request, "invalid_input", message);
    };
    for (const auto& [key, value] : exchange.query) {
        bool repeated = false;
        (void)exchange.query_value(key, &repeated);
        if (repeated) return bad(key + " is given more than once");
        if (key != "campaign" && key != "from" && key != "to" && key != "by" && key != "tz" &&
            key != "format")
            return bad("unknown parameter " + key.substr(0, 32) +
                       "; expected campaign, from, to, by, tz or format");
    }
    const auto catalog = hub.catalog.get();
    ReportQuery query;
    if (const auto campaign = exchange.query_value("campaign")) {
        if (!config::is_identifier(*campaign)) return bad("campaign: not a campaign id");
        query.campaign = std::string{*campaign};
    }
    if (const auto by = exchange.query_value("by")) {
        if (*by == "screen")
            query.by = ReportGrouping::screen;
        else if (*by == "station")
            query.by = ReportGrouping::station;
        else if (*by == "line")
            query.by = ReportGrouping::line;
        else if (*by == "hour")
            query.by = ReportGrouping::hour;
        else
            return bad("by: expected screen, station, line or hour");
    }
    const auto read_time = [&](std::string_view name) -> Result<std::optional<config::WallTime>> {
        const auto text = exchange.query_value(name);
        if (!text) return std::optional<config::WallTime>{};
        auto time = content::parse_rfc3339(*text);
        if (!time) return fail(Errc::invalid_input, "{}: {}", name, time.error().message);
        return std::optional<config::WallTime>{*time};
    };
    auto from = read_time("from");
    if (!from) return refuse(from.error());
    auto to = read_time("to");
    if (!to) return refuse(to.error());
    const auto now = hub.clock.now();
    const content::Campaign* campaign = query.campaign ? catalog->campaign(*query.campaign) : nullptr;
    // Without from/to, hours cover the campaign's window (or the last week); other groupings all time.
    if (query.by == ReportGrouping::hour) {
        query.to = to->value_or(
            campaign ? std::chrono::time_point_cast<config::Duration>(campaign->window.end.utc) : now);
        query.from = from->value_or(
            campaign ? std::chrono::time_point_cast<config::Duration>(campaign->window.start.utc)
                     : query.to - default_hour_span);
    } else {
        query.from = from->value_or(config::WallTime{});
        query.to = to->value_or(config::WallTime{std::chrono::years{8000}});
    }
    if (query.from >= query.to) return bad("from must be before to");

    std::string zone_name = "UTC";
    if (const auto tz = exchange.query_value("tz")) zone_name = std::string{*tz};
    auto zone = content::locate_time_zone(zone_name);
    if (!zone) return refuse(zone.error());
    if (query.by == ReportGrouping::hour) {
        auto offsets = offsets_in(*zone, query.from, query.to);
        if (!offsets) return refuse(offsets.error());
        query.offsets = std::move(*offsets);
    }

    auto store = hub.readers.lease();
    if (!store) return refuse(store.error());
    auto report = (*store)->participation(query);
    if (!report) return refuse(report.error());

    // Hour keys are numbers of local milliseconds: sort them as numbers.
    std::vector<std::pair<std::string, ReportCounts>> ordered(report->rows.begin(), report->rows.end());
    if (query.by == ReportGrouping::hour)
        std::ranges::sort(ordered, {}, [](const auto& row) {
            return config::parse_integer<std::int64_t>(row.first).value_or(0);
        });
    const ReportCounts& total = report->total;
    const auto label = [&](const std::string& key) {
        return query.by == ReportGrouping::hour ? local_hour_label(key) : key;
    };
    const bool by_screen = query.by == ReportGrouping::screen;

    const bool csv = exchange.query_value("format") == std::optional<std::string_view>{"csv"} ||
                     exchange.request[http::field::accept].find("text/csv") != std::string_view::npos;
    if (csv) {
        std::string out = std::string{to_string(query.by)};
        if (by_screen) out += ",station,line";
        out += ",joins,unique_people,plays,joins_per_1000_plays\r\n";
        for (const auto& [key, counts] : ordered) {
            out += csv_field(label(key));
            if (by_screen) {
                const content::Screen* screen = catalog->screen(key);
                out += "," + csv_field(screen ? screen->station : "") + "," +
                       csv_field(screen ? screen->line : "");
            }
            const auto per_thousand = rate(counts);
            out += fmt::format(",{},{},{},{}\r\n", counts.joins, counts.unique_people, counts.plays,
                               per_thousand ? fmt::format("{:.2f}", *per_thousand) : std::string{});
        }
        auto reply = net::text_reply(http::status::ok, std::move(out), net::csv_type);
        reply.set(http::field::content_disposition, "attachment; filename=\"participation.csv\"");
        return reply;
    }
    json::array out;
    for (const auto& [key, counts] : ordered) {
        json::object row{{"key", label(key)},
                         {"joins", counts.joins},
                         {"unique_people", counts.unique_people},
                         {"plays", counts.plays}};
        if (by_screen) {
            const content::Screen* screen = catalog->screen(key);
            row["station"] = screen ? screen->station : "";
            row["line"] = screen ? screen->line : "";
        }
        const auto per_thousand = rate(counts);
        row["joins_per_1000_plays"] = per_thousand ? json::value(*per_thousand) : nullptr;
        out.push_back(std::move(row));
    }
    const auto total_rate = rate(total);
    json::object body{{"by", to_string(query.by)},
                      {"from", content::format_rfc3339(query.from)},
                      {"to", content::format_rfc3339(query.to)},
                      {"rows", std::move(out)},
                      {"total", json::object{{"joins", total.joins},
                                             {"unique_people", total.unique_people},
                                             {"plays", total.plays},
                                             {"joins_per_1000_plays", total_rate ? json::value(*total_rate)
                                                                                 : json::value(nullptr)}}}};
    if (query.campaign) body["campaign"] = *query.campaign;
    if (query.by == ReportGrouping::hour) body["tz"] = zone_name;
    return net::json_reply(http::status::ok, body);
}

}  // namespace

void add_report_routes(net::Router& router, HubContext& hub) {
    router.add(http::verb::get, "/v1/reports/participation",
               net::Route{"reports.participation",
                          net::BufferedHandler{[&hub](net::Exchange& exchange) {
                              return net::ready(participation(hub, exchange));
                          }},
                          {}});
}

}  // namespace dwell::sync::hub
