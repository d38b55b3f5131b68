// Content-addressed asset files on a screen: `<root>/sha256/ab/<hex>`, installed atomically after
// their SHA-256 is checked, kept under a byte quota by evicting the least recently used assets
// that the current manifest does not reference.
//
// One process owns a cache root (the sync agent): AssetCache::open clears `<root>/tmp`, so two
// open caches on one root would destroy each other's downloads. Other processes (the player)
// only read files, through asset_path(); a file they hold open stays readable after eviction.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>

#include "config/clock.hpp"
#include "config/error.hpp"
#include "content/crypto.hpp"

namespace dwell::content {

// Exactly 64 lowercase hex digits. Everything that names an asset file goes through this, which
// also keeps names like "../x" out of the file system.
[[nodiscard]] bool is_sha256_hex(std::string_view text);

// Where the asset with this hash lives (or would live) under `root`; Errc::invalid_input for
// a malformed hash. For processes that read the cache without owning it.
[[nodiscard]] Result<std::filesystem::path> asset_path(const std::filesystem::path& root,
                                                       std::string_view sha256);

// The SHA-256 of a file's bytes as 64 lowercase hex digits, the name it has as an asset. Errors
// name the file (Errc::not_found, Errc::io).
[[nodiscard]] Result<std::string> sha256_of_file(const std::filesystem::path& file);

class AssetCache;

// One asset being written into the cache: bytes go to `<root>/tmp/<hex>.partial` and are hashed
// as they arrive. Move-only. Destroying a writer that was neither committed nor suspended removes
// its temporary file. The AssetCache must outlive its writers.
class AssetWriter {
  public:
    AssetWriter(AssetWriter&& other) noexcept;
    AssetWriter& operator=(AssetWriter&&) = delete;
    AssetWriter(const AssetWriter&) = delete;
    AssetWriter& operator=(const AssetWriter&) = delete;
    ~AssetWriter();

    // Appends bytes. Going past the expected size is Errc::integrity (the bytes are not written).
    [[nodiscard]] Result<void> write(std::span<const std::byte> bytes);

    // Bytes already in the temporary file, including those of a resumed partial download: the
    // offset to ask the hub for with an HTTP Range request.
    [[nodiscard]] std::uint64_t bytes_present() const { return m_bytes; }

    // Drops the bytes present and starts from zero, e.g. when the server ignored the Range request.
    [[nodiscard]] Result<void> restart();

    // Checks size and hash, makes the file durable and moves it into place; evicts unpinned
    // assets first if the quota requires it. On any failure nothing is installed and the
    // temporary file is removed: Errc::integrity for wrong content, Errc::quota when pinned
    // assets leave no room (nothing is evicted then), Errc::io for the file system. Committing
    // an asset that is already installed succeeds and only marks it used. Ends the writer.
    [[nodiscard]] Result<std::filesystem::path> commit();

    // Ends the writer but keeps the partial file, so a later begin_install for the same hash in
    // this process resumes it (for example after a dropped connection). A restart of the process
    // removes partial files: AssetCache::open clears `<root>/tmp`.
    void suspend();

    [[nodiscard]] const std::string& sha256() const { return m_sha256; }

  private:
    friend class AssetCache;
    enum class TempFile { remove, keep };

    AssetWriter(AssetCache& cache, std::string sha256, std::optional<std::uint64_t> expected_size,
                std::filesystem::path temp_path);
    Result<void> start();  // opens the temporary file and hashes what a suspended writer left
    void finish(TempFile temp_file);
    Error io_error(std::string_view what, int error_number) const;

    AssetCache* m_cache;  // null once the writer has ended or was moved from
    std::string m_sha256;
    std::optional<std::uint64_t> m_expected_size;
    std::filesystem::path m_temp_path;
    int m_fd = -1;
    std::optional<Sha256Hasher> m_hash;
    std::uint64_t m_bytes = 0;
};

class AssetCache {
  public:
    // Creates `<root>/sha256` and `<root>/tmp`, removes whatever a crash left in `<root>/tmp`, and
    // indexes the installed assets with their sizes and last use (the file's mtime). The quota is
    // not enforced here: which assets are pinned is not known yet; call set_pinned and then
    // evict_to_quota. `clock` stamps uses and must outlive the cache.
    static Result<std::unique_ptr<AssetCache>> open(const std::filesystem::path& root,
                                                    std::uint64_t quota_bytes, const config::Clock& clock);

    AssetCache(const AssetCache&) = delete;
    AssetCache& operator=(const AssetCache&) = delete;
    ~AssetCache();

    // Starts installing the asset with this hash (and size, when known). Resumes the partial file
    // of a suspended writer for the same hash, unless it is longer than the expected size.
    // Errc::invalid_input for a malformed hash, Errc::conflict while another writer for the
    // hash is alive, Errc::quota when the expected size cannot fit beside the pinned assets.
    [[nodiscard]] Result<AssetWriter> begin_install(
        std::string_view sha256, std::optional<std::uint64_t> expected_size = std::nullopt);

    // Installs a copy of a local file, which must hash to `sha256`.
    [[nodiscard]] Result<std::filesystem::path> install_file(const std::filesystem::path& source,
                                                             std::string_view sha256);

    // The installed asset's path, or nothing (also for a malformed hash).
    [[nodiscard]] std::optional<std::filesystem::path> find(std::string_view sha256) const;
    [[nodiscard]] bool contains(std::string_view sha256) const;

    // Marks an installed asset as just used. Recency is kept in the file's mtime, so the LRU
    // order survives a restart. Unknown hashes are ignored.
    void touch(std::string_view sha256);

    // The assets the current manifest references; they are never evicted. Replaces the old set.
    void set_pinned(std::span<const std::string> sha256s);
    void set_quota(std::uint64_t bytes);

    // Evicts least recently used unpinned assets until the cache fits its quota. When the pinned
    // assets alone exceed the quota, evicts nothing and returns Errc::quota.
    [[nodiscard]] Result<void> evict_to_quota();

    [[nodiscard]] std::uint64_t used_bytes() const;
    [[nodiscard]] std::uint64_t pinned_bytes() const;
    [[nodiscard]] std::uint64_t quota() const;
    [[nodiscard]] const std::filesystem::path& root() const { return m_root; }

  private:
    friend class AssetWriter;
    struct Entry {
        std::uint64_t size = 0;
        std::uint64_t last_use = 0;  // position in use order: larger is more recent
    };

    AssetCache(std::filesystem::path root, std::uint64_t quota_bytes, const config::Clock& clock);
    Result<void> load_index();
    Result<std::filesystem::path> adopt(const std::string& sha256, const std::filesystem::path& temp_path,
                                        std::uint64_t size);
    void release(const std::string& sha256);

    // Helpers that expect m_mutex held.
    void mark_used_locked(const std::string& sha256, Entry& entry);
    std::uint64_t pinned_bytes_locked() const;
    Result<void> make_room_locked(std::uint64_t incoming, std::string_view purpose);

    const std::filesystem::path m_root;
    const config::Clock& m_clock;

    // m_mutex guards every field below it: writers commit from the download thread while other
    // threads look assets up.
    mutable std::mutex m_mutex;
    std::map<std::string, Entry, std::less<>> m_entries;
    std::set<std::string, std::less<>> m_pinned;
    std::set<std::string, std::less<>> m_installing;  // hashes with a live writer
    std::uint64_t m_quota;
    std::uint64_t m_used_bytes = 0;
    std::uint64_t m_next_use = 1;
    config::WallTime m_latest_stamp{};  // newest mtime given to an asset; stamps only move forward
};

}  // namespace dwell::content
