// Pure unit tests of the node configuration (config/): TOML text and
// command lines in, a validated node_config or an error naming the key out.
#define CAF_SUITE config
#include <caf/test/unit_test.hpp>
#include <caf/test/unit_test_impl.hpp>

#include <fstream>
#include <sstream>

#include "config/command_line.hpp"
#include "config/node_config.hpp"

using namespace stockwire;
using namespace stockwire::config;

namespace {

bool mentions(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

config_result parse(const std::string& text) {
  return parse_node_config(text, "test.toml");
}

} // namespace

CAF_TEST(an empty file yields the documented defaults) {
  auto r = parse("");
  CAF_REQUIRE(r.ok());
  auto& c = r.config;
  CAF_CHECK_EQUAL(c.node_id, "node1");
  CAF_CHECK_EQUAL(c.data_dir, "./data/node1");
  CAF_CHECK_EQUAL(c.http.host, "127.0.0.1");
  CAF_CHECK_EQUAL(c.http.port, 8080u);
  CAF_CHECK(c.http.api_tokens.empty());
  CAF_CHECK_EQUAL(c.log.level, "info");
  CAF_CHECK_EQUAL(c.log.format, "text");
  CAF_CHECK_EQUAL(c.http.body_bytes_max, gateway::limits::body_bytes_default);
  CAF_CHECK_EQUAL(c.store_write_ahead_log, true);
  CAF_CHECK_EQUAL(c.store_log_size_mb, 128u);
}

CAF_TEST(every key is read into its field) {
  auto r = parse(R"(
[node]
id = "n-2"
data_dir = "/var/lib/stockwire"
threads = 3
[http]
listen = "0.0.0.0:9000"
api_tokens = ["secret-1", "secret-2"]
request_timeout_ms = 2500
retry_after_s = 7
idle_timeout_s = 30
connections_max = 100
inflight_commands_max = 5000
[limits]
body_bytes_max = 65536
header_bytes_max = 4096
json_depth_max = 6
order_lines_max = 20
batch_orders_max = 200
stock_query_skus_max = 50
qty_max = 1000
[log]
level = "debug"
format = "json"
[store]
map_size_mb = 64
durable = false
write_ahead_log = false
log_size_mb = 16
[skus]
idle_timeout_s = 10
active_max = 1000
dedup_retention_h = 24
)");
  CAF_REQUIRE(r.ok());
  auto& c = r.config;
  CAF_CHECK_EQUAL(c.node_id, "n-2");
  CAF_CHECK_EQUAL(c.data_dir, "/var/lib/stockwire");
  CAF_CHECK_EQUAL(c.threads, 3);
  CAF_CHECK_EQUAL(c.http.host, "0.0.0.0");
  CAF_CHECK_EQUAL(c.http.port, 9000u);
  CAF_REQUIRE_EQUAL(c.http.api_tokens.size(), 2u);
  CAF_CHECK_EQUAL(c.http.api_tokens[1], "secret-2");
  CAF_CHECK_EQUAL(c.http.request_timeout_ms, 2500);
  CAF_CHECK_EQUAL(c.http.retry_after_s, 7);
  CAF_CHECK_EQUAL(c.http.idle_timeout_s, 30);
  CAF_CHECK_EQUAL(c.http.connections_max, 100u);
  CAF_CHECK_EQUAL(c.http.inflight_commands_max, 5000u);
  CAF_CHECK_EQUAL(c.http.body_bytes_max, 65536u);
  CAF_CHECK_EQUAL(c.http.header_bytes_max, 4096u);
  CAF_CHECK_EQUAL(c.http.json_depth_max, 6u);
  CAF_CHECK_EQUAL(c.http.order_lines_max, 20u);
  CAF_CHECK_EQUAL(c.http.batch_orders_max, 200u);
  CAF_CHECK_EQUAL(c.http.stock_query_skus_max, 50u);
  CAF_CHECK_EQUAL(c.http.qty_max, 1000);
  CAF_CHECK_EQUAL(c.log.level, "debug");
  CAF_CHECK_EQUAL(c.log.format, "json");
  CAF_CHECK_EQUAL(c.store_map_size_mb, 64u);
  CAF_CHECK_EQUAL(c.store_durable, false);
  CAF_CHECK_EQUAL(c.store_write_ahead_log, false);
  CAF_CHECK_EQUAL(c.store_log_size_mb, 16u);
  CAF_CHECK_EQUAL(c.sku_idle_timeout_s, 10);
  CAF_CHECK_EQUAL(c.active_skus_max, 1000u);
  CAF_CHECK_EQUAL(c.dedup_retention_h, 24);
}

CAF_TEST(an unknown key is refused with its name and line) {
  auto r = parse("[limits]\nbody_bytes_max = 4096\nbody_byte_max = 10\n");
  CAF_CHECK(!r.ok());
  CAF_CHECK(mentions(r.error, "limits.body_byte_max"));
  CAF_CHECK(mentions(r.error, "unknown key"));
  CAF_CHECK(mentions(r.error, "test.toml:3"));
}

CAF_TEST(an unknown table or top - level key is refused) {
  auto t = parse("[nodes]\nid = \"x\"\n");
  CAF_CHECK(!t.ok());
  CAF_CHECK(mentions(t.error, "nodes: unknown table"));
  auto k = parse("verbose = true\n");
  CAF_CHECK(!k.ok());
  CAF_CHECK(mentions(k.error, "verbose: unknown key"));
}

CAF_TEST(a value out of range names the key and the range) {
  auto r = parse("[limits]\nbody_bytes_max = 10\n");
  CAF_CHECK(!r.ok());
  CAF_CHECK(mentions(r.error, "limits.body_bytes_max"));
  CAF_CHECK(mentions(r.error, "between 1024 and"));
  CAF_CHECK(mentions(r.error, "(got 10)"));
  auto q = parse("[limits]\nqty_max = 2000000000\n");
  CAF_CHECK(mentions(q.error, "limits.qty_max"));
  auto k = parse("[limits]\nsku_bytes_max = 129\n");
  CAF_CHECK(mentions(k.error, "limits.sku_bytes_max"));
  auto ok = parse("[limits]\nsku_bytes_max = 40\n");
  CAF_CHECK(ok.error.empty());
  CAF_CHECK_EQUAL(ok.config.http.sku_bytes_max, 40u);
}

CAF_TEST(a value of the wrong type is refused) {
  CAF_CHECK(mentions(parse("[http]\nretry_after_s = \"1\"\n").error,
                     "http.retry_after_s: must be an integer"));
  CAF_CHECK(mentions(parse("[store]\nmap_size_mb = 1.5\n").error,
                     "store.map_size_mb: must be an integer"));
  CAF_CHECK(mentions(parse("[http]\napi_tokens = \"abc\"\n").error,
                     "http.api_tokens: must be an array"));
  CAF_CHECK(mentions(parse("[http]\napi_tokens = [\"ok\", 3]\n").error,
                     "http.api_tokens[1]: must be a string"));
  CAF_CHECK(mentions(parse("node = 3\n").error, "node: must be a table"));
  CAF_CHECK(mentions(parse("[store]\ndurable = 1\n").error,
                     "store.durable: must be true or false"));
  CAF_CHECK(
      mentions(parse("[store]\nlog_size_mb = 0\n").error, "store.log_size_mb"));
  CAF_CHECK(mentions(parse("[store]\nwrite_ahead_log = \"yes\"\n").error,
                     "store.write_ahead_log: must be true or false"));
  CAF_CHECK(mentions(parse("[store]\nlog_size_mb = 4097\n").error,
                     "store.log_size_mb"));
}

CAF_TEST(bad strings are refused) {
  CAF_CHECK(mentions(parse("[log]\nlevel = \"loud\"\n").error, "log.level"));
  CAF_CHECK(mentions(parse("[log]\nformat = \"xml\"\n").error, "log.format"));
  CAF_CHECK(mentions(parse("[node]\nid = \"a b\"\n").error, "node.id"));
  CAF_CHECK(
      mentions(parse("[node]\ndata_dir = \"\"\n").error, "node.data_dir"));
  CAF_CHECK(mentions(parse("[http]\napi_tokens = [\"has space\"]\n").error,
                     "http.api_tokens[0]"));
  CAF_CHECK(mentions(parse("[http]\nlisten = \"example.com:80\"\n").error,
                     "http.listen: host 'example.com' is not an IP"));
  CAF_CHECK(mentions(parse("[http]\nlisten = \"127.0.0.1:70000\"\n").error,
                     "http.listen: port"));
  CAF_CHECK(mentions(parse("[http]\nlisten = \"127.0.0.1\"\n").error,
                     "http.listen: must be HOST:PORT"));
}

CAF_TEST(a TOML syntax error is reported with its line) {
  auto r = parse("[node]\nid = \"unterminated\n");
  CAF_CHECK(!r.ok());
  CAF_CHECK(mentions(r.error, "test.toml:2"));
}

CAF_TEST(listen addresses accept IPv4 IPv6 and localhost) {
  std::string host;
  std::uint16_t port = 1;
  std::string why;
  CAF_CHECK(parse_listen("localhost:0", &host, &port, &why));
  CAF_CHECK_EQUAL(host, "127.0.0.1");
  CAF_CHECK_EQUAL(port, 0u);
  CAF_CHECK(parse_listen("[::1]:8081", &host, &port, &why));
  CAF_CHECK_EQUAL(host, "::1");
  CAF_CHECK_EQUAL(port, 8081u);
  CAF_CHECK(!parse_listen(":80", &host, &port, &why));
  CAF_CHECK(!parse_listen("127.0.0.1:8x", &host, &port, &why));
}

CAF_TEST(the command line needs a config file and knows its flags) {
  const char* ok[] = {
      "stockwired",    "--config",    "a.toml",       "--data-dir=/tmp/x",
      "--http-listen", "127.0.0.1:0", "--log-format", "json",
      "--log-level",   "warn"};
  auto r = parse_command_line(10, ok);
  CAF_REQUIRE(r.ok());
  CAF_CHECK_EQUAL(r.args.config_path, "a.toml");
  CAF_CHECK_EQUAL(*r.args.data_dir, "/tmp/x");
  const char* missing[] = {"stockwired", "--data-dir", "x"};
  CAF_CHECK(mentions(parse_command_line(3, missing).error, "--config"));
  const char* unknown[] = {"stockwired", "--config", "a", "--verbose"};
  CAF_CHECK(mentions(parse_command_line(4, unknown).error, "--verbose"));
  const char* dangling[] = {"stockwired", "--config"};
  CAF_CHECK(mentions(parse_command_line(2, dangling).error, "needs a value"));
  const char* help[] = {"stockwired", "--help"};
  CAF_CHECK(parse_command_line(2, help).args.help);
}

CAF_TEST(flags override the file and are validated like keys) {
  auto r = parse("[http]\nlisten = \"127.0.0.1:8080\"\n");
  CAF_REQUIRE(r.ok());
  const char* argv[] = {"stockwired",    "--config",    "a.toml",
                        "--http-listen", "[::1]:9001",  "--data-dir",
                        "/srv/d",        "--log-level", "error"};
  auto cl = parse_command_line(9, argv);
  CAF_REQUIRE(cl.ok());
  CAF_CHECK_EQUAL(apply_overrides(cl.args, r.config), "");
  CAF_CHECK_EQUAL(r.config.http.host, "::1");
  CAF_CHECK_EQUAL(r.config.http.port, 9001u);
  CAF_CHECK_EQUAL(r.config.data_dir, "/srv/d");
  CAF_CHECK_EQUAL(r.config.log.level, "error");
  command_line bad;
  bad.log_format = "yaml";
  CAF_CHECK(mentions(apply_overrides(bad, r.config), "--log-format"));
  bad = command_line{};
  bad.http_listen = "nowhere";
  CAF_CHECK(mentions(apply_overrides(bad, r.config), "--http-listen"));
}

CAF_TEST(the shipped single - node configuration is valid) {
  std::ifstream in{STOCKWIRE_SOURCE_DIR "/cluster-config/single-node.toml"};
  CAF_REQUIRE(static_cast<bool>(in));
  std::ostringstream ss;
  ss << in.rdbuf();
  auto r = parse_node_config(ss.str(), "single-node.toml");
  CAF_CHECK_EQUAL(r.error, "");
  CAF_CHECK_EQUAL(r.config.http.host, "127.0.0.1");
  CAF_CHECK_EQUAL(r.config.data_dir, "./data/node1");
}

CAF_TEST(every channel account gets a webhook endpoint with its secret) {
  auto r = parse(R"(
[channels.shopify]
endpoint = "http://127.0.0.1:18301"
webhook_secret = "shpss_1"
[channels.amazon-eu]
kind = "amazon"
endpoint = "http://127.0.0.1:18302"
)");
  CAF_REQUIRE_EQUAL(r.error, "");
  auto& accounts = r.config.http.webhook_accounts;
  CAF_REQUIRE_EQUAL(accounts.size(), 2u);
  // toml++ hands the tables over sorted by id, not in file order.
  auto& amazon = accounts[0];
  auto& shopify = accounts[1];
  CAF_CHECK_EQUAL(shopify.channel, "shopify");
  CAF_CHECK(shopify.kind == channel_kind::shopify);
  CAF_CHECK_EQUAL(shopify.secret, "shpss_1");
  CAF_CHECK_EQUAL(amazon.channel, "amazon-eu");
  CAF_CHECK(amazon.kind == channel_kind::amazon);
  CAF_CHECK_EQUAL(amazon.secret, ""); // refuses every webhook
  CAF_CHECK_EQUAL(r.config.http.webhook_max_age_s,
                  gateway::limits::webhook_max_age_s_default);
}

CAF_TEST(the webhook window never exceeds the dedup retention) {
  auto set = parse("[webhooks]\nmax_age_s = 7200\n");
  CAF_CHECK_EQUAL(set.error, "");
  CAF_CHECK_EQUAL(set.config.http.webhook_max_age_s, 7200);
  // The default shrinks to a shorter retention ...
  auto shrunk = parse("[skus]\ndedup_retention_h = 24\n");
  CAF_CHECK_EQUAL(shrunk.error, "");
  CAF_CHECK_EQUAL(shrunk.config.http.webhook_max_age_s, 24 * 3600);
  // ... a configured window beyond it is refused, naming both keys.
  auto over = parse("[skus]\ndedup_retention_h = 24\n"
                    "[webhooks]\nmax_age_s = 90000\n");
  CAF_CHECK(mentions(over.error, "webhooks.max_age_s"));
  CAF_CHECK(mentions(over.error, "skus.dedup_retention_h"));
  // Retention 0 keeps dedup records forever: any window fits.
  auto forever = parse("[skus]\ndedup_retention_h = 0\n"
                       "[webhooks]\nmax_age_s = 2592000\n");
  CAF_CHECK_EQUAL(forever.error, "");
  auto low = parse("[webhooks]\nmax_age_s = 10\n");
  CAF_CHECK(mentions(low.error, "webhooks.max_age_s"));
  auto unknown = parse("[webhooks]\nmax_age = 100\n");
  CAF_CHECK(mentions(unknown.error, "webhooks.max_age: unknown key"));
}

namespace {

const char* three_members = R"(
[cluster]
members = [
  { id = "node1", host = "127.0.0.1", port = 4101 },
  { id = "node2", host = "localhost", port = 4102 },
  { id = "node3", host = "::1", port = 4103 },
]
)";

} // namespace

