#include "persistence/wal.hpp"

#include <algorithm>
#include <cassert>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

namespace stockwire {

namespace {

// File header block (FORMAT.md): magic, format version, a reserved u32, the
// ring size, XXH3-64 of those 24 bytes; zeros to file_header_bytes.
constexpr char file_magic[8] = {'S', 'W', 'W', 'A', 'L', 'O', 'G', '\0'};
constexpr std::uint32_t file_format_v1 = 1;
constexpr std::size_t file_header_used_bytes = 32;

// Record header: magic, kind, 3 zero bytes, payload length, 4 zero bytes,
// lsn, checksum (XXH3-64 of the payload seeded with XXH3-64 of the first 24
// header bytes, so it covers the lsn, the length and the kind too).
constexpr char record_magic[4] = {'S', 'W', 'L', 'R'};
constexpr std::size_t record_checksum_at = 24;
enum class record_kind : std::uint8_t { record = 1, wrap = 2 };

// Zeros are written in chunks of this size when the file is created.
constexpr std::size_t zero_chunk_bytes = 1 << 20;

static_assert(wal::record_header_bytes == 32);
static_assert(file_header_used_bytes <= wal::file_header_bytes);

void put_u32(char* p, std::uint32_t v) {
  for (int i = 0; i < 4; ++i)
    p[i] = static_cast<char>(v >> (8 * i));
}

void put_u64(char* p, std::uint64_t v) {
  for (int i = 0; i < 8; ++i)
    p[i] = static_cast<char>(v >> (8 * i));
}

std::uint32_t get_u32(const char* p) {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i)
    v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

std::uint64_t get_u64(const char* p) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i)
    v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

std::uint64_t record_checksum(const char* header, std::string_view payload) {
  auto seed = XXH3_64bits(header, record_checksum_at);
  return XXH3_64bits_withSeed(payload.data(), payload.size(), seed);
}

// Writes the header of a record of `kind` into out[0, record_header_bytes).
void encode_record_header(record_kind kind, std::uint64_t lsn,
                          std::string_view payload, char* out) {
  std::memset(out, 0, wal::record_header_bytes);
  std::memcpy(out, record_magic, sizeof record_magic);
  out[4] = static_cast<char>(kind);
  put_u32(out + 8, static_cast<std::uint32_t>(payload.size()));
  put_u64(out + 16, lsn);
  put_u64(out + record_checksum_at, record_checksum(out, payload));
}

std::string errno_text(const std::string& what) {
  return what + ": " + std::strerror(errno);
}

// Writes all of `bytes` at `offset` of the file, retrying short writes.
bool pwrite_all(int fd, const char* bytes, std::size_t n, off_t offset) {
  while (n > 0) {
    auto written = ::pwrite(fd, bytes, n, offset);
    if (written < 0 && errno == EINTR)
      continue;
    if (written <= 0)
      return false;
    bytes += written;
    n -= static_cast<std::size_t>(written);
    offset += written;
  }
  return true;
}

// Reads all of out[0, n) from `offset`; false on an error or a short file.
bool pread_all(int fd, char* out, std::size_t n, off_t offset) {
  while (n > 0) {
    auto got = ::pread(fd, out, n, offset);
    if (got < 0 && errno == EINTR)
      continue;
    if (got <= 0) {
      if (got == 0)
        errno = EIO; // the file ends early: it was truncated under us
      return false;
    }
    out += got;
    n -= static_cast<std::size_t>(got);
    offset += got;
  }
  return true;
}

status sync_directory_of(const std::string& path) {
  auto dir = std::filesystem::path{path}.parent_path();
  if (dir.empty())
    dir = ".";
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return status::io_error(errno_text("open directory " + dir.string()));
  int rc = ::fsync(fd);
  auto st = rc == 0 ? status::ok()
                    : status::io_error(errno_text("fsync " + dir.string()));
  ::close(fd);
  return st;
}

// Writes the whole file to `fd`: the header block, then the ring of zeros
// (written, not fallocated: an append into unwritten extents would make
// each fdatasync commit file-system metadata too), then syncs it.
status write_new_file(int fd, const std::string& name,
                      std::uint64_t ring_bytes) {
  std::string block(zero_chunk_bytes, '\0');
  std::memcpy(block.data(), file_magic, sizeof file_magic);
  put_u32(block.data() + 8, file_format_v1);
  put_u64(block.data() + 16, ring_bytes);
  put_u64(block.data() + 24, XXH3_64bits(block.data(), 24));
  if (!pwrite_all(fd, block.data(), wal::file_header_bytes, 0))
    return status::io_error(errno_text("write " + name));
  std::fill_n(block.data(), file_header_used_bytes, '\0');
  for (std::uint64_t done = 0; done < ring_bytes;) {
    auto n = std::min<std::uint64_t>(zero_chunk_bytes, ring_bytes - done);
    auto at = static_cast<off_t>(wal::file_header_bytes + done);
    if (!pwrite_all(fd, block.data(), n, at))
      return status::io_error(errno_text("write " + name));
    done += n;
  }
  if (::fdatasync(fd) != 0)
    return status::io_error(errno_text("fdatasync " + name));
  return status::ok();
}

// Creates the log at `path`: written whole under a temporary name, then
// renamed, so a crash never leaves a partial file under the real name.
status create_file(const std::string& path, std::uint64_t ring_bytes) {
  auto tmp = path + ".new";
  int fd = ::open(tmp.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    return status::io_error(errno_text("create " + tmp));
  auto st = write_new_file(fd, tmp, ring_bytes);
  ::close(fd);
  if (st.is_ok() && ::rename(tmp.c_str(), path.c_str()) != 0)
    st = status::io_error(errno_text("rename " + tmp + " to " + path));
  if (!st.is_ok()) {
    ::unlink(tmp.c_str());
    return st;
  }
  return sync_directory_of(path);
}

// Checks that the open file is a log of this format with `ring_bytes`.
status check_file(int fd, const std::string& path, std::uint64_t ring_bytes) {
  struct stat sb;
  if (::fstat(fd, &sb) != 0)
    return status::io_error(errno_text("stat " + path));
  char h[file_header_used_bytes];
  if (static_cast<std::uint64_t>(sb.st_size) < sizeof h)
    return status::invalid("log file " + path + " is " +
                           std::to_string(sb.st_size) +
                           " bytes, too short for a log file header");
  if (!pread_all(fd, h, sizeof h, 0))
    return status::io_error(errno_text("read " + path));
  if (std::memcmp(h, file_magic, sizeof file_magic) != 0)
    return status::invalid("log file " + path +
                           " is not a Stockwire log (bad magic)");
  if (get_u64(h + 24) != XXH3_64bits(h, 24))
    return status::corruption("log file " + path +
                              ": the header's checksum does not match");
  if (auto v = get_u32(h + 8); v != file_format_v1)
    return status::invalid("log file " + path + " has format version " +
                           std::to_string(v) + ", this build reads " +
                           std::to_string(file_format_v1));
  if (auto ring = get_u64(h + 16); ring != ring_bytes)
    return status::invalid("log file " + path + " has a ring of " +
                           std::to_string(ring) + " bytes, configured " +
                           std::to_string(ring_bytes));
  auto want = wal::file_header_bytes + ring_bytes;
  if (static_cast<std::uint64_t>(sb.st_size) != want)
    return status::invalid("log file " + path + " is " +
                           std::to_string(sb.st_size) +
                           " bytes, its header says " + std::to_string(want));
  return status::ok();
}

} // namespace

wal::wal(std::string path, std::uint64_t ring_bytes, int fd)
    : path_(std::move(path)), ring_bytes_(ring_bytes), fd_(fd) {}

wal::~wal() {
  ::close(fd_);
}

std::unique_ptr<wal> wal::open_file(const options& opts, status* st) {
  auto ring = opts.ring_bytes;
  if (ring % 4096 != 0 || ring < limits::wal_ring_bytes_min ||
      ring > limits::wal_ring_bytes_max) {
    *st = status::invalid("log file " + opts.path + ": a ring of " +
                          std::to_string(ring) +
                          " bytes is not a multiple of 4096 between " +
                          std::to_string(limits::wal_ring_bytes_min) + " and " +
                          std::to_string(limits::wal_ring_bytes_max));
    return nullptr;
  }
  if (::access(opts.path.c_str(), F_OK) != 0) {
    if (errno != ENOENT) {
      *st = status::io_error(errno_text("access " + opts.path));
      return nullptr;
    }
    if (*st = create_file(opts.path, ring); !st->is_ok())
      return nullptr;
  }
  int fd = ::open(opts.path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    *st = status::io_error(errno_text("open " + opts.path));
    return nullptr;
  }
  // One writer: a second process (or handle) on the same log is refused.
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    *st = errno == EWOULDBLOCK
              ? status::invalid("log file " + opts.path +
                                " is open elsewhere (another stockwired?)")
              : status::io_error(errno_text("flock " + opts.path));
    ::close(fd);
    return nullptr;
  }
  if (*st = check_file(fd, opts.path, ring); !st->is_ok()) {
    ::close(fd);
    return nullptr;
  }
  return std::unique_ptr<wal>{new wal(opts.path, ring, fd)};
}

