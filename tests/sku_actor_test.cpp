// Deterministic protocol tests of the SKU actor, the journal writer and the
// region, on a real LMDB store in a temporary directory.
#define CAF_SUITE sku_actor
#define FAIL(msg) CAF_FAIL(msg)
#include <caf/test/dsl.hpp>
#include <caf/test/unit_test_impl.hpp>

#include "actors/errors.hpp"
#include "actors/journal.hpp"
#include "actors/messages.hpp"
#include "actors/runtime.hpp"
#include "actors/sku_actor.hpp"
#include "actors/sku_region.hpp"
#include "persistence/log_recovery.hpp"
#include "persistence/store.hpp"
#include "persistence/wal.hpp"
#include "tests/caf_ask.hpp"
#include "tests/store_util.hpp"
#include "tests/test_util.hpp"

#include <atomic>
#include <functional>
#include <optional>
#include <thread>

using namespace stockwire;
using namespace std::chrono_literals;

namespace {

struct fixture : test_coordinator_fixture<> {
  test::temp_dir dir;
  std::unique_ptr<store> db;
  caf::actor journal;

  explicit fixture(std::size_t map_bytes = 64ull << 20) { open(map_bytes); }

  void open(std::size_t map_bytes) {
    status st;
    store::options opts;
    opts.dir = dir.path();
    opts.map_size_bytes = map_bytes;
    db = store::open(opts, &st);
    CAF_REQUIRE(st.is_ok());
    journal_config jc;
    jc.purge_interval = 0ms;
    journal = spawn_journal(sys, *db, jc, false);
    sched.run();
  }

  ~fixture() {
    anon_send_exit(journal, caf::exit_reason::user_shutdown);
    sched.run();
  }

  // Sends `msg` as a request, runs every actor until idle, returns the reply.
  template <class T, class Msg>
  caf::expected<T> ask(const caf::actor& dest, Msg msg) {
    return stockwire::test::ask<T>(self, sched, dest, std::move(msg));
  }

  caf::actor sku(const std::string& name) {
    auto a = spawn_sku_actor(sys, name, journal, db.get());
    sched.run();
    return a;
  }

  stock_state stored(const std::string& name) {
    stock_state s;
    CAF_REQUIRE(db->get_stock(name, &s).is_ok());
    return s;
  }
};

errc code_of(const caf::error& e) {
  return error_code(e);
}

} // namespace

CAF_TEST_FIXTURE_SCOPE(sku_actor_tests, fixture)

CAF_TEST(an order is accepted and the reply waits for the commit) {
  auto s1 = sku("S1");
  CAF_REQUIRE(ask<stock_result>(s1, set_stock{"S1", 10, "wms-1", "wms"}));
  self->send(s1, place_order{"A-1", "S1", 3, "amazon"});
  expect((place_order), from(self).to(s1));
  expect((journal_entry), from(s1).to(journal));
  // The actor has answered nothing yet: the commit is still ahead.
  CAF_CHECK(self->mailbox().empty());
  expect((flush_atom), from(journal).to(journal));
  expect((committed_atom, std::uint64_t), from(journal).to(s1).with(_, 2u));
  expect((order_result), from(s1).to(self));
  CAF_CHECK_EQUAL(stored("S1").on_hand, 7);
}

CAF_TEST(orders pipeline into one group commit and replies keep their order) {
  auto s1 = sku("S1");
  CAF_REQUIRE(ask<stock_result>(s1, set_stock{"S1", 10, "wms-1", "wms"}));
  self->send(s1, place_order{"A-1", "S1", 1, "amazon"});
  self->send(s1, place_order{"A-2", "S1", 2, "shopify"});
  self->send(s1, place_order{"A-3", "S1", 3, "ebay"});
  expect((place_order), from(self).to(s1));
  expect((place_order), from(self).to(s1));
  expect((place_order), from(self).to(s1));
  // Gathered while the mailbox held more: one journal entry for all three.
  expect((journal_entry), from(s1).to(journal));
  expect((flush_atom), from(journal).to(journal));
  // One transaction, one notification covering all three.
  expect((committed_atom, std::uint64_t), from(journal).to(s1).with(_, 4u));
  std::vector<std::string> ids;
  std::vector<std::int64_t> available;
  for (int i = 0; i < 3; ++i)
    self->receive([&](order_result& r) {
      ids.push_back(r.order_id);
      available.push_back(r.available);
    });
  CAF_CHECK_EQUAL(ids, (std::vector<std::string>{"A-1", "A-2", "A-3"}));
  CAF_CHECK_EQUAL(available, (std::vector<std::int64_t>{9, 7, 4}));
  caf::expected<journal_stats> js =
      ask<journal_stats>(journal, stats_atom::value);
  CAF_REQUIRE(js);
  CAF_CHECK_EQUAL(js->batches, 2u);
  CAF_CHECK_EQUAL(js->records, 4u);
}

CAF_TEST(an order beyond stock is rejected and the rejection is replayed) {
  auto s1 = sku("S1");
  CAF_REQUIRE(ask<stock_result>(s1, set_stock{"S1", 1, "wms-1", "wms"}));
  auto a = ask<order_result>(s1, place_order{"A-1", "S1", 1, "amazon"});
  CAF_REQUIRE(a);
  CAF_CHECK(a->status == order_status::accepted);
  CAF_CHECK_EQUAL(a->available, 0);
  auto r = ask<order_result>(s1, place_order{"A-2", "S1", 1, "amazon"});
  CAF_REQUIRE(r);
  CAF_CHECK(r->status == order_status::rejected);
  CAF_CHECK_EQUAL(r->available, 0);
  CAF_CHECK(!r->replayed);
  // Restock, then retry the rejected order: same answer, still rejected.
  CAF_REQUIRE(ask<stock_result>(s1, adjust_stock{"S1", 5, "wms-2", "wms"}));
  auto again = ask<order_result>(s1, place_order{"A-2", "S1", 1, "amazon"});
  CAF_REQUIRE(again);
  CAF_CHECK(again->status == order_status::rejected);
  CAF_CHECK(again->replayed);
  CAF_CHECK_EQUAL(stored("S1").on_hand, 5);
}

CAF_TEST(a retry of the same order id replays the original result) {
  auto s1 = sku("S1");
  CAF_REQUIRE(ask<stock_result>(s1, set_stock{"S1", 10, "wms-1", "wms"}));
  auto first = ask<order_result>(s1, place_order{"A-1", "S1", 4, "amazon"});
  auto second = ask<order_result>(s1, place_order{"A-1", "S1", 4, "amazon"});
  CAF_REQUIRE(first && second);
  CAF_CHECK(!first->replayed);
  CAF_CHECK(second->replayed);
  CAF_CHECK_EQUAL(second->available, 6);
  CAF_CHECK_EQUAL(second->version, first->version);
  CAF_CHECK_EQUAL(stored("S1").on_hand, 6);
}

CAF_TEST(a retry while the first attempt is in flight waits for its commit) {
  auto s1 = sku("S1");
  CAF_REQUIRE(ask<stock_result>(s1, set_stock{"S1", 10, "wms-1", "wms"}));
  self->send(s1, place_order{"A-1", "S1", 4, "amazon"});
  self->send(s1, place_order{"A-1", "S1", 4, "amazon"});
  expect((place_order), from(self).to(s1));
  expect((place_order), from(self).to(s1));
  CAF_CHECK(self->mailbox().empty());
  expect((journal_entry), from(s1).to(journal));
  expect((flush_atom), from(journal).to(journal));
  expect((committed_atom, std::uint64_t), from(journal).to(s1));
  bool replayed[2];
  for (auto& r : replayed)
    self->receive([&](order_result& x) { r = x.replayed; });
  CAF_CHECK(!replayed[0]);
  CAF_CHECK(replayed[1]);
  CAF_CHECK_EQUAL(stored("S1").on_hand, 6);
}