CAF_TEST(no cluster table means a single node) {
  auto r = parse("");
  CAF_REQUIRE_EQUAL(r.error, "");
  CAF_CHECK(!r.config.cluster);
}

CAF_TEST(the cluster table is read with its defaults) {
  auto r = parse(std::string{"[node]\nid = \"node2\"\n"} + three_members);
  CAF_REQUIRE_EQUAL(r.error, "");
  CAF_REQUIRE(r.config.cluster);
  auto& c = *r.config.cluster;
  CAF_REQUIRE_EQUAL(c.members.size(), 3u);
  CAF_CHECK_EQUAL(c.members[1].id, "node2");
  CAF_CHECK_EQUAL(c.members[1].host, "127.0.0.1"); // localhost
  CAF_CHECK_EQUAL(c.members[1].port, 4102u);
  CAF_CHECK_EQUAL(c.members[2].host, "::1");
  // Without `listen`: loopback, on this node's member port.
  CAF_CHECK_EQUAL(c.listen_host, "127.0.0.1");
  CAF_CHECK_EQUAL(c.listen_port, 4102u);
  CAF_CHECK_EQUAL(c.shards, cluster::shard_count_default);
  CAF_CHECK_EQUAL(c.epoch, 1u);
  CAF_CHECK_EQUAL(c.forward_timeout_ms, 2000);
  auto set = parse(std::string{"[node]\nid = \"node1\"\n"
                               "allow_plaintext_remote = true\n"} +
                   three_members +
                   "listen = \"0.0.0.0:5000\"\nshards = 1024\nepoch = 7\n"
                   "forward_timeout_ms = 300\n");
  CAF_REQUIRE_EQUAL(set.error, "");
  CAF_CHECK_EQUAL(set.config.cluster->listen_host, "0.0.0.0");
  CAF_CHECK_EQUAL(set.config.cluster->listen_port, 5000u);
  CAF_CHECK_EQUAL(set.config.cluster->shards, 1024u);
  CAF_CHECK_EQUAL(set.config.cluster->epoch, 7u);
  CAF_CHECK_EQUAL(set.config.cluster->forward_timeout_ms, 300);
}

