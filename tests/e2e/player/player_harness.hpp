// What the end-to-end player tests share: the generated media set, running dwell-player as a child
// process, reading its snapshots (PNG + JSON sidecar) and stats lines, and pixel measures on them.
#pragma once

#include <unistd.h>
#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <regex>
#include <source_location>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include <SDL.h>
#include <SDL_image.h>
#include <gtest/gtest.h>
#include <boost/json.hpp>

#include "config/clock.hpp"
#include "player/render/renderer.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

namespace dwell::test::e2e {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using player::Color;
using player::Rect;
using player::RgbaImage;

inline constexpr std::string_view player_bin = DWELL_PLAYER_BIN;
// Generous: a run that takes this long hangs; the player's own --duration ends it much sooner.
inline constexpr std::chrono::milliseconds run_timeout = 60s;

// Options with every field named, since designated initializers must not leave any out here.
inline ProcessOptions process_options(std::vector<std::string> arguments,
                                      std::optional<fs::path> stdout_file = std::nullopt,
                                      std::optional<fs::path> stderr_file = std::nullopt) {
    ProcessOptions options;
    options.arguments = std::move(arguments);
    options.stdout_file = std::move(stdout_file);
    options.stderr_file = std::move(stderr_file);
    return options;
}

// ---- media ----------------------------------------------------------------------------------

inline fs::path repository_tests_dir() {
    // tests/e2e/player/player_harness.hpp → tests/
    return fs::path{std::source_location::current().file_name()}.parent_path().parent_path().parent_path();
}

inline fs::path media_script() {
    return repository_tests_dir() / "media" / "make_media.sh";
}

// The media set, made once by tests/media/make_media.sh and kept beside the test program keyed by
// the script's text, so each test process (ctest runs one per test) reuses it. Made in a private
// folder and renamed into place, so parallel test processes never see a half-made set.
inline const fs::path& media_dir() {
    static const fs::path dir = [] {
        const std::string script = read_text(media_script());
        if (script.empty()) throw std::runtime_error("cannot read " + media_script().string());
        const auto key = std::hash<std::string>{}(script);
        const fs::path exe_dir = fs::read_symlink("/proc/self/exe").parent_path();
        const fs::path final_dir = exe_dir / "e2e-media" / std::to_string(key);
        if (fs::exists(final_dir / "complete")) return final_dir;
        fs::create_directories(final_dir.parent_path());
        const fs::path work =
            final_dir.parent_path() / (std::to_string(key) + ".tmp-" + std::to_string(::getpid()));
        fs::remove_all(work);
        const fs::path log =
            final_dir.parent_path() / (std::to_string(key) + ".log-" + std::to_string(::getpid()));
        const ProcessResult made = run_process("/bin/sh",
                                               {.arguments = {media_script().string(), work.string()},
                                                .environment = {},
                                                .working_directory = std::nullopt,
                                                .stdout_file = log,
                                                .stderr_file = log},
                                               180s);
        if (!made.exited || made.exit_code != 0)
            throw std::runtime_error(media_script().string() + " failed: " + read_text(log));
        fs::remove(log);
        std::ofstream(work / "complete") << "made by " << media_script().string() << "\n";
        std::error_code ec;
        fs::rename(work, final_dir, ec);  // another process may have won the race: use its set
        if (ec) fs::remove_all(work);
        return final_dir;
    }();
    return dir;
}

inline fs::path media(std::string_view name) {
    return media_dir() / name;
}

// ---- JSON -----------------------------------------------------------------------------------

inline std::int64_t int_of(const boost::json::object& object, std::string_view key) {
    const auto* value = object.if_contains(key);
    if (value == nullptr || !value->is_number())
        throw std::runtime_error("no number \"" + std::string{key} + "\"");
    return value->to_number<std::int64_t>();
}

inline double number_of(const boost::json::object& object, std::string_view key) {
    const auto* value = object.if_contains(key);
    if (value == nullptr || !value->is_number())
        throw std::runtime_error("no number \"" + std::string{key} + "\"");
    return value->to_number<double>();
}

inline std::optional<std::string> string_of(const boost::json::object& object, std::string_view key) {
    const auto* value = object.if_contains(key);
    if (value == nullptr || !value->is_string()) return std::nullopt;
    return std::string{value->as_string()};
}

// ---- snapshots ------------------------------------------------------------------------------

struct Snapshot {
    fs::path png;
    std::int64_t scheduled_ms = 0;  // from the file name
    std::int64_t at_ms = 0;         // unix ms of presentation
    std::int64_t offset_ms = 0;     // actual ms since start
    std::string content;            // item | fallback | takeover
    std::optional<std::string> item;
    std::optional<std::string> campaign;

