#include "content/crypto.hpp"

#include <memory>

#include <fmt/format.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>

namespace dwell::content {

namespace {

struct MacFree {
    void operator()(EVP_MAC* mac) const { EVP_MAC_free(mac); }
};
struct MacCtxFree {
    void operator()(EVP_MAC_CTX* ctx) const { EVP_MAC_CTX_free(ctx); }
};
struct MdCtxFree {
    void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};

}  // namespace

Error openssl_error(std::string_view what) {
    std::array<char, 256> text{};
    const unsigned long code = ERR_get_error();
    ERR_clear_error();
    if (code == 0) return Error{Errc::internal, fmt::format("OpenSSL failed to {}", what)};
    ERR_error_string_n(code, text.data(), text.size());
    return Error{Errc::internal, fmt::format("OpenSSL failed to {}: {}", what, text.data())};
}

Result<Sha256> hmac_sha256(std::string_view key, std::initializer_list<std::string_view> parts) {
    const std::unique_ptr<EVP_MAC, MacFree> mac{EVP_MAC_fetch(nullptr, OSSL_MAC_NAME_HMAC, nullptr)};
    if (!mac) return fail(openssl_error("load HMAC"));
    const std::unique_ptr<EVP_MAC_CTX, MacCtxFree> ctx{EVP_MAC_CTX_new(mac.get())};
    if (!ctx) return fail(openssl_error("create an HMAC context"));
    std::array<char, 7> digest_name{"SHA256"};
    const std::array<OSSL_PARAM, 2> params{
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name.data(), 0),
        OSSL_PARAM_construct_end(),
    };
    // OpenSSL refuses a null key pointer even for length 0; an empty key is still a valid HMAC key.
    static constexpr unsigned char no_key = 0;
    const auto* key_bytes = key.empty() ? &no_key : reinterpret_cast<const unsigned char*>(key.data());
    if (EVP_MAC_init(ctx.get(), key_bytes, key.size(), params.data()) != 1)
        return fail(openssl_error("key HMAC-SHA256"));
    for (const std::string_view part : parts) {
        if (part.empty()) continue;
        if (EVP_MAC_update(ctx.get(), reinterpret_cast<const unsigned char*>(part.data()), part.size()) != 1)
            return fail(openssl_error("run HMAC-SHA256"));
    }
    Sha256 out{};
    std::size_t length = 0;
    if (EVP_MAC_final(ctx.get(), out.data(), &length, out.size()) != 1 || length != out.size())
        return fail(openssl_error("finish HMAC-SHA256"));
    return out;
}

Result<Sha256> sha256(std::initializer_list<std::string_view> parts) {
    const std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx{EVP_MD_CTX_new()};
    if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1)
        return fail(openssl_error("start SHA-256"));
    for (const std::string_view part : parts) {
        if (EVP_DigestUpdate(ctx.get(), part.data(), part.size()) != 1)
            return fail(openssl_error("run SHA-256"));
    }
    Sha256 out{};
    unsigned length = 0;
    if (EVP_DigestFinal_ex(ctx.get(), out.data(), &length) != 1 || length != out.size())
        return fail(openssl_error("finish SHA-256"));
    return out;
}

std::string to_hex(std::span<const unsigned char> bytes) {
    static constexpr std::string_view digits = "0123456789abcdef";
    std::string hex;
    hex.reserve(bytes.size() * 2);
    for (const unsigned char byte : bytes) {
        hex.push_back(digits[byte >> 4U]);
        hex.push_back(digits[byte & 0x0FU]);
    }
    return hex;
}

}  // namespace dwell::content
