// Deterministic protocol tests of the oversell answer in the SKU actor: a
// channel's order rejected for lack of stock writes the order's
// cancellation record in the rejection's own transaction, once, and tells
// that channel's connector after the commit (actors/sku_actor.hpp).
#define CAF_SUITE oversell_record
#define FAIL(msg) CAF_FAIL(msg)
#include <caf/test/dsl.hpp>
#include <caf/test/unit_test_impl.hpp>

#include "actors/journal.hpp"
#include "actors/messages.hpp"
#include "actors/node_counters.hpp"
#include "actors/sku_actor.hpp"
#include "persistence/store.hpp"
#include "tests/caf_ask.hpp"
#include "tests/test_util.hpp"

using namespace stockwire;
using namespace std::chrono_literals;

namespace {

// Stands in for a connector: records what the SKU actor tells it.
struct heard {
  std::vector<sku_changed> changes;
  std::vector<order_oversold> oversold;
};

caf::behavior recording_connector(caf::event_based_actor*,
                                  std::shared_ptr<heard> log) {
  return {
      [=](sku_changed& m) { log->changes.push_back(std::move(m)); },
      [=](order_oversold& m) { log->oversold.push_back(std::move(m)); },
      [=](listing_removed&) {},
  };
}

struct fixture : test_coordinator_fixture<> {
  test::temp_dir dir;
  std::unique_ptr<store> db;
  caf::actor journal;
  std::shared_ptr<heard> woo = std::make_shared<heard>();
  std::shared_ptr<channel_directory> channels =
      std::make_shared<channel_directory>();
  caf::actor s1;

  fixture() {
    status st;
    store::options opts;
    opts.dir = dir.path();
    opts.map_size_bytes = 64ull << 20;
    db = store::open(opts, &st);
    CAF_REQUIRE(st.is_ok());
    journal_config jc;
    jc.purge_interval = 0ms;
    journal = spawn_journal(sys, *db, jc, false);
    channels->connectors["woo"] = sys.spawn(recording_connector, woo);
    s1 = spawn_sku_actor(sys, "S1", journal, db.get(), std::nullopt, channels);
    sched.run();
  }

  ~fixture() {
    anon_send_exit(s1, caf::exit_reason::user_shutdown);
    for (auto& [id, c] : channels->connectors)
      anon_send_exit(c, caf::exit_reason::user_shutdown);
    anon_send_exit(journal, caf::exit_reason::user_shutdown);
    sched.run();
  }

  template <class T, class Msg>
  caf::expected<T> ask(const caf::actor& dest, Msg msg) {
    return stockwire::test::ask<T>(self, sched, dest, std::move(msg));
  }

  // Every cancellation record as "channel/order/sku:qty".
  std::vector<std::string> cancels() {
    std::vector<std::string> out;
    db->for_each_cancel([&](const std::string& channel,
                            const std::string& order_id, const std::string& sku,
                            const cancel_record& r) {
      out.push_back(channel + "/" + order_id + "/" + sku + ":" +
                    std::to_string(r.qty));
      return true;
    });
    return out;
  }

