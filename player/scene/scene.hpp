// The picture on screen, composed each frame: the layout's zones, the main zone's item or the
// fallback slide, the ticker, the join overlay (prompt, code, QR code, live counter), join toasts
// and the takeover slide that preempts everything.
//
// Layout is done on a logical canvas: the screen as the viewer sees it. A portrait screen is a
// landscape panel mounted turned a quarter counter-clockwise (the picture's top along the panel's
// right edge), so its canvas is the output with width and height swapped, and every rectangle and
// picture is turned a quarter clockwise when drawn.
//
// Render thread only (it draws with the Renderer and the TextRenderer).
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/clock.hpp"
#include "config/error.hpp"
#include "content/records.hpp"
#include "content/schedule.hpp"
#include "content/screen.hpp"
#include "player/playback/event_link.hpp"
#include "player/playback/program.hpp"
#include "player/playback/stats.hpp"
#include "player/playback/timeline.hpp"
#include "player/render/qr.hpp"
#include "player/render/renderer.hpp"
#include "player/render/text.hpp"
#include "player/scene/join_prompt.hpp"

namespace dwell::player {

struct SceneOptions {
    config::Duration toast_time = std::chrono::seconds{4};
    std::size_t max_toasts = 3;
    // Scrolling text moves this many canvas heights of the ticker band per second.
    double ticker_speed = 1.5;
    Color takeover_color{0xb0, 0x00, 0x20, 255};
};

// A live event whose effect reached the screen in the frame just presented.
struct PresentedEvent {
    std::uint64_t seq = 0;
    config::WallTime at{};  // when the hub made it
    std::string campaign;   // for joins and counters
    bool join = false;      // a join whose toast went up: it gets a shown record
};

class Scene {
  public:
    static Result<std::unique_ptr<Scene>> create(Renderer& renderer, TextOptions fonts = {},
                                                 SceneOptions options = {});
    ~Scene();
    Scene(const Scene&) = delete;
    Scene& operator=(const Scene&) = delete;

    void set_program(std::shared_ptr<const Program> program);
    // Draws what the program's join overlays will show (prompt, code, QR code, counter, a toast)
    // where the next frame will cover it, so fonts are opened and glyphs rasterised before the
    // first frame: with the CJK font that takes longer than a frame has.
    void warm_up(config::WallTime wall);

    // Takes what arrived from the agent: toasts, counters, takeover start and end.
    void apply(const EventBatch& batch, SteadyTime now);

    // Whether a takeover is on screen at `wall` (one whose `until` passed has ended).
    bool takeover_active(config::WallTime wall);

    // Draws the whole frame; `main` is what the timeline shows in the main zone (the fallback
    // slide when it has no layers). Returns what the main zone showed.
    ZoneContent draw(MainView& main, config::WallTime wall, SteadyTime now);

    // The events first drawn in the frame draw() made, once it is presented; each is given once.
    std::vector<PresentedEvent> take_presented();

    // When the picture next changes by itself: a toast fading, the ticker moving, the clock's
    // minute, the join code's next step. Events just applied are the caller's to present.
    [[nodiscard]] SteadyTime next_deadline(config::WallTime wall, SteadyTime now) const;

    // The join code on screen now, if any (for logs).
    [[nodiscard]] std::optional<std::string> current_code() const;

  private:
    struct Toast {
        std::string text;
        SteadyTime born{};
        std::optional<PresentedEvent> event;  // until the toast is first drawn
    };
    struct CachedText {
        Texture texture;
        std::uint64_t used = 0;  // the frame it was last drawn in
    };
    struct Canvas;
    // The canvas and the layout of the program (fullscreen without one, or for an unknown name).
    [[nodiscard]] Canvas canvas() const;
    [[nodiscard]] const content::Layout& layout() const;

    Scene(Renderer& renderer, std::unique_ptr<TextRenderer> text, SceneOptions options);

    Texture* text_texture(const std::string& text, const TextStyle& style);
    Texture* qr_texture(const QrCode& code, const std::string& link, int scale);
    // Draws `texture` with its own size (shrunk only to fit `box`), aligned in `box`. A texture's
    // sampling was chosen when it was made (QR codes: nearest).
    void draw_texture(const Canvas& canvas, Texture& texture, Rect box, int align_x, int align_y);
    void draw_text(const Canvas& canvas, const std::string& text, const TextStyle& style, Rect box,
                   int align_x, int align_y);
    // Whether any layer was drawn.
    bool draw_main(const Canvas& canvas, MainView& main, Rect zone);
    void draw_fallback(const Canvas& canvas, Rect zone, config::WallTime wall);
    void draw_ticker(const Canvas& canvas, Rect zone, config::WallTime wall, SteadyTime now);
    bool draw_overlay(const Canvas& canvas, Rect zone, const std::string& campaign, config::WallTime wall);
    void draw_toasts(const Canvas& canvas, Rect zone, SteadyTime now);
    void draw_takeover(const Canvas& canvas);
    [[nodiscard]] std::string local_clock(config::WallTime wall) const;
    void trim_cache();

    Renderer& m_renderer;
    std::unique_ptr<TextRenderer> m_text;
    SceneOptions m_options;
    std::shared_ptr<const Program> m_program;
    std::optional<content::ScreenContext> m_screen;

    std::map<std::string, CachedText, std::less<>> m_cache;
    std::uint64_t m_frame = 0;
    SteadyTime m_started{};

    std::map<std::string, content::CounterEvent, std::less<>> m_counters;  // by campaign
    std::deque<Toast> m_toasts;
    std::optional<content::TakeoverEvent> m_takeover;
    std::optional<JoinPrompt> m_prompt;  // the overlay's, recomputed when its step ends
    std::optional<QrCode> m_prompt_qr;   // of m_prompt's deep link
    std::string m_prompt_campaign;

    std::vector<PresentedEvent> m_waiting;  // applied, not drawn yet (joins wait in their toast)
    std::vector<PresentedEvent> m_drawn;    // drawn in the last frame
};

}  // namespace dwell::player
