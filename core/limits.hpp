// Every bound of the SKU core, with its unit and the reason for its value.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace stockwire::limits {

// Longest SKU accepted. Channels cap SKUs at 40 (eBay, Flipkart) to 255
// (Shopify); 128 covers every real catalogue and keeps LMDB keys (max 511
// bytes) far from their limit together with an operation id.
constexpr std::size_t sku_bytes_max = 128;

// Longest operation id (order id, idempotency key). Amazon order ids are 19
// characters, Shopify GIDs ~40; 200 leaves room for composed ids.
constexpr std::size_t op_id_bytes_max = 200;

// Longest channel / source name stored with an operation.
constexpr std::size_t channel_bytes_max = 64;

// Largest quantity in one order line or one adjustment, and the largest
// on-hand count. Far above any real stock, far below int64 overflow when
// summed over billions of operations.
constexpr std::int64_t quantity_max = 1'000'000'000;

// Records one journal transaction may hold before it is committed even if
// more are waiting: bounds the latency of the first record in a batch and
// the size of one LMDB write transaction.
constexpr std::size_t journal_batch_records_max = 8192;

// Operations a SKU actor gathers before handing them to the journal even if
// more commands wait in its mailbox: bounds the delay of the first one.
constexpr std::size_t sku_journal_ops_max = 256;

// Audit records one get_audit call may return.
constexpr std::size_t audit_page_records_max = 1000;

// Dedup records the background purge examines per step; keeps each purge
// transaction short so it never delays group commits noticeably.
constexpr std::size_t dedup_purge_step_records_max = 5000;

// Receive times a connector keeps per SKU for changes not yet pushed (for
// the sync lag of each change). Beyond it later changes are counted with
// the newest kept time: memory stays bounded in a storm and their lag is
// over-, never under-reported.
constexpr std::size_t connector_waiting_changes_max = 4096;

// Share of a channel's request rate a connector uses: requests leave
// evenly spaced but reach the channel with some jitter, and a bucket paced
// at exactly its rate then sees two arrive too close now and then (a 429).
constexpr double connector_pacing_margin = 0.9;

// Amazon feeds: createFeed allows 0.0083 requests/s (burst 15) and
// JSON_LISTINGS_FEED 5 submissions per 5 minutes (channels.md 2.4): so at
// most 5 at once, then one per two minutes. A connector sends feeds within
// that and patchListingsItem otherwise.
constexpr double amazon_create_feed_per_s = 0.0083;
constexpr double amazon_create_feed_burst = 5;
// Of those, listing feeds leave this many for the order acknowledgement
// feed that cancels oversold orders (a buyer waits for it; pushes can go
// by patchListingsItem instead).
constexpr double amazon_create_feed_reserved_for_cancels = 1;

// How long a connector holds pushes after a 429 that said nothing about
// when to come back and whose budget it does not pace itself.
constexpr std::chrono::milliseconds connector_throttle_wait_default{250};

// Oversold order lines a connector remembers with the state of their
// cancellation (GET /v1/oversells); older ones are only counted.
constexpr std::size_t oversells_recent_max = 100;

// How often a connector reports its gauges to the metrics actor even when
// nothing finished.
constexpr std::chrono::milliseconds connector_report_interval{1000};

// Size of the write-ahead log's ring (persistence/wal.hpp), the file
// holds it plus a 4 KiB header. An order writes ~400 bytes of records, so
// at the ~130k orders/s the log allows on this disk, 128 MiB is ~2.5 s of
// backlog for the applier before appends are held back; the file is
// zero-filled once, when it is created.
constexpr std::uint64_t wal_ring_bytes_default = 128ull << 20;
// Smallest ring: one page (tests use it to wrap often).
constexpr std::uint64_t wal_ring_bytes_min = 4096;
// Largest ring: a record is at most half the ring and its length is a u32.
constexpr std::uint64_t wal_ring_bytes_max = 4ull << 30;
// How long the applier gathers log records before it commits them to LMDB
// while nobody waits for them (a drain commits at once). Longer commits
// share more B-tree pages between orders and disturb the log's syncs less
// often: in the same minutes (2026-11-28, applier at nice 10), core
// `catalog` did 62.1-63.0k orders/s at 20 ms, 64.2-69.0k at 50 ms,
// 69.0-73.8k at 100 ms and 72.6-75.8k at 200 ms (p99 5.1 -> 4.7 ms),
// 73.6-76.0k at 500 ms but with stalls of 300 ms; `hot` and HTTP
// unchanged. (On 2026-11-27's slower disk: 41-45k for `hot` with an
// applier committing whenever its mailbox was empty, 62.6-67.3k at 20 ms.)
// What waits for the store brings the commit forward (below), so this
// bounds only the lag of what reads the store without waiting (the
// inspector's walk) and the records a crash leaves to replay.
constexpr std::chrono::milliseconds log_apply_interval{200};
// ...and at most this long once a read waits for the store: a cancel
// without lines, a listing read, a SKU actor's audit read or stop.
constexpr std::chrono::milliseconds log_apply_interval_awaited{20};
// ...and at once when it holds this many operations, which bounds the
// applier's commit (its memory, and its burst of writes that the log's
// syncs wait behind) where orders come fastest. In the same minutes,
// against no bound: HTTP `hot --batch 100` (~240k orders/s, one SKU)
// 237-243k with p99 25-27 ms against 220-237k with p99 44-46 ms, core
// `hot` 154-160k against 139-151k, core `catalog` (~63k/s: never reaches
// it within 200 ms) 62.1-62.6k against 62.7-63.8k. 10,000 cost `catalog`
// 11%: its orders share pages only in larger commits.
constexpr std::size_t log_apply_ops_max = 20000;
// The nice value of the applier's thread (the journal's and the CAF
// workers' stay at 0). What it applies is durable in the log already, so
// it can wait for a core and catch up with larger commits (which share more
// pages); what would wait for it meanwhile cannot: the workers answering
// orders and the journal's appends. With both cores busy the scheduler then
// gives it about a tenth of a worker's share. Measured on 2026-11-28,
// interleaved against nice 0: core `catalog` 61.8-62.7k orders/s against
// 50.2-52.6k, `hot` 168-171k (p99 1.3-1.5 ms) against 156-161k (p99
// 2.4-2.5 ms), HTTP `catalog` 28.0-28.9k (p99 4.8 ms) against 26.3-26.7k
// (p99 5.8-6.1 ms), HTTP `hot` unchanged (41-44k).
constexpr int applier_nice = 10;

// What a write acknowledged from the log may take in the store once
// applied, so that the journal can keep that room free in the map and
// allocated on disk before it acknowledges (store::reserve): per record
// (each put), this many pages beside its bytes (its leaf, a split, a
// branch on the way down), and per commit this many more (the free list,
// the roots, the meta record).
constexpr std::uint64_t store_pages_per_record_max = 4;
constexpr std::uint64_t store_pages_per_commit_max = 64;
// The data file is allocated ahead of LMDB's last page by this much more
// than needed, so that reserving costs a system call only now and then.
constexpr std::uint64_t store_reserve_step_bytes = 8ull << 20;
// Reset read transactions the store keeps for reuse (each holds one of
// LMDB's 126 reader slots): one per thread that reads is enough.
constexpr std::size_t store_idle_readers_max = 8;

} // namespace stockwire::limits
