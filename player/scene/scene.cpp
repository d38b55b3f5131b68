#include "player/scene/scene.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

#include <date/tz.h>

#include "config/log.hpp"

namespace dwell::player {
namespace {

using std::chrono::milliseconds;

constexpr Color black{0, 0, 0, 255};
constexpr Color white{255, 255, 255, 255};
constexpr Color panel_color{0, 0, 0, 180};
constexpr Color code_color{0xff, 0xd5, 0x4a, 255};
constexpr Color toast_color{0x14, 0x78, 0x3c, 230};
constexpr Color ticker_color{0x10, 0x14, 0x18, 255};
constexpr std::string_view anonymous_toast = "새 참여자가 참여했어요";

Rotation turn(Rotation a, Rotation b) {
    return static_cast<Rotation>((static_cast<int>(a) + static_cast<int>(b)) % 4);
}

int scaled(int length, double share) {
    return static_cast<int>(std::lround(static_cast<double>(length) * share));
}

SteadyTime steady_at(config::WallTime at, config::WallTime wall, SteadyTime now) {
    return now + std::chrono::duration_cast<SteadyTime::duration>(at - wall);
}

// Where `zone` of a layout lies on a canvas of `size`.
Rect zone_rect(const content::Zone& zone, config::PixelSize size) {
    return {scaled(size.width, zone.x), scaled(size.height, zone.y), scaled(size.width, zone.width),
            scaled(size.height, zone.height)};
}

// The counter under a join prompt, and the toast of a join: bold, the same size, so one font.
TextStyle counter_style(Rect zone) {
    return {std::max(10, zone.height * 36 / 1000), FontWeight::bold, white, 0};
}

TextStyle toast_style(Rect zone) {
    TextStyle style = counter_style(zone);
    style.wrap_width = zone.width / 2;
    return style;
}

std::string counter_text(std::uint64_t count) {
    return fmt::format("참여 {}명", count);
}

}  // namespace

// The logical canvas (the screen as seen) and how it lands on the output.
struct Scene::Canvas {
    config::PixelSize output;
    bool portrait = false;

