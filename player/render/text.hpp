// Text to pixels with SDL2_ttf and Noto Sans CJK, so Korean, Japanese, Chinese and Latin render
// from one font: prompts, tickers, toasts, the fallback slide's station name and clock.
//
// Threads: SDL_ttf shares one FreeType library between all fonts, so all TextRenderers of a
// process must be used from one thread at a time. The results are plain RgbaImages, which the
// render thread turns into textures (Renderer::create_texture).
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <string_view>
#include <utility>

#include <SDL_ttf.h>

#include "config/config_file.hpp"
#include "config/error.hpp"
#include "player/render/renderer.hpp"

namespace dwell::player {

enum class FontWeight { regular, bold };

struct TextOptions {
    std::filesystem::path regular_font{"/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"};
    std::filesystem::path bold_font{"/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"};
    // The face in a font collection (.ttc); 1 is "Noto Sans CJK KR" in Debian's fonts-noto-cjk,
    // whose glyph shapes Korean readers expect. 0 for a plain .ttf/.otf.
    int face_index = 1;
};

struct TextStyle {
    int pixel_size = 32;  // the em size in pixels, 1..max_pixel_size
    FontWeight weight = FontWeight::regular;
    Color color{255, 255, 255, 255};
    // Lines are broken at spaces (or anywhere, for a word too long) to stay within this many
    // pixels; 0 breaks only at '\n'.
    int wrap_width = 0;
};

class TextRenderer {
  public:
    static constexpr int max_pixel_size = 1024;

    // Opens both fonts once to check them. Errors: Errc::not_found naming a missing font file,
    // Errc::invalid_input for a file FreeType cannot read as a font.
    static Result<std::unique_ptr<TextRenderer>> create(TextOptions options = {});

    TextRenderer(const TextRenderer&) = delete;
    TextRenderer& operator=(const TextRenderer&) = delete;
    ~TextRenderer();

    // `utf8` drawn in `style.color` on transparent pixels, as tall as its lines. An empty text gives
    // an empty image (width 0, one line high). Invalid UTF-8 bytes are drawn as U+FFFD.
    Result<RgbaImage> render(std::string_view utf8, const TextStyle& style);

    // The size render() would give the text on one line (no wrapping); the width is 0 for an empty
    // text and the height one line.
    Result<config::PixelSize> measure(std::string_view utf8, int pixel_size,
                                      FontWeight weight = FontWeight::regular);

    // The distance from one baseline to the next, for laying out lines.
    Result<int> line_height(int pixel_size, FontWeight weight = FontWeight::regular);

  private:
    struct FontCloser {
        void operator()(TTF_Font* font) const;
    };
    using Font = std::unique_ptr<TTF_Font, FontCloser>;

    explicit TextRenderer(TextOptions options) : m_options(std::move(options)) {}
    // The font at that size and weight, opened on first use and kept.
    Result<TTF_Font*> font(int pixel_size, FontWeight weight);

    TextOptions m_options;
    bool m_ttf_started = false;
    std::map<std::pair<int, FontWeight>, Font> m_fonts;
};

}  // namespace dwell::player
