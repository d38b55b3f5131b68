#include "content/asset_cache.hpp"

#include <algorithm>
#include <array>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include "tests/support/temp_dir.hpp"

namespace dwell::content {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string sha256_of(std::string_view bytes) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int size = 0;
    EXPECT_EQ(EVP_Digest(bytes.data(), bytes.size(), digest.data(), &size, EVP_sha256(), nullptr), 1);
    std::string hex;
    for (unsigned int i = 0; i < size; ++i) hex += fmt::format("{:02x}", digest[i]);
    return hex;
}

std::span<const std::byte> bytes_of(std::string_view text) {
    return std::as_bytes(std::span{text});
}

std::string read_file(const fs::path& path) {
    std::ifstream in{path, std::ios::binary};
    return {std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{}};
}

std::vector<fs::path> files_under(const fs::path& folder) {
    std::vector<fs::path> files;
    for (const auto& entry : fs::recursive_directory_iterator{folder}) {
        if (!entry.is_directory()) files.push_back(entry.path());
    }
    return files;
}

Result<fs::path> install(AssetCache& cache, std::string_view content) {
    auto writer = cache.begin_install(sha256_of(content), content.size());
    if (!writer) return fail(std::move(writer.error()));
    if (auto written = writer->write(bytes_of(content)); !written) return fail(std::move(written.error()));
    return writer->commit();
}

class AssetCacheTest : public ::testing::Test {
  protected:
    std::unique_ptr<AssetCache> open_cache(std::uint64_t quota = 1 << 20) {
        auto cache = AssetCache::open(root(), quota, m_clock);
        if (!cache) ADD_FAILURE() << cache.error().message;
        return cache ? std::move(*cache) : nullptr;
    }

    // Installs and then lets time pass, so uses are clearly ordered.
    void install_now(AssetCache& cache, std::string_view content) {
        auto installed = install(cache, content);
        ASSERT_TRUE(installed) << installed.error().message;
        m_clock.advance(1s);
    }

    fs::path root() const { return m_dir / "cache"; }
    fs::path temp_folder() const { return root() / "tmp"; }

    test::TempDir m_dir;
    config::FakeClock m_clock{config::WallTime{std::chrono::sys_days{std::chrono::year{2026} / 12 / 1}}};

    // Five distinct 100-byte assets.
    const std::string a = std::string(100, 'a');
    const std::string b = std::string(100, 'b');
    const std::string c = std::string(100, 'c');
    const std::string d = std::string(100, 'd');
    const std::string e = std::string(100, 'e');
};

TEST_F(AssetCacheTest, InstallsAtTheContentAddress) {
    auto cache = open_cache();
    ASSERT_TRUE(cache);
    const std::string abc = "abc";
    const std::string abc_sha256 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    auto installed = install(*cache, abc);
    ASSERT_TRUE(installed) << installed.error().message;
    const auto expected_path = root() / "sha256" / "ba" / abc_sha256;
    EXPECT_EQ(*installed, expected_path);
    EXPECT_EQ(read_file(expected_path), abc);
    EXPECT_EQ(cache->find(abc_sha256), expected_path);
    EXPECT_TRUE(cache->contains(abc_sha256));
    EXPECT_EQ(cache->used_bytes(), 3U);
    EXPECT_EQ(asset_path(root(), abc_sha256).value(), expected_path);
    EXPECT_TRUE(fs::is_empty(temp_folder()));

    const std::string with_nuls{"\0frame\0\xff\0", 10};
    auto binary = install(*cache, with_nuls);
    ASSERT_TRUE(binary) << binary.error().message;
    EXPECT_EQ(read_file(*binary), with_nuls);
    EXPECT_EQ(cache->used_bytes(), 13U);
}