bool wal::has_room(bool wrap, std::uint64_t record_bytes) const {
  position released;
  {
    std::lock_guard<std::mutex> guard{mu_};
    released = released_;
  }
  // The records still needed span [tail, head) around the ring. The writer
  // never lets head reach tail while any is needed (hence `<`), so
  // tail == head means empty, and an empty log is all free.
  auto head = head_.offset;
  auto tail = released.lsn == head_.lsn ? head : released.offset;
  if (tail <= head) // free: [head, ring end) and [0, tail)
    return !wrap || record_bytes < tail;
  return !wrap && head + record_bytes < tail; // free: [head, tail)
}

status wal::write_at(std::uint64_t offset, std::string_view bytes) {
  auto at = static_cast<off_t>(file_header_bytes + offset);
  if (!pwrite_all(fd_, bytes.data(), bytes.size(), at))
    return status::io_error(
        errno_text("write " + path_ + " at " + std::to_string(offset)));
  return status::ok();
}

status wal::append(std::string_view payload, position* at, position* next) {
  if (payload.size() > max_payload_bytes())
    return status::invalid("a record of " + std::to_string(payload.size()) +
                           " bytes for log " + path_ + ", which takes " +
                           std::to_string(max_payload_bytes()) + " at most");
  const auto bytes = record_header_bytes + payload.size();
  // A record never straddles the ring's end: if it does not fit before it,
  // it goes to the ring's start, with a wrap marker where it would have
  // been (when a header fits there; else the reader knows to go to 0).
  const bool wrap = head_.offset + bytes > ring_bytes_;
  const std::uint64_t offset = wrap ? 0 : head_.offset;
  if (!has_room(wrap, bytes))
    return status::log_full(
        "log " + path_ + " has no room for record " +
        std::to_string(head_.lsn) + " (" + std::to_string(bytes) +
        " bytes) before the oldest record not yet released");
  if (wrap && ring_bytes_ - head_.offset >= record_header_bytes) {
    char marker[record_header_bytes];
    encode_record_header(record_kind::wrap, head_.lsn, {}, marker);
    if (auto st = write_at(head_.offset, {marker, sizeof marker}); !st.is_ok())
      return st;
  }
  buf_.resize(bytes);
  encode_record_header(record_kind::record, head_.lsn, payload, buf_.data());
  std::memcpy(buf_.data() + record_header_bytes, payload.data(),
              payload.size());
  if (auto st = write_at(offset, buf_); !st.is_ok())
    return st;
  if (::fdatasync(fd_) != 0)
    return status::io_error(errno_text("fdatasync " + path_));
  *at = {head_.lsn, offset};
  {
    std::lock_guard<std::mutex> guard{mu_};
    head_ = {head_.lsn + 1, offset + bytes};
  }
  synced_lsn_.store(head_.lsn - 1, std::memory_order_release);
  if (next != nullptr)
    *next = head_;
  return status::ok();
}

