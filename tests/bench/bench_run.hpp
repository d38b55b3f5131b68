// What the player benchmarks share: a work folder for generated media and logs, small file
// helpers, and the final line of the player's --stats-json.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>

#include <fmt/format.h>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "tests/support/media.hpp"
#include "tests/support/process.hpp"

namespace dwell::bench {

// A temp folder for the run's media and logs; left in place when `keep` is set.
class WorkDir {
  public:
    WorkDir(std::string_view prefix, bool keep) : m_keep(keep) {
        const auto root = std::filesystem::temp_directory_path();
        std::string pattern = (root / fmt::format("{}-XXXXXX", prefix)).string();
        if (::mkdtemp(pattern.data()) == nullptr)
            throw std::runtime_error("cannot create a temp folder under " + root.string());
        m_path = pattern;
    }
    ~WorkDir() {
        std::error_code ignored;
        if (!m_keep) std::filesystem::remove_all(m_path, ignored);
    }
    WorkDir(const WorkDir&) = delete;
    WorkDir& operator=(const WorkDir&) = delete;

    [[nodiscard]] const std::filesystem::path& path() const { return m_path; }
    [[nodiscard]] std::filesystem::path operator/(std::string_view name) const { return m_path / name; }

  private:
    std::filesystem::path m_path;
    bool m_keep;
};

inline void write_file(const std::filesystem::path& file, std::string_view text) {
    std::ofstream out(file, std::ios::binary);
    out << text;
    if (!out) throw std::runtime_error("cannot write " + file.string());
}

// The end of a log, for error messages.
inline std::string tail(const std::filesystem::path& file, std::size_t max_chars = 2000) {
    std::string text = test::read_text(file);
    if (text.size() > max_chars) text = "…" + text.substr(text.size() - max_chars);
    return text;
}

// Runs `ffmpeg <arguments> 'file'`, saying what it makes.
inline void generate(const std::filesystem::path& file, const std::string& arguments) {
    std::printf("generating %s\n", file.filename().c_str());
    std::fflush(stdout);
    const std::string error = test::ffmpeg(arguments + " '" + file.string() + "'");
    if (!error.empty()) throw std::runtime_error("cannot generate " + file.string() + ": " + error);
}

// The final line of the player's --stats-json.
class FinalStats {
  public:
    static FinalStats read(const std::filesystem::path& file) {
        std::istringstream lines{test::read_text(file)};
        std::optional<boost::json::object> final_line;
        for (std::string line; std::getline(lines, line);) {
            if (line.empty()) continue;
            boost::system::error_code error;
            boost::json::value value = boost::json::parse(line, error);
            if (error || !value.is_object())
                throw std::runtime_error("not a JSON object in " + file.string() + ": " + line);
            const boost::json::value* final = value.as_object().if_contains("final");
            if (final != nullptr && final->is_bool() && final->as_bool()) final_line = value.as_object();
        }
        if (!final_line) throw std::runtime_error("no line with \"final\": true in " + file.string());
        return FinalStats{std::move(*final_line), file};
    }

    [[nodiscard]] double number(std::string_view key) const {
        const boost::json::value* value = m_line.if_contains(key);
        if (value == nullptr || !value->is_number())
            throw std::runtime_error(fmt::format("the final stats line in {} has no number \"{}\": {}",
                                                 m_file.string(), key, boost::json::serialize(m_line)));
        return value->to_number<double>();
    }
    [[nodiscard]] std::string text() const { return boost::json::serialize(m_line); }

  private:
    FinalStats(boost::json::object line, std::filesystem::path file)
        : m_line(std::move(line)), m_file(std::move(file)) {}
    boost::json::object m_line;
    std::filesystem::path m_file;
};

}  // namespace dwell::bench
