// Join code throughput for 6-digit codes: what a screen pays per rotation and the hub per join.
#include <benchmark/benchmark.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <cstdlib>

#include "content/join_code.hpp"
#include "tests/bench/peer_ratio.hpp"

namespace dwell::content {
namespace {

using namespace std::chrono_literals;

JoinCodeSpace make_space() {
    JoinSecret secret{};
    for (std::size_t i = 0; i < secret.size(); ++i) secret[i] = static_cast<std::uint8_t>(i);
    auto space = JoinCodeSpace::create(secret, 6, 60s);
    if (!space) std::abort();
    return *space;
}

const config::WallTime bench_time{std::chrono::seconds{1'700'000'000}};

// Spreads successive iterations over the slot range (7919 is coprime to 10^6).
std::uint64_t nth_value(std::uint64_t i) {
    return (i * 7919) % 1'000'000;
}

JoinStep prepared_step(const JoinCodeSpace& space) {
    auto step = space.step(space.step_at(bench_time));
    if (!step) std::abort();
    return *step;
}

void BM_EncodePreparedStep(benchmark::State& state) {
    const JoinCodeSpace space = make_space();
    const JoinStep step = prepared_step(space);
    std::uint64_t i = 0;
    for (auto _ : state) benchmark::DoNotOptimize(step.encode(nth_value(i++)));
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EncodePreparedStep)->Threads(1)->Threads(2);

void BM_DecodePreparedStep(benchmark::State& state) {
    const JoinCodeSpace space = make_space();
    const JoinStep step = prepared_step(space);
    std::uint64_t i = 0;
    for (auto _ : state) benchmark::DoNotOptimize(step.decode(nth_value(i++)));
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DecodePreparedStep)->Threads(1)->Threads(2);

void BM_DeriveStep(benchmark::State& state) {
    const JoinCodeSpace space = make_space();
    std::uint64_t n = space.step_at(bench_time);
    for (auto _ : state) benchmark::DoNotOptimize(space.step(n++));
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DeriveStep);

// A screen computing its code from scratch: step key, encode, zero-padded text.
void BM_CodeForWithStepDerivation(benchmark::State& state) {
    const JoinCodeSpace space = make_space();
    std::uint64_t i = 0;
    for (auto _ : state) benchmark::DoNotOptimize(space.code_for(nth_value(i++), bench_time));
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CodeForWithStepDerivation);

// The hub verifying one join with nothing cached: parse, derive steps n and n-1, decode under both.
void BM_DecodeAtWithStepDerivation(benchmark::State& state) {
    const JoinCodeSpace space = make_space();
    std::uint64_t i = 0;
    for (auto _ : state)
        benchmark::DoNotOptimize(space.decode_at(space.format_code(nth_value(i++)), bench_time));
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DecodeAtWithStepDerivation)->Threads(1)->Threads(2);

// The peer: one HMAC-SHA256 over a round's 5 input bytes with OpenSSL's one-shot call. A code
// needs 8 of them (one per Feistel round), so encode / (8 x this) is the overhead of the scheme
// beyond its unavoidable hashing.
void BM_RawHmacSha256(benchmark::State& state) {
    std::array<unsigned char, 32> key{};
    std::array<unsigned char, 5> input{};
    std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
    unsigned out_size = 0;
    std::uint32_t i = 0;
    for (auto _ : state) {
        input[4] = static_cast<unsigned char>(i++);
        benchmark::DoNotOptimize(
            HMAC(EVP_sha256(), key.data(), key.size(), input.data(), input.size(), out.data(), &out_size));
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RawHmacSha256);

}  // namespace
}  // namespace dwell::content

int main(int argc, char** argv) {
    return dwell::bench::run_with_ratios(
        argc, argv,
        {
            {"BM_EncodePreparedStep/threads:1", "BM_RawHmacSha256", 8, "encode vs its 8 round HMACs"},
            {"BM_DecodePreparedStep/threads:1", "BM_RawHmacSha256", 8, "decode vs its 8 round HMACs"},
            {"BM_DecodeAtWithStepDerivation/threads:1", "BM_RawHmacSha256", 20,
             "hub check (2 step keys + 2 decodes) vs its 20 HMACs"},
        });
}
