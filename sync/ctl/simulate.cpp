// simulate: a crowd on a station platform for rehearsals and load tests. Each simulated person
// sends the code a chosen screen shows right now, in a webhook signed exactly as the channel's
// platform signs it, paced at the asked rate over a few kept-alive connections.
#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include <boost/json/parse.hpp>

#include "config/hub_config.hpp"
#include "config/yaml_reader.hpp"
#include "content/join_code.hpp"
#include "sync/ctl/arguments.hpp"
#include "sync/ctl/commands.hpp"
#include "sync/ctl/json_fields.hpp"
#include "sync/messenger/compose.hpp"
#include "sync/messenger/signature.hpp"

namespace dwell::sync::ctl {
namespace {

namespace json = boost::json;
using config::ChannelKind;
using Clock = std::chrono::steady_clock;

constexpr unsigned max_connections = 16;
constexpr std::size_t kept_failures = 5;
constexpr std::uint64_t max_people = 1'000'000;

struct SimulateOptions {
    std::string channel;
    std::uint64_t people = 10;
    std::string rate = "10/s";
    std::string hub_config = "/etc/dwell/hub.yaml";
    std::vector<std::string> screens;
    std::string campaign;
    std::string wrong;
    std::string seed;
    unsigned connections = 0;
};

// One (campaign, screen) pair offering the channel, from GET /v1/join-slots.
struct JoinSlot {
    std::string campaign;
    std::string screen;
    std::uint64_t slot = 0;
    unsigned digits = 6;
    std::uint64_t period_s = 60;
};

// Kept small: a run plans up to max_people of them up front.
struct Person {
    std::size_t slot = 0;   // index into the chosen slots
    std::uint8_t name = 0;  // index into names
    bool wrong_first = false;
};

// What one connection saw; merged when every connection is done.
struct Tally {
    std::uint64_t sent = 0;
    std::uint64_t accepted = 0;
    std::uint64_t failed = 0;
    std::uint64_t unreachable = 0;
    std::map<std::string, std::uint64_t> outcomes;
    std::vector<double> latencies_ms;
    std::map<std::string, std::uint64_t> failures;  // message → how often
};

// Shared between the connections and the progress line.
struct Progress {
    std::atomic<std::uint64_t> sent{0};
    std::atomic<std::uint64_t> accepted{0};
    std::atomic<std::uint64_t> failed{0};
    std::atomic<std::uint64_t> people{0};
    std::mutex mutex;  // guards finished, with done for waiting on it
    unsigned finished = 0;
    std::condition_variable done;
};

constexpr std::array<std::string_view, 16> names{
    "김민준", "이서연", "박지호",     "최수아",    "정예준",     "강하은",     "조도윤",   "윤지우",
    "장서준", "임하린", "Jason Park", "Emily Kim", "Daniel Lee", "Sofia Choi", "Min Jung", "Alex Han"};

Outcome<std::vector<JoinSlot>> read_slots(const json::value& answer, std::string_view channel) {
    const json::array* slots = array_of(answer, "slots");
    if (!slots)
        return refused_error("reading the join slots of channel {}: the answer has no \"slots\"", channel);
    std::vector<JoinSlot> out;
    for (const auto& entry : *slots) {
        JoinSlot slot{text_of(entry, "campaign"), text_of(entry, "screen"), count_of(entry, "slot"),
                      static_cast<unsigned>(count_of(entry, "digits")), count_of(entry, "period_s")};
        if (slot.digits < content::JoinCodeSpace::min_digits ||
            slot.digits > content::JoinCodeSpace::max_digits || slot.period_s == 0)
            return refused_error(
                "reading the join slots of channel {}: a slot has {} digits and a {} s period", channel,
                slot.digits, slot.period_s);
        out.push_back(std::move(slot));
    }
    return out;
}

std::uint64_t percentile_index(std::size_t size, double fraction) {
    return static_cast<std::uint64_t>(std::ceil(fraction * static_cast<double>(size))) - 1;
}

// Sends every planned person's messages over one connection.
class Sender {
  public:
    struct Shared {
        ChannelKind kind;
        std::string secret;
        std::string target;
        std::vector<JoinSlot> slots;
        std::map<std::pair<unsigned, std::uint64_t>, content::JoinCodeSpace> spaces;  // by digits, period
        std::map<unsigned, std::set<std::uint64_t>> assigned;                         // by digits
        std::vector<Person> people;
        Clock::time_point start;
        double rate = 1;
        std::uint64_t first_event = 0;
        std::uint64_t first_user = 0;  // person i is user first_user + i
    };