CAF_TEST(a bad cluster table is refused naming the key) {
  auto node1 = std::string{"[node]\nid = \"node1\"\n"};
  auto refused = [&](const std::string& text, const std::string& part) {
    auto r = parse(text);
    auto ok = mentions(r.error, part);
    if (!ok)
      CAF_MESSAGE("error '" << r.error << "' lacks '" << part << "'");
    CAF_CHECK(ok);
  };
  refused(node1 + three_members + "shard = 5\n", "cluster.shard: unknown key");
  refused(node1 + "[cluster]\nmembers = [{ id = \"node1\", host = "
                  "\"127.0.0.1\", port = 1, zone = \"a\" }]\n",
          "cluster.members[0].zone: unknown key");
  refused(node1 + "[cluster]\nmembers = [{ id = \"node1\", host = "
                  "\"example.com\", port = 1 }]\n",
          "cluster.members[0].host");
  refused(node1 + "[cluster]\nmembers = [{ id = \"node1\", host = "
                  "\"127.0.0.1\", port = 0 }]\n",
          "cluster.members[0].port");
  refused(node1 + "[cluster]\nmembers = [{ id = \"node1\" }]\n",
          "needs id, host and port");
  refused(node1 + "[cluster]\nmembers = \"node1\"\n",
          "cluster.members: must be an array of tables");
  refused(node1 + "[cluster]\nepoch = 1\n", "cluster.members: missing");
  refused(node1 + "[cluster]\nmembers = [{ id = \"node1\", host = "
                  "\"127.0.0.1\", port = 1 }, { id = \"node1\", host = "
                  "\"127.0.0.1\", port = 2 }]\n",
          "'node1' appears twice");
  refused(node1 + "[cluster]\nmembers = [{ id = \"node1\", host = "
                  "\"127.0.0.1\", port = 1 }, { id = \"node2\", host = "
                  "\"127.0.0.1\", port = 1 }]\n",
          "share 127.0.0.1:1");
  refused("[node]\nid = \"node9\"\n" + std::string{three_members},
          "no member has this node's id 'node9'");
  refused(node1 + three_members + "listen = \"127.0.0.1:0\"\n",
          "cluster.listen");
  refused(node1 + three_members + "epoch = 0\n", "cluster.epoch");
  refused(node1 + three_members + "shards = 0\n", "cluster.shards");
  refused(node1 + "[http]\nrequest_timeout_ms = 2000\n" + three_members,
          "cluster.forward_timeout_ms: must be below "
          "http.request_timeout_ms");
  refused("cluster = 1\n" + node1, "cluster: must be a table");
}

