#include "config/hub_config.hpp"

#include <array>
#include <set>
#include <system_error>

#include "config/yaml_reader.hpp"

namespace dwell::config {
namespace {

constexpr std::array<EnumName<ChannelKind>, 5> channel_kind_names{{
    {"line", ChannelKind::line},
    {"telegram", ChannelKind::telegram},
    {"kakao", ChannelKind::kakao},
    {"whatsapp", ChannelKind::whatsapp},
    {"generic", ChannelKind::generic},
}};

Result<unsigned> parse_threads(std::string_view text) {
    auto threads = parse_integer<unsigned>(text);
    if (threads && (*threads < 1 || *threads > 256))
        return fail(Errc::invalid_input, "{} threads is out of range; expected 1 to 256", *threads);
    return threads;
}

// A path parser that also requires the file to exist and be readable.
auto existing_file_parser(const std::filesystem::path& base_dir) {
    return [base = base_dir](std::string_view value) -> Result<std::filesystem::path> {
        auto path = path_parser(base)(value);
        if (!path) return path;
        std::error_code ec;
        if (!std::filesystem::is_regular_file(*path, ec))
            return fail(Errc::not_found, "{} does not exist or is not a file", path->string());
        return path;
    };
}

ChannelConfig decode_channel(const YAML::Node& node, const std::string& path, Problems& problems,
                             const std::filesystem::path& base_dir) {
    ChannelConfig channel;
    MapReader reader{node, path, problems};
    if (!reader.is_map()) return channel;
    reader.required("id", channel.id, parse_identifier);
    const bool has_kind = reader.required("kind", channel.kind, enum_parser(channel_kind_names));
    reader.required("account", channel.account, parse_nonempty);
    reader.required("secret_file", channel.secret_file, existing_file_parser(base_dir));
    const YAML::Node verify = reader.take("verify_token_file");
    if (verify) {
        auto file = read_scalar(verify, reader.path_of("verify_token_file"), problems,
                                existing_file_parser(base_dir));
        if (file) channel.verify_token_file = std::move(*file);
        if (has_kind && channel.kind != ChannelKind::whatsapp)
            problems.add(verify, reader.path_of("verify_token_file"),
                         "only whatsapp channels take a verify token");
    } else if (has_kind && channel.kind == ChannelKind::whatsapp) {
        problems.add(reader.mark(), reader.path_of("verify_token_file"),
                     "missing required key; whatsapp channels need the token of Meta's GET handshake");
    }
    reader.optional("deep_link", channel.deep_link, [](std::string_view text) -> Result<std::string> {
        if (text.find("{code}") == std::string_view::npos)
            return fail(Errc::invalid_input, "\"{}\" has no {{code}}; expected a link template with {{code}}",
                        text);
        return std::string{text};
    });
    if (channel.deep_link.empty() && has_kind)
        channel.deep_link = std::string{default_deep_link(channel.kind)};
    reader.finish();
    return channel;
}

Result<HubConfig> decode_hub_config(const YAML::Node& root, std::string_view source,
                                    const std::filesystem::path& base_dir) {
    Problems problems{std::string{source}};
    HubConfig config;
    const auto path_in_base = path_parser(base_dir);

    MapReader top{root, "", problems};
    top.optional("listen", config.listen, parse_endpoint);
    top.optional("threads", config.threads, parse_threads);
    top.required("data_dir", config.data_dir, path_in_base);
    top.optional("database", config.database, path_in_base);
    top.optional("asset_dir", config.asset_dir, path_in_base);
    if (const auto node = top.take("tls")) {
        MapReader tls{node, "tls", problems};
        TlsOptions options;
        const bool cert = tls.required("cert", options.cert, existing_file_parser(base_dir));
        const bool key = tls.required("key", options.key, existing_file_parser(base_dir));
        tls.finish();
        if (cert && key) config.tls = std::move(options);
    }
    if (const auto node = top.take("limits")) {
        MapReader limits{node, "limits", problems};
        limits.optional("body", config.limits.body, parse_size);
        limits.optional("upload", config.limits.upload, parse_size);
        limits.optional("request_timeout", config.limits.request_timeout, parse_positive_duration);
        limits.finish();
    }
    std::set<std::string, std::less<>> channel_ids;
    read_list(
        top.take("channels"), "channels", problems, [&](const YAML::Node& node, const std::string& path) {
            ChannelConfig channel = decode_channel(node, path, problems, base_dir);
            if (!channel.id.empty() && !channel_ids.insert(channel.id).second) {
                problems.add(node["id"], join_path(path, "id"),
                             fmt::format("channel id \"{}\" is used twice; each channel needs its own id",
                                         channel.id));
            }
            config.channels.push_back(std::move(channel));
        });
    top.optional("log_level", config.log_level, parse_log_level);
    top.finish();

    if (!problems.empty()) return fail(problems.to_error());
    if (config.database.empty()) config.database = config.data_dir / "hub.db";
    if (config.asset_dir.empty()) config.asset_dir = config.data_dir / "assets";
    return config;
}

}  // namespace

std::string_view to_string(ChannelKind kind) {
    return enum_name(channel_kind_names, kind);
}

std::string_view default_deep_link(ChannelKind kind) {
    switch (kind) {
    case ChannelKind::line: return "https://line.me/R/oaMessage/{account}/?{code}";
    case ChannelKind::telegram: return "https://t.me/{account}?start=j{code}";
    case ChannelKind::kakao: return "https://pf.kakao.com/{account}/chat";
    case ChannelKind::whatsapp: return "https://wa.me/{account}?text={code}";
    case ChannelKind::generic: return "{code}";
    }
    return "{code}";
}

const ChannelConfig* HubConfig::channel(std::string_view id) const {
    for (const auto& channel : channels)
        if (channel.id == id) return &channel;
    return nullptr;
}

Result<HubConfig> parse_hub_config(std::string_view text, std::string_view source,
                                   const std::filesystem::path& base_dir) {
    auto root = load_yaml_text(text, source);
    if (!root) return fail(std::move(root.error()));
    return decode_hub_config(*root, source, base_dir);
}

Result<HubConfig> load_hub_config(const std::filesystem::path& file) {
    auto root = load_yaml_file(file);
    if (!root) return fail(std::move(root.error()));
    return decode_hub_config(*root, file.string(), file.parent_path());
}

}  // namespace dwell::config
