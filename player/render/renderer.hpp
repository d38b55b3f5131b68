// The SDL window and renderer the player draws on: video and picture textures, fit/fill placement
// with rotation, translucent rectangles, presenting, and reading back exactly what was presented.
//
// Threads: the thread that calls Renderer::create owns SDL. Every member of Renderer, Texture and
// VideoTexture must be called from that thread (SDL's renderer is not thread-safe, and on several
// backends not even usable from another thread). RgbaImage, place(), region_stats(), is_blank()
// and write_png() touch no SDL state that belongs to a thread and may be used anywhere, which is
// how a snapshot is written off the render thread: take the capture, hand it to a worker.
//
// The video driver is process-wide state in SDL: Renderers alive at the same time share one.
//
// Video colours: YUV textures convert with BT.601 up to 576 lines and BT.709 above (SDL's
// automatic mode, set by Renderer::create), limited range.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <SDL.h>

struct SwsContext;

#include "config/config_file.hpp"
#include "config/device_config.hpp"
#include "config/error.hpp"

namespace dwell::player {

struct Color {
    std::uint8_t r = 0;
    std::uint8_t g = 0;
    std::uint8_t b = 0;
    std::uint8_t a = 255;
    friend bool operator==(const Color&, const Color&) = default;
};

// A rectangle in output pixels; a zone of the screen, or a region of an image.
struct Rect {
    int x = 0;
    int y = 0;
    int width = 0;
    int height = 0;
    [[nodiscard]] bool empty() const { return width <= 0 || height <= 0; }
    friend bool operator==(const Rect&, const Rect&) = default;
};

// The same with fractions, for where a scaled picture lands between pixels.
struct RectF {
    float x = 0;
    float y = 0;
    float width = 0;
    float height = 0;
    friend bool operator==(const RectF&, const RectF&) = default;
};

// Pixels in memory as R, G, B, A bytes, rows packed with no padding (pitch = width × 4).
class RgbaImage {
  public:
    RgbaImage() = default;
    // Every pixel `fill`; transparent black unless said. Negative sizes are a programming error.
    RgbaImage(int width, int height, Color fill = Color{0, 0, 0, 0});

    [[nodiscard]] int width() const { return m_width; }
    [[nodiscard]] int height() const { return m_height; }
    [[nodiscard]] int pitch() const { return m_width * 4; }
    [[nodiscard]] config::PixelSize size() const { return {m_width, m_height}; }
    // True when there is nothing to draw: a zero width or height (e.g. an empty text).
    [[nodiscard]] bool empty() const { return m_width == 0 || m_height == 0; }

    [[nodiscard]] std::span<std::uint8_t> bytes() { return m_bytes; }
    [[nodiscard]] std::span<const std::uint8_t> bytes() const { return m_bytes; }
    [[nodiscard]] Color pixel(int x, int y) const;
    void set_pixel(int x, int y, Color color);
    // Paints `area` (clipped to the image) with `color`, replacing what was there.
    void fill(Rect area, Color color);

    friend bool operator==(const RgbaImage&, const RgbaImage&) = default;

