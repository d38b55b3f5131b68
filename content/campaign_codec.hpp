// Campaigns to and from YAML (what marketers write) and JSON (what the hub API carries). Both
// formats have the same field names and go through one decoder, so they accept and reject the
// same campaigns with the same messages.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <yaml-cpp/yaml.h>
#include <boost/json/value.hpp>

#include "config/error.hpp"
#include "config/yaml_reader.hpp"
#include "content/campaign.hpp"

namespace dwell::content {

// Decodes and validates; fails with Errc::invalid_input listing every problem in the document
// ("source:line:column: path: message"), and never returns a campaign that has one.
Result<Campaign> campaign_from_node(const YAML::Node& root, std::string_view source,
                                    const CampaignContext& context = {});
Result<Campaign> campaign_from_yaml(std::string_view text, std::string_view source,
                                    const CampaignContext& context = {});
Result<Campaign> campaign_from_yaml_file(const std::filesystem::path& file,
                                         const CampaignContext& context = {});
// Problems from JSON have a path but no line:column.
Result<Campaign> campaign_from_json(const boost::json::value& json, std::string_view source,
                                    const CampaignContext& context = {});
// Malformed JSON text fails with its line:column before any field is looked at.
Result<Campaign> campaign_from_json_text(std::string_view text, std::string_view source = "JSON",
                                         const CampaignContext& context = {});

// Writes what a marketer would: defaults and inferable media types left out, times with the
// offset they were written with.
std::string campaign_to_yaml(const Campaign& campaign);
// Every field present (the media type of each item too), so API clients need no defaults.
boost::json::value campaign_to_json(const Campaign& campaign);

// Shared by the content codecs.

// Parses JSON text; a syntax error names source:line:column.
Result<boost::json::value> parse_json_text(std::string_view text, std::string_view source);
// The same tree as YAML nodes without marks; numbers and booleans become their text, as a YAML
// scalar would be, so the YAML decoders read JSON too.
YAML::Node yaml_from_json(const boost::json::value& json);
// Problems::to_error() with the problems sorted into document order (those without a position
// keep the order they were found in).
Error document_error(const config::Problems& problems);

// Text for a YAML emitter, double-quoted when a YAML reader would otherwise take it for a number,
// a boolean or null ("1", "1.5", "on", "~"), so tools other than ours read it back as text too.
struct YamlText {
    std::string_view text;
};
YAML::Emitter& operator<<(YAML::Emitter& out, YamlText value);

enum class Presence { optional, required };

// Reads a document into a struct, recording in FieldMarks where each value was and which values
// were missing or unreadable, for validation to point at afterwards.
class DocumentReader {
  public:
    DocumentReader(config::Problems& problems, FieldMarks& marks) : m_problems(problems), m_marks(marks) {}

    [[nodiscard]] config::Problems& problems() { return m_problems; }
    [[nodiscard]] FieldMarks& marks() { return m_marks; }

    // True when `node` is a mapping; otherwise `map` has reported it and `path` is unreadable.
    bool check_map(const config::MapReader& map, const YAML::Node& node) {
        if (map.is_map()) {
            m_marks.set(map.path(), config::mark_of(node));
            return true;
        }
        m_marks.set_unreadable(map.path());
        return false;
    }

    // The value under `key`, or an undefined node when it is absent or null.
    YAML::Node take(config::MapReader& map, std::string_view key, Presence presence) {
        std::string path = map.path_of(key);
        YAML::Node node = presence == Presence::required ? map.take_required(key) : map.take(key);
        if (node.IsDefined() && !node.IsNull()) {
            m_marks.set(std::move(path), config::mark_of(node));
            return node;
        }
        if (presence == Presence::required) m_marks.set_unreadable(std::move(path));
        return YAML::Node{YAML::NodeType::Undefined};
    }

    template <class T, class Parse>
    void scalar(const YAML::Node& node, const std::string& path, T& out, Parse&& parse) {
        if (!node.IsDefined()) return;
        auto value = config::read_scalar(node, path, m_problems, parse);
        if (value)
            out = std::move(*value);
        else
            m_marks.set_unreadable(path);
    }

    template <class T, class Parse>
    void scalar(config::MapReader& map, std::string_view key, Presence presence, T& out, Parse&& parse) {
        scalar(take(map, key, presence), map.path_of(key), out, std::forward<Parse>(parse));
    }
    void text(config::MapReader& map, std::string_view key, Presence presence, std::string& out) {
        scalar(map, key, presence, out, config::parse_scalar<std::string>);
    }

    // Calls fn(element, path) for each element of a list; a value that is not a list is a problem.
    template <class Fn>
    void list(const YAML::Node& node, const std::string& path, Fn&& fn) {
        if (!node.IsDefined()) return;
        if (!node.IsSequence()) {
            m_problems.add(node, path, "expected a list");
            m_marks.set_unreadable(path);
            return;
        }
        for (std::size_t i = 0; i < node.size(); ++i) {
            const YAML::Node element = node[i];
            std::string element_path = config::index_path(path, i);
            m_marks.set(element_path, config::mark_of(element));
            fn(element, element_path);
        }
    }

    // A list of text; an element that is not text keeps its place (empty, unreadable) so later
    // paths still match the document.
    std::vector<std::string> texts(const YAML::Node& node, const std::string& path) {
        std::vector<std::string> out;
        list(node, path, [&](const YAML::Node& element, const std::string& element_path) {
            scalar(element, element_path, out.emplace_back(), config::parse_scalar<std::string>);
        });
        return out;
    }
    std::vector<std::string> texts(config::MapReader& map, std::string_view key, Presence presence) {
        return texts(take(map, key, presence), map.path_of(key));
    }

  private:
    config::Problems& m_problems;
    FieldMarks& m_marks;
};

}  // namespace dwell::content