TEST_F(AssetCacheTest, RefusesContentThatDoesNotMatchItsHash) {
    auto cache = open_cache();
    ASSERT_TRUE(cache);
    const std::string good = "the real creative";
    const std::string corrupt = "the real creativE";
    auto writer = cache->begin_install(sha256_of(good), good.size());
    ASSERT_TRUE(writer);
    ASSERT_TRUE(writer->write(bytes_of(corrupt)));
    EXPECT_TRUE(fs::exists(temp_folder() / (sha256_of(good) + ".partial")));
    auto committed = writer->commit();
    ASSERT_FALSE(committed);
    EXPECT_EQ(committed.error().code, Errc::integrity);
    EXPECT_NE(committed.error().message.find(sha256_of(corrupt)), std::string::npos)
        << committed.error().message;
    EXPECT_NE(committed.error().message.find(sha256_of(good)), std::string::npos)
        << committed.error().message;

    EXPECT_FALSE(cache->contains(sha256_of(good)));
    EXPECT_FALSE(cache->find(sha256_of(good)));
    EXPECT_EQ(cache->used_bytes(), 0U);
    EXPECT_TRUE(files_under(root()).empty()) << "nothing installed and no temporary file left";

    // The refused attempt does not block a good one.
    auto retry = install(*cache, good);
    ASSERT_TRUE(retry) << retry.error().message;
    EXPECT_EQ(read_file(*retry), good);
}

TEST_F(AssetCacheTest, RefusesASizeMismatch) {
    auto cache = open_cache();
    ASSERT_TRUE(cache);
    const std::string content = "12345";
    {
        auto writer = cache->begin_install(sha256_of(content), 10);
        ASSERT_TRUE(writer);
        ASSERT_TRUE(writer->write(bytes_of(content)));
        auto short_content = writer->commit();
        ASSERT_FALSE(short_content);
        EXPECT_EQ(short_content.error().code, Errc::integrity);
        EXPECT_NE(short_content.error().message.find("5 bytes, expected 10"), std::string::npos)
            << short_content.error().message;
    }
    {
        auto writer = cache->begin_install(sha256_of(content), 3);
        ASSERT_TRUE(writer);
        auto too_long = writer->write(bytes_of(content));
        ASSERT_FALSE(too_long);
        EXPECT_EQ(too_long.error().code, Errc::integrity);
        EXPECT_EQ(writer->bytes_present(), 0U);
        auto committed = writer->commit();
        ASSERT_FALSE(committed);
        EXPECT_EQ(committed.error().code, Errc::integrity);
    }
    EXPECT_FALSE(cache->contains(sha256_of(content)));
    EXPECT_EQ(cache->used_bytes(), 0U);
    EXPECT_TRUE(files_under(root()).empty());
}

TEST_F(AssetCacheTest, RefusesMalformedHashes) {
    auto cache = open_cache();
    ASSERT_TRUE(cache);
    const auto valid = sha256_of("x");
    std::string upper = valid;
    std::ranges::transform(upper, upper.begin(),
                           [](char ch) { return ch >= 'a' && ch <= 'f' ? static_cast<char>(ch - 32) : ch; });
    ASSERT_NE(upper, valid);
    const auto source = m_dir.write("x.bin", "x");

    const std::vector<std::string> malformed{
        upper,
        valid.substr(0, 63),
        valid + "0",
        "../x",
        "../" + valid.substr(3),
        "",
        valid.substr(0, 63) + "g",
        valid.substr(0, 32) + "/" + valid.substr(33),
        valid + "\n",
    };
    for (const auto& hash : malformed) {
        EXPECT_FALSE(is_sha256_hex(hash)) << hash;
        auto writer = cache->begin_install(hash, 1);
        ASSERT_FALSE(writer) << hash;
        EXPECT_EQ(writer.error().code, Errc::invalid_input) << hash;
        auto copied = cache->install_file(source, hash);
        ASSERT_FALSE(copied) << hash;
        EXPECT_EQ(copied.error().code, Errc::invalid_input) << hash;
        EXPECT_FALSE(cache->find(hash)) << hash;
        EXPECT_FALSE(cache->contains(hash)) << hash;
        EXPECT_FALSE(asset_path(root(), hash)) << hash;
        cache->touch(hash);
    }
    EXPECT_TRUE(is_sha256_hex(valid));
    EXPECT_TRUE(files_under(root()).empty());
    EXPECT_FALSE(fs::exists(root() / "x"));
    EXPECT_FALSE(fs::exists(m_dir / "x"));
}