  private:
    int m_width = 0;
    int m_height = 0;
    std::vector<std::uint8_t> m_bytes;
};

// Brightness statistics of a region, on BT.601 luma (0..255), alpha ignored.
struct RegionStats {
    double mean_luma = 0;
    double luma_variance = 0;
};

// Statistics of `region` clipped to the image; zeros when nothing is left of it.
RegionStats region_stats(const RgbaImage& image, Rect region);

// What counts as a blank picture: dark and flat. A black frame with a little noise is blank; a
// dark video scene has texture, and a coloured fallback slide is bright, so neither is.
struct BlankThresholds {
    double max_mean_luma = 24;
    double max_luma_variance = 16;
};

bool is_blank(const RgbaImage& image, Rect region, BlankThresholds thresholds = {});

// Writes `image` as a PNG (SDL2_image). Safe to call from any thread.
Result<void> write_png(const RgbaImage& image, const std::filesystem::path& file);

// Clockwise quarter turns, as media rotation metadata and portrait-mounted screens need.
enum class Rotation { none, cw90, cw180, cw270 };

enum class Scaling {
    fit,   // the whole picture, letterboxed inside the zone
    fill,  // the whole zone, the picture cropped around its centre
};

struct DrawOptions {
    Scaling scaling = Scaling::fit;
    Rotation rotation = Rotation::none;
    // The shape the picture is meant to have when it differs from its pixel grid (anamorphic
    // video: sample aspect ratio ≠ 1); the texture's own size when absent.
    std::optional<config::PixelSize> display_size;
};

// Where a picture goes: `source` is the part of the texture used (texture pixels), `destination`
// the rectangle it is drawn into before it is turned by `angle_degrees` around its centre (the
// SDL_RenderCopyEx convention), so a quarter-turned picture has its destination's width and
// height swapped relative to what appears on screen.
struct Placement {
    Rect source;
    RectF destination;
    double angle_degrees = 0;
};

// The placement of a texture of `texture_size` in `zone`; nullopt when either has no area.
std::optional<Placement> place(config::PixelSize texture_size, Rect zone, const DrawOptions& options);

enum class Sampling {
    linear,   // photos and video, scaled smoothly
    nearest,  // QR codes and pixel art, scaled by whole factors and kept sharp
};

// A texture on the GPU (or the software renderer). Empty when default-constructed. Destroying it
// after its Renderer is harmless: SDL already freed it with the renderer.
class Texture {
  public:
    Texture() = default;
    Texture(Texture&& other) noexcept;
    Texture& operator=(Texture&& other) noexcept;
    Texture(const Texture&) = delete;
    Texture& operator=(const Texture&) = delete;
    ~Texture();

    [[nodiscard]] bool empty() const { return m_texture == nullptr; }
    [[nodiscard]] config::PixelSize size() const { return m_size; }
    // Multiplies the texture's alpha when drawn: 255 opaque, 0 invisible (crossfades).
    void set_alpha(std::uint8_t alpha);
    [[nodiscard]] std::uint8_t alpha() const { return m_alpha; }
    [[nodiscard]] SDL_Texture* native() const { return m_texture; }

  private:
    friend class Renderer;
    friend class VideoTexture;
    Texture(std::weak_ptr<SDL_Renderer> owner, SDL_Texture* texture, config::PixelSize size);
    void reset();

    std::weak_ptr<SDL_Renderer> m_owner;  // expired once SDL has destroyed the texture with it
    SDL_Texture* m_texture = nullptr;
    config::PixelSize m_size;
    std::uint8_t m_alpha = 255;
};

// One plane of a decoded frame: its first byte and the distance between rows, in bytes. The
// memory must hold `pitch` bytes for each row of the plane; only positive pitches are accepted.
struct Plane {
    const std::uint8_t* data = nullptr;
    int pitch = 0;
};

enum class VideoFormat {
    iyuv,  // planar Y, U, V, chroma halved both ways (FFmpeg yuv420p / yuvj420p)
    nv12,  // planar Y, then interleaved U/V, chroma halved both ways (hardware decoders)
};

// What keeps a decoded frame's memory alive while a VideoTexture refers to its planes.
using FrameOwner = std::shared_ptr<const void>;

// A streaming texture that takes decoded frames' planes. On a GPU renderer they are uploaded as
// they are (IYUV or NV12) and the GPU converts them. The software renderer would copy the planes,
// convert them into its own RGB texture and copy that again when drawing. There, instead, the
// frame is held and converted once by swscale when drawn: straight into the window when it is
// drawn opaque and unturned, else into an RGB texture in the window's pixel format, which draws
// as a row copy. It keeps its texture from frame to frame and makes a new one only when the size
// or the format changes, so frames of a new size never write past the old texture.
class VideoTexture {
  public:
    VideoTexture() = default;

