#include "player/playback/timeline.hpp"

#include <algorithm>
#include <cstring>
#include <future>
#include <thread>
#include <utility>

#include "config/log.hpp"

namespace dwell::player {
namespace {

using std::chrono::milliseconds;

Rotation rotation_of(int degrees) {
    switch (degrees) {
    case 90: return Rotation::cw90;
    case 180: return Rotation::cw180;
    case 270: return Rotation::cw270;
    default: return Rotation::none;
    }
}

RgbaImage to_rgba_image(const Image& image) {
    RgbaImage rgba{image.width, image.height};
    const auto row = static_cast<std::size_t>(image.width) * 4;
    auto bytes = rgba.bytes();
    for (int y = 0; y < image.height; ++y) {
        std::memcpy(bytes.data() + static_cast<std::size_t>(y) * row,
                    image.pixels.data() + static_cast<std::size_t>(y) * static_cast<std::size_t>(image.pitch),
                    row);
    }
    return rgba;
}

std::size_t item_count(const Program& program) {
    std::size_t count = 0;
    for (const auto& campaign : program.campaigns) count += campaign.items.size();
    return count;
}

// The texture may hold on to the frame until the next one (the software renderer converts it
// when drawing), so it gets a share of it.
Result<void> upload(VideoTexture& texture, VideoFrame frame) {
    const auto held = std::make_shared<const VideoFrame>(std::move(frame));
    const config::PixelSize size{held->width(), held->height()};
    const auto plane = [&](std::size_t index) { return Plane{held->plane(index), held->pitch(index)}; };
    if (held->pixel_format() == PixelFormat::nv12) return texture.update_nv12(size, plane(0), plane(1), held);
    return texture.update_iyuv(size, plane(0), plane(1), plane(2), held);
}

}  // namespace

struct Timeline::Slot {
    std::string campaign;
    content::Item item;
    std::filesystem::path file;
    Scaling scaling = Scaling::fit;
    std::optional<config::Duration> length;  // explicit length; nullopt: a video's own

    // A video is opened on a thread of its own (probing a file can take tens of milliseconds),
    // whose result arrives here; the thread never blocks the render thread, even when stuck.
    std::future<Result<std::unique_ptr<VideoStream>>> opening;
    std::unique_ptr<VideoStream> video;
    std::optional<ImageRequest> image_request;
    Texture image;
    VideoTexture texture;
    std::optional<VideoFrame> pending;  // the next frame, taken from the queue, not yet due
    bool has_picture = false;

    SteadyTime opened_at{};
    bool started = false;
    SteadyTime t0{};         // frame pts p is due at t0 + p
    SteadyTime end{};        // when the slot gives way
    bool end_known = false;  // false while a video of its own length has not reached its end
    bool eof = false;        // no more frames will come
    SteadyTime last_progress{};
    SteadyTime last_frame_end{};
    config::WallTime wall_start{};
    std::uint64_t dropped = 0;
    std::optional<Error> broken;  // failed after it started
    BoundedQueue<std::unique_ptr<VideoStream>>* closing = nullptr;

    Slot() = default;
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    ~Slot() {
        // Handed to the closing thread; closed here only when that queue is full.
        if (video && closing != nullptr) (void)closing->try_push(std::move(video));
    }

