// Reading YAML documents into typed structs while collecting every problem with file:line:column.
//
// A reader never stops at the first problem: each one is added to a Problems list, so a person
// fixing a file sees all of them at once. Unknown keys are problems too, so a typo cannot pass.
#pragma once

#include <array>
#include <charconv>
#include <concepts>
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "config/error.hpp"
#include "config/units.hpp"

namespace dwell::config {

// A position in a document, 1-based; 0 when unknown (a value built in code or from JSON).
struct Mark {
    int line = 0;
    int column = 0;
    friend bool operator==(const Mark&, const Mark&) = default;
};

Mark mark_of(const YAML::Node& node);

struct Problem {
    Mark mark;
    std::string path;  // where in the document: "display.size", "items[2].duration"
    std::string message;
};

class Problems {
  public:
    explicit Problems(std::string source) : m_source(std::move(source)) {}

    void add(Mark mark, std::string path, std::string message);
    void add(const YAML::Node& at, std::string path, std::string message) {
        add(mark_of(at), std::move(path), std::move(message));
    }

    [[nodiscard]] bool empty() const { return m_items.empty(); }
    [[nodiscard]] std::size_t size() const { return m_items.size(); }
    [[nodiscard]] const std::vector<Problem>& items() const { return m_items; }
    [[nodiscard]] const std::string& source() const { return m_source; }

    // One line per problem: "source:line:column: path: message".
    [[nodiscard]] std::string format() const;
    // Errc::invalid_input with a count and every line of format().
    [[nodiscard]] Error to_error() const;

  private:
    std::string m_source;
    std::vector<Problem> m_items;
};

// "a" + "b" → "a.b"; "" + "b" → "b".
std::string join_path(std::string_view parent, std::string_view key);
// "items" + 2 → "items[2]".
std::string index_path(std::string_view parent, std::size_t index);

// Parses a YAML document; a syntax error names file:line:column.
Result<YAML::Node> load_yaml_file(const std::filesystem::path& file);
Result<YAML::Node> load_yaml_text(std::string_view text, std::string_view source);

// Default scalar parsers, used when a read is given no parser of its own.
template <class T>
Result<T> parse_scalar(std::string_view text);

template <>
inline Result<std::string> parse_scalar<std::string>(std::string_view text) {
    return std::string{text};
}

template <>
inline Result<bool> parse_scalar<bool>(std::string_view text) {
    if (text == "true") return true;
    if (text == "false") return false;
    return fail(Errc::invalid_input, "\"{}\" is not true or false", text);
}

template <>
inline Result<Duration> parse_scalar<Duration>(std::string_view text) {
    return parse_duration(text);
}

template <std::integral T>
requires(!std::same_as<T, bool>) Result<T> parse_integer(std::string_view text) {
    T value{};
    const auto* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (ec == std::errc::result_out_of_range)
        return fail(Errc::invalid_input, "{} is out of range ({} to {})", text, std::numeric_limits<T>::min(),
                    std::numeric_limits<T>::max());
    if (ec != std::errc{} || ptr != end || text.empty())
        return fail(Errc::invalid_input, "\"{}\" is not a whole number", text);
    return value;
}

template <>
inline Result<int> parse_scalar<int>(std::string_view text) {
    return parse_integer<int>(text);
}
template <>
inline Result<unsigned> parse_scalar<unsigned>(std::string_view text) {
    return parse_integer<unsigned>(text);
}
template <>
inline Result<std::uint64_t> parse_scalar<std::uint64_t>(std::string_view text) {
    return parse_integer<std::uint64_t>(text);
}

// Reads a scalar node with `parse`, adding a problem at the node when it is not a scalar or
// does not parse. Returns nullopt after adding the problem.
template <class Parse>
auto read_scalar(const YAML::Node& node, const std::string& path, Problems& problems, Parse&& parse)
    -> std::optional<typename std::invoke_result_t<Parse, std::string_view>::value_type> {
    if (!node.IsScalar()) {
        problems.add(node, path,
                     "expected a single value, got a " + std::string(node.IsMap() ? "mapping" : "list"));
        return std::nullopt;
    }
    auto parsed = parse(std::string_view{node.Scalar()});
    if (!parsed) {
        problems.add(node, path, std::move(parsed.error().message));
        return std::nullopt;
    }
    return std::move(*parsed);
}

// Reads one YAML mapping. Each read marks its key known; finish() reports every other key.
class MapReader {
  public:
    // Adds a problem when `node` is present but not a mapping; reads then find nothing.
    MapReader(const YAML::Node& node, std::string path, Problems& problems);
    MapReader(const MapReader&) = delete;
    MapReader& operator=(const MapReader&) = delete;