CAF_TEST(the same order id with another payload is a conflict) {
  auto s1 = sku("S1");
  CAF_REQUIRE(ask<stock_result>(s1, set_stock{"S1", 10, "wms-1", "wms"}));
  CAF_REQUIRE(ask<order_result>(s1, place_order{"A-1", "S1", 4, "amazon"}));
  auto qty = ask<order_result>(s1, place_order{"A-1", "S1", 5, "amazon"});
  CAF_REQUIRE(!qty);
  CAF_CHECK_EQUAL(code_of(qty.error()), errc::id_conflict);
  auto chan = ask<order_result>(s1, place_order{"A-1", "S1", 4, "ebay"});
  CAF_REQUIRE(!chan);
  CAF_CHECK_EQUAL(code_of(chan.error()), errc::id_conflict);
  auto key = ask<stock_result>(s1, set_stock{"S1", 99, "wms-1", "wms"});
  CAF_REQUIRE(!key);
  CAF_CHECK_EQUAL(code_of(key.error()), errc::id_conflict);
  CAF_CHECK_EQUAL(stored("S1").on_hand, 6);
}

CAF_TEST(cancel restores once and is idempotent) {
  auto s1 = sku("S1");
  CAF_REQUIRE(ask<stock_result>(s1, set_stock{"S1", 10, "wms-1", "wms"}));
  CAF_REQUIRE(ask<order_result>(s1, place_order{"A-1", "S1", 4, "amazon"}));
  auto c1 = ask<cancel_result>(s1, cancel_order{"A-1", "S1", "amazon"});
  CAF_REQUIRE(c1);
  CAF_CHECK_EQUAL(c1->restored, 4);
  CAF_CHECK_EQUAL(c1->available, 10);
  CAF_CHECK(!c1->replayed);
  auto c2 = ask<cancel_result>(s1, cancel_order{"A-1", "S1", "amazon"});
  CAF_REQUIRE(c2);
  CAF_CHECK(c2->replayed);
  CAF_CHECK_EQUAL(c2->restored, 4);
  CAF_CHECK_EQUAL(c2->available, 10); // what the cancel said, not the order
  CAF_CHECK_EQUAL(c2->version, c1->version);
  CAF_CHECK_EQUAL(stored("S1").on_hand, 10);
  // A retry of the original order after its cancel replays, takes nothing.
  auto o = ask<order_result>(s1, place_order{"A-1", "S1", 4, "amazon"});
  CAF_REQUIRE(o);
  CAF_CHECK(o->replayed);
  CAF_CHECK_EQUAL(stored("S1").on_hand, 10);
}

CAF_TEST(cancel of an unknown order is a clear error) {
  auto s1 = sku("S1");
  CAF_REQUIRE(ask<stock_result>(s1, set_stock{"S1", 10, "wms-1", "wms"}));
  auto c = ask<cancel_result>(s1, cancel_order{"NOPE", "S1", "amazon"});
  CAF_REQUIRE(!c);
  CAF_CHECK_EQUAL(code_of(c.error()), errc::unknown_order);
  CAF_CHECK_NOT_EQUAL(error_detail(c.error()).find("NOPE"), std::string::npos);
}

CAF_TEST(a cancel before its order leaves a tombstone and the late order takes nothing) {
  auto s1 = sku("S1");
  CAF_REQUIRE(ask<stock_result>(s1, set_stock{"S1", 10, "wms-1", "wms"}));
  // Without the flag: a clear error, nothing written.
  auto plain = ask<cancel_result>(s1, cancel_order{"W-1", "S1", "shopify"});
  CAF_REQUIRE(!plain);
  CAF_CHECK(code_of(plain.error()) == errc::unknown_order);
  auto c = ask<cancel_result>(s1, cancel_order{"W-1", "S1", "shopify", true});
  CAF_REQUIRE(c);
  CAF_CHECK_EQUAL(c->restored, 0);
  CAF_CHECK_EQUAL(c->available, 10);
  auto late = ask<order_result>(s1, place_order{"W-1", "S1", 3, "shopify"});
  CAF_REQUIRE(late);
  CAF_CHECK(late->status == order_status::voided);
  CAF_CHECK_EQUAL(late->available, 10);
  CAF_CHECK_EQUAL(stored("S1").on_hand, 10);
  CAF_CHECK_EQUAL(stored("S1").version, 1u); // no change, no audit record
  // The cancel repeated replays; so does the order.
  auto again = ask<cancel_result>(s1, cancel_order{"W-1", "S1", "shopify", true});
  CAF_REQUIRE(again);
  CAF_CHECK(again->replayed);
  CAF_CHECK_EQUAL(again->restored, 0);
  auto late2 = ask<order_result>(s1, place_order{"W-1", "S1", 3, "shopify"});
  CAF_REQUIRE(late2);
  CAF_CHECK(late2->status == order_status::voided);
  CAF_CHECK_EQUAL(stored("S1").on_hand, 10);
}

CAF_TEST(cancel of a rejected order restores nothing) {
  auto s1 = sku("S1");
  CAF_REQUIRE(ask<stock_result>(s1, set_stock{"S1", 1, "wms-1", "wms"}));
  auto r = ask<order_result>(s1, place_order{"A-1", "S1", 2, "amazon"});
  CAF_REQUIRE(r);
  CAF_CHECK(r->status == order_status::rejected);
  auto c = ask<cancel_result>(s1, cancel_order{"A-1", "S1", "amazon"});
  CAF_REQUIRE(c);
  CAF_CHECK_EQUAL(c->restored, 0);
  CAF_CHECK_EQUAL(stored("S1").on_hand, 1);
}

CAF_TEST(set and adjust refuse a result below zero) {
  auto s1 = sku("S1");
  auto neg = ask<stock_result>(s1, set_stock{"S1", -1, "wms-0", "wms"});
  CAF_REQUIRE(!neg);
  CAF_CHECK_EQUAL(code_of(neg.error()), errc::negative_stock);
  CAF_REQUIRE(ask<stock_result>(s1, set_stock{"S1", 3, "wms-1", "wms"}));
  auto adj = ask<stock_result>(s1, adjust_stock{"S1", -4, "wms-2", "wms"});
  CAF_REQUIRE(!adj);
  CAF_CHECK_EQUAL(code_of(adj.error()), errc::negative_stock);
  auto ok = ask<stock_result>(s1, adjust_stock{"S1", -3, "wms-3", "wms"});
  CAF_REQUIRE(ok);
  CAF_CHECK_EQUAL(ok->on_hand, 0);
  CAF_CHECK_EQUAL(stored("S1").on_hand, 0);
}

CAF_TEST(unknown skus are refused except by set) {
  auto s9 = sku("S9");
  auto o = ask<order_result>(s9, place_order{"A-1", "S9", 1, "amazon"});
  CAF_REQUIRE(!o);
  CAF_CHECK_EQUAL(code_of(o.error()), errc::unknown_sku);
  auto g = ask<stock_view>(s9, get_stock{"S9"});
  CAF_REQUIRE(!g);
  CAF_CHECK_EQUAL(code_of(g.error()), errc::unknown_sku);
  auto a = ask<stock_result>(s9, adjust_stock{"S9", 1, "k", "wms"});
  CAF_REQUIRE(!a);
  CAF_CHECK_EQUAL(code_of(a.error()), errc::unknown_sku);
}