namespace {

// Parses cluster-config/<name>, which must be valid.
config_result shipped(const std::string& name) {
  std::ifstream in{STOCKWIRE_SOURCE_DIR "/cluster-config/" + name};
  CAF_REQUIRE(static_cast<bool>(in));
  std::ostringstream ss;
  ss << in.rdbuf();
  auto r = parse_node_config(ss.str(), name);
  CAF_REQUIRE_EQUAL(r.error, "");
  return r;
}

} // namespace

CAF_TEST(the shipped three - node configurations are valid and agree) {
  std::vector<cluster_settings> all;
  for (auto n : {"1", "2", "3"}) {
    auto r = shipped(std::string{"node"} + n + ".toml");
    CAF_REQUIRE(r.config.cluster);
    CAF_CHECK_EQUAL(r.config.node_id, std::string{"node"} + n);
    CAF_CHECK_EQUAL(r.config.http.port, 8080u + std::stoul(n));
    CAF_CHECK_EQUAL(r.config.cluster->listen_port, 4100u + std::stoul(n));
    CAF_CHECK_EQUAL(r.config.demo.skus, 0);
    all.push_back(*r.config.cluster);
  }
  for (auto& c : all) {
    CAF_CHECK(c.members == all[0].members);
    CAF_CHECK_EQUAL(c.shards, all[0].shards);
    CAF_CHECK_EQUAL(c.epoch, all[0].epoch);
  }
}

