// Memory over a long run: the player loops two 1080p videos and a 1080p image with the join overlay
// while its resident set (VmRSS) is sampled every 5 s; a slope beyond noise over the last 80 % of
// the run means something grows per item or per frame (DESIGN §7: no growth over days).
//
//   player_soak_bench [DURATION] [--driver offscreen|dummy] [--keep]     DURATION: 10m (default), 2m, 90s
//
// Exits 1 only when something could not run; growth is reported, not turned into an exit code.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "config/units.hpp"
#include "tests/bench/bench_run.hpp"
#include "tests/support/media.hpp"
#include "tests/support/process.hpp"

namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using dwell::test::ProcessOptions;
using dwell::test::ProcessResult;
using namespace dwell::bench;

constexpr std::string_view screen_size = "1920x1080";
constexpr auto sample_period = 5s;
// A slope above this over the last 80 % of the run is growth: about 7 GB over 10 days.
constexpr double growth_mb_per_minute = 0.5;
constexpr double rss_budget_mb = 200.0;  // DESIGN §7, player at 1080p

struct SoakOptions {
    std::chrono::milliseconds duration = 10min;
    std::string driver = "offscreen";
    bool keep = false;
};

// VmRSS of a running process in MB (MiB, as the player's own rss_max_mb); nullopt once it is gone.
std::optional<double> resident_mb(pid_t pid) {
    std::ifstream status(fmt::format("/proc/{}/status", pid));
    for (std::string line; std::getline(status, line);)
        if (line.starts_with("VmRSS:")) return std::strtod(line.c_str() + 6, nullptr) / 1024.0;
    return std::nullopt;
}

struct Sample {
    double minutes = 0;  // since the player started
    double mb = 0;
};

double median(std::vector<double> values) {
    if (values.empty()) return std::nan("");
    std::sort(values.begin(), values.end());
    const std::size_t middle = values.size() / 2;
    return values.size() % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
}

struct Line {
    double slope = 0;        // MB per minute
    double slope_error = 0;  // its standard error: how far noise alone moves it
    double residual = 0;     // standard deviation of the samples around the line, MB
};

Line least_squares(const std::vector<Sample>& samples) {
    const auto n = static_cast<double>(samples.size());
    double mean_x = 0;
    double mean_y = 0;
    for (const Sample& s : samples) {
        mean_x += s.minutes / n;
        mean_y += s.mb / n;
    }
    double sxy = 0;
    double sxx = 0;
    for (const Sample& s : samples) {
        sxy += (s.minutes - mean_x) * (s.mb - mean_y);
        sxx += (s.minutes - mean_x) * (s.minutes - mean_x);
    }
    Line line;
    line.slope = sxx > 0 ? sxy / sxx : 0;
    double squares = 0;
    for (const Sample& s : samples) {
        const double error = s.mb - (mean_y + line.slope * (s.minutes - mean_x));
        squares += error * error;
    }
    line.residual = std::sqrt(squares / n);
    if (sxx > 0 && n > 2) line.slope_error = std::sqrt(squares / (n - 2) / sxx);
    return line;
}

std::vector<double> values_between(const std::vector<Sample>& samples, double from, double to) {
    std::vector<double> values;
    for (const Sample& s : samples)
        if (s.minutes >= from && s.minutes <= to) values.push_back(s.mb);
    return values;
}

SoakOptions parse_options(int argc, char** argv) {
    SoakOptions options;
    for (int i = 1; i < argc; ++i) {
        const std::string_view argument = argv[i];
        if (argument == "--driver" && i + 1 < argc) {
            options.driver = argv[++i];
        } else if (argument == "--keep") {
            options.keep = true;
        } else if (!argument.starts_with("-")) {
            const auto duration = dwell::config::parse_duration(argument);
            if (!duration || *duration < 1min)
                throw std::invalid_argument(
                    fmt::format("the duration must be at least 1m, like 10m or 90s; got {}", argument));
            options.duration = *duration;
        } else {
            throw std::invalid_argument(
                fmt::format("unknown argument {}; usage: player_soak_bench [DURATION] [--driver "
                            "offscreen|dummy] [--keep]",
                            argument));
        }
    }
    return options;
}

