// The HTTP and WebSocket server and the client together on loopback: routes, limits, timeouts,
// failures inside handlers, TLS, and a graceful stop.
#include "sync/net/server.hpp"

#include <atomic>
#include <chrono>
#include <functional>
#include <optional>
#include <thread>

#include <gtest/gtest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json/parse.hpp>

#include "sync/net/client.hpp"
#include "sync/net/http_date.hpp"
#include "sync/net/websocket_client.hpp"
#include "tests/support/process.hpp"
#include "tests/support/tcp_proxy.hpp"
#include "tests/support/temp_dir.hpp"

namespace dwell::sync::net {
namespace {

using namespace std::chrono_literals;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

// Runs a coroutine on its own io_context to the end.
template <class T>
T run_to_end(asio::awaitable<T> task) {
    asio::io_context context;
    std::optional<T> out;
    asio::co_spawn(context, std::move(task), [&](std::exception_ptr failure, T value) {
        if (failure) std::rethrow_exception(failure);
        out = std::move(value);
    });
    context.run();
    return std::move(*out);
}

// Connects a WebSocketClient to `target` and reads `reads` messages; the first error ends it.
struct WebSocketTalk {
    std::vector<std::string> messages;
    std::optional<Error> error;
    bool went_silent = false;
};
asio::awaitable<WebSocketTalk> talk(config::Url url, std::string target, ClientOptions client,
                                    WebSocketOptions options, int reads,
                                    std::function<void()> after_first = {}) {
    WebSocketTalk out;
    const auto executor = co_await asio::this_coro::executor;
    auto connected = co_await WebSocketClient::connect(executor, std::move(url), std::move(client),
                                                       std::move(target), Fields{}, options);
    if (!connected) {
        out.error = std::move(connected.error());
        co_return out;
    }
    for (int i = 0; i < reads; ++i) {
        auto message = co_await (*connected)->read();
        if (!message) {
            out.error = std::move(message.error());
            out.went_silent = (*connected)->went_silent();
            co_return out;
        }
        out.messages.push_back(std::move(*message));
        if (i == 0 && after_first) after_first();
    }
    co_await (*connected)->close("done");
    co_return out;
}

// A WebSocket handler that says hello, echoes what it gets, and remembers that it closed.
class Echo final : public WebSocketHandler {
  public:
    explicit Echo(std::atomic<int>& closed) : m_closed(closed) {}
    void on_open(std::shared_ptr<WebSocketChannel> channel) override {
        m_channel = std::move(channel);
        m_channel->send(std::make_shared<const std::string>("hello"));
    }
    void on_text(std::string_view message) override {
        if (message == "bye")
            m_channel->close("asked to");
        else
            m_channel->send(std::make_shared<const std::string>("echo " + std::string{message}));
    }
    void on_close() override {
        m_channel.reset();
        ++m_closed;
    }