    [[nodiscard]] config::PixelSize size() const {
        return portrait ? config::PixelSize{output.height, output.width} : output;
    }
    [[nodiscard]] Rect map(Rect r) const {
        if (!portrait) return r;
        return {output.width - r.y - r.height, r.x, r.height, r.width};
    }
    [[nodiscard]] Rotation rotation() const { return portrait ? Rotation::cw90 : Rotation::none; }
};

Result<std::unique_ptr<Scene>> Scene::create(Renderer& renderer, TextOptions fonts, SceneOptions options) {
    auto text = TextRenderer::create(std::move(fonts));
    if (!text) return fail(std::move(text.error()));
    return std::unique_ptr<Scene>{new Scene{renderer, std::move(*text), options}};
}

Scene::Scene(Renderer& renderer, std::unique_ptr<TextRenderer> text, SceneOptions options)
    : m_renderer(renderer), m_text(std::move(text)), m_options(options) {}

Scene::~Scene() = default;

void Scene::set_program(std::shared_ptr<const Program> program) {
    m_program = std::move(program);
    m_screen = content::ScreenContext::create_or_utc(m_program->screen);
    m_prompt.reset();
    m_prompt_qr.reset();
    m_prompt_campaign.clear();
}

void Scene::apply(const EventBatch& batch, SteadyTime now) {
    for (const content::LiveEvent& event : batch.control) {
        bool shown = true;
        if (const auto* takeover = std::get_if<content::TakeoverEvent>(&event.body)) {
            m_takeover = *takeover;
        } else if (const auto* end = std::get_if<content::TakeoverEndEvent>(&event.body)) {
            if (m_takeover && m_takeover->id == end->id) m_takeover.reset();
        } else if (const auto* snapshot = std::get_if<content::SnapshotEvent>(&event.body)) {
            for (const auto& counter : snapshot->counters) m_counters[counter.campaign] = counter;
            m_takeover = snapshot->takeover;
        } else {
            shown = false;  // manifest: the program changes, not the picture
        }
        if (shown) m_waiting.push_back({event.seq, event.at, {}, false});
    }
    for (const auto& [campaign, counter] : batch.counters) m_counters[campaign] = counter;

    const auto toasts_on = [&](const std::string& campaign) {
        if (!m_program) return true;
        const auto found = m_program->joins.find(campaign);
        return found == m_program->joins.end() || found->second.overlay.toasts;
    };
    const std::size_t first_toast =
        batch.joins.size() > m_options.max_toasts ? batch.joins.size() - m_options.max_toasts : 0;
    for (std::size_t i = 0; i < batch.joins.size(); ++i) {
        const content::LiveEvent& event = batch.joins[i];
        const auto* join = std::get_if<content::JoinEvent>(&event.body);
        if (join == nullptr) continue;
        auto& counter = m_counters[join->campaign];
        counter.campaign = join->campaign;
        counter.screen_count = std::max(counter.screen_count, join->screen_count);
        counter.campaign_count = std::max(counter.campaign_count, join->campaign_count);
        if (i < first_toast || !toasts_on(join->campaign)) continue;
        m_toasts.push_back(
            {join->name.empty() ? std::string{anonymous_toast} : join->name + " 님이 참여했어요", now,
             PresentedEvent{event.seq, event.at, join->campaign, true}});
        while (m_toasts.size() > m_options.max_toasts) m_toasts.pop_front();
    }
}

bool Scene::takeover_active(config::WallTime wall) {
    if (m_takeover && m_takeover->until && wall >= *m_takeover->until) {
        config::logger("player")->info("takeover {} ended at its set time", m_takeover->id);
        m_takeover.reset();
    }
    return m_takeover.has_value();
}

Texture* Scene::text_texture(const std::string& text, const TextStyle& style) {
    const std::string key =
        fmt::format("t|{}|{}|{}|{}.{}.{}.{}|{}", style.pixel_size, static_cast<int>(style.weight),
                    style.wrap_width, style.color.r, style.color.g, style.color.b, style.color.a, text);
    if (auto found = m_cache.find(key); found != m_cache.end()) {
        found->second.used = m_frame;
        return found->second.texture.empty() ? nullptr : &found->second.texture;
    }
    CachedText entry;
    entry.used = m_frame;
    if (auto image = m_text->render(text, style); !image) {
        config::logger("player")->warn("cannot draw text \"{}\": {}", text, image.error().message);
    } else if (!image->empty()) {
        if (auto texture = m_renderer.create_texture(*image); texture) entry.texture = std::move(*texture);
    }
    auto [it, inserted] = m_cache.emplace(key, std::move(entry));
    return it->second.texture.empty() ? nullptr : &it->second.texture;
}

Texture* Scene::qr_texture(const QrCode& code, const std::string& link, int scale) {
    const std::string key = fmt::format("q|{}|{}", scale, link);
    if (auto found = m_cache.find(key); found != m_cache.end()) {
        found->second.used = m_frame;
        return found->second.texture.empty() ? nullptr : &found->second.texture;
    }
    CachedText entry;
    entry.used = m_frame;
    if (auto texture = m_renderer.create_texture(code.render(scale), Sampling::nearest); texture) {
        entry.texture = std::move(*texture);
    }
    auto [it, inserted] = m_cache.emplace(key, std::move(entry));
    return it->second.texture.empty() ? nullptr : &it->second.texture;
}

void Scene::trim_cache() {
    // Texts not drawn for a while (old codes, old clock minutes, gone toasts) give their memory back.
    constexpr std::uint64_t keep_frames = 300;
    if (m_cache.size() < 64) return;
    std::erase_if(m_cache, [&](const auto& entry) { return entry.second.used + keep_frames < m_frame; });
}

void Scene::draw_texture(const Canvas& canvas, Texture& texture, Rect box, int align_x, int align_y) {
    const auto size = texture.size();
    if (size.width <= 0 || size.height <= 0 || box.empty()) return;
    const double scale = std::min(
        {1.0, static_cast<double>(box.width) / size.width, static_cast<double>(box.height) / size.height});
    const int width = std::max(1, scaled(size.width, scale));
    const int height = std::max(1, scaled(size.height, scale));
    const int x = box.x + (align_x < 0 ? 0 : align_x == 0 ? (box.width - width) / 2 : box.width - width);
    const int y = box.y + (align_y < 0 ? 0 : align_y == 0 ? (box.height - height) / 2 : box.height - height);
    DrawOptions options;
    options.rotation = canvas.rotation();
    if (auto drawn = m_renderer.draw(texture, canvas.map({x, y, width, height}), options); !drawn)
        config::logger("player")->warn("cannot draw: {}", drawn.error().message);
}

void Scene::draw_text(const Canvas& canvas, const std::string& text, const TextStyle& style, Rect box,
                      int align_x, int align_y) {
    if (Texture* texture = text_texture(text, style)) draw_texture(canvas, *texture, box, align_x, align_y);
}

Scene::Canvas Scene::canvas() const {
    return {m_renderer.output_size(),
            m_program && m_program->screen.orientation == content::Orientation::portrait};
}

const content::Layout& Scene::layout() const {
    const content::Layout* layout =
        content::builtin_layout(m_program ? m_program->screen.layout : std::string_view{"fullscreen"});
    return layout != nullptr ? *layout : *content::builtin_layout("fullscreen");
}

ZoneContent Scene::draw(MainView& main, config::WallTime wall, SteadyTime now) {
    ++m_frame;
    if (m_frame == 1) m_started = now;
    const Canvas canvas = this->canvas();
    m_drawn.insert(m_drawn.end(), m_waiting.begin(), m_waiting.end());
    m_waiting.clear();
    while (!m_toasts.empty() && now - m_toasts.front().born >= m_options.toast_time) m_toasts.pop_front();

    if (takeover_active(wall)) {
        draw_takeover(canvas);
        trim_cache();
        return ZoneContent::takeover;
    }

    m_renderer.clear(black);
    ZoneContent content = ZoneContent::fallback;
    for (const content::Zone& zone : layout().zones) {
        const Rect rect = zone_rect(zone, canvas.size());
        if (zone.name != "main") {
            draw_ticker(canvas, rect, wall, now);
            continue;
        }
        // What cannot be drawn is replaced by the fallback slide, never left black.
        if (!main.fallback() && draw_main(canvas, main, rect)) {
            content = ZoneContent::item;
            draw_overlay(canvas, rect, main.campaign, wall);
        } else {
            draw_fallback(canvas, rect, wall);
        }
        draw_toasts(canvas, rect, now);
    }
    trim_cache();
    return content;
}

bool Scene::draw_main(const Canvas& canvas, MainView& main, Rect zone) {
    const Rect physical = canvas.map(zone);
    bool drew = false;
    for (MainLayer& layer : main.layers) {
        DrawOptions options = layer.draw;
        options.rotation = turn(options.rotation, canvas.rotation());
        Result<void> drawn;
        if (layer.video != nullptr) {
            layer.video->set_alpha(layer.alpha);
            drawn = m_renderer.draw(*layer.video, physical, options);
        } else if (layer.image != nullptr) {
            layer.image->set_alpha(layer.alpha);
            drawn = m_renderer.draw(*layer.image, physical, options);
        }
        const bool empty = layer.video != nullptr ? layer.video->texture().empty()
                                                  : layer.image == nullptr || layer.image->empty();
        if (!drawn) {
            config::logger("player")->warn("cannot draw {}: {}", main.file.string(), drawn.error().message);
        } else if (!empty) {
            drew = true;
        }
    }
    return drew;
}

std::string Scene::local_clock(config::WallTime wall) const {
    const auto seconds = std::chrono::floor<std::chrono::seconds>(wall);
    if (m_screen && m_screen->time_zone() != nullptr) {
        return date::format("%H:%M", date::make_zoned(m_screen->time_zone(), seconds));
    }
    return date::format("%H:%M", seconds);
}

void Scene::draw_fallback(const Canvas& canvas, Rect zone, config::WallTime wall) {
    const Color background = m_program ? m_program->fallback_color : Program{}.fallback_color;
    m_renderer.fill_rect(canvas.map(zone), background);
    const std::string station =
        m_program && !m_program->screen.station.empty() ? m_program->screen.station : "dwell";
    TextStyle title{std::max(12, zone.height / 8), FontWeight::bold, white, 0};
    TextStyle clock{std::max(10, zone.height / 12), FontWeight::regular, white, 0};
    const Rect upper{zone.x, zone.y, zone.width, zone.height / 2};
    const Rect lower{zone.x, zone.y + zone.height / 2, zone.width, zone.height / 2};
    draw_text(canvas, station, title, upper, 0, 1);
    draw_text(canvas, local_clock(wall), clock, lower, 0, -1);
}

void Scene::draw_ticker(const Canvas& canvas, Rect zone, config::WallTime wall, SteadyTime now) {
    m_renderer.fill_rect(canvas.map(zone), ticker_color);
    std::string text = m_program ? m_program->ticker : std::string{};
    if (text.empty()) {
        const std::string station = m_program ? m_program->screen.station : std::string{"dwell"};
        text = station + "  ·  " + local_clock(wall);
    }
    // At most a sixteenth of the screen's height: a portrait screen's side strip is tall.
    const int pixel_size = std::min(zone.height * 11 / 20, canvas.size().height / 16);
    const TextStyle style{std::max(8, pixel_size), FontWeight::regular, white, 0};
    Texture* texture = text_texture(text, style);
    if (texture == nullptr) return;
    const int width = texture->size().width;
    const double speed = m_options.ticker_speed * zone.height;  // canvas pixels per second
    const double elapsed = std::chrono::duration<double>(now - m_started).count();
    const double travel = static_cast<double>(zone.width + width);
    const int x = zone.x + zone.width - static_cast<int>(std::fmod(elapsed * speed, travel));
    const int height = std::min(texture->size().height, zone.height);
    DrawOptions options;
    options.rotation = canvas.rotation();
    (void)m_renderer.draw(*texture, canvas.map({x, zone.y + (zone.height - height) / 2, width, height}),
                          options);
}

void Scene::warm_up(config::WallTime wall) {
    if (!m_program || m_program->joins.empty()) return;
    const Canvas canvas = this->canvas();
    for (const content::Zone& zone : layout().zones) {
        if (zone.name != "main") continue;
        const Rect rect = zone_rect(zone, canvas.size());
        for (const auto& [campaign, join] : m_program->joins) {
            draw_overlay(canvas, rect, campaign, wall);
            text_texture(counter_text(0), counter_style(rect));
        }
        text_texture(std::string{anonymous_toast}, toast_style(rect));
    }
}

bool Scene::draw_overlay(const Canvas& canvas, Rect zone, const std::string& campaign,
                         config::WallTime wall) {
    if (!m_program) return false;
    const auto join = m_program->joins.find(campaign);
    if (join == m_program->joins.end()) return false;
    if (!m_prompt || m_prompt_campaign != campaign || wall >= m_prompt->changes_at) {
        auto prompt = join_prompt_at(join->second.source, wall);
        if (!prompt) {
            config::logger("player")->warn("campaign {}: no join code: {}", campaign, prompt.error().message);
            return false;
        }
        if (!m_prompt || m_prompt->code != prompt->code)
            config::logger("player")->debug("campaign {}: join code {}", campaign, prompt->code);
        m_prompt = std::move(*prompt);
        m_prompt_campaign = campaign;
        m_prompt_qr.reset();
        if (auto encoded = QrCode::encode(m_prompt->deep_link)) {
            m_prompt_qr = std::move(*encoded);
        } else {
            config::logger("player")->warn("campaign {}: no QR code of {}: {}", campaign, m_prompt->deep_link,
                                           encoded.error().message);
        }
    }
    const content::Overlay& overlay = join->second.overlay;
    const int margin = std::max(4, zone.height * 3 / 100);
    const int panel_width =
        std::clamp(zone.width * 32 / 100, std::min(160, zone.width), zone.width - 2 * margin);
    const int pad = std::max(4, panel_width / 20);
    const int inner = panel_width - 2 * pad;
    const int gap = pad / 2;

    const TextStyle prompt_style{std::max(10, zone.height * 32 / 1000), FontWeight::regular, white, inner};
    const TextStyle code_style{std::max(16, zone.height * 75 / 1000), FontWeight::bold, code_color, 0};
    Texture* prompt = text_texture(m_prompt->text, prompt_style);
    Texture* code = text_texture(m_prompt->code, code_style);
    Texture* qr = nullptr;
    int qr_side = 0;
    if (overlay.qr && m_prompt_qr) {
        const int scale = m_prompt_qr->largest_scale(std::min(inner, zone.height * 36 / 100));
        if (scale >= 1) {
            qr = qr_texture(*m_prompt_qr, m_prompt->deep_link, scale);
            qr_side = m_prompt_qr->rendered_side(scale);
        }
    }
    Texture* counter = nullptr;
    if (overlay.counter) {
        if (const auto found = m_counters.find(campaign); found != m_counters.end())
            counter = text_texture(counter_text(found->second.campaign_count), counter_style(zone));
    }
    const auto height_of = [](const Texture* texture) { return texture ? texture->size().height : 0; };
    const int panel_height = pad + height_of(prompt) + gap + height_of(code) + (qr ? gap + qr_side : 0) +
                             (counter ? gap + height_of(counter) : 0) + pad;
    const bool right = overlay.position == content::OverlayPosition::bottom_right ||
                       overlay.position == content::OverlayPosition::top_right;
    const bool bottom = overlay.position == content::OverlayPosition::bottom_right ||
                        overlay.position == content::OverlayPosition::bottom_left;
    const Rect panel{right ? zone.x + zone.width - margin - panel_width : zone.x + margin,
                     bottom ? zone.y + zone.height - margin - panel_height : zone.y + margin, panel_width,
                     panel_height};
    m_renderer.fill_rect(canvas.map(panel), panel_color);
    int y = panel.y + pad;
    const auto place = [&](Texture* texture, int height) {
        if (texture == nullptr) return;
        draw_texture(canvas, *texture, {panel.x + pad, y, inner, height}, 0, -1);
        y += height + gap;
    };
    place(prompt, height_of(prompt));
    place(code, height_of(code));
    place(qr, qr_side);
    place(counter, height_of(counter));
    return true;
}

void Scene::draw_toasts(const Canvas& canvas, Rect zone, SteadyTime now) {
    if (m_toasts.empty()) return;
    const int margin = std::max(4, zone.height * 3 / 100);
    const int pad = std::max(3, zone.height / 80);
    const TextStyle style = toast_style(zone);
    int y = zone.y + margin;
    for (auto toast = m_toasts.rbegin(); toast != m_toasts.rend(); ++toast) {  // newest on top
        Texture* text = text_texture(toast->text, style);
        if (text == nullptr) continue;
        const auto size = text->size();
        const Rect box{zone.x + zone.width - margin - size.width - 2 * pad, y, size.width + 2 * pad,
                       size.height + 2 * pad};
        // The last half second fades out.
        const double left = std::chrono::duration<double>(m_options.toast_time - (now - toast->born)).count();
        const double opacity = std::clamp(left / 0.5, 0.0, 1.0);
        Color background = toast_color;
        background.a = static_cast<std::uint8_t>(background.a * opacity);
        m_renderer.fill_rect(canvas.map(box), background);
        text->set_alpha(static_cast<std::uint8_t>(255 * opacity));
        draw_texture(canvas, *text, {box.x + pad, box.y + pad, size.width, size.height}, 0, 0);
        text->set_alpha(255);
        // The join is shown once its toast is on screen: it then gets its shown record.
        if (toast->event) m_drawn.push_back(*std::exchange(toast->event, std::nullopt));
        y += box.height + pad;
    }
}

void Scene::draw_takeover(const Canvas& canvas) {
    const auto size = canvas.size();
    m_renderer.clear(m_options.takeover_color);
    const TextStyle style{std::max(14, size.height * 8 / 100), FontWeight::bold, white,
                          size.width * 85 / 100};
    draw_text(canvas, m_takeover->text, style, {0, 0, size.width, size.height}, 0, 0);
}

std::vector<PresentedEvent> Scene::take_presented() {
    return std::exchange(m_drawn, {});
}

SteadyTime Scene::next_deadline(config::WallTime wall, SteadyTime now) const {
    SteadyTime deadline = now + std::chrono::seconds{1};
    const auto consider = [&](SteadyTime at) { deadline = std::min(deadline, std::max(at, now)); };
    constexpr auto animation = milliseconds{33};
    if (m_takeover) {
        if (m_takeover->until) consider(steady_at(*m_takeover->until, wall, now));
        return deadline;
    }
    if (std::ranges::any_of(m_toasts, [](const Toast& toast) { return toast.event.has_value(); }))
        consider(now);
    if (!m_toasts.empty()) {
        const auto fade_start = m_toasts.front().born + m_options.toast_time - milliseconds{500};
        consider(now >= fade_start ? now + animation : fade_start);
    }
    if (layout().zones.size() > 1) consider(now + animation);
    // The clock's next minute.
    const auto minute = std::chrono::ceil<std::chrono::minutes>(wall + milliseconds{1});
    consider(steady_at(minute, wall, now));
    if (m_prompt) consider(steady_at(m_prompt->changes_at, wall, now));
    return deadline;
}

std::optional<std::string> Scene::current_code() const {
    if (!m_prompt) return std::nullopt;
    return m_prompt->code;
}

}  // namespace dwell::player