    [[nodiscard]] bool is_map() const { return m_is_map; }
    [[nodiscard]] const std::string& path() const { return m_path; }
    [[nodiscard]] std::string path_of(std::string_view key) const { return join_path(m_path, key); }
    [[nodiscard]] Problems& problems() { return m_problems; }
    [[nodiscard]] Mark mark() const { return mark_of(m_node); }

    // The value under `key` (an undefined node when absent), marking the key known.
    YAML::Node take(std::string_view key);
    // Like take(), but adds "missing required key" when absent.
    YAML::Node take_required(std::string_view key);
    [[nodiscard]] bool has(std::string_view key) const;

    template <class T, class Parse>
    bool required(std::string_view key, T& out, Parse&& parse) {
        const YAML::Node node = take_required(key);
        return node ? assign(node, key, out, parse) : false;
    }
    template <class T>
    bool required(std::string_view key, T& out) {
        return required(key, out, parse_scalar<T>);
    }

    // Leaves `out` as it is (its default) when the key is absent.
    template <class T, class Parse>
    bool optional(std::string_view key, T& out, Parse&& parse) {
        const YAML::Node node = take(key);
        return node ? assign(node, key, out, parse) : false;
    }
    template <class T>
    bool optional(std::string_view key, T& out) {
        return optional(key, out, parse_scalar<T>);
    }
    template <class T, class Parse>
    bool optional(std::string_view key, std::optional<T>& out, Parse&& parse) {
        const YAML::Node node = take(key);
        if (!node || node.IsNull()) return false;
        T value{};
        if (!assign(node, key, value, parse)) return false;
        out = std::move(value);
        return true;
    }
    template <class T>
    bool optional(std::string_view key, std::optional<T>& out) {
        return optional(key, out, parse_scalar<T>);
    }

    // Adds a problem for every key that no read asked for, naming the keys that are allowed.
    void finish();

  private:
    template <class T, class Parse>
    bool assign(const YAML::Node& node, std::string_view key, T& out, Parse& parse) {
        auto value = read_scalar(node, path_of(key), m_problems, parse);
        if (!value) return false;
        out = std::move(*value);
        return true;
    }

    YAML::Node m_node;
    std::string m_path;
    Problems& m_problems;
    bool m_is_map = false;
    std::set<std::string, std::less<>> m_known;  // keys the reads asked for, present or not
};

// Calls fn(item_node, item_path) for each element; adds a problem when `node` is not a list.
template <class Fn>
void read_list(const YAML::Node& node, const std::string& path, Problems& problems, Fn&& fn) {
    if (!node) return;
    if (!node.IsSequence()) {
        problems.add(node, path, "expected a list");
        return;
    }
    for (std::size_t i = 0; i < node.size(); ++i) fn(node[i], index_path(path, i));
}

}  // namespace dwell::config

namespace dwell::config {

// A parser for a closed set of names, for MapReader reads:
//   constexpr std::array<EnumName<Priority>, 4> names{{{"low", Priority::low}, ...}};
//   reader.optional("priority", out, enum_parser(names));
template <class E>
struct EnumName {
    std::string_view name;
    E value;
};

template <class E, std::size_t N>
auto enum_parser(const std::array<EnumName<E>, N>& names) {
    return [&names](std::string_view text) -> Result<E> {
        std::string expected;
        for (const auto& entry : names) {
            if (entry.name == text) return entry.value;
            expected += fmt::format("{}{}", expected.empty() ? "" : ", ", entry.name);
        }
        return fail(Errc::invalid_input, "\"{}\" is not one of: {}", text, expected);
    };
}

// The name of `value` in `names` (the first entry with that value).
template <class E, std::size_t N>
std::string_view enum_name(const std::array<EnumName<E>, N>& names, E value) {
    for (const auto& entry : names)
        if (entry.value == value) return entry.name;
    return {};
}

}  // namespace dwell::config
