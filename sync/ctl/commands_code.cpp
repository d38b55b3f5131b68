// code show|decode: join codes worked out offline, for support staff checking what a screen shows
// or which screen a code a person sent belongs to. The hub is not contacted.
#include <memory>

#include "config/units.hpp"
#include "content/join_code.hpp"
#include "content/rfc3339.hpp"
#include "sync/ctl/arguments.hpp"
#include "sync/ctl/commands.hpp"

namespace dwell::sync::ctl {
namespace {

struct CodeOptions {
    std::string secret;
    unsigned digits = 6;
    std::string period = "60s";
    std::string at;
    std::uint64_t slot = 0;
    std::vector<std::string> codes;
};

Outcome<content::JoinCodeSpace> code_space(const CodeOptions& options) {
    auto secret = content::parse_join_secret(options.secret);
    if (!secret)
        return usage_error(
            "--secret: {}; give the channel's join secret (dwellctl shows none; the hub's "
            "GET /v1/join-slots?channel=ID has it)",
            secret.error().message);
    auto period = config::parse_duration(options.period);
    if (!period) return usage_error("--period: {}", period.error().message);
    auto space = content::JoinCodeSpace::create(*secret, options.digits, *period);
    if (!space) return usage_error("{}; check --digits and --period", space.error().message);
    return std::move(*space);
}

config::WallTime time_of(const CodeOptions& options) {
    return options.at.empty() ? config::SystemClock{}.now() : *parse_time_argument(options.at);
}

Outcome<> show_code(const CodeOptions& options) {
    auto space = code_space(options);
    if (!space) return std::unexpected(std::move(space.error()));
    if (options.slot >= space->capacity())
        return usage_error("--slot {} is too large for {}-digit codes; slots go from 0 to {}", options.slot,
                           space->digits(), space->capacity() - 1);
    const config::WallTime at = time_of(options);
    auto code = space->code_for(options.slot, at);
    if (!code) return refused_error("{}", code.error().message);
    const std::uint64_t step = space->step_at(at);
    print(fmt::format("code      {}\n", *code));
    print(fmt::format("slot      {} ({} digits, period {})\n", options.slot, space->digits(),
                      config::format_duration(space->period())));
    print(fmt::format("at        {}\n", content::format_rfc3339(at)));
    print(fmt::format("shown     {} to {} (step {})\n", content::format_rfc3339(space->step_start(step)),
                      content::format_rfc3339(space->step_start(step + 1)), step));
    print(fmt::format("accepted  until {} (the hub also takes the previous step's code)\n",
                      content::format_rfc3339(space->step_start(step + 2))));
    return {};
}

Outcome<> decode_codes(const CodeOptions& options) {
    auto space = code_space(options);
    if (!space) return std::unexpected(std::move(space.error()));
    // What people type: spaces and dashes are ignored, as the hub ignores them.
    std::vector<std::string> codes;
    for (const auto& given : options.codes) {
        std::string code;
        for (const char c : given)
            if (c != ' ' && c != '-') code.push_back(c);
        if (!space->parse_code(code))
            return usage_error("\"{}\" is not a code; a code is exactly {} digits", given, space->digits());
        codes.push_back(std::move(code));
    }
    const config::WallTime at = time_of(options);
    print(fmt::format("at {} ({} digits, period {}); the hub accepts a code in either step\n",
                      content::format_rfc3339(at), space->digits(),
                      config::format_duration(space->period())));
    for (const auto& code : codes) {
        auto candidates = space->decode_at(code, at);
        if (!candidates) return refused_error("{}", candidates.error().message);
        print(fmt::format("{}\n", code));
        for (std::size_t i = 0; i < candidates->size(); ++i) {
            const content::JoinCandidate& candidate = (*candidates)[i];
            print(fmt::format(
                "  step {} ({}, {} to {}): slot {}\n", candidate.step, i == 0 ? "current" : "previous",
                content::format_rfc3339(space->step_start(candidate.step)),
                content::format_rfc3339(space->step_start(candidate.step + 1)), candidate.slot));
        }
    }
    return {};
}

void add_space_options(CLI::App& command, CodeOptions& options) {
    command.add_option("--secret", options.secret, "the channel's join secret, 64 hex digits")
        ->required()
        ->envname("DWELL_JOIN_SECRET");
    command.add_option("--digits", options.digits, "code digits (default 6)")
        ->transform(decimal())
        ->check(CLI::Range(4U, 12U));
    command.add_option("--period", options.period, "how long a code lasts (default 60s)")
        ->check(parsed_by(config::parse_positive_duration, "DURATION"));
    command.add_option("--at", options.at, "at TIME (RFC 3339 or @unix-seconds; default now)")
        ->check(parsed_by(parse_time_argument, "TIME"));
}

}  // namespace

void add_code_commands(const CommandSite& site) {
    auto* code =
        site.app.add_subcommand("code", "join codes worked out offline from a channel's join secret");
    code->require_subcommand(1);

    auto shown = std::make_shared<CodeOptions>();
    auto* show = code->add_subcommand("show", "the code a slot shows at a time, and how long it lasts");
    add_space_options(*show, *shown);
    show->add_option("--slot", shown->slot, "the screen's slot in the channel's join space")
        ->required()
        ->transform(decimal());
    show->callback([&site, shown] { site.chosen = [shown] { return show_code(*shown); }; });

    auto decoded = std::make_shared<CodeOptions>();
    auto* decode =
        code->add_subcommand("decode", "the slots codes stand for, in the two steps the hub accepts");
    decode->add_option("CODE", decoded->codes, "codes people sent")->required();
    add_space_options(*decode, *decoded);
    decode->callback([&site, decoded] { site.chosen = [decoded] { return decode_codes(*decoded); }; });
}

}  // namespace dwell::sync::ctl
