// The player's budgets of DESIGN §7 on a generated 20 s 1080p30 H.264 clip, each against a peer
// measured in the same run under the same SDL driver: CPU against ffplay showing the clip and
// against `ffmpeg -f null` only decoding it, frame pacing, the gap when one video follows another,
// the time from a live event on the socket to the frame showing it, and peak memory.
//
//   player_bench [--driver offscreen|dummy] [--repeat N] [--keep]
//
// --repeat runs the CPU comparison N times and keeps each program's least CPU (another user of the
// machine only ever adds time); --keep leaves the clips, playlists and logs in the temp folder.
// Exits 1 only when something could not run; a missed budget is printed as MISS.
#include <algorithm>
#include <chrono>
#include <csignal>
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

#include <unistd.h>

#include <fmt/format.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "config/units.hpp"
#include "content/records.hpp"
#include "tests/bench/bench_run.hpp"
#include "tests/bench/budget_table.hpp"
#include "tests/support/event_server.hpp"
#include "tests/support/media.hpp"
#include "tests/support/process.hpp"

namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using dwell::test::ProcessOptions;
using dwell::test::ProcessResult;
using namespace dwell::bench;

constexpr std::string_view screen_size = "1920x1080";
constexpr std::chrono::seconds clip_length{20};
constexpr std::chrono::seconds switch_clip_length{5};
// The player runs a little past the clip so the last frame is not cut by --duration.
constexpr std::chrono::milliseconds run_margin{500};
constexpr double frame_interval_ms = 1000.0 / 30.0;
constexpr int event_count = 200;
constexpr auto event_interval = 50ms;
constexpr std::string_view join_campaign = "standalone";  // the playlist's campaign id

// Budgets of DESIGN §7.
constexpr double cpu_vs_ffplay_budget = 0.6;
constexpr double cpu_vs_decode_budget = 1.5;
constexpr double jitter_p99_budget_ms = 4.0;
constexpr double event_p50_budget_ms = 30.0;
constexpr double event_p99_budget_ms = 100.0;
constexpr double rss_budget_mb = 200.0;

struct BenchOptions {
    std::string driver = "offscreen";
    int repeat = 1;
    bool keep = false;
};

// A 1080p30 H.264 clip of a lavfi source.
void make_clip(const fs::path& file, std::string_view source, std::chrono::seconds length) {
    generate(
        file,
        fmt::format("-f lavfi -i {}=size={}:rate=30:duration={} -pix_fmt yuv420p -c:v libx264 -preset fast",
                    source, screen_size, length.count()));
}

// The path of a program on PATH, as child processes are started without a PATH search.
fs::path find_program(std::string_view name) {
    const char* path = std::getenv("PATH");
    std::istringstream folders{path != nullptr ? path : "/usr/bin:/bin"};
    for (std::string folder; std::getline(folders, folder, ':');) {
        const fs::path candidate = fs::path{folder} / name;
        if (!folder.empty() && ::access(candidate.c_str(), X_OK) == 0) return candidate;
    }
    throw std::runtime_error(
        fmt::format("{} is not installed (apt-get install ffmpeg); the benchmark compares with it", name));
}

// Fails the run when a program did not end by itself with exit code 0.
void expect_clean_exit(const ProcessResult& result, std::string_view what, const fs::path& stderr_file) {
    if (result.exited && result.exit_code == 0) return;
    std::string how = result.timed_out ? "timed out"
                      : result.exited  ? fmt::format("exited with code {}", result.exit_code)
                                       : fmt::format("was killed by signal {}", result.signal);
    throw std::runtime_error(fmt::format("{} {}; its stderr ends with:\n{}", what, how, tail(stderr_file)));
}

ProcessOptions peer_options(const BenchOptions& options, std::vector<std::string> arguments,
                            const fs::path& stderr_file) {
    ProcessOptions process;
    process.arguments = std::move(arguments);
    process.environment = {{"SDL_VIDEODRIVER", options.driver}, {"SDL_AUDIODRIVER", "dummy"}};
    process.stderr_file = stderr_file;
    return process;
}