CAF_TEST(every accepted change writes one audit record newest first) {
  auto s1 = sku("S1");
  CAF_REQUIRE(ask<stock_result>(s1, set_stock{"S1", 10, "wms-1", "wms"}));
  CAF_REQUIRE(ask<order_result>(s1, place_order{"A-1", "S1", 4, "amazon"}));
  CAF_REQUIRE(ask<order_result>(s1, place_order{"A-2", "S1", 99, "amazon"}));
  CAF_REQUIRE(ask<cancel_result>(s1, cancel_order{"A-1", "S1", ""}));
  CAF_REQUIRE(ask<stock_result>(s1, adjust_stock{"S1", -2, "wms-2", "wms"}));
  auto page = ask<audit_page>(s1, get_audit{"S1", 10, 0});
  CAF_REQUIRE(page);
  auto& recs = page->records;
  CAF_REQUIRE_EQUAL(recs.size(), 4u); // the rejection changed nothing
  CAF_CHECK_EQUAL(recs[0].version, 4u);
  CAF_CHECK(recs[0].kind == op_kind::adjust);
  CAF_CHECK_EQUAL(recs[0].delta, -2);
  CAF_CHECK_EQUAL(recs[0].on_hand_after, 8);
  CAF_CHECK(recs[1].kind == op_kind::cancel);
  CAF_CHECK_EQUAL(recs[1].op_id, "A-1");
  CAF_CHECK_EQUAL(recs[1].source, "amazon");
  CAF_CHECK_EQUAL(recs[1].delta, 4);
  CAF_CHECK(recs[2].kind == op_kind::order);
  CAF_CHECK_EQUAL(recs[2].delta, -4);
  CAF_CHECK(recs[3].kind == op_kind::set);
  CAF_CHECK_EQUAL(recs[3].delta, 10);
  auto older = ask<audit_page>(s1, get_audit{"S1", 2, 2});
  CAF_REQUIRE(older);
  CAF_REQUIRE_EQUAL(older->records.size(), 2u);
  CAF_CHECK_EQUAL(older->records[0].version, 2u);
  auto view = ask<stock_view>(s1, get_stock{"S1"});
  CAF_REQUIRE(view);
  CAF_CHECK_EQUAL(view->on_hand, 8);
  CAF_CHECK_EQUAL(view->version, 4u);
}

CAF_TEST(a sku passivates when idle and comes back with its state) {
  region_config rc;
  rc.idle_timeout = 100ms;
  rc.active_skus_max = 1000;
  auto region = spawn_region(sys, journal, db.get(), rc);
  sched.run();
  CAF_REQUIRE(ask<stock_result>(region, set_stock{"S1", 10, "wms-1", "wms"}));
  CAF_REQUIRE(ask<order_result>(region, place_order{"A-1", "S1", 3, "ebay"}));
  auto before = ask<region_stats>(region, stats_atom::value);
  CAF_REQUIRE(before);
  CAF_CHECK_EQUAL(before->active, 1u);
  // Let the idle timer fire past the timeout.
  for (int i = 0; i < 10; ++i) {
    sched.advance_time(50ms);
    sched.run();
  }
  auto after = ask<region_stats>(region, stats_atom::value);
  CAF_REQUIRE(after);
  CAF_CHECK_EQUAL(after->active, 0u);
  CAF_CHECK_EQUAL(after->passivated, 1u);
  // Reactivation is transparent: same stock, same dedup memory.
  auto view = ask<stock_view>(region, get_stock{"S1"});
  CAF_REQUIRE(view);
  CAF_CHECK_EQUAL(view->on_hand, 7);
  CAF_CHECK_EQUAL(view->version, 2u);
  auto retry = ask<order_result>(region, place_order{"A-1", "S1", 3, "ebay"});
  CAF_REQUIRE(retry);
  CAF_CHECK(retry->replayed);
  auto again = ask<region_stats>(region, stats_atom::value);
  CAF_CHECK_EQUAL(again->activated, 2u);
  anon_send_exit(region, caf::exit_reason::user_shutdown);
}

CAF_TEST(the active set is capped and commands during passivation wait) {
  region_config rc;
  rc.idle_timeout = 0ms;
  rc.active_skus_max = 2;
  auto region = spawn_region(sys, journal, db.get(), rc);
  sched.run();
  for (int i = 0; i < 5; ++i) {
    auto s = "S" + std::to_string(i);
    CAF_REQUIRE(ask<stock_result>(region, set_stock{s, 10 + i, "k", "wms"}));
  }
  auto stats = ask<region_stats>(region, stats_atom::value);
  CAF_REQUIRE(stats);
  CAF_CHECK_EQUAL(stats->active, 2u);
  CAF_CHECK_EQUAL(stats->passivated, 3u);
  // S0 was passivated; an order for it reactivates it from disk.
  auto o = ask<order_result>(region, place_order{"A-1", "S0", 1, "ebay"});
  CAF_REQUIRE(o);
  CAF_CHECK_EQUAL(o->available, 9);
  // Two commands sent back to back while S4 is forced out and back in.
  self->send(region, place_order{"B-1", "S1", 1, "ebay"}); // evicts S4's peer
  self->send(region, place_order{"B-2", "S4", 1, "ebay"});
  sched.run();
  int accepted = 0;
  for (int i = 0; i < 2; ++i)
    self->receive([&](order_result& r) {
      if (r.status == order_status::accepted)
        ++accepted;
    });
  CAF_CHECK_EQUAL(accepted, 2);
  CAF_CHECK_EQUAL(stored("S4").on_hand, 13);
  CAF_CHECK_EQUAL(stored("S1").on_hand, 10);
  anon_send_exit(region, caf::exit_reason::user_shutdown);
}

CAF_TEST(the region refuses invalid commands without activating a sku) {
  region_config rc;
  auto region = spawn_region(sys, journal, db.get(), rc);
  sched.run();
  auto bad_qty = ask<order_result>(region, place_order{"A-1", "S1", 0, "x"});
  CAF_REQUIRE(!bad_qty);
  CAF_CHECK_EQUAL(code_of(bad_qty.error()), errc::invalid_argument);
  auto bad_sku = ask<stock_view>(region, get_stock{"bad sku"});
  CAF_REQUIRE(!bad_sku);
  CAF_CHECK_EQUAL(code_of(bad_sku.error()), errc::invalid_argument);
  auto bad_key = ask<stock_result>(region, set_stock{"S1", 5, "", "wms"});
  CAF_REQUIRE(!bad_key);
  CAF_CHECK_EQUAL(code_of(bad_key.error()), errc::invalid_argument);
  auto stats = ask<region_stats>(region, stats_atom::value);
  CAF_CHECK_EQUAL(stats->activated, 0u);
  // Nothing was written.
  stock_state s;
  CAF_CHECK(db->get_stock("S1", &s).is_not_found());
  CAF_CHECK_EQUAL(db->count("dedup"), 0u);
  anon_send_exit(region, caf::exit_reason::user_shutdown);
}

