#include "config/yaml_reader.hpp"

#include <cstring>
#include <fstream>
#include <sstream>

namespace dwell::config {

Mark mark_of(const YAML::Node& node) {
    if (!node.IsDefined()) return {};
    const YAML::Mark mark = node.Mark();
    if (mark.is_null()) return {};
    return Mark{mark.line + 1, mark.column + 1};
}

void Problems::add(Mark mark, std::string path, std::string message) {
    m_items.push_back(Problem{mark, std::move(path), std::move(message)});
}

std::string Problems::format() const {
    std::string out;
    for (const Problem& problem : m_items) {
        if (!out.empty()) out += '\n';
        out += m_source;
        if (problem.mark.line > 0) out += fmt::format(":{}:{}", problem.mark.line, problem.mark.column);
        out += ": ";
        if (!problem.path.empty()) out += problem.path + ": ";
        out += problem.message;
    }
    return out;
}

Error Problems::to_error() const {
    return Error{Errc::invalid_input, fmt::format("{} problem{} in {}:\n{}", m_items.size(),
                                                  m_items.size() == 1 ? "" : "s", m_source, format())};
}

std::string join_path(std::string_view parent, std::string_view key) {
    if (parent.empty()) return std::string{key};
    return fmt::format("{}.{}", parent, key);
}

std::string index_path(std::string_view parent, std::size_t index) {
    return fmt::format("{}[{}]", parent, index);
}

Result<YAML::Node> load_yaml_text(std::string_view text, std::string_view source) {
    try {
        YAML::Node root = YAML::Load(std::string{text});
        if (!root.IsDefined() || root.IsNull()) return YAML::Node{YAML::NodeType::Map};
        return root;
    } catch (const YAML::Exception& e) {
        return fail(Errc::invalid_input, "{}:{}:{}: {}", source, e.mark.line + 1, e.mark.column + 1, e.msg);
    }
}

Result<YAML::Node> load_yaml_file(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) return fail(Errc::not_found, "cannot open {}: {}", file.string(), std::strerror(errno));
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) return fail(Errc::io, "cannot read {}", file.string());
    return load_yaml_text(text.str(), file.string());
}

MapReader::MapReader(const YAML::Node& node, std::string path, Problems& problems)
    : m_node(node), m_path(std::move(path)), m_problems(problems), m_is_map(node.IsMap()) {
    // An absent node was reported by take_required() already, if it mattered.
    if (!m_is_map && node.IsDefined()) {
        const char* got = node.IsSequence() ? "a list" : node.IsScalar() ? "a single value" : "nothing";
        m_problems.add(node, m_path, fmt::format("expected a mapping of keys to values, got {}", got));
    }
}

YAML::Node MapReader::take(std::string_view key) {
    m_known.emplace(key);
    if (!m_is_map) return YAML::Node{YAML::NodeType::Undefined};
    for (const auto& entry : m_node)
        if (entry.first.IsScalar() && entry.first.Scalar() == key) return entry.second;
    return YAML::Node{YAML::NodeType::Undefined};
}

YAML::Node MapReader::take_required(std::string_view key) {
    YAML::Node node = take(key);
    if (m_is_map && (!node.IsDefined() || node.IsNull()))
        m_problems.add(node.IsDefined() ? node : m_node, path_of(key), "missing required key");
    return node.IsDefined() && !node.IsNull() ? node : YAML::Node{YAML::NodeType::Undefined};
}

bool MapReader::has(std::string_view key) const {
    if (!m_is_map) return false;
    for (const auto& entry : m_node)
        if (entry.first.IsScalar() && entry.first.Scalar() == key) return true;
    return false;
}

void MapReader::finish() {
    if (!m_is_map) return;
    std::string allowed;
    for (const auto& key : m_known) allowed += (allowed.empty() ? "" : ", ") + key;
    std::set<std::string, std::less<>> seen;
    for (const auto& entry : m_node) {
        const std::string key = entry.first.IsScalar() ? entry.first.Scalar() : std::string{"(complex key)"};
        // yaml-cpp keeps both entries of a repeated key and reads return the first; the second
        // would silently lose, so it is an error like any other surprise in the file.
        if (!seen.insert(key).second) {
            m_problems.add(entry.first, join_path(m_path, key), "key appears more than once; keep one");
            continue;
        }
        if (m_known.contains(key)) continue;
        m_problems.add(entry.first, join_path(m_path, key),
                       allowed.empty() ? std::string{"unknown key; this mapping takes no keys"}
                                       : fmt::format("unknown key; expected one of: {}", allowed));
    }
}

}  // namespace dwell::config
