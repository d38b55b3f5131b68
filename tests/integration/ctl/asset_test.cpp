// asset upload|list against a real hub.
#include <fstream>

#include "content/asset_cache.hpp"
#include "tests/integration/ctl/ctl_fixture.hpp"

namespace dwell::test {
namespace {

using ::testing::HasSubstr;

using AssetTest = CtlTest;

TEST_F(AssetTest, UploadPrintsHashTypeCodecAndSize) {
    make_media(m_work.path());
    const auto clip = m_work / "clip.mp4";
    const auto poster = m_work / "poster.png";
    const std::string clip_hash = *content::sha256_of_file(clip);
    const std::string poster_hash = *content::sha256_of_file(poster);
    const auto clip_size = std::filesystem::file_size(clip);

    const CtlRun run = ctl({"asset", "upload", clip.string(), poster.string()});
    ASSERT_EQ(run.exit_code, 0) << run;
    EXPECT_THAT(run.out, HasSubstr("uploaded clip.mp4\n  sha256  " + clip_hash));
    EXPECT_THAT(run.out, HasSubstr("type    video h264 320x240 1.0 s"));
    EXPECT_THAT(run.out, HasSubstr(fmt::format("({} bytes)", clip_size)));
    EXPECT_THAT(run.out, HasSubstr("uploaded poster.png\n  sha256  " + poster_hash));
    EXPECT_THAT(run.out, HasSubstr("type    image png 160x90"));
    EXPECT_EQ(hub_assets(),
              (std::map<std::string, std::string>{{clip_hash, "clip.mp4"}, {poster_hash, "poster.png"}}));

    const CtlRun again = ctl({"asset", "upload", clip.string()});
    ASSERT_EQ(again.exit_code, 0) << again;
    EXPECT_THAT(again.out, HasSubstr("already on the hub: clip.mp4"));

    const CtlRun list = ctl({"asset", "list"});
    ASSERT_EQ(list.exit_code, 0) << list;
    EXPECT_THAT(list.out, HasSubstr(clip_hash));
    EXPECT_THAT(list.out, HasSubstr("poster.png"));
}

TEST_F(AssetTest, AFileThatIsNotMediaIsRefusedWithTheHubsMessage) {
    const auto notes = m_work.write("notes.txt", "these are not pixels\n");
    const CtlRun run = ctl({"asset", "upload", notes.string()});
    EXPECT_EQ(run.exit_code, 1) << run;
    EXPECT_THAT(run.err, HasSubstr("dwellctl: uploading " + notes.string()));
    EXPECT_THAT(run.err, HasSubstr("415"));
    EXPECT_THAT(run.err, HasSubstr("\"notes.txt\" is not a video or image a screen can play"));
    EXPECT_TRUE(hub_assets().empty());
}

TEST_F(AssetTest, AMissingFileIsALocalErrorAndNothingIsUploaded) {
    make_media(m_work.path());
    const CtlRun run =
        ctl({"asset", "upload", (m_work / "clip.mp4").string(), (m_work / "nope.mp4").string()});
    EXPECT_EQ(run.exit_code, 2) << run;
    EXPECT_THAT(run.err, HasSubstr("nope.mp4"));
    EXPECT_TRUE(hub_assets().empty());
}

}  // namespace
}  // namespace dwell::test