CAF_TEST(commands for unknown skus are answered without activating them) {
  auto region = spawn_region(sys, journal, db.get(), region_config{});
  sched.run();
  auto o = ask<order_result>(region, place_order{"A-1", "NOPE", 1, "ebay"});
  CAF_REQUIRE(!o);
  CAF_CHECK_EQUAL(code_of(o.error()), errc::unknown_sku);
  auto g = ask<stock_view>(region, get_stock{"NOPE"});
  CAF_REQUIRE(!g);
  CAF_CHECK_EQUAL(code_of(g.error()), errc::unknown_sku);
  auto stats = ask<region_stats>(region, stats_atom::value);
  CAF_CHECK_EQUAL(stats->activated, 0u);
  // set_stock creates it; then it is served by its actor.
  CAF_REQUIRE(ask<stock_result>(region, set_stock{"NOPE", 2, "k", "wms"}));
  auto ok = ask<order_result>(region, place_order{"A-1", "NOPE", 1, "ebay"});
  CAF_REQUIRE(ok);
  CAF_CHECK_EQUAL(ok->available, 1);
  anon_send_exit(region, caf::exit_reason::user_shutdown);
}

CAF_TEST(the journal purges dedup records older than the retention) {
  anon_send_exit(journal, caf::exit_reason::user_shutdown);
  sched.run();
  journal_config jc;
  jc.dedup_retention = 1ms;
  jc.purge_interval = 10ms;
  journal = spawn_journal(sys, *db, jc, false);
  sched.run();
  auto s1 = sku("S1");
  CAF_REQUIRE(ask<stock_result>(s1, set_stock{"S1", 10, "wms-1", "wms"}));
  CAF_REQUIRE(ask<order_result>(s1, place_order{"A-1", "S1", 1, "amazon"}));
  CAF_CHECK_EQUAL(db->count("dedup"), 2u);
  // Records carry wall-clock creation times: let them age past 1 ms.
  std::this_thread::sleep_for(5ms);
  sched.advance_time(10ms);
  sched.run();
  CAF_CHECK_EQUAL(db->count("dedup"), 0u);
  auto js = ask<journal_stats>(journal, stats_atom::value);
  CAF_REQUIRE(js);
  CAF_CHECK_EQUAL(js->purged_dedup, 2u);
  // Stock and audit are untouched by the purge.
  CAF_CHECK_EQUAL(stored("S1").on_hand, 9);
  CAF_CHECK_EQUAL(db->count("sku"), 3u); // 2 audit records, 1 stock record
}

CAF_TEST(find order lists every committed line of an order) {
  auto region = spawn_region(sys, journal, db.get(), region_config{});
  sched.run();
  CAF_REQUIRE(ask<stock_result>(region, set_stock{"S1", 5, "k1", "wms"}));
  CAF_REQUIRE(ask<stock_result>(region, set_stock{"S2", 0, "k2", "wms"}));
  CAF_REQUIRE(ask<order_result>(region, place_order{"O-1", "S1", 2, "ebay"}));
  CAF_REQUIRE(ask<order_result>(region, place_order{"O-1", "S2", 1, "ebay"}));
  CAF_REQUIRE(ask<order_result>(region, place_order{"O-2", "S1", 1, "ebay"}));
  CAF_REQUIRE(ask<cancel_result>(region, cancel_order{"O-1", "S1", "ebay"}));
  auto lines = ask<order_lines>(region, find_order{"O-1"});
  CAF_REQUIRE(lines);
  CAF_REQUIRE_EQUAL(lines->lines.size(), 2u);
  CAF_CHECK_EQUAL(lines->lines[0].sku, "S1");
  CAF_CHECK_EQUAL(lines->lines[0].qty, 2);
  CAF_CHECK(lines->lines[0].status == order_status::accepted);
  CAF_CHECK(lines->lines[0].cancelled);
  CAF_CHECK_EQUAL(lines->lines[1].sku, "S2");
  CAF_CHECK(lines->lines[1].status == order_status::rejected);
  auto none = ask<order_lines>(region, find_order{"O-404"});
  CAF_REQUIRE(none);
  CAF_CHECK(none->lines.empty());
  anon_send_exit(region, caf::exit_reason::user_shutdown);
}

// -- channels -----------------------------------------------------------------

namespace {

// Stands in for a connector: records what the SKU actor tells it.
struct heard {
  std::vector<sku_changed> changes;
  std::vector<std::string> removed;
};

caf::behavior recording_connector(caf::event_based_actor*,
                                  std::shared_ptr<heard> log) {
  return {
      [=](sku_changed& m) { log->changes.push_back(std::move(m)); },
      [=](listing_removed& m) { log->removed.push_back(m.sku); },
  };
}

std::vector<std::pair<std::string, outbox_record>> outbox_of(const store& db) {
  std::vector<std::pair<std::string, outbox_record>> out;
  db.for_each_outbox([&](const std::string& channel, const std::string& sku,
                         const outbox_record& r) {
    out.emplace_back(channel + "/" + sku, r);
    return true;
  });
  return out;
}

} // namespace

CAF_TEST(a listed sku leaves an outbox entry per channel and tells them after the commit) {
  auto shop = std::make_shared<heard>();
  auto amzn = std::make_shared<heard>();
  auto dir = std::make_shared<channel_directory>();
  dir->connectors["shopify"] = sys.spawn(recording_connector, shop);
  dir->connectors["amazon"] = sys.spawn(recording_connector, amzn);
  auto s1 = spawn_sku_actor(sys, "S1", journal, db.get(), std::nullopt, dir);
  sched.run();
  // A listing before any stock: stored, nothing to push yet.
  listing ids;
  ids.item_id = "808950810";
  ids.location_id = "1";
  auto put = ask<listing_result>(s1, put_listing{"S1", "shopify", ids});
  CAF_REQUIRE(put);
  CAF_CHECK(put->created);
  CAF_CHECK(outbox_of(*db).empty());
  CAF_CHECK(shop->changes.empty());
  CAF_REQUIRE(ask<stock_result>(s1, set_stock{"S1", 10, "wms-1", "wms"}));
  CAF_REQUIRE(ask<listing_result>(s1, put_listing{"S1", "amazon", listing{}}));
  auto r = ask<order_result>(s1, place_order{"A-1", "S1", 3, "ebay"});
  CAF_REQUIRE(r);
  auto box = outbox_of(*db);
  CAF_REQUIRE_EQUAL(box.size(), 2u);
  CAF_CHECK_EQUAL(box[0].first, "amazon/S1");
  CAF_CHECK_EQUAL(box[1].first, "shopify/S1");
  for (auto& [key, rec] : box) {
    CAF_CHECK_EQUAL(rec.version, 2u);
    CAF_CHECK_EQUAL(rec.available, 7);
  }
  // Shopify heard the set (v1) and the order (v2), each with the time the
  // change was received; Amazon the state when it was listed (forced) and
  // the order.
  CAF_REQUIRE_EQUAL(shop->changes.size(), 2u);
  CAF_CHECK_EQUAL(shop->changes[0].version, 1u);
  CAF_CHECK_EQUAL(shop->changes[1].version, 2u);
  CAF_CHECK_EQUAL(shop->changes[1].available, 7);
  CAF_CHECK_EQUAL(shop->changes[1].received_ns.size(), 1u);
  CAF_CHECK(!shop->changes[1].force);
  CAF_CHECK(shop->changes[1].ids == ids);
  CAF_REQUIRE_EQUAL(amzn->changes.size(), 2u);
  CAF_CHECK(amzn->changes[0].force);
  CAF_CHECK_EQUAL(amzn->changes[0].version, 1u);
  CAF_CHECK_EQUAL(amzn->changes[1].version, 2u);
  anon_send_exit(s1, caf::exit_reason::user_shutdown);
  for (auto& [id, c] : dir->connectors)
    anon_send_exit(c, caf::exit_reason::user_shutdown);
  sched.run();
}