CAF_TEST(a membership change lists the previous configuration) {
  const std::string previous = "[cluster.previous]\nepoch = 1\nmembers = ["
                               "{ id = \"node1\", host = \"127.0.0.1\", "
                               "port = 4101 }, { id = \"node2\", host = "
                               "\"127.0.0.1\", port = 4102 }]\n";
  const std::string current = "[cluster]\nepoch = 2\nmembers = ["
                              "{ id = \"node1\", host = \"127.0.0.1\", "
                              "port = 4101 }, { id = \"node3\", host = "
                              "\"127.0.0.1\", port = 4103 }]\n";
  auto r = parse("[node]\nid = \"node1\"\n" + current + previous);
  CAF_REQUIRE_EQUAL(r.error, "");
  CAF_REQUIRE(r.config.cluster->previous);
  CAF_CHECK_EQUAL(r.config.cluster->previous->epoch, 1u);
  CAF_CHECK_EQUAL(r.config.cluster->previous->members.size(), 2u);
  auto m = make_membership(*r.config.cluster);
  CAF_CHECK_EQUAL(m.epoch(), 2u);
  CAF_REQUIRE(m.previous);
  CAF_CHECK_EQUAL(m.previous->epoch(), 1u);
  // node2 is leaving: a previous member only, on its previous port.
  auto leaving = parse("[node]\nid = \"node2\"\n" + current + previous);
  CAF_REQUIRE_EQUAL(leaving.error, "");
  CAF_CHECK_EQUAL(leaving.config.cluster->listen_port, 4102u);
  CAF_CHECK(!make_membership(*leaving.config.cluster).is_member("node2"));
  auto refused = [&](const std::string& text, const std::string& part) {
    auto res = parse(text);
    auto ok = mentions(res.error, part);
    if (!ok)
      CAF_MESSAGE("error '" << res.error << "' lacks '" << part << "'");
    CAF_CHECK(ok);
  };
  refused("[node]\nid = \"node9\"\n" + current + previous,
          "nor a previous member");
  refused("[node]\nid = \"node1\"\n" + current +
              "[cluster.previous]\nepoch = 2\nmembers = [{ id = \"node1\", "
              "host = \"127.0.0.1\", port = 4101 }]\n",
          "cluster.previous.epoch: must be below epoch");
  refused("[node]\nid = \"node1\"\n" + current +
              "[cluster.previous]\nepoch = 1\n",
          "cluster.previous: needs epoch and members");
  refused("[node]\nid = \"node1\"\n" + current +
              "[cluster.previous]\nepoch = 1\nzone = 2\nmembers = []\n",
          "cluster.previous.zone: unknown key");
}

