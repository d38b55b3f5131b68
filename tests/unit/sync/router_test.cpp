#include "sync/net/router.hpp"

#include <gtest/gtest.h>

#include "sync/net/range.hpp"

namespace dwell::sync::net {
namespace {

Route named(std::string name) {
    return Route{std::move(name),
                 BufferedHandler{[](Exchange&) { return ready(text_reply(http::status::ok, "")); }},
                 {}};
}

std::vector<std::string> segments(std::string_view path) {
    return parse_target(path).value().segments;
}

TEST(RouterTest, MatchesLiteralsAndParamsAndPrefersLiterals) {
    Router router;
    router.add(http::verb::get, "/v1/campaigns/{id}", named("one"));
    router.add(http::verb::get, "/v1/campaigns/new", named("new"));
    router.add(http::verb::get, "/v1/campaigns", named("list"));
    router.add(http::verb::put, "/v1/campaigns/{id}", named("put"));

    auto match = router.find(http::verb::get, segments("/v1/campaigns/spring"));
    ASSERT_NE(match.route, nullptr);
    EXPECT_EQ(match.route->name, "one");
    EXPECT_EQ(match.params, std::vector<std::string>{"spring"});

    match = router.find(http::verb::get, segments("/v1/campaigns/new"));
    ASSERT_NE(match.route, nullptr);
    EXPECT_EQ(match.route->name, "new") << "a literal segment beats a parameter";

    match = router.find(http::verb::get, segments("/v1/campaigns/"));
    ASSERT_NE(match.route, nullptr);
    EXPECT_EQ(match.route->name, "list") << "a trailing slash names the same route";
}

TEST(RouterTest, TellsAWrongMethodFromAMissingPath) {
    Router router;
    router.add(http::verb::get, "/v1/campaigns/{id}", named("one"));
    router.add(http::verb::delete_, "/v1/campaigns/{id}", named("delete"));

    auto match = router.find(http::verb::post, segments("/v1/campaigns/x"));
    EXPECT_EQ(match.route, nullptr);
    EXPECT_EQ(match.allowed.size(), 2U) << "the path exists with GET and DELETE: a 405, not a 404";

    match = router.find(http::verb::get, segments("/v1/campaign/x"));
    EXPECT_EQ(match.route, nullptr);
    EXPECT_TRUE(match.allowed.empty());
    match = router.find(http::verb::get, segments("/v1/campaigns/x/y"));
    EXPECT_EQ(match.route, nullptr) << "extra segments do not match";
    EXPECT_TRUE(match.allowed.empty());
}

TEST(RouterTest, HeadIsAnsweredByTheGetRoute) {
    Router router;
    router.add(http::verb::get, "/v1/assets/{sha}", named("asset"));
    const auto match = router.find(http::verb::head, segments("/v1/assets/abc"));
    ASSERT_NE(match.route, nullptr);
    EXPECT_EQ(match.route->name, "asset");
}

TEST(RouterTest, TargetsAreDecodedAndOddOnesRefused) {
    const auto target = parse_target("/v1/screens/s%201/x?after=5&name=a%2Fb&flag&after=6");
    ASSERT_TRUE(target);
    EXPECT_EQ(target->segments, (std::vector<std::string>{"v1", "screens", "s 1", "x"}));
    ASSERT_EQ(target->query.size(), 4U);
    EXPECT_EQ(target->query[1], (std::pair<std::string, std::string>{"name", "a/b"}));
    EXPECT_EQ(target->query[2].first, "flag");

    std::vector<std::string> traversal = segments("/v1/assets/..%2F..%2Fetc%2Fpasswd");
    ASSERT_EQ(traversal.size(), 3U) << "an encoded slash stays inside its segment";
    EXPECT_EQ(traversal[2], "../../etc/passwd");

    EXPECT_FALSE(parse_target("http://example.com/x")) << "only origin-form targets";
    EXPECT_FALSE(parse_target("v1/x"));
    EXPECT_FALSE(parse_target("/v1/%zz"));

    Request request;
    Exchange exchange{request, {}, target->query, {}};
    bool repeated = false;
    EXPECT_EQ(exchange.query_value("after", &repeated), std::optional<std::string_view>{"5"});
    EXPECT_TRUE(repeated) << "a parameter given twice is reported, not silently taken";
    EXPECT_EQ(exchange.query_value("missing"), std::nullopt);
}

TEST(RangeTest, ReadsTheThreeFormsOfOneRange) {
    EXPECT_EQ(parse_range("bytes=0-99", 1000).range, (ByteRange{0, 100}));
    EXPECT_EQ(parse_range("bytes=100-", 1000).range, (ByteRange{100, 900}));
    EXPECT_EQ(parse_range("bytes=-10", 1000).range, (ByteRange{990, 10}));
    EXPECT_EQ(parse_range("bytes=990-5000", 1000).range, (ByteRange{990, 10})) << "LAST past the end is cut";
    EXPECT_EQ(parse_range("BYTES=5-5", 1000).range, (ByteRange{5, 1})) << "the unit in any case";
    EXPECT_EQ(parse_range("bytes=-5000", 1000).range, (ByteRange{0, 1000}));
    EXPECT_EQ(parse_range("bytes=0-99", 1000).kind, RangeKind::partial);
}

TEST(RangeTest, RefusesRangesPastTheEndAndIgnoresWhatItCannotServe) {
    EXPECT_EQ(parse_range("bytes=1000-", 1000).kind, RangeKind::unsatisfiable);
    EXPECT_EQ(parse_range("bytes=5000-6000", 1000).kind, RangeKind::unsatisfiable);
    EXPECT_EQ(parse_range("bytes=-0", 1000).kind, RangeKind::unsatisfiable);
    EXPECT_EQ(parse_range("bytes=0-", 0).kind, RangeKind::unsatisfiable)
        << "an empty file has no bytes to send";
    for (const char* ignored : {"", "items=0-5", "bytes=0-5,10-20", "bytes=9-5", "bytes=a-b", "bytes=5",
                                "bytes=-", "bytes=18446744073709551616-"})
        EXPECT_EQ(parse_range(ignored, 1000).kind, RangeKind::whole) << ignored;
}

}  // namespace
}  // namespace dwell::sync::net