    [[nodiscard]] bool shows(std::string_view file_name) const {
        return item && fs::path{*item}.filename() == file_name;
    }
};

inline std::string snapshot_stem(std::int64_t scheduled_ms) {
    std::string digits = std::to_string(scheduled_ms);
    return "snapshot-" + std::string(digits.size() < 7 ? 7 - digits.size() : 0, '0') + digits;
}

// Every snapshot whose PNG and JSON sidecar are both written, by scheduled offset.
inline std::vector<Snapshot> read_snapshots(const fs::path& dir) {
    static const std::regex name{R"(snapshot-(\d{7})\.json)"};
    std::vector<Snapshot> snapshots;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
        const std::string file = entry.path().filename().string();
        std::smatch match;
        if (!std::regex_match(file, match, name)) continue;
        Snapshot snapshot;
        snapshot.scheduled_ms = std::stoll(match[1].str());
        snapshot.png = entry.path();
        snapshot.png.replace_extension(".png");
        if (!fs::exists(snapshot.png)) continue;
        boost::system::error_code json_error;
        const auto json = boost::json::parse(read_text(entry.path()), json_error);
        if (json_error || !json.is_object()) continue;  // being written
        const auto& object = json.as_object();
        snapshot.at_ms = int_of(object, "at");
        snapshot.offset_ms = int_of(object, "offset_ms");
        snapshot.content = string_of(object, "content").value_or("");
        snapshot.item = string_of(object, "item");
        snapshot.campaign = string_of(object, "campaign");
        snapshots.push_back(std::move(snapshot));
    }
    std::ranges::sort(snapshots, {}, &Snapshot::scheduled_ms);
    return snapshots;
}

// A PNG as RGBA pixels (SDL2_image).
inline RgbaImage load_png(const fs::path& file) {
    SDL_Surface* loaded = IMG_Load(file.c_str());
    if (loaded == nullptr) throw std::runtime_error("cannot load " + file.string() + ": " + IMG_GetError());
    SDL_Surface* rgba = SDL_ConvertSurfaceFormat(loaded, SDL_PIXELFORMAT_RGBA32, 0);
    SDL_FreeSurface(loaded);
    if (rgba == nullptr) throw std::runtime_error("cannot convert " + file.string() + ": " + SDL_GetError());
    RgbaImage image(rgba->w, rgba->h);
    const auto* source = static_cast<const std::uint8_t*>(rgba->pixels);
    const auto row_bytes = static_cast<std::size_t>(image.pitch());
    for (int y = 0; y < rgba->h; ++y)
        std::copy_n(source + static_cast<std::ptrdiff_t>(y) * rgba->pitch, row_bytes,
                    image.bytes().begin() + static_cast<std::ptrdiff_t>(y) * image.pitch());
    SDL_FreeSurface(rgba);
    return image;
}

// ---- pixels ---------------------------------------------------------------------------------

inline bool near(Color a, Color b, int tolerance) {
    return std::abs(a.r - b.r) <= tolerance && std::abs(a.g - b.g) <= tolerance &&
           std::abs(a.b - b.b) <= tolerance;
}

