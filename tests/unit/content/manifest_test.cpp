#include "content/manifest.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <boost/json.hpp>

namespace dwell::content {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::Not;

const std::string video_sha = std::string(64, 'a');
const std::string image_sha = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
const std::string other_sha = std::string(64, 'c');

Instant instant(std::string_view text) {
    return parse_instant(text).value();
}

JoinSecret counting_secret(std::uint8_t first) {
    JoinSecret secret{};
    for (std::size_t i = 0; i < secret.size(); ++i) secret[i] = static_cast<std::uint8_t>(first + i);
    return secret;
}

Manifest valid_manifest() {
    Manifest manifest;
    manifest.screen = Screen{"s1-seoul-03",         "seoul",   "1", {"concourse"}, "Asia/Seoul", {1080, 1920},
                             Orientation::portrait, "portrait"};

    Campaign stickers;
    stickers.id = "sticker-fest";
    stickers.name = "마이피플 스티커 페스티벌";
    stickers.window = {instant("2026-12-01T06:00:00+09:00"), instant("2026-12-31T23:59:59+09:00")};
    stickers.dayparts = {Daypart{0b0111110, 7h, 10h}};
    stickers.targets.lines = {"1", "2"};
    stickers.share = 2;
    stickers.items = {Item{"spring.mp4", video_sha, MediaKind::video, std::nullopt},
                      Item{"poster.png", image_sha, MediaKind::image, 8s}};
    stickers.join = JoinOptions{
        {"line-main", "telegram-main"}, "{account}에 {code} 보내고 참여하세요", "참여 완료!", {6, 60s}, {}};

    Campaign winter;
    winter.id = "winter-sale";
    winter.name = "Winter sale";
    winter.window = {instant("2026-12-01T00:00:00Z"), instant("2027-01-01T00:00:00Z")};
    winter.targets.all = true;
    winter.items = {Item{"poster.png", image_sha, MediaKind::image, 10s}};

    manifest.campaigns = {stickers, winter};
    manifest.joins = {
        ManifestJoin{"sticker-fest", "line-main", "@dwell", "https://line.me/R/oaMessage/{account}/?{code}",
                     counting_secret(0), 42, 6, 60s},
        ManifestJoin{"sticker-fest", "telegram-main", "dwell_bot", "https://t.me/{account}?start=j{code}",
                     counting_secret(100), 999'999, 6, 90s},
    };
    manifest.assets = {ManifestAsset{video_sha, 12'345'678, MediaKind::video},
                       ManifestAsset{image_sha, 45'678, MediaKind::image}};
    manifest.server_time = config::WallTime{std::chrono::milliseconds{1'796'104'800'123}};
    return manifest;
}

json::object valid_json() {
    return manifest_to_json(valid_manifest()).as_object();
}

json::object& at(json::object& object, std::string_view list, std::size_t index) {
    return object.at(list).as_array().at(index).as_object();
}

// Expects decoding to fail with invalid_input and a message holding every one of `expected`.
std::string expect_rejected(const json::value& json, std::initializer_list<std::string_view> expected) {
    const auto result = manifest_from_json(json);
    EXPECT_FALSE(result) << "accepted: " << json::serialize(json);
    if (result) return {};
    EXPECT_EQ(result.error().code, Errc::invalid_input);
    for (const auto text : expected) EXPECT_THAT(result.error().message, HasSubstr(std::string{text}));
    return result.error().message;
}

TEST(ManifestTest, RoundTripsThroughJsonAndText) {
    const Manifest manifest = valid_manifest();
    const auto decoded = manifest_from_json(manifest_to_json(manifest));
    ASSERT_TRUE(decoded) << decoded.error().message;
    EXPECT_EQ(*decoded, manifest);

    const auto from_text = manifest_from_json_text(manifest_to_json_text(manifest));
    ASSERT_TRUE(from_text) << from_text.error().message;
    EXPECT_EQ(*from_text, manifest);
}

TEST(ManifestTest, EmptyListsRoundTrip) {
    Manifest manifest = valid_manifest();
    manifest.campaigns.clear();
    manifest.joins.clear();
    manifest.assets.clear();
    const auto decoded = manifest_from_json_text(manifest_to_json_text(manifest));
    ASSERT_TRUE(decoded) << decoded.error().message;
    EXPECT_EQ(*decoded, manifest);
}

TEST(ManifestTest, WritesTheWireForm) {
    json::object json = valid_json();
    EXPECT_EQ(json.at("server_time"), "2026-12-01T06:00:00.123Z");
    EXPECT_EQ(json.at("screen").at("timezone"), "Asia/Seoul");
    EXPECT_EQ(json.at("campaigns").as_array().size(), 2U);
    const json::object& join = at(json, "joins", 1);
    EXPECT_EQ(join.at("campaign"), "sticker-fest");
    EXPECT_EQ(join.at("channel"), "telegram-main");
    EXPECT_EQ(join.at("account"), "dwell_bot");
    EXPECT_EQ(join.at("deep_link"), "https://t.me/{account}?start=j{code}");
    EXPECT_EQ(join.at("secret"), "6465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f80818283");
    EXPECT_EQ(join.at("slot").to_number<std::uint64_t>(), 999'999U);
    EXPECT_EQ(join.at("digits").to_number<unsigned>(), 6U);
    EXPECT_EQ(join.at("period_s").to_number<std::int64_t>(), 90);
    const json::object& asset = at(json, "assets", 1);
    EXPECT_EQ(std::string_view{asset.at("sha256").as_string()}, image_sha);
    EXPECT_EQ(asset.at("size").to_number<std::uint64_t>(), 45'678U);
    EXPECT_EQ(asset.at("type"), "image");
}

TEST(ManifestTest, IgnoresUnknownFieldsAndReadsNullAsAbsent) {
    json::object json = valid_json();
    json["format"] = 2;
    at(json, "joins", 0)["label"] = "front";
    at(json, "assets", 0)["url"] = "https://cdn.example/a";
    const auto decoded = manifest_from_json(json);
    ASSERT_TRUE(decoded) << decoded.error().message;
    EXPECT_EQ(*decoded, valid_manifest());

    json::object bare = valid_json();
    bare["campaigns"] = nullptr;
    bare["joins"] = nullptr;
    bare.erase("assets");
    const auto empty = manifest_from_json(bare);
    ASSERT_TRUE(empty) << empty.error().message;
    EXPECT_TRUE(empty->campaigns.empty());
    EXPECT_TRUE(empty->joins.empty());
    EXPECT_TRUE(empty->assets.empty());

    json::object null_screen = valid_json();
    null_screen["screen"] = nullptr;
    expect_rejected(null_screen, {"screen: missing required field"});
}

TEST(ManifestTest, AcceptsWholeNumbersWrittenAsDoubles) {
    json::object json = valid_json();
    at(json, "joins", 0)["digits"] = 6.0;
    at(json, "joins", 0)["period_s"] = 60.0;
    at(json, "assets", 0)["size"] = 12'345'678.0;
    const auto decoded = manifest_from_json(json);
    ASSERT_TRUE(decoded) << decoded.error().message;
    EXPECT_EQ(*decoded, valid_manifest());
}

TEST(ManifestTest, FindsJoinsOfACampaignAndAssetsByHash) {
    const Manifest manifest = valid_manifest();
    const auto joins = manifest.joins_of("sticker-fest");
    ASSERT_EQ(joins.size(), 2U);
    EXPECT_EQ(joins[0], &manifest.joins[0]);
    EXPECT_EQ(joins[1], &manifest.joins[1]);
    EXPECT_TRUE(manifest.joins_of("winter-sale").empty());
    EXPECT_TRUE(manifest.joins_of("nope").empty());

    ASSERT_NE(manifest.asset(image_sha), nullptr);
    EXPECT_EQ(manifest.asset(image_sha)->kind, MediaKind::image);
    EXPECT_EQ(manifest.asset(other_sha), nullptr);
}

TEST(ManifestTest, RejectsDocumentsThatAreNotManifests) {
    expect_rejected(json::value(json::array{}), {"expected a JSON object, got an array"});
    expect_rejected(json::value("manifest"), {"expected a JSON object"});
    expect_rejected(json::object{},
                    {"screen: missing required field", "server_time: missing required field"});

    const auto text = manifest_from_json_text(R"({"screen": )");
    ASSERT_FALSE(text);
    EXPECT_EQ(text.error().code, Errc::invalid_input);
    EXPECT_THAT(text.error().message, HasSubstr("manifest:1:"));
    EXPECT_THAT(text.error().message, HasSubstr("not valid JSON"));
}

TEST(ManifestTest, RejectsABadScreenWithItsPath) {
    json::object json = valid_json();
    json["screen"].as_object()["timezone"] = "Mars/Olympus";
    json["screen"].as_object()["layout"] = "spiral";
    expect_rejected(json,
                    {"manifest: screen.timezone: ", "Mars/Olympus", "manifest: screen.layout: ", "spiral"});

    json::object missing = valid_json();
    missing["screen"].as_object().erase("station");
    expect_rejected(missing, {"screen.station: "});

    json::object not_object = valid_json();
    not_object["screen"] = 3;
    expect_rejected(not_object, {"screen"});
}

TEST(ManifestTest, RejectsABadCampaignWithItsPath) {
    json::object json = valid_json();
    at(json, "campaigns", 1)["share"] = 0;
    at(json, "campaigns", 1)["id"] = "Winter Sale";
    const std::string message =
        expect_rejected(json, {"manifest: campaigns[1].share: ", "manifest: campaigns[1].id: "});
    // The join refers to campaigns[0], which decoded; no second, misleading problem about it.
    EXPECT_THAT(message, Not(HasSubstr("joins[")));

    json::object item = valid_json();
    at(item, "campaigns", 0)["items"].as_array().at(1).as_object().erase("duration");
    expect_rejected(item, {"campaigns[0].items[1]"});

    json::object list = valid_json();
    list["campaigns"] = "sticker-fest";
    expect_rejected(list, {"manifest: campaigns: expected a list, got the string \"sticker-fest\""});
}

TEST(ManifestTest, RejectsDuplicateCampaignIds) {
    json::object json = valid_json();
    json["campaigns"].as_array().push_back(json["campaigns"].as_array().at(1));
    expect_rejected(json,
                    {"campaigns[2].id: campaign \"winter-sale\" appears more than once (also campaigns[1])"});
}

TEST(ManifestTest, RejectsItemsWhoseAssetIsNotListedOrOfAnotherKind) {
    json::object unlisted = valid_json();
    json::array& assets = unlisted["assets"].as_array();
    assets.erase(assets.begin() + 1);
    expect_rejected(unlisted,
                    {"campaigns[0].items[1].sha256: asset " + image_sha + " is not listed in assets",
                     "campaigns[1].items[0].sha256: asset " + image_sha + " is not listed in assets"});

    json::object kind = valid_json();
    at(kind, "assets", 0)["type"] = "image";
    expect_rejected(kind, {"campaigns[0].items[0].sha256: the item is a video but assets[0] lists an image"});

    json::object missing = valid_json();
    at(missing, "campaigns", 1)["items"].as_array().at(0).as_object().erase("sha256");
    expect_rejected(missing,
                    {"campaigns[1].items[0].sha256: missing; every item of a manifest names its asset's "
                     "SHA-256 (item \"poster.png\")"});
}

TEST(ManifestTest, RejectsBadAssets) {
    json::object duplicate = valid_json();
    duplicate["assets"].as_array().push_back(
        json::object{{"sha256", video_sha}, {"size", 1}, {"type", "video"}});
    expect_rejected(duplicate,
                    {"assets[2].sha256: asset " + video_sha + " is listed more than once (also assets[0])"});

    json::object bad = valid_json();
    at(bad, "assets", 0)["sha256"] = "ABC";
    at(bad, "assets", 1)["type"] = "audio";
    bad["assets"].as_array().push_back(json::object{{"sha256", other_sha}, {"size", -5}, {"type", "video"}});
    bad["assets"].as_array().push_back(json::object{{"size", 5}});
    bad["assets"].as_array().push_back(7);
    const std::string message = expect_rejected(
        bad, {"assets[0].sha256: expected a SHA-256 as 64 lowercase hex digits, got \"ABC\"",
              "assets[1].type: expected \"video\" or \"image\", got \"audio\"",
              "assets[2].size: must not be negative, got -5", "assets[3].sha256: missing required field",
              "assets[3].type: missing required field", "assets[4]: expected a JSON object, got 7"});
    // Items are not checked against a list that could not be read: that would only repeat the problem.
    EXPECT_THAT(message, Not(HasSubstr("is not listed")));

    json::object fraction = valid_json();
    at(fraction, "assets", 0)["size"] = 1.5;
    expect_rejected(fraction, {"assets[0].size: expected a whole number from 0 to 2^53, got 1.5"});
}

TEST(ManifestTest, RejectsJoinsThatDoNotMatchACampaign) {
    json::object unknown = valid_json();
    at(unknown, "joins", 0)["campaign"] = "summer";
    expect_rejected(unknown, {"joins[0].campaign: no campaign \"summer\" in this manifest"});

    json::object passive = valid_json();
    at(passive, "joins", 1)["campaign"] = "winter-sale";
    expect_rejected(
        passive, {"joins[1].campaign: campaign \"winter-sale\" is not interactive (it has no join block)"});

    json::object channel = valid_json();
    at(channel, "joins", 1)["channel"] = "kakao-main";
    expect_rejected(channel,
                    {"joins[1].channel: campaign \"sticker-fest\" does not offer channel \"kakao-main\"; it "
                     "offers: line-main, telegram-main"});

    json::object twice = valid_json();
    twice["joins"].as_array().push_back(twice["joins"].as_array().at(0));
    expect_rejected(twice,
                    {"joins[2]: campaign \"sticker-fest\" offers channel \"line-main\" more than once (also "
                     "joins[0])"});
}

TEST(ManifestTest, RejectsSlotsOutsideTheCodeSpace) {
    json::object json = valid_json();
    at(json, "joins", 0)["slot"] = 1'000'000;
    expect_rejected(json, {"manifest: joins[0].slot: expected a number below 10^6, got 1000000"});

    json::object eight = valid_json();
    at(eight, "joins", 0)["slot"] = 1'000'000;
    at(eight, "joins", 0)["digits"] = 8;
    EXPECT_TRUE(manifest_from_json(eight)) << "10^6 is a valid slot with 8 digits";

    json::object negative = valid_json();
    at(negative, "joins", 1)["slot"] = -1;
    expect_rejected(negative, {"joins[1].slot: must not be negative, got -1"});
}

TEST(ManifestTest, RejectsDigitsAndPeriodsOutOfRange) {
    for (const int digits : {0, 3, 13}) {
        json::object json = valid_json();
        at(json, "joins", 0)["digits"] = digits;
        expect_rejected(json, {fmt::format("joins[0].digits: expected 4 to 12 digits, got {}", digits)});
    }
    for (const int digits : {4, 12}) {
        json::object json = valid_json();
        at(json, "joins", 0)["digits"] = digits;
        at(json, "joins", 0)["slot"] = 9;
        EXPECT_TRUE(manifest_from_json(json)) << digits << " digits";
    }

    json::object zero = valid_json();
    at(zero, "joins", 0)["period_s"] = 0;
    expect_rejected(zero, {"joins[0].period_s: expected a whole number of seconds, at least 1, got 0"});

    json::object huge = valid_json();
    at(huge, "joins", 0)["period_s"] = std::numeric_limits<std::uint64_t>::max();
    expect_rejected(huge, {"joins[0].period_s: is too large (at most 9223372036854775 seconds), got "
                           "18446744073709551615"});

    json::object fraction = valid_json();
    at(fraction, "joins", 0)["period_s"] = 0.5;
    expect_rejected(fraction, {"joins[0].period_s: expected a whole number"});

    json::object text = valid_json();
    at(text, "joins", 0)["period_s"] = "60s";
    expect_rejected(text, {"joins[0].period_s: expected a whole number, got the string \"60s\""});
}

TEST(ManifestTest, RejectsMissingJoinFields) {
    json::object json = valid_json();
    json::object& join = at(json, "joins", 0);
    for (const auto* key :
         {"campaign", "channel", "account", "deep_link", "secret", "slot", "digits", "period_s"})
        join.erase(key);
    expect_rejected(json,
                    {"joins[0].campaign: missing required field", "joins[0].channel: missing required field",
                     "joins[0].account: missing required field", "joins[0].deep_link: missing required field",
                     "joins[0].secret: missing required field", "joins[0].slot: missing required field",
                     "joins[0].digits: missing required field", "joins[0].period_s: missing required field"});

    json::object empty = valid_json();
    at(empty, "joins", 1)["account"] = "";
    expect_rejected(empty, {"joins[1].account: must not be empty"});
}

TEST(ManifestTest, RejectsBadSecretsWithoutRepeatingThem) {
    const std::string leaked = "feedfacecafebeef";
    json::object wrong_length = valid_json();
    at(wrong_length, "joins", 0)["secret"] = leaked + "0123";
    std::string message = expect_rejected(wrong_length, {"joins[0].secret: ", "64 hex digits"});
    EXPECT_THAT(message, Not(HasSubstr(leaked)));

    json::object not_hex = valid_json();
    at(not_hex, "joins", 1)["secret"] = leaked + std::string(47, '0') + "x";
    message = expect_rejected(not_hex, {"joins[1].secret: ", "character 64 is not 0-9 or a-f"});
    EXPECT_THAT(message, Not(HasSubstr(leaked)));

    json::object number = valid_json();
    at(number, "joins", 0)["secret"] = 1234567890123;
    message = expect_rejected(number, {"joins[0].secret: expected 64 hex digits as a string, got a number"});
    EXPECT_THAT(message, Not(HasSubstr("1234567890123")));

    // Upper-case hex is read and written back in lower case.
    json::object upper = valid_json();
    std::string hex{at(upper, "joins", 0)["secret"].as_string()};
    for (char& c : hex) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    at(upper, "joins", 0)["secret"] = hex;
    const auto decoded = manifest_from_json(upper);
    ASSERT_TRUE(decoded) << decoded.error().message;
    EXPECT_EQ(decoded->joins[0].secret, counting_secret(0));
}

TEST(ManifestTest, RejectsABadServerTime) {
    json::object json = valid_json();
    json["server_time"] = "yesterday";
    expect_rejected(json, {"manifest: server_time: "});

    json::object number = valid_json();
    number["server_time"] = 1'796'104'800'123;
    expect_rejected(
        number, {"server_time: expected an RFC 3339 time like 2026-12-01T06:00:00.000Z, got 1796104800123"});
}

TEST(ManifestTest, ListsEveryProblemAtOnce) {
    json::object json = valid_json();
    json["screen"].as_object()["timezone"] = "Nowhere/Else";
    at(json, "campaigns", 0)["priority"] = "urgent";
    at(json, "assets", 1)["size"] = "big";
    at(json, "joins", 0)["slot"] = 1'000'000;
    at(json, "joins", 1)["digits"] = 2;
    json["server_time"] = false;
    const std::string message =
        expect_rejected(json, {"6 problems in manifest", "screen.timezone", "campaigns[0].priority",
                               "assets[1].size", "joins[0].slot", "joins[1].digits", "server_time"});
}

}  // namespace
}  // namespace dwell::content