CAF_TEST(the shipped add node4 configurations are valid and agree) {
  std::vector<cluster_settings> all;
  for (auto n : {"1", "2", "3", "4"}) {
    auto r = shipped(std::string{"add-node4/node"} + n + ".toml");
    CAF_REQUIRE(r.config.cluster && r.config.cluster->previous);
    CAF_CHECK_EQUAL(r.config.cluster->listen_port, 4100u + std::stoul(n));
    all.push_back(*r.config.cluster);
  }
  for (auto& c : all) {
    CAF_CHECK(c.members == all[0].members);
    CAF_CHECK_EQUAL(c.epoch, 2u);
    CAF_CHECK(c.previous->members == all[0].previous->members);
    CAF_CHECK_EQUAL(c.previous->epoch, 1u);
  }
  CAF_CHECK_EQUAL(all[0].members.size(), 4u);
  CAF_CHECK_EQUAL(all[0].previous->members.size(), 3u);
}

CAF_TEST(tls needs certificate key and cafile together) {
  auto r = parse("[tls]\ncertificate = \"n1.pem\"\nkey = \"n1.key\"\n"
                 "cafile = \"ca.pem\"\n");
  CAF_REQUIRE_EQUAL(r.error, "");
  CAF_CHECK(r.config.tls.enabled());
  CAF_CHECK_EQUAL(r.config.tls.certificate, "n1.pem");
  CAF_CHECK_EQUAL(r.config.tls.key, "n1.key");
  CAF_CHECK_EQUAL(r.config.tls.cafile, "ca.pem");
  CAF_CHECK_EQUAL(r.config.tls.passphrase, "");
  CAF_CHECK(!parse("").config.tls.enabled());
  r = parse("[tls]\ncertificate = \"n1.pem\"\n");
  CAF_CHECK(mentions(r.error, "tls: certificate, key and cafile are all "
                              "required"));
  r = parse("[tls]\ncertificate = \"n1.pem\"\nkey = \"n1.key\"\n"
            "cafile = \"ca.pem\"\nca = \"x\"\n");
  CAF_CHECK(mentions(r.error, "tls.ca: unknown key"));
  r = parse("[tls]\ncertificate = \"\"\n");
  CAF_CHECK(mentions(r.error, "tls.certificate: must not be empty"));
}