ProcessResult run_peer(const BenchOptions& options, const WorkDir& dir, const fs::path& program,
                       std::vector<std::string> arguments, std::string_view label) {
    const fs::path log = dir / fmt::format("{}.stderr", label);
    const ProcessResult result =
        dwell::test::run_process(program, peer_options(options, std::move(arguments), log), 180s);
    expect_clean_exit(result, label, log);
    return result;
}

// The first line of a log that mentions `word`; "?" when none does.
std::string log_line(const fs::path& file, std::string_view word) {
    std::istringstream lines{dwell::test::read_text(file)};
    for (std::string line; std::getline(lines, line);)
        if (line.find(word) != std::string::npos) return line;
    return "?";
}

// ---- the player --------------------------------------------------------------------------

struct PlayerRun {
    ProcessResult process;
    FinalStats stats;
};

struct PlayerFiles {
    fs::path stats;
    fs::path log;
};

PlayerFiles player_files(const WorkDir& dir, std::string_view label) {
    return {dir / fmt::format("{}.stats.jsonl", label), dir / fmt::format("{}.stderr", label)};
}

ProcessOptions player_options(const BenchOptions& options, const fs::path& playlist,
                              std::chrono::milliseconds duration, const PlayerFiles& files,
                              std::vector<std::string> extra = {}) {
    ProcessOptions process;
    process.arguments = {
        "--playlist",   playlist.string(),        "--video-driver", options.driver,
        "--size",       std::string{screen_size}, "--duration",     dwell::config::format_duration(duration),
        "--stats-json", files.stats.string(),     "--log-level",    "info"};
    process.arguments.insert(process.arguments.end(), extra.begin(), extra.end());
    process.environment = {{"SDL_VIDEODRIVER", options.driver}, {"SDL_AUDIODRIVER", "dummy"}};
    process.stderr_file = files.log;
    return process;
}

PlayerRun run_player(const BenchOptions& options, const WorkDir& dir, const fs::path& playlist,
                     std::chrono::milliseconds duration, std::string_view label) {
    const PlayerFiles files = player_files(dir, label);
    const ProcessResult result = dwell::test::run_process(
        DWELL_PLAYER_BIN, player_options(options, playlist, duration, files), duration + 60s);
    expect_clean_exit(result, fmt::format("dwell-player ({})", label), files.log);
    return {result, FinalStats::read(files.stats)};
}

// Joins at distinct moments, each stamped with the wall time it is sent, while the player shows
// a clip with the join overlay; the player is stopped with SIGTERM once the last one had time to show.
PlayerRun run_event_player(const BenchOptions& options, const WorkDir& dir, const fs::path& playlist) {
    const PlayerFiles files = player_files(dir, "events");
    dwell::test::EventServer server{dir / "events.sock"};
    dwell::test::ChildProcess player{
        DWELL_PLAYER_BIN,
        player_options(options, playlist, 120s, files, {"--events-socket", server.path().string()})};
    if (!server.accept(30s))
        throw std::runtime_error(
            "dwell-player did not connect to the event socket within 30 s; its stderr ends with:\n" +
            tail(files.log));
    // Let the first item and the overlay settle, so the figures are of steady playback.
    std::this_thread::sleep_for(2s);

    const auto start = std::chrono::steady_clock::now();
    for (int i = 1; i <= event_count; ++i) {
        std::this_thread::sleep_until(start + (i - 1) * event_interval);
        dwell::content::LiveEvent event;
        event.seq = static_cast<std::uint64_t>(i);
        event.at = std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
        event.body = dwell::content::JoinEvent{.campaign = std::string{join_campaign},
                                               .name = i % 2 == 0 ? "김*현" : "J***n",
                                               .channel = "line-main",
                                               .screen_count = static_cast<std::uint64_t>(i),
                                               .campaign_count = static_cast<std::uint64_t>(1000 + i)};
        if (!server.send(event))
            throw std::runtime_error(
                fmt::format("sending join {} of {} failed: the player closed the socket", i, event_count));
    }
    std::this_thread::sleep_for(1500ms);
    player.signal(SIGTERM);
    const ProcessResult result = player.wait(30s);
    expect_clean_exit(result, "dwell-player (events, after SIGTERM)", files.log);
    return {result, FinalStats::read(files.stats)};
}