CAF_TEST(a rejected order resyncs only its origin channel) {
  auto shop = std::make_shared<heard>();
  auto amzn = std::make_shared<heard>();
  auto dir = std::make_shared<channel_directory>();
  dir->connectors["shopify"] = sys.spawn(recording_connector, shop);
  dir->connectors["amazon"] = sys.spawn(recording_connector, amzn);
  auto s1 = spawn_sku_actor(sys, "S1", journal, db.get(), std::nullopt, dir);
  sched.run();
  CAF_REQUIRE(ask<stock_result>(s1, set_stock{"S1", 1, "wms-1", "wms"}));
  CAF_REQUIRE(ask<listing_result>(s1, put_listing{"S1", "shopify", {}}));
  CAF_REQUIRE(ask<listing_result>(s1, put_listing{"S1", "amazon", {}}));
  shop->changes.clear();
  amzn->changes.clear();
  auto r = ask<order_result>(s1, place_order{"A-9", "S1", 5, "amazon"});
  CAF_REQUIRE(r);
  CAF_CHECK(r->status == order_status::rejected);
  CAF_CHECK(shop->changes.empty()); // nothing changed for Shopify
  CAF_REQUIRE_EQUAL(amzn->changes.size(), 1u);
  CAF_CHECK(amzn->changes[0].force);
  CAF_CHECK_EQUAL(amzn->changes[0].available, 1);
  anon_send_exit(s1, caf::exit_reason::user_shutdown);
  for (auto& [id, c] : dir->connectors)
    anon_send_exit(c, caf::exit_reason::user_shutdown);
  sched.run();
}

CAF_TEST(deleting a listing drops its outbox entry and tells the connector) {
  auto shop = std::make_shared<heard>();
  auto dir = std::make_shared<channel_directory>();
  dir->connectors["shopify"] = sys.spawn(recording_connector, shop);
  auto s1 = spawn_sku_actor(sys, "S1", journal, db.get(), std::nullopt, dir);
  sched.run();
  CAF_REQUIRE(ask<stock_result>(s1, set_stock{"S1", 4, "wms-1", "wms"}));
  CAF_REQUIRE(ask<listing_result>(s1, put_listing{"S1", "shopify", {}}));
  CAF_CHECK_EQUAL(outbox_of(*db).size(), 1u);
  auto del = ask<listing_result>(s1, delete_listing{"S1", "shopify"});
  CAF_REQUIRE(del);
  CAF_CHECK(del->deleted);
  CAF_CHECK(outbox_of(*db).empty());
  CAF_REQUIRE_EQUAL(shop->removed.size(), 1u);
  auto again = ask<listing_result>(s1, delete_listing{"S1", "shopify"});
  CAF_REQUIRE(!again);
  CAF_CHECK(code_of(again.error()) == errc::unknown_listing);
  // Later changes write no outbox entry for the channel any more.
  CAF_REQUIRE(ask<order_result>(s1, place_order{"A-1", "S1", 1, "web"}));
  CAF_CHECK(outbox_of(*db).empty());
  anon_send_exit(s1, caf::exit_reason::user_shutdown);
  anon_send_exit(dir->connectors["shopify"], caf::exit_reason::user_shutdown);
  sched.run();
}

CAF_TEST_FIXTURE_SCOPE_END()

namespace {

struct tiny_store_fixture : fixture {
  tiny_store_fixture() : fixture(128 * 1024) {}
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(full_store_tests, tiny_store_fixture)

CAF_TEST(a full store fails the writes clearly and keeps serving reads) {
  auto s1 = sku("S1");
  CAF_REQUIRE(ask<stock_result>(s1, set_stock{"S1", 1000000, "wms-1", "wms"}));
  std::int64_t acknowledged = 0;
  caf::error failure;
  std::string failed_id;
  for (int i = 0; i < 20000 && !failure; ++i) {
    auto id = "order-with-a-long-id-to-fill-pages-" + std::to_string(i);
    auto r = ask<order_result>(s1, place_order{id, "S1", 1, "amazon"});
    if (r) {
      ++acknowledged;
    } else {
      failure = r.error();
      failed_id = id;
    }
  }
  CAF_REQUIRE(failure);
  CAF_CHECK_EQUAL(code_of(failure), errc::store_unavailable);
  CAF_MESSAGE("store full after " << acknowledged
                                  << " orders: " << error_detail(failure));
  // Every acknowledged order is on disk; the refused one is not.
  CAF_CHECK_EQUAL(stored("S1").on_hand, 1000000 - acknowledged);
  auto view = ask<stock_view>(s1, get_stock{"S1"});
  CAF_REQUIRE(view);
  CAF_CHECK_EQUAL(view->on_hand, 1000000 - acknowledged);
  // A retry of the refused order meets the same full store and the same
  // clear error (the failed attempt left nothing behind); reads keep working.
  auto next = ask<order_result>(s1, place_order{failed_id, "S1", 1, "amazon"});
  CAF_REQUIRE(!next);
  CAF_CHECK_EQUAL(code_of(next.error()), errc::store_unavailable);
  CAF_CHECK(ask<audit_page>(s1, get_audit{"S1", 5, 0}));
}

CAF_TEST_FIXTURE_SCOPE_END()

// A store and its write-ahead log (1 MiB) in a temporary directory.
struct logged_store {
  test::temp_dir dir;
  std::unique_ptr<store> db;
  std::unique_ptr<wal> log;

