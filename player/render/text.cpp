#include "player/render/text.hpp"

#include <cstring>
#include <string>
#include <system_error>

namespace dwell::player {

namespace {

// Fonts kept open at once; layouts use a handful of sizes, so reaching this means sizes are being
// swept (an animation) and the cache starts over rather than growing without end.
constexpr std::size_t max_cached_fonts = 16;

std::unexpected<Error> ttf_failure(Errc code, std::string_view what) {
    return fail(code, "{}: {}", what, TTF_GetError());
}

Result<void> check_font_file(const std::filesystem::path& file) {
    std::error_code error;
    if (!std::filesystem::is_regular_file(file, error)) {
        return fail(Errc::not_found, "font file {} not found; install fonts-noto-cjk or set the font path",
                    file.string());
    }
    return {};
}

Result<void> check_pixel_size(int pixel_size) {
    if (pixel_size < 1 || pixel_size > TextRenderer::max_pixel_size) {
        return fail(Errc::invalid_input, "text size {}px is out of range 1..{}", pixel_size,
                    TextRenderer::max_pixel_size);
    }
    return {};
}

// SDL_ttf gives ARGB8888 surfaces with a row padding of its own; RgbaImage rows are packed.
Result<RgbaImage> to_rgba(SDL_Surface* rendered) {
    SDL_Surface* converted = SDL_ConvertSurfaceFormat(rendered, SDL_PIXELFORMAT_RGBA32, 0);
    if (converted == nullptr) return fail(Errc::internal, "cannot convert rendered text: {}", SDL_GetError());
    RgbaImage image{converted->w, converted->h};
    const auto* rows = static_cast<const std::uint8_t*>(converted->pixels);
    const auto row_bytes = static_cast<std::size_t>(image.pitch());
    for (int y = 0; y < converted->h; ++y) {
        std::memcpy(image.bytes().data() + static_cast<std::size_t>(y) * row_bytes,
                    rows + static_cast<std::size_t>(y) * static_cast<std::size_t>(converted->pitch),
                    row_bytes);
    }
    SDL_FreeSurface(converted);
    return image;
}

}  // namespace

void TextRenderer::FontCloser::operator()(TTF_Font* font) const {
    TTF_CloseFont(font);
}

Result<std::unique_ptr<TextRenderer>> TextRenderer::create(TextOptions options) {
    if (auto checked = check_font_file(options.regular_font); !checked)
        return fail(std::move(checked.error()));
    if (auto checked = check_font_file(options.bold_font); !checked) return fail(std::move(checked.error()));
    if (options.face_index < 0) {
        return fail(Errc::invalid_input, "font face index {} is negative", options.face_index);
    }
    std::unique_ptr<TextRenderer> text{new TextRenderer(std::move(options))};
    // TTF_Init counts its callers, so each TextRenderer starts and stops its own share.
    if (TTF_Init() != 0) return ttf_failure(Errc::internal, "cannot start SDL_ttf");
    text->m_ttf_started = true;
    // Opened now so a wrong file is reported at startup, not at the first prompt.
    for (const FontWeight weight : {FontWeight::regular, FontWeight::bold}) {
        if (auto opened = text->font(32, weight); !opened) return fail(std::move(opened.error()));
    }
    return text;
}

TextRenderer::~TextRenderer() {
    m_fonts.clear();
    if (m_ttf_started) TTF_Quit();
}

Result<TTF_Font*> TextRenderer::font(int pixel_size, FontWeight weight) {
    if (auto checked = check_pixel_size(pixel_size); !checked) return fail(std::move(checked.error()));
    const auto key = std::make_pair(pixel_size, weight);
    if (const auto found = m_fonts.find(key); found != m_fonts.end()) return found->second.get();

    const std::filesystem::path& file =
        weight == FontWeight::bold ? m_options.bold_font : m_options.regular_font;
    // At SDL_ttf's 72 DPI a point is a pixel.
    Font opened{TTF_OpenFontIndex(file.c_str(), pixel_size, m_options.face_index)};
    if (!opened) {
        return ttf_failure(Errc::invalid_input,
                           fmt::format("cannot read font {} (face {})", file.string(), m_options.face_index));
    }
    if (m_fonts.size() >= max_cached_fonts) m_fonts.clear();
    TTF_Font* raw = opened.get();
    m_fonts.emplace(key, std::move(opened));
    return raw;
}

Result<int> TextRenderer::line_height(int pixel_size, FontWeight weight) {
    const auto opened = font(pixel_size, weight);
    if (!opened) return fail(opened.error());
    return TTF_FontLineSkip(*opened);
}

Result<config::PixelSize> TextRenderer::measure(std::string_view utf8, int pixel_size, FontWeight weight) {
    const auto opened = font(pixel_size, weight);
    if (!opened) return fail(opened.error());
    if (utf8.empty()) return config::PixelSize{0, TTF_FontHeight(*opened)};
    const std::string text{utf8};  // SDL_ttf wants a terminating NUL
    config::PixelSize size;
    if (TTF_SizeUTF8(*opened, text.c_str(), &size.width, &size.height) != 0) {
        return ttf_failure(Errc::invalid_input, fmt::format("cannot measure text of {} bytes", utf8.size()));
    }
    return size;
}

Result<RgbaImage> TextRenderer::render(std::string_view utf8, const TextStyle& style) {
    const auto opened = font(style.pixel_size, style.weight);
    if (!opened) return fail(opened.error());
    if (style.wrap_width < 0) {
        return fail(Errc::invalid_input, "text wrap width {} is negative", style.wrap_width);
    }
    if (utf8.empty()) return RgbaImage{0, TTF_FontHeight(*opened)};

    const std::string text{utf8};
    const SDL_Color color{style.color.r, style.color.g, style.color.b, style.color.a};
    const bool wrapped = style.wrap_width > 0 || text.find('\n') != std::string::npos;
    SDL_Surface* rendered = wrapped ? TTF_RenderUTF8_Blended_Wrapped(*opened, text.c_str(), color,
                                                                     static_cast<Uint32>(style.wrap_width))
                                    : TTF_RenderUTF8_Blended(*opened, text.c_str(), color);
    if (rendered == nullptr) {
        return ttf_failure(Errc::invalid_input, fmt::format("cannot render text of {} bytes at {}px",
                                                            utf8.size(), style.pixel_size));
    }
    auto image = to_rgba(rendered);
    SDL_FreeSurface(rendered);
    return image;
}

}  // namespace dwell::player