TEST_F(AssetCacheTest, DestroyingAnUncommittedWriterRemovesItsTempFile) {
    auto cache = open_cache();
    ASSERT_TRUE(cache);
    {
        auto writer = cache->begin_install(sha256_of(a), a.size());
        ASSERT_TRUE(writer);
        ASSERT_TRUE(writer->write(bytes_of(a).first(40)));
        EXPECT_EQ(files_under(temp_folder()).size(), 1U);
        auto moved = std::move(*writer);
        EXPECT_EQ(moved.bytes_present(), 40U);
    }
    EXPECT_TRUE(files_under(root()).empty());
    EXPECT_FALSE(cache->contains(sha256_of(a)));
    EXPECT_TRUE(cache->begin_install(sha256_of(a))) << "the hash must be free again";
}

TEST_F(AssetCacheTest, EvictsTheLeastRecentlyUsedFirst) {
    auto cache = open_cache(300);
    ASSERT_TRUE(cache);
    install_now(*cache, a);
    install_now(*cache, b);
    install_now(*cache, c);
    cache->touch(sha256_of(a));
    m_clock.advance(1s);
    EXPECT_EQ(cache->used_bytes(), 300U);

    install_now(*cache, d);
    EXPECT_FALSE(cache->contains(sha256_of(b)));
    EXPECT_FALSE(fs::exists(root() / "sha256" / sha256_of(b).substr(0, 2) / sha256_of(b)));
    EXPECT_TRUE(cache->contains(sha256_of(a)));
    EXPECT_TRUE(cache->contains(sha256_of(c)));
    EXPECT_TRUE(cache->contains(sha256_of(d)));
    EXPECT_EQ(cache->used_bytes(), 300U);

    install_now(*cache, e);
    EXPECT_FALSE(cache->contains(sha256_of(c)));
    EXPECT_TRUE(cache->contains(sha256_of(a)));
    EXPECT_TRUE(cache->contains(sha256_of(d)));
    EXPECT_TRUE(cache->contains(sha256_of(e)));
    EXPECT_EQ(files_under(root() / "sha256").size(), 3U);
}

TEST_F(AssetCacheTest, OrdersUsesEvenWhenTheClockStandsStill) {
    auto cache = open_cache(300);
    ASSERT_TRUE(cache);
    for (const auto* content : {&a, &b, &c}) ASSERT_TRUE(install(*cache, *content));
    cache->touch(sha256_of(a));
    ASSERT_TRUE(install(*cache, d));
    EXPECT_FALSE(cache->contains(sha256_of(b)));
    EXPECT_TRUE(cache->contains(sha256_of(a)));
}

TEST_F(AssetCacheTest, NeverEvictsPinnedAssets) {
    auto cache = open_cache(300);
    ASSERT_TRUE(cache);
    install_now(*cache, a);
    install_now(*cache, b);
    install_now(*cache, c);
    const std::vector pins{sha256_of(a), sha256_of(b)};
    cache->set_pinned(pins);
    EXPECT_EQ(cache->pinned_bytes(), 200U);

    install_now(*cache, d);
    EXPECT_TRUE(cache->contains(sha256_of(a))) << "pinned, although the oldest";
    EXPECT_TRUE(cache->contains(sha256_of(b)));
    EXPECT_FALSE(cache->contains(sha256_of(c)));
    EXPECT_TRUE(cache->contains(sha256_of(d)));
}

TEST_F(AssetCacheTest, RefusesAnInstallWhenPinnedAssetsLeaveNoRoom) {
    auto cache = open_cache(300);
    ASSERT_TRUE(cache);
    install_now(*cache, a);
    install_now(*cache, b);
    install_now(*cache, c);
    const std::vector pins{sha256_of(a), sha256_of(b), sha256_of(c)};
    cache->set_pinned(pins);

    // Without a size, the refusal comes at commit.
    auto writer = cache->begin_install(sha256_of(d));
    ASSERT_TRUE(writer);
    ASSERT_TRUE(writer->write(bytes_of(d)));
    auto refused = writer->commit();
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, Errc::quota);
    EXPECT_NE(refused.error().message.find("quota is 300 bytes"), std::string::npos)
        << refused.error().message;
    EXPECT_NE(refused.error().message.find("pinned assets hold 300 bytes"), std::string::npos)
        << refused.error().message;
    EXPECT_NE(refused.error().message.find("100 bytes"), std::string::npos) << refused.error().message;

    // With a size, before any byte is downloaded.
    auto early = cache->begin_install(sha256_of(e), e.size());
    ASSERT_FALSE(early);
    EXPECT_EQ(early.error().code, Errc::quota);

    for (const auto* kept : {&a, &b, &c}) EXPECT_TRUE(cache->contains(sha256_of(*kept)));
    EXPECT_FALSE(cache->contains(sha256_of(d)));
    EXPECT_EQ(cache->used_bytes(), 300U);
    EXPECT_TRUE(fs::is_empty(temp_folder()));
    EXPECT_EQ(files_under(root() / "sha256").size(), 3U);
}

