#include "player/render/renderer.hpp"

#include <algorithm>
#include <array>
#include <cassert>
#include <cmath>
#include <cstddef>
#include <string>
#include <system_error>

#include <SDL_image.h>

extern "C" {
#include <libavutil/pixfmt.h>
#include <libswscale/swscale.h>
}

#include "config/log.hpp"

namespace dwell::player {

namespace {

// SDL reports failures through SDL_GetError(); this is the one place they become Errors.
std::unexpected<Error> sdl_failure(Errc code, std::string_view what) {
    return fail(code, "{}: {}", what, SDL_GetError());
}

std::size_t byte_offset(int x, int y, int width) {
    return (static_cast<std::size_t>(y) * static_cast<std::size_t>(width) + static_cast<std::size_t>(x)) * 4;
}

Rect clip(Rect area, int width, int height) {
    const int left = std::max(area.x, 0);
    const int top = std::max(area.y, 0);
    const int right = std::min(area.x + std::max(area.width, 0), width);
    const int bottom = std::min(area.y + std::max(area.height, 0), height);
    if (right <= left || bottom <= top) return {};
    return {left, top, right - left, bottom - top};
}

// Whether a picture drawn at `placement` (turned by a multiple of 90°) covers every pixel of an
// output of `size`.
bool covers(const Placement& placement, config::PixelSize size) {
    const RectF& box = placement.destination;
    const bool sideways = std::fmod(std::abs(placement.angle_degrees), 180.0) == 90.0;
    const float width = sideways ? box.height : box.width;
    const float height = sideways ? box.width : box.height;
    const float left = box.x + (box.width - width) / 2;
    const float top = box.y + (box.height - height) / 2;
    return left <= 0 && top <= 0 && left + width >= static_cast<float>(size.width) &&
           top + height >= static_cast<float>(size.height);
}

std::string available_video_drivers() {
    std::string names;
    const int count = SDL_GetNumVideoDrivers();
    for (int i = 0; i < count; ++i) {
        if (!names.empty()) names += ", ";
        names += SDL_GetVideoDriver(i);
    }
    return names;
}

std::string_view to_string(VideoFormat format) {
    switch (format) {
    case VideoFormat::iyuv: return "IYUV";
    case VideoFormat::nv12: return "NV12";
    }
    return "?";
}

Result<void> check_plane(std::string_view name, Plane plane, int min_pitch) {
    if (plane.data == nullptr)
        return fail(Errc::invalid_input, "the {} plane of a video frame is missing", name);
    if (plane.pitch < min_pitch) {
        return fail(Errc::invalid_input, "the {} plane's pitch {} is less than the {} bytes a row needs",
                    name, plane.pitch, min_pitch);
    }
    return {};
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// RgbaImage and pixel statistics

RgbaImage::RgbaImage(int width, int height, Color fill)
    : m_width(width), m_height(height), m_bytes(byte_offset(0, height, width)) {
    assert(width >= 0 && height >= 0);
    for (std::size_t i = 0; i < m_bytes.size(); i += 4) {
        m_bytes[i] = fill.r;
        m_bytes[i + 1] = fill.g;
        m_bytes[i + 2] = fill.b;
        m_bytes[i + 3] = fill.a;
    }
}

Color RgbaImage::pixel(int x, int y) const {
    assert(x >= 0 && x < m_width && y >= 0 && y < m_height);
    const std::size_t at = byte_offset(x, y, m_width);
    return {m_bytes[at], m_bytes[at + 1], m_bytes[at + 2], m_bytes[at + 3]};
}

void RgbaImage::set_pixel(int x, int y, Color color) {
    assert(x >= 0 && x < m_width && y >= 0 && y < m_height);
    const std::size_t at = byte_offset(x, y, m_width);
    m_bytes[at] = color.r;
    m_bytes[at + 1] = color.g;
    m_bytes[at + 2] = color.b;
    m_bytes[at + 3] = color.a;
}

void RgbaImage::fill(Rect area, Color color) {
    const Rect inside = clip(area, m_width, m_height);
    for (int y = inside.y; y < inside.y + inside.height; ++y) {
        for (int x = inside.x; x < inside.x + inside.width; ++x) set_pixel(x, y, color);
    }
}

RegionStats region_stats(const RgbaImage& image, Rect region) {
    const Rect inside = clip(region, image.width(), image.height());
    if (inside.empty()) return {};
    const auto bytes = image.bytes();
    double sum = 0;
    double sum_of_squares = 0;
    for (int y = inside.y; y < inside.y + inside.height; ++y) {
        for (int x = inside.x; x < inside.x + inside.width; ++x) {
            const std::size_t at = byte_offset(x, y, image.width());
            const double luma = 0.299 * bytes[at] + 0.587 * bytes[at + 1] + 0.114 * bytes[at + 2];
            sum += luma;
            sum_of_squares += luma * luma;
        }
    }
    const double count = static_cast<double>(inside.width) * static_cast<double>(inside.height);
    const double mean = sum / count;
    return {mean, std::max(0.0, sum_of_squares / count - mean * mean)};
}

bool is_blank(const RgbaImage& image, Rect region, BlankThresholds thresholds) {
    const RegionStats stats = region_stats(image, region);
    return stats.mean_luma <= thresholds.max_mean_luma && stats.luma_variance <= thresholds.max_luma_variance;
}

Result<void> write_png(const RgbaImage& image, const std::filesystem::path& file) {
    if (image.empty()) {
        return fail(Errc::invalid_input, "cannot write {}: the image is empty ({}x{})", file.string(),
                    image.width(), image.height());
    }
    // SDL only reads the pixels to encode them; the surface never outlives this call.
    SDL_Surface* surface =
        SDL_CreateRGBSurfaceWithFormatFrom(const_cast<std::uint8_t*>(image.bytes().data()), image.width(),
                                           image.height(), 32, image.pitch(), SDL_PIXELFORMAT_RGBA32);
    if (surface == nullptr) return sdl_failure(Errc::internal, fmt::format("cannot write {}", file.string()));
    // Written beside and renamed, so a reader never sees half a PNG.
    std::filesystem::path partial = file;
    partial += ".partial";
    const int saved = IMG_SavePNG(surface, partial.c_str());
    SDL_FreeSurface(surface);
    if (saved != 0) {
        std::error_code ignored;
        std::filesystem::remove(partial, ignored);
        return sdl_failure(Errc::io, fmt::format("cannot write PNG {}", file.string()));
    }
    std::error_code error;
    std::filesystem::rename(partial, file, error);
    if (error) {
        std::filesystem::remove(partial, error);
        return fail(Errc::io, "cannot write PNG {}: {}", file.string(), error.message());
    }
    return {};
}

// ---------------------------------------------------------------------------------------------
// Placement

std::optional<Placement> place(config::PixelSize texture_size, Rect zone, const DrawOptions& options) {
    const config::PixelSize display = options.display_size.value_or(texture_size);
    if (texture_size.width <= 0 || texture_size.height <= 0 || zone.empty() || display.width <= 0 ||
        display.height <= 0) {
        return std::nullopt;
    }
    const bool quarter_turn = options.rotation == Rotation::cw90 || options.rotation == Rotation::cw270;
    const double display_width = display.width;
    const double display_height = display.height;
    // The picture's footprint on screen once turned.
    const double footprint_width = quarter_turn ? display_height : display_width;
    const double footprint_height = quarter_turn ? display_width : display_height;
    const double zone_width = zone.width;
    const double zone_height = zone.height;

    Placement placement;
    placement.source = {0, 0, texture_size.width, texture_size.height};
    double shown_width = zone_width;
    double shown_height = zone_height;
    if (options.scaling == Scaling::fit) {
        const double scale = std::min(zone_width / footprint_width, zone_height / footprint_height);
        // Whole pixels, so the picture and its bars meet on a pixel edge.
        shown_width = std::clamp(std::round(footprint_width * scale), 1.0, zone_width);
        shown_height = std::clamp(std::round(footprint_height * scale), 1.0, zone_height);
    } else {
        const double scale = std::max(zone_width / footprint_width, zone_height / footprint_height);
        // The part of the (unturned) picture that covers the zone, in display units, then texels.
        const double visible_width =
            std::min((quarter_turn ? zone_height : zone_width) / scale, display_width);
        const double visible_height =
            std::min((quarter_turn ? zone_width : zone_height) / scale, display_height);
        const double crop_width = visible_width * texture_size.width / display_width;
        const double crop_height = visible_height * texture_size.height / display_height;
        const int width = std::clamp(static_cast<int>(std::lround(crop_width)), 1, texture_size.width);
        const int height = std::clamp(static_cast<int>(std::lround(crop_height)), 1, texture_size.height);
        placement.source = {(texture_size.width - width) / 2, (texture_size.height - height) / 2, width,
                            height};
    }
    const double left = std::round(zone.x + (zone_width - shown_width) / 2);
    const double top = std::round(zone.y + (zone_height - shown_height) / 2);
    const double centre_x = left + shown_width / 2;
    const double centre_y = top + shown_height / 2;
    const double width = quarter_turn ? shown_height : shown_width;
    const double height = quarter_turn ? shown_width : shown_height;
    placement.destination = {static_cast<float>(centre_x - width / 2),
                             static_cast<float>(centre_y - height / 2), static_cast<float>(width),
                             static_cast<float>(height)};
    switch (options.rotation) {
    case Rotation::none: placement.angle_degrees = 0; break;
    case Rotation::cw90: placement.angle_degrees = 90; break;
    case Rotation::cw180: placement.angle_degrees = 180; break;
    case Rotation::cw270: placement.angle_degrees = 270; break;
    }
    return placement;
}

// ---------------------------------------------------------------------------------------------
// Textures

Texture::Texture(std::weak_ptr<SDL_Renderer> owner, SDL_Texture* texture, config::PixelSize size)
    : m_owner(std::move(owner)), m_texture(texture), m_size(size) {}

Texture::Texture(Texture&& other) noexcept
    : m_owner(std::move(other.m_owner)),
      m_texture(std::exchange(other.m_texture, nullptr)),
      m_size(std::exchange(other.m_size, {})),
      m_alpha(std::exchange(other.m_alpha, std::uint8_t{255})) {}

Texture& Texture::operator=(Texture&& other) noexcept {
    if (this != &other) {
        reset();
        m_owner = std::move(other.m_owner);
        m_texture = std::exchange(other.m_texture, nullptr);
        m_size = std::exchange(other.m_size, {});
        m_alpha = std::exchange(other.m_alpha, std::uint8_t{255});
    }
    return *this;
}

Texture::~Texture() {
    reset();
}

void Texture::reset() {
    // SDL_DestroyRenderer frees its textures; destroying one again would touch freed memory.
    if (m_texture != nullptr && !m_owner.expired()) SDL_DestroyTexture(m_texture);
    m_texture = nullptr;
    m_owner.reset();
    m_size = {};
}

void Texture::set_alpha(std::uint8_t alpha) {
    m_alpha = alpha;
    if (m_texture != nullptr && !m_owner.expired()) SDL_SetTextureAlphaMod(m_texture, alpha);
}

void VideoTexture::set_alpha(std::uint8_t alpha) {
    m_alpha = alpha;
    m_texture.set_alpha(alpha);
    blend_when_translucent();
}

// Video is opaque: blended only while it fades. The software renderer copies an opaque frame
// row by row but blends a blended one pixel by pixel, several times the work at 1080p.
void VideoTexture::blend_when_translucent() {
    if (m_texture.empty() || m_owner.expired()) return;
    SDL_SetTextureBlendMode(m_texture.native(), m_alpha == 255 ? SDL_BLENDMODE_NONE : SDL_BLENDMODE_BLEND);
}

void VideoTexture::ConverterFreer::operator()(SwsContext* converter) const {
    sws_freeContext(converter);
}

Result<void> VideoTexture::prepare(VideoFormat format, config::PixelSize size) {
    if (size.width <= 0 || size.height <= 0) {
        return fail(Errc::invalid_input, "a video frame of {}x{} has no pixels", size.width, size.height);
    }
    const auto renderer = m_owner.lock();
    if (!renderer) return fail(Errc::conflict, "the renderer of this video texture is gone");
    if (!m_texture.empty() && m_format == format && m_texture.size() == size) return {};

    m_texture = Texture{};
    m_format.reset();
    m_to_texture.reset();
    m_to_window.reset();
    const Uint32 yuv_format =
        format == VideoFormat::iyuv ? Uint32{SDL_PIXELFORMAT_IYUV} : Uint32{SDL_PIXELFORMAT_NV12};
    const Uint32 pixel_format = m_rgb_format != 0 ? m_rgb_format : yuv_format;
    SDL_Texture* texture =
        SDL_CreateTexture(renderer.get(), pixel_format, SDL_TEXTUREACCESS_STREAMING, size.width, size.height);
    if (texture == nullptr) {
        return sdl_failure(Errc::unsupported, fmt::format("cannot make a {} video texture of {}x{}",
                                                          to_string(format), size.width, size.height));
    }
    SDL_SetTextureScaleMode(texture, SDL_ScaleModeLinear);
    m_texture = Texture{m_owner, texture, size};
    m_texture.set_alpha(m_alpha);
    blend_when_translucent();
    m_format = format;
    ++m_textures_created;
    return {};
}

Result<void> VideoTexture::update_iyuv(config::PixelSize size, Plane y, Plane u, Plane v, FrameOwner owner) {
    const int chroma_width = (size.width + 1) / 2;
    if (auto checked = check_plane("Y", y, size.width); !checked) return checked;
    if (auto checked = check_plane("U", u, chroma_width); !checked) return checked;
    if (auto checked = check_plane("V", v, chroma_width); !checked) return checked;
    if (auto prepared = prepare(VideoFormat::iyuv, size); !prepared) return prepared;
    if (m_rgb_format != 0) return accept({y, u, v}, std::move(owner));
    if (SDL_UpdateYUVTexture(m_texture.native(), nullptr, y.data, y.pitch, u.data, u.pitch, v.data,
                             v.pitch) != 0) {
        return sdl_failure(Errc::internal,
                           fmt::format("cannot upload a {}x{} IYUV frame", size.width, size.height));
    }
    return {};
}

Result<void> VideoTexture::update_nv12(config::PixelSize size, Plane y, Plane uv, FrameOwner owner) {
    if (auto checked = check_plane("Y", y, size.width); !checked) return checked;
    if (auto checked = check_plane("UV", uv, (size.width + 1) / 2 * 2); !checked) return checked;
    if (auto prepared = prepare(VideoFormat::nv12, size); !prepared) return prepared;
    if (m_rgb_format != 0) return accept({y, uv, Plane{}}, std::move(owner));
    if (SDL_UpdateNVTexture(m_texture.native(), nullptr, y.data, y.pitch, uv.data, uv.pitch) != 0) {
        return sdl_failure(Errc::internal,
                           fmt::format("cannot upload a {}x{} NV12 frame", size.width, size.height));
    }
    return {};
}

Result<void> VideoTexture::accept(std::array<Plane, 3> planes, FrameOwner owner) {
    m_planes = planes;
    m_frame = std::move(owner);
    m_texture_current = false;
    if (m_frame) return {};
    // Nothing keeps these planes alive after the call: into the texture now.
    auto converted = convert_to_texture();
    m_planes = {};
    return converted;
}

Result<void> VideoTexture::convert_held() {
    if (m_texture_current || !m_frame) return {};
    return convert_to_texture();
}

Result<void> VideoTexture::convert_to_texture() {
    void* pixels = nullptr;
    int pitch = 0;
    if (SDL_LockTexture(m_texture.native(), nullptr, &pixels, &pitch) != 0) {
        return sdl_failure(Errc::internal, fmt::format("cannot write a {}x{} video frame",
                                                       m_texture.size().width, m_texture.size().height));
    }
    auto converted = convert_into(m_to_texture, m_to_texture_size, static_cast<std::uint8_t*>(pixels), pitch,
                                  m_texture.size());
    SDL_UnlockTexture(m_texture.native());
    m_texture_current = converted.has_value();
    return converted;
}

Result<void> VideoTexture::convert_into(Converter& converter, config::PixelSize& converter_size,
                                        std::uint8_t* target, int target_pitch,
                                        config::PixelSize target_size) {
    const config::PixelSize size = m_texture.size();
    if (!converter || converter_size != target_size) {
        const AVPixelFormat source = m_format == VideoFormat::nv12 ? AV_PIX_FMT_NV12 : AV_PIX_FMT_YUV420P;
        const AVPixelFormat rgb = m_rgb_format == SDL_PIXELFORMAT_RGB888 ? AV_PIX_FMT_BGR0 : AV_PIX_FMT_BGRA;
        // swscale's SIMD converter writes whole blocks of 8 pixels and leaves the rest of a row
        // untouched; other widths take its exact path.
        const bool whole_blocks = size.width % 8 == 0 && target_size.width % 8 == 0;
        const int flags = SWS_BILINEAR | (whole_blocks ? 0 : SWS_ACCURATE_RND);
        converter.reset(sws_getContext(size.width, size.height, source, target_size.width, target_size.height,
                                       rgb, flags, nullptr, nullptr, nullptr));
        if (!converter) {
            return fail(Errc::internal, "cannot convert {}x{} {} video frames to {}x{} RGB", size.width,
                        size.height, to_string(*m_format), target_size.width, target_size.height);
        }
        // The colours SDL's automatic YUV mode gives on a GPU: BT.601 for SD, BT.709 above,
        // limited range in, full range out.
        const int colorspace = size.height > 576 ? SWS_CS_ITU709 : SWS_CS_ITU601;
        sws_setColorspaceDetails(converter.get(), sws_getCoefficients(colorspace), 0,
                                 sws_getCoefficients(SWS_CS_DEFAULT), 1, 0, 1 << 16, 1 << 16);
        converter_size = target_size;
    }
    std::array<const std::uint8_t*, 4> source{m_planes[0].data, m_planes[1].data, m_planes[2].data, nullptr};
    std::array<int, 4> source_pitch{m_planes[0].pitch, m_planes[1].pitch, m_planes[2].pitch, 0};
    std::array<std::uint8_t*, 4> targets{target, nullptr, nullptr, nullptr};
    std::array<int, 4> target_pitches{target_pitch, 0, 0, 0};
    sws_scale(converter.get(), source.data(), source_pitch.data(), 0, size.height, targets.data(),
              target_pitches.data());
    return {};
}

// ---------------------------------------------------------------------------------------------
// Renderer

// SDL's video subsystem, counted by SDL itself, and the driver hint this process set for it.
struct Renderer::VideoSubsystem {
    bool driver_hint_set = false;
    bool framebuffer_hint_set = false;

    VideoSubsystem() = default;
    VideoSubsystem(const VideoSubsystem&) = delete;
    VideoSubsystem& operator=(const VideoSubsystem&) = delete;
    ~VideoSubsystem() {
        SDL_QuitSubSystem(SDL_INIT_VIDEO);
        // Back to the environment's choice, so the next Renderer with `automatic` gets SDL's.
        if (driver_hint_set) SDL_ResetHint(SDL_HINT_VIDEODRIVER);
        if (framebuffer_hint_set) SDL_ResetHint(SDL_HINT_FRAMEBUFFER_ACCELERATION);
    }
};

Result<std::unique_ptr<Renderer>> Renderer::create(const RendererOptions& options) {
    constexpr int max_side = 16384;
    if (options.size && (options.size->width <= 0 || options.size->height <= 0 ||
                         options.size->width > max_side || options.size->height > max_side)) {
        return fail(Errc::invalid_input, "window size {}x{} is out of range: each side must be 1..{}",
                    options.size->width, options.size->height, max_side);
    }

    const bool explicit_driver = options.driver != config::VideoDriver::automatic;
    const std::string requested{explicit_driver ? config::to_string(options.driver) : std::string_view{}};
    // An override hint beats the SDL_VIDEODRIVER environment variable, which `automatic` leaves to SDL.
    if (explicit_driver) SDL_SetHintWithPriority(SDL_HINT_VIDEODRIVER, requested.c_str(), SDL_HINT_OVERRIDE);
    if (SDL_InitSubSystem(SDL_INIT_VIDEO) != 0) {
        const std::string reason = SDL_GetError();
        if (explicit_driver) SDL_ResetHint(SDL_HINT_VIDEODRIVER);
        return fail(Errc::unsupported, "cannot start SDL video driver '{}': {} (drivers in this SDL: {})",
                    explicit_driver ? requested : std::string{"automatic"}, reason,
                    available_video_drivers());
    }
    std::unique_ptr<Renderer> renderer{new Renderer()};
    renderer->m_video = std::make_unique<VideoSubsystem>();
    renderer->m_video->driver_hint_set = explicit_driver;

    const char* current = SDL_GetCurrentVideoDriver();
    renderer->m_video_driver = current != nullptr ? current : "";
    // SDL was already running (another Renderer): the hint had no effect.
    if (explicit_driver && SDL_strcasecmp(renderer->m_video_driver.c_str(), requested.c_str()) != 0) {
        return fail(Errc::conflict, "video driver '{}' was asked for but SDL already runs '{}'", requested,
                    renderer->m_video_driver);
    }

    config::PixelSize size;
    if (options.size) {
        size = *options.size;
    } else {
        SDL_DisplayMode desktop;
        if (SDL_GetDesktopDisplayMode(0, &desktop) != 0) {
            return sdl_failure(
                Errc::unsupported,
                fmt::format("cannot read the screen size from video driver '{}'", renderer->m_video_driver));
        }
        size = {desktop.w, desktop.h};
    }

    Uint32 window_flags = SDL_WINDOW_SHOWN;
    // kmsdrm has no windows: a window is the screen, in the mode it is in. offscreen and dummy have
    // no screen to fill: there a size asked for is kept, or a full screen would be their made-up
    // desktop's 1024x768.
    const bool kmsdrm = SDL_strcasecmp(renderer->m_video_driver.c_str(), "kmsdrm") == 0;
    const bool headless = SDL_strcasecmp(renderer->m_video_driver.c_str(), "offscreen") == 0 ||
                          SDL_strcasecmp(renderer->m_video_driver.c_str(), "dummy") == 0;
    if (kmsdrm || (options.window == WindowMode::fullscreen && !(headless && options.size))) {
        window_flags |= SDL_WINDOW_FULLSCREEN_DESKTOP;
    }
    renderer->m_window.reset(SDL_CreateWindow(options.title.c_str(), SDL_WINDOWPOS_UNDEFINED,
                                              SDL_WINDOWPOS_UNDEFINED, size.width, size.height,
                                              window_flags));
    if (!renderer->m_window) {
        return sdl_failure(Errc::unsupported, fmt::format("cannot open a {}x{} window on video driver '{}'",
                                                          size.width, size.height, renderer->m_video_driver));
    }
    SDL_ShowCursor(SDL_DISABLE);
    // SD video is BT.601 and HD video BT.709; SDL's default would treat HD as BT.601 too.
    SDL_SetYUVConversionMode(SDL_YUV_CONVERSION_AUTOMATIC);

    const auto log = config::logger("player");
    const Uint32 vsync = options.vsync == VSync::on ? Uint32{SDL_RENDERER_PRESENTVSYNC} : Uint32{0};
    SDL_Window* window = renderer->m_window.get();
    const bool cpu_only_driver = SDL_strcasecmp(renderer->m_video_driver.c_str(), "offscreen") == 0 ||
                                 SDL_strcasecmp(renderer->m_video_driver.c_str(), "dummy") == 0;
    SDL_Renderer* native = nullptr;
    if (options.acceleration == Acceleration::accelerated ||
        (options.acceleration == Acceleration::automatic && !cpu_only_driver)) {
        native = SDL_CreateRenderer(window, -1, SDL_RENDERER_ACCELERATED | vsync);
        if (native == nullptr) {
            log->warn("no accelerated renderer on video driver '{}' ({}); drawing in software",
                      renderer->m_video_driver, SDL_GetError());
        }
    }
    if (native == nullptr && cpu_only_driver) {
        // Otherwise SDL backs the software renderer's window with an llvmpipe GL texture: more
        // CPU, and Mesa's driver loaded and unloaded with every window.
        SDL_SetHint(SDL_HINT_FRAMEBUFFER_ACCELERATION, "0");
        renderer->m_video->framebuffer_hint_set = true;
    }
    if (native == nullptr) native = SDL_CreateRenderer(window, -1, SDL_RENDERER_SOFTWARE | vsync);
    if (native == nullptr && vsync != 0) native = SDL_CreateRenderer(window, -1, SDL_RENDERER_SOFTWARE);
    if (native == nullptr) {
        return sdl_failure(Errc::unsupported, fmt::format("cannot create a renderer on video driver '{}'",
                                                          renderer->m_video_driver));
    }
    renderer->m_renderer = std::shared_ptr<SDL_Renderer>(native, SDL_DestroyRenderer);

    SDL_RendererInfo info;
    if (SDL_GetRendererInfo(native, &info) != 0)
        return sdl_failure(Errc::internal, "cannot describe the renderer");
    renderer->m_renderer_name = info.name != nullptr ? info.name : "";
    renderer->m_accelerated = (info.flags & SDL_RENDERER_ACCELERATED) != 0;
    if (!renderer->m_accelerated) {
        // Frames are converted on the CPU into the window's format, so drawing them is a copy.
        const Uint32 window_format = SDL_GetWindowPixelFormat(window);
        renderer->m_video_rgb_format =
            window_format == SDL_PIXELFORMAT_RGB888 ? SDL_PIXELFORMAT_RGB888 : SDL_PIXELFORMAT_ARGB8888;
    }
    renderer->m_max_texture_width = info.max_texture_width;
    renderer->m_max_texture_height = info.max_texture_height;
    if (SDL_GetRendererOutputSize(native, &renderer->m_output_size.width, &renderer->m_output_size.height) !=
        0) {
        return sdl_failure(Errc::internal, "cannot read the renderer's output size");
    }
    log->info("video driver {}, renderer {}{}, output {}x{}", renderer->m_video_driver,
              renderer->m_renderer_name, (info.flags & SDL_RENDERER_PRESENTVSYNC) != 0 ? " with vsync" : "",
              renderer->m_output_size.width, renderer->m_output_size.height);
    return renderer;
}

Renderer::~Renderer() = default;

Result<Texture> Renderer::create_texture(const RgbaImage& image, Sampling sampling) {
    if (image.empty()) {
        return fail(Errc::invalid_input, "cannot make a texture of an empty {}x{} image", image.width(),
                    image.height());
    }
    if ((m_max_texture_width > 0 && image.width() > m_max_texture_width) ||
        (m_max_texture_height > 0 && image.height() > m_max_texture_height)) {
        return fail(Errc::unsupported, "an image of {}x{} is larger than renderer {} takes ({}x{})",
                    image.width(), image.height(), m_renderer_name, m_max_texture_width,
                    m_max_texture_height);
    }
    SDL_Texture* native = SDL_CreateTexture(m_renderer.get(), SDL_PIXELFORMAT_RGBA32,
                                            SDL_TEXTUREACCESS_STATIC, image.width(), image.height());
    if (native == nullptr) {
        return sdl_failure(Errc::unsupported,
                           fmt::format("cannot make a texture of {}x{}", image.width(), image.height()));
    }
    Texture texture{m_renderer, native, image.size()};
    if (SDL_UpdateTexture(native, nullptr, image.bytes().data(), image.pitch()) != 0) {
        return sdl_failure(Errc::internal,
                           fmt::format("cannot upload a {}x{} image", image.width(), image.height()));
    }
    SDL_SetTextureBlendMode(native, SDL_BLENDMODE_BLEND);
    SDL_SetTextureScaleMode(native,
                            sampling == Sampling::linear ? SDL_ScaleModeLinear : SDL_ScaleModeNearest);
    return texture;
}

void Renderer::clear(Color color) {
    m_pending_clear = color;
}

void Renderer::flush_clear() const {
    if (!m_pending_clear) return;
    const Color color = *std::exchange(m_pending_clear, std::nullopt);
    SDL_SetRenderDrawColor(m_renderer.get(), color.r, color.g, color.b, color.a);
    SDL_RenderClear(m_renderer.get());
}

void Renderer::fill_rect(Rect area, Color color) {
    if (area.empty()) return;
    flush_clear();
    SDL_SetRenderDrawBlendMode(m_renderer.get(), SDL_BLENDMODE_BLEND);
    SDL_SetRenderDrawColor(m_renderer.get(), color.r, color.g, color.b, color.a);
    const SDL_Rect rect{area.x, area.y, area.width, area.height};
    SDL_RenderFillRect(m_renderer.get(), &rect);
}

Result<void> Renderer::draw(const Texture& texture, Rect zone, const DrawOptions& options) {
    if (texture.empty()) return {};
    assert(texture.m_owner.lock() == m_renderer && "a texture is drawn only by the renderer that made it");
    const auto placement = place(texture.size(), zone, options);
    if (!placement) return {};
    flush_clear();
    return draw_placed(texture, *placement);
}

Result<void> Renderer::draw(VideoTexture& video, Rect zone, const DrawOptions& options) {
    const Texture& texture = video.texture();
    if (texture.empty()) return {};
    assert(texture.m_owner.lock() == m_renderer && "a texture is drawn only by the renderer that made it");
    const auto placement = place(texture.size(), zone, options);
    if (!placement) return {};
    // An opaque frame over the whole output hides the clear under it: in software, skipping it
    // saves writing every pixel of the frame once more.
    const bool opaque = texture.alpha() == 255;
    if (opaque && covers(*placement, m_output_size)) {
        m_pending_clear.reset();
    } else {
        flush_clear();
    }
    if (opaque) {
        auto direct = draw_into_window(video, *placement);
        if (!direct) return fail(std::move(direct.error()));
        if (*direct) return {};
    }
    if (auto converted = video.convert_held(); !converted) return converted;
    return draw_placed(texture, *placement);
}

Result<bool> Renderer::draw_into_window(VideoTexture& video, const Placement& placement) {
    if (!video.m_frame || placement.angle_degrees != 0) return false;
    const config::PixelSize size = video.size();
    if (placement.source != Rect{0, 0, size.width, size.height}) return false;
    const RectF& box = placement.destination;
    const Rect target{static_cast<int>(std::lround(box.x)), static_cast<int>(std::lround(box.y)),
                      static_cast<int>(std::lround(box.width)), static_cast<int>(std::lround(box.height))};
    if (target.empty() || clip(target, m_output_size.width, m_output_size.height) != target) return false;
    SDL_Surface* surface = SDL_GetWindowSurface(m_window.get());
    if (surface == nullptr || surface->format->format != video.m_rgb_format ||
        surface->w < m_output_size.width || surface->h < m_output_size.height) {
        return false;
    }
    // Whatever is queued (a clear under a letterboxed frame) lands first.
    SDL_RenderFlush(m_renderer.get());
    if (SDL_MUSTLOCK(surface) && SDL_LockSurface(surface) != 0) return false;
    auto* pixels = static_cast<std::uint8_t*>(surface->pixels) +
                   static_cast<std::size_t>(target.y) * static_cast<std::size_t>(surface->pitch) +
                   static_cast<std::size_t>(target.x) * 4;
    auto converted = video.convert_into(video.m_to_window, video.m_to_window_size, pixels, surface->pitch,
                                        {target.width, target.height});
    if (SDL_MUSTLOCK(surface)) SDL_UnlockSurface(surface);
    if (!converted) return fail(std::move(converted.error()));
    return true;
}

Result<void> Renderer::draw_placed(const Texture& texture, const Placement& placement) {
    const SDL_Rect source{placement.source.x, placement.source.y, placement.source.width,
                          placement.source.height};
    const SDL_FRect destination{placement.destination.x, placement.destination.y, placement.destination.width,
                                placement.destination.height};
    // Without a turn, the plain copy: the software renderer's turning path first copies the
    // picture into a scratch surface, a whole extra pass over every frame.
    const int drawn = placement.angle_degrees == 0
                          ? SDL_RenderCopyF(m_renderer.get(), texture.native(), &source, &destination)
                          : SDL_RenderCopyExF(m_renderer.get(), texture.native(), &source, &destination,
                                              placement.angle_degrees, nullptr, SDL_FLIP_NONE);
    if (drawn != 0) {
        return sdl_failure(Errc::internal, fmt::format("cannot draw a {}x{} texture", texture.size().width,
                                                       texture.size().height));
    }
    return {};
}

Result<RgbaImage> Renderer::read_pixels() const {
    return read_pixels(output_rect());
}

Result<RgbaImage> Renderer::read_pixels(Rect region) const {
    const Rect inside = clip(region, m_output_size.width, m_output_size.height);
    if (inside.empty()) {
        return fail(Errc::invalid_input, "region {}x{} at {},{} is outside the {}x{} output", region.width,
                    region.height, region.x, region.y, m_output_size.width, m_output_size.height);
    }
    RgbaImage image{inside.width, inside.height};
    if (auto read = read_into(inside, image); !read) return fail(std::move(read.error()));
    return image;
}

Result<void> Renderer::read_into(Rect inside, RgbaImage& image) const {
    assert(image.width() == inside.width && image.height() == inside.height);
    flush_clear();
    const SDL_Rect rect{inside.x, inside.y, inside.width, inside.height};
    if (SDL_RenderReadPixels(m_renderer.get(), &rect, SDL_PIXELFORMAT_RGBA32, image.bytes().data(),
                             image.pitch()) != 0) {
        return sdl_failure(Errc::internal, "cannot read back the frame");
    }
    // The screen is opaque whatever alpha the back buffer keeps; snapshots show what a person sees.
    const auto bytes = image.bytes();
    for (std::size_t i = 3; i < bytes.size(); i += 4) bytes[i] = 255;
    return {};
}

Result<void> Renderer::present(Capture capture) {
    Result<void> captured;
    if (capture == Capture::yes) {
        // A fresh 1080p buffer costs thousands of page faults, so the previous capture's is reused.
        if (!m_last_capture || m_last_capture->size() != m_output_size) {
            m_last_capture.emplace(m_output_size.width, m_output_size.height);
        }
        captured = read_into(output_rect(), *m_last_capture);
        if (!captured) m_last_capture.reset();
    }
    flush_clear();
    SDL_RenderPresent(m_renderer.get());
    ++m_frames_presented;
    return captured;
}

Result<void> Renderer::snapshot_png(const std::filesystem::path& file) const {
    if (!m_last_capture) {
        return fail(Errc::conflict, "cannot write snapshot {}: no frame was presented with Capture::yes yet",
                    file.string());
    }
    return write_png(*m_last_capture, file);
}

}  // namespace dwell::player
