#include "player/app.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <system_error>
#include <thread>
#include <utility>

#include <malloc.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <unistd.h>

#include <SDL.h>
#include <boost/json/serialize.hpp>

extern "C" {
#include <libavutil/log.h>
}

#include "config/clock.hpp"
#include "config/log.hpp"
#include "config/service.hpp"
#include "content/device_state.hpp"
#include "content/player_status.hpp"
#include "player/media/audio_output.hpp"
#include "player/media/frame_queue.hpp"
#include "player/media/image_loader.hpp"
#include "player/playback/event_link.hpp"
#include "player/playback/program.hpp"
#include "player/playback/record_sink.hpp"
#include "player/playback/stats.hpp"
#include "player/playback/timeline.hpp"
#include "player/render/renderer.hpp"
#include "player/scene/scene.hpp"

#ifndef DWELL_VERSION
#define DWELL_VERSION "0.0.0"
#endif

namespace dwell::player {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

// The signal handler may only write to a file descriptor and set a flag; both live here because a
// handler cannot reach any object.
std::atomic<int> g_wake_fd{-1};
std::atomic<bool> g_stop{false};

extern "C" void on_stop_signal(int) {
    g_stop.store(true);
    const int fd = g_wake_fd.load();
    if (fd >= 0) {
        const std::uint64_t one = 1;
        [[maybe_unused]] const auto written = ::write(fd, &one, sizeof one);
    }
}

// Wakes the render loop from other threads (the event link) and from signal handlers, and lets it
// sleep until a deadline with microsecond precision (SDL_WaitEventTimeout polls every millisecond
// on the offscreen and KMSDRM drivers, which costs CPU for nothing).
class LoopWaker {
  public:
    LoopWaker() : m_fd(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {}
    ~LoopWaker() {
        if (m_fd >= 0) ::close(m_fd);
    }
    LoopWaker(const LoopWaker&) = delete;
    LoopWaker& operator=(const LoopWaker&) = delete;

    [[nodiscard]] int fd() const { return m_fd; }
    void wake() const {
        const std::uint64_t one = 1;
        [[maybe_unused]] const auto written = ::write(m_fd, &one, sizeof one);
    }
    void wait_until(SteadyTime deadline) const {
        const auto now = Clock::now();
        if (deadline <= now) return;
        const auto left = std::chrono::duration_cast<std::chrono::nanoseconds>(deadline - now);
        timespec timeout{static_cast<time_t>(left.count() / 1'000'000'000),
                         static_cast<long>(left.count() % 1'000'000'000)};
        pollfd entry{m_fd, POLLIN, 0};
        if (::ppoll(&entry, 1, &timeout, nullptr) > 0) {
            std::uint64_t count = 0;
            [[maybe_unused]] const auto read = ::read(m_fd, &count, sizeof count);
        }
    }

  private:
    int m_fd;
};

class SignalGuard {
  public:
    explicit SignalGuard(const LoopWaker& waker) {
        g_stop.store(false);
        g_wake_fd.store(waker.fd());
        struct sigaction action {};
        action.sa_handler = on_stop_signal;
        sigemptyset(&action.sa_mask);
        ::sigaction(SIGTERM, &action, &m_old_term);
        ::sigaction(SIGINT, &action, &m_old_int);
    }
    ~SignalGuard() {
        ::sigaction(SIGTERM, &m_old_term, nullptr);
        ::sigaction(SIGINT, &m_old_int, nullptr);
        g_wake_fd.store(-1);
    }
    SignalGuard(const SignalGuard&) = delete;
    SignalGuard& operator=(const SignalGuard&) = delete;

  private:
    struct sigaction m_old_term {};
    struct sigaction m_old_int {};
};

double cpu_seconds() {
    rusage usage{};
    ::getrusage(RUSAGE_SELF, &usage);
    const auto seconds = [](const timeval& time) {
        return static_cast<double>(time.tv_sec) + static_cast<double>(time.tv_usec) / 1e6;
    };
    return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// PNGs written by a worker thread: encoding a 1080p PNG takes tens of milliseconds, far more than a
// frame. Used for snapshots and for the screenshots operators ask for.
class SnapshotWriter {
  public:
    struct Job {
        RgbaImage image;
        fs::path png;
        std::string sidecar;                              // JSON written beside the PNG, if any
        std::function<void(const Result<void>&)> done{};  // called on the worker once it is written
    };

    SnapshotWriter() : m_jobs(8), m_worker([this](const std::stop_token& stop) { run(stop); }) {}
    ~SnapshotWriter() {
        m_jobs.close();  // the worker writes what is queued, then ends
    }
    SnapshotWriter(const SnapshotWriter&) = delete;
    SnapshotWriter& operator=(const SnapshotWriter&) = delete;

    void add(Job job) {
        if (m_jobs.try_push(std::move(job)) == PushResult::pushed) return;
        config::logger("player")->warn("the PNG writer is behind; {} was skipped", job.png.string());
        if (job.done) job.done(fail(Errc::quota, "the player was busy writing other pictures"));
    }

  private:
    void run(const std::stop_token&) {
        while (auto job = m_jobs.pop()) {
            std::error_code ignored;
            fs::create_directories(job->png.parent_path(), ignored);
            auto written = write_png(job->image, job->png);  // written beside and renamed into place
            if (!written) {
                config::logger("player")->warn("{}", written.error().message);
            } else if (!job->sidecar.empty()) {
                std::ofstream{fs::path{job->png}.replace_extension(".json")} << job->sidecar << '\n';
            }
            if (job->done) job->done(written);
        }
    }

    BoundedQueue<Job> m_jobs;
    std::jthread m_worker;
};

// When snapshots are due, as offsets from the start of the render loop.
class SnapshotSchedule {
  public:
    SnapshotSchedule(std::optional<config::Duration> every, const std::vector<config::Duration>& at)
        : m_every(every), m_at(at.begin(), at.end()) {
        if (m_every) m_next_every = *m_every;
    }
    [[nodiscard]] std::optional<config::Duration> next() const {
        std::optional<config::Duration> next;
        if (!m_at.empty()) next = *m_at.begin();
        if (m_every && (!next || m_next_every < *next)) next = m_next_every;
        return next;
    }
    // The due offset (the file's name) when one is due at `elapsed`; taken off the schedule.
    std::optional<config::Duration> take_due(config::Duration elapsed) {
        const auto due = next();
        if (!due || *due > elapsed) return std::nullopt;
        m_at.erase(*due);
        if (m_every && m_next_every == *due) {
            while (m_next_every <= elapsed) m_next_every += *m_every;
        }
        return due;
    }

  private:
    std::optional<config::Duration> m_every;
    config::Duration m_next_every{0};
    std::set<config::Duration> m_at;
};

std::string_view content_name(ZoneContent content) {
    switch (content) {
    case ZoneContent::item: return "item";
    case ZoneContent::fallback: return "fallback";
    case ZoneContent::takeover: return "takeover";
    case ZoneContent::blank: return "blank";
    }
    return "blank";
}

// The item on screen as a health record names it: its campaign and, for a file from the asset
// cache (named by its SHA-256), the hash. Nothing for the fallback or a playlist's own files.
std::optional<content::PlayingItem> playing_item(const MainView& view) {
    const std::string name = view.file.filename().string();
    const bool hashed = name.size() == 64 && std::ranges::all_of(name, [](char c) {
                            return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
                        });
    if (view.campaign.empty() || !hashed) return std::nullopt;
    return content::PlayingItem{view.campaign, name};
}

// Where the program comes from: a playlist (fixed), or the agent's state.db (re-read on change).
struct Inputs {
    std::shared_ptr<const Program> program;
    std::unique_ptr<content::DeviceState> state;  // normal mode only
    fs::path cache_dir;
    std::int64_t generation = -1;
    std::optional<fs::path> events_socket;
    std::optional<fs::path> screenshot_dir;  // where screenshots the agent asks for go
    std::optional<fs::path> records_db;
    std::string screen_id;
    config::VideoDriver driver = config::VideoDriver::automatic;
    std::optional<config::PixelSize> size;
    config::HwAccel hwaccel = config::HwAccel::none;
    AudioMode audio = AudioMode::off;
    config::Duration clock_offset{0};
};

Result<Inputs> read_inputs(const PlayerOptions& options) {
    Inputs inputs;
    if (options.playlist_file) {
        auto playlist = load_playlist(*options.playlist_file);
        if (!playlist) return fail(std::move(playlist.error()));
        inputs.records_db = options.state_db;
        inputs.program = std::make_shared<const Program>(
            program_from_playlist(*playlist, options.state_db ? AssetHashes::compute : AssetHashes::skip));
        inputs.screen_id = playlist->screen.id;
        inputs.events_socket = options.events_socket;
        if (options.events_socket)
            inputs.screenshot_dir = options.events_socket->parent_path() / "screenshots";
    } else {
        auto device = config::load_device_config(*options.config_file);
        if (!device) return fail(std::move(device.error()));
        config::set_log_level(device->log_level);
        auto state = content::DeviceState::open(device->state_db());
        if (!state) return fail(std::move(state.error()));
        inputs.state = std::move(*state);
        inputs.cache_dir = device->cache_dir();
        // Until the first manifest says more: the fallback slide of the configured station.
        content::Screen screen;
        screen.id = device->device.id;
        screen.station = device->device.station;
        screen.line = device->device.line;
        screen.timezone = "UTC";
        screen.layout = "fullscreen";
        inputs.screen_id = device->device.id;
        inputs.records_db = device->state_db();
        inputs.events_socket = options.events_socket.value_or(device->events_socket());
        inputs.screenshot_dir = device->screenshot_dir();
        inputs.driver = device->display.driver;
        inputs.size = device->display.size;
        inputs.hwaccel = device->display.hwaccel;
        inputs.audio = device->display.audio ? AudioMode::on : AudioMode::off;
        inputs.program = std::make_shared<const Program>(empty_program(std::move(screen)));
    }
    if (options.log_level) config::set_log_level(*options.log_level);
    if (options.driver) inputs.driver = *options.driver;
    if (options.size) inputs.size = *options.size;
    if (options.audio) inputs.audio = *options.audio;
    return inputs;
}

// Normal mode: picks up a manifest the agent stored since the last look. Returns the new program.
std::shared_ptr<const Program> reload(Inputs& inputs, const PlayerOptions& options) {
    if (!inputs.state) return nullptr;
    auto log = config::logger("player");
    if (auto offset = inputs.state->clock_offset()) inputs.clock_offset = *offset;
    auto generation = inputs.state->manifest_generation();
    if (!generation) {
        log->warn("cannot read state.db: {}", generation.error().message);
        return nullptr;
    }
    if (*generation == inputs.generation) return nullptr;
    auto stored = inputs.state->manifest();
    if (!stored) {
        log->warn("cannot read the manifest from state.db: {}", stored.error().message);
        return nullptr;
    }
    inputs.generation = *generation;
    if (!*stored) return nullptr;
    Program program = program_from_manifest((*stored)->manifest, inputs.cache_dir);
    if (options.transition) program.transition = *options.transition;
    log->info("manifest {} ({}): {} campaign(s)", (*stored)->generation, (*stored)->etag,
              program.campaigns.size());
    return std::make_shared<const Program>(std::move(program));
}

}  // namespace

int run_player(const PlayerOptions& options) {
    auto log = config::logger("player");
    // Decoded frames are megabytes each and come and go with every item. glibc would otherwise
    // raise its mmap threshold after the first ones are freed and serve later frames from its heap
    // arenas (one per decoding thread), which keep the pages: the resident set then creeps up by
    // megabytes a minute on a screen that plays for months. A fixed threshold keeps every frame
    // buffer in its own mapping, returned to the system when freed.
    mallopt(M_MMAP_THRESHOLD, 256 * 1024);
    av_log_set_level(AV_LOG_ERROR);
    auto inputs = read_inputs(options);
    if (!inputs) {
        std::fprintf(stderr, "dwell-player: %s\n", inputs.error().message.c_str());
        return exit_usage;
    }
    if (options.transition && !inputs->state) {
        auto program = std::make_shared<Program>(*inputs->program);
        program->transition = *options.transition;
        inputs->program = std::move(program);
    }
    if (auto program = reload(*inputs, options)) inputs->program = std::move(program);
    if (options.snapshot_dir) {
        std::error_code error;
        fs::create_directories(*options.snapshot_dir, error);
        if (error) {
            std::fprintf(stderr, "dwell-player: cannot create snapshot folder %s: %s\n",
                         options.snapshot_dir->c_str(), error.message().c_str());
            return exit_usage;
        }
    }
    std::optional<StatsWriter> stats_writer;
    if (options.stats_json) {
        auto writer = StatsWriter::open(*options.stats_json);
        if (!writer) {
            std::fprintf(stderr, "dwell-player: %s\n", writer.error().message.c_str());
            return exit_usage;
        }
        stats_writer = std::move(*writer);
    }

    // SDL must not install its own SIGINT/SIGTERM handlers: ours wake the loop at once.
    SDL_SetHint(SDL_HINT_NO_SIGNAL_HANDLERS, "1");
    RendererOptions renderer_options;
    renderer_options.driver = inputs->driver;
    renderer_options.size = inputs->size;
    renderer_options.window = inputs->state ? WindowMode::fullscreen : WindowMode::windowed;
    renderer_options.title = "dwell-player";
    // On a real display each present waits for the vertical blank, so frames never tear.
    renderer_options.vsync = VSync::on;
    auto renderer = Renderer::create(renderer_options);
    if (!renderer) {
        log->critical("cannot open the screen: {}", renderer.error().message);
        return exit_failure;
    }
    auto scene = Scene::create(**renderer);
    if (!scene) {
        log->critical("cannot set up drawing: {}", scene.error().message);
        return exit_failure;
    }
    auto records = RecordSink::open(inputs->records_db, inputs->screen_id);
    if (!records) {
        std::fprintf(stderr, "dwell-player: %s\n", records.error().message.c_str());
        return exit_usage;
    }
    log->info("dwell-player {} on {} ({}, {}x{})", player_version(), (*renderer)->video_driver(),
              (*renderer)->renderer_name(), (*renderer)->output_size().width,
              (*renderer)->output_size().height);

    // Sound is an extra: without a device the screen plays on silently, it never stops for it.
    std::unique_ptr<AudioOutput> audio;
    if (inputs->audio == AudioMode::on) {
        auto opened = AudioOutput::open(AudioFormat{});
        if (opened) {
            audio = std::move(*opened);
            log->info("audio on {} ({} Hz, {} channels, {} ms buffer)", audio->driver(),
                      audio->format().sample_rate, audio->format().channels,
                      std::chrono::duration_cast<milliseconds>(audio->latency()).count());
        } else {
            log->warn("audio is enabled but no audio device could be opened: {}; playing without sound",
                      opened.error().message);
        }
    }

    const config::SystemClock system_clock;
    config::OffsetClock clock{system_clock, inputs->clock_offset};
    PlaybackStats stats;
    ImageLoader images;
    TimelineOptions timeline_options;
    timeline_options.media.hwaccel = inputs->hwaccel;
    if (audio) {
        timeline_options.media.audio = AudioMode::on;
        timeline_options.media.audio_format = audio->format();
    }
    Timeline timeline{**renderer, images, clock, **records, stats, timeline_options, default_video_opener(),
                      audio.get()};
    timeline.set_program(inputs->program);
    (*scene)->set_program(inputs->program);
    (*scene)->warm_up(clock.now());

    LoopWaker waker;
    const SignalGuard signals{waker};
    EventInbox inbox;
    std::optional<EventLink> link;
    if (inputs->events_socket) {
        link.emplace(EventLinkOptions{*inputs->events_socket}, inbox, [&waker] { waker.wake(); });
    }
    std::optional<SnapshotWriter> snapshots;
    if (options.snapshot_dir) snapshots.emplace();
    // Screenshots an operator asked for: written for the agent, which is told once each is there.
    // The writer's jobs call screenshot_done, so it is declared first and outlives the writer.
    const auto screenshot_done = [&link, dir = inputs->screenshot_dir.value_or(fs::path{})](
                                     const std::string& id, const Result<void>& written) {
        if (!written)
            if (auto noted = content::write_screenshot_failure(dir, id, written.error().message); !noted)
                config::logger("player")->warn("screenshot {}: {}", id, noted.error().message);
        link->report(content::to_json_line(content::ScreenshotReady{id}));
    };
    std::optional<SnapshotWriter> screenshots;
    if (link && inputs->screenshot_dir) screenshots.emplace();
    std::vector<std::string> screenshot_requests;
    SnapshotSchedule snapshot_schedule{options.snapshot_every, options.snapshot_at};
    const config::ServiceNotifier notifier;
    const auto watchdog_every = notifier.watchdog_interval();

    const SteadyTime start = Clock::now();
    const SteadyTime end = options.duration ? start + *options.duration : SteadyTime::max();
    SteadyTime last_present{};
    SteadyTime next_stats = start + std::chrono::seconds{1};
    // The player's status goes to the agent for the screen's health records.
    constexpr auto status_every = std::chrono::seconds{10};
    SteadyTime next_status = start + std::chrono::seconds{1};
    SteadyTime status_since = start;
    std::uint64_t status_frames = 0;
    SteadyTime next_watchdog = start;
    SteadyTime next_manifest_check = start + std::chrono::seconds{2};
    SteadyTime scene_deadline = start;
    const void* last_layer = nullptr;
    bool first = true;
    // How long drawing and presenting a video frame takes (a moving average). Frames are taken
    // this much before they are due, so they reach the screen on time rather than that much late.
    std::chrono::microseconds lead{0};
    constexpr std::chrono::microseconds max_lead{12'000};
    bool events_waiting = false;  // applied to the scene, not drawn yet
    constexpr auto event_ride = milliseconds{12};

    while (!g_stop.load()) {
        SteadyTime now = Clock::now();
        if (now >= end) break;
        SDL_Event event;
        while (SDL_PollEvent(&event) != 0) {
            if (event.type == SDL_QUIT) g_stop.store(true);
        }

        EventBatch batch = inbox.take();
        bool manifest_event = false;
        for (const auto& control : batch.control) {
            manifest_event |= std::holds_alternative<content::ManifestEvent>(control.body);
            if (const auto* shot = std::get_if<content::ScreenshotEvent>(&control.body); shot && screenshots)
                screenshot_requests.push_back(shot->id);
        }
        if (inputs->state && (manifest_event || now >= next_manifest_check)) {
            next_manifest_check = now + std::chrono::seconds{2};
            if (auto program = reload(*inputs, options)) {
                timeline.set_program(program);
                (*scene)->set_program(program);
            }
            clock.set_offset(std::chrono::duration_cast<milliseconds>(inputs->clock_offset));
        }
        (*scene)->apply(batch, now);
        const config::WallTime wall = clock.now();
        if ((*scene)->takeover_active(wall)) {
            timeline.suspend(now);
        } else if (timeline.suspended()) {
            timeline.resume();
        }
        timeline.update(now + lead);

        MainView view = timeline.view(now + lead);
        const auto frame_due = timeline.take_new_frame_due();
        const void* top_layer =
            view.layers.empty()
                ? nullptr
                : (view.layers.back().video ? static_cast<const void*>(view.layers.back().video)
                                            : static_cast<const void*>(view.layers.back().image));
        const auto elapsed = std::chrono::duration_cast<config::Duration>(now - start);
        const auto snapshot = snapshots ? snapshot_schedule.take_due(elapsed) : std::nullopt;
        // A live event rides on the next video frame when one is due within a few milliseconds,
        // rather than costing a whole extra frame: a burst of joins must not double the drawing.
        events_waiting = events_waiting || !batch.empty();
        const bool events_now =
            events_waiting && timeline.next_deadline(now + lead) - lead > now + event_ride;
        const bool capture = snapshot || !screenshot_requests.empty();
        const bool present = first || frame_due || events_now || now >= scene_deadline || capture ||
                             top_layer != last_layer || view.layers.size() > 1 ||
                             now - last_present >= std::chrono::seconds{1};
        if (present) {
            const ZoneContent content = (*scene)->draw(view, wall, now);
            auto presented_ok = (*renderer)->present(capture ? Capture::yes : Capture::no);
            if (!presented_ok) log->warn("present: {}", presented_ok.error().message);
            const SteadyTime presented = Clock::now();
            const config::WallTime presented_wall = clock.now();
            stats.frame_presented(frame_due.value_or(presented), presented, content);
            if (frame_due) {
                const auto cost = std::min(
                    std::chrono::duration_cast<std::chrono::microseconds>(presented - now), max_lead);
                lead = (lead * 7 + cost) / 8;
            }
            last_present = presented;
            last_layer = top_layer;
            events_waiting = false;
            for (const PresentedEvent& shown : (*scene)->take_presented()) {
                const auto latency =
                    std::chrono::duration_cast<std::chrono::microseconds>(presented_wall - shown.at);
                stats.event_presented(latency);
                if (!shown.join) continue;
                log->info("join shown: seq {} campaign {} ({} ms after the hub made it)", shown.seq,
                          shown.campaign, latency.count() / 1000);
                records->get()->add(content::ShownRecord{shown.seq, shown.campaign, presented_wall});
            }
            std::optional<RgbaImage> captured;
            if (capture) captured = (*renderer)->take_capture();
            for (const std::string& id : screenshot_requests) {
                if (!captured) {
                    screenshot_done(id, fail(Errc::internal, "the player could not read back its frame: {}",
                                             presented_ok ? "no capture" : presented_ok.error().message));
                    continue;
                }
                log->info("screenshot {} taken", id);
                screenshots->add(
                    {*captured,
                     content::screenshot_png(*inputs->screenshot_dir, id),
                     {},
                     [&screenshot_done, id](const Result<void>& written) { screenshot_done(id, written); }});
            }
            screenshot_requests.clear();
            if (snapshot && captured) {
                const auto name = fmt::format("snapshot-{:07}", snapshot->count());
                boost::json::object sidecar{
                    {"at",
                     std::chrono::duration_cast<milliseconds>(presented_wall.time_since_epoch()).count()},
                    {"offset_ms", std::chrono::duration_cast<milliseconds>(presented - start).count()},
                    {"content", content_name(content)},
                    {"item",
                     view.file.empty() ? boost::json::value{} : boost::json::value(view.file.string())},
                    {"campaign",
                     view.campaign.empty() ? boost::json::value{} : boost::json::value(view.campaign)}};
                snapshots->add({std::move(*captured), *options.snapshot_dir / (name + ".png"),
                                boost::json::serialize(sidecar)});
            }
            if (first) {
                notifier.ready();
                log->info("first frame presented {} ms after start",
                          std::chrono::duration_cast<milliseconds>(presented - start).count());
                first = false;
            }
        }
        now = Clock::now();
        if (watchdog_every && now >= next_watchdog) {
            notifier.watchdog();
            next_watchdog = now + *watchdog_every;
        }
        if (stats_writer && now >= next_stats) {
            auto summary = stats.summary();
            summary.cpu_seconds = cpu_seconds();
            if (auto written = stats_writer->write(summary, false); !written)
                log->warn("{}", written.error().message);
            next_stats += std::chrono::seconds{1};
            if (next_stats <= now) next_stats = now + std::chrono::seconds{1};
        }

        if (link && now >= next_status) {
            const StatsSummary& summary = stats.counts();
            const double seconds = std::chrono::duration<double>(now - status_since).count();
            content::PlayerStatus status;
            status.fps =
                seconds > 0 ? static_cast<double>(summary.frames_presented - status_frames) / seconds : 0;
            status.frames_dropped = summary.frames_dropped;
            status.current_item = playing_item(view);
            status.version = std::string{player_version()};
            link->report(content::to_json_line(status));
            status_frames = summary.frames_presented;
            status_since = now;
            next_status = now + status_every;
        }

        scene_deadline = (*scene)->next_deadline(clock.now(), now);
        SteadyTime wake = std::min({timeline.next_deadline(now + lead) - lead, scene_deadline,
                                    last_present + std::chrono::seconds{1}});
        if (const auto next_snapshot = snapshot_schedule.next(); snapshots && next_snapshot)
            wake = std::min(wake, start + *next_snapshot);
        if (stats_writer) wake = std::min(wake, next_stats);
        if (link) wake = std::min(wake, next_status);
        if (watchdog_every) wake = std::min(wake, next_watchdog);
        wake = std::min(wake, end);
        waker.wait_until(wake);
    }

    notifier.stopping();
    log->info("stopping");
    if (audio) log->info("audio: {} of {} buffers ran short of sound", audio->underruns(), audio->buffers());
    screenshots.reset();  // its jobs report through the link
    link.reset();
    records->get()->flush();
    if (stats_writer) {
        auto summary = stats.summary();
        summary.cpu_seconds = cpu_seconds();
        if (auto written = stats_writer->write(summary, true); !written)
            log->warn("{}", written.error().message);
    }
    return exit_ok;
}

std::string_view player_version() {
    return DWELL_VERSION;
}

}  // namespace dwell::player