    Sender(const Shared& shared, std::unique_ptr<net::HttpClient> client,
           std::atomic<std::uint64_t>& next_person, std::atomic<std::uint64_t>& next_event,
           Progress& progress, std::uint64_t seed)
        : m_shared(shared),
          m_client(std::move(client)),
          m_next_person(next_person),
          m_next_event(next_event),
          m_progress(progress),
          m_random(seed) {}

    Tally run() {
        for (;;) {
            const std::uint64_t index = m_next_person.fetch_add(1);
            if (index >= m_shared.people.size()) break;
            const auto due = m_shared.start +
                             std::chrono::duration_cast<Clock::duration>(
                                 std::chrono::duration<double>(static_cast<double>(index) / m_shared.rate));
            std::this_thread::sleep_until(due);
            const Person& person = m_shared.people[index];
            const std::uint64_t user = m_shared.first_user + index;
            const JoinSlot& slot = m_shared.slots[person.slot];
            const auto& space = m_shared.spaces.at({slot.digits, slot.period_s});
            if (person.wrong_first) send(user, person, wrong_code(space, slot.digits));
            if (auto code = space.code_for(slot.slot, config::SystemClock{}.now())) {
                send(user, person, *code);
            } else {
                ++m_tally.failed;
                m_progress.failed.fetch_add(1);
                note_failure(code.error().message);
            }
            m_progress.people.fetch_add(1);
        }
        return std::move(m_tally);
    }

  private:
    // A code no assigned slot has in the steps the hub accepts now.
    std::string wrong_code(const content::JoinCodeSpace& space, unsigned digits) {
        const auto& assigned = m_shared.assigned.at(digits);
        std::uniform_int_distribution<std::uint64_t> pick(0, space.capacity() - 1);
        const auto now = config::SystemClock{}.now();
        for (;;) {
            const std::string code = space.format_code(pick(m_random));
            auto candidates = space.decode_at(code, now);
            if (!candidates) continue;
            if (std::ranges::none_of(*candidates, [&](const content::JoinCandidate& candidate) {
                    return assigned.contains(candidate.slot);
                }))
                return code;
        }
    }

    void send(std::uint64_t user, const Person& person, const std::string& text) {
        const messenger::OutgoingText message{m_next_event.fetch_add(1), user,
                                              std::string{names[person.name]}, text,
                                              config::SystemClock{}.now()};
        std::string body = messenger::compose_webhook(m_shared.kind, std::span{&message, 1});
        net::Fields fields;
        std::string content_type;
        for (const auto& [name, value] : messenger::sign_webhook(m_shared.kind, m_shared.secret, body)) {
            if (name == "Content-Type")
                content_type = value;
            else
                fields.emplace_back(name, value);
        }
        const auto began = Clock::now();
        auto response =
            m_client->request(http::verb::post, m_shared.target, fields, std::move(body), content_type);
        m_tally.latencies_ms.push_back(
            std::chrono::duration<double, std::milli>(Clock::now() - began).count());
        ++m_tally.sent;
        m_progress.sent.fetch_add(1);
        if (!response) {
            ++m_tally.failed;
            ++m_tally.unreachable;
            m_progress.failed.fetch_add(1);
            note_failure(response.error().message);
            return;
        }
        if (response->result_int() != 200) {
            ++m_tally.failed;
            m_progress.failed.fetch_add(1);
            note_failure(describe_refusal(*response));
            return;
        }
        ++m_tally.accepted;
        m_progress.accepted.fetch_add(1);
        if (m_shared.kind == ChannelKind::telegram || m_shared.kind == ChannelKind::kakao) return;
        boost::system::error_code error;
        const json::value answer = json::parse(response->body(), error);
        const json::array* results = error ? nullptr : array_of(answer, "results");
        if (!results) {
            ++m_tally.outcomes["unreadable answer"];
            return;
        }
        for (const auto& result : *results) ++m_tally.outcomes[text_of(result, "outcome")];
    }

    void note_failure(const std::string& message) {
        if (m_tally.failures.size() < kept_failures || m_tally.failures.contains(message))
            ++m_tally.failures[message];
    }

