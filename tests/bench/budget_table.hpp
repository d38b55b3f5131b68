// The table a benchmark ends with: each figure, the budget of DESIGN §7 it answers to, its ratio
// to the peer measured in the same run, and whether the budget was met.
#pragma once

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "tests/support/process.hpp"

namespace dwell::bench {

enum class Verdict { info, pass, miss };

struct Row {
    std::string figure;
    std::string value;
    std::string budget;
    std::optional<double> ratio;
    Verdict verdict = Verdict::info;
};

inline Verdict within(bool ok) {
    return ok ? Verdict::pass : Verdict::miss;
}

// Prints the table; returns how many budgets were missed.
inline int print_table(const std::vector<Row>& rows) {
    std::printf("\n%-52s %12s  %-24s %8s  %s\n", "figure", "value", "budget", "ratio", "verdict");
    std::printf("%s\n", std::string(110, '-').c_str());
    int missed = 0;
    for (const Row& row : rows) {
        const std::string ratio = row.ratio ? fmt::format("{:.2f}", *row.ratio) : "";
        const char* verdict = row.verdict == Verdict::pass   ? "pass"
                              : row.verdict == Verdict::miss ? "MISS"
                                                             : "";
        if (row.verdict == Verdict::miss) ++missed;
        std::printf("%-52s %12s  %-24s %8s  %s\n", row.figure.c_str(), row.value.c_str(), row.budget.c_str(),
                    ratio.c_str(), verdict);
    }
    std::printf("\n%s\n",
                missed == 0 ? "every budget met" : fmt::format("{} budget(s) missed", missed).c_str());
    return missed;
}

// The 1, 5 and 15 minute load averages, to print beside figures measured on a shared machine.
inline std::string load_average() {
    std::string text = test::read_text("/proc/loadavg");
    return text.substr(0, text.find(' ', text.find(' ', text.find(' ') + 1) + 1));
}

}  // namespace dwell::bench