  std::uint64_t rejected_lines() {
    return channel_order_counts("woo").rejected.load();
  }
  std::uint64_t accepted_lines() {
    return channel_order_counts("woo").accepted.load();
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(oversell_record_tests, fixture)

CAF_TEST(a channel order rejected for lack of stock records its cancellation) {
  CAF_REQUIRE(ask<stock_result>(s1, set_stock{"S1", 1, "wms-1", "wms"}));
  auto rejected0 = rejected_lines();
  self->send(s1, place_order{"woo:77", "S1", 3, "woo", true});
  expect((place_order), from(self).to(s1));
  expect((journal_entry), from(s1).to(journal));
  // Nothing is told before the commit holding the record.
  CAF_CHECK(woo->oversold.empty());
  CAF_CHECK(cancels().empty());
  expect((flush_atom), from(journal).to(journal));
  expect((committed_atom, std::uint64_t), from(journal).to(s1));
  CAF_CHECK_EQUAL(cancels(), (std::vector<std::string>{"woo/woo:77/S1:3"}));
  sched.run();
  CAF_REQUIRE_EQUAL(woo->oversold.size(), 1u);
  CAF_CHECK_EQUAL(woo->oversold[0].order_id, "woo:77");
  CAF_CHECK_EQUAL(woo->oversold[0].sku, "S1");
  CAF_CHECK_EQUAL(woo->oversold[0].qty, 3);
  CAF_CHECK(!woo->oversold[0].recovered);
  CAF_CHECK_EQUAL(rejected_lines(), rejected0 + 1);
  self->receive(
      [](order_result& r) { CAF_CHECK(r.status == order_status::rejected); });
}

CAF_TEST(a replay of the oversold order writes and counts nothing more) {
  CAF_REQUIRE(ask<stock_result>(s1, set_stock{"S1", 1, "wms-1", "wms"}));
  auto first =
      ask<order_result>(s1, place_order{"woo:78", "S1", 2, "woo", true});
  CAF_REQUIRE(first);
  auto rejected = rejected_lines();
  auto again =
      ask<order_result>(s1, place_order{"woo:78", "S1", 2, "woo", true});
  CAF_REQUIRE(again);
  CAF_CHECK(again->replayed);
  CAF_CHECK(again->status == order_status::rejected);
  CAF_CHECK_EQUAL(cancels().size(), 1u);
  CAF_CHECK_EQUAL(woo->oversold.size(), 1u);
  CAF_CHECK_EQUAL(rejected_lines(), rejected);
}

CAF_TEST(api orders and accepted orders record no cancellation) {
  CAF_REQUIRE(ask<stock_result>(s1, set_stock{"S1", 2, "wms-1", "wms"}));
  auto accepted = accepted_lines();
  auto rejected = rejected_lines();
  // An API caller is told "rejected" itself: nothing to cancel.
  auto api = ask<order_result>(s1, place_order{"api-1", "S1", 5, "woo"});
  CAF_REQUIRE(api);
  CAF_CHECK(api->status == order_status::rejected);
  auto ok = ask<order_result>(s1, place_order{"woo:79", "S1", 2, "woo", true});
  CAF_REQUIRE(ok);
  CAF_CHECK(ok->status == order_status::accepted);
  CAF_CHECK(cancels().empty());
  CAF_CHECK(woo->oversold.empty());
  CAF_CHECK_EQUAL(accepted_lines(), accepted + 1); // the channel's line only
  CAF_CHECK_EQUAL(rejected_lines(), rejected);
}

CAF_TEST(the oversold origin is corrected urgently and others not at all) {
  auto shop = std::make_shared<heard>();
  channels->connectors["shop"] = sys.spawn(recording_connector, shop);
  CAF_REQUIRE(ask<stock_result>(s1, set_stock{"S1", 1, "wms-1", "wms"}));
  CAF_REQUIRE(ask<listing_result>(s1, put_listing{"S1", "woo", {}}));
  CAF_REQUIRE(ask<listing_result>(s1, put_listing{"S1", "shop", {}}));
  woo->changes.clear();
  shop->changes.clear();
  CAF_REQUIRE(
      ask<order_result>(s1, place_order{"woo:80", "S1", 4, "woo", true}));
  CAF_REQUIRE_EQUAL(woo->changes.size(), 1u);
  CAF_CHECK(woo->changes[0].force && woo->changes[0].urgent);
  CAF_CHECK(shop->changes.empty());
  // An accepted order re-tells its origin too, but not urgently (a
  // polling connector waits for its tick).
  CAF_REQUIRE(
      ask<order_result>(s1, place_order{"woo:81", "S1", 1, "woo", true}));
  CAF_REQUIRE_EQUAL(woo->changes.size(), 3u); // the change, the re-tell
  CAF_CHECK(woo->changes[2].force && !woo->changes[2].urgent);
}

CAF_TEST_FIXTURE_SCOPE_END()
