// Test media: running the ffmpeg CLI, and byte-level edits ffmpeg cannot make.
#pragma once

#include <array>
#include <filesystem>
#include <string>
#include <vector>

namespace dwell::test {

// Runs `ffmpeg <arguments>` quietly; returns "" on success, else what failed (including when the
// ffmpeg command is not installed).
std::string ffmpeg(const std::string& arguments);

std::vector<char> read_bytes(const std::filesystem::path& file);
void write_bytes(const std::filesystem::path& file, const std::vector<char>& bytes);

// Copies an MP4 with its video track's tkhd matrix set to `a b c d` (QuickTime order, 16.16 fixed
// point). ffmpeg 5.1 turns `-metadata rotate=90` into a counterclockwise matrix (the opposite of
// what phones write), so the phone convention is only pinned down by writing its bytes. Returns ""
// on success, else what went wrong.
std::string write_rotated_copy(const std::filesystem::path& from, const std::filesystem::path& to,
                               std::array<int, 4> abcd);

}  // namespace dwell::test