inline Rect clip(const RgbaImage& image, Rect region) {
    const int x0 = std::clamp(region.x, 0, image.width());
    const int y0 = std::clamp(region.y, 0, image.height());
    const int x1 = std::clamp(region.x + region.width, 0, image.width());
    const int y1 = std::clamp(region.y + region.height, 0, image.height());
    return {x0, y0, x1 - x0, y1 - y0};
}

template <typename Predicate>
double fraction_where(const RgbaImage& image, Rect region, Predicate&& predicate) {
    const Rect area = clip(image, region);
    if (area.empty()) return 0;
    std::int64_t count = 0;
    for (int y = area.y; y < area.y + area.height; ++y)
        for (int x = area.x; x < area.x + area.width; ++x)
            if (predicate(image.pixel(x, y))) ++count;
    return static_cast<double>(count) / (static_cast<double>(area.width) * static_cast<double>(area.height));
}

template <typename Predicate>
std::int64_t count_where(const RgbaImage& image, Rect region, Predicate&& predicate) {
    const Rect area = clip(image, region);
    std::int64_t count = 0;
    for (int y = area.y; y < area.y + area.height; ++y)
        for (int x = area.x; x < area.x + area.width; ++x)
            if (predicate(image.pixel(x, y))) ++count;
    return count;
}

inline double fraction_near(const RgbaImage& image, Rect region, Color color, int tolerance) {
    return fraction_where(image, region, [&](Color pixel) { return near(pixel, color, tolerance); });
}

inline bool is_white(Color pixel) {
    return pixel.r >= 200 && pixel.g >= 200 && pixel.b >= 200;
}
inline bool is_black(Color pixel) {
    return pixel.r <= 8 && pixel.g <= 8 && pixel.b <= 8;
}
inline bool is_dark(Color pixel) {
    return pixel.r <= 48 && pixel.g <= 48 && pixel.b <= 48;
}

inline std::int64_t white_pixels(const RgbaImage& image, Rect region) {
    return count_where(image, region, is_white);
}

// The bounding box of the points of `area` where `inside(x, y)` holds; nullopt when there are none.
inline std::optional<Rect> bounding_box(Rect area, const std::function<bool(int, int)>& inside) {
    int x0 = area.x + area.width;
    int y0 = area.y + area.height;
    int x1 = -1;
    int y1 = -1;
    for (int y = area.y; y < area.y + area.height; ++y)
        for (int x = area.x; x < area.x + area.width; ++x)
            if (inside(x, y)) {
                x0 = std::min(x0, x);
                y0 = std::min(y0, y);
                x1 = std::max(x1, x);
                y1 = std::max(y1, y);
            }
    if (x1 < 0) return std::nullopt;
    return Rect{x0, y0, x1 - x0 + 1, y1 - y0 + 1};
}

// The bounding box of pure black pixels in `region` (QR modules are the only pure black the
// scenes of these tests hold); nullopt when there are none.
inline std::optional<Rect> black_box(const RgbaImage& image, Rect region) {
    return bounding_box(clip(image, region), [&](int x, int y) { return is_black(image.pixel(x, y)); });
}

// How many pixels of `region` differ by more than `threshold` in some channel between two frames.
inline std::int64_t changed_pixels(const RgbaImage& a, const RgbaImage& b, Rect region, int threshold = 48) {
    const Rect area = clip(a, region);
    std::int64_t count = 0;
    for (int y = area.y; y < area.y + area.height; ++y)
        for (int x = area.x; x < area.x + area.width; ++x)
            if (!near(a.pixel(x, y), b.pixel(x, y), threshold)) ++count;
    return count;
}

// ---- the player -----------------------------------------------------------------------------

// The usual flags of a run in a test folder: a small window, snapshots and stats there. Set with
// chained calls: RunSetup{playlist}.duration("4s").snapshot_every("250ms").
class RunSetup {
  public:
    explicit RunSetup(fs::path playlist) : m_playlist(std::move(playlist)) {}