TEST_F(AssetCacheTest, RefusesAnAssetLargerThanTheQuota) {
    auto cache = open_cache(50);
    ASSERT_TRUE(cache);
    auto too_big = install(*cache, a);
    ASSERT_FALSE(too_big);
    EXPECT_EQ(too_big.error().code, Errc::quota);
    EXPECT_TRUE(files_under(root()).empty());
}

TEST_F(AssetCacheTest, EvictsToAShrunkenQuota) {
    auto cache = open_cache(300);
    ASSERT_TRUE(cache);
    install_now(*cache, a);
    install_now(*cache, b);
    install_now(*cache, c);
    cache->set_quota(150);
    EXPECT_EQ(cache->quota(), 150U);
    ASSERT_TRUE(cache->evict_to_quota());
    EXPECT_FALSE(cache->contains(sha256_of(a)));
    EXPECT_FALSE(cache->contains(sha256_of(b)));
    EXPECT_TRUE(cache->contains(sha256_of(c)));
    EXPECT_EQ(cache->used_bytes(), 100U);

    cache->set_quota(300);
    install_now(*cache, d);
    install_now(*cache, e);
    const std::vector pins{sha256_of(c), sha256_of(d)};
    cache->set_pinned(pins);
    cache->set_quota(150);
    auto refused = cache->evict_to_quota();
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, Errc::quota);
    EXPECT_NE(refused.error().message.find("pinned assets hold 200 bytes"), std::string::npos)
        << refused.error().message;
    EXPECT_TRUE(cache->contains(sha256_of(c)));
    EXPECT_TRUE(cache->contains(sha256_of(d)));
    EXPECT_TRUE(cache->contains(sha256_of(e))) << "nothing is evicted when the quota cannot be met";
    EXPECT_EQ(cache->used_bytes(), 300U);
}

TEST_F(AssetCacheTest, CleansCrashLeftoversAtOpen) {
    {
        auto cache = open_cache();
        ASSERT_TRUE(cache);
        install_now(*cache, a);
    }
    m_dir.write("cache/tmp/" + sha256_of(b) + ".partial", b.substr(0, 50));
    m_dir.write("cache/tmp/whatever/nested.tmp", "half a file");
    auto cache = open_cache();
    ASSERT_TRUE(cache);
    EXPECT_TRUE(fs::is_empty(temp_folder()));
    EXPECT_EQ(cache->used_bytes(), a.size());
    EXPECT_TRUE(cache->contains(sha256_of(a)));
    EXPECT_FALSE(cache->contains(sha256_of(b)));
    auto writer = cache->begin_install(sha256_of(b), b.size());
    ASSERT_TRUE(writer);
    EXPECT_EQ(writer->bytes_present(), 0U) << "a partial from before the restart must not be resumed";
}

TEST_F(AssetCacheTest, RebuildsTheIndexAtReopen) {
    {
        auto cache = open_cache();
        ASSERT_TRUE(cache);
        install_now(*cache, a);
        install_now(*cache, b + "b");
    }
    // Files that are not assets are not counted.
    m_dir.write("cache/sha256/" + sha256_of(a).substr(0, 2) + "/notes.txt", "stray");
    m_dir.write("cache/sha256/zz/" + sha256_of(c), c);
    m_dir.write("cache/sha256/" + sha256_of(a).substr(0, 2) + "/" + sha256_of(c), c);  // wrong folder
    auto cache = open_cache();
    ASSERT_TRUE(cache);
    EXPECT_EQ(cache->used_bytes(), 201U);
    EXPECT_EQ(cache->find(sha256_of(a)), root() / "sha256" / sha256_of(a).substr(0, 2) / sha256_of(a));
    EXPECT_TRUE(cache->contains(sha256_of(b + "b")));
    EXPECT_FALSE(cache->contains(sha256_of(c)));
}

