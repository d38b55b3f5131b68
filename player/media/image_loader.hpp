// Still pictures (PNG, JPEG, WebP, GIF's first frame) decoded to RGBA off the render thread.
//
// Decoded with libavformat/libavcodec rather than SDL2_image: the size limit has to be enforced
// before the pixels are decoded, and libavcodec hands over the picture size (through its buffer
// callback) before it allocates or inflates anything, where IMG_Load only answers after the whole
// surface exists. It is also the decoder the rest of the player and the hub's probe already use,
// with the same error translation.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <future>
#include <stop_token>
#include <thread>
#include <vector>

#include "config/error.hpp"
#include "config/units.hpp"
#include "player/media/frame_queue.hpp"

namespace dwell::player {

// Bytes R, G, B, A for each pixel, rows top to bottom: SDL_PIXELFORMAT_RGBA32 (AV_PIX_FMT_RGBA).
struct Image {
    int width = 0;
    int height = 0;
    int pitch = 0;  // bytes per row: width * 4
    std::vector<std::uint8_t> pixels;
};

// A decoded picture costs width × height × 4 bytes, so larger ones are refused from their header.
struct ImageLimits {
    int max_side = 8192;
    std::int64_t max_pixels = 32LL * 1024 * 1024;  // 128 MiB of RGBA
};

// Decodes `file` on the calling thread. Errors name the file: Errc::not_found (missing),
// Errc::invalid_input (empty, not a regular file), Errc::unsupported (not a picture FFmpeg
// decodes), Errc::quota (larger than `limits`, refused before its pixels are decoded).
Result<Image> decode_image(const std::filesystem::path& file, const ImageLimits& limits = {});

// The answer to one ImageLoader::load(); poll ready(), then take() once.
class ImageRequest {
  public:
    ImageRequest(std::filesystem::path file, std::future<Result<Image>> result);

    [[nodiscard]] const std::filesystem::path& file() const { return m_file; }
    [[nodiscard]] bool ready() const;
    // Waits up to `timeout`; true when the result is there.
    bool wait(config::Duration timeout) const;
    // The decoded image or why not; waits when not ready. Call once.
    Result<Image> take();

  private:
    std::filesystem::path m_file;
    std::future<Result<Image>> m_result;
};

struct ImageLoaderOptions {
    ImageLimits limits;
    std::size_t queue_capacity = 8;  // requests waiting for the worker
};

// One worker thread decoding requests in order. Destroying the loader finishes the picture in
// progress and answers the waiting requests with an error.
class ImageLoader {
  public:
    explicit ImageLoader(ImageLoaderOptions options = {});
    ~ImageLoader();
    ImageLoader(const ImageLoader&) = delete;
    ImageLoader& operator=(const ImageLoader&) = delete;

    // Never blocks: when `queue_capacity` requests are already waiting, the request is answered
    // at once with Errc::quota.
    ImageRequest load(std::filesystem::path file);

  private:
    struct Job {
        std::filesystem::path file;
        std::promise<Result<Image>> result;
    };

    void run(const std::stop_token& stop);

    ImageLoaderOptions m_options;
    BoundedQueue<Job> m_jobs;
    std::jthread m_worker;  // last: joined before the queue goes away
};

}  // namespace dwell::player