    RunSetup& size(std::string value) { return set(m_size, std::move(value)); }
    RunSetup& duration(std::string value) { return set(m_duration, std::move(value)); }
    RunSetup& snapshot_every(std::string value) { return set(m_snapshot_every, std::move(value)); }
    RunSetup& snapshot_at(std::string value) { return set(m_snapshot_at, std::move(value)); }
    RunSetup& extra(std::vector<std::string> arguments) {
        m_extra.insert(m_extra.end(), arguments.begin(), arguments.end());
        return *this;
    }
    // An environment variable of the player's, added to or replacing the defaults (the offscreen
    // video driver and the dummy audio driver), e.g. environment("SDL_AUDIODRIVER", "disk").
    RunSetup& environment(std::string name, std::string value) {
        m_environment[std::move(name)] = std::move(value);
        return *this;
    }
    [[nodiscard]] const std::map<std::string, std::string>& environment() const { return m_environment; }

    [[nodiscard]] std::vector<std::string> arguments(const fs::path& snapshots, const fs::path& stats) const {
        std::vector<std::string> out{
            "--playlist", m_playlist.string(), "--size",           m_size,         "--duration",
            m_duration,   "--snapshot-dir",    snapshots.string(), "--stats-json", stats.string()};
        if (!m_snapshot_every.empty()) out.insert(out.end(), {"--snapshot-every", m_snapshot_every});
        if (!m_snapshot_at.empty()) out.insert(out.end(), {"--snapshot-at", m_snapshot_at});
        out.insert(out.end(), m_extra.begin(), m_extra.end());
        return out;
    }

  private:
    RunSetup& set(std::string& field, std::string value) {
        field = std::move(value);
        return *this;
    }

    fs::path m_playlist;
    std::string m_size = "640x360";
    std::string m_duration = "3s";
    std::string m_snapshot_every;  // empty: none
    std::string m_snapshot_at;     // empty: none
    std::vector<std::string> m_extra;
    std::map<std::string, std::string> m_environment;
};

class Player {
  public:
    Player(const TempDir& dir, const RunSetup& setup)
        : m_snapshots(dir / "snapshots"),
          m_stats(dir / "stats.jsonl"),
          m_stderr(dir / "player.stderr"),
          m_stdout(dir / "player.stdout") {
        auto arguments = setup.arguments(m_snapshots, m_stats);
        m_process.emplace(fs::path{player_bin}, environment_with(arguments, setup.environment()));
    }

    ChildProcess& process() { return *m_process; }
    ProcessResult wait(std::chrono::milliseconds timeout = run_timeout) { return m_process->wait(timeout); }

    [[nodiscard]] const fs::path& snapshot_dir() const { return m_snapshots; }
    [[nodiscard]] const fs::path& stats_file() const { return m_stats; }
    [[nodiscard]] std::string stderr_text() const { return read_text(m_stderr); }
    [[nodiscard]] std::string stdout_text() const { return read_text(m_stdout); }
    [[nodiscard]] std::vector<Snapshot> snapshots() const { return read_snapshots(m_snapshots); }

  private:
    ProcessOptions environment_with(std::vector<std::string> arguments,
                                    const std::map<std::string, std::string>& overrides) const {
        ProcessOptions options = process_options(std::move(arguments), m_stdout, m_stderr);
        options.environment = {{"SDL_VIDEODRIVER", "offscreen"}, {"SDL_AUDIODRIVER", "dummy"}};
        for (const auto& [name, value] : overrides) options.environment[name] = value;
        return options;
    }

    fs::path m_snapshots;
    fs::path m_stats;
    fs::path m_stderr;
    fs::path m_stdout;
    std::optional<ChildProcess> m_process;
};

// A run that ended the way a timed run must: on its own, with status 0.
inline void expect_clean_exit(const Player& player, const ProcessResult& result) {
    EXPECT_FALSE(result.timed_out) << "the player hung; stderr:\n" << player.stderr_text();
    EXPECT_TRUE(result.exited) << "killed by signal " << result.signal << "; stderr:\n"
                               << player.stderr_text();
    EXPECT_EQ(result.exit_code, 0) << player.stderr_text();
}