    // Sizes are the frame's luma size; U and V planes are ceil(width/2) × ceil(height/2). With an
    // `owner` that keeps the planes' memory alive, the software renderer holds the frame until the
    // next one; without, the planes are used before the call returns.
    Result<void> update_iyuv(config::PixelSize size, Plane y, Plane u, Plane v, FrameOwner owner = {});
    // The UV plane is ceil(width/2) pairs wide and ceil(height/2) rows high.
    Result<void> update_nv12(config::PixelSize size, Plane y, Plane uv, FrameOwner owner = {});

    // Empty until the first successful update.
    [[nodiscard]] const Texture& texture() const { return m_texture; }
    [[nodiscard]] config::PixelSize size() const { return m_texture.size(); }
    [[nodiscard]] std::optional<VideoFormat> format() const { return m_format; }
    // How many textures were made so far: one per change of size or format.
    [[nodiscard]] int textures_created() const { return m_textures_created; }
    // Kept across texture changes.
    void set_alpha(std::uint8_t alpha);

  private:
    friend class Renderer;
    struct ConverterFreer {
        void operator()(SwsContext* converter) const;
    };
    using Converter = std::unique_ptr<SwsContext, ConverterFreer>;

    // `rgb_format`: the SDL pixel format frames are converted into on the CPU; 0 uploads YUV.
    VideoTexture(std::weak_ptr<SDL_Renderer> owner, Uint32 rgb_format)
        : m_owner(std::move(owner)), m_rgb_format(rgb_format) {}
    Result<void> prepare(VideoFormat format, config::PixelSize size);
    // Takes a checked frame of the prepared size and format: holds it, or converts it at once
    // when nothing keeps it alive.
    Result<void> accept(std::array<Plane, 3> planes, FrameOwner owner);
    // Brings the RGB texture up to the held frame (once per frame).
    Result<void> convert_held();
    // Converts the planes in m_planes into the RGB texture.
    Result<void> convert_to_texture();
    // Converts the held frame into `target` (pixels in the RGB format) at `target_size`, with
    // `converter` made for that size when it is not already.
    Result<void> convert_into(Converter& converter, config::PixelSize& converter_size, std::uint8_t* target,
                              int target_pitch, config::PixelSize target_size);
    void blend_when_translucent();

    std::weak_ptr<SDL_Renderer> m_owner;
    Uint32 m_rgb_format = 0;
    Texture m_texture;
    std::optional<VideoFormat> m_format;
    std::uint8_t m_alpha = 255;
    int m_textures_created = 0;
    // The software renderer's held frame, and converters to the texture and into the window.
    std::array<Plane, 3> m_planes{};
    FrameOwner m_frame;
    bool m_texture_current = false;  // the RGB texture shows the held frame
    Converter m_to_texture;
    config::PixelSize m_to_texture_size;
    Converter m_to_window;
    config::PixelSize m_to_window_size;
};

enum class VSync { off, on };
enum class WindowMode { windowed, fullscreen };  // fullscreen is the desktop's own mode, never a mode switch
enum class Acceleration {
    // A GPU renderer, falling back to software; but software on offscreen and dummy, which have no
    // GPU: there a "GPU" renderer is Mesa's llvmpipe emulating one on the CPU.
    automatic,
    accelerated,  // a GPU renderer on any driver (llvmpipe included), falling back to software
    software,     // the software renderer only
};

struct RendererOptions {
    // automatic: SDL's choice, which honours the SDL_VIDEODRIVER environment variable.
    config::VideoDriver driver = config::VideoDriver::automatic;
    std::optional<config::PixelSize> size;  // the desktop's size when absent
    VSync vsync = VSync::on;
    WindowMode window = WindowMode::windowed;  // kmsdrm is always fullscreen
    Acceleration acceleration = Acceleration::automatic;
    std::string title = "dwell";
};

// Whether present() also keeps a copy of the frame it presents.
enum class Capture { no, yes };

class Renderer {
  public:
    // Starts SDL video with the chosen driver, opens the window and a renderer. Errors say which
    // driver or size was refused and why (SDL's own message included).
    static Result<std::unique_ptr<Renderer>> create(const RendererOptions& options);

