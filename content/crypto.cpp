#include "content/crypto.hpp"

#include <memory>

#include <fmt/format.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

namespace dwell::content {

namespace {

struct MacFree {
    void operator()(EVP_MAC* mac) const { EVP_MAC_free(mac); }
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

void MacContextFree::operator()(evp_mac_ctx_st* context) const {
    EVP_MAC_CTX_free(context);
}

Result<HmacKey> HmacKey::create(std::span<const std::uint8_t> key) {
    const std::unique_ptr<EVP_MAC, MacFree> mac{EVP_MAC_fetch(nullptr, OSSL_MAC_NAME_HMAC, nullptr)};
    if (!mac) return fail(openssl_error("load HMAC"));
    MacContext ctx{EVP_MAC_CTX_new(mac.get())};
    if (!ctx) return fail(openssl_error("create an HMAC context"));
    std::array<char, 7> digest_name{"SHA256"};
    const std::array<OSSL_PARAM, 2> params{
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name.data(), 0),
        OSSL_PARAM_construct_end(),
    };
    // OpenSSL refuses a null key pointer even for length 0; an empty key is still a valid HMAC key.
    static constexpr std::uint8_t no_key = 0;
    if (EVP_MAC_init(ctx.get(), key.empty() ? &no_key : key.data(), key.size(), params.data()) != 1)
        return fail(openssl_error("key HMAC-SHA256"));
    return HmacKey{std::shared_ptr<const evp_mac_ctx_st>{ctx.release(), MacContextFree{}}};
}

Result<HmacKey> HmacKey::create(std::string_view key) {
    return create(std::span{reinterpret_cast<const std::uint8_t*>(key.data()), key.size()});
}

Result<MacContext> HmacKey::context() const {
    // EVP_MAC_CTX_dup takes a const context: duplicating never changes the original.
    MacContext copy{EVP_MAC_CTX_dup(m_keyed.get())};
    if (!copy) return fail(openssl_error("duplicate an HMAC context"));
    return copy;
}

Result<HmacKey> HmacKey::rekeyed(std::span<const std::uint8_t> key) const {
    auto ctx = context();
    if (!ctx) return fail(std::move(ctx.error()));
    static constexpr std::uint8_t no_key = 0;
    if (EVP_MAC_init(ctx->get(), key.empty() ? &no_key : key.data(), key.size(), nullptr) != 1)
        return fail(openssl_error("key HMAC-SHA256"));
    return HmacKey{std::shared_ptr<const evp_mac_ctx_st>{ctx->release(), MacContextFree{}}};
}

Result<Sha256> HmacKey::sign(std::initializer_list<std::string_view> parts) const {
    auto ctx = context();
    if (!ctx) return fail(std::move(ctx.error()));
    for (const std::string_view part : parts) {
        if (part.empty()) continue;
        if (EVP_MAC_update(ctx->get(), reinterpret_cast<const unsigned char*>(part.data()), part.size()) != 1)
            return fail(openssl_error("run HMAC-SHA256"));
    }
    Sha256 out{};
    std::size_t length = 0;
    if (EVP_MAC_final(ctx->get(), out.data(), &length, out.size()) != 1 || length != out.size())
        return fail(openssl_error("finish HMAC-SHA256"));
    return out;
}

Result<Sha256> HmacKey::sign(std::span<const std::uint8_t> message) const {
    return sign({std::string_view{reinterpret_cast<const char*>(message.data()), message.size()}});
}

Result<Sha256> hmac_sha256(std::string_view key, std::initializer_list<std::string_view> parts) {
    auto prepared = HmacKey::create(key);
    if (!prepared) return fail(std::move(prepared.error()));
    return prepared->sign(parts);
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

void Sha256Hasher::Free::operator()(evp_md_ctx_st* context) const {
    EVP_MD_CTX_free(context);
}

Result<Sha256Hasher> Sha256Hasher::create() {
    std::unique_ptr<evp_md_ctx_st, Free> context{EVP_MD_CTX_new()};
    if (!context || EVP_DigestInit_ex(context.get(), EVP_sha256(), nullptr) != 1)
        return fail(openssl_error("start SHA-256"));
    return Sha256Hasher{std::move(context)};
}

Result<void> Sha256Hasher::update(std::span<const std::byte> bytes) {
    if (EVP_DigestUpdate(m_context.get(), bytes.data(), bytes.size()) != 1)
        return fail(openssl_error("run SHA-256"));
    return {};
}

Result<void> Sha256Hasher::update(std::string_view bytes) {
    return update(std::as_bytes(std::span{bytes.data(), bytes.size()}));
}

Result<Sha256> Sha256Hasher::finish() {
    Sha256 out{};
    unsigned length = 0;
    if (EVP_DigestFinal_ex(m_context.get(), out.data(), &length) != 1 || length != out.size())
        return fail(openssl_error("finish SHA-256"));
    if (auto restarted = reset(); !restarted) return fail(std::move(restarted.error()));
    return out;
}

Result<void> Sha256Hasher::reset() {
    if (EVP_DigestInit_ex(m_context.get(), EVP_sha256(), nullptr) != 1)
        return fail(openssl_error("restart SHA-256"));
    return {};
}

Result<void> random_bytes(std::span<std::uint8_t> out) {
    if (out.empty()) return {};
    if (RAND_bytes(out.data(), static_cast<int>(out.size())) != 1)
        return fail(openssl_error("make random bytes"));
    return {};
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
