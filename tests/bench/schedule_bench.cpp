// Schedule resolution throughput: 5,000 screens against 200 campaigns, the size of a large
// metro network, reported as screens resolved per second (items_per_second).
#include <benchmark/benchmark.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "content/schedule.hpp"
#include "tests/bench/peer_ratio.hpp"

namespace {

using namespace std::chrono_literals;
using dwell::config::WallTime;
using namespace dwell::content;

constexpr std::size_t screen_count = 5000;
constexpr std::size_t campaign_count = 200;
constexpr std::size_t station_count = 250;
constexpr int line_count = 9;

const std::array<const char*, 4> zones{"Asia/Seoul", "America/New_York", "Europe/London", "Australia/Sydney"};
const std::array<const char*, 8> tag_pool{"concourse", "platform", "exit-1", "exit-2",
                                          "transfer",  "upper",    "lower",  "gate"};

// A weekday afternoon in Europe, morning in New York, night in Seoul and Sydney.
const WallTime bench_time = WallTime{std::chrono::sys_days{std::chrono::year{2026} / 3 / 10}} + 14h;

struct Network {
    std::vector<ScreenContext> screens;
    std::vector<Campaign> campaigns;
};

std::string station_name(std::size_t index) {
    return "station-" + std::to_string(index);
}

Instant instant(WallTime t) {
    return Instant{std::chrono::time_point_cast<std::chrono::seconds>(t), 0min};
}

Network make_network() {
    std::mt19937 random{20260310};
    const auto pick = [&](std::size_t n) {
        return std::uniform_int_distribution<std::size_t>{0, n - 1}(random);
    };
    const auto chance = [&](double p) { return std::bernoulli_distribution{p}(random); };

    Network network;
    network.screens.reserve(screen_count);
    for (std::size_t i = 0; i < screen_count; ++i) {
        Screen screen;
        screen.id = "s" + std::to_string(i);
        const std::size_t station = i / (screen_count / station_count);
        screen.station = station_name(station);
        screen.line = std::to_string(1 + station % line_count);
        const std::size_t tags = 1 + pick(3);
        for (std::size_t t = 0; t < tags; ++t) screen.tags.emplace_back(tag_pool[pick(tag_pool.size())]);
        // Whole stations share a zone, as cities do.
        screen.timezone = zones[(station / 7) % zones.size()];
        network.screens.push_back(ScreenContext::create(std::move(screen)).value());
    }

    network.campaigns.reserve(campaign_count);
    for (std::size_t i = 0; i < campaign_count; ++i) {
        Campaign c;
        c.id = "campaign-" + std::to_string(i);
        c.name = c.id;
        // Most windows contain the bench time; some have ended, some have not started.
        const auto start_offset = std::chrono::hours{static_cast<int>(pick(24 * 40))} - 24h * 35;
        const auto length = std::chrono::hours{static_cast<int>(24 + pick(24 * 30))};
        c.window = {instant(bench_time + start_offset), instant(bench_time + start_offset + length)};

        if (chance(0.5)) {
            const std::size_t parts = 1 + pick(2);
            for (std::size_t p = 0; p < parts; ++p) {
                Daypart daypart;
                daypart.days = chance(0.5) ? std::uint8_t{0x3e} : static_cast<std::uint8_t>(1 + pick(127));
                daypart.from = std::chrono::minutes{static_cast<int>(pick(24) * 60)};
                daypart.to = daypart.from + std::chrono::minutes{static_cast<int>(60 + pick(6) * 60)};
                c.dayparts.push_back(daypart);
            }
        }

        const double kind = std::uniform_real_distribution<double>{0, 1}(random);
        if (kind < 0.05) {
            c.targets.all = true;
        } else if (kind < 0.35) {
            for (std::size_t n = 1 + pick(2); n > 0; --n)
                c.targets.lines.push_back(std::to_string(1 + pick(static_cast<std::size_t>(line_count))));
        } else if (kind < 0.65) {
            for (std::size_t n = 3 + pick(8); n > 0; --n)
                c.targets.stations.push_back(station_name(pick(station_count)));
        } else if (kind < 0.8) {
            for (std::size_t n = 1 + pick(5); n > 0; --n)
                c.targets.screens.push_back("s" + std::to_string(pick(screen_count)));
        } else {
            c.targets.tags.emplace_back(tag_pool[pick(tag_pool.size())]);
            if (chance(0.3)) c.targets.stations.push_back(station_name(pick(station_count)));
        }

        const double tier = std::uniform_real_distribution<double>{0, 1}(random);
        c.priority = tier < 0.01   ? Priority::takeover
                     : tier < 0.15 ? Priority::high
                     : tier < 0.8  ? Priority::normal
                                   : Priority::low;
        c.share = static_cast<unsigned>(1 + pick(5));
        for (std::size_t n = 1 + pick(4); n > 0; --n) {
            Item item;
            item.asset = c.id + "-" + std::to_string(n) + (chance(0.5) ? ".mp4" : ".png");
            item.kind = item.asset.ends_with(".mp4") ? MediaKind::video : MediaKind::image;
            if (item.kind == MediaKind::image || chance(0.5))
                item.duration = std::chrono::seconds{5 + static_cast<int>(pick(26))};
            c.items.push_back(std::move(item));
        }
        network.campaigns.push_back(std::move(c));
    }
    return network;
}

MediaLengths media_lengths(const Network& net) {
    MediaLengths lengths;
    for (const Campaign& c : net.campaigns)
        for (const Item& item : c.items)
            if (!item.duration)
                lengths.emplace(item.asset,
                                std::chrono::seconds{15 + static_cast<int>(item.asset.size() % 20)});
    return lengths;
}

void BM_Eligible(benchmark::State& state) {
    const Network net = make_network();
    const ScheduleResolver resolver{{}, media_lengths(net)};
    WallTime t = bench_time;
    std::size_t fallback = 0;
    std::size_t tier_sizes = 0;
    std::size_t resolved = 0;
    for (auto _ : state) {
        for (const ScreenContext& screen : net.screens) {
            auto tier = resolver.eligible(net.campaigns, screen, t);
            if (tier.empty()) ++fallback;
            tier_sizes += tier.size();
            benchmark::DoNotOptimize(tier);
        }
        resolved += net.screens.size();
        t += 7s;
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(resolved));
    state.counters["fallback_share"] = static_cast<double>(fallback) / static_cast<double>(resolved);
    state.counters["mean_tier_size"] = static_cast<double>(tier_sizes) / static_cast<double>(resolved);
}
BENCHMARK(BM_Eligible)->Unit(benchmark::kMillisecond);

// The peer: the least any resolver does, a window check of every campaign for every screen.
void BM_RawWindowLoop(benchmark::State& state) {
    const Network net = make_network();
    WallTime t = bench_time;
    std::size_t resolved = 0;
    std::vector<const Campaign*> open;
    for (auto _ : state) {
        const auto now = std::chrono::floor<std::chrono::seconds>(t);
        for (std::size_t s = 0; s < net.screens.size(); ++s) {
            open.clear();
            for (const Campaign& campaign : net.campaigns)
                if (campaign.window.start.utc <= now && now < campaign.window.end.utc)
                    open.push_back(&campaign);
            benchmark::DoNotOptimize(open.data());
        }
        resolved += net.screens.size();
        t += 7s;
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(resolved));
}
BENCHMARK(BM_RawWindowLoop)->Unit(benchmark::kMillisecond);

// Hub preview: five picks from an empty rotation.
void BM_PlanFiveFromEmptyRotation(benchmark::State& state) {
    const Network net = make_network();
    const ScheduleResolver resolver{{}, media_lengths(net)};
    WallTime t = bench_time;
    std::size_t resolved = 0;
    for (auto _ : state) {
        for (const ScreenContext& screen : net.screens) {
            auto plan = resolver.plan(net.campaigns, screen, t, Rotation{}, 5);
            benchmark::DoNotOptimize(plan);
        }
        resolved += net.screens.size();
        t += 7s;
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(resolved));
}
BENCHMARK(BM_PlanFiveFromEmptyRotation)->Unit(benchmark::kMillisecond);

// The player's loop: each screen keeps its rotation and moves on to the end of its first pick.
void BM_PlanFiveCarryingRotation(benchmark::State& state) {
    const Network net = make_network();
    const ScheduleResolver resolver{{}, media_lengths(net)};
    std::vector<Rotation> rotations(net.screens.size());
    std::vector<WallTime> times(net.screens.size(), bench_time);
    std::size_t fallback = 0;
    std::size_t resolved = 0;
    for (auto _ : state) {
        for (std::size_t i = 0; i < net.screens.size(); ++i) {
            Plan plan = resolver.plan(net.campaigns, net.screens[i], times[i], rotations[i], 5);
            if (plan.picks.front().is_fallback()) ++fallback;
            times[i] += plan.picks.front().duration;
            rotations[i] = std::move(plan.rotation_after_first);
        }
        resolved += net.screens.size();
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(resolved));
    state.counters["fallback_share"] = static_cast<double>(fallback) / static_cast<double>(resolved);
}
BENCHMARK(BM_PlanFiveCarryingRotation)->Unit(benchmark::kMillisecond);

// What a screen pays once: looking its time zone up.
void BM_ScreenContextCreate(benchmark::State& state) {
    const Network net = make_network();
    std::size_t i = 0;
    for (auto _ : state) {
        auto context = ScreenContext::create(net.screens[i % net.screens.size()].screen());
        benchmark::DoNotOptimize(context);
        ++i;
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(i));
}
BENCHMARK(BM_ScreenContextCreate);

}  // namespace

int main(int argc, char** argv) {
    return dwell::bench::run_with_ratios(
        argc, argv,
        {
            {"BM_Eligible", "BM_RawWindowLoop", 1, "full eligibility vs a bare window check"},
            {"BM_PlanFiveCarryingRotation", "BM_RawWindowLoop", 5, "5 picks vs 5 bare window checks"},
        });
}