void wal::release(position next) {
  std::lock_guard<std::mutex> guard{mu_};
  assert(next.lsn <= head_.lsn); // nothing not written yet can be applied
  if (next.lsn > released_.lsn) {
    released_ = next;
    released_lsn_.store(next.lsn, std::memory_order_release);
  }
}

wal::position wal::released() const {
  std::lock_guard<std::mutex> guard{mu_};
  return released_;
}

status wal::read_valid(std::uint64_t offset, std::uint64_t lsn, bool* wrap,
                       std::string* payload, bool* valid) const {
  *valid = false;
  char h[record_header_bytes];
  auto file_at = static_cast<off_t>(file_header_bytes + offset);
  if (!pread_all(fd_, h, sizeof h, file_at))
    return status::io_error(errno_text("read " + path_));
  static const char zeros[8] = {};
  auto kind = static_cast<record_kind>(h[4]);
  auto length = get_u32(h + 8);
  if (std::memcmp(h, record_magic, sizeof record_magic) != 0 ||
      (kind != record_kind::record && kind != record_kind::wrap) ||
      std::memcmp(h + 5, zeros, 3) != 0 || std::memcmp(h + 12, zeros, 4) != 0 ||
      get_u64(h + 16) != lsn || length > max_payload_bytes() ||
      offset + record_header_bytes + length > ring_bytes_ ||
      (kind == record_kind::wrap && length != 0))
    return status::ok();
  payload->resize(length);
  if (!pread_all(fd_, payload->data(), length, file_at + sizeof h))
    return status::io_error(errno_text("read " + path_));
  *wrap = kind == record_kind::wrap;
  *valid = get_u64(h + record_checksum_at) == record_checksum(h, *payload);
  return status::ok();
}