// Waits for the run to reach its --duration and checks it ended cleanly.
inline void expect_clean_exit(Player& player) {
    expect_clean_exit(player, player.wait());
}

// Runs the player with `arguments` exactly as given (no defaults), for command-line tests.
inline ProcessResult run_player_raw(const TempDir& dir, std::vector<std::string> arguments,
                                    std::chrono::milliseconds timeout = run_timeout) {
    return run_process(fs::path{player_bin},
                       {.arguments = std::move(arguments),
                        .environment = {{"SDL_VIDEODRIVER", "offscreen"}, {"SDL_AUDIODRIVER", "dummy"}},
                        .working_directory = dir.path(),
                        .stdout_file = dir / "player.stdout",
                        .stderr_file = dir / "player.stderr"},
                       timeout);
}

// Every stats line that parses as a JSON object, in order.
inline std::vector<boost::json::object> read_stats(const fs::path& file) {
    std::vector<boost::json::object> lines;
    std::ifstream in(file);
    std::string line;
    while (std::getline(in, line)) {
        boost::system::error_code error;
        auto json = boost::json::parse(line, error);
        if (!error && json.is_object()) lines.push_back(std::move(json.as_object()));
    }
    return lines;
}

inline std::optional<boost::json::object> final_stats(const fs::path& file) {
    auto lines = read_stats(file);
    if (lines.empty()) return std::nullopt;
    const auto* final = lines.back().if_contains("final");
    if (final == nullptr || !final->is_bool() || !final->as_bool()) return std::nullopt;
    return lines.back();
}

// Polls `condition` every 20 ms until it holds or `timeout` passes.
inline bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout = 15s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!condition()) {
        if (std::chrono::steady_clock::now() >= deadline) return false;
        std::this_thread::sleep_for(20ms);
    }
    return true;
}

inline config::WallTime wall_now() {
    return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

inline std::int64_t unix_ms(config::WallTime time) {
    return time.time_since_epoch().count();
}

// The text a QR code in `png` holds (zbarimg from zbar-tools); empty when none was found.
inline std::string decode_qr(const TempDir& dir, const fs::path& png) {
    const auto out = dir / "zbar.out";
    const auto result = run_process("/usr/bin/zbarimg",
                                    {.arguments = {"--raw", "-q", png.string()},
                                     .environment = {},
                                     .working_directory = std::nullopt,
                                     .stdout_file = out,
                                     .stderr_file = dir / "zbar.err"},
                                    30s);
    std::string text = read_text(out);
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    if (!result.exited) return {};
    return text;
}

// Lines of `text` that contain `needle`.
inline std::vector<std::string> lines_with(std::string_view text, std::string_view needle) {
    std::vector<std::string> found;
    std::size_t start = 0;
    while (start < text.size()) {
        auto end = text.find('\n', start);
        if (end == std::string_view::npos) end = text.size();
        const auto line = text.substr(start, end - start);
        if (line.find(needle) != std::string_view::npos) found.emplace_back(line);
        start = end + 1;
    }
    return found;
}

inline bool is_warning_line(std::string_view line) {
    std::string lower{line};
    std::ranges::transform(lower, lower.begin(), [](char c) {
        return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    });
    return lower.find("warn") != std::string::npos || lower.find("error") != std::string::npos;
}

// A playlist's join block with a fixed secret, so the tests can compute the codes themselves.
inline constexpr std::string_view join_secret_hex =
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

inline std::string join_block(std::uint64_t slot = 7, std::string_view period = "60s") {
    return "join: { account: \"@dwell\", prompt: \"{account}에 {code} 보내고 참여하세요\",\n"
           "        deep_link: \"https://line.me/R/oaMessage/@dwell/?{code}\",\n"
           "        secret: " +
           std::string{join_secret_hex} + ", slot: " + std::to_string(slot) +
           ", digits: 6, period: " + std::string{period} + " }\n";
}

}  // namespace dwell::test::e2e