    [[nodiscard]] bool is_video() const { return item.kind == content::MediaKind::video; }
};

VideoOpener default_video_opener() {
    return [](const std::filesystem::path& file,
              const MediaSourceOptions& options) -> Result<std::unique_ptr<VideoStream>> {
        auto source = MediaSource::open(file, options);
        if (!source) return fail(std::move(source.error()));
        return std::unique_ptr<VideoStream>{std::move(*source)};
    };
}

Timeline::Timeline(Renderer& renderer, ImageLoader& images, const config::Clock& clock, RecordSink& records,
                   PlaybackStats& stats, TimelineOptions options, VideoOpener opener, AudioSink* audio)
    : m_renderer(renderer),
      m_images(images),
      m_clock(clock),
      m_records(records),
      m_stats(stats),
      m_options(std::move(options)),
      m_opener(std::move(opener)),
      m_audio(audio),
      m_closer([this](const std::stop_token& stop) {
          while (auto stream = m_closing.pop(stop)) stream->reset();
      }),
      m_resolver(m_options.schedule) {}

Timeline::~Timeline() {
    if (m_audio != nullptr && m_audio_playing) m_audio->stop();
    // Slots first, while the closing thread still takes their videos.
    m_incoming.reset();
    m_current.reset();
    m_next.reset();
    m_held.reset();
    m_closing.close();
}

void Timeline::set_program(std::shared_ptr<const Program> program) {
    m_program = std::move(program);
    m_screen = content::ScreenContext::create_or_utc(m_program->screen);
    discard_next();  // planned from the old program and not started yet
    m_rotation.keep_only(m_program->campaigns);
    m_picks_made = 0;
    m_idle_until = {};
    m_failures_in_row = 0;
}

config::Duration Timeline::fade() const {
    if (!m_program || m_program->transition.kind != TransitionKind::crossfade) return config::Duration{0};
    return m_program->transition.duration;
}

config::WallTime Timeline::wall_at(SteadyTime at, SteadyTime now) const {
    return m_clock.now() + std::chrono::duration_cast<milliseconds>(at - now);
}

void Timeline::update(SteadyTime now) {
    if (m_suspended || !m_program) return;

    if (!m_next && !m_incoming && now >= m_idle_until) {
        if (!m_current) {
            plan_next(now, now);
        } else if (now + m_options.preroll + fade() >= m_current->end) {
            plan_next(m_current->end, now);
        }
    }
    const bool next_ready = m_next && poll_ready(*m_next, now);

    if (m_current) advance(*m_current, now);
    if (m_incoming) advance(*m_incoming, now);

    if (m_current && m_current->broken) {
        fail(m_current, now, *m_current->broken);
        if (m_incoming) m_current = std::move(m_incoming);
    }

    if (m_current && m_current->end_known && now >= m_current->end) {
        const SteadyTime end = m_current->end;
        finish(m_current, now, Outcome::completed);
        if (m_incoming) {
            m_current = std::move(m_incoming);
        } else if (next_ready) {
            m_current = std::move(m_next);
            start(*m_current, std::max(end, now - milliseconds{1}), now);
            m_stats.switch_gap(std::chrono::duration_cast<std::chrono::microseconds>(now - end));
        }
    } else if (!m_current && next_ready) {
        m_current = std::move(m_next);
        start(*m_current, now, now);
        if (m_held_since) {
            m_stats.switch_gap(std::chrono::duration_cast<std::chrono::microseconds>(now - *m_held_since));
        }
    }

    // A crossfade: the next item starts under the current one `fade` before the current ends.
    if (fade() > config::Duration{0} && m_current && !m_incoming && m_next && next_ready &&
        now >= m_current->end - fade()) {
        m_incoming = std::move(m_next);
        start(*m_incoming, std::min(now, m_current->end - fade()), now);
    }

    // The last picture stays up while another item is on its way (one is planned at the next turn
    // after a failure); the fallback shows when none is coming for now.
    if ((m_current && m_current->started) || (!m_current && !m_next && now < m_idle_until)) {
        m_held.reset();
        m_held_since.reset();
    }
    follow_audio();
}

void Timeline::follow_audio() {
    if (m_audio == nullptr) return;
    // During a crossfade the incoming item's sound takes over as soon as it starts.
    const Slot* owner = m_incoming ? m_incoming.get() : m_current.get();
    std::shared_ptr<AudioFeed> wanted;
    if (!m_suspended && owner != nullptr && owner->started && owner->video) wanted = owner->video->audio();
    if (wanted == m_audio_playing) return;
    if (wanted) {
        m_audio->play(wanted, owner->t0);
    } else {
        m_audio->stop();
    }
    m_audio_playing = std::move(wanted);
}

void Timeline::plan_next(SteadyTime at, SteadyTime now) {
    if (!m_program->loop && m_picks_made >= item_count(*m_program)) {
        m_idle_until = SteadyTime::max();  // played once: the fallback from now on
        return;
    }
    const content::Plan plan =
        m_resolver.plan(m_program->campaigns, *m_screen, wall_at(at, now), m_rotation, 1);
    const content::Pick& pick = plan.picks.front();
    if (pick.is_fallback()) {
        m_idle_until = at + pick.duration;
        return;
    }
    m_before_next = Undo{m_rotation, m_picks_made};
    m_rotation = plan.rotation_after_first;
    ++m_picks_made;
    m_next = open_slot(pick, now);
}

void Timeline::discard_next() {
    if (!m_next) return;
    m_next.reset();
    m_rotation = m_before_next.rotation;
    m_picks_made = m_before_next.picks_made;
}

std::unique_ptr<Timeline::Slot> Timeline::open_slot(const content::Pick& pick, SteadyTime now) {
    auto slot = std::make_unique<Slot>();
    slot->closing = &m_closing;
    slot->campaign = pick.campaign->id;
    slot->item = pick.campaign->items.at(pick.item);
    slot->length = slot->item.duration;
    if (!slot->length && !slot->is_video()) slot->length = m_resolver.item_duration(slot->item);
    slot->opened_at = now;
    slot->texture = m_renderer.create_video_texture();
    const std::string key = item_key(slot->item);
    if (const auto scaling = m_program->scaling.find(std::pair{slot->campaign, pick.item});
        scaling != m_program->scaling.end())
        slot->scaling = scaling->second;
    const auto file = m_program->files.find(key);
    slot->file = file != m_program->files.end() ? file->second : std::filesystem::path{slot->item.asset};

    if (file == m_program->files.end()) {
        slot->broken = Error{Errc::not_found, fmt::format("asset {} of campaign {} is not in the cache",
                                                          slot->item.asset, slot->campaign)};
    } else if (slot->is_video()) {
        std::promise<Result<std::unique_ptr<VideoStream>>> promise;
        slot->opening = promise.get_future();
        // Detached on purpose: if FFmpeg hangs opening a file, the render thread never waits for it;
        // the thread owns what it uses and ends when FFmpeg returns (bounded by open_timeout).
        std::thread{[opener = m_opener, path = slot->file, options = m_options.media,
                     promise = std::move(promise)]() mutable {
            promise.set_value(opener(path, options));
        }}.detach();
    } else {
        slot->image_request = m_images.load(slot->file);
    }
    return slot;
}

bool Timeline::poll_ready(Slot& slot, SteadyTime now) {
    if (slot.has_picture || (slot.started && !slot.broken)) return true;
    if (!slot.broken) {
        if (slot.is_video()) {
            if (slot.opening.valid() &&
                slot.opening.wait_for(std::chrono::seconds{0}) == std::future_status::ready) {
                auto opened = slot.opening.get();
                if (opened) {
                    slot.video = std::move(*opened);
                } else {
                    slot.broken = std::move(opened.error());
                }
            }
            if (slot.video && !slot.broken) {
                // A few frames decoded ahead, so the decoder (still warming up its threads) does not
                // fall behind the item's first frames; the end of a short clip is ready too.
                if (slot.video->first_frame_ready() &&
                    (slot.video->queued_frames() >= m_options.primed_frames || slot.video->at_end() ||
                     now - slot.opened_at >= m_options.prime_timeout)) {
                    return true;
                }
                if (slot.video->at_end()) {
                    slot.broken = slot.video->error().value_or(Error{
                        Errc::unsupported, fmt::format("{} has no picture to show", slot.file.string())});
                }
            }
            if (!slot.broken && now - slot.opened_at > m_options.stall_timeout) {
                slot.broken =
                    Error{Errc::io, fmt::format("{} gave no picture within {} ms; abandoned as stuck",
                                                slot.file.string(), m_options.stall_timeout.count())};
            }
        } else if (slot.image_request && slot.image_request->ready()) {
            auto image = slot.image_request->take();
            slot.image_request.reset();
            if (!image) {
                slot.broken = std::move(image.error());
            } else {
                auto texture = m_renderer.create_texture(to_rgba_image(*image));
                if (!texture) {
                    slot.broken = std::move(texture.error());
                } else {
                    slot.image = std::move(*texture);
                    slot.has_picture = true;
                    return true;
                }
            }
        }
    }
    if (slot.broken) {
        // The slot cannot play: report it, and plan the one after it right away.
        const Error error = *slot.broken;
        fail(m_next, now, error);  // only the next slot is polled
    }
    return false;
}

void Timeline::start(Slot& slot, SteadyTime t0, SteadyTime now) {
    slot.started = true;
    slot.t0 = t0;
    slot.wall_start = wall_at(t0, now);
    slot.last_progress = now;
    if (slot.length) {
        slot.end = t0 + *slot.length;
        slot.end_known = true;
    } else {
        const auto declared = slot.video ? slot.video->info().duration : std::nullopt;
        slot.end = t0 + declared.value_or(m_options.schedule.unknown_length);
    }
    advance(slot, now);
}

void Timeline::advance(Slot& slot, SteadyTime now) {
    if (!slot.started || !slot.is_video() || slot.eof || slot.broken) return;
    std::optional<VideoFrame> candidate;
    SteadyTime candidate_due{};
    for (;;) {
        if (!slot.pending) slot.pending = slot.video->try_pop_frame();
        if (!slot.pending) break;
        const SteadyTime due = slot.t0 + slot.pending->pts();
        if (slot.length && due >= slot.t0 + *slot.length) {  // cut at its set length
            slot.pending.reset();
            slot.eof = true;
            break;
        }
        if (due > now) break;
        if (candidate) {
            ++slot.dropped;
            m_stats.frame_dropped();
        }
        candidate = std::move(slot.pending);
        slot.pending.reset();
        candidate_due = due;
    }
    if (candidate) {
        const config::Duration shown_for = std::max(candidate->duration(), config::Duration{1});
        if (auto uploaded = upload(slot.texture, std::move(*candidate)); !uploaded) {
            slot.broken = std::move(uploaded.error());
            return;
        }
        slot.has_picture = true;
        slot.last_progress = now;
        slot.last_frame_end = candidate_due + shown_for;
        m_new_frame_due = candidate_due;
    }
    if (!slot.eof && !slot.pending && slot.video->at_end()) {
        slot.eof = true;
        if (auto error = slot.video->error()) {
            config::logger("player")->warn("{}: stopped part-way: {}", slot.file.string(), error->message);
        }
    }
    if (slot.eof && !slot.length) {
        slot.end = std::max(slot.last_frame_end, slot.t0);
        slot.end_known = true;
    }
    if (!slot.eof && !slot.pending && now - slot.last_progress > m_options.stall_timeout) {
        slot.broken =
            Error{Errc::io, fmt::format("{} stopped delivering frames for {} ms; abandoned as stuck",
                                        slot.file.string(), m_options.stall_timeout.count())};
    }
}

void Timeline::finish(std::unique_ptr<Slot>& slot, SteadyTime now, Outcome outcome) {
    if (!slot) return;
    if (slot->started) {
        m_stats.item_played();
        if (!slot->item.sha256.empty()) {
            content::PlayRecord play;
            play.campaign = slot->campaign;
            play.asset = slot->item.sha256;
            play.start = slot->wall_start;
            play.end = std::max(slot->wall_start, m_clock.now());
            play.completed = outcome == Outcome::completed;
            play.frames_dropped = slot->dropped;
            m_records.add(std::move(play));
        }
        if (outcome == Outcome::completed) m_failures_in_row = 0;
    }
    // Its last picture stays up until the next item shows its first.
    if (slot->has_picture && outcome != Outcome::cut_short) {
        m_held = std::move(slot);
        m_held_since = m_held->end_known ? std::min(m_held->end, now) : now;
    }
    slot.reset();
}

void Timeline::fail(std::unique_ptr<Slot>& slot, SteadyTime now, const Error& error) {
    if (!slot) return;
    config::logger("player")->warn("{}: skipped: {}", slot->file.string(), error.message);
    content::ErrorRecord record;
    record.campaign = slot->campaign;
    if (!slot->item.sha256.empty()) record.asset = slot->item.sha256;
    record.file = slot->file.filename().string();
    record.reason = error.message;
    record.at = m_clock.now();
    m_records.add(std::move(record));
    m_stats.item_failed();
    ++m_failures_in_row;
    finish(slot, now, Outcome::failed);
    slot.reset();
    // Everything failing in a row: rest on the fallback slide instead of spinning through it.
    const auto limit = std::max<std::size_t>(3, m_program ? item_count(*m_program) : 0);
    if (static_cast<std::size_t>(m_failures_in_row) >= limit) {
        m_failures_in_row = 0;
        m_held.reset();
        m_held_since.reset();
        m_idle_until = now + m_options.failure_pause;
        config::logger("player")->warn("{} items in a row failed; showing the fallback slide for {} ms",
                                       limit, m_options.failure_pause.count());
    }
}

MainView Timeline::view(SteadyTime now) {
    MainView view;
    const auto add = [&](Slot& slot, std::uint8_t alpha) {
        if (!slot.has_picture) return;
        MainLayer layer;
        layer.draw.scaling = slot.scaling;
        if (slot.is_video()) {
            if (slot.video) layer.draw.rotation = rotation_of(slot.video->info().rotation);
            layer.video = &slot.texture;
        } else {
            layer.image = &slot.image;
        }
        layer.alpha = alpha;
        view.layers.push_back(layer);
        view.campaign = slot.campaign;
        view.file = slot.file;
    };
    if (m_current && m_current->has_picture) {
        add(*m_current, 255);
    } else if (m_held) {
        add(*m_held, 255);
    }
    if (m_incoming) {
        const auto elapsed = std::chrono::duration<double>(now - m_incoming->t0).count();
        const auto total = std::chrono::duration<double>(fade()).count();
        const double share = total > 0 ? std::clamp(elapsed / total, 0.0, 1.0) : 1.0;
        add(*m_incoming, static_cast<std::uint8_t>(share * 255.0));
    }
    return view;
}

SteadyTime Timeline::next_deadline(SteadyTime now) const {
    constexpr auto poll = milliseconds{4};
    SteadyTime deadline = now + std::chrono::seconds{1};
    const auto consider = [&](SteadyTime at) { deadline = std::min(deadline, std::max(at, now)); };
    if (m_suspended || !m_program) return deadline;
    const auto playing = [&](const Slot& slot) {
        if (slot.pending) {
            consider(slot.t0 + slot.pending->pts());
        } else if (slot.is_video() && !slot.eof) {
            consider(now + milliseconds{2});  // the decoder is behind: look again soon
        }
        if (slot.end_known) consider(slot.end);
    };
    if (m_current) {
        playing(*m_current);
        if (!m_next && !m_incoming)
            consider(std::max(m_idle_until, m_current->end - m_options.preroll - fade()));
        if (fade() > config::Duration{0}) consider(m_current->end - fade());
    } else if (!m_next) {
        consider(m_idle_until);
    }
    if (m_incoming) {
        playing(*m_incoming);
        consider(now + milliseconds{16});  // the fade moves every frame
    }
    if (m_next && !m_next->has_picture) consider(now + poll);
    if (m_next && !m_current) consider(now);
    return deadline;
}

std::optional<SteadyTime> Timeline::take_new_frame_due() {
    return std::exchange(m_new_frame_due, std::nullopt);
}

void Timeline::suspend(SteadyTime now) {
    if (m_suspended) return;
    m_suspended = true;
    finish(m_incoming, now, Outcome::cut_short);
    finish(m_current, now, Outcome::cut_short);
    discard_next();  // it plays after the takeover, in its turn
    m_held.reset();
    m_held_since.reset();
    follow_audio();
}

void Timeline::resume() {
    m_suspended = false;
    m_idle_until = {};
}

std::string Timeline::current_campaign() const {
    if (m_current) return m_current->campaign;
    if (m_held) return m_held->campaign;
    return {};
}

}  // namespace dwell::player
