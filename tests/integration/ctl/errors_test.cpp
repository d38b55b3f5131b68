// What dwellctl says and exits with when the command line, the token or the hub is wrong.
#include "tests/integration/ctl/ctl_fixture.hpp"

namespace dwell::test {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

using ErrorsTest = CtlTest;

TEST_F(ErrorsTest, AnUnknownCommandOrFlagIsExitTwo) {
    const CtlRun command = ctl({"campain", "list"});
    EXPECT_EQ(command.exit_code, 2) << command;
    EXPECT_THAT(command.err, StartsWith("dwellctl: "));
    EXPECT_THAT(command.err,
                HasSubstr("unknown command \"campain\"; dwellctl's commands are campaign, screen"));

    const CtlRun sub = ctl({"campaign", "frobnicate"});
    EXPECT_EQ(sub.exit_code, 2) << sub;
    EXPECT_THAT(
        sub.err,
        HasSubstr("unknown command \"frobnicate\"; the campaign commands are apply, list, show, delete"));

    const CtlRun flag = ctl({"campaign", "list", "--colour"});
    EXPECT_EQ(flag.exit_code, 2) << flag;
    EXPECT_THAT(flag.err, HasSubstr("--colour"));

    const CtlRun value = ctl({"simulate", "--channel", "line-test", "--people", "many"}, Role::operator_);
    EXPECT_EQ(value.exit_code, 2) << value;

    const CtlRun nothing = run_ctl({});
    EXPECT_EQ(nothing.exit_code, 2) << nothing;

    const CtlRun half = ctl({"campaign"});
    EXPECT_EQ(half.exit_code, 2) << half;

    const CtlRun missing = ctl({"campaign", "show"});
    EXPECT_EQ(missing.exit_code, 2) << missing;
    EXPECT_THAT(missing.err, HasSubstr("ID"));
}

TEST_F(ErrorsTest, HelpIsExitZero) {
    const CtlRun help = run_ctl({"--help"});
    EXPECT_EQ(help.exit_code, 0) << help;
    for (const char* command : {"campaign", "screen", "asset", "report", "takeover", "code", "simulate"})
        EXPECT_THAT(help.out, HasSubstr(command));
    const CtlRun sub = run_ctl({"code", "decode", "--help"});
    EXPECT_EQ(sub.exit_code, 0) << sub;
    EXPECT_THAT(sub.out, HasSubstr("--secret"));
}

TEST_F(ErrorsTest, AWrongTokenIsExitOneWithTheHubsMessage) {
    const CtlRun run = run_ctl({"--hub", m_hub.url(), "--token", std::string(64, 'a'), "campaign", "list"});
    EXPECT_EQ(run.exit_code, 1) << run;
    EXPECT_THAT(run.err, StartsWith("dwellctl: listing campaigns: the hub answered 401 Unauthorized: "));
    EXPECT_THAT(run.err, HasSubstr("the token is not known to this hub"));
    EXPECT_THAT(run.err, HasSubstr("; check --token or DWELL_TOKEN"));
    EXPECT_TRUE(run.out.empty()) << run;
}

TEST_F(ErrorsTest, NoTokenIsALocalErrorAndTheHubIsNotAsked) {
    const SilentPort hub;
    const CtlRun run = run_ctl({"--hub", hub.url(), "campaign", "list"});
    EXPECT_EQ(run.exit_code, 2) << run;
    EXPECT_THAT(run.err, HasSubstr("no API token; give --token TOKEN or set DWELL_TOKEN"));
    EXPECT_FALSE(hub.contacted());
}

TEST_F(ErrorsTest, AnUnreachableHubIsExitThree) {
    const std::string url = closed_port_url();
    const CtlRun run = run_ctl({"--hub", url, "--token", "x", "campaign", "list"});
    EXPECT_EQ(run.exit_code, 3) << run;
    EXPECT_THAT(run.err, HasSubstr("cannot reach the hub at 127.0.0.1:"));
    EXPECT_THAT(run.err, HasSubstr("check --hub (or DWELL_HUB)"));

    const CtlRun dns =
        run_ctl({"--hub", "http://no-such-host.invalid:8080", "--token", "x", "screen", "list"});
    EXPECT_EQ(dns.exit_code, 3) << dns;

    const CtlRun bad_url = run_ctl({"--hub", "ftp://hub", "--token", "x", "campaign", "list"});
    EXPECT_EQ(bad_url.exit_code, 2) << bad_url;
    EXPECT_THAT(bad_url.err, HasSubstr("--hub"));
}

TEST_F(ErrorsTest, HubAndTokenMayComeFromTheEnvironment) {
    const CtlRun run =
        run_ctl({"campaign", "list"}, {{"DWELL_HUB", m_hub.url()}, {"DWELL_TOKEN", m_hub.marketer_token()}});
    EXPECT_EQ(run.exit_code, 0) << run;
    EXPECT_THAT(run.out, HasSubstr("no campaigns"));

    // Flags win over the environment, and may follow the command.
    const CtlRun flags = run_ctl({"campaign", "list", "--token", std::string(64, 'b')},
                                 {{"DWELL_HUB", m_hub.url()}, {"DWELL_TOKEN", m_hub.marketer_token()}});
    EXPECT_EQ(flags.exit_code, 1) << flags;
    EXPECT_THAT(flags.err, HasSubstr("401"));

    // The default hub is http://127.0.0.1:8080; with the environment unset it is what is tried.
    const CtlRun fallback = run_ctl({"campaign", "list", "--token", "x"});
    EXPECT_NE(fallback.exit_code, 0);
    if (fallback.exit_code == 3) {
        EXPECT_THAT(fallback.err, HasSubstr("127.0.0.1:8080")) << fallback;
    }
}

}  // namespace
}  // namespace dwell::test
