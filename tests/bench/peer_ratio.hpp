// Benchmarks report against a peer measured in the same run: after Google Benchmark's table, one
// line per pair gives figure ÷ peer, a number that a slower or busier machine moves far less than
// the absolute times.
#pragma once

#include <benchmark/benchmark.h>

#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include <unistd.h>

namespace dwell::bench {

struct PeerRatio {
    std::string figure;  // benchmark name, e.g. "BM_Encode"
    std::string peer;    // benchmark name of the peer
    double peer_count;   // how many peer operations one figure operation needs at the least
    std::string what;    // printed with the ratio
};

class RecordingReporter final : public benchmark::ConsoleReporter {
  public:
    RecordingReporter() : ConsoleReporter(::isatty(::fileno(stdout)) ? OO_Defaults : OO_Tabular) {}

    void ReportRuns(const std::vector<Run>& runs) override {
        for (const Run& run : runs)
            if (run.run_type == Run::RT_Iteration && run.iterations > 0)
                m_cpu_per_op[run.benchmark_name()] = run.GetAdjustedCPUTime();
        ConsoleReporter::ReportRuns(runs);
    }
    const std::map<std::string, double>& cpu_per_op() const { return m_cpu_per_op; }

  private:
    std::map<std::string, double> m_cpu_per_op;
};

inline int run_with_ratios(int argc, char** argv, const std::vector<PeerRatio>& ratios) {
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    RecordingReporter reporter;
    benchmark::RunSpecifiedBenchmarks(&reporter);
    benchmark::Shutdown();
    std::printf("\n%-70s %10s\n", "figure / peer", "ratio");
    for (const PeerRatio& ratio : ratios) {
        const auto figure = reporter.cpu_per_op().find(ratio.figure);
        const auto peer = reporter.cpu_per_op().find(ratio.peer);
        if (figure == reporter.cpu_per_op().end() || peer == reporter.cpu_per_op().end()) continue;
        std::printf("%-70s %10.2f  (%s)\n", (ratio.figure + " / " + ratio.peer).c_str(),
                    figure->second / (peer->second * ratio.peer_count), ratio.what.c_str());
    }
    return 0;
}

}  // namespace dwell::bench