  explicit logged_store(std::size_t map_bytes) {
    status st;
    db = test::open_store_in(dir.path(), map_bytes, &st);
    CAF_REQUIRE(st.is_ok());
    std::size_t replayed = 0;
    log = recover_from_log(*db, data_dir_log(dir.path(), 1 << 20), &replayed,
                           &st);
    CAF_REQUIRE(log != nullptr);
  }
};

// A journal entry of `records` audit records for `sku` from `owner`.
journal_entry audit_entry(caf::scoped_actor& owner, const std::string& sku,
                          std::uint64_t seq, int records, bool via_log) {
  journal_entry e;
  e.owner = caf::actor_cast<caf::strong_actor_ptr>(owner);
  e.sku = sku;
  e.seq = seq;
  e.ops = 1;
  for (int v = 1; v <= records; ++v) {
    audit_record r;
    r.version = static_cast<std::uint64_t>(v);
    r.op_id = "op-" + std::to_string(v);
    r.kind = op_kind::set;
    r.source = "handoff";
    r.at_ms = 1000;
    e.writes.put_audit(sku, r);
  }
  e.via_log = via_log;
  return e;
}

// What the journal told an entry's owner: committed (true) or failed (false,
// with why), and the entry's seq; `why` says so when nothing came in `wait`.
bool journal_answer(caf::scoped_actor& self, std::uint64_t* seq,
                    std::string* why, std::chrono::milliseconds wait = 10s) {
  bool committed = false;
  self->receive(
      [&](committed_atom, std::uint64_t s) {
        committed = true;
        *seq = s;
      },
      [&](failed_atom, std::uint64_t s, const std::string& w) {
        *seq = s;
        *why = w;
      },
      caf::after(wait) >> [&] { *why = "no answer"; });
  return committed;
}

// With a write-ahead log, the journal reserves room in the store for what
// it acknowledges from the log. Entries of owners that do not track the
// store (connectors, the handoff actor: not via_log) skip the log:
// the applier commits them in a transaction of their own and answers, so
// they need only the room they really take. A real actor system: the
// journal and its applier run on threads of their own.
CAF_TEST(with a log only entries acknowledged from it reserve room) {
  logged_store ls{1 << 20}; // 256 pages
  auto& db = ls.db;
  caf::actor_system_config cfg;
  configure_actor_system(cfg, 1);
  caf::actor_system sys{cfg};
  journal_config jc;
  jc.purge_interval = 0ms;
  jc.log = ls.log.get();
  auto journal = spawn_journal(sys, *db, jc, true);
  caf::scoped_actor self{sys};
  // 100 audit records (~10 KB) may take 4 pages each by the reservation's
  // bound: more than the map holds, though they fit.
  auto entry = [&](const std::string& sku, std::uint64_t seq, bool via_log) {
    return audit_entry(self, sku, seq, 100, via_log);
  };
  auto answer = [&](std::uint64_t* seq, std::string* why) {
    return journal_answer(self, seq, why);
  };
  std::uint64_t seq = 0;
  std::string why;
  self->send(journal, entry("DIRECT-1", 1, false));
  CAF_CHECK(answer(&seq, &why));
  CAF_CHECK_EQUAL(seq, 1u);
  std::vector<audit_record> records;
  CAF_CHECK(db->get_audit("DIRECT-1", 0, 1000, &records).is_ok());
  CAF_CHECK_EQUAL(records.size(), 100u);
  self->send(journal, entry("LOGGED-1", 2, true));
  CAF_CHECK(!answer(&seq, &why));
  CAF_CHECK_EQUAL(seq, 2u);
  CAF_MESSAGE("logged entry refused: " << why);
  CAF_CHECK(why.find("map_size_mb") != std::string::npos);
  CAF_CHECK(db->get_audit("LOGGED-1", 0, 1000, &records).is_ok());
  CAF_CHECK(records.empty());
  caf::anon_send_exit(journal, caf::exit_reason::user_shutdown);
}

// With a log the applier is the store's one writer and runs the dedup
// purge; the journal's stats count what it purged.
CAF_TEST(with a log the applier purges and the journal counts it) {
  logged_store ls{16 << 20};
  auto& db = ls.db;
  write_batch old;
  dedup_record r;
  r.created_at_ms = 1000; // long past any retention
  old.put_dedup("P1", op_kind::order, "A-1", r);
  old.put_dedup("P1", op_kind::order, "A-2", r);
  CAF_REQUIRE(db->commit(old).is_ok());
  CAF_REQUIRE_EQUAL(db->count("dedup"), 2u);
  caf::actor_system_config cfg;
  configure_actor_system(cfg, 1);
  caf::actor_system sys{cfg};
  journal_config jc;
  jc.dedup_retention = 1ms;
  jc.purge_interval = 10ms;
  jc.log = ls.log.get();
  auto journal = spawn_journal(sys, *db, jc, true);
  caf::scoped_actor self{sys};
  std::uint64_t purged = 0;
  for (int i = 0; i < 500 && purged < 2; ++i) {
    std::this_thread::sleep_for(10ms);
    self->request(journal, 1s, stats_atom::value)
        .receive([&](journal_stats& js) { purged = js.purged_dedup; },
                 [&](caf::error&) {});
  }
  CAF_CHECK_EQUAL(purged, 2u);
  CAF_CHECK_EQUAL(db->count("dedup"), 0u);
  caf::anon_send_exit(journal, caf::exit_reason::user_shutdown);
}

// A journal writing ahead to a log on a real actor system. By default its
// applier commits only when drained (its interval is far beyond any test);
// `setup` may change the journal's configuration before it starts.
struct logged_node {
  using setup_fn = std::function<void(caf::actor_system&, journal_config&)>;

  logged_store ls;
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  caf::actor journal;

  explicit logged_node(const setup_fn& setup = {},
                       std::size_t map_bytes = 16 << 20)
      : ls{map_bytes} {
    configure_actor_system(cfg, 2);
    sys = std::make_unique<caf::actor_system>(cfg);
    journal_config jc;
    jc.purge_interval = 0ms;
    jc.apply_interval = std::chrono::hours{1};
    jc.awaited_apply_interval = std::chrono::hours{1};
    jc.log = ls.log.get();
    if (setup)
      setup(*sys, jc);
    journal = spawn_journal(*sys, *ls.db, jc, true);
  }

