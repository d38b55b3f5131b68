#include "content/crypto.hpp"

#include <array>
#include <span>

#include <gtest/gtest.h>

namespace dwell::content {
namespace {

TEST(Crypto, Sha256MatchesTheStandardVectors) {
    auto empty = sha256({});
    ASSERT_TRUE(empty);
    EXPECT_EQ(to_hex(*empty), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    auto abc = sha256({"abc"});
    ASSERT_TRUE(abc);
    EXPECT_EQ(to_hex(*abc), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    // Parts are one message: how it is split does not matter, what it holds does.
    EXPECT_EQ(sha256({"a", "", "bc"}).value(), *abc);
    EXPECT_NE(sha256({"abd"}).value(), *abc);
}

TEST(Crypto, HmacSha256MatchesRfc4231) {
    // RFC 4231, test case 2.
    auto mac = hmac_sha256("Jefe", {"what do ya want ", "for nothing?"});
    ASSERT_TRUE(mac);
    EXPECT_EQ(to_hex(*mac), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    EXPECT_NE(hmac_sha256("jefe", {"what do ya want for nothing?"}).value(), *mac) << "the key counts";
    // An empty key is a valid HMAC key (RFC 2104), not an error.
    EXPECT_TRUE(hmac_sha256("", {"x"}));
}

TEST(Crypto, APreparedKeySignsEveryMessageAsAFreshKeyWould) {
    auto key = HmacKey::create("Jefe");
    ASSERT_TRUE(key);
    const auto first = key->sign({"what do ya want ", "for nothing?"});
    ASSERT_TRUE(first);
    EXPECT_EQ(to_hex(*first), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    // Signing leaves the key as it was: a second message is not chained onto the first.
    EXPECT_EQ(key->sign({"x"}).value(), hmac_sha256("Jefe", {"x"}).value());
    EXPECT_EQ(key->sign({"what do ya want for nothing?"}).value(), *first);

    const HmacKey copy = *key;  // copies share the prepared state and agree
    EXPECT_EQ(copy.sign({"y"}).value(), hmac_sha256("Jefe", {"y"}).value());

    const std::string other = "another key";
    auto rekeyed = key->rekeyed(std::span{reinterpret_cast<const std::uint8_t*>(other.data()), other.size()});
    ASSERT_TRUE(rekeyed);
    EXPECT_EQ(rekeyed->sign({"y"}).value(), hmac_sha256(other, {"y"}).value());
    EXPECT_EQ(key->sign({"y"}).value(), hmac_sha256("Jefe", {"y"}).value()) << "rekeying made a new key";
}

TEST(Crypto, HexIsLowerCaseTwoDigitsPerByte) {
    const std::array<unsigned char, 4> bytes{0x00, 0x0f, 0xa0, 0xff};
    EXPECT_EQ(to_hex(bytes), "000fa0ff");
    EXPECT_EQ(to_hex(std::span<const unsigned char>{}), "");
}

}  // namespace
}  // namespace dwell::content