int run(const SoakOptions& options) {
    const WorkDir dir{"player-soak", options.keep};
    std::printf("player_soak_bench: %s at %s, SDL driver %s, folder %s\n",
                dwell::config::format_duration(options.duration).c_str(), std::string{screen_size}.c_str(),
                options.driver.c_str(), dir.path().c_str());

    const std::string h264 = "-pix_fmt yuv420p -c:v libx264 -preset fast";
    generate(dir / "a.mp4",
             fmt::format("-f lavfi -i testsrc2=size={}:rate=30:duration=10 {}", screen_size, h264));
    generate(dir / "b.mp4",
             fmt::format("-f lavfi -i testsrc=size={}:rate=30:duration=10 {}", screen_size, h264));
    generate(dir / "poster.png", fmt::format("-f lavfi -i smptehdbars=size={} -frames:v 1", screen_size));
    const fs::path playlist = dir / "soak.yaml";
    write_file(playlist,
               "loop: true\nitems:\n  - { file: a.mp4 }\n  - { file: b.mp4 }\n"
               "  - { file: poster.png, duration: 5s }\n"
               "join: { account: \"@dwell\", prompt: \"{account}에 {code} 보내고 참여하세요\",\n"
               "        deep_link: \"https://line.me/R/oaMessage/@dwell/?{code}\",\n"
               "        secret: 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f,\n"
               "        slot: 0, digits: 6, period: 60s }\n");

    const fs::path stats = dir / "soak.stats.jsonl";
    const fs::path log = dir / "soak.stderr";
    ProcessOptions process;
    process.arguments = {"--playlist",     playlist.string(),
                         "--video-driver", options.driver,
                         "--size",         std::string{screen_size},
                         "--duration",     dwell::config::format_duration(options.duration),
                         "--stats-json",   stats.string(),
                         "--log-level",    "warn"};
    process.environment = {{"SDL_VIDEODRIVER", options.driver}, {"SDL_AUDIODRIVER", "dummy"}};
    process.stderr_file = log;

    std::printf("playing; a VmRSS sample every %llds\n", static_cast<long long>(sample_period.count()));
    std::fflush(stdout);
    std::vector<Sample> samples;
    dwell::test::ChildProcess player{DWELL_PLAYER_BIN, process};
    const auto start = std::chrono::steady_clock::now();
    for (auto next = start + sample_period; player.running(); next += sample_period) {
        std::this_thread::sleep_until(next);
        const std::optional<double> mb = resident_mb(player.pid());
        if (!mb) break;
        const std::chrono::duration<double, std::ratio<60>> since = std::chrono::steady_clock::now() - start;
        samples.push_back({since.count(), *mb});
        if (samples.size() % 12 == 0) {
            std::printf("  %5.1f min  %7.1f MB\n", since.count(), *mb);
            std::fflush(stdout);
        }
    }
    const ProcessResult result = player.wait(60s);
    if (!result.exited || result.exit_code != 0)
        throw std::runtime_error(fmt::format("dwell-player {}; its stderr ends with:\n{}",
                                             result.timed_out ? "timed out"
                                             : result.exited
                                                 ? fmt::format("exited with code {}", result.exit_code)
                                                 : fmt::format("was killed by signal {}", result.signal),
                                             tail(log)));
    if (samples.size() < 4) throw std::runtime_error("too few RSS samples to fit a line");

    const double end = samples.back().minutes;
    const double first_minute = median(values_between(samples, 0, 1));
    const double last_minute = median(values_between(samples, end - 1, end));
    double max = 0;
    for (const Sample& s : samples) max = std::max(max, s.mb);
    const double fit_from = samples.front().minutes + 0.2 * (end - samples.front().minutes);
    std::vector<Sample> tail_samples;
    std::copy_if(samples.begin(), samples.end(), std::back_inserter(tail_samples),
                 [&](const Sample& s) { return s.minutes >= fit_from; });
    const Line line = least_squares(tail_samples);
    // Memory swings by one decoder's worth as the next item opens, so a short run can show a
    // slope that noise alone explains; growth must clear both the threshold and twice its error.
    const bool above_threshold = line.slope > growth_mb_per_minute;
    const bool significant = line.slope > 2 * line.slope_error;
    const char* verdict = !above_threshold ? "no RSS growth beyond noise"
                          : significant    ? "RSS GROWS beyond noise"
                                           : "inconclusive: the slope is within noise; run longer";

    std::printf("\n%-44s %12s\n", "figure", "value");
    std::printf("%s\n", std::string(58, '-').c_str());
    std::printf("%-44s %12zu\n", "RSS samples", samples.size());
    std::printf("%-44s %9.1f MB\n", "median RSS, first minute", first_minute);
    std::printf("%-44s %9.1f MB\n", "median RSS, last minute", last_minute);
    std::printf("%-44s %9.1f MB\n", "max RSS (samples)", max);
    std::printf("%-44s %9.1f MB  (budget %.0f MB: %s)\n", "peak RSS (rusage)", result.max_rss_mb,
                rss_budget_mb, result.max_rss_mb <= rss_budget_mb ? "pass" : "MISS");
    std::printf("%-44s %6.3f MB/min\n", fmt::format("slope, last 80 % (from {:.1f} min)", fit_from).c_str(),
                line.slope);
    std::printf("%-44s %6.3f MB/min\n", "standard error of the slope", line.slope_error);
    std::printf("%-44s %9.2f MB\n", "residual around the line (noise)", line.residual);
    std::printf("%-44s %10.1f s\n", "player CPU", result.cpu_seconds);
    std::printf("\nverdict: %s (threshold %.1f MB/min and twice the standard error)\n", verdict,
                growth_mb_per_minute);
    std::printf("final stats: %s\n", FinalStats::read(stats).text().c_str());
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        return run(parse_options(argc, argv));
    } catch (const std::exception& error) {
        std::fprintf(stderr, "player_soak_bench: %s\n", error.what());
        return 1;
    }
}
