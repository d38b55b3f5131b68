#include "content/asset_cache.hpp"

#include <algorithm>
#include <array>
#include <cassert>
#include <cerrno>
#include <fstream>
#include <iterator>
#include <memory>
#include <system_error>
#include <tuple>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/log.hpp"
#include "content/crypto.hpp"

namespace dwell::content {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

constexpr std::size_t sha256_hex_size = 64;
constexpr std::size_t chunk_size = 64 * 1024;
constexpr std::string_view partial_suffix = ".partial";

bool is_lower_hex(std::string_view text) {
    return std::ranges::all_of(text, [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

std::string errno_message(int error_number) {
    return std::generic_category().message(error_number);
}

// Shows a rejected hash without flooding the log with whatever arrived.
std::string_view shorten(std::string_view text) {
    return text.substr(0, 80);
}

Result<void> check_sha256(std::string_view sha256) {
    if (is_sha256_hex(sha256)) return {};
    return fail(Errc::invalid_input, "asset hash \"{}\" is not a SHA-256 of 64 lowercase hex digits",
                shorten(sha256));
}

fs::path relative_asset_path(std::string_view sha256) {
    return fs::path{"sha256"} / sha256.substr(0, 2) / sha256;
}

// A rename or a new file is durable only once the folder holding its name is synced.
Result<void> sync_directory(const fs::path& directory) {
    const int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return fail(Errc::io, "cannot open folder {} to sync it: {}", directory.string(),
                    errno_message(errno));
    const int result = ::fsync(fd);
    const int error_number = errno;
    ::close(fd);
    if (result != 0)
        return fail(Errc::io, "cannot sync folder {}: {}", directory.string(), errno_message(error_number));
    return {};
}

Result<void> ensure_directory(const fs::path& directory) {
    std::error_code error;
    fs::create_directories(directory, error);
    if (error) return fail(Errc::io, "cannot create folder {}: {}", directory.string(), error.message());
    if (!fs::is_directory(directory, error)) {
        return fail(Errc::io, "cannot use {} for the asset cache: it is not a folder", directory.string());
    }
    return {};
}

fs::file_time_type to_file_time(config::WallTime stamp) {
    return std::chrono::time_point_cast<fs::file_time_type::duration>(
        std::chrono::file_clock::from_sys(stamp));
}

config::WallTime to_wall_time(fs::file_time_type time) {
    return std::chrono::floor<milliseconds>(std::chrono::file_clock::to_sys(time));
}

}  // namespace

bool is_sha256_hex(std::string_view text) {
    return text.size() == sha256_hex_size && is_lower_hex(text);
}

Result<fs::path> asset_path(const fs::path& root, std::string_view sha256) {
    if (auto valid = check_sha256(sha256); !valid) return fail(std::move(valid.error()));
    return root / relative_asset_path(sha256);
}

Result<std::string> sha256_of_file(const fs::path& file) {
    std::ifstream in{file, std::ios::binary};
    if (!in) {
        std::error_code error;
        return fail(fs::exists(file, error) ? Errc::io : Errc::not_found, "cannot read {} to hash it",
                    file.string());
    }
    auto hash = Sha256Hasher::create();
    if (!hash) return fail(std::move(hash.error()).with_context(file.string()));
    std::vector<char> buffer(chunk_size);
    while (in) {
        in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
        if (auto done = hash->update(std::string_view{buffer.data(), static_cast<std::size_t>(in.gcount())});
            !done)
            return fail(std::move(done.error()).with_context(file.string()));
    }
    if (!in.eof()) return fail(Errc::io, "cannot read {} to hash it", file.string());
    auto digest = hash->finish();
    if (!digest) return fail(std::move(digest.error()).with_context(file.string()));
    return to_hex(*digest);
}

// ---- AssetWriter -------------------------------------------------------------------------------

AssetWriter::AssetWriter(AssetCache& cache, std::string sha256, std::optional<std::uint64_t> expected_size,
                         fs::path temp_path)
    : m_cache(&cache),
      m_sha256(std::move(sha256)),
      m_expected_size(expected_size),
      m_temp_path(std::move(temp_path)) {}

AssetWriter::AssetWriter(AssetWriter&& other) noexcept
    : m_cache(std::exchange(other.m_cache, nullptr)),
      m_sha256(std::move(other.m_sha256)),
      m_expected_size(other.m_expected_size),
      m_temp_path(std::move(other.m_temp_path)),
      m_fd(std::exchange(other.m_fd, -1)),
      m_hash(std::move(other.m_hash)),
      m_bytes(other.m_bytes) {}

AssetWriter::~AssetWriter() {
    if (m_cache != nullptr) finish(TempFile::remove);
}

Error AssetWriter::io_error(std::string_view what, int error_number) const {
    return Error{Errc::io,
                 fmt::format("cannot {} {}: {}", what, m_temp_path.string(), errno_message(error_number))};
}

Result<void> AssetWriter::start() {
    auto hash = Sha256Hasher::create();
    if (!hash) return fail(std::move(hash.error()).with_context(fmt::format("asset {}", m_sha256)));
    m_hash.emplace(std::move(*hash));
    // O_APPEND: every write lands after the bytes already hashed, also after restart().
    m_fd = ::open(m_temp_path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (m_fd < 0) return fail(io_error("create", errno));

    struct stat status {};
    if (::fstat(m_fd, &status) != 0) return fail(io_error("inspect", errno));
    const auto present = static_cast<std::uint64_t>(status.st_size);
    if (present == 0) return {};
    if (m_expected_size && present > *m_expected_size) return restart();

    // A suspended writer left these bytes; the hash has to cover them again.
    std::vector<unsigned char> buffer(chunk_size);
    while (m_bytes < present) {
        const auto count = ::pread(m_fd, buffer.data(), buffer.size(), static_cast<off_t>(m_bytes));
        if (count < 0 && errno == EINTR) continue;
        if (count < 0) return fail(io_error("read", errno));
        if (count == 0) break;
        if (auto done =
                m_hash->update(std::as_bytes(std::span{buffer.data(), static_cast<std::size_t>(count)}));
            !done)
            return fail(std::move(done.error()).with_context(fmt::format("asset {}", m_sha256)));
        m_bytes += static_cast<std::uint64_t>(count);
    }
    return {};
}

Result<void> AssetWriter::write(std::span<const std::byte> bytes) {
    assert(m_cache != nullptr && "write() on an ended AssetWriter");
    if (m_expected_size && bytes.size() > *m_expected_size - m_bytes) {
        return fail(Errc::integrity, "asset {} is longer than its expected {} bytes", m_sha256,
                    *m_expected_size);
    }
    if (auto done = m_hash->update(bytes); !done)
        return fail(std::move(done.error()).with_context(fmt::format("asset {}", m_sha256)));
    auto rest = bytes;
    while (!rest.empty()) {
        const auto count = ::write(m_fd, rest.data(), rest.size());
        if (count < 0 && errno == EINTR) continue;
        if (count < 0) {
            const int error_number = errno;
            // The hash already covers bytes that did not reach the file; only a restart is coherent.
            auto restarted = restart();
            auto error = io_error("write", error_number);
            if (!restarted) error.message += fmt::format("; then {}", restarted.error().message);
            return fail(std::move(error));
        }
        rest = rest.subspan(static_cast<std::size_t>(count));
    }
    m_bytes += bytes.size();
    return {};
}

Result<void> AssetWriter::restart() {
    assert(m_cache != nullptr && "restart() on an ended AssetWriter");
    if (::ftruncate(m_fd, 0) != 0) return fail(io_error("truncate", errno));
    if (auto done = m_hash->reset(); !done)
        return fail(std::move(done.error()).with_context(fmt::format("asset {}", m_sha256)));
    m_bytes = 0;
    return {};
}

Result<fs::path> AssetWriter::commit() {
    assert(m_cache != nullptr && "commit() on an ended AssetWriter");
    if (m_expected_size && m_bytes != *m_expected_size) {
        finish(TempFile::remove);
        return fail(Errc::integrity, "asset {} has {} bytes, expected {}; not installed", m_sha256, m_bytes,
                    *m_expected_size);
    }
    auto digest = m_hash->finish();
    if (!digest) {
        finish(TempFile::remove);
        return fail(std::move(digest.error()).with_context(fmt::format("asset {}", m_sha256)));
    }
    const auto actual = to_hex(*digest);
    if (actual != m_sha256) {
        finish(TempFile::remove);
        return fail(Errc::integrity, "asset content hashes to {}, expected {}; not installed", actual,
                    m_sha256);
    }
    if (::fsync(m_fd) != 0) {
        auto error = io_error("sync", errno);
        finish(TempFile::remove);
        return fail(std::move(error));
    }
    ::close(std::exchange(m_fd, -1));
    auto* cache = std::exchange(m_cache, nullptr);
    return cache->adopt(m_sha256, m_temp_path, m_bytes);
}

void AssetWriter::suspend() {
    assert(m_cache != nullptr && "suspend() on an ended AssetWriter");
    finish(TempFile::keep);
}

void AssetWriter::finish(TempFile temp_file) {
    if (m_fd >= 0) ::close(std::exchange(m_fd, -1));
    if (temp_file == TempFile::remove) {
        std::error_code ignored;
        fs::remove(m_temp_path, ignored);
    }
    std::exchange(m_cache, nullptr)->release(m_sha256);
}

// ---- AssetCache --------------------------------------------------------------------------------

AssetCache::AssetCache(fs::path root, std::uint64_t quota_bytes, const config::Clock& clock)
    : m_root(std::move(root)), m_clock(clock), m_quota(quota_bytes) {}

AssetCache::~AssetCache() {
    assert(m_installing.empty() && "an AssetWriter outlived its AssetCache");
}

Result<std::unique_ptr<AssetCache>> AssetCache::open(const fs::path& root, std::uint64_t quota_bytes,
                                                     const config::Clock& clock) {
    if (root.empty()) return fail(Errc::invalid_input, "the asset cache folder is empty");
    std::unique_ptr<AssetCache> cache{new AssetCache(root, quota_bytes, clock)};
    for (const auto* folder : {"sha256", "tmp"}) {
        if (auto made = ensure_directory(root / folder); !made) return fail(std::move(made.error()));
    }

    // Whatever is in tmp/ was being written when the previous process stopped.
    std::error_code error;
    std::size_t leftovers = 0;
    for (fs::directory_iterator it{root / "tmp", error}, end; !error && it != end; it.increment(error)) {
        std::error_code removed;
        fs::remove_all(it->path(), removed);
        if (removed) {
            return fail(Errc::io, "cannot remove the leftover {}: {}", it->path().string(),
                        removed.message());
        }
        ++leftovers;
    }
    if (error) return fail(Errc::io, "cannot list {}: {}", (root / "tmp").string(), error.message());

    if (auto loaded = cache->load_index(); !loaded) return fail(std::move(loaded.error()));
    config::logger("content")->info(
        "asset cache {}: {} assets, {} of {} bytes used; removed {} leftover temporary files", root.string(),
        cache->m_entries.size(), cache->m_used_bytes, cache->m_quota, leftovers);
    return cache;
}

Result<void> AssetCache::load_index() {
    struct Found {
        std::string sha256;
        std::uint64_t size;
        fs::file_time_type modified;
    };
    std::vector<Found> found;
    const auto log = config::logger("content");
    const auto assets = m_root / "sha256";
    std::error_code error;
    for (fs::directory_iterator folders{assets, error}, end; !error && folders != end;
         folders.increment(error)) {
        const auto prefix = folders->path().filename().string();
        const bool valid_prefix = folders->is_directory(error) && prefix.size() == 2 && is_lower_hex(prefix);
        if (!valid_prefix) {
            log->warn("asset cache: ignoring unexpected {}", folders->path().string());
            continue;
        }
        std::error_code inner;
        for (fs::directory_iterator files{folders->path(), inner}; !inner && files != end;
             files.increment(inner)) {
            const auto name = files->path().filename().string();
            const bool regular = files->symlink_status(inner).type() == fs::file_type::regular;
            if (!regular || !is_sha256_hex(name) || !name.starts_with(prefix)) {
                log->warn("asset cache: ignoring unexpected {}", files->path().string());
                continue;
            }
            const auto size = files->file_size(inner);
            const auto modified = files->last_write_time(inner);
            if (inner) break;
            found.push_back(Found{name, size, modified});
        }
        if (inner) return fail(Errc::io, "cannot index {}: {}", folders->path().string(), inner.message());
    }
    if (error) return fail(Errc::io, "cannot index {}: {}", assets.string(), error.message());

    // The mtime order is the use order of the previous run; the name breaks ties deterministically.
    std::ranges::sort(found, [](const Found& a, const Found& b) {
        return std::tie(a.modified, a.sha256) < std::tie(b.modified, b.sha256);
    });
    const std::scoped_lock lock{m_mutex};
    for (auto& asset : found) {
        m_entries.insert_or_assign(std::move(asset.sha256), Entry{asset.size, m_next_use++});
        m_used_bytes += asset.size;
        m_latest_stamp = std::max(m_latest_stamp, to_wall_time(asset.modified));
    }
    return {};
}

Result<AssetWriter> AssetCache::begin_install(std::string_view sha256,
                                              std::optional<std::uint64_t> expected_size) {
    if (auto valid = check_sha256(sha256); !valid) return fail(std::move(valid.error()));
    std::string hash{sha256};
    {
        const std::scoped_lock lock{m_mutex};
        if (m_installing.contains(hash)) {
            return fail(Errc::conflict, "asset {} is already being installed", hash);
        }
        if (expected_size && !m_entries.contains(hash)) {
            const auto pinned = pinned_bytes_locked();
            if (*expected_size > m_quota || pinned > m_quota - *expected_size) {
                return fail(
                    Errc::quota,
                    "cannot install asset {} of {} bytes: the cache quota is {} bytes and pinned assets "
                    "hold {} bytes",
                    hash, *expected_size, m_quota, pinned);
            }
        }
        m_installing.insert(hash);
    }
    auto temp_path = m_root / "tmp" / (hash + std::string{partial_suffix});
    // From here the writer owns the claim on the hash and releases it however this ends.
    AssetWriter writer{*this, std::move(hash), expected_size, std::move(temp_path)};
    if (auto started = writer.start(); !started) return fail(std::move(started.error()));
    return writer;
}

Result<fs::path> AssetCache::install_file(const fs::path& source, std::string_view sha256) {
    auto writer = begin_install(sha256);
    if (!writer) return fail(std::move(writer.error()));
    if (writer->bytes_present() > 0) {
        if (auto restarted = writer->restart(); !restarted) return fail(std::move(restarted.error()));
    }
    std::ifstream in{source, std::ios::binary};
    if (!in) {
        std::error_code error;
        const auto code = fs::exists(source, error) ? Errc::io : Errc::not_found;
        return fail(code, "cannot read {} to install it as asset {}", source.string(), sha256);
    }
    std::vector<char> buffer(chunk_size);
    while (in) {
        in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
        const auto count = static_cast<std::size_t>(in.gcount());
        if (auto written = writer->write(std::as_bytes(std::span{buffer}.first(count))); !written) {
            return fail(std::move(written.error()));
        }
    }
    if (!in.eof()) return fail(Errc::io, "cannot read {} to install it as asset {}", source.string(), sha256);
    return writer->commit();
}

Result<fs::path> AssetCache::adopt(const std::string& sha256, const fs::path& temp_path, std::uint64_t size) {
    const std::scoped_lock lock{m_mutex};
    m_installing.erase(sha256);
    std::error_code ignored;
    const auto final_path = m_root / relative_asset_path(sha256);

    if (auto existing = m_entries.find(sha256); existing != m_entries.end()) {
        // Same hash, same bytes: installing again is a retry, not a change.
        fs::remove(temp_path, ignored);
        mark_used_locked(sha256, existing->second);
        return final_path;
    }
    if (auto room = make_room_locked(size, fmt::format("install asset {} of {} bytes", sha256, size));
        !room) {
        fs::remove(temp_path, ignored);
        return fail(std::move(room.error()));
    }

    const auto folder = final_path.parent_path();
    const bool new_folder = !fs::exists(folder, ignored);
    auto ready = ensure_directory(folder);
    if (ready && new_folder) ready = sync_directory(folder.parent_path());
    if (!ready) {
        fs::remove(temp_path, ignored);
        return fail(std::move(ready.error()));
    }
    std::error_code error;
    fs::rename(temp_path, final_path, error);
    if (error) {
        fs::remove(temp_path, ignored);
        return fail(Errc::io, "cannot move {} to {}: {}", temp_path.string(), final_path.string(),
                    error.message());
    }
    if (auto synced = sync_directory(folder); !synced) {
        fs::remove(final_path, ignored);
        return fail(std::move(synced.error()));
    }
    auto& entry = m_entries[sha256];
    entry.size = size;
    m_used_bytes += size;
    mark_used_locked(sha256, entry);
    return final_path;
}

void AssetCache::release(const std::string& sha256) {
    const std::scoped_lock lock{m_mutex};
    m_installing.erase(sha256);
}

void AssetCache::mark_used_locked(const std::string& sha256, Entry& entry) {
    entry.last_use = m_next_use++;
    // Never behind the newest stamp, so a clock that is behind (no RTC before the hub corrects
    // it) cannot make a fresh use look older than earlier ones after a restart.
    m_latest_stamp = std::max(m_clock.now(), m_latest_stamp + milliseconds{1});
    std::error_code error;
    const auto path = m_root / relative_asset_path(sha256);
    fs::last_write_time(path, to_file_time(m_latest_stamp), error);
    if (error) {
        config::logger("content")->warn("cannot record the use of {}: {}; its recency is lost at restart",
                                        path.string(), error.message());
    }
}

std::uint64_t AssetCache::pinned_bytes_locked() const {
    std::uint64_t total = 0;
    for (const auto& sha256 : m_pinned) {
        if (auto found = m_entries.find(sha256); found != m_entries.end()) total += found->second.size;
    }
    return total;
}

Result<void> AssetCache::make_room_locked(std::uint64_t incoming, std::string_view purpose) {
    if (incoming <= m_quota && m_used_bytes <= m_quota - incoming) return {};
    const auto pinned = pinned_bytes_locked();
    if (incoming > m_quota || pinned > m_quota - incoming) {
        return fail(Errc::quota, "cannot {}: the cache quota is {} bytes and pinned assets hold {} bytes",
                    purpose, m_quota, pinned);
    }

    std::vector<std::pair<std::uint64_t, std::string>> candidates;  // (last use, hash)
    for (const auto& [sha256, entry] : m_entries) {
        if (!m_pinned.contains(sha256)) candidates.emplace_back(entry.last_use, sha256);
    }
    std::ranges::sort(candidates);
    const auto log = config::logger("content");
    for (const auto& [last_use, sha256] : candidates) {
        if (m_used_bytes <= m_quota - incoming) break;
        const auto path = m_root / relative_asset_path(sha256);
        std::error_code error;
        fs::remove(path, error);
        if (error) return fail(Errc::io, "cannot evict {}: {}", path.string(), error.message());
        const auto found = m_entries.find(sha256);
        m_used_bytes -= found->second.size;
        log->info("asset cache: evicted {} ({} bytes) to {}", sha256, found->second.size, purpose);
        m_entries.erase(found);
    }
    return {};
}

std::optional<fs::path> AssetCache::find(std::string_view sha256) const {
    const std::scoped_lock lock{m_mutex};
    if (!m_entries.contains(sha256)) return std::nullopt;
    return m_root / relative_asset_path(sha256);
}

bool AssetCache::contains(std::string_view sha256) const {
    const std::scoped_lock lock{m_mutex};
    return m_entries.contains(sha256);
}

void AssetCache::touch(std::string_view sha256) {
    const std::scoped_lock lock{m_mutex};
    if (auto found = m_entries.find(sha256); found != m_entries.end())
        mark_used_locked(found->first, found->second);
}

void AssetCache::set_pinned(std::span<const std::string> sha256s) {
    const std::scoped_lock lock{m_mutex};
    m_pinned = {sha256s.begin(), sha256s.end()};
}

void AssetCache::set_quota(std::uint64_t bytes) {
    const std::scoped_lock lock{m_mutex};
    m_quota = bytes;
}

Result<void> AssetCache::evict_to_quota() {
    const std::scoped_lock lock{m_mutex};
    return make_room_locked(0, "fit the cache quota");
}

std::uint64_t AssetCache::used_bytes() const {
    const std::scoped_lock lock{m_mutex};
    return m_used_bytes;
}

std::uint64_t AssetCache::pinned_bytes() const {
    const std::scoped_lock lock{m_mutex};
    return pinned_bytes_locked();
}

std::uint64_t AssetCache::quota() const {
    const std::scoped_lock lock{m_mutex};
    return m_quota;
}

}  // namespace dwell::content