CAF_TEST(plain tcp off loopback is refused unless allowed) {
  auto remote_member = std::string{
      "[node]\nid = \"node1\"\n[cluster]\nmembers = [\n"
      "  { id = \"node1\", host = \"127.0.0.1\", port = 4101 },\n"
      "  { id = \"node2\", host = \"10.0.0.2\", port = 4102 },\n]\n"};
  auto r = parse(remote_member);
  CAF_CHECK(mentions(r.error, "cluster.members (node2): 10.0.0.2 is not a "
                              "loopback address"));
  CAF_CHECK(mentions(r.error, "configure [tls]"));
  r = parse("[node]\nid = \"node1\"\n[cluster]\nlisten = \"0.0.0.0:4101\"\n"
            "members = [{ id = \"node1\", host = \"127.0.0.1\", port = 4101 "
            "}]\n");
  CAF_CHECK(mentions(r.error, "cluster.listen: 0.0.0.0 is not a loopback"));
  r = parse("[admin]\nlisten = \"[::]:4100\"\n");
  CAF_CHECK(mentions(r.error, "admin.listen: :: is not a loopback"));
  CAF_CHECK_EQUAL(parse("[admin]\nlisten = \"[::1]:4100\"\n").error, "");
  CAF_CHECK_EQUAL(parse("[admin]\nlisten = \"localhost:4100\"\n").error, "");
  r = parse("[node]\nallow_plaintext_remote = true\n" +
            remote_member.substr(remote_member.find("[cluster]")));
  CAF_CHECK_EQUAL(r.error, "");
  r = parse(remote_member + "[tls]\ncertificate = \"n1.pem\"\n"
                            "key = \"n1.key\"\ncafile = \"ca.pem\"\n");
  CAF_CHECK_EQUAL(r.error, "");
}

CAF_TEST(the shipped tls configurations are valid and match the plain ones) {
  for (auto n : {"1", "2", "3"}) {
    auto plain = shipped(std::string{"node"} + n + ".toml");
    auto tls = shipped(std::string{"tls/node"} + n + ".toml");
    CAF_REQUIRE(tls.config.cluster);
    CAF_CHECK(tls.config.tls.enabled());
    CAF_CHECK_EQUAL(tls.config.tls.certificate,
                    std::string{"./data/tls/node"} + n + ".pem");
    CAF_CHECK(tls.config.cluster->members == plain.config.cluster->members);
    CAF_CHECK_EQUAL(tls.config.admin_port, plain.config.admin_port);
    CAF_CHECK(!plain.config.tls.enabled());
  }
}