status wal::read_record(position p, position* at, std::string* payload,
                        bool* found) const {
  *found = false;
  auto offset = p.offset;
  if (ring_bytes_ - offset < record_header_bytes)
    offset = 0; // no header fits before the ring's end
  bool wrap = false;
  bool valid = false;
  if (auto st = read_valid(offset, p.lsn, &wrap, payload, &valid);
      !st.is_ok() || !valid)
    return st;
  if (wrap) {
    if (offset == 0) // a marker at the start would send us to itself
      return status::ok();
    offset = 0;
    if (auto st = read_valid(offset, p.lsn, &wrap, payload, &valid);
        !st.is_ok() || !valid || wrap)
      return st;
  }
  *at = {p.lsn, offset};
  *found = true;
  return status::ok();
}

status wal::replay_records(position from, record_fn fn, void* ctx,
                           position* end) const {
  if (from.lsn == 0 || from.offset > ring_bytes_)
    return status::invalid(
        "replay of log " + path_ + " from lsn " + std::to_string(from.lsn) +
        " at offset " + std::to_string(from.offset) + ", outside its ring of " +
        std::to_string(ring_bytes_) + " bytes");
  std::string payload;
  auto p = from;
  for (;;) {
    position at;
    bool found = false;
    if (auto st = read_record(p, &at, &payload, &found); !st.is_ok())
      return st;
    if (!found)
      break;
    if (auto st = fn(ctx, at, payload); !st.is_ok())
      return st;
    p = {at.lsn + 1, at.offset + record_header_bytes + payload.size()};
  }
  *end = p;
  return status::ok();
}

} // namespace stockwire
