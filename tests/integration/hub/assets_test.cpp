// Asset uploads and downloads: hashing and probing, re-uploads, refusals for what no screen can
// play or what is too large, names kept verbatim, and byte ranges.
#include <fstream>
#include <set>

#include <fmt/format.h>

#include "content/crypto.hpp"
#include "tests/integration/hub/hub_fixture.hpp"

namespace dwell::test {
namespace {

using namespace std::chrono_literals;

std::string file_bytes(const std::filesystem::path& file) {
    const auto bytes = read_bytes(file);
    return std::string{bytes.begin(), bytes.end()};
}

std::string sha256_hex(std::string_view bytes) {
    const auto digest = content::sha256({bytes});
    return digest ? content::to_hex(*digest) : std::string{};
}

class AssetTest : public HubTest {
  protected:
    AssetTest() : HubTest(HubSetup{"limits: { upload: 1MiB }"}) {}

    JsonResponse upload(const std::filesystem::path& file, std::string_view query) {
        return JsonResponse::from(m_client->upload(http::verb::post, fmt::format("/v1/assets?{}", query),
                                                   file, "application/octet-stream",
                                                   bearer(m_hub.marketer_token())));
    }

    boost::json::array listed() {
        const auto list = call(http::verb::get, "/v1/assets", m_hub.marketer_token());
        if (list.status != 200) throw std::runtime_error(list.text);
        return list.body.at("assets").as_array();
    }