    Renderer(const Renderer&) = delete;
    Renderer& operator=(const Renderer&) = delete;
    ~Renderer();

    // The size of what is drawn, which in fullscreen is the screen's, whatever was asked.
    [[nodiscard]] config::PixelSize output_size() const { return m_output_size; }
    [[nodiscard]] Rect output_rect() const { return {0, 0, m_output_size.width, m_output_size.height}; }
    [[nodiscard]] std::string_view video_driver() const { return m_video_driver; }
    [[nodiscard]] std::string_view renderer_name() const { return m_renderer_name; }
    [[nodiscard]] bool accelerated() const { return m_accelerated; }

    // A static texture holding `image`; refuses an empty image or one larger than the GPU takes.
    Result<Texture> create_texture(const RgbaImage& image, Sampling sampling = Sampling::linear);
    [[nodiscard]] VideoTexture create_video_texture() const {
        return VideoTexture{m_renderer, m_video_rgb_format};
    }

    // Fills the output with `color`; done lazily, and skipped when an opaque video frame is then
    // drawn over all of it.
    void clear(Color color);
    // A rectangle blended over what is drawn by `color.a` (overlay backgrounds).
    void fill_rect(Rect area, Color color);
    // Draws `texture` into `zone` (with its alpha); an empty texture or zone draws nothing.
    Result<void> draw(const Texture& texture, Rect zone, const DrawOptions& options = {});
    Result<void> draw(VideoTexture& video, Rect zone, const DrawOptions& options = {});

    // Pixels of the frame being drawn (not yet presented), all of it or `region` of it.
    Result<RgbaImage> read_pixels() const;
    Result<RgbaImage> read_pixels(Rect region) const;

    // Shows the frame. With Capture::yes the finished frame is read back first — some backends
    // lose the back buffer at present — and kept as last_capture(); the frame is presented even
    // when reading it back fails.
    Result<void> present(Capture capture = Capture::no);
    [[nodiscard]] std::uint64_t frames_presented() const { return m_frames_presented; }

    // The last frame presented with Capture::yes, if any; take_capture() moves it out so it can be
    // written by another thread with write_png.
    [[nodiscard]] const std::optional<RgbaImage>& last_capture() const { return m_last_capture; }
    std::optional<RgbaImage> take_capture() { return std::exchange(m_last_capture, std::nullopt); }
    // Writes last_capture() as a PNG; an error when no frame was captured yet.
    Result<void> snapshot_png(const std::filesystem::path& file) const;

  private:
    struct VideoSubsystem;
    struct WindowDeleter {
        void operator()(SDL_Window* window) const { SDL_DestroyWindow(window); }
    };

    Renderer() = default;
    Result<void> draw_placed(const Texture& texture, const Placement& placement);
    // Converts `video`'s held frame straight into the window surface; false when it cannot be
    // (a GPU renderer, a turn, a crop, a part outside the output), and nothing was drawn.
    Result<bool> draw_into_window(VideoTexture& video, const Placement& placement);
    // Does the clear asked for by clear(), before anything is drawn over it or read.
    void flush_clear() const;
    // Reads `inside` (within the output) into `image`, which has its size.
    Result<void> read_into(Rect inside, RgbaImage& image) const;

    std::unique_ptr<VideoSubsystem> m_video;
    std::unique_ptr<SDL_Window, WindowDeleter> m_window;
    std::shared_ptr<SDL_Renderer> m_renderer;  // textures hold weak references to know it is alive
    config::PixelSize m_output_size;
    std::string m_video_driver;
    std::string m_renderer_name;
    bool m_accelerated = false;
    Uint32 m_video_rgb_format = 0;  // see VideoTexture
    int m_max_texture_width = 0;    // 0: no limit (software renderer)
    int m_max_texture_height = 0;
    std::uint64_t m_frames_presented = 0;
    std::optional<RgbaImage> m_last_capture;
    mutable std::optional<Color> m_pending_clear;  // mutable: reading the frame back does the clear
};

}  // namespace dwell::player
