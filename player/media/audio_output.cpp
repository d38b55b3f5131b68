#include "player/media/audio_output.hpp"

#include <algorithm>
#include <utility>

#include <SDL.h>

#include "config/log.hpp"

namespace dwell::player {
namespace {

// About 21 ms at 48 kHz: short enough that sound follows a switch at once, long enough that a
// busy board does not starve the device.
constexpr int buffer_frames = 1024;

}  // namespace

Result<std::unique_ptr<AudioOutput>> AudioOutput::open(AudioFormat format) {
    if (format.sample_rate <= 0 || format.channels <= 0 || format.channels > 8)
        return fail(Errc::invalid_input, "cannot play sound at {} Hz in {} channels", format.sample_rate,
                    format.channels);
    if (SDL_InitSubSystem(SDL_INIT_AUDIO) != 0)
        return fail(Errc::unsupported, "SDL cannot start audio: {}", SDL_GetError());

    auto output = std::unique_ptr<AudioOutput>(new AudioOutput(format));
    SDL_AudioSpec desired{};
    desired.freq = format.sample_rate;
    desired.format = AUDIO_S16SYS;
    desired.channels = static_cast<Uint8>(format.channels);
    desired.samples = buffer_frames;
    desired.callback = &AudioOutput::callback;
    desired.userdata = output.get();
    SDL_AudioSpec obtained{};
    // No changes allowed: SDL converts our format to the device's, so the feed never has to.
    output->m_device = SDL_OpenAudioDevice(nullptr, 0, &desired, &obtained, 0);
    if (output->m_device == 0) {
        auto error =
            fail(Errc::unsupported, "SDL cannot open an audio device ({} driver): {}",
                 SDL_GetCurrentAudioDriver() != nullptr ? SDL_GetCurrentAudioDriver() : "no", SDL_GetError());
        SDL_QuitSubSystem(SDL_INIT_AUDIO);
        return error;
    }
    output->m_latency = std::chrono::microseconds{static_cast<std::int64_t>(obtained.samples) * 1'000'000 /
                                                  std::max(1, obtained.freq)};
    SDL_PauseAudioDevice(output->m_device, 0);
    return output;
}

AudioOutput::~AudioOutput() {
    if (m_device != 0) {
        SDL_CloseAudioDevice(m_device);
        SDL_QuitSubSystem(SDL_INIT_AUDIO);
    }
}

std::string AudioOutput::driver() const {
    const char* name = SDL_GetCurrentAudioDriver();
    return name != nullptr ? name : "";
}

void AudioOutput::play(std::shared_ptr<AudioFeed> feed, SteadyTime item_start) {
    if (feed && feed->format() != m_format) {
        config::logger("player")->warn(
            "a feed of {} Hz in {} channels cannot play on a device opened for {} Hz in {} channels",
            feed->format().sample_rate, feed->format().channels, m_format.sample_rate, m_format.channels);
        feed.reset();
    }
    {
        std::lock_guard lock(m_mutex);
        std::swap(m_feed, feed);
        m_item_start = item_start;
    }
    // `feed` now holds the one replaced, released here rather than in the callback.
}

void AudioOutput::stop() {
    std::shared_ptr<AudioFeed> replaced;
    std::lock_guard lock(m_mutex);
    std::swap(m_feed, replaced);
}

void AudioOutput::callback(void* self, std::uint8_t* stream, int length) {
    // SDL's buffer is allocated for the S16 format asked for, so it is aligned for int16_t.
    auto* samples = reinterpret_cast<std::int16_t*>(stream);
    static_cast<AudioOutput*>(self)->fill(std::span<std::int16_t>{
        samples, static_cast<std::size_t>(std::max(0, length)) / sizeof(std::int16_t)});
}

void AudioOutput::fill(std::span<std::int16_t> out) {
    ++m_buffers;
    // The first frame of this buffer is heard once the buffers ahead of it have played.
    const SteadyTime heard = std::chrono::steady_clock::now() + m_latency;
    std::lock_guard lock(m_mutex);
    if (!m_feed) {
        std::fill(out.begin(), out.end(), std::int16_t{0});
        return;
    }
    const auto playhead = std::chrono::duration_cast<config::Duration>(heard - m_item_start);
    if (m_feed->read(out, playhead).underrun) ++m_underruns;
}

}  // namespace dwell::player
