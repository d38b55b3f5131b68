#include "player/media/audio_feed.hpp"

#include <algorithm>
#include <cassert>
#include <utility>

namespace dwell::player {
namespace {

// Division rounding towards minus infinity, so times before the item's start map consistently.
std::int64_t floor_div(std::int64_t numerator, std::int64_t denominator) {
    const std::int64_t quotient = numerator / denominator;
    return (numerator % denominator != 0 && (numerator < 0) != (denominator < 0)) ? quotient - 1 : quotient;
}

}  // namespace

Result<AudioMode> parse_audio_mode(std::string_view text) {
    if (text == "on") return AudioMode::on;
    if (text == "off") return AudioMode::off;
    return fail(Errc::invalid_input, "audio must be on or off, not \"{}\"", text);
}

std::string_view to_string(AudioMode mode) {
    switch (mode) {
    case AudioMode::off: return "off";
    case AudioMode::on: return "on";
    }
    return "off";
}

AudioFeed::AudioFeed(AudioFormat format, AudioFeedOptions options)
    : m_format(format),
      m_options(options),
      m_channels(static_cast<std::size_t>(std::max(1, format.channels))),
      m_capacity_frames(static_cast<std::size_t>(
          std::max<std::int64_t>(1, options.capacity.count() * std::max(1, format.sample_rate) / 1000))),
      m_tolerance_frames(std::max<std::int64_t>(0, frames_at(options.tolerance))),
      m_ring(m_capacity_frames * m_channels),
      m_chunks(std::max<std::size_t>(1, options.max_chunks)) {
    assert(format.channels > 0 && format.sample_rate > 0);
}

std::int64_t AudioFeed::frames_at(config::Duration time) const {
    return floor_div(time.count() * std::max(1, m_format.sample_rate), 1000);
}

config::Duration AudioFeed::time_of(std::int64_t frames) const {
    return config::Duration{floor_div(frames * 1000, std::max(1, m_format.sample_rate))};
}

std::size_t AudioFeed::free_frames() const {
    return m_capacity_frames - m_queued_frames;
}

Result<PushResult> AudioFeed::push(config::Duration pts, std::span<const std::int16_t> samples,
                                   std::stop_token stop) {
    if (samples.size() % m_channels != 0)
        return fail(Errc::invalid_input, "a chunk of {} samples is not a whole number of {}-channel frames",
                    samples.size(), m_channels);
    const std::size_t total = samples.size() / m_channels;
    const std::int64_t first = frames_at(pts);
    std::unique_lock lock(m_mutex);
    if (m_closed) return PushResult::closed;
    if (m_ended)
        return fail(Errc::invalid_input, "a chunk at {} ms came after the end of the feed", pts.count());
    std::size_t done = 0;
    while (done < total) {
        m_room.wait(lock, stop,
                    [&] { return m_closed || (free_frames() > 0 && m_chunk_count < m_chunks.size()); });
        if (m_closed) return PushResult::closed;
        if (stop.stop_requested()) return PushResult::stopped;

        const std::size_t count = std::min(free_frames(), total - done);
        const std::size_t write = (m_read_frame + m_queued_frames) % m_capacity_frames;
        const std::size_t before_wrap = std::min(count, m_capacity_frames - write);
        const std::int16_t* from = samples.data() + done * m_channels;
        std::copy_n(from, before_wrap * m_channels,
                    m_ring.begin() + static_cast<std::ptrdiff_t>(write * m_channels));
        std::copy_n(from + before_wrap * m_channels, (count - before_wrap) * m_channels, m_ring.begin());

        const std::int64_t chunk_pts = first + static_cast<std::int64_t>(done);
        const auto frames = static_cast<std::int64_t>(count);
        Chunk* last =
            m_chunk_count > 0 ? &m_chunks[(m_first_chunk + m_chunk_count - 1) % m_chunks.size()] : nullptr;
        if (last != nullptr && last->pts + last->frames == chunk_pts) {
            last->frames += frames;  // continues the last chunk: one run, one sync decision
        } else {
            m_chunks[(m_first_chunk + m_chunk_count) % m_chunks.size()] = Chunk{chunk_pts, frames};
            ++m_chunk_count;
        }
        m_queued_frames += count;
        done += count;
        m_readable.notify_all();
    }
    return PushResult::pushed;
}

void AudioFeed::end() {
    {
        std::lock_guard lock(m_mutex);
        m_ended = true;
    }
    m_readable.notify_all();
}

void AudioFeed::close() {
    {
        std::lock_guard lock(m_mutex);
        m_closed = true;
        m_chunk_count = 0;
        m_queued_frames = 0;
    }
    m_room.notify_all();
    m_readable.notify_all();
}

void AudioFeed::take_front(std::int16_t* out, std::int64_t frames) {
    Chunk& front = m_chunks[m_first_chunk];
    assert(frames > 0 && frames <= front.frames);
    const auto count = static_cast<std::size_t>(frames);
    if (out != nullptr) {
        const std::size_t before_wrap = std::min(count, m_capacity_frames - m_read_frame);
        const auto start = m_ring.begin() + static_cast<std::ptrdiff_t>(m_read_frame * m_channels);
        std::copy_n(start, before_wrap * m_channels, out);
        std::copy_n(m_ring.begin(), (count - before_wrap) * m_channels, out + before_wrap * m_channels);
    }
    m_read_frame = (m_read_frame + count) % m_capacity_frames;
    m_queued_frames -= count;
    front.pts += frames;
    front.frames -= frames;
    if (front.frames == 0) {
        m_first_chunk = (m_first_chunk + 1) % m_chunks.size();
        --m_chunk_count;
    }
}

FeedRead AudioFeed::read(std::span<std::int16_t> out, config::Duration playhead) {
    FeedRead result;
    const std::size_t total = out.size() / m_channels;
    std::size_t filled = 0;
    bool took = false;
    {
        std::lock_guard lock(m_mutex);
        std::int64_t at = frames_at(playhead);  // when the frame at out[filled] is heard
        while (filled < total && m_chunk_count > 0) {
            const Chunk& front = m_chunks[m_first_chunk];
            const std::int64_t early = front.pts - at;
            const auto room = static_cast<std::int64_t>(total - filled);
            if (early > m_tolerance_frames) {
                const std::int64_t pad = std::min(early, room);
                std::fill_n(out.begin() + static_cast<std::ptrdiff_t>(filled * m_channels),
                            static_cast<std::size_t>(pad) * m_channels, std::int16_t{0});
                filled += static_cast<std::size_t>(pad);
                at += pad;
                m_stats.frames_padded += static_cast<std::uint64_t>(pad);
            } else if (early < -m_tolerance_frames) {
                const std::int64_t drop = std::min(-early, front.frames);
                take_front(nullptr, drop);
                took = true;
                m_stats.frames_dropped += static_cast<std::uint64_t>(drop);
            } else {
                const std::int64_t count = std::min(front.frames, room);
                take_front(out.data() + filled * m_channels, count);
                took = true;
                filled += static_cast<std::size_t>(count);
                at += count;
                result.frames += static_cast<std::size_t>(count);
                m_stats.frames_played += static_cast<std::uint64_t>(count);
            }
        }
        if (filled < total && !m_ended && !m_closed) {
            result.underrun = true;
            ++m_stats.underruns;
        }
    }
    std::fill(out.begin() + static_cast<std::ptrdiff_t>(filled * m_channels), out.end(), std::int16_t{0});
    if (took) m_room.notify_all();
    return result;
}

bool AudioFeed::wait_readable(config::Duration timeout) const {
    std::unique_lock lock(m_mutex);
    m_readable.wait_for(lock, timeout, [&] { return m_chunk_count > 0 || m_ended || m_closed; });
    return m_chunk_count > 0;
}

std::optional<config::Duration> AudioFeed::next_pts() const {
    std::lock_guard lock(m_mutex);
    if (m_chunk_count == 0) return std::nullopt;
    return time_of(m_chunks[m_first_chunk].pts);
}

config::Duration AudioFeed::queued() const {
    std::lock_guard lock(m_mutex);
    return time_of(static_cast<std::int64_t>(m_queued_frames));
}

bool AudioFeed::ended() const {
    std::lock_guard lock(m_mutex);
    return (m_ended || m_closed) && m_chunk_count == 0;
}

bool AudioFeed::closed() const {
    std::lock_guard lock(m_mutex);
    return m_closed;
}

AudioFeedStats AudioFeed::stats() const {
    std::lock_guard lock(m_mutex);
    return m_stats;
}

}  // namespace dwell::player