TEST_F(AssetCacheTest, RecencySurvivesReopen) {
    {
        auto cache = open_cache(300);
        ASSERT_TRUE(cache);
        install_now(*cache, a);
        install_now(*cache, b);
        install_now(*cache, c);
        cache->touch(sha256_of(a));
        m_clock.advance(1s);
    }
    auto cache = open_cache(300);
    ASSERT_TRUE(cache);
    install_now(*cache, d);
    EXPECT_FALSE(cache->contains(sha256_of(b)));
    EXPECT_TRUE(cache->contains(sha256_of(a)));
    EXPECT_TRUE(cache->contains(sha256_of(c)));
    install_now(*cache, e);
    EXPECT_FALSE(cache->contains(sha256_of(c)));
    EXPECT_TRUE(cache->contains(sha256_of(a)));
}

TEST_F(AssetCacheTest, RecencySurvivesReopenWhenTheClockWentBack) {
    {
        auto cache = open_cache(300);
        ASSERT_TRUE(cache);
        install_now(*cache, a);
        install_now(*cache, b);
        install_now(*cache, c);
    }
    // A device without a battery-backed clock boots in 1970 until the hub corrects it.
    m_clock.set(config::WallTime{});
    {
        auto cache = open_cache(300);
        ASSERT_TRUE(cache);
        cache->touch(sha256_of(a));
    }
    auto cache = open_cache(300);
    ASSERT_TRUE(cache);
    install_now(*cache, d);
    EXPECT_TRUE(cache->contains(sha256_of(a)));
    EXPECT_FALSE(cache->contains(sha256_of(b)));
}

TEST_F(AssetCacheTest, ResumesASuspendedDownload) {
    auto cache = open_cache();
    ASSERT_TRUE(cache);
    std::string content;
    for (int i = 0; i < 5000; ++i) content += static_cast<char>(i * 7);
    const auto hash = sha256_of(content);
    {
        auto writer = cache->begin_install(hash, content.size());
        ASSERT_TRUE(writer);
        ASSERT_TRUE(writer->write(bytes_of(content).first(1800)));
        writer->suspend();
    }
    EXPECT_EQ(fs::file_size(temp_folder() / (hash + ".partial")), 1800U);
    EXPECT_FALSE(cache->contains(hash));

    auto resumed = cache->begin_install(hash, content.size());
    ASSERT_TRUE(resumed) << resumed.error().message;
    EXPECT_EQ(resumed->bytes_present(), 1800U);
    ASSERT_TRUE(resumed->write(bytes_of(content).subspan(1800)));
    auto installed = resumed->commit();
    ASSERT_TRUE(installed) << installed.error().message;
    EXPECT_EQ(read_file(*installed), content);
    EXPECT_TRUE(fs::is_empty(temp_folder()));
}

TEST_F(AssetCacheTest, RestartDropsResumedBytes) {
    auto cache = open_cache();
    ASSERT_TRUE(cache);
    const auto hash = sha256_of(a);
    {
        auto writer = cache->begin_install(hash);
        ASSERT_TRUE(writer);
        ASSERT_TRUE(writer->write(bytes_of("garbage from a broken server")));
        writer->suspend();
    }
    auto writer = cache->begin_install(hash);
    ASSERT_TRUE(writer);
    EXPECT_EQ(writer->bytes_present(), 28U);
    ASSERT_TRUE(writer->restart());
    EXPECT_EQ(writer->bytes_present(), 0U);
    ASSERT_TRUE(writer->write(bytes_of(a)));
    auto installed = writer->commit();
    ASSERT_TRUE(installed) << installed.error().message;
    EXPECT_EQ(read_file(*installed), a);
}