    // Files the hub left in its asset folder's temporary place.
    std::size_t leftovers() const {
        std::size_t count = 0;
        std::error_code ignored;
        for (const auto& entry :
             std::filesystem::directory_iterator(m_hub.data_dir() / "assets" / "tmp", ignored)) {
            (void)entry;
            ++count;
        }
        return count;
    }
};

TEST_F(AssetTest, AnUploadIsHashedProbedAndListedAndAReuploadIs200) {
    const auto clip = m_media / "clip.mp4";
    const std::string bytes = file_bytes(clip);
    const auto created = upload(clip, "name=clip.mp4");
    ASSERT_EQ(created.status, 201) << created.text;
    const auto& asset = created.body.as_object();
    EXPECT_EQ(asset.at("sha256").as_string(), sha256_hex(bytes));
    EXPECT_EQ(asset.at("name").as_string(), "clip.mp4");
    EXPECT_EQ(asset.at("size").to_number<std::uint64_t>(), bytes.size());
    EXPECT_EQ(asset.at("type").as_string(), "video");
    EXPECT_EQ(asset.at("codec").as_string(), "h264");
    EXPECT_EQ(asset.at("width").to_number<int>(), 320);
    EXPECT_EQ(asset.at("height").to_number<int>(), 240);
    EXPECT_NEAR(asset.at("duration_ms").to_number<double>(), 1000, 100);
    // Stored under its hash, byte for byte.
    EXPECT_EQ(file_bytes(m_hub.data_dir() / "assets" / sha256_hex(bytes)), bytes);

    const auto again = upload(clip, "name=clip.mp4");
    EXPECT_EQ(again.status, 200) << again.text;
    EXPECT_EQ(again.body.at("sha256"), created.body.at("sha256"));
    EXPECT_EQ(again.body.at("created_at"), created.body.at("created_at"));

    const auto poster = upload(m_media / "poster.png", "name=poster.png");
    ASSERT_EQ(poster.status, 201) << poster.text;
    EXPECT_EQ(poster.body.at("type").as_string(), "image");
    EXPECT_EQ(poster.body.at("codec").as_string(), "png");
    EXPECT_EQ(poster.body.at("width").to_number<int>(), 160);
    EXPECT_EQ(poster.body.at("height").to_number<int>(), 90);

    const auto list = listed();
    ASSERT_EQ(list.size(), 2U);
    std::set<std::string> names;
    for (const auto& entry : list) names.insert(std::string{entry.at("name").as_string()});
    EXPECT_EQ(names, (std::set<std::string>{"clip.mp4", "poster.png"}));
    EXPECT_EQ(leftovers(), 0U);
}

TEST_F(AssetTest, WhatNoScreenCanPlayIs415AndAnEmptyOrUnnamedUploadIs400) {
    const auto text = m_hub.folder() / "notes.mp4";
    {
        std::ofstream out(text);
        out << "these are not the frames you are looking for\n";
    }
    const auto refused = upload(text, "name=notes.mp4");
    EXPECT_EQ(refused.status, 415) << refused.text;
    EXPECT_EQ(refused.error_code(), "unsupported_media_type");
    EXPECT_NE(refused.error_message().find("notes.mp4"), std::string::npos) << refused.text;

    const auto empty = m_hub.folder() / "empty.png";
    { std::ofstream out(empty); }
    const auto nothing = upload(empty, "name=empty.png");
    EXPECT_EQ(nothing.status, 400) << nothing.text;
    const auto unnamed = upload(m_media / "poster.png", "");
    EXPECT_EQ(unnamed.status, 400) << unnamed.text;
    const auto twice = upload(m_media / "poster.png", "name=a.png&name=b.png");
    EXPECT_EQ(twice.status, 400) << twice.text;

    EXPECT_TRUE(listed().empty());
    EXPECT_EQ(count_rows("SELECT count(*) FROM assets"), 0);
    EXPECT_EQ(leftovers(), 0U) << "refused uploads leave no files behind";
}

TEST_F(AssetTest, AnUploadPastTheLimitIs413) {
    // 2 MiB against a 1 MiB limit.
    const auto big = m_hub.folder() / "big.mp4";
    {
        std::ofstream out(big, std::ios::binary);
        const std::string block(64 * 1024, 'x');
        for (int i = 0; i < 32; ++i) out << block;
    }
    // Announced by Content-Length: refused before a byte of it is read.
    {
        RawConnection raw{m_hub.port()};
        ASSERT_TRUE(raw.send(
            fmt::format("POST /v1/assets?name=big.mp4 HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: "
                        "Bearer {}\r\nContent-Type: application/octet-stream\r\nContent-Length: {}\r\n\r\n",
                        m_hub.marketer_token(), 2 * 1024 * 1024)));
        const auto response = raw.read_response(10s);
        ASSERT_TRUE(response);
        EXPECT_EQ(response->status, 413U) << response->body;
        ASSERT_TRUE(response->json.is_object()) << response->body;
        EXPECT_EQ(response->json.at("error").at("code").as_string(), "payload_too_large");
    }
    // Streamed in chunks with no length given: refused once the limit is passed.
    {
        RawConnection raw{m_hub.port()};
        ASSERT_TRUE(
            raw.send(fmt::format("POST /v1/assets?name=big.mp4 HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: "
                                 "Bearer {}\r\nContent-Type: application/octet-stream\r\nTransfer-Encoding: "
                                 "chunked\r\n\r\n",
                                 m_hub.marketer_token())));
        const std::string chunk(64 * 1024, 'y');
        for (int i = 0; i < 17; ++i)
            if (!raw.send(fmt::format("{:x}\r\n{}\r\n", chunk.size(), chunk))) break;
        const auto response = raw.read_response(10s);
        ASSERT_TRUE(response) << "no answer to a chunked upload past the limit";
        EXPECT_EQ(response->status, 413U) << response->body;
    }
    // What dwellctl does: the whole file in one request.
    const auto whole = upload(big, "name=big.mp4");
    EXPECT_EQ(whole.status, 413) << whole.text;
    EXPECT_EQ(whole.error_code(), "payload_too_large") << whole.text;

    EXPECT_TRUE(listed().empty());
    EXPECT_EQ(leftovers(), 0U);
}

TEST_F(AssetTest, NamesAreStoredVerbatimAndFolderNamesAreRefused) {
    // New bytes, so the upload is a new asset.
    const auto red = m_hub.folder() / "red.png";
    ASSERT_EQ(ffmpeg(fmt::format("-f lavfi -i color=c=red:size=64x36 -frames:v 1 '{}'", red.string())), "");
    const std::string hostile = "x';DROP TABLE joins;--.png";
    const auto created = upload(red, "name=x%27%3BDROP%20TABLE%20joins%3B--.png");
    ASSERT_EQ(created.status, 201) << created.text;
    EXPECT_EQ(created.body.at("name").as_string(), hostile);
    const auto list = listed();
    ASSERT_EQ(list.size(), 1U);
    EXPECT_EQ(list[0].at("name").as_string(), hostile);
    EXPECT_EQ(column("SELECT name FROM assets"), std::vector<std::string>{hostile});
    EXPECT_EQ(count_rows("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'joins'"), 1);
    // Quotes and Unicode are fine in a name a campaign refers to.
    const auto campaign = call_text(
        http::verb::put, "/v1/campaigns/odd", m_hub.marketer_token(),
        R"({"id":"odd","name":"Odd","window":{"start":"2020-01-01T00:00:00Z","end":"2099-01-01T00:00:00Z"},)"
        R"("targets":{"all":true},"items":[{"asset":"x';DROP TABLE joins;--.png","duration":"5s"}]})",
        "application/json");
    EXPECT_EQ(campaign.status, 201) << campaign.text;

    for (const std::string_view name : {"../../etc/passwd", "..%2F..%2Fetc%2Fpasswd", "..", ".", "a/b.png",
                                        "a%5Cb.png", "%2Fetc%2Fpasswd", "x%00.png", "line%0Abreak.png"}) {
        SCOPED_TRACE(std::string{name});
        const auto refused = upload(red, fmt::format("name={}", name));
        EXPECT_EQ(refused.status, 400) << refused.text;
        EXPECT_EQ(refused.error_code(), "invalid_input") << refused.text;
    }
    EXPECT_EQ(listed().size(), 1U);
    EXPECT_EQ(listed()[0].at("name").as_string(), hostile);
    EXPECT_FALSE(std::filesystem::exists(m_hub.data_dir() / "etc"));
    EXPECT_FALSE(std::filesystem::exists(m_hub.folder() / "etc"));
    EXPECT_EQ(leftovers(), 0U);
}

TEST_F(AssetTest, TheSameBytesUnderAnotherNameResolveTheSameBeforeAndAfterARestart) {
    const auto poster = m_media / "poster.png";
    ASSERT_EQ(upload(poster, "name=first.png").status, 201);
    const auto second = upload(poster, "name=second.png");
    ASSERT_EQ(second.status, 200) << second.text;
    const auto campaign = [&](std::string_view id, std::string_view asset) {
        return call_text(http::verb::put, fmt::format("/v1/campaigns/{}", id), m_hub.marketer_token(),
                         fmt::format(R"({{"id":"{}","name":"N","window":{{"start":"2020-01-01T00:00:00Z",)"
                                     R"("end":"2099-01-01T00:00:00Z"}},"targets":{{"all":true}},)"
                                     R"("items":[{{"asset":"{}","duration":"5s"}}]}})",
                                     id, asset),
                         "application/json");
    };
    const auto before_first = campaign("a", "first.png");
    const auto before_second = campaign("b", "second.png");
    EXPECT_EQ(before_second.status, 201) << before_second.text;

    const auto stopped = m_hub.stop();
    ASSERT_TRUE(stopped.exited && stopped.exit_code == 0) << m_hub.log();
    m_hub.start();
    reconnect();
    const auto after_first = campaign("c", "first.png");
    const auto after_second = campaign("d", "second.png");
    EXPECT_EQ(after_second.status, 201) << after_second.text;
    // Whatever a name resolves to, a restart must not change it.
    EXPECT_EQ(after_first.status, before_first.status)
        << "before the restart: " << before_first.text << "\nafter it: " << after_first.text;
}

TEST_F(AssetTest, DownloadsWholeAndInRanges) {
    const auto clip = m_media / "clip.mp4";
    const std::string bytes = file_bytes(clip);
    const std::uint64_t size = bytes.size();
    ASSERT_GT(size, 100U);
    const auto created = upload(clip, "name=clip.mp4");
    ASSERT_EQ(created.status, 201) << created.text;
    const std::string target = fmt::format("/v1/assets/{}", created.body.at("sha256").as_string());
    const std::string& token = m_hub.marketer_token();

    const auto whole = call(http::verb::get, target, token);
    ASSERT_EQ(whole.status, 200);
    EXPECT_EQ(whole.text, bytes);
    EXPECT_EQ(sha256_hex(whole.text), created.body.at("sha256").as_string());
    EXPECT_EQ(whole.header("Accept-Ranges"), "bytes");
    EXPECT_EQ(whole.header("ETag"), fmt::format("\"{}\"", created.body.at("sha256").as_string()));

    const auto middle = call(http::verb::get, target, token, nullptr, {{"Range", "bytes=10-19"}});
    ASSERT_EQ(middle.status, 206) << middle.text;
    EXPECT_EQ(middle.text, bytes.substr(10, 10));
    EXPECT_EQ(middle.header("Content-Range"), fmt::format("bytes 10-19/{}", size));
    EXPECT_EQ(middle.header("Content-Length"), "10");

    const auto tail = call(http::verb::get, target, token, nullptr, {{"Range", "bytes=-10"}});
    ASSERT_EQ(tail.status, 206) << tail.text;
    EXPECT_EQ(tail.text, bytes.substr(size - 10));
    EXPECT_EQ(tail.header("Content-Range"), fmt::format("bytes {}-{}/{}", size - 10, size - 1, size));

    const auto rest = call(http::verb::get, target, token, nullptr, {{"Range", "bytes=100-"}});
    ASSERT_EQ(rest.status, 206) << rest.text;
    EXPECT_EQ(rest.text, bytes.substr(100));
    const auto beyond =
        call(http::verb::get, target, token, nullptr, {{"Range", fmt::format("bytes=90-{}", size + 1000)}});
    ASSERT_EQ(beyond.status, 206) << beyond.text;
    EXPECT_EQ(beyond.text, bytes.substr(90));

    for (const std::string& range :
         {fmt::format("bytes={}-", size), fmt::format("bytes={}-{}", size + 5, size + 10)}) {
        SCOPED_TRACE(range);
        const auto unsatisfiable = call(http::verb::get, target, token, nullptr, {{"Range", range}});
        EXPECT_EQ(unsatisfiable.status, 416) << unsatisfiable.text;
        EXPECT_EQ(unsatisfiable.header("Content-Range"), fmt::format("bytes */{}", size));
    }

    // HEAD: the headers of the GET without its body.
    RawConnection raw{m_hub.port()};
    ASSERT_TRUE(raw.send(fmt::format(
        "HEAD {} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {}\r\n\r\n", target, token)));
    const auto head = raw.read_response(10s, true);
    ASSERT_TRUE(head);
    EXPECT_EQ(head->status, 200U);
    EXPECT_EQ(head->field("content-length"), std::to_string(size));
    // Then the same connection answers a GET, so no body bytes were sent after the HEAD's header.
    ASSERT_TRUE(raw.send(fmt::format(
        "GET {} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {}\r\nRange: bytes=0-3\r\n\r\n", target,
        token)));
    const auto after = raw.read_response(10s);
    ASSERT_TRUE(after);
    EXPECT_EQ(after->status, 206U);
    EXPECT_EQ(after->body, bytes.substr(0, 4));

    EXPECT_EQ(call(http::verb::get, "/v1/assets/" + std::string(64, '0'), token).status, 404);
    EXPECT_EQ(call(http::verb::get, "/v1/assets/not-a-hash", token).status, 400);
    EXPECT_EQ(call(http::verb::get, "/v1/assets/" + std::string(64, 'A'), token).status, 400);
    EXPECT_EQ(call(http::verb::get, target).status, 401);
}

}  // namespace
}  // namespace dwell::test
