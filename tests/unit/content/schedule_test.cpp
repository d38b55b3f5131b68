#include "content/schedule.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <future>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace dwell::content {
namespace {

using namespace std::chrono_literals;
using config::WallTime;

WallTime utc(int year, unsigned month, unsigned day, int hour = 0, int minute = 0, int second = 0) {
    const std::chrono::sys_days date{std::chrono::year{year} / std::chrono::month{month} /
                                     std::chrono::day{day}};
    return WallTime{date} + std::chrono::hours{hour} + std::chrono::minutes{minute} +
           std::chrono::seconds{second};
}

Instant instant(WallTime t) {
    return Instant{std::chrono::time_point_cast<std::chrono::seconds>(t), 0min};
}

constexpr std::uint8_t on(std::chrono::weekday day) {
    return static_cast<std::uint8_t>(1U << day.c_encoding());
}
constexpr std::uint8_t weekdays = on(std::chrono::Monday) | on(std::chrono::Tuesday) |
                                  on(std::chrono::Wednesday) | on(std::chrono::Thursday) |
                                  on(std::chrono::Friday);
constexpr std::uint8_t every_day = 0x7f;

Daypart slot(std::uint8_t days, std::chrono::minutes from, std::chrono::minutes to) {
    return Daypart{days, from, to};
}

using Names = std::vector<std::string>;

Targets targets(Names lines, Names stations = {}, Names screens = {}, Names tags = {}) {
    Targets result;
    result.lines = std::move(lines);
    result.stations = std::move(stations);
    result.screens = std::move(screens);
    result.tags = std::move(tags);
    return result;
}

Targets everyone() {
    Targets result;
    result.all = true;
    return result;
}

// A campaign for every screen, all of 2026, with `items` ten-second images.
Campaign campaign(std::string id, Priority priority = Priority::normal, unsigned share = 1,
                  std::size_t items = 1) {
    Campaign result;
    result.id = id;
    result.name = id;
    result.window = {instant(utc(2026, 1, 1)), instant(utc(2027, 1, 1))};
    result.targets.all = true;
    result.priority = priority;
    result.share = share;
    for (std::size_t i = 0; i < items; ++i)
        result.items.push_back(Item{id + "-" + std::to_string(i) + ".png", "", MediaKind::image, 10s});
    return result;
}

Screen screen(std::string timezone = "UTC") {
    Screen result;
    result.id = "s1-seoul-03";
    result.station = "seoul";
    result.line = "1";
    result.tags = {"concourse", "exit-2"};
    result.timezone = std::move(timezone);
    return result;
}

ScreenContext context(std::string timezone = "UTC") {
    auto created = ScreenContext::create(screen(std::move(timezone)));
    EXPECT_TRUE(created) << (created ? "" : created.error().message);
    return std::move(created).value();
}

std::vector<std::string> ids(const std::vector<const Campaign*>& campaigns) {
    std::vector<std::string> result;
    for (const Campaign* c : campaigns) result.push_back(c->id);
    return result;
}

std::vector<std::string> ids(const Plan& plan) {
    std::vector<std::string> result;
    for (const Pick& pick : plan.picks)
        result.push_back(pick.is_fallback() ? "<fallback>" : pick.campaign->id);
    return result;
}

// Whether a lone campaign plays on the screen at t.
bool plays(const Campaign& c, const ScreenContext& where, WallTime t) {
    return !ScheduleResolver{}.eligible(std::span(&c, 1), where, t).empty();
}

const WallTime noon = utc(2026, 6, 10, 12);

// --- targeting -------------------------------------------------------------------------------

TEST(ScheduleTargets, EachSelectorAloneSelectsTheScreen) {
    const Screen s = screen();
    EXPECT_TRUE(targets_screen(everyone(), s));
    EXPECT_TRUE(targets_screen(targets({"2", "1"}), s));
    EXPECT_TRUE(targets_screen(targets({}, {"city-hall", "seoul"}), s));
    EXPECT_TRUE(targets_screen(targets({}, {}, {"s1-seoul-03"}), s));
    EXPECT_TRUE(targets_screen(targets({}, {}, {}, {"exit-2"}), s));
    // A union: one matching selector is enough even when the others do not match.
    EXPECT_TRUE(targets_screen(targets({"9"}, {"busan"}, {}, {"concourse"}), s));
}

TEST(ScheduleTargets, NonMatchingScreenIsNotSelected) {
    const Screen s = screen();
    EXPECT_FALSE(targets_screen(Targets{}, s));
    EXPECT_FALSE(targets_screen(targets({"2", "11"}), s));
    EXPECT_FALSE(targets_screen(targets({}, {"seoul-2", "Seoul"}), s));
    EXPECT_FALSE(targets_screen(targets({}, {}, {"s1-seoul-04", "s1-seoul-0"}), s));
    EXPECT_FALSE(targets_screen(targets({}, {}, {}, {"platform"}), s));
    // A line name is not a station name, nor a tag: selectors do not cross.
    EXPECT_FALSE(targets_screen(targets({"seoul"}, {"1"}, {"concourse"}), s));
}

TEST(ScheduleTargets, EmptyScreenFieldsMatchNothing) {
    Screen bare;
    bare.id = "s9";
    EXPECT_FALSE(targets_screen(targets({""}, {""}, {}, {""}), bare));
    EXPECT_TRUE(targets_screen(targets({}, {}, {"s9"}), bare));
}

TEST(ScheduleTargets, EligibleKeepsOnlyTargetedCampaigns) {
    std::vector<Campaign> campaigns;
    for (const auto& [id, selectors] : std::vector<std::pair<std::string, Targets>>{
             {"by-line", targets({"1"})},
             {"by-station", targets({}, {"seoul"})},
             {"by-screen", targets({}, {}, {"s1-seoul-03"})},
             {"by-tag", targets({}, {}, {}, {"concourse"})},
             {"elsewhere", targets({"2"}, {"busan"}, {"s2"}, {"platform"})},
         }) {
        campaigns.push_back(campaign(id));
        campaigns.back().targets = selectors;
    }
    EXPECT_EQ(ids(ScheduleResolver{}.eligible(campaigns, context(), noon)),
              (std::vector<std::string>{"by-line", "by-station", "by-screen", "by-tag"}));
}

// --- windows ---------------------------------------------------------------------------------

TEST(ScheduleWindow, StartIsInclusiveEndIsExclusive) {
    Campaign c = campaign("sale");
    c.window = {instant(utc(2026, 12, 1, 6)), instant(utc(2026, 12, 31, 23, 59, 59))};
    const ScreenContext here = context();
    EXPECT_FALSE(plays(c, here, utc(2026, 12, 1, 6) - 1ms));
    EXPECT_TRUE(plays(c, here, utc(2026, 12, 1, 6)));
    EXPECT_TRUE(plays(c, here, utc(2026, 12, 15)));
    EXPECT_TRUE(plays(c, here, utc(2026, 12, 31, 23, 59, 59) - 1ms));
    EXPECT_FALSE(plays(c, here, utc(2026, 12, 31, 23, 59, 59)));
}

TEST(ScheduleWindow, EmptyOrInvertedWindowNeverPlays) {
    Campaign empty = campaign("empty");
    empty.window = {instant(noon), instant(noon)};
    Campaign inverted = campaign("inverted");
    inverted.window = {instant(noon + 1h), instant(noon - 1h)};
    EXPECT_FALSE(plays(empty, context(), noon));
    EXPECT_FALSE(plays(inverted, context(), noon));
}

TEST(ScheduleWindow, CampaignWithoutItemsIsNeverEligible) {
    Campaign c = campaign("hollow");
    c.items.clear();
    EXPECT_FALSE(plays(c, context(), noon));
    const Plan plan = ScheduleResolver{}.plan(std::span(&c, 1), context(), noon, {}, 3);
    EXPECT_EQ(ids(plan), (std::vector<std::string>(3, "<fallback>")));
}

// --- dayparts --------------------------------------------------------------------------------

TEST(ScheduleDaypart, ContainsFollowsStartDayAndEnd) {
    const Daypart morning = slot(weekdays, 7h, 10h);
    EXPECT_TRUE(daypart_contains(morning, std::chrono::Monday, 7h));
    EXPECT_TRUE(daypart_contains(morning, std::chrono::Friday, 10h - 1ms));
    EXPECT_FALSE(daypart_contains(morning, std::chrono::Friday, 10h));
    EXPECT_FALSE(daypart_contains(morning, std::chrono::Monday, 7h - 1ms));
    EXPECT_FALSE(daypart_contains(morning, std::chrono::Saturday, 8h));
    EXPECT_FALSE(daypart_contains(morning, std::chrono::Sunday, 8h));
    EXPECT_FALSE(daypart_contains(slot(0, 0h, 24h), std::chrono::Monday, 12h));
    EXPECT_FALSE(daypart_contains(slot(every_day, 10h, 7h), std::chrono::Monday, 8h));
}

TEST(ScheduleDaypart, SlotAcrossMidnightBelongsToItsStartDay) {
    // 22:00-26:00 on Fridays, in Seoul (UTC+9 all year): 2026-03-06 is a Friday.
    Campaign late = campaign("late-friday");
    late.dayparts = {slot(on(std::chrono::Friday), 22h, 26h)};
    const ScreenContext seoul = context("Asia/Seoul");
    const auto local = [](unsigned day, int hour, int minute) {
        return utc(2026, 3, day, hour, minute) - 9h;
    };
    EXPECT_TRUE(plays(late, seoul, local(6, 23, 30)));  // Friday 23:30
    EXPECT_TRUE(plays(late, seoul, local(7, 1, 30)));   // Saturday 01:30
    EXPECT_FALSE(plays(late, seoul, local(7, 2, 0)));   // Saturday 02:00
    EXPECT_TRUE(plays(late, seoul, local(7, 2, 0) - 1ms));
    EXPECT_FALSE(plays(late, seoul, local(5, 23, 30)));  // Thursday 23:30
    EXPECT_FALSE(plays(late, seoul, local(7, 23, 30)));  // Saturday 23:30
    EXPECT_FALSE(plays(late, seoul, local(8, 1, 30)));   // Sunday 01:30: Saturday is not a start day
    EXPECT_FALSE(plays(late, seoul, local(6, 21, 59)));  // Friday 21:59
    EXPECT_TRUE(plays(late, seoul, local(6, 22, 0)));    // Friday 22:00
    EXPECT_FALSE(plays(late, seoul, local(6, 1, 30)));   // Friday 01:30 belongs to Thursday's slot
    // The same instants in UTC are other wall-clock times: the screen's zone decides.
    EXPECT_FALSE(plays(late, context("UTC"), local(6, 23, 30)));
}

TEST(ScheduleDaypart, EmptyDaypartsMeanAlwaysAndAnyDaypartIsEnough) {
    Campaign always = campaign("always");
    const ScreenContext here = context();
    for (int hour = 0; hour < 24; ++hour) EXPECT_TRUE(plays(always, here, utc(2026, 6, 13, hour))) << hour;

    Campaign twice = campaign("twice");
    twice.dayparts = {slot(every_day, 7h, 9h), slot(every_day, 17h, 19h)};
    EXPECT_TRUE(plays(twice, here, utc(2026, 6, 13, 8)));
    EXPECT_TRUE(plays(twice, here, utc(2026, 6, 13, 18)));
    EXPECT_FALSE(plays(twice, here, utc(2026, 6, 13, 12)));
}

TEST(ScheduleZone, NewYorkMorningSlotFollowsDaylightSaving) {
    // 07:00-10:00 on weekdays: 12:00Z-15:00Z while New York is on EST (UTC-5),
    // 11:00Z-14:00Z once it is on EDT (UTC-4) after 2026-03-08, back to 12:00Z after 2026-11-01.
    Campaign morning = campaign("morning");
    morning.dayparts = {slot(weekdays, 7h, 10h)};
    const ScreenContext ny = context("America/New_York");

    EXPECT_FALSE(plays(morning, ny, utc(2026, 3, 6, 11, 59, 59)));  // Friday before the change
    EXPECT_TRUE(plays(morning, ny, utc(2026, 3, 6, 12)));
    EXPECT_TRUE(plays(morning, ny, utc(2026, 3, 6, 15) - 1ms));
    EXPECT_FALSE(plays(morning, ny, utc(2026, 3, 6, 15)));

    EXPECT_FALSE(plays(morning, ny, utc(2026, 3, 9, 11) - 1ms));  // Monday after the change
    EXPECT_TRUE(plays(morning, ny, utc(2026, 3, 9, 11)));
    EXPECT_TRUE(plays(morning, ny, utc(2026, 3, 9, 14) - 1ms));
    EXPECT_FALSE(plays(morning, ny, utc(2026, 3, 9, 14)));

    EXPECT_TRUE(plays(morning, ny, utc(2026, 10, 30, 11)));  // Friday before the autumn change
    EXPECT_FALSE(plays(morning, ny, utc(2026, 10, 30, 14)));
    EXPECT_FALSE(plays(morning, ny, utc(2026, 11, 2, 11)));  // Monday after: 06:00 EST
    EXPECT_TRUE(plays(morning, ny, utc(2026, 11, 2, 12)));
    EXPECT_TRUE(plays(morning, ny, utc(2026, 11, 2, 15) - 1ms));
    EXPECT_FALSE(plays(morning, ny, utc(2026, 11, 2, 15)));
}

TEST(ScheduleZone, NewYorkSlotOverTheSkippedHourLastsOneRealHour) {
    // 2026-03-08 02:00 EST does not happen: clocks go to 03:00 EDT at 07:00Z.
    Campaign night = campaign("night");
    night.dayparts = {slot(on(std::chrono::Sunday), 1h, 3h)};
    const ScreenContext ny = context("America/New_York");
    EXPECT_FALSE(plays(night, ny, utc(2026, 3, 8, 6) - 1ms));  // 00:59:59.999 EST
    EXPECT_TRUE(plays(night, ny, utc(2026, 3, 8, 6)));         // 01:00 EST
    EXPECT_TRUE(plays(night, ny, utc(2026, 3, 8, 7) - 1ms));   // 01:59:59.999 EST
    EXPECT_FALSE(plays(night, ny, utc(2026, 3, 8, 7)));        // 03:00 EDT
    // The slot ends at the jump, and the resolver knows it in advance.
    const ScheduleResolver resolver;
    EXPECT_EQ(resolver.next_change(std::span(&night, 1), ny, utc(2026, 3, 8, 6, 30), utc(2026, 3, 8, 12)),
              utc(2026, 3, 8, 7));
}

TEST(ScheduleZone, NewYorkSlotInTheRepeatedHourPlaysDuringBothRepeats) {
    // 2026-11-01 01:00-02:00 happens twice: 05:00Z-06:00Z in EDT, then 06:00Z-07:00Z in EST.
    Campaign repeat = campaign("repeat");
    repeat.dayparts = {slot(on(std::chrono::Sunday), 1h, 2h)};
    const ScreenContext ny = context("America/New_York");
    EXPECT_FALSE(plays(repeat, ny, utc(2026, 11, 1, 5) - 1ms));
    EXPECT_TRUE(plays(repeat, ny, utc(2026, 11, 1, 5)));
    EXPECT_TRUE(plays(repeat, ny, utc(2026, 11, 1, 5, 30)));
    EXPECT_TRUE(plays(repeat, ny, utc(2026, 11, 1, 6)));
    EXPECT_TRUE(plays(repeat, ny, utc(2026, 11, 1, 6, 30)));
    EXPECT_TRUE(plays(repeat, ny, utc(2026, 11, 1, 7) - 1ms));
    EXPECT_FALSE(plays(repeat, ny, utc(2026, 11, 1, 7)));
    // Slots that end inside the repeated hour restart when it repeats.
    Campaign half = campaign("half");
    half.dayparts = {slot(on(std::chrono::Sunday), 1h + 30min, 3h)};
    EXPECT_TRUE(plays(half, ny, utc(2026, 11, 1, 5, 45)));   // 01:45 EDT
    EXPECT_FALSE(plays(half, ny, utc(2026, 11, 1, 6, 15)));  // 01:15 EST
    EXPECT_TRUE(plays(half, ny, utc(2026, 11, 1, 6, 45)));   // 01:45 EST
    const ScheduleResolver resolver;
    EXPECT_EQ(resolver.next_change(std::span(&half, 1), ny, utc(2026, 11, 1, 5, 45), utc(2026, 11, 1, 12)),
              utc(2026, 11, 1, 6));
    EXPECT_EQ(resolver.next_change(std::span(&half, 1), ny, utc(2026, 11, 1, 6), utc(2026, 11, 1, 12)),
              utc(2026, 11, 1, 6, 30));
}

TEST(ScheduleZone, LondonSlotsFollowBritishSummerTime) {
    // Europe/London: GMT until 2026-03-29 01:00Z, BST (UTC+1) until 2026-10-25 01:00Z.
    Campaign morning = campaign("morning");
    morning.dayparts = {slot(every_day, 7h, 10h)};
    const ScreenContext london = context("Europe/London");
    EXPECT_FALSE(plays(morning, london, utc(2026, 3, 27, 7) - 1ms));
    EXPECT_TRUE(plays(morning, london, utc(2026, 3, 27, 7)));
    EXPECT_TRUE(plays(morning, london, utc(2026, 3, 30, 6)));
    EXPECT_FALSE(plays(morning, london, utc(2026, 3, 30, 9)));
    EXPECT_TRUE(plays(morning, london, utc(2026, 10, 23, 6)));
    EXPECT_FALSE(plays(morning, london, utc(2026, 10, 26, 6)));
    EXPECT_TRUE(plays(morning, london, utc(2026, 10, 26, 7)));

    // 01:00-02:00 does not exist on 2026-03-29, so a slot there never plays that day.
    Campaign skipped = campaign("skipped");
    skipped.dayparts = {slot(on(std::chrono::Sunday), 1h, 2h)};
    for (WallTime t = utc(2026, 3, 28, 23); t < utc(2026, 3, 29, 3); t += 5min)
        EXPECT_FALSE(plays(skipped, london, t)) << (t - utc(2026, 3, 28, 23)).count();
    EXPECT_TRUE(plays(skipped, london, utc(2026, 4, 5, 0, 30)));  // next Sunday 01:30 BST

    // 01:00-02:00 happens twice on 2026-10-25: 00:00Z-02:00Z.
    EXPECT_FALSE(plays(skipped, london, utc(2026, 10, 25, 0) - 1ms));
    EXPECT_TRUE(plays(skipped, london, utc(2026, 10, 25, 0)));
    EXPECT_TRUE(plays(skipped, london, utc(2026, 10, 25, 1, 30)));
    EXPECT_FALSE(plays(skipped, london, utc(2026, 10, 25, 2)));
}

TEST(ScheduleZone, UnknownZoneIsAnErrorWhereValidatedAndUtcInThePlayer) {
    for (const char* name : {"Mars/Olympus", "", "asia/seoul", "Asia/Seoul ", "America/../UTC", "+09:00"}) {
        const auto strict = ScreenContext::create(screen(name));
        ASSERT_FALSE(strict) << name;
        EXPECT_EQ(strict.error().code, Errc::invalid_input) << name;
        EXPECT_NE(strict.error().message.find("time zone"), std::string::npos) << strict.error().message;
        EXPECT_NE(strict.error().message.find("s1-seoul-03"), std::string::npos) << strict.error().message;
        if (*name != '\0') {
            EXPECT_NE(strict.error().message.find(name), std::string::npos) << strict.error().message;
        }
    }

    const ScreenContext lenient = ScreenContext::create_or_utc(screen("Mars/Olympus"));
    EXPECT_EQ(lenient.zone_source(), ZoneSource::utc_fallback);
    EXPECT_EQ(lenient.time_zone(), nullptr);
    Campaign morning = campaign("morning");
    morning.dayparts = {slot(every_day, 7h, 10h)};
    EXPECT_FALSE(plays(morning, lenient, utc(2026, 6, 10, 7) - 1ms));
    EXPECT_TRUE(plays(morning, lenient, utc(2026, 6, 10, 7)));
    EXPECT_FALSE(plays(morning, lenient, utc(2026, 6, 10, 10)));
    const Plan plan =
        ScheduleResolver{}.plan(std::span(&morning, 1), lenient, utc(2026, 6, 10, 6, 59, 55), {}, 2);
    EXPECT_EQ(ids(plan), (std::vector<std::string>{"<fallback>", "morning"}));

    const ScreenContext known = ScreenContext::create_or_utc(screen("Asia/Seoul"));
    EXPECT_EQ(known.zone_source(), ZoneSource::named);
    ASSERT_NE(known.time_zone(), nullptr);
    EXPECT_TRUE(locate_time_zone("Asia/Seoul"));
    EXPECT_TRUE(locate_time_zone("UTC"));
    EXPECT_FALSE(locate_time_zone("Nowhere/City"));
}

// --- tiers -----------------------------------------------------------------------------------

TEST(ScheduleTiers, TakeoverPreemptsEveryTierEvenWithTheSmallestShare) {
    std::vector<Campaign> campaigns{campaign("regular", Priority::normal, 1, 3),
                                    campaign("launch", Priority::high, 100),
                                    campaign("emergency", Priority::takeover, 1)};
    campaigns[2].window = {instant(noon), instant(noon + 2min)};
    // A low-priority campaign is listed first: list order never outranks priority.
    campaigns.insert(campaigns.begin(), campaign("filler", Priority::low, 50));
    const ScheduleResolver resolver;
    const ScreenContext here = context();

    EXPECT_EQ(ids(resolver.eligible(campaigns, here, noon)), std::vector<std::string>{"emergency"});
    const Plan during = resolver.plan(campaigns, here, noon, {}, 12);
    EXPECT_EQ(ids(during), (std::vector<std::string>(12, "emergency")));
    // Twelve ten-second picks from noon: the last one starts 110 s in, still inside the window.
    EXPECT_EQ(during.picks.back().start, noon + 110s);

    EXPECT_EQ(ids(resolver.eligible(campaigns, here, noon + 2min - 1ms)),
              std::vector<std::string>{"emergency"});
    EXPECT_EQ(ids(resolver.eligible(campaigns, here, noon + 2min)), std::vector<std::string>{"launch"});
}

TEST(ScheduleTiers, TakeoverEndResumesTheInterruptedCampaignWhereItStopped) {
    std::vector<Campaign> campaigns{campaign("regular", Priority::normal, 1, 3),
                                    campaign("emergency", Priority::takeover, 1)};
    campaigns[1].window = {instant(noon + 20s), instant(noon + 50s)};
    const Plan plan = ScheduleResolver{}.plan(campaigns, context(), noon, {}, 7);
    EXPECT_EQ(ids(plan), (std::vector<std::string>{"regular", "regular", "emergency", "emergency",
                                                   "emergency", "regular", "regular"}));
    EXPECT_EQ(plan.picks[5].start, noon + 50s);
    // regular played items 0 and 1 before the takeover; it continues with 2, then wraps to 0.
    EXPECT_EQ(plan.picks[5].item, 2U);
    EXPECT_EQ(plan.picks[6].item, 0U);
}

TEST(ScheduleTiers, OnlyTheHighestNonEmptyTierPlays) {
    const WallTime launch_end = noon + 1h;
    std::vector<Campaign> ascending{campaign("cheap", Priority::low, 10),
                                    campaign("regular", Priority::normal, 10),
                                    campaign("launch", Priority::high, 1)};
    ascending[2].window = {instant(noon - 1h), instant(launch_end)};
    // List order never outranks priority, whichever way the list runs.
    std::vector<Campaign> descending(ascending.rbegin(), ascending.rend());
    const ScheduleResolver resolver;
    const ScreenContext here = context();

    for (const auto* campaigns : {&ascending, &descending}) {
        const Plan plan = resolver.plan(*campaigns, here, noon, {}, 100);
        ASSERT_EQ(plan.picks.size(), 100U);
        EXPECT_EQ(std::ranges::count(ids(plan), "launch"), 100);

        // Picks that start once the high window has closed go to normal, never to low.
        const Plan across = resolver.plan(*campaigns, here, launch_end - 25s, {}, 6);
        EXPECT_EQ(ids(across),
                  (std::vector<std::string>{"launch", "launch", "launch", "regular", "regular", "regular"}));
        EXPECT_EQ(across.picks[3].start, launch_end + 5s);
    }

    ascending[1].window = {instant(noon), instant(noon + 2h)};
    EXPECT_EQ(ids(resolver.eligible(ascending, here, noon + 2h)), std::vector<std::string>{"cheap"});
    ascending[0].targets = targets({"7"});
    EXPECT_TRUE(resolver.eligible(ascending, here, noon + 2h).empty());
}

// --- rotation --------------------------------------------------------------------------------

TEST(ScheduleRotation, SharesThreeToOneHoldInEveryFourConsecutivePicks) {
    const std::vector<Campaign> campaigns{campaign("big", Priority::normal, 3),
                                          campaign("small", Priority::normal, 1)};
    const Plan plan = ScheduleResolver{}.plan(campaigns, context(), noon, {}, 40);
    const auto picked = ids(plan);
    ASSERT_EQ(picked.size(), 40U);
    for (std::size_t i = 0; i + 4 <= picked.size(); ++i) {
        const auto run = std::span(picked).subspan(i, 4);
        EXPECT_EQ(std::ranges::count(run, "big"), 3) << "picks " << i << ".." << i + 3;
        EXPECT_EQ(std::ranges::count(run, "small"), 1) << "picks " << i << ".." << i + 3;
    }
}

TEST(ScheduleRotation, SmoothWeightedRoundRobinMatchesNginx) {
    const std::vector<Campaign> campaigns{campaign("a", Priority::normal, 5),
                                          campaign("b", Priority::normal, 1),
                                          campaign("c", Priority::normal, 1)};
    const Plan plan = ScheduleResolver{}.plan(campaigns, context(), noon, {}, 14);
    const std::vector<std::string> cycle{"a", "a", "b", "a", "c", "a", "a"};
    std::vector<std::string> expected = cycle;
    expected.insert(expected.end(), cycle.begin(), cycle.end());
    EXPECT_EQ(ids(plan), expected);
}

TEST(ScheduleRotation, PlayerLoopOfSinglePicksEqualsOneLongPlan) {
    const std::vector<Campaign> campaigns{campaign("a", Priority::normal, 5, 2),
                                          campaign("b", Priority::normal, 2, 3),
                                          campaign("c", Priority::normal, 1, 1)};
    const ScheduleResolver resolver;
    const ScreenContext here = context();
    const Plan whole = resolver.plan(campaigns, here, noon, {}, 30);

    Rotation rotation;
    WallTime t = noon;
    for (std::size_t i = 0; i < 30; ++i) {
        const Plan step = resolver.plan(campaigns, here, t, rotation, 5);
        ASSERT_EQ(step.picks.size(), 5U);
        EXPECT_EQ(step.picks[0], whole.picks[i]) << i;
        rotation = step.rotation_after_first;
        t += step.picks[0].duration;
    }
}

TEST(ScheduleRotation, ItemsOfEachCampaignCycleInOrder) {
    const std::vector<Campaign> campaigns{campaign("three", Priority::normal, 1, 3),
                                          campaign("two", Priority::normal, 1, 2)};
    const Plan plan = ScheduleResolver{}.plan(campaigns, context(), noon, {}, 12);
    std::vector<std::pair<std::string, std::size_t>> got;
    for (const Pick& pick : plan.picks) got.emplace_back(pick.campaign->id, pick.item);
    const std::vector<std::pair<std::string, std::size_t>> expected{
        {"three", 0}, {"two", 0}, {"three", 1}, {"two", 1}, {"three", 2}, {"two", 0},
        {"three", 0}, {"two", 1}, {"three", 1}, {"two", 0}, {"three", 2}, {"two", 1}};
    EXPECT_EQ(got, expected);
}

TEST(ScheduleRotation, StaleCursorWrapsIntoAShorterItemList) {
    const Campaign c = campaign("shrunk", Priority::normal, 1, 2);
    Rotation rotation;
    rotation.cursors = {{"shrunk", 5}};
    const Plan plan = ScheduleResolver{}.plan(std::span(&c, 1), context(), noon, rotation, 3);
    EXPECT_EQ(plan.picks[0].item, 1U);
    EXPECT_EQ(plan.picks[1].item, 0U);
    EXPECT_EQ(plan.picks[2].item, 1U);
}

TEST(ScheduleRotation, ChangedTierStartsAFreshRound) {
    std::vector<Campaign> campaigns{campaign("a", Priority::normal, 3), campaign("b", Priority::normal, 1),
                                    campaign("flash", Priority::high, 1)};
    campaigns[2].window = {instant(noon + 10s), instant(noon + 20s)};
    // a, then flash interrupts; a and b come back with the round starting over: a a b a.
    const Plan plan = ScheduleResolver{}.plan(campaigns, context(), noon, {}, 6);
    EXPECT_EQ(ids(plan), (std::vector<std::string>{"a", "flash", "a", "a", "b", "a"}));

    // Same size, different members: c replaces b and does not inherit b's weight.
    std::vector<Campaign> swapped{campaign("a", Priority::normal, 3), campaign("b", Priority::normal, 1),
                                  campaign("c", Priority::normal, 1)};
    swapped[1].window.end = instant(noon + 10s);
    swapped[2].window.start = instant(noon + 10s);
    const Plan swap = ScheduleResolver{}.plan(swapped, context(), noon, {}, 5);
    EXPECT_EQ(ids(swap), (std::vector<std::string>{"a", "a", "a", "c", "a"}));
}

TEST(ScheduleRotation, KeepOnlyForgetsRemovedCampaigns) {
    const std::vector<Campaign> campaigns{campaign("a"), campaign("b"), campaign("c")};
    const ScheduleResolver resolver;
    Rotation state;
    WallTime t = noon;
    for (int i = 0; i < 3; ++i) {
        const Plan step = resolver.plan(campaigns, context(), t, state, 1);
        state = step.rotation_after_first;
        t += step.picks[0].duration;
    }
    ASSERT_EQ(state.cursors.size(), 3U);
    ASSERT_EQ(state.round.size(), 3U);

    const std::vector<Campaign> remaining{campaign("c"), campaign("a")};
    Rotation rotation = state;
    rotation.keep_only(remaining);
    ASSERT_EQ(rotation.cursors.size(), 2U);
    EXPECT_EQ(rotation.cursors[0].campaign, "a");
    EXPECT_EQ(rotation.cursors[1].campaign, "c");
    EXPECT_TRUE(rotation.round.empty());

    Rotation untouched = state;
    untouched.keep_only(campaigns);
    EXPECT_EQ(untouched, state);
}

// --- fallback and planning -------------------------------------------------------------------

TEST(ScheduleFallback, NothingEligibleGivesFallbackPicks) {
    const ScheduleResolver resolver;
    const Plan empty = resolver.plan({}, context(), noon, {}, 3);
    ASSERT_EQ(empty.picks.size(), 3U);
    for (std::size_t i = 0; i < 3; ++i) {
        EXPECT_TRUE(empty.picks[i].is_fallback());
        EXPECT_EQ(empty.picks[i].start, noon + static_cast<int>(i) * 10s);
        EXPECT_EQ(empty.picks[i].duration, 10s);
    }
    EXPECT_EQ(empty.rotation_after_first, Rotation{});

    const ScheduleResolver patient{ScheduleOptions{.fallback_limit = 1min}};
    EXPECT_EQ(patient.plan({}, context(), noon, {}, 1).picks[0].duration, 1min);
}

TEST(ScheduleFallback, FallbackEndsAtTheNextBoundaryWhenOneIsNear) {
    const ScheduleResolver resolver;
    const ScreenContext here = context();

    Campaign opening = campaign("opening");
    opening.window.start = instant(noon + 4s);
    const Plan plan = resolver.plan(std::span(&opening, 1), here, noon, {}, 2);
    EXPECT_EQ(ids(plan), (std::vector<std::string>{"<fallback>", "opening"}));
    EXPECT_EQ(plan.picks[0].duration, 4s);
    EXPECT_EQ(plan.picks[1].start, noon + 4s);

    // A daypart starting at 07:00 in New York on a winter weekday: 12:00Z.
    Campaign morning = campaign("morning");
    morning.dayparts = {slot(weekdays, 7h, 10h)};
    const ScreenContext ny = context("America/New_York");
    const Plan before = resolver.plan(std::span(&morning, 1), ny, utc(2026, 3, 6, 11, 59, 57), {}, 2);
    EXPECT_EQ(ids(before), (std::vector<std::string>{"<fallback>", "morning"}));
    EXPECT_EQ(before.picks[0].duration, 3s);

    // A daypart starting at 02:30, which does not exist on 2026-03-08: it starts at the jump, 07:00Z.
    Campaign skipped_start = campaign("skipped-start");
    skipped_start.dayparts = {slot(on(std::chrono::Sunday), 2h + 30min, 4h)};
    const Plan jump = resolver.plan(std::span(&skipped_start, 1), ny, utc(2026, 3, 8, 6, 59, 57), {}, 2);
    EXPECT_EQ(ids(jump), (std::vector<std::string>{"<fallback>", "skipped-start"}));
    EXPECT_EQ(jump.picks[0].duration, 3s);
}

TEST(ScheduleFallback, BoundariesOfOtherScreensDoNotShortenFallback) {
    Campaign elsewhere = campaign("elsewhere");
    elsewhere.targets = targets({}, {"busan"});
    elsewhere.window.start = instant(noon + 4s);
    Campaign hollow = campaign("hollow");
    hollow.items.clear();
    hollow.window.start = instant(noon + 3s);
    Campaign over = campaign("over");
    over.window = {instant(noon - 1h), instant(noon - 1s)};
    const std::vector<Campaign> campaigns{elsewhere, hollow, over};
    const Plan plan = ScheduleResolver{}.plan(campaigns, context(), noon, {}, 1);
    ASSERT_TRUE(plan.picks[0].is_fallback());
    EXPECT_EQ(plan.picks[0].duration, 10s);
}

TEST(ScheduleFallback, NextChangeFindsWindowAndDaypartEdges) {
    const ScheduleResolver resolver;
    const ScreenContext here = context();
    Campaign c = campaign("c");
    c.window = {instant(utc(2026, 6, 10, 9)), instant(utc(2026, 6, 12, 9))};
    c.dayparts = {slot(every_day, 22h, 26h)};
    const auto next = [&](WallTime t) { return resolver.next_change(std::span(&c, 1), here, t, t + 48h); };
    EXPECT_EQ(next(utc(2026, 6, 10, 8)), utc(2026, 6, 10, 9));   // window opens
    EXPECT_EQ(next(utc(2026, 6, 10, 9)), utc(2026, 6, 10, 22));  // slot starts
    EXPECT_EQ(next(utc(2026, 6, 10, 22)), utc(2026, 6, 11, 0));  // midnight: a conservative re-check
    EXPECT_EQ(next(utc(2026, 6, 11, 0)), utc(2026, 6, 11, 2));   // slot ends the next day
    EXPECT_EQ(next(utc(2026, 6, 11, 23)), utc(2026, 6, 12, 0));
    EXPECT_EQ(next(utc(2026, 6, 12, 2)), utc(2026, 6, 12, 9));  // window closes
    EXPECT_EQ(next(utc(2026, 6, 12, 9)), utc(2026, 6, 14, 9));  // nothing left: the limit
    EXPECT_EQ(resolver.next_change(std::span(&c, 1), here, noon, noon), noon);

    // A slot written past 48:00 still ends at the second midnight, where the membership rule stops.
    Campaign overlong = campaign("overlong");
    overlong.dayparts = {slot(on(std::chrono::Monday), 22h, 50h)};
    const WallTime tuesday_noon = utc(2026, 6, 9, 12);
    EXPECT_TRUE(plays(overlong, here, tuesday_noon));
    EXPECT_FALSE(plays(overlong, here, utc(2026, 6, 10, 1)));
    EXPECT_EQ(resolver.next_change(std::span(&overlong, 1), here, tuesday_noon, tuesday_noon + 48h),
              utc(2026, 6, 10));
}

TEST(SchedulePlan, EligibleSetIsLookedAtAgainAtEachPickStart) {
    std::vector<Campaign> campaigns{campaign("base"), campaign("flash", Priority::high)};
    campaigns[1].window.start = instant(noon + 25s);
    const Plan plan = ScheduleResolver{}.plan(campaigns, context(), noon, {}, 6);
    EXPECT_EQ(ids(plan), (std::vector<std::string>{"base", "base", "base", "flash", "flash", "flash"}));
    for (std::size_t i = 0; i < 6; ++i) EXPECT_EQ(plan.picks[i].start, noon + static_cast<int>(i) * 10s) << i;

    // A daypart that starts mid-plan joins the rotation from the first pick starting inside it.
    std::vector<Campaign> shared{campaign("evening"), campaign("base")};
    shared[0].dayparts = {slot(every_day, 18h, 20h)};
    const Plan evening = ScheduleResolver{}.plan(shared, context(), utc(2026, 6, 10, 17, 59, 45), {}, 5);
    EXPECT_EQ(ids(evening), (std::vector<std::string>{"base", "base", "evening", "base", "evening"}));
}

TEST(SchedulePlan, SameInputsGiveTheSamePlanAndLeaveTheRotationAlone) {
    const std::vector<Campaign> campaigns{campaign("a", Priority::normal, 3, 2),
                                          campaign("b", Priority::normal, 2, 3)};
    const ScheduleResolver resolver;
    const ScreenContext here = context();
    Rotation rotation = resolver.plan(campaigns, here, noon, {}, 4).rotation_after_first;
    const Rotation before = rotation;

    const Plan first = resolver.plan(campaigns, here, noon, rotation, 8);
    const Plan second = resolver.plan(campaigns, here, noon, rotation, 8);
    EXPECT_EQ(rotation, before);
    EXPECT_EQ(first.picks, second.picks);
    EXPECT_EQ(first.rotation_after_first, second.rotation_after_first);
    EXPECT_NE(first.rotation_after_first, before);
    EXPECT_EQ(resolver.plan(campaigns, here, noon, rotation, 1).rotation_after_first,
              first.rotation_after_first);

    const Plan none = resolver.plan(campaigns, here, noon, rotation, 0);
    EXPECT_TRUE(none.picks.empty());
    EXPECT_EQ(none.rotation_after_first, before);
}

TEST(SchedulePlan, ConcurrentCallsOnOneResolverAgree) {
    std::vector<Campaign> campaigns{campaign("a", Priority::normal, 3, 2),
                                    campaign("b", Priority::normal, 1, 3)};
    campaigns[1].dayparts = {slot(every_day, 7h, 10h)};
    const ScheduleResolver resolver;
    const ScreenContext here = context("Europe/London");
    const Plan expected = resolver.plan(campaigns, here, utc(2026, 3, 29, 5), {}, 50);
    std::array<std::future<Plan>, 4> runs;
    for (auto& run : runs)
        run = std::async(std::launch::async,
                         [&] { return resolver.plan(campaigns, here, utc(2026, 3, 29, 5), {}, 50); });
    for (auto& run : runs) EXPECT_EQ(run.get().picks, expected.picks);
}

TEST(ScheduleDurations, ExplicitThenKnownLengthThenDefault) {
    const ScheduleResolver resolver{ScheduleOptions{.unknown_length = 7s},
                                    MediaLengths{{"abc123", 31s}, {"spring.mp4", 15s}, {"broken.mp4", 0s}}};
    EXPECT_EQ(resolver.item_duration(Item{"poster.png", "", MediaKind::image, 8s}), 8s);
    EXPECT_EQ(resolver.item_duration(Item{"spring.mp4", "abc123", MediaKind::video, std::nullopt}), 31s);
    EXPECT_EQ(resolver.item_duration(Item{"spring.mp4", "", MediaKind::video, std::nullopt}), 15s);
    EXPECT_EQ(resolver.item_duration(Item{"spring.mp4", "unknown-hash", MediaKind::video, std::nullopt}),
              15s);
    EXPECT_EQ(resolver.item_duration(Item{"new.mp4", "", MediaKind::video, std::nullopt}), 7s);
    EXPECT_EQ(resolver.item_duration(Item{"broken.mp4", "", MediaKind::video, std::nullopt}), 7s);
    EXPECT_EQ(resolver.item_duration(Item{"zero.png", "", MediaKind::image, 0s}), 7s);

    const ScheduleResolver defaults{ScheduleOptions{.unknown_length = 0s, .fallback_limit = -1s}};
    EXPECT_EQ(defaults.options().unknown_length, 10s);
    EXPECT_EQ(defaults.options().fallback_limit, 10s);
    EXPECT_EQ(defaults.item_duration(Item{"new.mp4", "", MediaKind::video, std::nullopt}), 10s);

    Campaign video = campaign("video");
    video.items = {Item{"spring.mp4", "abc123", MediaKind::video, std::nullopt},
                   Item{"poster.png", "", MediaKind::image, 8s}};
    const Plan plan = resolver.plan(std::span(&video, 1), context(), noon, {}, 3);
    EXPECT_EQ(plan.picks[0].duration, 31s);
    EXPECT_EQ(plan.picks[1].start, noon + 31s);
    EXPECT_EQ(plan.picks[1].duration, 8s);
    EXPECT_EQ(plan.picks[2].start, noon + 39s);
}

}  // namespace
}  // namespace dwell::content