TEST_F(AssetCacheTest, DiscardsAPartialLongerThanExpected) {
    auto cache = open_cache();
    ASSERT_TRUE(cache);
    const std::string small = "small";
    {
        auto writer = cache->begin_install(sha256_of(small));
        ASSERT_TRUE(writer);
        ASSERT_TRUE(writer->write(bytes_of("much longer than the asset")));
        writer->suspend();
    }
    auto writer = cache->begin_install(sha256_of(small), small.size());
    ASSERT_TRUE(writer);
    EXPECT_EQ(writer->bytes_present(), 0U);
    ASSERT_TRUE(writer->write(bytes_of(small)));
    EXPECT_TRUE(writer->commit());
}

TEST_F(AssetCacheTest, RefusesASecondWriterForTheSameHash) {
    auto cache = open_cache();
    ASSERT_TRUE(cache);
    auto first = cache->begin_install(sha256_of(a));
    ASSERT_TRUE(first);
    auto second = cache->begin_install(sha256_of(a));
    ASSERT_FALSE(second);
    EXPECT_EQ(second.error().code, Errc::conflict);
    ASSERT_TRUE(first->write(bytes_of(a)));
    ASSERT_TRUE(first->commit());
    EXPECT_TRUE(cache->begin_install(sha256_of(a))) << "free again after commit";
}

TEST_F(AssetCacheTest, InstallingAnInstalledAssetIsARetry) {
    auto cache = open_cache(200);
    ASSERT_TRUE(cache);
    install_now(*cache, a);
    install_now(*cache, b);
    auto again = install(*cache, a);
    ASSERT_TRUE(again) << again.error().message;
    EXPECT_EQ(read_file(*again), a);
    EXPECT_EQ(cache->used_bytes(), 200U);
    EXPECT_TRUE(fs::is_empty(temp_folder()));
    // ... and counts as a use: b is now the least recently used.
    m_clock.advance(1s);
    install_now(*cache, c);
    EXPECT_TRUE(cache->contains(sha256_of(a)));
    EXPECT_FALSE(cache->contains(sha256_of(b)));
}

TEST_F(AssetCacheTest, InstallsALocalFile) {
    auto cache = open_cache();
    ASSERT_TRUE(cache);
    std::string content(200'000, '\0');
    for (std::size_t i = 0; i < content.size(); ++i) content[i] = static_cast<char>(i % 251);
    const auto source = m_dir.write("poster.png", content);

    auto installed = cache->install_file(source, sha256_of(content));
    ASSERT_TRUE(installed) << installed.error().message;
    EXPECT_EQ(read_file(*installed), content);
    EXPECT_TRUE(fs::exists(source));

    auto wrong = cache->install_file(source, sha256_of("something else"));
    ASSERT_FALSE(wrong);
    EXPECT_EQ(wrong.error().code, Errc::integrity);

    auto missing = cache->install_file(m_dir / "absent.png", sha256_of("absent"));
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().code, Errc::not_found);
    EXPECT_NE(missing.error().message.find("absent.png"), std::string::npos) << missing.error().message;
    EXPECT_TRUE(fs::is_empty(temp_folder()));
    EXPECT_EQ(cache->used_bytes(), content.size());
}

TEST_F(AssetCacheTest, OpenRefusesARootThatIsAFile) {
    const auto file = m_dir.write("cache", "not a folder");
    auto cache = AssetCache::open(file, 100, m_clock);
    ASSERT_FALSE(cache);
    EXPECT_EQ(cache.error().code, Errc::io);
    EXPECT_NE(cache.error().message.find(file.string()), std::string::npos) << cache.error().message;
}

TEST(Sha256OfFile, HashesTheBytesAndNamesAMissingFile) {
    const test::TempDir dir;
    // The SHA-256 of "abc" (FIPS 180-2 example) and of nothing at all.
    EXPECT_EQ(sha256_of_file(dir.write("abc.txt", "abc")),
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(sha256_of_file(dir.write("empty", "")),
              "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    const auto missing = sha256_of_file(dir / "nope.mp4");
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().code, Errc::not_found);
    EXPECT_NE(missing.error().message.find("nope.mp4"), std::string::npos);
}

}  // namespace
}  // namespace dwell::content