  private:
    std::atomic<int>& m_closed;
    std::shared_ptr<WebSocketChannel> m_channel;
};

// A WebSocket handler that queues more than a connection holds, all at once.
class Flood final : public WebSocketHandler {
  public:
    static constexpr int messages = 5000;
    static std::string message(int index) { return std::to_string(index) + ":" + std::string(16'000, 'x'); }

    explicit Flood(std::atomic<int>& closed) : m_closed(closed) {}
    void on_open(std::shared_ptr<WebSocketChannel> channel) override {
        for (int i = 0; i < messages; ++i) channel->send(std::make_shared<const std::string>(message(i)));
    }
    void on_text(std::string_view) override {}
    void on_close() override { ++m_closed; }

  private:
    std::atomic<int>& m_closed;
};

class ServerTest : public ::testing::Test {
  protected:
    std::shared_ptr<Router> routes() {
        auto router = std::make_shared<Router>();
        router->add(http::verb::get, "/hello/{name}",
                    Route{"hello",
                          BufferedHandler{[](Exchange& exchange) {
                              return ready(text_reply(http::status::ok, "hello " + exchange.params[0]));
                          }},
                          {}});
        router->add(http::verb::post, "/echo",
                    Route{"echo",
                          BufferedHandler{[](Exchange& exchange) {
                              return ready(text_reply(http::status::ok, exchange.request.body()));
                          }},
                          {}});
        router->add(http::verb::post, "/count",
                    Route{"count", StreamedHandler{[](Exchange&, BodyReader& body) -> asio::awaitable<Reply> {
                              std::array<char, 1000> piece{};
                              std::uint64_t total = 0;
                              for (;;) {
                                  auto read = co_await body.read(piece);
                                  if (!read) co_return error_reply(read.error());
                                  if (*read == 0) break;
                                  total += *read;
                              }
                              co_return text_reply(http::status::ok, std::to_string(total));
                          }},
                          1ULL << 20});
        router->add(http::verb::get, "/fail",
                    Route{"fail",
                          BufferedHandler{[](Exchange&) -> asio::awaitable<Reply> {
                              throw std::runtime_error("a bug in a handler");
                          }},
                          {}});
        router->add(http::verb::get, "/slow",
                    Route{"slow",
                          BufferedHandler{[](Exchange&) -> asio::awaitable<Reply> {
                              asio::steady_timer timer{co_await asio::this_coro::executor, 400ms};
                              co_await timer.async_wait(asio::use_awaitable);
                              co_return text_reply(http::status::ok, "slow done");
                          }},
                          {}});
        router->add(
            http::verb::get, "/ws",
            Route{"ws",
                  UpgradeHandler{[this](Exchange& exchange) {
                      if (exchange.query_value("deny"))
                          return Upgrade{nullptr, error_reply(http::status::forbidden, "forbidden", "no")};
                      return Upgrade{std::make_shared<Echo>(m_closed), std::nullopt};
                  }},
                  {}});
        router->add(http::verb::get, "/flood",
                    Route{"flood",
                          UpgradeHandler{[this](Exchange&) {
                              return Upgrade{std::make_shared<Flood>(m_closed), std::nullopt};
                          }},
                          {}});
        return router;
    }

    void start(ServerOptions options = {}) {
        options.listen = {"127.0.0.1", 0};
        auto server = Server::create(options, routes());
        ASSERT_TRUE(server) << server.error().message;
        m_server = std::move(*server);
        m_server->start();
    }

    std::unique_ptr<HttpClient> client(std::string scheme = "http", std::string host = "127.0.0.1",
                                       ClientOptions options = {}) {
        config::Url url{scheme, host, m_server->local_endpoint().port, ""};
        return HttpClient::create(url, options).value();
    }

    std::atomic<int> m_closed{0};
    std::unique_ptr<Server> m_server;
};

TEST_F(ServerTest, AnswersRoutesOnOneKeptAliveConnection) {
    start();
    EXPECT_NE(m_server->local_endpoint().port, 0) << "port 0 is replaced by the port the system chose";
    auto http = client();
    for (const char* name : {"a", "b", "%EA%B9%80"}) {
        auto response = http->request(http::verb::get, std::string{"/hello/"} + name);
        ASSERT_TRUE(response) << response.error().message;
        EXPECT_EQ(response->result_int(), 200);
        EXPECT_TRUE(response->keep_alive());
        EXPECT_EQ((*response)[http::field::server], "dwell");
        // Every response tells the time, to the second: boxes without a clock set theirs by it.
        const auto date = net::parse_http_date((*response)[http::field::date]);
        ASSERT_TRUE(date) << (*response)[http::field::date];
        const auto off = std::chrono::system_clock::now() - *date;
        EXPECT_LT(std::chrono::abs(off), std::chrono::seconds{3});
    }
    auto korean = http->request(http::verb::get, "/hello/%EA%B9%80");
    EXPECT_EQ(korean->body(), "hello 김") << "path parameters arrive percent-decoded";
    auto echoed = http->request(http::verb::post, "/echo", {}, "some body", "text/plain");
    EXPECT_EQ(echoed->body(), "some body");
}

TEST(HttpDate, WritesAndReadsTheImfFixdateForm) {
    using namespace std::chrono;
    const config::WallTime time{seconds{784'111'777} + milliseconds{900}};
    EXPECT_EQ(net::http_date(time), "Sun, 06 Nov 1994 08:49:37 GMT") << "whole seconds, rounded down";
    EXPECT_EQ(net::parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), config::WallTime{seconds{784'111'777}});
    EXPECT_EQ(net::parse_http_date(net::http_date(config::WallTime{seconds{1'796'000'000}})),
              config::WallTime{seconds{1'796'000'000}});
    for (const std::string_view bad :
         {"", "Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994", "Sun, 06 Nov 1994 08:49:37",
          "Sun, 06 Nov 1994 08:49:37 GMT junk", "Sun, 32 Nov 1994 08:49:37 GMT",
          "Sun, 06 Nov 1994 25:49:37 GMT", "Mon, 06 Nov 1994 08:49:37 GMT", "Sun, 06 nov 1994 08:49:37 GMT"})
        EXPECT_FALSE(net::parse_http_date(bad)) << bad;
}

TEST_F(ServerTest, MissingRoutesAndWrongMethodsGetJsonErrors) {
    start();
    auto http = client();
    auto missing = http->request(http::verb::get, "/nope");
    ASSERT_TRUE(missing);
    EXPECT_EQ(missing->result_int(), 404);
    EXPECT_EQ(boost::json::parse(missing->body()).at("error").at("code").as_string(), "not_found");
    auto wrong = http->request(http::verb::delete_, "/echo");
    EXPECT_EQ(wrong->result_int(), 405);
    EXPECT_EQ((*wrong)[http::field::allow], "POST");
    EXPECT_EQ(error_message(*wrong), "this route does not take DELETE");
    auto head = http->request(http::verb::head, "/hello/x");
    EXPECT_EQ(head->result_int(), 200);
    EXPECT_EQ(head->body(), "") << "HEAD gets the header only";
    EXPECT_EQ((*head)[http::field::content_length], "7");
}

TEST_F(ServerTest, BodiesOverTheLimitAreRefusedBeforeTheyAreRead) {
    ServerOptions options;
    options.body_limit = 1000;
    start(options);
    auto http = client();
    auto small = http->request(http::verb::post, "/echo", {}, std::string(1000, 'x'), "text/plain");
    EXPECT_EQ(small->result_int(), 200);
    auto large = http->request(http::verb::post, "/echo", {}, std::string(1001, 'x'), "text/plain");
    ASSERT_TRUE(large);
    EXPECT_EQ(large->result_int(), 413);
    EXPECT_EQ(boost::json::parse(large->body()).at("error").at("code").as_string(), "payload_too_large");
    // A route with a limit of its own takes more, streamed in pieces.
    auto streamed = http->request(http::verb::post, "/count", {}, std::string(500'000, 'y'), "text/plain");
    EXPECT_EQ(streamed->body(), "500000");
    auto too_much =
        http->request(http::verb::post, "/count", {}, std::string((1 << 20) + 1, 'y'), "text/plain");
    EXPECT_EQ(too_much->result_int(), 413);
    EXPECT_EQ(http->request(http::verb::get, "/hello/again")->result_int(), 200) << "the server carries on";
}

TEST_F(ServerTest, AHandlerThatThrowsAnswers500AndTheServerCarriesOn) {
    start();
    auto http = client();
    auto failed = http->request(http::verb::get, "/fail");
    ASSERT_TRUE(failed);
    EXPECT_EQ(failed->result_int(), 500);
    EXPECT_EQ(error_message(*failed), "the hub failed; the details are in its log") << "no internals leak";
    EXPECT_EQ(http->request(http::verb::get, "/hello/x")->result_int(), 200);
}

TEST_F(ServerTest, ASlowClientTimesOutWithoutHoldingUpOthers) {
    ServerOptions options;
    options.request_timeout = 500ms;
    start(options);
    asio::io_context context;
    tcp::socket stalled{context};
    stalled.connect({asio::ip::make_address("127.0.0.1"), m_server->local_endpoint().port});
    const auto stalled_at = std::chrono::steady_clock::now();
    asio::write(stalled,
                asio::buffer(std::string_view{"GET /hello/x HTTP/1.1\r\nHost: a\r\n"}));  // never finished
    auto http = client();
    for (int i = 0; i < 20; ++i) EXPECT_EQ(http->request(http::verb::get, "/hello/x")->result_int(), 200);
    std::array<char, 64> scratch{};
    boost::system::error_code error;
    stalled.read_some(asio::buffer(scratch), error);  // blocks until the server gives up on it
    EXPECT_EQ(error, asio::error::eof) << "the server closed the stalled connection";
    EXPECT_GE(std::chrono::steady_clock::now() - stalled_at, 400ms) << "only once its timeout had passed";
}

TEST_F(ServerTest, MalformedRequestsGet400AndTheConnectionEnds) {
    start();
    asio::io_context context;
    tcp::socket socket{context};
    socket.connect({asio::ip::make_address("127.0.0.1"), m_server->local_endpoint().port});
    asio::write(socket, asio::buffer(std::string_view{"GARBAGE\r\n\r\n"}));
    std::string answer;
    boost::system::error_code error;
    for (std::array<char, 512> piece{}; !error;) {
        const auto read = socket.read_some(asio::buffer(piece), error);
        answer.append(piece.data(), read);
    }
    EXPECT_TRUE(answer.starts_with("HTTP/1.1 400")) << answer;
    EXPECT_NE(answer.find("\"bad_request\""), std::string::npos) << answer;
}

TEST_F(ServerTest, WebSocketsUpgradeTalkAndCloseOrAreRefused) {
    start();
    asio::io_context context;
    websocket::stream<tcp::socket> ws{context};
    ws.next_layer().connect({asio::ip::make_address("127.0.0.1"), m_server->local_endpoint().port});
    ws.handshake("127.0.0.1", "/ws");
    beast::flat_buffer buffer;
    ws.read(buffer);
    EXPECT_EQ(beast::buffers_to_string(buffer.data()), "hello");
    buffer.clear();
    ws.write(asio::buffer(std::string_view{"ping 1"}));
    ws.read(buffer);
    EXPECT_EQ(beast::buffers_to_string(buffer.data()), "echo ping 1");
    buffer.clear();
    ws.write(asio::buffer(std::string_view{"bye"}));
    boost::system::error_code error;
    ws.read(buffer, error);
    EXPECT_EQ(error, websocket::error::closed);
    EXPECT_EQ(ws.reason().reason, "asked to");
    for (int i = 0; i < 500 && m_closed.load() == 0; ++i) std::this_thread::sleep_for(5ms);
    EXPECT_EQ(m_closed.load(), 1) << "the handler learned that the connection ended";

    websocket::stream<tcp::socket> denied{context};
    denied.next_layer().connect({asio::ip::make_address("127.0.0.1"), m_server->local_endpoint().port});
    websocket::response_type refusal;
    denied.handshake(refusal, "127.0.0.1", "/ws?deny=1", error);
    EXPECT_EQ(error, websocket::error::upgrade_declined);
    EXPECT_EQ(refusal.result_int(), 403);

    auto http = client();
    auto plain = http->request(http::verb::get, "/ws");
    EXPECT_EQ(plain->result_int(), 426) << "a WebSocket route asked without Upgrade";
}

TEST_F(ServerTest, TheWebSocketClientReadsTextIsToldOfRefusalsAndNoticesASilentPeer) {
    start();
    const config::Url url{"http", "127.0.0.1", m_server->local_endpoint().port, ""};
    const auto hello = run_to_end(talk(url, "/ws", {}, {}, 1));
    ASSERT_FALSE(hello.error) << hello.error->message;
    EXPECT_EQ(hello.messages, (std::vector<std::string>{"hello"}));

    const auto denied = run_to_end(talk(url, "/ws?deny=1", {}, {}, 1));
    ASSERT_TRUE(denied.error);
    EXPECT_EQ(denied.error->code, Errc::unauthorized);
    EXPECT_NE(denied.error->message.find("(403)"), std::string::npos) << denied.error->message;

    const auto nowhere = run_to_end(talk(url, "/nowhere", {}, {}, 1));
    ASSERT_TRUE(nowhere.error);
    EXPECT_EQ(nowhere.error->code, Errc::io);
    EXPECT_NE(nowhere.error->message.find("(404)"), std::string::npos) << nowhere.error->message;

    // The network stops carrying anything after the first message, without closing: the client
    // pings at half the idle time, hears nothing, and gives the connection up.
    test::TcpProxy proxy{m_server->local_endpoint().port};
    WebSocketOptions quick;
    quick.idle_timeout = 600ms;
    const auto started = std::chrono::steady_clock::now();
    const auto silent = run_to_end(talk(config::Url{"http", "127.0.0.1", proxy.port(), ""}, "/ws", {}, quick,
                                        2, [&] { proxy.stall(true); }));
    const auto took = std::chrono::steady_clock::now() - started;
    proxy.stall(false);
    ASSERT_TRUE(silent.error);
    EXPECT_TRUE(silent.went_silent) << silent.error->message;
    EXPECT_NE(silent.error->message.find("the connection is dead"), std::string::npos)
        << silent.error->message;
    EXPECT_EQ(silent.messages.size(), 1U);
    EXPECT_LT(took, 10s) << "given up after the idle time, not the TCP timeouts";
}

TEST_F(ServerTest, AWebSocketPeerTooFarBehindGetsWholeMessagesThenACloseAndTheServerCarriesOn) {
    start();
    asio::io_context context;
    websocket::stream<tcp::socket> ws{context};
    ws.next_layer().connect({asio::ip::make_address("127.0.0.1"), m_server->local_endpoint().port});
    ws.handshake("127.0.0.1", "/flood");
    std::this_thread::sleep_for(200ms);  // not reading: the server's queue overflows mid-write
    int received = 0;
    boost::system::error_code error;
    for (;;) {
        beast::flat_buffer buffer;
        ws.read(buffer, error);
        if (error) break;
        ASSERT_EQ(beast::buffers_to_string(buffer.data()), Flood::message(received))
            << "message " << received << " arrived whole and in order";
        ++received;
    }
    EXPECT_EQ(error, websocket::error::closed) << error.message();
    EXPECT_EQ(ws.reason().reason, "too far behind; reconnect and resume");
    EXPECT_GT(received, 0);
    EXPECT_LT(received, Flood::messages) << "the backlog was dropped, not kept";
    for (int i = 0; i < 500 && m_closed.load() == 0; ++i) std::this_thread::sleep_for(5ms);
    EXPECT_EQ(m_closed.load(), 1);
    auto answer = client()->request(http::verb::get, "/hello/again");
    ASSERT_TRUE(answer) << answer.error().message;
    EXPECT_EQ(answer->body(), "hello again");
}

TEST_F(ServerTest, StoppingLetsARequestInProgressFinishAndThenRefusesMore) {
    start();
    const std::uint16_t port = m_server->local_endpoint().port;
    std::optional<Result<StringResponse>> slow;
    std::thread waiting{[&] { slow = client()->request(http::verb::get, "/slow"); }};
    std::this_thread::sleep_for(100ms);  // the slow request is in its handler now
    m_server->stop();
    waiting.join();
    ASSERT_TRUE(slow && *slow) << "the request in progress was answered";
    EXPECT_EQ((*slow)->body(), "slow done");
    config::Url url{"http", "127.0.0.1", port, ""};
    auto after = HttpClient::create(url).value()->request(http::verb::get, "/hello/x");
    EXPECT_FALSE(after) << "nothing is accepted after the stop";
}

TEST_F(ServerTest, ServesTlsWithItsCertificateAndClientsCheckIt) {
    test::TempDir folder;
    test::ProcessOptions openssl;
    openssl.arguments = {"req",
                         "-x509",
                         "-newkey",
                         "rsa:2048",
                         "-nodes",
                         "-keyout",
                         (folder / "key.pem").string(),
                         "-out",
                         (folder / "cert.pem").string(),
                         "-days",
                         "2",
                         "-subj",
                         "/CN=localhost",
                         "-addext",
                         "subjectAltName=DNS:localhost"};
    const auto made = test::run_process("/usr/bin/openssl", openssl, 60s);
    ASSERT_TRUE(made.exited && made.exit_code == 0) << "openssl could not make a test certificate";
    ServerOptions options;
    options.tls = config::TlsOptions{folder / "cert.pem", folder / "key.pem"};
    start(options);
    EXPECT_TRUE(m_server->uses_tls());

    ClientOptions trusting;
    trusting.ca_file = folder / "cert.pem";
    auto secure = client("https", "localhost", trusting);
    auto response = secure->request(http::verb::get, "/hello/tls");
    ASSERT_TRUE(response) << response.error().message;
    EXPECT_EQ(response->body(), "hello tls");
    EXPECT_EQ(secure->request(http::verb::get, "/hello/again")->body(), "hello again");

    // The feed's WebSocket goes over TLS the same way: wss after an https URL.
    const config::Url secure_url{"https", "localhost", m_server->local_endpoint().port, ""};
    const auto feed = run_to_end(talk(secure_url, "/ws", trusting, {}, 1));
    ASSERT_FALSE(feed.error) << feed.error->message;
    EXPECT_EQ(feed.messages, (std::vector<std::string>{"hello"}));
    const auto doubted = run_to_end(talk(secure_url, "/ws", {}, {}, 1));
    ASSERT_TRUE(doubted.error) << "a certificate the system does not trust is refused";
    EXPECT_NE(doubted.error->message.find("TLS"), std::string::npos) << doubted.error->message;

    auto untrusting = client("https", "localhost");  // the system's CAs do not know this certificate
    auto refused = untrusting->request(http::verb::get, "/hello/tls");
    EXPECT_FALSE(refused);
    auto plain = client("http", "localhost");
    EXPECT_FALSE(plain->request(http::verb::get, "/hello/x")) << "plain HTTP to a TLS port fails";

    const test::TempDir empty;
    ServerOptions missing;
    missing.tls = config::TlsOptions{empty / "cert.pem", empty / "key.pem"};
    auto broken = Server::create(missing, routes());
    ASSERT_FALSE(broken);
    EXPECT_NE(broken.error().message.find("cannot load the TLS certificate"), std::string::npos);
}

TEST_F(ServerTest, ABusyAddressIsAClearError) {
    start();
    ServerOptions options;
    options.listen = {"127.0.0.1", m_server->local_endpoint().port};
    auto second = Server::create(options, routes());
    ASSERT_FALSE(second);
    EXPECT_NE(second.error().message.find("cannot listen on 127.0.0.1:"), std::string::npos)
        << second.error().message;
    options.listen = {"not-an-address", 0};
    auto bad = Server::create(options, routes());
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().code, Errc::invalid_input);
}

}  // namespace
}  // namespace dwell::sync::net