BenchOptions parse_options(int argc, char** argv) {
    BenchOptions options;
    for (int i = 1; i < argc; ++i) {
        const std::string_view argument = argv[i];
        const bool has_value = i + 1 < argc;
        if (argument == "--driver" && has_value) {
            options.driver = argv[++i];
        } else if (argument == "--repeat" && has_value) {
            options.repeat = std::atoi(argv[++i]);
            if (options.repeat < 1) throw std::invalid_argument("--repeat needs a count of at least 1");
        } else if (argument == "--keep") {
            options.keep = true;
        } else {
            throw std::invalid_argument(fmt::format(
                "unknown argument {}; usage: player_bench [--driver offscreen|dummy] [--repeat N] [--keep]",
                argument));
        }
    }
    return options;
}

int run(const BenchOptions& options) {
    const WorkDir dir{"player-bench", options.keep};
    std::printf("player_bench: 1080p30 H.264, SDL driver %s, %u cores, load average %s, folder %s\n",
                options.driver.c_str(), std::thread::hardware_concurrency(), load_average().c_str(),
                dir.path().c_str());

    const fs::path clip = dir / "clip.mp4";
    const fs::path switch_a = dir / "switch_a.mp4";
    const fs::path switch_b = dir / "switch_b.mp4";
    make_clip(clip, "testsrc2", clip_length);
    make_clip(switch_a, "testsrc2", switch_clip_length);
    make_clip(switch_b, "testsrc", switch_clip_length);

    const fs::path play_playlist = dir / "play.yaml";
    write_file(play_playlist, "loop: false\nitems:\n  - { file: clip.mp4 }\n");
    const fs::path switch_playlist = dir / "switch.yaml";
    write_file(switch_playlist,
               "loop: true\ntransition: { type: cut }\nitems:\n"
               "  - { file: switch_a.mp4 }\n  - { file: switch_b.mp4 }\n");
    const fs::path event_playlist = dir / "events.yaml";
    write_file(event_playlist,
               "loop: true\nitems:\n  - { file: clip.mp4 }\n"
               "join: { account: \"@dwell\", prompt: \"{account}에 {code} 보내고 참여하세요\",\n"
               "        deep_link: \"https://line.me/R/oaMessage/@dwell/?{code}\",\n"
               "        secret: 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f,\n"
               "        slot: 0, digits: 6, period: 60s }\n");

    // The CPU comparison: each program plays or decodes the same clip; the least CPU of the rounds.
    const std::string clip_text = clip.string();
    const fs::path ffplay_program = find_program("ffplay");
    const fs::path ffmpeg_program = find_program("ffmpeg");
    double ffplay_cpu = 0;
    double decode_cpu = 0;
    double decode1_cpu = 0;
    std::optional<PlayerRun> play;
    double player_cpu = 0;
    double dropped = 0;
    double late = 0;
    double jitter = 0;
    double play_blank = 0;
    double play_rss = 0;
    double ffplay_rss = 0;
    for (int round = 1; round <= options.repeat; ++round) {
        std::printf("round %d of %d: ffplay, ffmpeg -f null (default threads, -threads 1), dwell-player\n",
                    round, options.repeat);
        std::fflush(stdout);
        // Verbose only for the line naming ffplay's renderer; it logs nothing per frame.
        const ProcessResult ffplay_run = run_peer(
            options, dir, ffplay_program,
            {"-autoexit", "-an", "-loglevel", "verbose", "-x", "1920", "-y", "1080", clip_text}, "ffplay");
        const double ffplay = ffplay_run.cpu_seconds;
        const double decode =
            run_peer(options, dir, ffmpeg_program,
                     {"-nostdin", "-hide_banner", "-loglevel", "error", "-i", clip_text, "-f", "null", "-"},
                     "ffmpeg-decode")
                .cpu_seconds;
        const double decode1 = run_peer(options, dir, ffmpeg_program,
                                        {"-nostdin", "-hide_banner", "-loglevel", "error", "-threads", "1",
                                         "-i", clip_text, "-f", "null", "-"},
                                        "ffmpeg-decode-threads1")
                                   .cpu_seconds;
        std::printf("  CPU: ffplay %.2f s, ffmpeg %.2f s, ffmpeg -threads 1 %.2f s\n", ffplay, decode,
                    decode1);
        std::fflush(stdout);
        PlayerRun run = run_player(options, dir, play_playlist, clip_length + run_margin, "play");
        std::printf("  CPU: dwell-player %.2f s\n", run.process.cpu_seconds);
        const bool first = round == 1;
        ffplay_rss = std::max(ffplay_rss, ffplay_run.max_rss_mb);
        ffplay_cpu = first ? ffplay : std::min(ffplay_cpu, ffplay);
        decode_cpu = first ? decode : std::min(decode_cpu, decode);
        decode1_cpu = first ? decode1 : std::min(decode1_cpu, decode1);
        player_cpu = first ? run.process.cpu_seconds : std::min(player_cpu, run.process.cpu_seconds);
        // Pacing and memory: the worst of the rounds.
        dropped = std::max(dropped, run.stats.number("frames_dropped"));
        late = std::max(late, run.stats.number("late_frames"));
        jitter = std::max(jitter, run.stats.number("jitter_p99_ms"));
        play_blank = std::max(play_blank, run.stats.number("blank_frames"));
        play_rss = std::max({play_rss, run.process.max_rss_mb, run.stats.number("rss_max_mb")});
        play.emplace(std::move(run));
    }

    std::printf("renderers:\n  ffplay: %s\n  dwell-player: %s\n",
                log_line(dir / "ffplay.stderr", "Initialized").c_str(),
                log_line(dir / "play.stderr", "renderer").c_str());
    std::printf("switch run: %llds testsrc2 and %llds testsrc, looped, cut\n",
                static_cast<long long>(switch_clip_length.count()),
                static_cast<long long>(switch_clip_length.count()));
    std::fflush(stdout);
    const PlayerRun switching =
        run_player(options, dir, switch_playlist, 4 * switch_clip_length + run_margin, "switch");

    std::printf("event run: %d joins, one every %lld ms, on the event socket\n", event_count,
                static_cast<long long>(event_interval.count()));
    std::fflush(stdout);
    const PlayerRun events = run_event_player(options, dir, event_playlist);

    const double rss = std::max({play_rss, switching.process.max_rss_mb, switching.stats.number("rss_max_mb"),
                                 events.process.max_rss_mb, events.stats.number("rss_max_mb")});
    const double switch_gap = switching.stats.number("max_switch_gap_ms");
    const double switch_blank = switching.stats.number("blank_frames");
    const double p50 = events.stats.number("event_to_pixel_p50_ms");
    const double p99 = events.stats.number("event_to_pixel_p99_ms");
    const double shown = events.stats.number("events_shown");
    const double clip_frames = static_cast<double>(clip_length.count()) * 30.0;

    const auto seconds = [](double value) { return fmt::format("{:.2f} s", value); };
    const auto ms = [](double value) { return fmt::format("{:.1f} ms", value); };
    const auto count = [](double value) { return fmt::format("{:.0f}", value); };
    const std::vector<Row> rows{
        {"ffplay CPU (displays the clip)", seconds(ffplay_cpu), "(peer)", std::nullopt, Verdict::info},
        {"ffmpeg -f null decode CPU (default threads)", seconds(decode_cpu), "(peer)", std::nullopt,
         Verdict::info},
        {"ffmpeg -f null decode CPU, -threads 1", seconds(decode1_cpu), "(peer, info)", std::nullopt,
         Verdict::info},
        {"player CPU / ffplay CPU", seconds(player_cpu), fmt::format("<= {}x ffplay", cpu_vs_ffplay_budget),
         player_cpu / ffplay_cpu, within(player_cpu <= cpu_vs_ffplay_budget * ffplay_cpu)},
        {"player CPU / ffmpeg decode CPU", seconds(player_cpu),
         fmt::format("<= {}x decode", cpu_vs_decode_budget), player_cpu / decode_cpu,
         within(player_cpu <= cpu_vs_decode_budget * decode_cpu)},
        {"player CPU / ffmpeg -threads 1 decode CPU (info)", seconds(player_cpu), "",
         player_cpu / decode1_cpu, Verdict::info},
        {"player CPU, its own stats line (info)", seconds(play->stats.number("cpu_seconds")), "",
         std::nullopt, Verdict::info},
        {fmt::format("frames presented (clip has {:.0f})", clip_frames),
         count(play->stats.number("frames_presented")), "", std::nullopt, Verdict::info},
        {"frames dropped", count(dropped), "0", std::nullopt, within(dropped == 0)},
        {"late frames", count(late), "", std::nullopt, Verdict::info},
        {"presentation jitter p99", ms(jitter), fmt::format("<= {} ms", jitter_p99_budget_ms), std::nullopt,
         within(jitter <= jitter_p99_budget_ms)},
        {"blank frames, single clip", count(play_blank), "0", std::nullopt, within(play_blank == 0)},
        {"switch gap between videos (max)", ms(switch_gap),
         fmt::format("<= 1 frame ({:.1f} ms)", frame_interval_ms), switch_gap / frame_interval_ms,
         within(switch_gap <= frame_interval_ms)},
        {"blank frames, switch run", count(switch_blank), "0", std::nullopt, within(switch_blank == 0)},
        {fmt::format("items played, switch run"), count(switching.stats.number("items_played")), "",
         std::nullopt, Verdict::info},
        {"frames dropped, switch run", count(switching.stats.number("frames_dropped")), "0", std::nullopt,
         within(switching.stats.number("frames_dropped") == 0)},
        {"event to pixel p50", ms(p50), fmt::format("<= {} ms", event_p50_budget_ms), std::nullopt,
         within(p50 <= event_p50_budget_ms)},
        {"event to pixel p99", ms(p99), fmt::format("<= {} ms", event_p99_budget_ms), std::nullopt,
         within(p99 <= event_p99_budget_ms)},
        {fmt::format("events shown (of {} sent)", event_count), count(shown), "", std::nullopt,
         Verdict::info},
        {"frames dropped, event run", count(events.stats.number("frames_dropped")), "0", std::nullopt,
         within(events.stats.number("frames_dropped") == 0)},
        {"ffplay peak RSS (info)", fmt::format("{:.1f} MB", ffplay_rss), "(peer, info)", std::nullopt,
         Verdict::info},
        {"peak RSS, any run (rusage and stats)", fmt::format("{:.1f} MB", rss),
         fmt::format("<= {} MB", rss_budget_mb), std::nullopt, within(rss <= rss_budget_mb)},
    };
    print_table(rows);
    std::printf(
        "CPU ratios use ffmpeg's default thread count; the -threads 1 row matches the player's decoder at "
        "1080p.\n");
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        return run(parse_options(argc, argv));
    } catch (const std::exception& error) {
        std::fprintf(stderr, "player_bench: %s\n", error.what());
        return 1;
    }
}