    const Shared& m_shared;
    std::unique_ptr<net::HttpClient> m_client;
    std::atomic<std::uint64_t>& m_next_person;
    std::atomic<std::uint64_t>& m_next_event;
    Progress& m_progress;
    std::mt19937_64 m_random;
    Tally m_tally;
};

std::string join_list(const std::set<std::string>& values) {
    std::string out;
    for (const auto& value : values) out += (out.empty() ? "" : ", ") + value;
    return out;
}

Outcome<> simulate(const GlobalOptions& global, const SimulateOptions& options) {
    const double rate = *parse_rate(options.rate);
    const double wrong = options.wrong.empty() ? 0.0 : *parse_fraction(options.wrong);

    // The webhook secret is the platform's and the hub's, not the API's: it comes from hub.yaml.
    auto hub_config = config::load_hub_config(options.hub_config);
    if (!hub_config)
        return usage_error("--hub-config: {}; give the hub's hub.yaml, which names the channel's secret file",
                           hub_config.error().message);
    const config::ChannelConfig* channel = hub_config->channel(options.channel);
    if (!channel) {
        std::set<std::string> ids;
        for (const auto& known : hub_config->channels) ids.insert(known.id);
        return usage_error("{} has no channel {}; its channels are {}", options.hub_config, options.channel,
                           ids.empty() ? "none" : join_list(ids));
    }
    auto secret = messenger::read_secret_file(channel->secret_file);
    if (!secret) return usage_error("channel {}: {}", channel->id, secret.error().message);

    auto hub = HubClient::open(global);
    if (!hub) return std::unexpected(std::move(hub.error()));
    const std::string doing = "reading the join slots of channel " + channel->id;
    auto answer = hub->call(http::verb::get, "/v1/join-slots?channel=" + url_encode(channel->id), doing);
    if (!answer) return std::unexpected(std::move(answer.error()));
    const std::string kind_text = text_of(*answer, "kind");
    if (kind_text != config::to_string(channel->kind))
        return usage_error("{} says channel {} is {} but the hub says {}; give this hub's own hub.yaml",
                           options.hub_config, channel->id, config::to_string(channel->kind), kind_text);
    auto join_secret = content::parse_join_secret(text_of(*answer, "secret"));
    if (!join_secret)
        return refused_error("{}: the hub's join secret: {}", doing, join_secret.error().message);
    auto all_slots = read_slots(*answer, channel->id);
    if (!all_slots) return std::unexpected(std::move(all_slots.error()));

    Sender::Shared shared;
    shared.kind = channel->kind;
    shared.secret = std::move(*secret);
    shared.target =
        fmt::format("/v1/webhooks/{}/{}", config::to_string(channel->kind), url_encode(channel->id));
    if (channel->kind == ChannelKind::kakao) shared.target += "/" + url_encode(shared.secret);
    const std::set<std::string> wanted(options.screens.begin(), options.screens.end());
    std::set<std::string> offered;
    for (const JoinSlot& slot : *all_slots) {
        shared.assigned[slot.digits].insert(slot.slot);
        if (!options.campaign.empty() && slot.campaign != options.campaign) continue;
        offered.insert(slot.screen);
        if (!wanted.empty() && !wanted.contains(slot.screen)) continue;
        shared.slots.push_back(slot);
    }
    std::set<std::string> absent;
    std::ranges::set_difference(wanted, offered, std::inserter(absent, absent.end()));
    if (!absent.empty())
        return usage_error("{} show{} no {} code for channel {}; screens that do: {}", join_list(absent),
                           absent.size() == 1 ? "s" : "",
                           options.campaign.empty() ? "join" : options.campaign, channel->id,
                           offered.empty() ? "none" : join_list(offered));
    if (shared.slots.empty())
        return refused_error(
            "no screen shows a {} code for channel {}; apply an interactive campaign whose join.channels "
            "lists "
            "{} and that targets screens",
            options.campaign.empty() ? "join" : options.campaign, channel->id, channel->id);
    for (const JoinSlot& slot : shared.slots) {
        const std::pair key{slot.digits, slot.period_s};
        if (shared.spaces.contains(key)) continue;
        auto space =
            content::JoinCodeSpace::create(*join_secret, slot.digits, std::chrono::seconds{slot.period_s});
        if (!space) return refused_error("{}: {}", doing, space.error().message);
        shared.spaces.emplace(key, std::move(*space));
    }

    // The plan: who looks at which screen, who mistypes first. --seed repeats it; event and user
    // numbers are new on every run, so a second run is a new crowd rather than the hub's duplicates.
    std::uint64_t seed = 0;
    if (options.seed.empty())
        seed = (std::uint64_t{std::random_device{}()} << 32) | std::random_device{}();
    else
        seed = *config::parse_integer<std::uint64_t>(options.seed);
    std::mt19937_64 random{seed};
    std::mt19937_64 numbers{(std::uint64_t{std::random_device{}()} << 32) | std::random_device{}()};
    shared.first_user = 1'000'000'000 + numbers() % 1'000'000'000'000'000;
    shared.first_event = 1'000'000'000'000 + numbers() % 1'000'000'000'000'000;
    std::uniform_int_distribution<std::size_t> pick_slot(0, shared.slots.size() - 1);
    std::uniform_int_distribution<std::size_t> pick_name(0, names.size() - 1);
    std::bernoulli_distribution mistype(wrong);
    std::uint64_t wrong_people = 0;
    shared.people.reserve(options.people);
    for (std::uint64_t i = 0; i < options.people; ++i) {
        const Person person{pick_slot(random), static_cast<std::uint8_t>(pick_name(random)), mistype(random)};
        wrong_people += person.wrong_first ? 1 : 0;
        shared.people.push_back(person);
    }
    shared.rate = rate;

    unsigned connections = options.connections;
    if (connections == 0) connections = static_cast<unsigned>(std::clamp(std::ceil(rate / 50.0), 1.0, 8.0));
    connections = static_cast<unsigned>(
        std::min<std::uint64_t>(connections, std::max<std::uint64_t>(options.people, 1)));
    std::set<std::string> screens;
    for (const JoinSlot& slot : shared.slots) screens.insert(slot.screen);
    const std::uint64_t webhooks = options.people + wrong_people;
    print(fmt::format(
        "simulating {} {} on channel {} ({}) at {}/s over {} screen{}, {} with a wrong code first; "
        "{} webhook{} on {} connection{}\n",
        options.people, options.people == 1 ? "person" : "people", channel->id,
        config::to_string(channel->kind), rate, screens.size(), screens.size() == 1 ? "" : "s", wrong_people,
        webhooks, webhooks == 1 ? "" : "s", connections, connections == 1 ? "" : "s"));
    std::fflush(stdout);

    std::vector<std::unique_ptr<net::HttpClient>> clients;
    for (unsigned i = 0; i < connections; ++i) {
        auto client = open_http_client(global);
        if (!client) return std::unexpected(std::move(client.error()));
        clients.push_back(std::move(*client));
    }
    Progress progress;
    std::atomic<std::uint64_t> next_person{0};
    std::atomic<std::uint64_t> next_event{shared.first_event};
    std::vector<Tally> tallies(connections);
    shared.start = Clock::now();
    {
        std::vector<std::jthread> threads;
        for (unsigned i = 0; i < connections; ++i)
            threads.emplace_back([&, i] {
                Sender sender{shared, std::move(clients[i]), next_person, next_event, progress, seed + i + 1};
                tallies[i] = sender.run();
                std::lock_guard lock(progress.mutex);
                ++progress.finished;
                progress.done.notify_all();
            });
        const bool terminal = stderr_is_terminal();
        std::unique_lock lock(progress.mutex);
        while (!progress.done.wait_for(lock, std::chrono::seconds{1},
                                       [&] { return progress.finished == connections; })) {
            const double elapsed = std::chrono::duration<double>(Clock::now() - shared.start).count();
            const std::string line = fmt::format(
                "{}/{} people, {} webhooks sent, {} accepted, {} failed, {:.1f} people/s",
                progress.people.load(), options.people, progress.sent.load(), progress.accepted.load(),
                progress.failed.load(), static_cast<double>(progress.people.load()) / elapsed);
            if (terminal)
                std::fprintf(stderr, "\r\033[2K%s", line.c_str());
            else
                std::fprintf(stderr, "%s\n", line.c_str());
            std::fflush(stderr);
        }
        if (terminal) std::fputs("\r\033[2K", stderr);
    }
    const double elapsed = std::max(std::chrono::duration<double>(Clock::now() - shared.start).count(), 1e-6);

    Tally total;
    for (Tally& tally : tallies) {
        total.sent += tally.sent;
        total.accepted += tally.accepted;
        total.failed += tally.failed;
        total.unreachable += tally.unreachable;
        for (const auto& [outcome, count] : tally.outcomes) total.outcomes[outcome] += count;
        for (const auto& [message, count] : tally.failures) total.failures[message] += count;
        total.latencies_ms.insert(total.latencies_ms.end(), tally.latencies_ms.begin(),
                                  tally.latencies_ms.end());
    }
    print(fmt::format("sent {}, accepted {} (HTTP 200), failed {}\n", total.sent, total.accepted,
                      total.failed));
    if (channel->kind == ChannelKind::telegram || channel->kind == ChannelKind::kakao) {
        print(fmt::format("outcomes: {}'s answers do not carry them; {} webhooks accepted\n",
                          config::to_string(channel->kind), total.accepted));
    } else {
        std::string outcomes;
        for (const auto& [outcome, count] : total.outcomes)
            outcomes += fmt::format("{}{} {}", outcomes.empty() ? "" : ", ", outcome, count);
        print(fmt::format("outcomes: {}\n", outcomes.empty() ? "none" : outcomes));
    }
    print(fmt::format("rate: {:.1f} people/s, {:.1f} webhooks/s over {:.2f} s (asked {}/s)\n",
                      static_cast<double>(options.people) / elapsed,
                      static_cast<double>(total.sent) / elapsed, elapsed, rate));
    if (!total.latencies_ms.empty()) {
        std::ranges::sort(total.latencies_ms);
        const auto& ms = total.latencies_ms;
        print(fmt::format("latency: p50 {:.1f} ms, p99 {:.1f} ms, max {:.1f} ms\n",
                          ms[percentile_index(ms.size(), 0.50)], ms[percentile_index(ms.size(), 0.99)],
                          ms.back()));
    }
    if (total.failed == 0) return {};
    for (const auto& [message, count] : total.failures)
        std::fprintf(stderr, "dwellctl: %s (%llu times)\n", message.c_str(),
                     static_cast<unsigned long long>(count));
    if (total.unreachable == total.sent)
        return std::unexpected(Failure{
            Exit::unreachable, fmt::format("no webhook reached the hub at {}; check --hub and that dwell-hub "
                                           "is running there",
                                           hub->http_client().authority())});
    return refused_error(
        "{} of {} webhooks failed (above); check the channel's secret in {} and the hub's log", total.failed,
        total.sent, options.hub_config);
}

}  // namespace

void add_simulate_command(const CommandSite& site) {
    auto options = std::make_shared<SimulateOptions>();
    auto* simulate_command = site.app.add_subcommand(
        "simulate",
        "a crowd sending join codes: signed webhooks for the channel's platform (operator token)");
    simulate_command->add_option("--channel", options->channel, "the hub's channel id, e.g. line-main")
        ->required();
    simulate_command->add_option("--people", options->people, "how many people join (default 10)")
        ->transform(decimal())
        ->check(CLI::Range(std::uint64_t{1}, max_people));
    simulate_command->add_option("--rate", options->rate, "people per second, e.g. 50/s (default 10/s)")
        ->check(parsed_by(parse_rate, "R/s"));
    simulate_command
        ->add_option("--hub-config", options->hub_config,
                     "the hub's hub.yaml, for the channel's webhook secret (default /etc/dwell/hub.yaml)")
        ->envname("DWELL_HUB_CONFIG");
    simulate_command->add_option("--screens", options->screens, "only these screens, e.g. s1,s2")
        ->delimiter(',');
    simulate_command->add_option("--campaign", options->campaign, "only this campaign's codes");
    simulate_command
        ->add_option("--wrong", options->wrong, "fraction of people who send a wrong code first, e.g. 0.1")
        ->check(parsed_by(parse_fraction, "FRACTION"));
    simulate_command
        ->add_option("--seed", options->seed, "repeat the same choices of screens, names and mistakes")
        ->transform(decimal());
    simulate_command
        ->add_option("--connections", options->connections, "kept-alive connections (default: by rate)")
        ->transform(decimal())
        ->check(CLI::Range(1U, max_connections));
    simulate_command->callback([&site, options] {
        site.chosen = [&global = site.global, options] { return simulate(global, *options); };
    });
}

}  // namespace dwell::sync::ctl
