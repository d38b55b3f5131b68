#include "tests/support/media.hpp"

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string_view>

namespace dwell::test {

std::string ffmpeg(const std::string& arguments) {
    if (std::system("ffmpeg -version > /dev/null 2>&1") != 0)
        return "the ffmpeg command is not installed (apt-get install ffmpeg); these tests need it to make "
               "media";
    const std::string command = "ffmpeg -nostdin -hide_banner -loglevel error -y " + arguments;
    if (std::system(command.c_str()) != 0) return "failed: " + command;
    return {};
}

std::vector<char> read_bytes(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const std::filesystem::path& file, const std::vector<char>& bytes) {
    std::ofstream out(file, std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string write_rotated_copy(const std::filesystem::path& from, const std::filesystem::path& to,
                               std::array<int, 4> abcd) {
    std::vector<char> bytes = read_bytes(from);
    const std::string_view view(bytes.data(), bytes.size());
    const auto at = view.find("tkhd");
    if (at == std::string_view::npos) return "no tkhd box in " + from.string();
    const auto version = static_cast<unsigned char>(bytes[at + 4]);
    // version/flags, times, track id, reserved, duration, reserved, layer, group, volume, reserved
    const std::size_t matrix = at + 4 + 4 + (version == 1 ? 32 : 20) + 8 + 8;
    const std::array<std::int32_t, 9> values{
        abcd[0] * 0x10000, abcd[1] * 0x10000, 0, abcd[2] * 0x10000, abcd[3] * 0x10000, 0, 0, 0, 0x40000000};
    if (matrix + values.size() * 4 > bytes.size()) return "tkhd box cut short in " + from.string();
    for (std::size_t i = 0; i < values.size(); ++i) {
        const auto value = static_cast<std::uint32_t>(values[i]);
        for (std::size_t b = 0; b < 4; ++b)
            bytes[matrix + i * 4 + b] = static_cast<char>((value >> (8 * (3 - b))) & 0xff);
    }
    write_bytes(to, bytes);
    return {};
}

}  // namespace dwell::test
