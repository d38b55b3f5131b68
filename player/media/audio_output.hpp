// The sound card: an SDL audio device whose callback plays the feed of the item on screen, each
// buffer taken at the playhead the video clock gives for the moment it will be heard.
//
// Threads: open(), play() and stop() run on the render thread; SDL calls the callback on its own
// audio thread. A short mutex hands the feed over; the callback never allocates or waits on
// decoding.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>

#include "config/error.hpp"
#include "config/units.hpp"
#include "player/media/audio_feed.hpp"

namespace dwell::player {

class AudioOutput final : public AudioSink {
  public:
    // Starts SDL's audio subsystem and opens the default output device in `format`, in buffers of
    // about 1024 frames; SDL converts to whatever the device takes. Errors (Errc::unsupported)
    // carry SDL's own message: no driver, no device.
    static Result<std::unique_ptr<AudioOutput>> open(AudioFormat format = {});

    // Closes the device (waiting for a callback under way) and stops the audio subsystem.
    ~AudioOutput() override;
    AudioOutput(const AudioOutput&) = delete;
    AudioOutput& operator=(const AudioOutput&) = delete;

    // A feed in another format than the device's is not played (silence, with a warning).
    void play(std::shared_ptr<AudioFeed> feed, SteadyTime item_start) override;
    void stop() override;

    [[nodiscard]] const AudioFormat& format() const { return m_format; }
    // From a buffer being filled to it being heard: the device's buffer.
    [[nodiscard]] std::chrono::microseconds latency() const { return m_latency; }
    // Buffers the playing feed could not fill, since the device opened.
    [[nodiscard]] std::uint64_t underruns() const { return m_underruns.load(); }
    // Buffers SDL asked for since the device opened.
    [[nodiscard]] std::uint64_t buffers() const { return m_buffers.load(); }
    // SDL's name of the audio driver in use ("pulseaudio", "alsa", "disk", ...).
    [[nodiscard]] std::string driver() const;

  private:
    explicit AudioOutput(AudioFormat format) : m_format(format) {}
    // SDL's audio callback.
    static void callback(void* self, std::uint8_t* stream, int length);
    void fill(std::span<std::int16_t> out);

    const AudioFormat m_format;
    std::uint32_t m_device = 0;  // SDL_AudioDeviceID
    std::chrono::microseconds m_latency{0};
    std::atomic<std::uint64_t> m_underruns{0};
    std::atomic<std::uint64_t> m_buffers{0};

    // m_mutex guards m_feed and m_item_start; the callback holds it while it reads the feed, so a
    // feed replaced by play() or stop() is released on the caller's thread, never in the callback.
    std::mutex m_mutex;
    std::shared_ptr<AudioFeed> m_feed;
    SteadyTime m_item_start{};
};

}  // namespace dwell::player