  ~logged_node() {
    caf::anon_send_exit(journal, caf::exit_reason::user_shutdown);
  }
};

// Asks `dest` from a scoped actor and waits for the answer.
template <class T, class Msg>
caf::expected<T> ask_real(caf::scoped_actor& self, const caf::actor& dest,
                          Msg msg) {
  caf::expected<T> out{caf::make_error(caf::sec::request_timeout)};
  self->request(dest, 10s, std::move(msg))
      .receive([&](T& r) { out = std::move(r); },
               [&](caf::error& err) { out = std::move(err); });
  return out;
}

// Asks `sku_actor` for the audit of `sku` from an actor of its own, which
// tells `to` (answer_atom, number of records), or -1 on an error, whenever
// the answer comes.
void read_audit_later(caf::actor_system& sys, caf::actor sku_actor,
                      std::string sku, caf::actor to) {
  sys.spawn([sku_actor, sku, to](caf::event_based_actor* a) {
    a->request(sku_actor, caf::infinite, get_audit{sku, 10, 0})
        .then(
            [a, to](audit_page& p) {
              a->send(to, answer_atom::value,
                      static_cast<int>(p.records.size()));
            },
            [a, to](caf::error&) { a->send(to, answer_atom::value, -1); });
  });
}

// Polls `done` every 20 ms for up to 10 s; whether it came true.
template <class Pred>
bool eventually(Pred done) {
  for (int i = 0; i < 500; ++i) {
    if (done())
      return true;
    std::this_thread::sleep_for(20ms);
  }
  return done();
}

// With a log, the room the journal reserves for records the applier has
// not applied yet is a worst case per record. An applier that lags must
// hold the journal back (backpressure) until it applies some, not make it
// refuse writes the store has room for; nothing is lost on the way. The
// applier's commits wait at a gate here; the map (256 pages) takes the
// worst case of only a few entries of 10 records.
CAF_TEST(with a log a lagging applier holds writes back instead of refusing) {
  std::atomic<bool> gate_open{false};
  logged_node node{[&](caf::actor_system&, journal_config& jc) {
                     jc.apply_interval = 1ms;
                     jc.apply_fault = [&gate_open] {
                       while (!gate_open)
                         std::this_thread::sleep_for(1ms);
                       return status::ok();
                     };
                   },
                   1 << 20};
  // Opens the gate however the test ends, before the node stops.
  struct opens_gate {
    std::atomic<bool>& gate;
    ~opens_gate() { gate = true; }
  } guard{gate_open};
  caf::scoped_actor self{*node.sys};
  std::uint64_t held = 0;
  for (std::uint64_t i = 1; i <= 20 && held == 0; ++i) {
    std::uint64_t seq = 0;
    std::string why;
    self->send(node.journal,
               audit_entry(self, "LAG-" + std::to_string(i), i, 10, true));
    if (journal_answer(self, &seq, &why, 500ms))
      CAF_CHECK_EQUAL(seq, i);
    else if (why == "no answer")
      held = i;
    else
      CAF_FAIL("entry " << i << " refused while the applier lags: " << why);
  }
  CAF_REQUIRE(held > 1);
  CAF_MESSAGE("entries acknowledged before one was held back: " << held - 1);
  // The applier catches up: the held entry is acknowledged.
  gate_open = true;
  std::uint64_t seq = 0;
  std::string why;
  CAF_CHECK(journal_answer(self, &seq, &why));
  CAF_CHECK_EQUAL(seq, held);
  CAF_CHECK_EQUAL(why, "");
  // And every entry reaches the store.
  self->request(node.journal, 10s, drain_atom::value)
      .receive([] {}, [](caf::error& err) { CAF_FAIL(to_string(err)); });
  for (std::uint64_t i = 1; i <= held; ++i) {
    std::vector<audit_record> records;
    CAF_CHECK(
        node.ls.db->get_audit("LAG-" + std::to_string(i), 0, 100, &records)
            .is_ok());
    CAF_CHECK_EQUAL(records.size(), 10u);
  }
}

// With a log, the applier commits as soon as it holds apply_ops_max
// operations, without waiting out its interval (an hour here).
CAF_TEST(with a log the applier commits at once when it holds enough) {
  logged_node node{
      [](caf::actor_system&, journal_config& jc) { jc.apply_ops_max = 3; }};
  auto& db = node.ls.db;
  caf::scoped_actor self{*node.sys};
  auto log_one = [&](std::uint64_t i) {
    std::uint64_t seq = 0;
    std::string why;
    self->send(node.journal,
               audit_entry(self, "MANY-" + std::to_string(i), i, 1, true));
    CAF_REQUIRE(journal_answer(self, &seq, &why));
  };
  auto applied = [&](std::uint64_t i) {
    std::vector<audit_record> records;
    CAF_CHECK(
        db->get_audit("MANY-" + std::to_string(i), 0, 10, &records).is_ok());
    return records.size() == 1;
  };
  log_one(1);
  log_one(2);
  CAF_CHECK(!applied(1));
  log_one(3);
  CAF_CHECK(eventually([&] { return applied(1) && applied(3); }));
}

// With a log, a write that waits for the room held for records not
// applied yet asks the applier to commit them now rather than wait out its
// interval (an hour here): every entry is acknowledged, none refused, and
// after a drain the store holds them all.
CAF_TEST(with a log a write waiting for room asks the applier to commit now) {
  logged_node node{{}, 1 << 20};
  caf::scoped_actor self{*node.sys};
  for (std::uint64_t i = 1; i <= 20; ++i) {
    std::uint64_t seq = 0;
    std::string why;
    self->send(node.journal,
               audit_entry(self, "ROOM-" + std::to_string(i), i, 10, true));
    if (!journal_answer(self, &seq, &why))
      CAF_FAIL("entry " << i << " not acknowledged: " << why);
    CAF_CHECK_EQUAL(seq, i);
  }
  self->request(node.journal, 10s, drain_atom::value)
      .receive([] {}, [](caf::error& err) { CAF_FAIL(to_string(err)); });
  for (std::uint64_t i = 1; i <= 20; ++i) {
    std::vector<audit_record> records;
    CAF_CHECK(
        node.ls.db->get_audit("ROOM-" + std::to_string(i), 0, 100, &records)
            .is_ok());
    CAF_CHECK_EQUAL(records.size(), 10u);
  }
}

// With a log, the applier gathers records for apply_interval while nobody
// waits for them; a read that waits brings its commit forward to
// awaited_apply_interval, so reads do not wait the longer interval.
CAF_TEST(with a log a waiting read brings the next apply forward) {
  logged_node node{[](caf::actor_system&, journal_config& jc) {
    jc.awaited_apply_interval = 10ms;
  }};
  auto& db = node.ls.db;
  caf::scoped_actor self{*node.sys};
  const auto txn_start = db->last_txn_id();
  std::uint64_t seq = 0;
  std::string why;
  self->send(node.journal, audit_entry(self, "EARLY-1", 1, 3, true));
  CAF_REQUIRE(journal_answer(self, &seq, &why));
  // Acknowledged from the log; the applier waits (its interval is an hour).
  std::vector<audit_record> records;
  CAF_CHECK(db->get_audit("EARLY-1", 0, 10, &records).is_ok());
  CAF_CHECK(records.empty());
  // A read waits: one commit, well before the hour, and it sees it.
  bool read = false;
  self->request(node.journal, 10s, catch_up_atom::value)
      .receive([&] { read = true; },
               [](caf::error& err) { CAF_FAIL(to_string(err)); });
  CAF_CHECK(read);
  CAF_CHECK_EQUAL(db->last_txn_id(), txn_start + 1);
  CAF_CHECK(db->get_audit("EARLY-1", 0, 10, &records).is_ok());
  CAF_CHECK_EQUAL(records.size(), 3u);
}

// With a log, a read of the store (a cancel without lines, a listing read)
// waits for the applier's scheduled commit instead of forcing one: reads
// that come while records wait share one commit, so they do not take the
// disk from the log under load. The applier's interval is set far beyond
// the test, so only a drain commits.
CAF_TEST(with a log reads wait for the applier and share its commit) {
  logged_node node;
  auto& db = node.ls.db;
  auto& sys = *node.sys;
  auto journal = node.journal;
  caf::scoped_actor self{sys};
  // A reader asks the journal as the region does and tells the test.
  auto reader = [&](int id) {
    auto me = caf::actor_cast<caf::actor>(self);
    sys.spawn([journal, me, id](caf::event_based_actor* a) {
      a->request(journal, caf::infinite, catch_up_atom::value)
          .then([a, me, id]() { a->send(me, answer_atom::value, id, true); },
                [a, me, id](caf::error&) {
                  a->send(me, answer_atom::value, id, false);
                });
    });
  };
  // Answers to readers, in the order they came.
  auto answers = [&](std::chrono::milliseconds wait, std::size_t max) {
    std::vector<int> got;
    bool timed_out = false;
    while (got.size() < max && !timed_out)
      self->receive(
          [&](answer_atom, int id, bool ok) { got.push_back(ok ? id : -id); },
          caf::after(wait) >> [&] { timed_out = true; });
    return got;
  };
  const auto txn_start = db->last_txn_id();
  // Nothing waits in the applier: a read is answered at once, no commit.
  reader(0);
  CAF_CHECK_EQUAL(answers(10s, 1), std::vector<int>{0});
  CAF_CHECK_EQUAL(db->last_txn_id(), txn_start);
  // Five logged orders, each acknowledged, then read.
  const int n = 5;
  for (int i = 1; i <= n; ++i) {
    const auto seq = static_cast<std::uint64_t>(i);
    self->send(journal,
               audit_entry(self, "R-" + std::to_string(i), seq, 1, true));
    std::uint64_t got = 0;
    std::string why;
    CAF_REQUIRE(journal_answer(self, &got, &why));
    reader(i);
  }
  // The readers wait: no commit forced, the store lacks the records.
  CAF_CHECK(answers(300ms, n).empty());
  CAF_CHECK_EQUAL(db->last_txn_id(), txn_start);
  std::vector<audit_record> records;
  CAF_CHECK(db->get_audit("R-1", 0, 10, &records).is_ok());
  CAF_CHECK(records.empty());
  // One commit (here the drain's) answers them all, and they see it.
  self->request(journal, 10s, drain_atom::value)
      .receive([] {},
               [](caf::error& err) {
                 CAF_FAIL("drain failed: " << to_string(err));
               });
  auto got = answers(10s, n);
  std::sort(got.begin(), got.end());
  CAF_CHECK_EQUAL(got, (std::vector<int>{1, 2, 3, 4, 5}));
  CAF_CHECK_EQUAL(db->last_txn_id(), txn_start + 1);
  for (int i = 1; i <= n; ++i) {
    CAF_CHECK(db->get_audit("R-" + std::to_string(i), 0, 10, &records).is_ok());
    CAF_CHECK_EQUAL(records.size(), 1u);
  }
}

// With a log the applier tells no SKU actor what it applied: the actor
// reads wal::released_lsn() after each message, and what waits for the
// store (an audit read, the stop) asks the journal to answer once the store
// holds it. The applier's interval is set far beyond the test, so only a drain
// commits: until then the audit read and the stop must wait, while the order's
// in-flight dedup record answers a retry; after it, both go through
// without another message to the actor.
CAF_TEST(with a log a sku actor waits for the store without being told) {
  logged_node node;
  auto& db = node.ls.db;
  auto& sys = *node.sys;
  auto journal = node.journal;
  auto s1 = spawn_sku_actor(sys, "L1", journal, db.get(), std::nullopt, nullptr,
                            node.ls.log.get());
  caf::scoped_actor self{sys};
  auto ask_order = [&](const std::string& id) {
    return ask_real<order_result>(self, s1, place_order{id, "L1", 2, "amazon"});
  };
  CAF_REQUIRE(
      ask_real<stock_result>(self, s1, set_stock{"L1", 10, "wms-1", "wms"}));
  auto first = ask_order("A-1");
  CAF_REQUIRE(first);
  CAF_CHECK(!first->replayed);
  // Acknowledged from the log; the store lacks it.
  std::vector<audit_record> records;
  CAF_CHECK(db->get_audit("L1", 0, 10, &records).is_ok());
  CAF_CHECK(records.empty());
  // A retry finds the in-flight dedup record.
  auto retry = ask_order("A-1");
  CAF_REQUIRE(retry);
  CAF_CHECK(retry->replayed);
  CAF_CHECK_EQUAL(retry->available, 8);
  // An audit read and a stop wait for the store.
  read_audit_later(sys, s1, "L1", caf::actor_cast<caf::actor>(self));
  self->send(s1, passivate_atom::value);
  int audit_records = -2;
  bool stopped = false;
  auto wait_for = [&](std::chrono::milliseconds wait) {
    bool timed_out = false;
    while (!timed_out && (audit_records == -2 || !stopped))
      self->receive([&](answer_atom, int n) { audit_records = n; },
                    [&](stopped_atom, const std::string&) { stopped = true; },
                    caf::after(wait) >> [&] { timed_out = true; });
  };
  wait_for(300ms);
  CAF_CHECK_EQUAL(audit_records, -2);
  CAF_CHECK(!stopped);
  // One commit (the drain's): the actor hears of it from the answer.
  self->request(journal, 10s, drain_atom::value)
      .receive([] {},
               [](caf::error& err) {
                 CAF_FAIL("drain failed: " << to_string(err));
               });
  wait_for(10s);
  CAF_CHECK_EQUAL(audit_records, 2); // the set and the order
  CAF_CHECK(stopped);
}

// The applier's commits fail (an injected I/O error; the API cannot provoke
// one): the journal refuses writes with a clear error, the failed commits
// are counted (what stockwire_store_apply_failures_total shows), a
// reader's catch-up is refused, and a SKU actor's audit read waits. Once
// commits succeed again everything resumes without another command: the
// actor reloads its state from the store, which holds every acknowledged
// order, and answers the audit read; the refused order left no trace.
CAF_TEST(
    with a log a failing applier refuses writes and then everything resumes) {
  struct commit_notes {
    std::atomic<int> ok{0};
    std::atomic<int> failed{0};
  };
  auto notes = std::make_shared<commit_notes>();
  std::atomic<bool> broken{false};
  logged_node node{[&](caf::actor_system& sys, journal_config& jc) {
    jc.apply_interval = 10ms;
    jc.apply_fault = [&broken] {
      return broken ? status::io_error("injected: Input/output error")
                    : status::ok();
    };
    // Stands in for the metrics actor: the applier's notes counted, the
    // journal's (batch_atom) taken and ignored.
    jc.metrics = sys.spawn([notes]() -> caf::behavior {
      return {
          [notes](store_commit_atom, std::uint64_t, std::uint64_t, bool ok) {
            ++(ok ? notes->ok : notes->failed);
          },
          [](batch_atom, std::uint64_t, std::uint64_t, bool) {},
      };
    });
  }};
  auto& sys = *node.sys;
  auto& db = node.ls.db;
  auto journal = node.journal;
  auto s1 = spawn_sku_actor(sys, "F1", journal, db.get(), std::nullopt, nullptr,
                            node.ls.log.get());
  caf::scoped_actor self{sys};
  auto order = [&](const std::string& id, std::int64_t qty) {
    return ask_real<order_result>(self, s1,
                                  place_order{id, "F1", qty, "amazon"});
  };
  CAF_REQUIRE(
      ask_real<stock_result>(self, s1, set_stock{"F1", 10, "wms-1", "wms"}));
  CAF_REQUIRE(eventually([&] { return notes->ok >= 1; }));
  // The applier breaks; an order is still acknowledged from the log.
  broken = true;
  auto a1 = order("A-1", 2);
  CAF_REQUIRE(a1);
  CAF_CHECK_EQUAL(a1->available, 8);
  CAF_REQUIRE(eventually([&] { return notes->failed >= 1; }));
  // Writes are refused, naming why; so is a reader's catch-up.
  auto a2 = order("A-2", 3);
  CAF_REQUIRE(!a2);
  CAF_CHECK(code_of(a2.error()) == errc::store_unavailable);
  CAF_MESSAGE("refused: " << error_detail(a2.error()));
  auto why = error_detail(a2.error());
  CAF_CHECK(why.find("the store refuses writes: ") != std::string::npos);
  CAF_CHECK(why.find("injected: Input/output error") != std::string::npos);
  self->request(journal, 10s, catch_up_atom::value)
      .receive([] { CAF_FAIL("a catch-up answered while the store fails"); },
               [](caf::error& err) {
                 CAF_CHECK(code_of(err) == errc::store_unavailable);
               });
  // An audit read waits for the store.
  read_audit_later(sys, s1, "F1", caf::actor_cast<caf::actor>(self));
  auto audit_answer = [&](std::chrono::milliseconds wait) {
    int n = -2;
    self->receive([&](answer_atom, int got) { n = got; },
                  caf::after(wait) >> [] {});
    return n;
  };
  CAF_CHECK_EQUAL(audit_answer(400ms), -2);
  // Repaired: the applier commits what waited, the actor reloads and
  // answers the audit read (the set and A-1; A-2 was never written).
  broken = false;
  CAF_CHECK_EQUAL(audit_answer(10s), 2);
  auto a3 = order("A-3", 1);
  CAF_REQUIRE(a3);
  CAF_CHECK_EQUAL(a3->available, 7);
  auto view = ask_real<stock_view>(self, s1, get_stock{"F1"});
  CAF_REQUIRE(view);
  CAF_CHECK_EQUAL(view->on_hand, 7);
  CAF_CHECK(eventually([&] { return notes->ok >= 3; }));
  CAF_CHECK(notes->failed >= 1);
}
